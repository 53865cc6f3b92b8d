"""Plots of the built marts, drawn the way analysts draw them. Every figure is built from DataFrames by a
pure function, so the report embeds the same figures the CLI writes as PNG files."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

# Headless: plots are written to files, never shown.
matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import Colormap
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path as BezierPath

from segmentation.readers import MartReader, as_reader
from segmentation.report_data import (
    FAMILIES,
    NEW_CUSTOMER,
    PLOT_NAMES,
    ReportData,
    Transitions,
    family_sizes,
    normalise,
    outcome_rates,
)

TIER_COLORS = {"A": "#1b9e77", "B": "#7570b3", "C": "#d95f02", "D": "#9e9e9e"}
TIER_NAMES = {"A": "Strategic", "B": "Margin Power", "C": "High Adherence Cost", "D": "Basic/Attention"}
DEFAULT_TIER_THRESHOLD = 70.0
# A scatter of millions of customers is one blob; a fixed random sample keeps the picture and the file small.
MAX_SCATTER_POINTS = 20_000


# One colour per segment name in every plot and every family: good segments green, new ones teal, the ones
# that need attention warm, the ones at risk red, lapsed and dormant ones grey-cool.
SEGMENT_PALETTE = {
    # RFM (rf_matrix, rfm_27, simple_6)
    "Champions": "#1b7837",
    "Loyal Customers": "#4dac26",
    "Loyal": "#4dac26",
    "Potential Loyalists": "#a6d96a",
    "New Customers": "#1a9e9e",
    "New / promising": "#1a9e9e",
    "Promising": "#7fcdbb",
    "Need Attention": "#fdd049",
    "Needs attention": "#fdd049",
    "About to Sleep": "#f39c34",
    "At Risk": "#d7301f",
    "At risk": "#d7301f",
    "Cannot Lose Them": "#99004c",
    "Hibernating": "#8fa3b8",
    "Lapsed": "#5d7189",
    # Behaviour
    "Power user": "#1b7837",
    "Engaged": "#4dac26",
    "Trialing": "#7fcdbb",
    "Dormant": "#8fa3b8",
    # Lifecycle activity
    "New": "#1a9e9e",
    "Active": "#4dac26",
    "Churned": "#8fa3b8",
    # Value
    "Enterprise": "#08306b",
    "Mid-market": "#2171b5",
    "SMB": "#6baed6",
    "Self-serve": "#c6dbef",
    # Health
    "Healthy": "#4dac26",
    "Neutral": "#fdd049",
    "At-risk": "#d7301f",
    "Critical": "#99004c",
    NEW_CUSTOMER: "#c2a5cf",
}
# Names that mean "gone quiet" get a grey-cool colour when the palette does not know them.
_LAPSED_WORDS = ("laps", "churn", "dormant", "hibernat", "inactive", "lost")


def segment_color(segment: str, position: int = 0) -> str | tuple:
    if segment in SEGMENT_PALETTE:
        return SEGMENT_PALETTE[segment]
    if any(word in segment.lower() for word in _LAPSED_WORDS):
        return "#7b8a9c"
    palette: Colormap = plt.get_cmap("tab20b")
    return palette(position % palette.N)


def segment_colors(order: Sequence[str]) -> dict[str, str | tuple]:
    """One fixed colour per segment name, so every plot colours a segment the same way."""
    colors = {segment: segment_color(segment, i) for i, segment in enumerate(order)}
    colors[NEW_CUSTOMER] = SEGMENT_PALETTE[NEW_CUSTOMER]
    return colors


def _outside_legend(ax: plt.Axes, handles: list | None = None, labels: list | None = None) -> None:
    """A legend to the right of the axes, never over the data."""
    if handles is None:
        handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10, frameon=False)


# --------------------------------------------------------------------------- segment sizes


def segment_sizes_table(summary: pd.DataFrame, order: Sequence[str] | None = None) -> pd.DataFrame:
    """Customers per snapshot (rows) and segment (columns): in ``order``, else largest current first."""
    wide = summary.pivot_table(
        index="snapshot_date", columns="segment", values="customers", aggfunc="sum", fill_value=0
    ).sort_index()
    if not len(wide):
        return wide
    if order:
        return wide[[s for s in order if s in wide.columns] + [s for s in wide.columns if s not in order]]
    return wide[wide.iloc[-1].sort_values(ascending=False).index]


def segment_sizes_figure(summary: pd.DataFrame, order: Sequence[str] | None = None) -> plt.Figure:
    """Stacked area of customers per segment over snapshot_date."""
    wide = segment_sizes_table(summary, order)
    colors = segment_colors(list(wide.columns))
    fig, ax = plt.subplots(figsize=(11, 6))
    ax.stackplot(
        pd.to_datetime(wide.index),
        wide.to_numpy(dtype=float).T,
        labels=wide.columns,
        colors=[colors[s] for s in wide.columns],
        alpha=0.9,
    )
    ax.set_title("Customers per RFM segment over time")
    ax.set_xlabel("Snapshot date")
    ax.set_ylabel("Customers")
    ax.margins(x=0)
    ax.grid(axis="y", alpha=0.3)
    # Reverse so the legend reads in the same top-to-bottom order as the stack.
    handles, labels = ax.get_legend_handles_labels()
    _outside_legend(ax, handles[::-1], labels[::-1])
    return fig


# --------------------------------------------------------------------------- R x F grid


def rf_grid_table(current: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts and most common segment per (recency_score, frequency_score) cell."""
    cells = current.groupby(["recency_score", "frequency_score"])
    counts = cells.size().unstack(fill_value=0)
    segments = cells["segment"].agg(lambda s: s.value_counts().index[0]).unstack()
    buckets = range(1, int(max(current["recency_score"].max(), current["frequency_score"].max())) + 1)
    return counts.reindex(index=buckets, columns=buckets, fill_value=0), segments.reindex(
        index=buckets, columns=buckets
    )


