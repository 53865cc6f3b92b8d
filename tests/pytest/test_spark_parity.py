"""Spark parity: the same raw data built on DuckDB and on Spark (dbt-spark, local session) gives the same
marts, row for row, after a full build and after an incremental run that absorbs late orders.

Spark runs in this process (dbt-spark's session method), with its warehouse and Derby metastore in a
temporary folder. Without Java or pyspark the module skips locally and fails when CI=true.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa
import pytest
from conftest import PROJECT_DIR, Warehouse, _environment, assert_build_clean
from segmentation.dbt_runner import DbtCommandError, run_dbt
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import RAW_SCHEMA, write_duckdb
from segmentation.readers import SparkReader
from segmentation.summary import (
    format_profiles,
    format_summary,
    format_tiers,
    profile_counts,
    segment_summary,
    tier_counts,
)
from test_merge_guard import PROBE, _assert_probe_guarded
from test_merge_guard import probe_project as probe_project

pytestmark = pytest.mark.spark

SPARK_SCHEMA = "segmentation"
# Every mart and the rejected rows; the histories and their transitions are what incremental runs touch.
PARITY_TABLES = (
    "stg_orders",
    "rejected_values",
    "customer_rfm_history",
    "customer_segments_current",
    "customer_cohorts",
    "customer_tiers",
    "segment_transitions",
    "segment_summary",
    "segment_outcomes",
    "cohort_retention",
    "rfm_score_thresholds",
    "rfm_snapshot_quality",
    "customer_behaviour_history",
    "customer_lifecycle_history",
    "customer_value_history",
    "customer_health_history",
    "customer_profile_current",
    "customer_btyd_history",
    "customer_btyd_calibration",
    "behaviour_transitions",
    "lifecycle_transitions",
    "value_transitions",
    "health_transitions",
    "int_customer_segment_runs",
    "int_customer_segment_transitions",
    "segment_membership_changes",
    "rejected_rows",
    "int_customer_snapshot_windows",
)
# The incremental models: after an incremental Spark run each equals a DuckDB full refresh.
HISTORIES = (
    *(t for t in PARITY_TABLES if t.endswith("_history")),
    "segment_membership_changes",
    "int_customer_snapshot_windows",
)
# Columns each engine or run computes its own way (row hashes, run timestamps): never compared across them.
OWN_COLUMNS = ("inputs_fingerprint", "activity_fingerprint", "computed_at")
# The SCD2 columns that hold build times differ between any two builds; the versions themselves must agree.
SNAPSHOT_SQL = (
    "select customer_id, segment, rfm_code, recommended_action, dbt_valid_to is null as is_current"
    " from {schema}.customer_segments_snapshot"
)
# Bad raw orders, as text, that staging must set aside with a reason on both engines (never fail the build).
BAD_ORDERS = [
    {"order_id": "900001", "ordered_at": "not a timestamp", "amount": "10.00", "status": "completed"},
    {"order_id": "900002", "ordered_at": "2025-06-31 10:00:00", "amount": "10.00", "status": "completed"},
    {"order_id": "900003", "ordered_at": "2025-06-15 10:00:00", "amount": "12,50", "status": "completed"},
    {"order_id": "900004", "ordered_at": "2025-06-15 10:00:00", "amount": "abc", "status": "completed"},
    {"order_id": "900005", "ordered_at": "2025-06-15 10:00:00", "amount": "10.00", "status": "shipped"},
    {"order_id": "900006", "ordered_at": "2099-01-01 00:00:00", "amount": "10.00", "status": "completed"},
    {
        "order_id": "900007",
        "ordered_at": "2025-06-15 10:00:00",
        "amount": "9999999999999999.99",
        "status": "completed",
    },
    {"order_id": "900008", "ordered_at": "1850-06-15 10:00:00", "amount": "10.00", "status": "completed"},
    {
        "order_id": "900009",
        "ordered_at": "2025-06-15 10:00:00 Mars/Olympus",
        "amount": "10.00",
        "status": "completed",
    },
]
# Valid orders whose text names a moment with an offset or a zone name: staged on the same business date on
# both engines (stg_orders is compared), near midnight so a dropped offset would move the date.
ZONED_ORDERS = [
    {
        "order_id": "900101",
        "ordered_at": "2025-05-31T21:30:00-05:00",
        "amount": "10.00",
        "status": "completed",
    },
    {
        "order_id": "900102",
        "ordered_at": "2025-06-01 08:30:00 Asia/Tokyo",
        "amount": "10.00",
        "status": "completed",
    },
    {
        "order_id": "900103",
        "ordered_at": "2025-06-01 05:00:00+0530",
        "amount": "10.00",
        "status": "completed",
    },
    {
        "order_id": "900104",
        "ordered_at": "2025-05-31 21:30:00 America/New_York",
        "amount": "10.00",
        "status": "completed",
    },
    {"order_id": "900105", "ordered_at": "2025-06-01 01:30:00Z", "amount": "10.00", "status": "completed"},
]


def _spark_missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None or importlib.util.find_spec("dbt.adapters.spark") is None:
        return "pyspark / dbt-spark are not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        return "Java 17 is not installed (Spark needs a JVM)"
    return None


def _text_orders(orders: pd.DataFrame, customer_id: str) -> pd.DataFrame:
    """Orders as a CSV loader lands them: every column text, with BAD_ORDERS appended for one customer."""
    text = pd.DataFrame(
        {
            "order_id": orders["order_id"].astype("int64").astype(str),
            "customer_id": orders["customer_id"].astype("int64").astype(str),
            "account_id": orders["account_id"].map(lambda v: None if pd.isna(v) else str(int(v))),
            "product_id": orders["product_id"].astype("int64").astype(str),
            "ordered_at": orders["ordered_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "amount": orders["amount"].map(lambda v: f"{v:.2f}"),
            "cost": orders["cost"].map(lambda v: None if pd.isna(v) else f"{v:.2f}"),
            "status": orders["status"].astype(str),
        }
    )
    bad = pd.DataFrame(
        [
            {**row, "customer_id": customer_id, "account_id": None, "product_id": "1", "cost": None}
            for row in BAD_ORDERS + ZONED_ORDERS
        ]
    )
    return pd.concat([text, bad[text.columns]], ignore_index=True).astype(object)


def _split_late(orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every fifth order of the last two months arrives late, dated in the newest built periods, whose changed
    inputs the incremental run finds."""
    day = orders["ordered_at"].dt.normalize()
    start = day.max().to_period("M").start_time - pd.DateOffset(months=1)
    late = (day >= start) & (orders["order_id"] % 5 == 0)
    return orders[~late], orders[late]


