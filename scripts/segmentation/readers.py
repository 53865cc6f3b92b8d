"""Read the built marts from any target: a DuckDB file, or PostgreSQL through psycopg2.

The plots and the report only ever call ``MartReader.read``: a column list from one mart, optionally
restricted to a few values of one column. Adding an engine means adding one small class.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import duckdb
import pandas as pd

from segmentation.summary import MARTS_SCHEMA, MartsNotBuiltError, _not_built

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
Filters = Mapping[str, Sequence[Any]]
# The marts' schema on PostgreSQL, as profiles.yml.example sets it.
POSTGRES_SCHEMA_ENV = "SEGMENTATION_PG_SCHEMA"
DEFAULT_POSTGRES_SCHEMA = "segmentation"
SPARK_SCHEMA_ENV = "SEGMENTATION_SPARK_SCHEMA"
DEFAULT_SPARK_SCHEMA = "segmentation"


class MartReader(Protocol):
    """Where the marts live; ``describe()`` names it in messages and in the report."""

    def read(self, table: str, columns: Sequence[str], where_in: Filters | None = None) -> pd.DataFrame: ...

    def has_table(self, table: str) -> bool: ...

    def describe(self) -> str: ...


def _identifier(name: str) -> str:
    # Names are interpolated into SQL, so only plain identifiers are accepted.
    if not _IDENTIFIER.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return f'"{name}"'


def select_sql(
    relation: str, columns: Sequence[str], where_in: Filters | None, placeholder: str
) -> tuple[str, list[Any]]:
    """``select <columns> from <relation> [where c in (...) and ...]`` with parameters in order."""
    if not columns:
        raise ValueError("select at least one column")
    sql = f"select {', '.join(_identifier(c) for c in columns)} from {relation}"
    params: list[Any] = []
    clauses = []
    for column, values in (where_in or {}).items():
        values = list(values)
        if not values:
            clauses.append("1 = 0")
            continue
        clauses.append(f"{_identifier(column)} in ({', '.join([placeholder] * len(values))})")
        params += values
    if clauses:
        sql += " where " + " and ".join(clauses)
    return sql, params


class DuckDBReader:
    """Marts in schema ``schema`` (``main`` by default) of a DuckDB file."""

    def __init__(self, path: str | Path, schema: str = MARTS_SCHEMA):
        self.path = Path(path)
        self.schema = schema

    def describe(self) -> str:
        return f"DuckDB {self.path} (schema {self.schema})"

    def _connect(self) -> duckdb.DuckDBPyConnection:
        if not self.path.is_file():
            raise _not_built(f"DuckDB file {self.path} does not exist")
        # Not read_only: after an in-process dbt run, dbt-duckdb still holds a read-write connection to the
        # file and DuckDB refuses a second one with a different configuration.
        return duckdb.connect(str(self.path))

    def has_table(self, table: str) -> bool:
        with self._connect() as con:
            return self._has_table(con, table)

    def _has_table(self, con: duckdb.DuckDBPyConnection, table: str) -> bool:
        (catalog,) = con.execute("select current_database()").fetchone()
        (count,) = con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_name = ?",
            [catalog, self.schema, table],
        ).fetchone()
        return count > 0

    def read(self, table: str, columns: Sequence[str], where_in: Filters | None = None) -> pd.DataFrame:
        with self._connect() as con:
            if not self._has_table(con, table):
                raise _not_built(f"table {self.schema}.{table} not found in {self.path}")
            # Qualified with the catalog: a file named main.duckdb makes a bare "main" ambiguous.
            (catalog,) = con.execute("select current_database()").fetchone()
            relation = f"{_identifier(catalog)}.{_identifier(self.schema)}.{_identifier(table)}"
            sql, params = select_sql(relation, columns, where_in, "?")
            try:
                return con.execute(sql, params).df()
            except duckdb.BinderException as error:
                # A missing column means marts built by an older version of the project.
                raise _not_built(
                    f"{self.schema}.{table} lacks a column this version reads ({error})"
                ) from error


class PostgresReader:
    """Marts in ``schema`` of a PostgreSQL database; connection settings come from the libpq ``PG*``
    environment variables (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE), so no secret is passed around."""

    def __init__(self, schema: str = DEFAULT_POSTGRES_SCHEMA, connect: Any = None):
        self.schema = schema
        self._connect_fn = connect

    def describe(self) -> str:
        from segmentation.loaders import describe_postgres

        return f"PostgreSQL {describe_postgres()} (schema {self.schema})"

    def _connect(self) -> Any:
        if self._connect_fn is not None:
            return self._connect_fn()
        # Imported here: psycopg2 is optional; the loader fills unset PG* with the profile's defaults.
        from segmentation.loaders import connect_postgres

        return connect_postgres()

    def has_table(self, table: str) -> bool:
        connection = self._connect()
        try:
            return self._has_table(connection, table)
        finally:
            connection.close()

    def _has_table(self, connection: Any, table: str) -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "select count(*) from information_schema.tables where table_schema = %s and table_name = %s",
                [self.schema, table],
            )
            (count,) = cursor.fetchone()
        return count > 0

    def read(self, table: str, columns: Sequence[str], where_in: Filters | None = None) -> pd.DataFrame:
        connection = self._connect()
        try:
            if not self._has_table(connection, table):
                raise _not_built(f"table {self.schema}.{table} not found in {self.describe()}")
            relation = f"{_identifier(self.schema)}.{_identifier(table)}"
            sql, params = select_sql(relation, columns, where_in, "%s")
            with connection.cursor() as cursor:
                cursor.execute(sql, params)
                rows = cursor.fetchall()
            return pd.DataFrame.from_records(rows, columns=list(columns))
        finally:
            connection.close()


class SparkReader:
    """Marts in database ``schema`` of the Spark warehouse and metastore the ``spark`` target uses (the
    session of this process, or a new local one on the folders of ``SEGMENTATION_SPARK_*``)."""

    def __init__(self, schema: str = DEFAULT_SPARK_SCHEMA, session: Any = None):
        self.schema = schema
        self._session = session

    def describe(self) -> str:
        return f"Spark (database {self.schema})"

    def _spark(self) -> Any:
        if self._session is None:
            from segmentation.spark_loader import spark_session

            self._session = spark_session()
        return self._session

    def has_table(self, table: str) -> bool:
        return bool(self._spark().catalog.tableExists(f"{self.schema}.{table}"))

    def read(self, table: str, columns: Sequence[str], where_in: Filters | None = None) -> pd.DataFrame:
        if not self.has_table(table):
            raise _not_built(f"table {self.schema}.{table} not found in the Spark metastore")
        relation = f"`{self.schema}`.`{table}`"
        sql, params = select_sql(relation, columns, where_in, "?")
        # Spark quotes identifiers with backticks; select_sql only lets plain identifiers through, and every
        # value travels as a parameter, so no double quote is part of a name or a literal.
        frame = self._spark().sql(sql.replace('"', "`"), args=params or None)
        # Money as floats, as the DuckDB reader returns it, so the summary and plots treat every engine alike.
        decimals = [f.name for f in frame.schema.fields if f.dataType.typeName() == "decimal"]
        return frame.toPandas().astype({name: "float64" for name in decimals})


TARGETS = ("duckdb", "postgres", "spark")


def default_schema(target: str) -> str:
    """Where ``dbt build --target <target>`` puts the marts with the example profile."""
    if target == "postgres":
        return os.environ.get(POSTGRES_SCHEMA_ENV, DEFAULT_POSTGRES_SCHEMA)
    if target == "spark":
        return os.environ.get(SPARK_SCHEMA_ENV, DEFAULT_SPARK_SCHEMA)
    return MARTS_SCHEMA


def open_reader(target: str, duckdb_path: str | Path | None = None, schema: str | None = None) -> MartReader:
    """The reader for a dbt target name: ``duckdb`` (needs ``duckdb_path``) or ``postgres``."""
    if target == "duckdb":
        if duckdb_path is None:
            raise ValueError("the duckdb target needs a DuckDB file path")
        return DuckDBReader(duckdb_path, schema or MARTS_SCHEMA)
    if target == "postgres":
        return PostgresReader(schema or default_schema("postgres"))
    if target == "spark":
        return SparkReader(schema or default_schema("spark"))
    raise ValueError(f"unknown target {target!r}; choose one of {', '.join(TARGETS)}")


def as_reader(source: MartReader | str | Path) -> MartReader:
    """A reader as is, or a DuckDB file path wrapped in one."""
    return DuckDBReader(source) if isinstance(source, str | Path) else source


__all__ = [
    "DEFAULT_POSTGRES_SCHEMA",
    "TARGETS",
    "DuckDBReader",
    "MartReader",
    "MartsNotBuiltError",
    "PostgresReader",
    "SparkReader",
    "as_reader",
    "default_schema",
    "open_reader",
    "select_sql",
]