def rf_grid_figure(current: pd.DataFrame) -> plt.Figure:
    """Heatmap of customers by recency_score (y) x frequency_score (x), labelled with count and segment."""
    current = current.dropna(subset=["recency_score", "frequency_score"]).astype(
        {"recency_score": int, "frequency_score": int}
    )
    counts, segments = rf_grid_table(current)
    n = len(counts)
    fig, ax = plt.subplots(figsize=(2.0 + 1.4 * n, 1.0 + 1.2 * n))
    image = ax.imshow(counts.to_numpy(), cmap="Blues", origin="lower", aspect="auto")
    threshold = counts.to_numpy().max() / 2 if counts.size else 0
    for y, recency in enumerate(counts.index):
        for x, frequency in enumerate(counts.columns):
            count = int(counts.loc[recency, frequency])
            if count == 0:
                continue
            name = "\n".join(textwrap.wrap(str(segments.loc[recency, frequency]).replace("_", " "), 11))
            ax.text(
                x, y, f"{count:,}\n{name}", ha="center", va="center", fontsize=10,
                color="white" if count > threshold else "black",
            )  # fmt: skip
    ax.set_xticks(range(n), counts.columns)
    ax.set_yticks(range(n), counts.index)
    ax.set_xlabel("Frequency score (higher = more orders)")
    ax.set_ylabel("Recency score (higher = more recent)")
    ax.set_title("Customers by recency and frequency score")
    fig.colorbar(image, ax=ax, label="Customers")
    return fig


# --------------------------------------------------------------------------- transitions (Sankey)


@dataclass(frozen=True)
class Band:
    from_segment: str
    to_segment: str
    customers: int
    left: tuple[float, float]  # (top, bottom) on the left axis
    right: tuple[float, float]


@dataclass(frozen=True)
class SankeyLayout:
    left_nodes: dict[str, tuple[float, float]]
    right_nodes: dict[str, tuple[float, float]]
    bands: list[Band]
    height: float


