"""PostgreSQL: readers during a rebuild, and a short version of the late-data property.

A reader polling customer_segments_current (as a reverse-ETL sync would) over a loopback connection while
`dbt build` rebuilds it always sees the complete table: never an error, never a missing relation, never a
partial count or another checksum. The same for customer_rfm_history during an incremental run with late
orders: every poll sees either the whole old table or the whole new one, and never the old after the new.

Every session creates its own databases seg_trust_<random>_* and drops them afterwards. With CI=true an
unreachable server fails these tests; locally they skip and say why.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from itertools import count
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from late_data import DBT_VARS, Figures, Plan, plans, run_plan
from reliability import record_figures
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import append_rows_postgres, connect_postgres, write_postgres
from test_postgres_parity import PostgresWarehouse

pytestmark = pytest.mark.postgres

DATABASE_PREFIX = "seg_trust_"
MARTS_SCHEMA = "marts"
# Bounds: the reader stops after this many polls even if a build hangs; dbt builds this many times.
MAX_POLLS = 200_000
REBUILDS = 3
CURRENT_CHECK = """
    select
        count(*),
        md5(coalesce(string_agg(
            customer_id || '|' || segment || '|' || rfm_code || '|' || monetary::text || '|'
                || segment_entered_date::text,
            ',' order by customer_id
        ), ''))
    from marts.customer_segments_current
"""
HISTORY_CHECK = """
    select
        count(*),
        md5(coalesce(string_agg(
            customer_id || '|' || snapshot_date::text || '|' || rfm_code || '|' || monetary::text,
            ',' order by customer_id, snapshot_date
        ), ''))
    from marts.customer_rfm_history
