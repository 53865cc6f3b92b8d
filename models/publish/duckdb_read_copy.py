"""DuckDB only: publish the tables readers use to a separate DuckDB file, atomically, as the build's last step.

DuckDB lets one process hold a database file for writing, and a reader holding the warehouse file open (a BI
tool, a sync) makes `dbt build` fail with a lock error. Readers open this read copy instead
(``<warehouse>.read.duckdb``, or env ``SEGMENTATION_DUCKDB_READ_PATH``), read-only. Each build writes a new
copy to a temporary file beside it, closes it and renames it over the old one (``os.replace``, atomic on
POSIX and Windows): a reader sees the old copy or the new one, never a partial table, and a reader holding
the old copy open keeps reading it and never blocks the build. This model refs every published table, so
it runs only when all of them were built: when the build gate or the publish guard stops the build, the
read copy stays as it was. Its own table lists what was published.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd


def _read_copy_path(session, configured: str | None) -> Path:
    if configured:
        return Path(configured)
    (warehouse,) = session.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchone()
    warehouse_path = Path(warehouse)
    return warehouse_path.with_name(f"{warehouse_path.stem}.read{warehouse_path.suffix or '.duckdb'}")


def model(dbt, session):
    dbt.config(materialized="table")
    # Literal refs, so dbt orders this model after every table it publishes (names as in the warehouse).
    published = {
        "customer_segments_current": dbt.ref("customer_segments_current"),
        "customer_profile_current": dbt.ref("customer_profile_current"),
        "segment_membership_changes": dbt.ref("segment_membership_changes"),
        "customer_segments_snapshot": dbt.ref("customer_segments_snapshot"),
        "segment_summary": dbt.ref("segment_summary"),
        "segment_transitions": dbt.ref("segment_transitions"),
        "customer_tiers": dbt.ref("customer_tiers"),
        "customer_cohorts": dbt.ref("customer_cohorts"),
    }
    # dbt-duckdb runs Python models in the dbt process, so the environment is the build's own.
    final = _read_copy_path(session, os.environ.get("SEGMENTATION_DUCKDB_READ_PATH") or None)
    final.parent.mkdir(parents=True, exist_ok=True)
    temporary = final.with_name(f"{final.name}.tmp-{os.getpid()}")
    for leftover in (temporary, temporary.with_name(temporary.name + ".wal")):
        leftover.unlink(missing_ok=True)
    alias = "segmentation_read_copy"
    rows = []
    # Every statement's result is fetched: DuckDB refuses new work on a connection with a pending result.
    session.execute(f"attach '{temporary.as_posix()}' as {alias}").fetchall()
    try:  # on any failure the half-written copy is removed and the published one stays
        for table, relation in published.items():
            session.execute(f"create table {alias}.main.{table} as {relation.sql_query()}").fetchall()
            (count,) = session.execute(f"select count(*) from {alias}.main.{table}").fetchone()
            rows.append((table, int(count)))
    except BaseException:
        session.execute(f"detach {alias}").fetchall()
        temporary.unlink(missing_ok=True)
        raise
    session.execute(f"detach {alias}").fetchall()
    os.replace(temporary, final)
    published_at = datetime.now(UTC).replace(tzinfo=None)
    return pd.DataFrame(
        {
            "table_name": [table for table, _ in rows],
            "row_count": [count for _, count in rows],
            "read_copy_path": [str(final.resolve())] * len(rows),
            "published_at": [published_at] * len(rows),
        }
    )
