"""The issue's finding, on every engine: thirty completed orders dated four months back loaded after a build,
then old orders re-statused (completed -> refunded or cancelled, refunded -> completed). After each
incremental run every incremental model and customer_segments_current equal a full refresh of the same raw
tables, and the dbt log says, in a `window engine: ` line, that the run went back to the changed snapshots
(tests/pytest/late_data.py runs the scenario).

DuckDB compares two files; PostgreSQL two databases; Spark, whose session holds one warehouse per process, two
schemas built from the same raw tables. PostgreSQL and Spark skip locally without a server or Java and fail
with CI=true.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from conftest import PROJECT_DIR, _environment
from late_data import ScenarioResult, run_issue_scenario
from reliability import record_figures
from segmentation.dbt_runner import run_dbt
from segmentation.generator import RawData
from test_late_data_property import DuckdbEngine
from test_postgres_reliability import PostgresEngine, make_postgres, trust_databases  # noqa: F401
from test_spark_parity import SparkWarehouse, _spark_missing


def _record(engine: str, result: ScenarioResult) -> None:
    record_figures(
        f"late_data_any_age_{engine}",
        {
            "models_compared": len(result.models),
            "steps": len(result.mismatches),
            "window_engine_lines": result.log_lines,
        },
    )


def test_late_and_restatused_old_orders_equal_a_full_refresh_on_duckdb(make_warehouse) -> None:
    incremental = DuckdbEngine(make_warehouse("any_age_incremental"))
    full = DuckdbEngine(make_warehouse("any_age_full"))
    result = run_issue_scenario(incremental, full)
    _record("duckdb", result)
    assert "customer_rfm_history" in result.models and len(result.models) >= 6


class LoggedPostgresEngine(PostgresEngine):
    def __init__(self, warehouse) -> None:
        super().__init__(warehouse)
        self.log_path: Path = warehouse.root / "logs" / "dbt.log"


@pytest.mark.postgres
def test_late_and_restatused_old_orders_equal_a_full_refresh_on_postgres(make_postgres) -> None:  # noqa: F811
    incremental = LoggedPostgresEngine(make_postgres("any_age_inc"))
    full = LoggedPostgresEngine(make_postgres("any_age_full"))
    result = run_issue_scenario(incremental, full)
    _record("postgres", result)
    assert "customer_rfm_history" in result.models and len(result.models) >= 6


class SparkEngine:
    """One dbt target schema of a shared local Spark warehouse; the raw tables belong to the engine with
    ``owns_raw`` (the other one reads the same tables, so its loads are no-ops)."""

    def __init__(self, warehouse: SparkWarehouse, schema: str, owns_raw: bool) -> None:
        self.warehouse = warehouse
        self.schema = schema
        self.owns_raw = owns_raw
        self.env = {**warehouse.env, "SEGMENTATION_SPARK_SCHEMA": schema}
        self.root = warehouse.root / schema
        self.log_path = self.root / "logs" / "dbt.log"

    def replace_raw(self, raw: RawData) -> None:
        if self.owns_raw:
            self.warehouse.load(raw)

    def append_orders(self, orders: pd.DataFrame) -> None:
        if self.owns_raw:
            self.warehouse.append_orders(orders)

    def dbt(self, *args: str, dbt_vars: dict | None = None) -> object:
        extra = ["--target", "spark", "--target-path", str(self.root / "target")]
        extra += ["--log-path", str(self.root / "logs")]
        if dbt_vars:
            extra += ["--vars", repr(dbt_vars)]
        with _environment(**self.env):
            return run_dbt([*args, *extra], project_dir=PROJECT_DIR, profiles_dir=self.warehouse.profiles_dir)

    def table(self, name: str) -> pd.DataFrame:
        return self.warehouse.arrow(f"select * from {self.schema}.{name}").to_pandas()


@pytest.fixture(scope="module")
def spark_warehouse(profiles_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkWarehouse]:
    missing = _spark_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and Spark is unavailable: {missing}")
        pytest.skip(missing)
    warehouse = SparkWarehouse(tmp_path_factory.mktemp("any_age_spark"), profiles_dir)
    yield warehouse
    warehouse.spark.stop()


@pytest.mark.spark
def test_late_and_restatused_old_orders_equal_a_full_refresh_on_spark(spark_warehouse) -> None:
    incremental = SparkEngine(spark_warehouse, "late_incremental", owns_raw=True)
    full = SparkEngine(spark_warehouse, "late_full", owns_raw=False)
    result = run_issue_scenario(incremental, full)
    _record("spark", result)
    assert "customer_rfm_history" in result.models and len(result.models) >= 6