"""


@pytest.fixture(scope="session")
def trust_databases(postgres_server: None) -> Iterator[Callable[[str], str]]:
    """A factory of fresh databases named seg_trust_<session>_<name>, all dropped at the end."""
    session = secrets.token_hex(4)
    created: list[str] = []
    admin = connect_postgres()
    admin.autocommit = True

    def create(name: str) -> str:
        database = f"{DATABASE_PREFIX}{session}_{name}"
        with admin.cursor() as cursor:
            # C collation sorts text byte by byte, as DuckDB does.
            cursor.execute(
                f'create database "{database}" template template0'
                " encoding 'UTF8' lc_collate 'C' lc_ctype 'C'"
            )
        created.append(database)
        return database

    try:
        yield create
    finally:
        with admin.cursor() as cursor:
            for database in created:
                cursor.execute(f'drop database if exists "{database}" with (force)')
        admin.close()


@pytest.fixture(scope="session")
def make_postgres(
    trust_databases, profiles_dir: Path, tmp_path_factory
) -> Callable[[str], PostgresWarehouse]:
    def factory(name: str) -> PostgresWarehouse:
        return PostgresWarehouse(trust_databases(name), tmp_path_factory.mktemp(f"pg_{name}"), profiles_dir)

    return factory


@dataclass
class Reader:
    """Polls one check query in a loop on its own autocommit connection until stopped (or MAX_POLLS)."""

    database: str
    sql: str
    polls: list[tuple[int, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        connection = connect_postgres(dbname=self.database, host="127.0.0.1")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                while not self.stop.is_set() and len(self.polls) + len(self.errors) < MAX_POLLS:
                    try:
                        cursor.execute(self.sql)
                        rows, checksum = cursor.fetchone()
                        self.polls.append((int(rows), str(checksum)))
                    except Exception as error:  # every error is a broken promise: record, keep polling
                        self.errors.append(f"{type(error).__name__}: {error}".strip())
                    time.sleep(0.002)
        finally:
            connection.close()


def _poll_while(database: str, sql: str, work: Callable[[], None]) -> Reader:
    reader = Reader(database, sql)
    thread = threading.Thread(target=reader.run, daemon=True)
    thread.start()
    try:
        time.sleep(0.2)  # polls of the table before the build starts
        work()
        time.sleep(0.2)  # and after it has finished
    finally:
        reader.stop.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    return reader


def _check(warehouse: PostgresWarehouse, sql: str) -> tuple[int, str]:
    rows, checksum = warehouse.query(sql).iloc[0]
    return int(rows), str(checksum)


def _relation_oid(warehouse: PostgresWarehouse, table: str) -> int:
    return int(warehouse.query(f"select 'marts.{table}'::regclass::oid as oid")["oid"].iloc[0])


FIGURES: dict[str, int] = {}


@pytest.fixture(scope="module")
def built(make_postgres) -> tuple[PostgresWarehouse, RawData]:
    raw = generate_raw_data(customers=300, orders=6_000, months=14, seed=13, events=False)
    early = raw.orders[raw.orders["ordered_at"] <= pd.Timestamp("2025-11-20")].reset_index(drop=True)
    warehouse = make_postgres("readers")
    warehouse.load(RawData(raw.customers, raw.accounts, raw.products, early, None))
    warehouse.dbt("build", "--exclude", "test_type:unit", "--vars", repr({"events_enabled": False}))
    return warehouse, raw


def test_reader_sees_complete_current_segments_while_dbt_build_rebuilds_them(built) -> None:
    warehouse, _ = built
    expected = _check(warehouse, CURRENT_CHECK)
    assert expected[0] > 100
    oid_before = _relation_oid(warehouse, "customer_segments_current")

    def rebuild() -> None:
        for _ in range(REBUILDS):
            warehouse.dbt(
                "build", "--select", "customer_segments_current", "--vars", repr({"events_enabled": False})
            )

    reader = _poll_while(warehouse.database, CURRENT_CHECK, rebuild)
    FIGURES.update(
        current_polls=len(reader.polls), current_rebuilds=REBUILDS, current_errors=len(reader.errors)
    )
    record_figures("readers_postgres", FIGURES)
    # The table really was replaced while the reader polled it.
    assert _relation_oid(warehouse, "customer_segments_current") != oid_before
    assert reader.errors == []
    assert len(reader.polls) > 50
    wrong = [poll for poll in reader.polls if poll != expected]
    assert wrong == [], (
        f"{len(wrong)} of {len(reader.polls)} polls saw another table: {wrong[:3]} vs {expected}"
    )


def test_reader_sees_old_or_new_history_never_a_mix_during_an_incremental_run(built) -> None:
    warehouse, raw = built
    late = raw.orders[raw.orders["ordered_at"] > pd.Timestamp("2025-11-20")]
    # Late orders too: some dated in the two periods the incremental run recomputes.
    assert (late["ordered_at"] < pd.Timestamp("2025-12-01")).any()
    old = _check(warehouse, HISTORY_CHECK)
    append_rows_postgres("orders", late, connection_params={"dbname": warehouse.database})

    def incremental_run() -> None:
        warehouse.dbt("run", "--select", "+customer_rfm_history", "--vars", repr({"events_enabled": False}))

    reader = _poll_while(warehouse.database, HISTORY_CHECK, incremental_run)
    new = _check(warehouse, HISTORY_CHECK)
    FIGURES.update(history_polls=len(reader.polls), history_errors=len(reader.errors))
    record_figures("readers_postgres", FIGURES)
    assert new != old and new[0] > old[0]
    assert reader.errors == []
    assert reader.polls[0] == old and reader.polls[-1] == new
    others = [poll for poll in reader.polls if poll not in (old, new)]
    assert others == [], f"{len(others)} polls saw a partial history: {others[:3]}"
    first_new = reader.polls.index(new)
    assert old not in reader.polls[first_new:], "a poll saw the old history after the new one"


class PostgresEngine:
    def __init__(self, warehouse: PostgresWarehouse) -> None:
        self.warehouse = warehouse

    def replace_raw(self, raw: RawData) -> None:
        write_postgres(raw, connection_params={"dbname": self.warehouse.database})

    def append_orders(self, orders: pd.DataFrame) -> None:
        append_rows_postgres("orders", orders, connection_params={"dbname": self.warehouse.database})

    def dbt(self, *args: str, dbt_vars: dict | None = None) -> object:
        return self.warehouse.dbt(*args, "--vars", repr(dbt_vars or DBT_VARS))

    def table(self, name: str) -> pd.DataFrame:
        return self.warehouse.fetch(name)


PROPERTY_FIGURES = Figures()
EXAMPLE = count()


@settings(
    max_examples=2,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans(max_steps=2))
def test_incremental_history_always_equals_a_full_refresh_on_postgres(make_postgres, plan: Plan) -> None:
    number = next(EXAMPLE)
    incremental = PostgresEngine(make_postgres(f"prop_inc_{number}"))
    full = PostgresEngine(make_postgres(f"prop_full_{number}"))
    try:
        run_plan(plan, incremental, full, PROPERTY_FIGURES)
    finally:
        record_figures("late_data_postgres", asdict(PROPERTY_FIGURES))
    assert PROPERTY_FIGURES.mismatches == 0