def _python_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return (
            value.replace(tzinfo=None)
            if value.tzinfo is None
            else value.astimezone(dt.UTC).replace(tzinfo=None)
        )
    return value


def _rows(table: pa.Table) -> tuple[list[str], list[tuple]]:
    columns = sorted(table.column_names)
    records = table.select(columns).to_pylist()
    rows = [tuple(_python_value(record[c]) for c in columns) for record in records]
    return columns, sorted(rows, key=lambda row: tuple((v is None, str(v)) for v in row))


def _kinds(table: pa.Table) -> dict[str, str]:
    """The type family of each column: money and ratios must be decimals on both engines, with one scale."""

    def kind(data_type: pa.DataType) -> str:
        if pa.types.is_decimal(data_type):
            return f"decimal(scale={data_type.scale})"
        if pa.types.is_integer(data_type):
            return "integer"
        if pa.types.is_floating(data_type):
            return "float"
        if pa.types.is_string(data_type) or pa.types.is_large_string(data_type):
            return "string"
        return str(data_type).split("[")[0]

    return {field.name: kind(field.type) for field in table.schema}


class SparkWarehouse:
    """Raw tables and marts in a local Spark warehouse, built by dbt-spark in this process."""

    def __init__(self, root: Path, profiles_dir: Path):
        from segmentation.spark_loader import spark_session

        self.root = root
        self.profiles_dir = profiles_dir
        self.env = {
            "SEGMENTATION_SPARK_WAREHOUSE": str(root / "warehouse"),
            "SEGMENTATION_SPARK_METASTORE": str(root / "metastore_db"),
            "SEGMENTATION_SPARK_SCHEMA": SPARK_SCHEMA,
            "SEGMENTATION_SPARK_SHUFFLE_PARTITIONS": "2",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        with _environment(**self.env):
            self.spark = spark_session()

    def load(self, raw: RawData) -> None:
        from segmentation.spark_loader import write_spark

        write_spark(raw, spark=self.spark, text_tables=("orders",))

    def append_orders(self, orders: pd.DataFrame) -> None:
        from segmentation.spark_loader import append_rows_spark

        append_rows_spark(self.spark, "orders", orders, as_text=True)

    def dbt(self, *args: str):
        extra = ["--target", "spark", "--target-path", str(self.root / "target")]
        extra += ["--log-path", str(self.root / "logs")]
        with _environment(**self.env):
            return run_dbt([*args, *extra], project_dir=PROJECT_DIR, profiles_dir=self.profiles_dir)

    def arrow(self, sql: str) -> pa.Table:
        return self.spark.sql(sql).toArrow()

    def table(self, name: str) -> pa.Table:
        return self.arrow(f"select * from {SPARK_SCHEMA}.{name}")

    def count(self, sql: str) -> int:
        return int(self.spark.sql(sql).collect()[0][0])


def _duckdb_arrow(warehouse: Warehouse, sql: str) -> pa.Table:
    with duckdb.connect(str(warehouse.path)) as con:
        return con.sql(sql).to_arrow_table()


def _replace_duckdb_orders(warehouse: Warehouse, orders: pd.DataFrame, append: bool) -> None:
    columns = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in RAW_SCHEMA["orders"])
    with duckdb.connect(str(warehouse.path)) as con:
        con.register("text_orders", orders)
        if append:
            con.execute(f"insert into raw.orders select {columns} from text_orders")
        else:
            con.execute(f"create or replace table raw.orders as select {columns} from text_orders")
        con.unregister("text_orders")


