"""Shared fixtures: isolated DuckDB warehouses built by dbt in-process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from dbt.contracts.graph.manifest import Manifest
from segmentation.dbt_runner import run_dbt
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import connect_postgres, write_duckdb

PROJECT_DIR = Path(__file__).resolve().parents[2]


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


@dataclass
class Warehouse:
    """One DuckDB file with its own dbt target folder, so warehouses never share state."""

    root: Path
    profiles_dir: Path
    results: list = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.root / "warehouse.duckdb"

    def load(self, raw: RawData) -> None:
        write_duckdb(raw, self.path)

    def dbt(
        self, *args: str, dbt_vars: dict | None = None, check: bool = True, manifest: Manifest | None = None
    ):
        extra = ["--target-path", str(self.root / "target"), "--log-path", str(self.root / "logs")]
        if dbt_vars:
            extra += ["--vars", repr(dbt_vars)]
        with _environment(SEGMENTATION_DUCKDB_PATH=str(self.path), DBT_SEND_ANONYMOUS_USAGE_STATS="false"):
            result = run_dbt(
                [*args, *extra],
                project_dir=PROJECT_DIR,
                profiles_dir=self.profiles_dir,
                check=check,
                manifest=manifest,
            )
        self.results.append(result)
        return result

    def query(self, sql: str) -> pd.DataFrame:
        # dbt-duckdb keeps a read-write connection open in this process, and DuckDB refuses a second
        # connection to the same file with another configuration, so this one is read-write too.
        with duckdb.connect(str(self.path)) as con:
            return con.execute(sql).df()

    def raw_orders(self) -> pd.DataFrame:
        orders = self.query("select order_id, customer_id, ordered_at, amount, status from raw.orders")
        return orders.astype({"order_id": str, "customer_id": str})

    def execute(self, sql: str) -> None:
        with duckdb.connect(str(self.path)) as con:
            con.execute(sql)


def assert_build_clean(warehouse: Warehouse, result) -> dict[str, str]:
    """Every node succeeded or passed; the thin-data guard may warn, but only when a snapshot is thin."""
    # Exposures (the CRM sync) appear in a build's results as no-ops: nothing runs for them.
    statuses = {
        node.node.unique_id: str(node.status)
        for node in result.result.results
        if not (node.node.unique_id.startswith("exposure.") and str(node.status) == "no-op")
    }
    thin_guard = [key for key in statuses if key.endswith(".assert_snapshots_are_not_thin")]
    if thin_guard:
        thin = warehouse.query("select count(*) as n from rfm_snapshot_quality where is_thin")["n"].iloc[0]
        assert statuses.pop(thin_guard[0]) == ("warn" if thin else "pass")
    assert set(statuses.values()) <= {"success", "pass"}, {
        k: v for k, v in statuses.items() if v not in {"success", "pass"}
    }
    return statuses


@pytest.fixture(scope="session")
def profiles_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("profiles")
    shutil.copy(PROJECT_DIR / "profiles.yml.example", directory / "profiles.yml")
    return directory


@pytest.fixture(scope="session")
def make_warehouse(tmp_path_factory: pytest.TempPathFactory, profiles_dir: Path):
    def factory(name: str) -> Warehouse:
        return Warehouse(root=tmp_path_factory.mktemp(name), profiles_dir=profiles_dir)

    return factory


@pytest.fixture(scope="session")
def sample_raw() -> RawData:
    return generate_raw_data(customers=1500, orders=30_000, months=24, seed=11)


@pytest.fixture(scope="session")
def built_warehouse(make_warehouse, sample_raw: RawData) -> Warehouse:
    """The sample data built once with the default vars; tests only read it."""
    warehouse = make_warehouse("default_build")
    warehouse.load(sample_raw)
    warehouse.dbt("build")
    return warehouse


@pytest.fixture(scope="session")
def postgres_server() -> None:
    """The server answers, or the test fails under CI and skips (with the reason) elsewhere."""
    try:
        connect_postgres(connect_timeout=5).close()
    except Exception as error:
        message = f"PostgreSQL is not reachable with the PG* environment variables: {error}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def copy_warehouse(source: Warehouse, target: Warehouse) -> None:
    """Copy ``source``'s DuckDB file (checkpointed first: dbt's connection in this process may hold a WAL) and
    its read copy into ``target``, so each test of a built warehouse starts from the same published state."""
    source.execute("checkpoint")
    shutil.copy(source.path, target.path)
    read_copy = source.path.with_name(f"{source.path.stem}.read.duckdb")
    if read_copy.exists():
        shutil.copy(read_copy, target.path.with_name(read_copy.name))


@pytest.fixture(scope="session")
def published_warehouse(make_warehouse) -> Warehouse:
    """Small data built once with the default vars (unit tests left out): the published state the gate,
    publish guard and reader tests start from, each on its own copy."""
    warehouse = make_warehouse("published")
    warehouse.load(generate_raw_data(customers=150, orders=3_000, months=14, seed=3))
    # Data tests left out too: this build only sets up what is published (their own tests cover them).
    warehouse.dbt("build", "--exclude", "resource_type:test", "test_type:unit")
    return warehouse


# The slowest modules, started first: with `pytest -n 2 --dist loadfile --no-loadscope-reorder` (make test)
# each worker takes whole modules in collection order, so the long engine runs overlap instead of queueing at
# the end of one worker. Without --no-loadscope-reorder pytest-xdist would order modules by their number of
# tests instead, and the few-test Spark and property modules would run last, on one worker.
SLOWEST_FIRST = (
    "test_postgres_parity.py",
    "test_clv_models.py",
    "test_spark_parity.py",
    "test_spark_thrift.py",
    "test_merge_guard.py",
    "test_config_validation.py",
    "test_late_data_property.py",
    "test_late_data_any_age.py",
    "test_pipeline.py",
    "test_postgres_reliability.py",
    "test_spark_at_size.py",
    "test_bench.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: every other module keeps its order
