"""Least privilege for the reverse-ETL sync on PostgreSQL: with var ``sync_reader_role`` set, a role that
logs in as the sync would reads customer_segments_current, customer_profile_current and
segment_membership_changes, and is refused on everything else (the histories, the staging models, the raw
tables, the SCD2 snapshot). Builds into its own random database and creates (then drops) its own role.
With CI=true an unreachable server fails the test; locally it skips and says why."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, _environment
from segmentation.dbt_runner import run_dbt
from segmentation.generator import generate_raw_data
from segmentation.loaders import connect_postgres, write_postgres

pytestmark = pytest.mark.postgres

SCHEMA = "marts"
GRANTED = {"customer_segments_current", "customer_profile_current", "segment_membership_changes"}
REFUSED = (
    f"{SCHEMA}.customer_rfm_history",
    f"{SCHEMA}.customer_lifecycle_history",
    f"{SCHEMA}.stg_orders",
    f"{SCHEMA}.stg_customers",
    f"{SCHEMA}.customer_tiers",
    "raw.orders",
    "raw.customers",
    f"{SCHEMA}_snapshots.customer_segments_snapshot",
)


@pytest.fixture(scope="module")
def database_and_role(postgres_server: None) -> Iterator[tuple[str, str]]:
    suffix = secrets.token_hex(4)
    database, role = f"seg_sync_{suffix}", f"seg_sync_reader_{suffix}"
    admin = connect_postgres()
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'create database "{database}"')
            cursor.execute(f"create role {role} login")
        yield database, role
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'drop database if exists "{database}" with (force)')
            cursor.execute(f"drop role if exists {role}")
        admin.close()


def _dbt(database: str, root: Path, profiles_dir: Path, *args: str) -> None:
    extra = ["--target", "postgres", "--target-path", str(root / "target"), "--log-path", str(root / "logs")]
    with _environment(PGDATABASE=database, SEGMENTATION_PG_SCHEMA=SCHEMA):
        run_dbt([*args, *extra], PROJECT_DIR, profiles_dir)


def test_the_sync_role_reads_the_crm_tables_and_nothing_else(
    database_and_role: tuple[str, str], profiles_dir: Path, tmp_path: Path
) -> None:
    database, role = database_and_role
    raw = generate_raw_data(customers=120, orders=1_500, months=14, seed=5, events=False)
    write_postgres(raw, schema="raw", connection_params={"dbname": database})
    dbt_vars = repr({"events_enabled": False, "sync_reader_role": role})
    skip_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    _dbt(database, tmp_path, profiles_dir, "build", "--vars", dbt_vars, *skip_tests)
    # An incremental run of the feed keeps the grant (dbt re-applies it to the replaced snapshots' table).
    feed_run = ["run", "--select", "segment_membership_changes", "--vars", dbt_vars]
    _dbt(database, tmp_path, profiles_dir, *feed_run)

    import psycopg2

    reader = connect_postgres(dbname=database, user=role, password="")
    reader.autocommit = True
    try:
        with reader.cursor() as cursor:
            for table in sorted(GRANTED):
                cursor.execute(f"select count(*) from {SCHEMA}.{table}")
                assert cursor.fetchone()[0] > 0, table
            cursor.execute(
                f"select count(*) from {SCHEMA}.segment_membership_changes where family = 'behaviour'"
            )
            assert cursor.fetchone()[0] == 0
            for relation in REFUSED:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(f"select 1 from {relation} limit 1")
            # Nothing else either: every table and view outside the catalogs the role may select.
            cursor.execute(
                """
                select n.nspname, c.relname
                from pg_class as c
                inner join pg_namespace as n on n.oid = c.relnamespace
                where c.relkind in ('r', 'v', 'm', 'p')
                    and n.nspname not in ('pg_catalog', 'information_schema')
                    and has_table_privilege(c.oid, 'select')
                """
            )
            readable = set(cursor.fetchall())
    finally:
        reader.close()
    assert readable == {(SCHEMA, table) for table in GRANTED}