def assert_same_tables(duck: Warehouse, spark: SparkWarehouse, tables: tuple[str, ...]) -> dict[str, int]:
    counts = {}
    for name in tables:
        expected = _duckdb_arrow(duck, f"select * from main.{name}")
        expected = expected.drop_columns([c for c in expected.column_names if c in OWN_COLUMNS])
        actual = spark.table(name)
        actual = actual.drop_columns([c for c in actual.column_names if c in OWN_COLUMNS])
        assert _kinds(actual) == _kinds(expected), name
        expected_columns, expected_rows = _rows(expected)
        actual_columns, actual_rows = _rows(actual)
        assert actual_columns == expected_columns, name
        if actual_rows != expected_rows:
            only_duckdb = [r for r in expected_rows if r not in set(actual_rows)][:3]
            only_spark = [r for r in actual_rows if r not in set(expected_rows)][:3]
            pytest.fail(
                f"{name}: {len(expected_rows)} DuckDB rows, {len(actual_rows)} Spark rows; only in "
                f"DuckDB {only_duckdb}; only in Spark {only_spark}; columns {expected_columns}"
            )
        counts[name] = len(actual_rows)
    return counts


def assert_same_snapshots(duck: Warehouse, spark: SparkWarehouse) -> int:
    _, expected = _rows(_duckdb_arrow(duck, SNAPSHOT_SQL.format(schema="main_snapshots")))
    _, actual = _rows(spark.arrow(SNAPSHOT_SQL.format(schema=f"{SPARK_SCHEMA}_snapshots")))
    assert actual == expected
    return len(actual)


@pytest.fixture(scope="module")
def parity_raw() -> tuple[RawData, pd.DataFrame]:
    """Small on purpose: Spark local mode is slow. Returns the first load (orders as text, with bad rows)
    and the late orders the incremental run absorbs."""
    raw = generate_raw_data(customers=150, orders=2_500, months=14, seed=23)
    on_time, late = _split_late(raw.orders)
    customer_id = str(int(raw.customers["customer_id"].iloc[0]))
    first = RawData(
        customers=raw.customers,
        accounts=raw.accounts,
        products=raw.products,
        orders=_text_orders(on_time, customer_id),
        events=raw.events,
    )
    return first, _text_orders(late, customer_id).iloc[: len(late)]


