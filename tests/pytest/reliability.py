"""Helpers of the reliability tests (issue 4): raw tables landed as text, and the figures each test records
under target/reliability/ so docs/reliability.md quotes a real run."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
from segmentation.generator import RawData
from segmentation.loaders import TABLES

FIGURES_DIR = Path(__file__).resolve().parents[2] / "target" / "reliability"


def record_figures(name: str, figures: dict) -> Path:
    """Write one test's figures to target/reliability/<name>.json (overwritten by each run)."""
    FIGURES_DIR.mkdir(parents=True, exist_ok=True)
    path = FIGURES_DIR / f"{name}.json"
    path.write_text(json.dumps(figures, indent=2, sort_keys=True, default=str) + "\n")
    return path


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    # What a CSV loader lands: every value as text, missing values as null.
    text = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        series = frame[column]
        if pd.api.types.is_datetime64_any_dtype(series):
            values = series.dt.strftime("%Y-%m-%d %H:%M:%S")
        elif pd.api.types.is_float_dtype(series):
            values = series.map(lambda v: f"{v:.2f}")
        else:
            values = series.astype("string")
        text[column] = values.astype(object).where(series.notna(), None)
    return text


def text_tables(raw: RawData) -> dict[str, pd.DataFrame]:
    """The raw tables as text frames (events only when ``raw`` has them)."""
    return {table: _as_text(getattr(raw, table)) for table in TABLES if getattr(raw, table) is not None}


def write_text_duckdb(tables: dict[str, pd.DataFrame], path: Path, schema: str = "raw") -> None:
    """Replace the raw tables in the DuckDB file with VARCHAR-only copies of ``tables``."""
    with duckdb.connect(str(path)) as con:
        con.execute(f"create schema if not exists {schema}")
        for table, frame in tables.items():
            columns = ", ".join(f'cast("{c}" as varchar) as "{c}"' for c in frame.columns)
            con.register("_text_frame", frame.astype(object))
            try:
                con.execute(f"create or replace table {schema}.{table} as select {columns} from _text_frame")
            finally:
                con.unregister("_text_frame")
