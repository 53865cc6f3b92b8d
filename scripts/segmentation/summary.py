"""A plain-text summary of the built segmentation marts."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

MARTS_SCHEMA = "main"
SEGMENT_COLUMNS = (
    "customer_id",
    "segment",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "recency_days",
    "frequency",
    "monetary",
)
TIER_COLUMNS = ("customer_id", "tier", "tier_name", "action_flag")


class MartsNotBuiltError(RuntimeError):
    """A mart the summary needs is missing from the warehouse."""


def _not_built(problem: str) -> MartsNotBuiltError:
    return MartsNotBuiltError(
        f"{problem}; run `segmentation build` first "
        "(or `segmentation demo` to generate data and build in one go)."
    )


MartSource = str | Path | Any  # a DuckDB file, or any reader with ``read(table, columns)`` (readers.py)


def read_mart(source: MartSource, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """Read ``columns`` of mart ``table``, with a clear error when it is not built yet.

    ``source`` is a DuckDB file (schema main) or a reader from ``segmentation.readers`` (PostgreSQL, ...).
    """
    if not isinstance(source, str | Path):
        return source.read(table, columns)
    path = Path(source)
    if not path.is_file():
        raise _not_built(f"DuckDB file {path} does not exist")
    column_list = ", ".join(f'"{c}"' for c in columns)
    # Read-only so a summary never takes the write lock a running dbt build needs.
    # Not read_only: after an in-process dbt run, dbt-duckdb still holds a read-write connection to the
    # file and DuckDB refuses a second one with a different configuration.
    with duckdb.connect(str(path)) as con:
        # Qualified with the catalog: a file named main.duckdb makes a bare "main" ambiguous.
        (catalog,) = con.execute("select current_database()").fetchone()
        (exists,) = con.execute(
            "select count(*) from information_schema.tables "
            "where table_catalog = ? and table_schema = ? and table_name = ?",
            [catalog, MARTS_SCHEMA, table],
        ).fetchone()
        if not exists:
            raise _not_built(f"table {MARTS_SCHEMA}.{table} not found in {path}")
        return con.execute(f'select {column_list} from "{catalog}"."{MARTS_SCHEMA}"."{table}"').df()


def summarise_segments(current: pd.DataFrame) -> pd.DataFrame:
    """Per segment: customers, share (%), total monetary and average R, F, M; largest first."""
    frame = current.astype({"recency_days": "float64", "frequency": "float64", "monetary": "float64"})
    # Money summed as whole cents, exactly: a float sum depends on the order rows arrive in, which differs
    # between engines, and would print a different last digit where a mean ends in a half cent.
    frame["monetary_cents"] = (frame["monetary"] * 100).round().astype("Int64")
    summary = frame.groupby("segment", sort=False).agg(
        customers=("customer_id", "count"),
        total_cents=("monetary_cents", "sum"),
        avg_recency_days=("recency_days", "mean"),
        avg_frequency=("frequency", "mean"),
    )
    summary.insert(1, "total_monetary", summary["total_cents"].astype("float64") / 100)
    summary["avg_monetary"] = summary["total_cents"].astype("float64") / 100 / summary["customers"]
    summary = summary.drop(columns="total_cents")
    summary.insert(1, "share_pct", 100.0 * summary["customers"] / max(len(frame), 1))
    # Ties broken by name so the output is stable between runs.
    summary = summary.reset_index().sort_values(["customers", "segment"], ascending=[False, True])
    return summary.reset_index(drop=True)


def segment_summary(source: MartSource) -> pd.DataFrame:
    """Segment summary of ``customer_segments_current`` (a DuckDB file or a reader)."""
    return summarise_segments(read_mart(source, "customer_segments_current", SEGMENT_COLUMNS))


@dataclass(frozen=True)
class TierCounts:
    tiers: pd.Series  # customers per "tier tier_name"
    action_flags: pd.Series  # customers per action_flag


def _by_count_then_name(counts: pd.Series) -> pd.Series:
    order = sorted(counts.index, key=lambda name: (-int(counts[name]), name))
    return counts.reindex(order)


def count_tiers(tiers: pd.DataFrame) -> TierCounts:
    label = tiers["tier"].astype("str") + " " + tiers["tier_name"].astype("str")
    return TierCounts(
        tiers=label.value_counts().sort_index(),
        # Most customers first, ties by name, so every engine prints the same list.
        action_flags=_by_count_then_name(tiers["action_flag"].astype("str").value_counts()),
    )


def tier_counts(source: MartSource) -> TierCounts:
    """Customers per tier and per action flag from ``customer_tiers``."""
    return count_tiers(read_mart(source, "customer_tiers", TIER_COLUMNS))


def format_summary(df: pd.DataFrame) -> str:
    """Render the frame from ``segment_summary`` as an aligned text table."""
    if df.empty:
        return "No customers in customer_segments_current."
    shown = df.rename(
        columns={
            "share_pct": "share %",
            "total_monetary": "total monetary",
            "avg_recency_days": "avg recency (d)",
            "avg_frequency": "avg frequency",
            "avg_monetary": "avg monetary",
        }
    )
    formats = {
        "customers": "{:,.0f}".format,
        "share %": "{:.1f}".format,
        "total monetary": "{:,.2f}".format,
        "avg recency (d)": "{:,.1f}".format,
        "avg frequency": "{:,.2f}".format,
        "avg monetary": "{:,.2f}".format,
    }
    total = int(df["customers"].sum())
    table = shown.to_string(index=False, formatters=formats)
    return f"{table}\n{len(df)} segments, {total:,} customers"


def format_tiers(counts: TierCounts) -> str:
    """Two short lines: customers per tier and per action flag."""
    tiers = ", ".join(f"{name}: {n:,}" for name, n in counts.tiers.items())
    flags = ", ".join(f"{name}: {n:,}" for name, n in counts.action_flags.items())
    return f"Tiers: {tiers}\nAction flags: {flags}"


# Segment families beyond RFM: column of customer_profile_current -> label, in display order.
PROFILE_FAMILIES = {
    "behaviour_segment": "Behaviour",
    "lifecycle_stage": "Lifecycle stage",
    "activity_status": "Activity",
    "value_band": "Value",
    "health_band": "Health",
}


@dataclass(frozen=True)
class ProfileCounts:
    families: dict[str, pd.Series]  # label -> customers per segment
    high_value_at_risk: int


def count_profiles(profiles: pd.DataFrame) -> ProfileCounts:
    # Largest first, ties by name: the row order an engine returns must not change the printed summary.
    families = {
        label: profiles[column]
        .astype("object")
        .fillna("(no events)")
        .value_counts()
        .sort_index(kind="stable")
        .sort_values(ascending=False, kind="stable")
        for column, label in PROFILE_FAMILIES.items()
    }
    at_risk = int(profiles["is_high_value_at_risk"].astype("bool").sum())
    return ProfileCounts(families=families, high_value_at_risk=at_risk)


def profile_counts(source: MartSource) -> ProfileCounts:
    """Customers per segment of every family, from ``customer_profile_current``."""
    columns = ("customer_id", *PROFILE_FAMILIES, "is_high_value_at_risk")
    return count_profiles(read_mart(source, "customer_profile_current", columns))


def format_profiles(counts: ProfileCounts) -> str:
    """One line per segment family, then the high-value accounts at risk."""
    lines = [
        f"{label}: " + ", ".join(f"{name}: {n:,}" for name, n in segments.items())
        for label, segments in counts.families.items()
    ]
    lines.append(f"High-value accounts at risk: {counts.high_value_at_risk:,}")
    return "\n".join(lines)


def snapshot_heading(source: MartSource) -> str:
    """Which snapshot the summary describes: its date, the data's as-of date and where the marts are."""
    current = read_mart(source, "customer_segments_current", ("snapshot_date", "as_of_date"))
    if current.empty:
        return "Snapshot: none (customer_segments_current is empty)."
    snapshot = pd.to_datetime(current["snapshot_date"]).max().date()
    as_of = pd.to_datetime(current["as_of_date"]).max().date()
    return f"Snapshot {snapshot} (data as of {as_of}):"