@pytest.fixture(scope="module")
def engines(
    make_warehouse, profiles_dir: Path, tmp_path_factory: pytest.TempPathFactory, parity_raw
) -> Iterator[tuple[Warehouse, SparkWarehouse]]:
    missing = _spark_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and Spark is unavailable: {missing}")
        pytest.skip(missing)
    first, _ = parity_raw
    duck = make_warehouse("parity_duckdb")
    typed = RawData(first.customers, first.accounts, first.products, first.orders.iloc[:0], first.events)
    write_duckdb(typed, duck.path)
    _replace_duckdb_orders(duck, first.orders, append=False)
    # The reference build: every data and unit test runs on DuckDB in the other modules, so only the tables
    # the comparison reads are built here.
    assert_build_clean(duck, duck.dbt("build", "--exclude", "resource_type:test", "resource_type:unit_test"))

    spark = SparkWarehouse(tmp_path_factory.mktemp("parity_spark"), profiles_dir)
    spark.load(first)
    yield duck, spark
    spark.spark.stop()


def test_spark_builds_the_same_marts_as_duckdb_full_and_incremental(engines, parity_raw) -> None:
    duck, spark = engines
    _, late = parity_raw
    # The tables are compared with DuckDB's row for row below, and DuckDB and PostgreSQL run every data and
    # unit test on the same rows; on Spark the build runs the models, seeds and snapshot, then the singular
    # tests and the generic tests of the two tables the CRM syncs (each generic test macro among them), so
    # the test SQL is proven on Spark without paying a round trip per test for all 400 of them.
    result = spark.dbt("build", "--exclude", "resource_type:test", "resource_type:unit_test")
    tested = spark.dbt(
        "test", "--select", "test_type:singular", "customer_segments_current", "customer_profile_current"
    )
    # Exposures (a CRM sync, say) appear in a build's results as no-ops: nothing runs for them.
    statuses = {
        node.node.unique_id: str(node.status)
        for node in [*result.result.results, *tested.result.results]
        if not (node.node.unique_id.startswith("exposure.") and str(node.status) == "no-op")
    }
    assert sum(key.startswith("test.") for key in statuses) > 20
    thin = spark.count(f"select count(*) from {SPARK_SCHEMA}.rfm_snapshot_quality where is_thin")
    thin_guard = [key for key in statuses if key.endswith(".assert_snapshots_are_not_thin")]
    assert [statuses.pop(key) for key in thin_guard] == ["warn" if thin else "pass"]
    assert set(statuses.values()) <= {"success", "pass"}, {
        k: v for k, v in statuses.items() if v not in {"success", "pass"}
    }
    assert any(key.startswith("snapshot.") for key in statuses)

    counts = assert_same_tables(duck, spark, PARITY_TABLES)
    assert counts["customer_rfm_history"] > counts["customer_segments_current"] > 100
    # Every planted bad order is set aside with a reason on Spark too, not dropped and not a failed build.
    rejected = spark.count(
        f"select count(*) from {SPARK_SCHEMA}.rejected_rows where source_table = 'orders'"
        f" and source_key in ({', '.join(repr(r['order_id']) for r in BAD_ORDERS)})"
    )
    assert rejected == len(BAD_ORDERS)
    assert_same_snapshots(duck, spark)

    # Late orders dated inside the two recomputed periods: an incremental run on each engine absorbs them.
    before = spark.table("customer_rfm_history")
    _replace_duckdb_orders(duck, late, append=True)
    spark.append_orders(late)
    for warehouse in (duck, spark):
        warehouse.dbt("run")
        warehouse.dbt("snapshot")
    counts = assert_same_tables(duck, spark, PARITY_TABLES)
    assert spark.table("customer_rfm_history") != before, "the late orders changed nothing"
    versions = assert_same_snapshots(duck, spark)
    assert versions > counts["customer_segments_current"], "no segment changed, so no SCD2 version closed"

    # A full refresh on DuckDB equals the incremental Spark histories: incremental == full refresh on Spark.
    duck.dbt("run", "--full-refresh", "--select", *HISTORIES)
    assert_same_tables(duck, spark, HISTORIES)

    # The CLI's summary reads the Spark marts through SparkReader and prints what it prints for DuckDB.
    reader = SparkReader(SPARK_SCHEMA, session=spark.spark)
    for summarise, render in (
        (segment_summary, format_summary),
        (tier_counts, format_tiers),
        (profile_counts, format_profiles),
    ):
        assert render(summarise(reader)) == render(summarise(duck.path))


