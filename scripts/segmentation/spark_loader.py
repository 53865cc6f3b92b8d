"""Write raw tables to Spark: parquet tables in the warehouse and Derby metastore that dbt-spark reads.

dbt-spark's ``method: session`` runs Spark inside the dbt process (``SparkSession.builder.getOrCreate()``),
so the session this module creates (with the same warehouse and metastore folders as the ``spark`` target of
profiles.yml.example) is the one dbt then reuses: load and build in one Python process, or point both at the
same folders one process at a time (Derby allows one process per metastore).
"""

from __future__ import annotations

import os
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
from tqdm.auto import tqdm

from segmentation.generator import RawData
from segmentation.loaders import RAW_SCHEMA, TABLES

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

WAREHOUSE_ENV = "SEGMENTATION_SPARK_WAREHOUSE"
METASTORE_ENV = "SEGMENTATION_SPARK_METASTORE"
DEFAULT_WAREHOUSE = "spark-warehouse"
DEFAULT_METASTORE = "metastore_db"

# DuckDB type names of RAW_SCHEMA -> Spark SQL type names.
_SPARK_TYPES = {"BIGINT": "bigint", "VARCHAR": "string", "TIMESTAMP": "timestamp"}


def spark_type(duckdb_type: str) -> str:
    """The Spark SQL type of a RAW_SCHEMA type (DECIMAL(p,s) keeps its precision and scale)."""
    upper = duckdb_type.upper()
    if upper.startswith("DECIMAL"):
        return upper.lower()
    return _SPARK_TYPES[upper]


def spark_folders(
    warehouse: str | Path | None = None, metastore: str | Path | None = None
) -> tuple[Path, Path]:
    """Warehouse and Derby metastore folders: arguments, else the env vars the spark profile reads."""
    warehouse_dir = Path(warehouse or os.environ.get(WAREHOUSE_ENV, DEFAULT_WAREHOUSE)).resolve()
    metastore_dir = Path(metastore or os.environ.get(METASTORE_ENV, DEFAULT_METASTORE)).resolve()
    return warehouse_dir, metastore_dir


def spark_session(warehouse: str | Path | None = None, metastore: str | Path | None = None) -> SparkSession:
    """The local Spark session with Hive support that dbt-spark's session method will reuse.

    Static settings (warehouse, metastore) only take effect in the first session of a process, so the
    loader creates it with the same values the profile passes.
    """
    from pyspark.sql import SparkSession

    warehouse_dir, metastore_dir = spark_folders(warehouse, metastore)
    builder = (
        SparkSession.builder.master(os.environ.get("SEGMENTATION_SPARK_MASTER", "local[*]"))
        .appName("customer_segmentation")
        .enableHiveSupport()
        .config("spark.sql.warehouse.dir", str(warehouse_dir))
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={metastore_dir};create=true",
        )
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", os.environ.get("SEGMENTATION_SPARK_DRIVER_MEMORY", "4g"))
        .config("spark.sql.shuffle.partitions", os.environ.get("SEGMENTATION_SPARK_SHUFFLE_PARTITIONS", "4"))
        .config("spark.ui.enabled", "false")
        # Derby writes derby.log into its system home: next to the metastore, not the working folder.
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={metastore_dir.parent}")
    )
    return builder.getOrCreate()


def _quote(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _arrow_table(frame: pd.DataFrame, table: str) -> pa.Table:
    # Everything travels as text and is cast by Spark, so the contract types do not depend on the dtypes
    # pandas inferred (nullable Int64, float amounts, object columns of mixed values).
    columns = list(RAW_SCHEMA[table])
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"raw table {table} lacks columns {', '.join(missing)}")
    arrays = {}
    for column in columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            text = values.dt.strftime("%Y-%m-%d %H:%M:%S.%f")
        elif pd.api.types.is_float_dtype(values):
            # Amounts are whole cents; two decimals keeps them exact through text.
            text = values.map(lambda v: None if pd.isna(v) else f"{v:.2f}")
        else:
            text = values.map(lambda v: None if pd.isna(v) else str(v))
        arrays[column] = pa.array([None if pd.isna(v) else v for v in text.tolist()], type=pa.string())
    return pa.table(arrays)


def _select_list(table: str, as_text: bool) -> str:
    # As text the table looks like what a CSV loader lands; staging parses it (bad values: rejected rows).
    if as_text:
        return ", ".join(_quote(c) for c in RAW_SCHEMA[table])
    return ", ".join(
        f"cast({_quote(c)} as {spark_type(t)}) as {_quote(c)}" for c, t in RAW_SCHEMA[table].items()
    )


def _replace_table(spark: SparkSession, schema: str, table: str, frame: pd.DataFrame, as_text: bool) -> None:
    view = f"_segmentation_{table}"
    spark.createDataFrame(_arrow_table(frame, table)).createOrReplaceTempView(view)
    casts = _select_list(table, as_text)
    target = f"{_quote(schema)}.{_quote(table)}"
    try:
        spark.sql(f"drop table if exists {target}")
        spark.sql(f"create table {target} using parquet as select {casts} from {view}")
    finally:
        spark.catalog.dropTempView(view)


def write_spark(
    raw: RawData,
    schema: str = "raw",
    spark: SparkSession | None = None,
    warehouse: str | Path | None = None,
    metastore: str | Path | None = None,
    progress: bool = False,
    text_tables: Collection[str] = (),
) -> SparkSession:
    """Create database ``schema`` and replace each raw table with a parquet table; returns the session.

    Tables named in ``text_tables`` keep every column as text (as a CSV loader would land them); the others
    get the contract types. An optional table that ``raw`` does not hold (events None) is dropped, so no
    stale copy survives.
    """
    session = spark or spark_session(warehouse, metastore)
    session.sql(f"create database if not exists {_quote(schema)}")
    for table in tqdm(TABLES, desc="spark", unit="table", disable=not progress, leave=False):
        frame = getattr(raw, table)
        if frame is None:
            session.sql(f"drop table if exists {_quote(schema)}.{_quote(table)}")
        else:
            _replace_table(session, schema, table, frame, as_text=table in text_tables)
    return session


def append_rows_spark(
    spark: SparkSession, table: str, rows: pd.DataFrame, schema: str = "raw", as_text: bool = False
) -> int:
    """Append rows to raw table ``schema.table`` (a text table with ``as_text``); returns the row count."""
    view = f"_segmentation_new_{table}"
    spark.createDataFrame(_arrow_table(rows, table)).createOrReplaceTempView(view)
    casts = _select_list(table, as_text)
    try:
        spark.sql(f"insert into {_quote(schema)}.{_quote(table)} select {casts} from {view}")
    finally:
        spark.catalog.dropTempView(view)
    return len(rows)
