"""Engine-neutral comparison of dbt relations, for the parity tests (DuckDB vs PostgreSQL vs Spark).

A relation is fetched through its engine's own client as plain Python rows (never through a pandas reader:
DuckDB's ``.df()`` turns DECIMAL into float64, which would hide a wrong cent), then normalised so that the
same value compares equal whatever engine produced it:

- column names lower-case (Spark and PostgreSQL fold case differently);
- ``datetime.date`` stays a date, a timestamp becomes a naive ``datetime`` in UTC, pandas/numpy scalars
  become Python scalars, NaN becomes None;
- decimals stay ``Decimal`` (compared exactly: ``Decimal('1.50') == Decimal('1.5')``, but never equal to a
  float, so money that drifted to a float on one engine fails); integers stay ``int`` (an integer-valued
  ``Decimal`` from PostgreSQL's ``sum(bigint)`` equals the ``int`` DuckDB returns);
- floats, and only floats, are compared within a stated absolute tolerance: a column is a float column when
  both engines return Python floats in it (a float against a Decimal is a difference, whatever its size).

Use: ``assert_same_rows(fetch_duckdb(path, "main", t), fetch_postgres(conn, schema, t), name=t)``.
For another engine, build the frame with ``frame_from_rows(columns, rows)`` from its client's rows.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

DEFAULT_FLOAT_TOLERANCE = 1e-9
MAX_REPORTED_ROWS = 10
# Columns that differ by design. The window engine's row hashes and fingerprints come from each engine's own
# hash function (compared only within one warehouse); computed_at is when the run that wrote a row started.
ENGINE_OWN_COLUMNS = ("inputs_fingerprint", "activity_fingerprint")
RUN_OWN_COLUMNS = ("computed_at",)


def without_columns(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``frame`` without those of ``columns`` it has."""
    return frame.drop(columns=[c for c in frame.columns if c in columns])


def normalise_value(value: Any) -> Any:
    """One engine's value as the plain Python value every engine's equivalent normalises to."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, bool | int | str | date | Decimal | float):
        return value
    if isinstance(value, bytes | memoryview):
        return bytes(value)
    return value


def frame_from_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> pd.DataFrame:
    """A normalised frame of object columns from a client's column names and row tuples."""
    names = [str(c).lower() for c in columns]
    if len(set(names)) != len(names):
        raise ValueError(f"column names collide once lower-cased: {list(columns)}")
    records = [[normalise_value(v) for v in row] for row in rows]
    # Built column by column as object Series: a frame from records would turn None into NaN and ints
    # into floats in any column holding a null.
    columns_values = list(zip(*records, strict=True)) if records else [() for _ in names]
    return pd.DataFrame(
        {
            name: pd.Series(list(values), dtype=object)
            for name, values in zip(names, columns_values, strict=True)
        },
        columns=names,
    )