def test_a_duplicate_key_stops_the_partition_overwrite_on_spark(engines) -> None:
    # Runs after the parity test, on its built warehouse. The newest snapshot's engine rows are copied once
    # more, stamped later than the history's rows, so the history recomputes that snapshot and every key of
    # its batch appears twice.
    _, spark = engines
    history = f"select * from {SPARK_SCHEMA}.customer_rfm_history"
    before = spark.arrow(history).sort_by([("customer_id", "ascending"), ("snapshot_date", "ascending")])
    windows = f"{SPARK_SCHEMA}.int_customer_snapshot_windows"
    columns = [
        "current_timestamp() + interval 1 minute as computed_at" if column == "computed_at" else column
        for column in spark.spark.table(windows).columns
    ]
    spark.spark.sql(
        f"insert into {windows} select {', '.join(columns)} from {windows}"
        f" where snapshot_date = (select max(snapshot_date) from {windows})"
    )
    try:
        with pytest.raises(DbtCommandError) as failure:
            spark.dbt("run", "--select", "customer_rfm_history")
        message = str(failure.value)
        assert "Merge key guard: the new batch for" in message
        assert "keys (customer_id, snapshot_date) on more than one row" in message
        after = spark.arrow(history).sort_by([("customer_id", "ascending"), ("snapshot_date", "ascending")])
        assert after.equals(before)
    finally:
        spark.dbt("run", "--select", "int_customer_snapshot_windows", "--full-refresh")


def test_spark_clv_predictions_equal_duckdb_and_pymc_marketing(engines) -> None:
    """Stored BTYD parameters turn into the same predictions on Spark as on DuckDB (1e-9 relative: ln and exp
    may differ in the last bit between engines) and as pymc-marketing's own functions, for both models."""
    from segmentation.clv import PARAMETER_COLUMNS, clv_available, model_with_parameters, write_parameters

    duck, spark = engines
    parameters = {
        "bg_nbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
        "mbg_nbd": {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614},
        "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
    }
    frame = pd.DataFrame(
        [
            (model, name, value, dt.date(2025, 3, 31), "week", 1000, dt.datetime(2026, 1, 1))
            for model, values in parameters.items()
            for name, value in values.items()
        ],
        columns=PARAMETER_COLUMNS,
    )
    write_parameters(frame, "duckdb", duck.path, "main")
    with _environment(**spark.env):
        write_parameters(frame, "spark", None, SPARK_SCHEMA)
    sql = (
        "select p.customer_id, p.snapshot_date, p.p_alive, p.expected_purchases, p.expected_order_value, "
        "h.frequency, h.recency_days, h.age_days, h.monetary_value from {schema}.customer_clv_predictions p "
        "join {schema}.customer_btyd_history h on p.customer_id = h.customer_id "
        "and p.snapshot_date = h.snapshot_date order by p.customer_id, p.snapshot_date"
    )
    for model in ("mbg_nbd", "bg_nbd"):
        for warehouse in (duck, spark):
            warehouse.dbt("run", "--select", "customer_clv_predictions", "--vars", f"{{clv_model: {model}}}")
        on_duckdb = _duckdb_arrow(duck, sql.format(schema="main")).to_pandas()
        on_spark = spark.arrow(sql.format(schema=SPARK_SCHEMA)).to_pandas()
        assert len(on_spark) == len(on_duckdb) > 100
        assert (on_spark["customer_id"].to_numpy() == on_duckdb["customer_id"].to_numpy()).all()
        references = {column: on_duckdb[column].to_numpy(dtype=float) for column in ("p_alive",)}
        if clv_available():
            data = pd.DataFrame(
                {
                    "customer_id": [str(i) for i in range(len(on_spark))],
                    "frequency": on_spark["frequency"].astype(float),
                    "recency": on_spark["recency_days"].astype(float) / 7.0,
                    "T": on_spark["age_days"].astype(float) / 7.0,
                    "monetary_value": on_spark["monetary_value"].astype(float),
                }
            )
            fitted = model_with_parameters(model, data, parameters[model])
            spend = model_with_parameters("gamma_gamma", data, parameters["gamma_gamma"])
            references = {
                "p_alive": fitted.expected_probability_alive(data).values.ravel(),
                "expected_purchases": fitted.expected_purchases(data, future_t=52).values.ravel(),
                "expected_order_value": spend.expected_customer_spend(data).values.ravel(),
            }
        elif os.environ.get("CI") == "true":
            pytest.fail('CI=true and pymc-marketing is not installed (pip install ".[clv]")')
        for column in ("p_alive", "expected_purchases", "expected_order_value"):
            spark_values = on_spark[column].to_numpy(dtype=float)
            duck_values = on_duckdb[column].to_numpy(dtype=float)
            assert (abs(spark_values - duck_values) <= 1e-9 * abs(duck_values)).all(), (model, column)
            if column in references:
                reference = references[column]
                assert (abs(spark_values - reference) <= 1e-9 * abs(reference)).all(), (model, column)


