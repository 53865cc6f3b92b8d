"""Write raw tables (the dbt source schema) to DuckDB, PostgreSQL or Spark, and to CSV files."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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


# DuckDB's contract types as PostgreSQL spells them.
_POSTGRES_TYPES = {"VARCHAR": "text"}
TARGETS = ("duckdb", "postgres", "spark")
# libpq keyword -> (environment variable, default in profiles.yml.example)
_PG_DEFAULTS = {
    "host": ("PGHOST", "127.0.0.1"),
    "port": ("PGPORT", "5432"),
    "user": ("PGUSER", "postgres"),
    "dbname": ("PGDATABASE", "postgres"),
}


def postgres_type(duckdb_type: str) -> str:
    return _POSTGRES_TYPES.get(duckdb_type, duckdb_type.lower())


def connect_postgres(**overrides: Any) -> Any:
    """A psycopg2 connection from the libpq ``PG*`` environment variables (PGHOST, PGPORT, PGUSER,
    PGPASSWORD, PGDATABASE), with keyword ``overrides`` such as ``dbname``; no secret is passed around."""
    try:
        import psycopg2
    except ImportError as error:
        raise RuntimeError(
            "loading PostgreSQL needs psycopg2: pip install 'customer-segmentation[postgres]'"
        ) from error
    # libpq's own defaults (a Unix socket, the OS user) differ from the profile's; fill in the profile's
    # defaults for the variables that are unset, so the loader and dbt reach the same database.
    settings = {
        key: default for key, (variable, default) in _PG_DEFAULTS.items() if variable not in os.environ
    }
    return psycopg2.connect("", **{**settings, **overrides})


def _csv_buffer(table: str, frame: pd.DataFrame) -> io.StringIO:
    # Only amount and cost are floats; two decimals keeps them whole cents. An empty field is NULL in COPY.
    buffer = io.StringIO()
    columns = frame[list(RAW_SCHEMA[table])]
    timestamps = columns.select_dtypes("datetime")
    # Whole seconds are written without a fraction, as DuckDB and PostgreSQL print them, so a raw table
    # landed as text holds the same strings on both.
    whole_seconds = all((timestamps[c].dt.microsecond.fillna(0) == 0).all() for c in timestamps.columns)
    columns.to_csv(
        buffer,
        index=False,
        header=False,
        float_format="%.2f",
        date_format="%Y-%m-%d %H:%M:%S" if whole_seconds else "%Y-%m-%d %H:%M:%S.%f",
        lineterminator="\n",
    )
    buffer.seek(0)
    return buffer


def _copy_postgres(cursor: Any, schema: str, table: str, frame: pd.DataFrame) -> None:
    column_list = ", ".join(_quote(c) for c in RAW_SCHEMA[table])
    cursor.copy_expert(
        f"copy {_quote(schema)}.{_quote(table)} ({column_list}) from stdin with (format csv, null '')",
        _csv_buffer(table, frame),
    )


def write_postgres(
    raw: RawData,
    schema: str = "raw",
    progress: bool = False,
    connection_params: Mapping[str, Any] | None = None,
) -> None:
    """Create ``schema`` in PostgreSQL and replace the raw tables, loading each with COPY.

    The connection comes from the ``PG*`` environment variables (``connection_params`` override them, e.g.
    ``{"dbname": ...}``). One transaction: a failed load leaves the previous raw tables in place. An optional
    table that ``raw`` does not hold (events None) is dropped, so no stale copy survives.
    """
    connection = connect_postgres(**(connection_params or {}))
    try:
        with connection, connection.cursor() as cursor:
            cursor.execute(f"create schema if not exists {_quote(schema)}")
            for table in tqdm(TABLES, desc="postgres", unit="table", disable=not progress, leave=False):
                relation = f"{_quote(schema)}.{_quote(table)}"
                cursor.execute(f"drop table if exists {relation}")
                frame = getattr(raw, table)
                if frame is None:
                    continue
                columns = ", ".join(f"{_quote(c)} {postgres_type(t)}" for c, t in RAW_SCHEMA[table].items())
                cursor.execute(f"create table {relation} ({columns})")
                _copy_postgres(cursor, schema, table, frame)
    finally:
        connection.close()


def append_rows_postgres(
    table: str,
    rows: pd.DataFrame,
    schema: str = "raw",
    connection_params: Mapping[str, Any] | None = None,
) -> int:
    """Append rows to raw table ``schema.table`` in PostgreSQL with COPY; returns the number appended."""
    connection = connect_postgres(**(connection_params or {}))
    try:
        with connection, connection.cursor() as cursor:
            _copy_postgres(cursor, schema, table, rows)
    finally:
        connection.close()
    return len(rows)


def load_raw(
    raw: RawData,
    target: str,
    schema: str = "raw",
    duckdb_path: str | Path | None = None,
    progress: bool = False,
) -> str:
    """Write the raw tables where dbt target ``target`` reads its sources; returns where, for messages."""
    if target == "duckdb":
        if duckdb_path is None:
            raise ValueError("the duckdb target needs a DuckDB file path")
        write_duckdb(raw, duckdb_path, schema=schema, progress=progress)
        return f"schema {schema} of {duckdb_path}"
    if target == "postgres":
        write_postgres(raw, schema=schema, progress=progress)
        return f"schema {schema} of PostgreSQL {describe_postgres()}"
    if target == "spark":
        try:
            from segmentation.spark_loader import spark_folders, write_spark
        except ImportError as error:
            raise ValueError("Spark needs pyspark: pip install -e '.[spark]' (and Java 17)") from error
        write_spark(raw, schema, progress=progress)
        return f"database {schema} of Spark (warehouse {spark_folders()[0]})"
    raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")


def describe_postgres() -> str:
    """host:port/database from the PG* environment variables, as the loader and dbt's profile use them."""
    host = os.environ.get("PGHOST", "127.0.0.1")
    port = os.environ.get("PGPORT", "5432")
    return f"{host}:{port}/{os.environ.get('PGDATABASE', 'postgres')}"