def normalise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A pandas frame from any source, normalised like ``frame_from_rows``."""
    return frame_from_rows(list(frame.columns), frame.astype(object).itertuples(index=False, name=None))


def fetch_dbapi(connection: Any, sql: str) -> pd.DataFrame:
    """Run ``sql`` on a DB-API connection (psycopg2, duckdb, ...) and return the normalised frame."""
    cursor = connection.cursor()
    try:
        cursor.execute(sql)
        columns = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        cursor.close()
    return frame_from_rows(columns, rows)


def fetch_duckdb(path: str | Path, schema: str, table: str) -> pd.DataFrame:
    """``schema.table`` of the DuckDB file at ``path``, normalised."""
    import duckdb

    # Read-write like the other fixtures: dbt-duckdb may still hold a read-write connection in-process.
    with duckdb.connect(str(path)) as con:
        (catalog,) = con.execute("select current_database()").fetchone()
        return fetch_dbapi(con, f'select * from "{catalog}"."{schema}"."{table}"')


def fetch_postgres(connection: Any, schema: str, table: str) -> pd.DataFrame:
    """``schema.table`` through an open psycopg2 connection, normalised."""
    return fetch_dbapi(connection, f'select * from "{schema}"."{table}"')


def _float_columns(left: pd.DataFrame, right: pd.DataFrame) -> set[str]:
    # A float column on both engines; one engine's float against the other's Decimal is a type drift,
    # compared exactly (and so reported), never forgiven by the tolerance.
    def all_floats(column: str) -> bool:
        values = [v for frame in (left, right) for v in frame[column] if v is not None]
        return bool(values) and all(isinstance(v, float) for v in values)

    return {column for column in left.columns if all_floats(column)}


def _sort_key(row: Sequence[Any]) -> tuple:
    # None first, then by value; all non-null values of one column share a type family.
    return tuple((v is not None, v if v is not None else 0) for v in row)


def _sorted_rows(frame: pd.DataFrame, floats: set[str], decimals: int) -> tuple[list[tuple], list[str]]:
    # Exact columns lead the sort, so rows align on them; rounded floats only break remaining ties.
    exact = [c for c in frame.columns if c not in floats]
    ordered = exact + sorted(floats)
    rows = []
    for row in frame[ordered].itertuples(index=False, name=None):
        key_row = list(row[: len(exact)]) + [
            None if v is None else round(float(v), decimals) for v in row[len(exact) :]
        ]
        rows.append((_sort_key(key_row), row))
    rows.sort(key=lambda pair: pair[0])
    return [row for _, row in rows], ordered


def _values_equal(left: Any, right: Any, is_float: bool, tolerance: float) -> bool:
    if left is None or right is None:
        return left is None and right is None
    if is_float:
        return math.isclose(float(left), float(right), rel_tol=0.0, abs_tol=tolerance)
    # True == 1 and Decimal('0.5') == 0.5, but a boolean turning into an integer, or money into a float, is a
    # difference too.
    if isinstance(left, bool) != isinstance(right, bool) or isinstance(left, float) != isinstance(
        right, float
    ):
        return False
    return bool(left == right)


def compare_frames(
    left: pd.DataFrame,
    right: pd.DataFrame,
    float_tolerance: float = DEFAULT_FLOAT_TOLERANCE,
    ignore_columns: Iterable[str] = (),
) -> list[str]:
    """Differences between two normalised frames compared as sorted rows; empty when they agree."""
    ignored = {c.lower() for c in ignore_columns}
    left = left[[c for c in left.columns if c not in ignored]]
    right = right[[c for c in right.columns if c not in ignored]]
    if set(left.columns) != set(right.columns):
        return [
            f"columns differ: only left {sorted(set(left.columns) - set(right.columns))}, "
            f"only right {sorted(set(right.columns) - set(left.columns))}"
        ]
    right = right[list(left.columns)]
    floats = _float_columns(left, right)
    decimals = max(0, round(-math.log10(float_tolerance))) if float_tolerance > 0 else 12
    left_rows, ordered = _sorted_rows(left, floats, decimals)
    right_rows, _ = _sorted_rows(right, floats, decimals)
    problems = []
    if len(left_rows) != len(right_rows):
        problems.append(f"row counts differ: left {len(left_rows)}, right {len(right_rows)}")
    is_float = [c in floats for c in ordered]
    for index, (lrow, rrow) in enumerate(zip(left_rows, right_rows, strict=False)):
        bad = [
            f"{column}: {lv!r} != {rv!r}"
            for column, lv, rv, flt in zip(ordered, lrow, rrow, is_float, strict=True)
            if not _values_equal(lv, rv, flt, float_tolerance)
        ]
        if bad:
            problems.append(
                f"sorted row {index}: "
                + "; ".join(bad)
                + f"\n    left  {dict(zip(ordered, lrow, strict=True))}"
            )
        if len(problems) >= MAX_REPORTED_ROWS:
            problems.append("... (further differences not shown)")
            break
    return problems


def assert_same_rows(
    left: pd.DataFrame,
    right: pd.DataFrame,
    name: str = "relation",
    float_tolerance: float = DEFAULT_FLOAT_TOLERANCE,
    ignore_columns: Iterable[str] = (),
) -> None:
    """Fail with a readable list of differences unless both frames hold the same rows."""
    problems = compare_frames(left, right, float_tolerance, ignore_columns)
    assert not problems, f"{name}: {len(left)} vs {len(right)} rows differ:\n  " + "\n  ".join(problems)