def test_the_probe_model_is_guarded_on_spark(engines, probe_project: Path, profiles_dir: Path) -> None:
    """test_merge_guard's probe on Spark: every bad batch (duplicate keys, a null key, a key column the model
    lacks) stops the partition overwrite with the guard's message, and the table stays as it was."""
    _, spark = engines

    def run(dbt_vars: dict) -> None:
        args = ["run", "--select", PROBE, "--target", "spark", "--target-path", str(spark.root / "probe")]
        args += ["--log-path", str(spark.root / "logs"), "--vars", repr(dbt_vars)]
        with _environment(**spark.env):
            run_dbt(args, project_dir=probe_project, profiles_dir=profiles_dir)

    def fetch() -> pd.DataFrame:
        table = spark.arrow(f"select * from {SPARK_SCHEMA}.{PROBE}").to_pandas()
        return table.sort_values(["customer_id", "snapshot_date"]).reset_index(drop=True)

    _assert_probe_guarded(run, fetch)


def test_late_and_restatused_orders_of_any_age_on_spark(engines, parity_raw) -> None:
    """Late orders dated ten months back (far outside rfm_lookback_periods) and an old order cancelled: an
    incremental Spark run finds the earliest snapshot they touch, says so, and equals a full refresh on DuckDB
    (whose full build equals Spark's, above), histories and window engine alike."""
    duck, spark = engines
    first, late = parity_raw
    orders = pd.concat([first.orders, late], ignore_index=True)
    day = pd.to_datetime(orders["ordered_at"], errors="coerce").dt.normalize()
    completed = (orders["status"] == "completed") & day.notna()
    # The data's end: the late orders are its last two months (BAD_ORDERS hold dates far in the future).
    end = pd.to_datetime(late["ordered_at"]).max()
    late_month = (end - pd.DateOffset(months=10)).to_period("M")
    cancel_month = (end - pd.DateOffset(months=7)).to_period("M")
    arriving = orders[completed & (day.dt.to_period("M") == late_month)].head(3).copy()
    assert len(arriving) == 3
    arriving["order_id"] = [str(800_001 + i) for i in range(len(arriving))]
    cancelled = orders[completed & (day.dt.to_period("M") == cancel_month)].index[0]
    orders.loc[cancelled, "status"] = "cancelled"
    orders = pd.concat([orders, arriving], ignore_index=True)

    spark.load(RawData(first.customers, first.accounts, first.products, orders, first.events))
    _replace_duckdb_orders(duck, orders, append=False)
    # The window engine and one history on top: the other histories read the engine the same way.
    selected = ["+customer_rfm_history"]
    log = spark.root / "logs" / "dbt.log"
    seen = log.stat().st_size
    spark.dbt("run", "--select", *selected)
    with log.open(errors="replace") as handle:
        handle.seek(seen)
        lines = [line for line in handle if "[info " in line and "window engine: " in line]
    earliest = late_month.end_time.strftime("%Y-%m-%d")
    for model in ("int_customer_window_changes", "int_customer_snapshot_windows"):
        expected = f"{model} recomputes from snapshot {earliest}"
        assert any(expected in line for line in lines), lines

    duck.dbt("run", "--full-refresh", "--select", *selected)
    engine = ("int_customer_window_changes", "int_customer_snapshot_windows", "customer_rfm_history")
    assert_same_tables(duck, spark, engine)
