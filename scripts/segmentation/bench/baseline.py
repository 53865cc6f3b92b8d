"""The fan-out join, the floor and the row-for-row checks: SQL from ``sql/`` run in the bench's file."""

from __future__ import annotations

import duckdb

from .common import BASELINE_TABLE, BUCKETS, FLOOR_TABLE, MODEL, WINDOW_MONTHS, sql

# The fan-out join as it is usually written counts frequency as count(distinct order_id); the variant with a
# plain conditional sum is timed too, so the report shows how much of its cost is that choice rather than
# the fan-out.
DISTINCT_FREQUENCY = "count(distinct case when status = 'completed' then order_id end)"
SUM_FREQUENCY = "sum(case when status = 'completed' then 1 else 0 end)"


def _periods_cte() -> str:
    return sql("periods", window_months=WINDOW_MONTHS)


def baseline_sql(table: str = BASELINE_TABLE, frequency: str = DISTINCT_FREQUENCY) -> str:
    """The fan-out join as one ``create table`` statement on the staged orders."""
    return sql(
        "fan_out_baseline",
        table=table,
        frequency=frequency,
        periods_cte=_periods_cte(),
        window_months=WINDOW_MONTHS,
        buckets=BUCKETS,
    )


def fan_out_rows(con: duckdb.DuckDBPyConnection) -> int:
    (rows,) = con.execute(sql("fan_out_rows", periods_cte=_periods_cte())).fetchone()
    return int(rows)


def history_size(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """(rows, snapshots) of the history."""
    rows, snapshots = con.execute(sql("history_size", model=MODEL)).fetchone()
    return int(rows), int(snapshots)


def newest_snapshots_rows(con: duckdb.DuckDBPyConnection, snapshots: int) -> int:
    (rows,) = con.execute(sql("newest_snapshots_rows", model=MODEL, snapshots=snapshots)).fetchone()
    return int(rows)


def copy_model(con: duckdb.DuckDBPyConnection, model: str = MODEL) -> None:
    """The floor: ``model``'s rows and columns written again as a table."""
    con.execute(sql("floor_copy", table=FLOOR_TABLE, model=model))


def latest_computed_at(con: duckdb.DuckDBPyConnection, model: str) -> str:
    """When ``model``'s newest rows were computed, as text."""
    (computed_at,) = con.execute(sql("latest_computed_at", model=model)).fetchone()
    return str(computed_at)


def rows_computed_after(con: duckdb.DuckDBPyConnection, model: str, after: str) -> int:
    """Rows of ``model`` a run after ``after`` wrote."""
    (rows,) = con.execute(sql("rows_computed_after", model=model, after=after)).fetchone()
    return int(rows)


def drop_table(con: duckdb.DuckDBPyConnection, table: str) -> None:
    con.execute(f"drop table if exists {table}")


def rows_differing(con: duckdb.DuckDBPyConnection, relation: str, other: str = MODEL) -> int:
    """Rows in either relation without an identical row in the other (multiset difference)."""
    left = f"({sql('comparable', relation=relation)})"
    right = f"({sql('comparable', relation=other)})"
    (count,) = con.execute(sql("rows_differing", left=left, right=right)).fetchone()
    return int(count)
