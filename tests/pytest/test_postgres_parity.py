"""PostgreSQL gives DuckDB's results row for row: the same generated data (with bad text rows in it) built on
both engines, compared after a full build and after an incremental run with late orders, money exactly.

Needs a PostgreSQL server (PG* environment variables, defaults 127.0.0.1:5432 user postgres). Every session
creates its own database ``seg_pg_<random>`` and drops it afterwards. With CI=true an unreachable server
fails the tests; locally they skip and say why.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import PROJECT_DIR, Warehouse, _environment, assert_build_clean
from parity import (
    ENGINE_OWN_COLUMNS,
    RUN_OWN_COLUMNS,
    assert_same_rows,
    fetch_dbapi,
    fetch_duckdb,
    without_columns,
)
from segmentation.cli import main
from segmentation.clv import PARAMETER_COLUMNS, write_parameters
from segmentation.dbt_runner import run_dbt
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import (
    append_rows_duckdb,
    append_rows_postgres,
    connect_postgres,
    load_raw,
    write_duckdb,
    write_postgres,
)

pytestmark = pytest.mark.postgres

DATABASE_PREFIX = "seg_pg_"
MARTS_SCHEMA = "marts"
# The contract marts and the issue-7 families; every other model is compared too, in one test.
CONTRACT_MODELS = (
    "customer_rfm_history",
    "customer_segments_current",
    "customer_cohorts",
    "customer_tiers",
    "customer_behaviour_history",
    "customer_lifecycle_history",
    "customer_value_history",
    "customer_health_history",
    "customer_profile_current",
    "customer_btyd_history",
    "customer_btyd_calibration",
    "customer_clv_predictions",
    "behaviour_transitions",
    "lifecycle_transitions",
    "value_transitions",
    "health_transitions",
    "segment_summary",
    "segment_transitions",
    "segment_membership_changes",
    "rejected_rows",
)
# Incremental histories: after the incremental run each must also equal its own full refresh on PostgreSQL.
HISTORY_MODELS = (
    "customer_rfm_history",
    "customer_behaviour_history",
    "customer_lifecycle_history",
    "customer_value_history",
    "customer_health_history",
    "segment_membership_changes",
    "customer_btyd_history",
    "int_customer_snapshot_windows",
)
LATE_CUTOFF = pd.Timestamp("2025-10-15")
# BTYD parameters of the size published for the CDNOW data (weeks); predictions from 2025-03-31 on.
CLV_PARAMETERS = pd.DataFrame(
    [
        (model, name, value, date(2025, 3, 31), "week", 1000, datetime(2026, 1, 1))
        for model, values in {
            "bg_nbd": {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426},
            "mbg_nbd": {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614},
            "gamma_gamma": {"p": 6.25, "q": 3.74, "v": 15.44},
        }.items()
        for name, value in values.items()
    ],
    columns=PARAMETER_COLUMNS,
)
SNAPSHOT_NAME = "customer_segments_snapshot (versions)"

# Raw orders landed as text, as a CSV loader would. Both engines must read them the same way: odd but valid
# spellings, rows rejected for what they say, and text no cast can read (PostgreSQL has no try_cast: its
# guarded parse macros and DuckDB's try_cast must both turn these into rejected rows, not a failed build).
UNPARSEABLE_ORDER_ROWS = (
    # order_id, customer_id, ordered_at, amount, cost, status, expected reason
    (900001, 1, "2024-13-45", "10.00", "5.00", "completed", "unparseable ordered_at"),
    (900002, 1, "not a date", "10.00", "5.00", "completed", "unparseable ordered_at"),
    (900003, 1, "2025-02-29 10:00:00", "10.00", "5.00", "completed", "unparseable ordered_at"),
    (900004, 1, "2025-03-05 10:00:00", "12,5x", "5.00", "completed", "unparseable amount"),
    (900005, 1, "2025-03-05 10:00:00", "99999999999999999.99", "5.00", "completed", "amount out of range"),
    (900020, 1, "2025-03-05 10:00:00", "9999999999999999.99", "5.00", "completed", "amount out of range"),
    (900021, 1, "1850-03-05 10:00:00", "10.00", "5.00", "completed", "ordered_at before 1900-01-01"),
    (900022, 1, "2025-03-05 10:00:00 Mars/Olympus", "10.00", "5.00", "completed", "unparseable ordered_at"),
    (900023, 1, "2025-03-05 10:00:00 EST", "10.00", "5.00", "completed", "unparseable ordered_at"),
)
PORTABLE_ORDER_ROWS = (
    *UNPARSEABLE_ORDER_ROWS,
    # order_id, customer_id, ordered_at, amount, cost, status, expected reason (None: staged)
    (900007, 99999999, "2025-03-05 10:00:00", "10.00", "5.00", "completed", "unknown customer_id"),
    (900008, 1, "2031-01-01", "10.00", "5.00", "completed", "ordered_at after run date"),
    (900009, 1, "2025-03-05 10:00:00", "10.00", "5.00", "pending", "unknown status"),
    (900010, 1, "2025-03-05", "1e3", "2.5", "completed", None),
    (900011, 1, "2025-3-7 9:05", " 7.125 ", None, "completed", None),
    (900012, 1, "2025-03-05 24:00:00", "1_000.50", "3", "COMPLETED", None),
    (900013, 1, "2025-03-05T10:00:00+02", "-5", None, "refunded", None),
    # A bad cost is nulled (recorded in rejected_values), the order staged.
    (900006, 1, "2025-03-05 10:00:00", "42.10", "abc", "completed", None),
    # One clock: offsets and zone names land on the business date of the moment they name.
    (900014, 1, "2025-03-31T21:30:00-05:00", "10.00", "5.00", "completed", None),
    (900015, 1, "2025-04-01 08:30:00 Asia/Tokyo", "10.00", "5.00", "completed", None),
    (900016, 1, "2025-04-01 05:00:00+0530", "10.00", "5.00", "completed", None),
    (900017, 1, "2025-03-31 21:30:00 America/New_York", "10.00", "5.00", "completed", None),
    (900018, 1, "2025-04-01 01:30:00 UTC", "10.00", "5.00", "completed", None),
    # Same order_id as a generated order, other content: one copy is kept by the rule, the other conflicts.
    (1, 1, "2025-03-05 10:00:00", "10.00", "5.00", "completed", "conflicting duplicate order_id"),
)
# Spellings for the parse macros, valid and not: PostgreSQL's guarded casts must agree with DuckDB's try_cast.
TIMESTAMP_SPELLINGS = (
    *("2024-01-05", "2024-1-5", "2024-01-05 10:00", "2024-01-05T10:00:00", "2024-01-05T 10:00"),
    *(
        "2024-01-05 10:00:00.123456",
        "2024-01-05 10:00:00.1234567",
        "2024-01-05 10:00:00.",
        "2024-01-05 1:2:3",
    ),
    *(
        "2024-01-05 10:00:00+02",
        "2024-01-05 10:00:00+02:30",
        "2024-01-05 10:00:00-05",
        "2024-01-05 10:00:00Z",
    ),
    *("2024-01-05 10:00:00 UTC", "2024-01-05 10:00:00.123 +02:00", "2024-01-05  10:00:00", "0001-01-01"),
    *("2024-01-05 24:00:00", "2024-01-05 24:00", "2024-01-05 24:00:00.5", "2024-01-05 24:00:01"),
    *("2024-02-29", "2000-02-29", "2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-00-10"),
    *("2024-01-00", "2024-13-45", "2024-01-05 25:00:00", "2024-01-05 10:61:00", "2024-01-05 10:00:60"),
    *("not a date", "now", "Jan 5 2024", "20240105", "05/01/2024", "2024-01-05 10", "2024-001-05"),
    *("2024-01-05 10:00:00+2", "2024-01-05 BC"),
)
# PostgreSQL has no year 0 (DuckDB reads it as 1 BC, which Python cannot hold): null, not a failed build.
POSTGRES_ONLY_NULL_TIMESTAMPS = ("0000-01-01", "0000-1-1 10:00")
MONEY_SPELLINGS = (
    *("12.5", "-3", "+3", "1e3", "1E+3", "1.5e2", "1e-2", ".5", "5.", "00012.10", "-0", "1_000", "1_000.5_0"),
    *("12.345", "12.355", "12.3449", "-12.345", "0.005", "-0.005", "1e-999"),
    *("9999999999999999.99", "99999999999999999.99", "9999999999999999.995", "1e999"),
    *("12,5x", "1,000.00", "$12", "NaN", "inf", "Infinity", "0x10", "12 5", "1__000", "_1", "1_", "1._5"),
    *("12.3.4", "-", ".", "e5", "1e"),
)
# Spellings of moments for the one-clock parse (business_timestamp), valid and not, compared between engines.
ZONED_SPELLINGS = (
    *(
        "2024-03-31T23:30:00-05:00",
        "2024-03-31 23:30:00+09",
        "2024-03-31 23:30:00+0530",
        "2024-03-31 23:30:00Z",
    ),
    *("2024-03-31 23:30:00 UTC", "2024-03-31 23:30:00 utc", "2024-03-31 23:30:00 -05", "2024-01-05Z"),
    *(
        "2024-03-31 23:30:00 Asia/Tokyo",
        "2024-03-31 23:30:00 America/New_York",
        "2024-07-01 00:30 Europe/Berlin",
    ),
    *("2024-11-03 01:30:00 America/New_York", "2024-03-31 23:30:00.123456+02:00", "2024-03-31 23:30:00"),
    *("2024-03-31", "2024-03-31 23:30:00 Mars/Olympus", "2024-03-31 23:30:00 EST", "2024-03-31 23:30:00+2"),
    *("2024-03-31 23:30:00+24:00", "2024-03-31 23:30:00+05:60", "2024-13-31 23:30:00+02", "not a date Z"),
)
TEXT_ORDER_COLUMNS = ("ordered_at", "amount", "cost", "status")


@pytest.fixture(scope="session")
def postgres_database(postgres_server: None) -> Iterator[str]:
    """A fresh database for this session, dropped afterwards even when tests fail."""
    name = f"{DATABASE_PREFIX}{secrets.token_hex(4)}"
    admin = connect_postgres()
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            # C collation sorts text byte by byte, as DuckDB does.
            cursor.execute(
                f"create database \"{name}\" template template0 encoding 'UTF8' lc_collate 'C' lc_ctype 'C'"
            )
        yield name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{name}" with (force)')
        admin.close()


@dataclass
class PostgresWarehouse:
    """The project built with ``--target postgres`` into one database, with its own dbt target folder."""

    database: str
    root: Path
    profiles_dir: Path
    schema: str = MARTS_SCHEMA
    raw_schema: str = "raw"
    results: list = field(default_factory=list)

    def connect(self):
        return connect_postgres(dbname=self.database, options=f"-c search_path={self.schema}")

    def load(self, raw: RawData) -> None:
        write_postgres(raw, schema=self.raw_schema, connection_params={"dbname": self.database})

    def dbt(self, *args: str, check: bool = True):
        extra = ["--target", "postgres", "--target-path", str(self.root / "target")]
        extra += ["--log-path", str(self.root / "logs")]
        with _environment(PGDATABASE=self.database, SEGMENTATION_PG_SCHEMA=self.schema):
            result = run_dbt([*args, *extra], PROJECT_DIR, self.profiles_dir, check=check)
        self.results.append(result)
        return result

    def execute(self, sql: str) -> None:
        connection = self.connect()
        try:
            with connection, connection.cursor() as cursor:
                cursor.execute(sql)
        finally:
            connection.close()

    def query(self, sql: str) -> pd.DataFrame:
        connection = self.connect()
        try:
            return fetch_dbapi(connection, sql)
        finally:
            connection.close()

    def fetch(self, table: str) -> pd.DataFrame:
        return self.query(f'select * from "{self.schema}"."{table}"')

    def tables(self) -> set[str]:
        rows = self.query(
            f"select table_name from information_schema.tables where table_schema = '{self.schema}'"
        )
        return set(rows["table_name"])


def _duckdb_tables(warehouse: Warehouse) -> set[str]:
    with duckdb.connect(str(warehouse.path)) as con:
        rows = con.execute("select table_name from information_schema.tables where table_schema = 'main'")
        return {name for (name,) in rows.fetchall()}


def _split_late_orders(orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders up to the cutoff, except every seventh of the cutoff's month and the month before, which arrive
    later with the rest: late, dated inside the two periods the next incremental run recomputes."""
    day = orders["ordered_at"].dt.normalize()
    recent = day >= LATE_CUTOFF.to_period("M").start_time - pd.DateOffset(months=1)
    held_back = (day <= LATE_CUTOFF) & recent & (orders["order_id"] % 7 == 0)
    first = (day <= LATE_CUTOFF) & ~held_back
    return orders[first], orders[~first]


