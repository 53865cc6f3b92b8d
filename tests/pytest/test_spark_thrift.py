"""Spark as a server: a local standalone master, one worker and a Thrift server started from pyspark, the
project built through the `thrift` output of profiles.yml.example (dbt-spark over PyHive, as against a
cluster), and the marts compared row for row with DuckDB on the data of the session parity test. The build
is what a deployment against a cluster publishes: the CRM tables, their snapshot and every model they read
(the window engine, the RFM history and every family history), the summary's tables and the rejected rows;
the session parity test builds and compares every other mart on Spark.

Without Java, pyspark or PyHive the module skips locally and fails when CI=true. Every process it starts is
stopped by its pid when the module ends, and the test checks that none is left.
"""

from __future__ import annotations

import importlib.util
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from conftest import PROJECT_DIR, Warehouse, _environment, assert_build_clean
from segmentation.dbt_runner import run_dbt
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import write_duckdb
from segmentation.summary import format_summary, format_tiers, segment_summary, tier_counts
from test_spark_parity import (
    BAD_ORDERS,
    _replace_duckdb_orders,
    _split_late,
    _text_orders,
    assert_same_snapshots,
    assert_same_tables,
)

pytestmark = pytest.mark.spark

SCHEMA = "segmentation"
# The CRM tables and their snapshot, the summary's tables and the rejected rows, with every node they read.
SELECT = [
    "--select",
    "+customer_segments_snapshot",
    "+customer_profile_current",
    "+segment_summary",
    "+customer_tiers",
    "+rejected_rows",
]
NO_TESTS = ["--exclude", "resource_type:test", "resource_type:unit_test"]
# The tables of the session parity test that this build writes.
THRIFT_TABLES = (
    "stg_orders",
    "rejected_rows",
    "int_customer_snapshot_windows",
    "customer_rfm_history",
    "customer_segments_current",
    "int_customer_segment_runs",
    "customer_behaviour_history",
    "customer_lifecycle_history",
    "customer_value_history",
    "customer_health_history",
    "customer_btyd_history",
    "customer_profile_current",
    "customer_tiers",
    "segment_summary",
)


def _thrift_missing() -> str | None:
    for module, extra in (("pyspark", "spark"), ("pyhive", "spark"), ("dbt.adapters.spark", "spark")):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[{extra}]')"
    from segmentation.spark_server import java_missing

    return java_missing()


class ThriftWarehouse:
    """The raw tables and marts behind the Thrift server; dbt reaches it through the `thrift` output."""

    def __init__(self, server: Any, root: Path, profiles_dir: Path):
        from segmentation.spark_server import connect

        self.server = server
        self.root = root
        self.profiles_dir = profiles_dir
        self.connection = connect(server.thrift_port)
        self.env = {
            **server.profile_env(),
            "SEGMENTATION_SPARK_SCHEMA": SCHEMA,
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }

    def load(self, raw: RawData) -> None:
        from segmentation.spark_server import write_thrift

        write_thrift(raw, self.connection, self.server.landing, text_tables=("orders",))

    def append_orders(self, orders: pd.DataFrame) -> None:
        from segmentation.spark_server import append_thrift

        append_thrift(self.connection, "orders", orders, self.server.landing, as_text=True)

    def dbt(self, *args: str):
        extra = ["--target", "thrift", "--target-path", str(self.root / "target")]
        extra += ["--log-path", str(self.root / "logs")]
        with _environment(**self.env):
            return run_dbt([*args, *extra], project_dir=PROJECT_DIR, profiles_dir=self.profiles_dir)

    def execute(self, sql: str) -> None:
        cursor = self.connection.cursor()
        try:
            cursor.execute(sql)
        finally:
            cursor.close()

    def arrow(self, sql: str) -> pa.Table:
        from segmentation.spark_server import fetch_arrow

        return fetch_arrow(self.connection, sql)

    def table(self, name: str) -> pa.Table:
        from segmentation.spark_server import fetch_table

        # This session outlives dbt's: it caches a table's file listing, which an insert_overwrite by
        # another session makes stale (what any long-lived reader of a Thrift server must do too).
        self.execute(f"refresh table {SCHEMA}.{name}")
        return fetch_table(self.connection, f"{SCHEMA}.{name}")

    def count(self, sql: str) -> int:
        return int(self.arrow(sql).column(0)[0].as_py())