def sankey_layout(flows: pd.DataFrame, order: Sequence[str], gap_share: float = 0.02) -> SankeyLayout:
    """Stack segments top to bottom in ``order`` (new customers first on the left) with a gap between them,
    and give each flow a slice of its source and its target, in the other side's order so bands cross
    as little as possible. Heights are in customers."""
    flows = flows[flows["customers"] > 0]
    total = float(flows["customers"].sum())
    gap = gap_share * total
    rank = {segment: i for i, segment in enumerate([NEW_CUSTOMER, *order])}

    def sort_key(segment: str) -> tuple[float, str]:
        return (rank.get(segment, float("inf")), segment)

    def stack(sizes: pd.Series) -> dict[str, tuple[float, float]]:
        nodes, cursor = {}, 0.0
        for segment in sorted(sizes.index, key=sort_key):
            nodes[segment] = (cursor, cursor + float(sizes[segment]))
            cursor += float(sizes[segment]) + gap
        return nodes

    left = stack(flows.groupby("from_segment")["customers"].sum())
    right = stack(flows.groupby("to_segment")["customers"].sum())
    left_cursor = {s: top for s, (top, _) in left.items()}
    right_cursor = {s: top for s, (top, _) in right.items()}
    slices: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for row in sorted(flows.itertuples(), key=lambda r: (sort_key(r.from_segment), sort_key(r.to_segment))):
        start = left_cursor[row.from_segment]
        left_cursor[row.from_segment] = start + row.customers
        slices[(row.from_segment, row.to_segment)] = [(start, start + row.customers)]
    for row in sorted(flows.itertuples(), key=lambda r: (sort_key(r.to_segment), sort_key(r.from_segment))):
        start = right_cursor[row.to_segment]
        right_cursor[row.to_segment] = start + row.customers
        slices[(row.from_segment, row.to_segment)].append((start, start + row.customers))
    bands = [
        Band(from_segment, to_segment, int(right_end - right_start), left_slice, (right_start, right_end))
        for (from_segment, to_segment), (left_slice, (right_start, right_end)) in slices.items()
    ]
    height = max([bottom for _, bottom in [*left.values(), *right.values()]], default=0.0)
    return SankeyLayout(left, right, bands, height)


def _band_path(x0: float, x1: float, left: tuple[float, float], right: tuple[float, float]) -> BezierPath:
    middle = (x0 + x1) / 2
    vertices = [
        (x0, left[0]),
        (middle, left[0]),
        (middle, right[0]),
        (x1, right[0]),
        (x1, right[1]),
        (middle, right[1]),
        (middle, left[1]),
        (x0, left[1]),
        (x0, left[0]),
    ]
    codes = [BezierPath.MOVETO, *[BezierPath.CURVE4] * 3, BezierPath.LINETO, *[BezierPath.CURVE4] * 3]
    codes.append(BezierPath.CLOSEPOLY)
    return BezierPath(vertices, codes)


def transitions_figure(transitions: Transitions, order: Sequence[str]) -> plt.Figure:
    """Sankey diagram of customers from their segment at one snapshot to their segment at another."""
    layout = sankey_layout(transitions.flows, order)
    colors = segment_colors(order)
    total = sum(band.customers for band in layout.bands)
    fig, ax = plt.subplots(figsize=(12, 8))
    node_width, x0, x1 = 0.03, 0.25, 0.75
    for band in layout.bands:
        patch = PathPatch(
            _band_path(x0, x1, band.left, band.right),
            facecolor=colors.get(band.from_segment, segment_color(band.from_segment)),
            alpha=0.45,
            edgecolor="none",
        )
        ax.add_patch(patch)
        # Count the big flows where their band leaves its source, before bands cross; the report's table
        # lists every move.
        if band.customers >= 0.025 * total:
            ax.text(
                x0 + 0.01, sum(band.left) / 2, f"{band.customers:,} to {band.to_segment}",
                ha="left", va="center", fontsize=9, color="#222222",
            )  # fmt: skip
    for nodes, x, align, offset in (
        (layout.left_nodes, x0 - node_width, "right", -0.01),
        (layout.right_nodes, x1, "left", node_width + 0.01),
    ):
        for segment, (top, bottom) in nodes.items():
            color = colors.get(segment, segment_color(segment))
            ax.add_patch(Rectangle((x, top), node_width, bottom - top, color=color))
            ax.text(
                x + offset, (top + bottom) / 2, f"{segment}  {round(bottom - top):,}",
                ha=align, va="center", fontsize=10,
            )  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(layout.height, 0)
    ax.axis("off")
    ax.text(
        x0 - node_width / 2, -0.01 * layout.height, str(transitions.from_snapshot), ha="center", va="bottom"
    )
    ax.text(
        x1 + node_width / 2, -0.01 * layout.height, str(transitions.to_snapshot), ha="center", va="bottom"
    )
    ax.set_title(
        f"Where customers moved: segment on {transitions.from_snapshot} -> "
        f"segment on {transitions.to_snapshot}",
        pad=24,
    )
    return fig