def _as_text_rows(orders: pd.DataFrame) -> pd.DataFrame:
    # The appended rows are the text a CSV loader would land; both engines receive identical strings.
    text = orders.copy()
    text["ordered_at"] = text["ordered_at"].dt.strftime("%Y-%m-%d %H:%M:%S")
    for column in ("amount", "cost"):
        text[column] = text[column].map(lambda v: None if pd.isna(v) else f"{v:.2f}")
    return text


def _text_orders_sql(dialect: str) -> list[str]:
    if dialect == "postgres":
        columns = ", ".join(f"alter column {c} type text" for c in TEXT_ORDER_COLUMNS)
        return [f"alter table raw.orders {columns}"]
    return [f"alter table raw.orders alter column {c} set data type varchar" for c in TEXT_ORDER_COLUMNS]


def _insert_orders_sql(rows: tuple[tuple, ...]) -> str:
    values = ", ".join(
        "({}, {}, null, 1, '{}', '{}', {}, '{}')".format(
            order_id, customer_id, ordered_at, amount, "null" if cost is None else f"'{cost}'", status
        )
        for order_id, customer_id, ordered_at, amount, cost, status, _ in rows
    )
    columns = "order_id, customer_id, account_id, product_id, ordered_at, amount, cost, status"
    return f"insert into raw.orders ({columns}) values {values}"


