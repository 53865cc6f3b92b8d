"""Two PNG plots of the built marts: segment sizes over time and the R x F grid."""

from __future__ import annotations

import textwrap
from pathlib import Path

import matplotlib

# Headless: plots are written to files, never shown.
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from segmentation.summary import read_mart


def segment_sizes_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Customers per snapshot (rows) and segment (columns), largest current segment first."""
    wide = summary.pivot_table(
        index="snapshot_date", columns="segment", values="customers", aggfunc="sum", fill_value=0
    ).sort_index()
    return wide[wide.iloc[-1].sort_values(ascending=False).index] if len(wide) else wide


def plot_segment_sizes(duckdb_path: str | Path, out_png: str | Path) -> Path:
    """Stacked area of customers per segment over snapshot_date, from ``segment_summary``."""
    summary = read_mart(duckdb_path, "segment_summary", ("snapshot_date", "segment", "customers"))
    wide = segment_sizes_table(summary)
    fig, ax = plt.subplots(figsize=(11, 6))
    colors = plt.get_cmap("tab20")(np.linspace(0, 1, max(len(wide.columns), 1)))
    ax.stackplot(
        pd.to_datetime(wide.index),
        wide.to_numpy(dtype=float).T,
        labels=wide.columns,
        colors=colors,
        alpha=0.9,
    )
    ax.set_title("Customers per RFM segment over time")
    ax.set_xlabel("Snapshot date")
    ax.set_ylabel("Customers")
    ax.margins(x=0)
    ax.grid(axis="y", alpha=0.3)
    # Reverse so the legend reads in the same top-to-bottom order as the stack.
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(
        handles[::-1], labels[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=9, frameon=False
    )
    return _save(fig, out_png)


def rf_grid_table(current: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and most common segment per (recency_score, frequency_score) cell."""
    cells = current.groupby(["recency_score", "frequency_score"])
    counts = cells.size().unstack(fill_value=0)
    segments = cells["segment"].agg(lambda s: s.value_counts().index[0]).unstack()
    buckets = range(1, int(max(current["recency_score"].max(), current["frequency_score"].max())) + 1)
    return counts.reindex(index=buckets, columns=buckets, fill_value=0), segments.reindex(
        index=buckets, columns=buckets
    )


def plot_rf_grid(duckdb_path: str | Path, out_png: str | Path) -> Path:
    """Heatmap of customers by recency_score (y) x frequency_score (x), labelled with count and segment."""
    current = read_mart(
        duckdb_path,
        "customer_segments_current",
        ("customer_id", "segment", "recency_score", "frequency_score"),
    )
    counts, segments = rf_grid_table(current.dropna(subset=["recency_score", "frequency_score"]))
    n = len(counts)
    fig, ax = plt.subplots(figsize=(2.0 + 1.7 * n, 1.0 + 1.5 * n))
    image = ax.imshow(counts.to_numpy(), cmap="Blues", origin="lower", aspect="auto")
    threshold = counts.to_numpy().max() / 2 if counts.size else 0
    for y, recency in enumerate(counts.index):
        for x, frequency in enumerate(counts.columns):
            count = int(counts.loc[recency, frequency])
            if count == 0:
                continue
            name = "\n".join(textwrap.wrap(str(segments.loc[recency, frequency]).replace("_", " "), 12))
            ax.text(
                x, y, f"{count:,}\n{name}", ha="center", va="center", fontsize=8,
                color="white" if count > threshold else "black",
            )  # fmt: skip
    ax.set_xticks(range(n), counts.columns)
    ax.set_yticks(range(n), counts.index)
    ax.set_xlabel("Frequency score (higher = more orders)")
    ax.set_ylabel("Recency score (higher = more recent)")
    ax.set_title("Customers by recency and frequency score")
    fig.colorbar(image, ax=ax, label="Customers")
    return _save(fig, out_png)


def _save(fig: plt.Figure, out_png: str | Path) -> Path:
    path = Path(out_png)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