# --------------------------------------------------------------------------- cohort retention


def cohort_matrix(cohorts: pd.DataFrame, value: str) -> pd.DataFrame:
    """Cohort (rows, oldest first, labelled with its size) x quarters since first order (columns)."""
    cohorts = cohorts.sort_values(["cohort_quarter", "quarters_since_first_order"])
    labels = cohorts["cohort_label"] + " (" + cohorts["cohort_customers"].astype(int).map("{:,}".format) + ")"
    matrix = cohorts.assign(cohort=labels).pivot_table(
        index="cohort", columns="quarters_since_first_order", values=value, aggfunc="sum", sort=False
    )
    matrix.columns = [int(c) for c in matrix.columns]
    return matrix


def _short_money(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.1f}{suffix}"
    return f"{value:.0f}"


def cohort_retention_figure(cohorts: pd.DataFrame) -> plt.Figure:
    """Two heatmaps, cohort x quarters since first order: share of the cohort that bought, and net revenue
    per cohort customer. Cells after the as-of quarter stay blank."""
    panels = (
        ("retention_rate", "Customers: share of the cohort with an order", "Greens", lambda v: f"{v:.0%}"),
        ("revenue_per_cohort_customer", "Revenue: net revenue per cohort customer", "Purples", _short_money),
    )
    rows = cohorts["cohort_label"].nunique()
    columns = int(cohorts["quarters_since_first_order"].max()) + 1 if len(cohorts) else 1
    # The two panels one above the other, so a long history keeps cells wide enough for 9 pt text.
    width = min(12.0, max(8.0, 3.0 + 0.8 * columns))
    fig, axes = plt.subplots(2, 1, figsize=(width, 2.0 + 0.8 * max(rows, 1)), squeeze=False)
    for ax, (value, title, cmap, fmt) in zip(axes[:, 0], panels, strict=True):
        matrix = cohort_matrix(cohorts, value)
        data = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
        image = ax.imshow(data, cmap=cmap, aspect="auto")
        low, high = (float(data.min()), float(data.max())) if data.count() else (0.0, 0.0)
        spread = (high - low) or 1.0
        if matrix.size <= 400:
            for y in range(matrix.shape[0]):
                for x in range(matrix.shape[1]):
                    if data.mask is np.ma.nomask or not data.mask[y, x]:
                        cell = float(data[y, x])
                        ax.text(
                            x, y, fmt(cell), ha="center", va="center", fontsize=9,
                            color="white" if (cell - low) / spread > 0.6 else "black",
                        )  # fmt: skip
        ax.set_xticks(range(matrix.shape[1]), matrix.columns)
        ax.set_yticks(range(matrix.shape[0]), matrix.index, fontsize=10)
        ax.set_xlabel("Quarters since first order")
        ax.set_title(title, fontsize=11)
        ax.set_ylabel("Cohort (customers)")
        fig.colorbar(image, ax=ax, shrink=0.8)
    fig.suptitle("Quarterly cohort retention")
    return fig


# --------------------------------------------------------------------------- tier matrix


def infer_threshold(scores: pd.Series, is_above: pd.Series, default: float = DEFAULT_TIER_THRESHOLD) -> float:
    """The line the tiers were cut at: ``default`` when the data agree with it (every customer on the high
    side scores at least it, every other below it), else the lowest score on the high side."""
    high, low = scores[is_above], scores[~is_above]
    if (high.empty or high.min() >= default) and (low.empty or low.max() < default):
        return default
    return float(high.min()) if not high.empty else default


def tier_thresholds(tiers: pd.DataFrame) -> tuple[float, float]:
    """(profitability, adherence) thresholds consistent with the tiers: A and B are the high-profitability
    tiers, A and C the high-adherence ones."""
    profitability = infer_threshold(tiers["profitability_score"], tiers["tier"].isin(["A", "B"]))
    adherence = infer_threshold(tiers["adherence_score"], tiers["tier"].isin(["A", "C"]))
    return profitability, adherence