# The SCD2 snapshot's dbt_* columns hold the build's clock; what must agree is each version and whether it is
# the current one.
SNAPSHOT_SQL = (
    "select customer_id, snapshot_date, segment, rfm_code, recommended_action, "
    "dbt_valid_to is null as is_current from {relation}"
)


def _snapshot(duck: Warehouse, pg: PostgresWarehouse) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Every relation of DuckDB's marts schema, from both engines (None where PostgreSQL lacks it), and the
    versions of the SCD2 snapshot."""
    pg_tables = pg.tables()
    frames = {
        table: (fetch_duckdb(duck.path, "main", table), pg.fetch(table) if table in pg_tables else None)
        for table in sorted(_duckdb_tables(duck))
    }
    with duckdb.connect(str(duck.path)) as con:
        duck_versions = fetch_dbapi(
            con, SNAPSHOT_SQL.format(relation="main_snapshots.customer_segments_snapshot")
        )
    pg_relation = f"{MARTS_SCHEMA}_snapshots.customer_segments_snapshot"
    frames[SNAPSHOT_NAME] = (duck_versions, pg.query(SNAPSHOT_SQL.format(relation=pg_relation)))
    return frames


@dataclass
class Pair:
    duck: Warehouse
    pg: PostgresWarehouse
    full: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    incremental: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    pg_full_refresh: dict[str, pd.DataFrame] = field(default_factory=dict)


@pytest.fixture(scope="module")
def pair(make_warehouse, postgres_database: str, profiles_dir: Path, tmp_path_factory) -> Pair:
    """Both engines built on the same data, then fed the same late orders and built incrementally; every
    relation is captured after each step, so the tests below only compare frames."""
    raw = generate_raw_data(customers=300, orders=6_000, months=18, seed=23)
    early, late = _split_late_orders(raw.orders)
    first_load = RawData(raw.customers, raw.accounts, raw.products, early, raw.events)

    duck = make_warehouse("parity_duckdb")
    write_duckdb(first_load, duck.path)
    with duckdb.connect(str(duck.path)) as con:
        for statement in [*_text_orders_sql("duckdb"), _insert_orders_sql(PORTABLE_ORDER_ROWS)]:
            con.execute(statement)
    pg = PostgresWarehouse(postgres_database, tmp_path_factory.mktemp("parity_postgres"), profiles_dir)
    pg.load(first_load)
    for statement in [*_text_orders_sql("postgres"), _insert_orders_sql(PORTABLE_ORDER_ROWS)]:
        pg.execute(statement)

    # Stored BTYD parameters (as `segmentation clv fit` writes them), so the predictions are compared too.
    write_parameters(CLV_PARAMETERS, "duckdb", duck.path, "main")
    with _environment(PGDATABASE=postgres_database):
        write_parameters(CLV_PARAMETERS, "postgres", None, MARTS_SCHEMA)

    # PostgreSQL runs every data and unit test here; DuckDB, the reference, builds only what is compared
    # (its data tests run on this shape of data, bad rows included, in test_pipeline and test_bad_rows).
    no_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    result = duck.dbt("build", *no_tests)
    assert_build_clean(duck, result)
    result = pg.dbt("build")
    assert_build_clean(pg, result)
    captured = Pair(duck, pg, full=_snapshot(duck, pg))

    late_text = _as_text_rows(late)
    assert append_rows_duckdb("orders", late_text, duck.path) == len(late)
    assert append_rows_postgres("orders", late_text, connection_params={"dbname": postgres_database}) == len(
        late
    )
    assert_build_clean(duck, duck.dbt("build", *no_tests))
    assert_build_clean(pg, pg.dbt("build", "--exclude", "test_type:unit"))
    captured.incremental = _snapshot(duck, pg)

    pg.dbt("run", "--select", *HISTORY_MODELS, "--full-refresh")
    captured.pg_full_refresh = {table: pg.fetch(table) for table in HISTORY_MODELS}

    return captured


def _assert_pair_equal(frames: dict[str, tuple[pd.DataFrame, pd.DataFrame]], table: str, step: str) -> None:
    assert table in frames, f"{table} was not built on DuckDB"
    duck_rows, pg_rows = frames[table]
    assert pg_rows is not None, f"{table} was not built on PostgreSQL"
    assert len(duck_rows) > 0 or table == "rejected_rows", (
        f"{table} is empty: the comparison would prove nothing"
    )
    own = ENGINE_OWN_COLUMNS + RUN_OWN_COLUMNS
    assert_same_rows(
        without_columns(duck_rows, own),
        without_columns(pg_rows, own),
        name=f"{table} ({step}, DuckDB vs PostgreSQL)",
    )


@pytest.mark.parametrize("table", CONTRACT_MODELS)
def test_full_build_matches_duckdb(pair: Pair, table: str) -> None:
    _assert_pair_equal(pair.full, table, "full build")


@pytest.mark.parametrize("table", CONTRACT_MODELS)
def test_incremental_run_with_late_orders_matches_duckdb(pair: Pair, table: str) -> None:
    _assert_pair_equal(pair.incremental, table, "after late orders")


def test_every_other_model_and_seed_matches_duckdb(pair: Pair) -> None:
    others = sorted(set(pair.incremental) - set(CONTRACT_MODELS))
    assert {"stg_orders", "rfm_segment_definitions", SNAPSHOT_NAME} <= set(others)
    for table in others:
        _assert_pair_equal(pair.full, table, "full build")
        _assert_pair_equal(pair.incremental, table, "after late orders")


def test_late_orders_changed_the_recomputed_periods(pair: Pair) -> None:
    # Guards the incremental comparison: the late orders must actually land in already-built snapshots.
    before = pair.full["customer_rfm_history"][1]
    after = pair.incremental["customer_rfm_history"][1]
    built = set(before["snapshot_date"])
    totals_before = before.groupby("snapshot_date")["frequency"].sum()
    totals_after = after[after["snapshot_date"].isin(built)].groupby("snapshot_date")["frequency"].sum()
    revised = totals_after[totals_after != totals_before.loc[totals_after.index]]
    assert len(revised) > 0 and revised.index.max() <= (LATE_CUTOFF + pd.offsets.MonthEnd(0)).date()
    assert max(after["snapshot_date"]) > max(built)
    # ... and the SCD2 snapshot recorded new versions for customers whose segment moved.
    assert len(pair.incremental[SNAPSHOT_NAME][1]) > len(pair.full[SNAPSHOT_NAME][1])


@pytest.mark.parametrize("table", HISTORY_MODELS)
def test_incremental_history_equals_full_refresh_on_postgres(pair: Pair, table: str) -> None:
    incremental = without_columns(pair.incremental[table][1], RUN_OWN_COLUMNS)
    assert_same_rows(
        incremental,
        without_columns(pair.pg_full_refresh[table], RUN_OWN_COLUMNS),
        name=f"{table} (PostgreSQL incremental vs full)",
    )


@pytest.mark.parametrize(
    ("macro", "duckdb_type", "spellings"),
    [
        ("try_cast_timestamp", "timestamp", TIMESTAMP_SPELLINGS),
        ("try_cast_money", "decimal(18, 2)", MONEY_SPELLINGS),
    ],
)
def test_postgres_parsing_agrees_with_duckdb_try_cast(
    postgres_database: str, profiles_dir: Path, tmp_path: Path, macro: str, duckdb_type: str, spellings
) -> None:
    values = " union all ".join(f"select {i} as i, '{v}' as v" for i, v in enumerate(spellings))
    inline = f"select i, {{{{ customer_segmentation.{macro}('v') }}}} as parsed from ({values}) t order by i"
    pg = PostgresWarehouse(postgres_database, tmp_path, profiles_dir)
    result = pg.dbt("compile", "--inline", inline)
    compiled = result.result.results[0].node.compiled_code
    on_postgres = pg.query(compiled)["parsed"].tolist()
    with duckdb.connect() as con:
        on_duckdb = [
            v
            for (_, v) in con.execute(
                f"select i, try_cast(v as {duckdb_type}) from ({values}) t order by i"
            ).fetchall()
        ]
    differences = [(s, p, d) for s, p, d in zip(spellings, on_postgres, on_duckdb, strict=True) if p != d]
    assert not differences, differences
    # Both kinds are in the list, so the comparison covers parsing and rejecting.
    assert any(v is None for v in on_duckdb) and any(v is not None for v in on_duckdb)


@pytest.mark.parametrize("business_timezone", ["UTC", "America/New_York"])
def test_postgres_business_timestamps_agree_with_duckdb(
    make_warehouse, postgres_database: str, profiles_dir: Path, tmp_path: Path, business_timezone: str
) -> None:
    values = " union all ".join(f"select {i} as i, '{v}' as v" for i, v in enumerate(ZONED_SPELLINGS))
    inline = (
        f"select i, {{{{ customer_segmentation.business_timestamp('v', none) }}}} as parsed from ({values}) t"
    )
    zone = json.dumps({"business_timezone": business_timezone})
    pg = PostgresWarehouse(postgres_database, tmp_path, profiles_dir)
    with _environment(PGDATABASE=postgres_database):
        compiled = (
            run_dbt(
                ["compile", "--target", "postgres", "--vars", zone, "--inline", inline],
                PROJECT_DIR,
                profiles_dir,
            )
            .result.results[0]
            .node.compiled_code
        )
    on_postgres = dict(pg.query(compiled).itertuples(index=False, name=None))
    duck = make_warehouse("zoned_spellings")
    duck_compiled = (
        duck.dbt("compile", "--vars", zone, "--inline", inline).result.results[0].node.compiled_code
    )
    with duckdb.connect() as con:
        on_duckdb = dict(con.execute(duck_compiled).fetchall())
    differences = [
        (s, on_postgres[i], on_duckdb[i])
        for i, s in enumerate(ZONED_SPELLINGS)
        if on_postgres[i] != on_duckdb[i]
    ]
    assert not differences, differences
    parsed = dict(zip(ZONED_SPELLINGS, (on_duckdb[i] for i in range(len(ZONED_SPELLINGS))), strict=True))
    shift = 4 if business_timezone == "America/New_York" else 0
    assert parsed["2024-03-31T23:30:00-05:00"] == datetime(2024, 4, 1, 4 - shift, 30)
    assert parsed["2024-03-31 23:30:00"] == datetime(2024, 3, 31, 23, 30)
    assert parsed["2024-03-31 23:30:00 Mars/Olympus"] is None and parsed["2024-03-31 23:30:00 EST"] is None


def test_postgres_timestamp_without_a_year_zero_is_null(
    postgres_database: str, profiles_dir: Path, tmp_path: Path
) -> None:
    values = " union all ".join(f"select '{v}' as v" for v in POSTGRES_ONLY_NULL_TIMESTAMPS)
    inline = f"select {{{{ customer_segmentation.try_cast_timestamp('v') }}}} as parsed from ({values}) t"
    pg = PostgresWarehouse(postgres_database, tmp_path, profiles_dir)
    compiled = pg.dbt("compile", "--inline", inline).result.results[0].node.compiled_code
    assert pg.query(compiled)["parsed"].tolist() == [None] * len(POSTGRES_ONLY_NULL_TIMESTAMPS)


def _order_reasons(rejected: pd.DataFrame) -> dict[str, str]:
    orders = rejected[rejected["source_table"] == "orders"]
    return dict(zip(orders["source_key"].astype(str), orders["reason"], strict=True))


def test_portable_text_rows_are_staged_or_rejected_alike(pair: Pair) -> None:
    for step in (pair.full, pair.incremental):
        duck_reasons, pg_reasons = (_order_reasons(frame) for frame in step["rejected_rows"])
        for order_id, *_, expected in PORTABLE_ORDER_ROWS:
            assert duck_reasons.get(str(order_id)) == pg_reasons.get(str(order_id)) == expected, order_id
    staged = pair.pg.query(
        "select order_id, ordered_at, amount, status from stg_orders where order_id in "
        "('900010', '900011', '900012', '900013') order by order_id"
    )
    assert staged.to_dict("list") == {
        "order_id": ["900010", "900011", "900012", "900013"],
        "ordered_at": [
            datetime(2025, 3, 5),
            datetime(2025, 3, 7, 9, 5),
            datetime(2025, 3, 6),
            # '+02': the moment, in business time (UTC).
            datetime(2025, 3, 5, 8),
        ],
        "amount": [Decimal("1000.00"), Decimal("7.13"), Decimal("1000.50"), Decimal("-5.00")],
        "status": ["completed", "completed", "completed", "refunded"],
    }


def test_unparseable_text_becomes_rejected_rows_with_reasons_on_both_engines(pair: Pair) -> None:
    # The builds passed (checked in the fixture); every bad row is set aside with its reason, none dropped.
    for warehouse in (pair.duck, pair.pg):
        rejected = warehouse.query("select source_table, source_key, reason from rejected_rows")
        reasons = _order_reasons(rejected)
        for order_id, *_, expected in UNPARSEABLE_ORDER_ROWS:
            assert reasons.get(str(order_id)) == expected, (warehouse, order_id)
        staged = set(warehouse.query("select order_id from stg_orders")["order_id"].astype(str))
        assert staged.isdisjoint(str(row[0]) for row in UNPARSEABLE_ORDER_ROWS)


def test_cli_generate_loads_postgres_with_every_row(postgres_database: str, monkeypatch) -> None:
    monkeypatch.setenv("PGDATABASE", postgres_database)
    arguments = ["--customers", "40", "--orders", "600", "--months", "14", "--seed", "5"]
    result = CliRunner().invoke(main, ["generate", "--target", "postgres", "--schema", "raw_cli", *arguments])
    assert result.exit_code == 0, result.output
    assert "raw_cli of PostgreSQL" in result.output and postgres_database in result.output
    expected = generate_raw_data(customers=40, orders=600, months=14, seed=5)
    connection = connect_postgres(dbname=postgres_database)
    try:
        for table in ("customers", "accounts", "products", "orders", "events"):
            loaded = fetch_dbapi(connection, f"select * from raw_cli.{table}")
            assert len(loaded) == len(getattr(expected, table)), table
        orders = fetch_dbapi(
            connection, "select sum(amount) as total, max(ordered_at) as latest from raw_cli.orders"
        )
    finally:
        connection.close()
    assert orders["total"][0] == expected.orders["amount"].map(lambda v: Decimal(f"{v:.2f}")).sum()
    assert orders["latest"][0] == expected.orders["ordered_at"].max().to_pydatetime()


def test_cli_summary_reads_the_postgres_marts(pair: Pair, monkeypatch) -> None:
    monkeypatch.setenv("PGDATABASE", pair.pg.database)
    result = CliRunner().invoke(main, ["summary", "--target", "postgres", "--schema", MARTS_SCHEMA])
    assert result.exit_code == 0, result.output
    customers = len(pair.incremental["customer_segments_current"][1])
    assert f"segments, {customers:,} customers" in result.output
    assert "Tiers: A Strategic" in result.output and "High-value accounts at risk" in result.output


def test_cli_says_where_a_missing_postgres_mart_was_looked_for(postgres_database: str, monkeypatch) -> None:
    monkeypatch.setenv("PGDATABASE", postgres_database)
    result = CliRunner().invoke(main, ["summary", "--target", "postgres", "--schema", "no_such_schema"])
    assert result.exit_code != 0
    assert "no_such_schema.customer_segments_current not found" in result.output


def test_load_raw_names_what_is_missing() -> None:
    # Spark's loader is tested with Spark; here only the dispatch's own errors.
    raw = generate_raw_data(customers=5, orders=20, months=14, seed=1)
    with pytest.raises(ValueError, match="unknown target 'oracle'; choose one of duckdb, postgres, spark"):
        load_raw(raw, "oracle")
    with pytest.raises(ValueError, match="needs a DuckDB file path"):
        load_raw(raw, "duckdb")


# Other grains, windows, score methods and schemes take other macro paths (quarter spines, week truncation,
# NTILE, fixed threshold breaks, all history); a build without events disables the behaviour models.
OTHER_CONFIGS = {
    "quarter_all_history_fixed_as_of_no_events": {
        "rfm_grain": "quarter",
        "rfm_window_months": 0,
        "rfm_as_of_date": "2025-08-15",
        "rfm_segment_scheme": "simple_6",
        "events_enabled": False,
    },
    # Fixed breaks from the seed, everyone ranked (the default build covers population active).
    "thresholds_population_all": {
        "rfm_score_method": "thresholds",
        "rfm_score_population": "all",
    },
    "week_ntile_rfm_27_three_months": {
        "rfm_grain": "week",
        "rfm_score_method": "ntile",
        "rfm_segment_scheme": "rfm_27",
        "rfm_window_months": 3,
    },
}


@pytest.mark.parametrize("config", sorted(OTHER_CONFIGS))
def test_other_configurations_match_duckdb(
    make_warehouse, postgres_database: str, profiles_dir: Path, tmp_path: Path, config: str
) -> None:
    raw = generate_raw_data(customers=150, orders=2_500, months=15, seed=31)
    raw_schema, marts = f"raw_{config[:5]}", f"marts_{config[:5]}"
    dbt_vars = json.dumps({**OTHER_CONFIGS[config], "raw_schema": raw_schema})
    duck = make_warehouse(f"parity_{config[:5]}")
    write_duckdb(raw, duck.path, schema=raw_schema)
    assert_build_clean(duck, duck.dbt("build", "--vars", dbt_vars))
    pg = PostgresWarehouse(postgres_database, tmp_path, profiles_dir, schema=marts, raw_schema=raw_schema)
    pg.load(raw)
    # The data and unit tests of this configuration ran on DuckDB above, and every one runs on PostgreSQL
    # in the default build; here PostgreSQL builds the tables the comparison below reads.
    no_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    assert_build_clean(pg, pg.dbt("build", *no_tests, "--vars", dbt_vars))
    duck_tables = _duckdb_tables(duck)
    assert duck_tables == pg.tables()
    for table in sorted(duck_tables):
        own = ENGINE_OWN_COLUMNS + RUN_OWN_COLUMNS
        assert_same_rows(
            without_columns(fetch_duckdb(duck.path, "main", table), own),
            without_columns(pg.fetch(table), own),
            name=f"{table} ({config})",
        )


@pytest.mark.parametrize("model", ["mbg_nbd", "bg_nbd"])
def test_clv_predictions_on_postgres_equal_pymc_marketing(pair: Pair, model: str) -> None:
    """The SQL predictions on PostgreSQL equal pymc-marketing's own functions to 1e-9 relative."""
    from segmentation.clv import clv_available, model_with_parameters, parameters_by_model

    if not clv_available():
        message = 'pymc-marketing is not installed (pip install ".[clv]")'
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    pair.pg.dbt("run", "--select", "customer_clv_predictions", "--vars", f"{{clv_model: {model}}}")
    frame = pair.pg.query(
        "select p.customer_id, p.p_alive, p.expected_purchases, p.expected_order_value, h.frequency, "
        "h.recency_days, h.age_days, h.monetary_value from customer_clv_predictions as p "
        "inner join customer_btyd_history as h using (customer_id, snapshot_date)"
        " order by p.customer_id, p.snapshot_date"
    )
    assert len(frame) > 500 and (frame["frequency"] == 0).any()
    data = pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(len(frame))],
            "frequency": frame["frequency"].astype(float),
            "recency": frame["recency_days"].astype(float) / 7.0,
            "T": frame["age_days"].astype(float) / 7.0,
            "monetary_value": frame["monetary_value"].astype(float),
        }
    )
    parameters = parameters_by_model(CLV_PARAMETERS)
    fitted = model_with_parameters(model, data, parameters[model])
    spend = model_with_parameters("gamma_gamma", data, parameters["gamma_gamma"])
    expected = {
        "p_alive": fitted.expected_probability_alive(data).values.ravel(),
        "expected_purchases": fitted.expected_purchases(data, future_t=52).values.ravel(),
        "expected_order_value": spend.expected_customer_spend(data).values.ravel(),
    }
    for column, reference in expected.items():
        actual = frame[column].astype(float).to_numpy()
        error = abs(actual - reference) / abs(reference).clip(min=1e-300)
        assert error.max() <= 1e-9, f"{column}: largest relative error {error.max():.3g}"