@pytest.fixture(scope="module")
def thrift_raw() -> tuple[RawData, pd.DataFrame]:
    """The session parity test's data: orders as text with planted bad rows, and the late orders."""
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
def thrift_engines(
    make_warehouse, profiles_dir: Path, tmp_path_factory: pytest.TempPathFactory, thrift_raw
) -> Iterator[tuple[Warehouse, ThriftWarehouse]]:
    missing = _thrift_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and Spark as a server is unavailable: {missing}")
        pytest.skip(missing)
    from segmentation.spark_server import SparkServer, _group_alive

    first, _ = thrift_raw
    duck = make_warehouse("thrift_duckdb")
    typed = RawData(first.customers, first.accounts, first.products, first.orders.iloc[:0], first.events)
    write_duckdb(typed, duck.path)
    _replace_duckdb_orders(duck, first.orders, append=False)
    # The reference build: every data and unit test runs on DuckDB in the other modules, so only the tables
    # the comparison reads are built here.
    assert_build_clean(duck, duck.dbt("build", *SELECT, *NO_TESTS))

    root = tmp_path_factory.mktemp("thrift")
    server = SparkServer(root / "server")
    started = time.monotonic()
    server.start()
    try:
        pids = dict(server.pids)
        assert set(pids) == {"master", "worker", "thrift"}
        print(f"Spark master, worker and Thrift server up in {time.monotonic() - started:.0f}s")
        spark = ThriftWarehouse(server, root, profiles_dir)
        spark.load(first)
        yield duck, spark
        spark.connection.close()
    finally:
        server.stop()
    # Stopped by pid: no process of any of the three groups is left.
    assert [name for name, pid in pids.items() if _group_alive(pid)] == []


def test_thrift_server_builds_the_same_marts_as_duckdb(thrift_engines, thrift_raw) -> None:
    duck, spark = thrift_engines
    _, late = thrift_raw
    # The server runs with the project's semantics: ANSI mode on, as the session target.
    assert spark.arrow("set spark.sql.ansi.enabled").column(1).to_pylist() == ["true"]

    # The selected seeds, models and snapshot: every data and unit test already runs on Spark in the session
    # parity test, and here each would be one more round trip to the server (a third of CI's budget).
    started = time.monotonic()
    result = spark.dbt("build", *SELECT, *NO_TESTS)
    print(f"dbt build --target thrift: {time.monotonic() - started:.0f}s")
    statuses = {
        node.node.unique_id: str(node.status)
        for node in result.result.results
        if not (node.node.unique_id.startswith("exposure.") and str(node.status) == "no-op")
    }
    assert set(statuses.values()) == {"success"}, {k: v for k, v in statuses.items() if v != "success"}
    kinds = {key.split(".")[0] for key in statuses}
    # "operation": the project's on-run-start hook.
    assert {"model", "seed", "snapshot"} <= kinds <= {"model", "seed", "snapshot", "operation"}, kinds

    counts = assert_same_tables(duck, spark, THRIFT_TABLES)
    assert counts["customer_rfm_history"] > counts["customer_segments_current"] > 100
    rejected = spark.count(
        f"select count(*) from {SCHEMA}.rejected_rows where source_table = 'orders'"
        f" and source_key in ({', '.join(repr(r['order_id']) for r in BAD_ORDERS)})"
    )
    assert rejected == len(BAD_ORDERS)
    assert_same_snapshots(duck, spark)

    # The summary reads the server's marts through PyHive and prints what it prints for DuckDB.
    from segmentation.spark_server import ThriftReader

    reader = ThriftReader(spark.server.thrift_port, SCHEMA)
    try:
        for summarise, render in ((segment_summary, format_summary), (tier_counts, format_tiers)):
            assert render(summarise(reader)) == render(summarise(duck.path))
    finally:
        reader.close()

    # Late orders inside the recomputed periods: the incremental run on the server absorbs them as DuckDB's.
    before = spark.table("customer_rfm_history")
    _replace_duckdb_orders(duck, late, append=True)
    spark.append_orders(late)
    started = time.monotonic()
    # The window engine and the RFM history: the other histories read the engine the same way, and the
    # session parity test runs every one of them incrementally on Spark.
    engine = ("int_customer_window_changes", "int_customer_snapshot_windows", "customer_rfm_history")
    for warehouse in (duck, spark):
        warehouse.dbt("run", "--select", "+customer_rfm_history")
    print(f"incremental dbt run --target thrift: {time.monotonic() - started:.0f}s (with DuckDB's)")
    assert_same_tables(duck, spark, engine)
    assert spark.table("customer_rfm_history") != before, "the late orders changed nothing"
