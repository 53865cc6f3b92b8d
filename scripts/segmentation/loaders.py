"""Write raw tables to DuckDB (the dbt source schema) and to CSV files."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
from tqdm.auto import tqdm

from segmentation.generator import RawData

# The contract with the dbt staging models: column name -> DuckDB type, per table.
RAW_SCHEMA: dict[str, dict[str, str]] = {
    "customers": {
        "customer_id": "BIGINT",
        "customer_name": "VARCHAR",
        "email": "VARCHAR",
        "country": "VARCHAR",
        "industry": "VARCHAR",
        "company_size": "VARCHAR",
        "created_at": "TIMESTAMP",
    },
    "accounts": {
        "account_id": "BIGINT",
        "customer_id": "BIGINT",
        "plan": "VARCHAR",
        "opened_at": "TIMESTAMP",
    },
    "products": {
        "product_id": "BIGINT",
        "product_name": "VARCHAR",
        "category": "VARCHAR",
    },
    "orders": {
        "order_id": "BIGINT",
        "customer_id": "BIGINT",
        "account_id": "BIGINT",
        "product_id": "BIGINT",
        "ordered_at": "TIMESTAMP",
        "amount": "DECIMAL(12,2)",
        "cost": "DECIMAL(12,2)",
        "status": "VARCHAR",
    },
    # Optional: RawData.events is None when a project has no product events.
    "events": {
        "event_id": "BIGINT",
        "customer_id": "BIGINT",
        "event_name": "VARCHAR",
        "occurred_at": "TIMESTAMP",
    },
}
TABLES = tuple(RAW_SCHEMA)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _typed_select(table: str, relation: str) -> str:
    # Explicit casts pin the contract types whatever dtypes pandas inferred
    # (float amounts become DECIMAL, nullable Int64 becomes BIGINT, ...).
    columns = ", ".join(f"cast({_quote(c)} as {t}) as {_quote(c)}" for c, t in RAW_SCHEMA[table].items())
    return f"select {columns} from {relation}"


def _qualified(con: duckdb.DuckDBPyConnection, schema: str, table: str | None = None) -> str:
    # Qualify with the catalog: a file called raw.duckdb makes a bare "raw" ambiguous
    # between the catalog and the schema.
    (catalog,) = con.execute("select current_database()").fetchone()
    parts = [catalog, schema] if table is None else [catalog, schema, table]
    return ".".join(_quote(p) for p in parts)


def _replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, frame: pd.DataFrame) -> None:
    view = f"_segmentation_{table}"
    con.register(view, frame)
    try:
        con.execute(
            f"create or replace table {_qualified(con, schema, table)} as {_typed_select(table, view)}"
        )
    finally:
        con.unregister(view)


def write_duckdb(raw: RawData, path: str | Path, schema: str = "raw", progress: bool = False) -> None:
    """Create ``schema`` in the DuckDB file at ``path`` and replace the raw tables.

    An optional table that ``raw`` does not hold (events None) is dropped, so no stale copy survives.
    """
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {_qualified(con, schema)}")
        for table in tqdm(TABLES, desc="duckdb", unit="table", disable=not progress, leave=False):
            frame = getattr(raw, table)
            if frame is None:
                con.execute(f"drop table if exists {_qualified(con, schema, table)}")
            else:
                _replace_table(con, schema, table, frame)


def append_orders_duckdb(orders: pd.DataFrame, path: str | Path, schema: str = "raw") -> int:
    """Append order rows to ``schema.orders``; returns the number of rows appended."""
    return append_rows_duckdb("orders", orders, path, schema)


def append_rows_duckdb(table: str, rows: pd.DataFrame, path: str | Path, schema: str = "raw") -> int:
    """Append rows to raw table ``schema.table``; returns the number of rows appended."""
    view = f"_segmentation_new_{table}"
    column_list = ", ".join(_quote(c) for c in RAW_SCHEMA[table])
    with duckdb.connect(str(path)) as con:
        con.register(view, rows)
        try:
            target = _qualified(con, schema, table)
            con.execute(f"insert into {target} ({column_list}) {_typed_select(table, view)}")
        finally:
            con.unregister(view)
    return len(rows)


def write_csv(raw: RawData, directory: str | Path, progress: bool = False) -> list[Path]:
    """Write one CSV file per raw table, with headers, into ``directory`` (events.csv only with events)."""
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for table in tqdm(TABLES, desc="csv", unit="table", disable=not progress, leave=False):
        if getattr(raw, table) is None:
            continue
        target = out_dir / f"{table}.csv"
        # Only amount and cost are floats; two decimals keeps them whole cents.
        getattr(raw, table).to_csv(
            target, index=False, float_format="%.2f", date_format="%Y-%m-%d %H:%M:%S", lineterminator="\n"
        )
        written.append(target)
    return written