def tier_matrix_figure(tiers: pd.DataFrame) -> plt.Figure:
    """Profitability vs adherence, one dot per customer coloured by tier, with the threshold lines and
    each quadrant's tier and customer count."""
    profitability_line, adherence_line = tier_thresholds(tiers)
    shown = tiers.sample(n=MAX_SCATTER_POINTS, random_state=0) if len(tiers) > MAX_SCATTER_POINTS else tiers
    counts = tiers["tier"].value_counts()
    fig, ax = plt.subplots(figsize=(9, 8))
    for tier, color in TIER_COLORS.items():
        points = shown[shown["tier"] == tier]
        ax.scatter(
            points["adherence_score"], points["profitability_score"], s=8, alpha=0.5, color=color,
            label=f"{tier} {TIER_NAMES[tier]} ({int(counts.get(tier, 0)):,})", linewidths=0,
        )  # fmt: skip
    ax.axvline(adherence_line, color="black", linewidth=1, linestyle="--")
    ax.axhline(profitability_line, color="black", linewidth=1, linestyle="--")
    quadrants = {
        "A": ((adherence_line + 100) / 2, (profitability_line + 100) / 2),
        "B": (adherence_line / 2, (profitability_line + 100) / 2),
        "C": ((adherence_line + 100) / 2, profitability_line / 2),
        "D": (adherence_line / 2, profitability_line / 2),
    }
    for tier, (x, y) in quadrants.items():
        ax.text(
            x, y, f"{tier} {TIER_NAMES[tier]}\n{int(counts.get(tier, 0)):,} customers", ha="center",
            va="center", fontsize=11, weight="bold", color="#222222",
            bbox={"facecolor": "white", "alpha": 0.92, "edgecolor": TIER_COLORS[tier], "linewidth": 2},
        )  # fmt: skip
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel(f"Adherence score (line at {adherence_line:g})")
    ax.set_ylabel(f"Profitability score (line at {profitability_line:g})")
    sampled = f", {len(shown):,} of {len(tiers):,} customers shown" if len(shown) < len(tiers) else ""
    ax.set_title(f"B2B tier matrix{sampled}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2, fontsize=10, frameon=False)
    return fig


# --------------------------------------------------------------------------- segment outcomes


def segment_outcomes_figure(outcomes: pd.DataFrame, order: Sequence[str]) -> plt.Figure:
    """Per segment, over every snapshot with a next period: share that bought in the next period and share
    still in the segment at the next snapshot. Segments that predict something differ clearly."""
    rates = outcome_rates(outcomes, order).iloc[::-1]
    fig, ax = plt.subplots(figsize=(11, 1.2 + 0.55 * max(len(rates), 1)))
    y = np.arange(len(rates))
    ax.barh(
        y + 0.2, rates["share_active_next_period"], height=0.4, color="#2c7fb8", label="bought next period"
    )
    ax.barh(
        y - 0.2, rates["share_in_segment_next_period"], height=0.4, color="#fdae61", label="still in segment"
    )
    for i, (active, stayed) in enumerate(
        zip(rates["share_active_next_period"], rates["share_in_segment_next_period"], strict=True)
    ):
        ax.text(active + 0.01, i + 0.2, f"{active:.0%}", va="center", fontsize=9)
        ax.text(stayed + 0.01, i - 0.2, f"{stayed:.0%}", va="center", fontsize=9)
    ax.set_yticks(y, rates.index)
    ax.set_xlim(0, 1.1)
    ax.xaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0))
    ax.set_xlabel("Share of the segment's customers, over all snapshots with a next period")
    ax.set_title("What happened next period, by segment")
    _outside_legend(ax)
    ax.grid(axis="x", alpha=0.3)
    return fig


# --------------------------------------------------------------------------- segment families


def family_sizes_figure(changes: pd.DataFrame) -> plt.Figure:
    """One stacked area per family (behaviour, lifecycle, value, health): customers per segment over time,
    rebuilt from the change feed; a family without rows (behaviour without events) says so."""
    families = [family for family in FAMILIES if family != "rfm"]
    fig, axes = plt.subplots(len(families), 1, figsize=(11, 2.9 * len(families)), squeeze=False)
    for ax, family in zip(axes[:, 0], families, strict=True):
        sizes = family_sizes(changes, family)
        label = FAMILIES[family][1]
        if sizes.empty:
            ax.text(
                0.5, 0.5, f"{label}: no data (built without events)", ha="center", va="center", fontsize=11
            )
            ax.axis("off")
            continue
        latest = sizes.iloc[-1].sort_values(ascending=False)
        sizes = sizes[latest.index]
        ax.stackplot(
            sizes.index,
            sizes.to_numpy(dtype=float).T,
            labels=[f"{segment} ({int(latest[segment]):,})" for segment in sizes.columns],
            colors=[segment_color(segment, i) for i, segment in enumerate(sizes.columns)],
            alpha=0.9,
        )
        ax.set_title(f"{label}: customers per segment", fontsize=12, loc="left")
        ax.set_ylabel("Customers")
        ax.margins(x=0)
        ax.grid(axis="y", alpha=0.3)
        # Reversed so the legend reads top to bottom like the stack.
        handles, labels = ax.get_legend_handles_labels()
        _outside_legend(ax, handles[::-1], labels[::-1])
    axes[-1, 0].set_xlabel("Snapshot date")
    return fig


# --------------------------------------------------------------------------- registry and output


PLOTS: dict[str, tuple[str, Callable[[ReportData], plt.Figure]]] = {
    "segment_sizes": (
        "Segment sizes over time",
        lambda data: segment_sizes_figure(data.segment_summary, data.segment_order),
    ),
    "rf_grid": ("R x F grid", lambda data: rf_grid_figure(data.score_grid)),
    "transitions": (
        "Segment transitions",
        lambda data: transitions_figure(data.transitions, data.segment_order),
    ),
    "segment_outcomes": (
        "Segment outcomes",
        lambda data: segment_outcomes_figure(data.outcomes, data.segment_order),
    ),
    "cohort_retention": ("Cohort retention", lambda data: cohort_retention_figure(data.cohort_retention)),
    "tier_matrix": ("Tier matrix", lambda data: tier_matrix_figure(data.tiers)),
    "family_sizes": ("Segment families over time", lambda data: family_sizes_figure(data.changes)),
}
if tuple(PLOTS) != PLOT_NAMES:
    raise RuntimeError("plots.PLOTS and report_data.PLOT_NAMES disagree")


def figure_png(fig: plt.Figure, dpi: int = 110) -> bytes:
    """The figure as PNG bytes; the figure is closed."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return buffer.getvalue()


def render_pngs(data: ReportData, names: Sequence[str] = PLOT_NAMES) -> dict[str, bytes]:
    unknown = sorted(set(names) - set(PLOTS))
    if unknown:
        raise ValueError(f"unknown plot(s) {', '.join(unknown)}; choose from {', '.join(PLOT_NAMES)}")
    return {name: figure_png(PLOTS[name][1](data)) for name in names}


def write_pngs(pngs: dict[str, bytes], out_dir: str | Path) -> list[Path]:
    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, png in pngs.items():
        path = directory / f"{name}.png"
        path.write_bytes(png)
        paths.append(path)
    return paths


def _save(fig: plt.Figure, out_png: str | Path) -> Path:
    path = Path(out_png)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(figure_png(fig, dpi=120))
    return path


def plot_segment_sizes(source: MartReader | str | Path, out_png: str | Path) -> Path:
    """Stacked area of customers per segment over snapshot_date, from ``segment_summary``."""
    summary = as_reader(source).read("segment_summary", ("snapshot_date", "segment", "customers"))
    return _save(segment_sizes_figure(normalise(summary, numbers=["customers"])), out_png)


def plot_rf_grid(source: MartReader | str | Path, out_png: str | Path) -> Path:
    """Heatmap of customers by recency_score (y) x frequency_score (x), labelled with count and segment."""
    current = as_reader(source).read(
        "customer_segments_current", ("customer_id", "segment", "recency_score", "frequency_score")
    )
    return _save(rf_grid_figure(current), out_png)
