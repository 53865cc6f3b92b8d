"""One self-contained HTML report of the built marts: every plot inlined as a PNG data URI, no scripts,
no fonts or styles from the network, so it opens anywhere, offline, and can be mailed as one file."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from segmentation.plots import PLOT_NAMES, PLOTS, figure_png, tier_thresholds, write_pngs
from segmentation.report_data import (
    CUSTOMER_COLUMNS,
    FAMILIES,
    NEW_CUSTOMER,
    TOP_CUSTOMERS,
    WATCHED_RFM_SEGMENTS,
    ReportData,
    action_flag_table,
    current_segments_table,
    family_moves,
    high_value_at_risk,
    outcome_rates,
    thin_snapshots,
    top_customers,
    watched_moves,
    with_names,
)

# Section ids, in page order; the browser test checks that each one renders.
SECTIONS = {
    "data-checks": "Data checks",
    "segment-sizes": "Segment sizes over time",
    "rf-grid": "The R x F grid",
    "transitions": "Segment transitions",
    "segment-outcomes": "Did the segments predict anything?",
    "cohort-retention": "Quarterly cohort retention",
    "tier-matrix": "B2B tier matrix",
    "action-flags": "Current action flags",
    "top-customers": "Top customers per segment",
    "at-risk": "High-value accounts at risk",
    "watched-moves": "Moved into a watched segment",
    "families": "Segment families: behaviour, lifecycle, value, health",
    "clv-backtest": "Predictions: back-test of the BTYD models",
}
TOP_MOVES = 15
# Seed rfm_score_breaks writes an open end as the money type's limit (9999999999999999.99).
OPEN_BOUND = 9_999_999_999_999_999.0
MAX_LISTED = 50
# Column headers for people; a column not listed gets its name with spaces and a capital.
HEADERS = {
    "customer_id": "Customer",
    "customer_name": "Name",
    "email": "Email",
    "rfm_code": "RFM code",
    "recency_days": "Days since last order",
    "frequency": "Orders in window",
    "monetary": "Net revenue in window",
    "segment_entered_date": "In segment since",
    "avg_periods_in_segment": "Avg periods in segment",
    "max_periods_in_segment": "Longest periods in segment",
    "recommended_action": "Recommended action",
    "min_value": "From",
    "max_value": "To",
    "share": "Share",
    "customers": "Customers",
    "revenue": "Revenue",
    "customer_snapshots": "Customer-snapshots",
    "share_active_next_period": "Bought next period",
    "share_in_segment_next_period": "Still in segment next period",
    "revenue_per_customer_next_period": "Revenue per customer next period",
    "from_segment": "From",
    "to_segment": "To",
    "revenue_12m": "Revenue, last 12 months",
    "health_score": "Health score",
    "health_band": "Health",
    "value_band": "Value",
    "activity_status": "Activity",
    "rfm_segment": "RFM segment",
    "action_flag": "Action flag",
    "tier_name": "Tier name",
    "snapshot_date": "Snapshot",
    "family": "Family",
}

# The widest a plot is shown (CSS pixels); the R x F grid and the tier matrix are shown narrower. Plot text
# is sized so that it is at least MIN_TEXT_PX at these widths (tests/pytest/test_report.py checks it).
PLOT_WIDTH = 1100
NARROW_WIDTH = 800
NARROW_PLOTS = ("rf_grid", "tier_matrix")
MIN_TEXT_PX = 10

STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #222;
       background: #f6f7f9; }
header { background: #1f3a5f; color: white; padding: 24px 40px; }
header h1 { margin: 0 0 8px; font-size: 26px; }
header p { margin: 2px 0; opacity: 0.9; }
nav { padding: 10px 40px; background: white; border-bottom: 1px solid #ddd; font-size: 14px; }
nav a { margin-right: 16px; color: #1f3a5f; text-decoration: none; }
main { padding: 8px 40px 40px; max-width: 1300px; }
section { background: white; border: 1px solid #e1e4e8; border-radius: 6px; padding: 16px 24px;
          margin: 20px 0; }
h2 { margin-top: 4px; color: #1f3a5f; }
img.plot { max-width: min(100%, PLOT_WIDTHpx); height: auto; display: block; margin: 8px 0 16px; }
img#plot-rf_grid, img#plot-tier_matrix { max-width: min(100%, NARROW_WIDTHpx); }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e1e4e8; padding: 4px 10px; text-align: right; }
th { background: #f0f3f6; }
td:first-child, th:first-child { text-align: left; }
td.text, th.text { text-align: left; }
.note { color: #555; font-size: 14px; }
.warning { background: #fff4e5; border-left: 4px solid #f0a030; padding: 8px 12px; margin: 8px 0; }
.ok { background: #eaf7ee; border-left: 4px solid #2e9d57; padding: 8px 12px; margin: 8px 0; }
footer { color: #777; font-size: 12px; padding: 0 40px 24px; }
""".replace("NARROW_WIDTH", str(NARROW_WIDTH)).replace("PLOT_WIDTH", str(PLOT_WIDTH))


@dataclass(frozen=True)
class ReportOutput:
    html_path: Path
    png_paths: list[Path]


def _esc(value: object) -> str:
    return html.escape(str(value))


def _img(name: str, png: bytes) -> str:
    encoded = base64.b64encode(png).decode("ascii")
    return (
        f'<img class="plot" id="plot-{name}" alt="{_esc(PLOTS[name][0])}" '
        f'src="data:image/png;base64,{encoded}">'
    )


def _table(
    frame: pd.DataFrame, formats: dict[str, Callable[[object], str]], index_name: str | None = None
) -> str:
    """An HTML table; text columns align left, numbers right, everything escaped."""
    frame = frame.reset_index() if index_name else frame
    if index_name:
        frame = frame.rename(columns={frame.columns[0]: index_name})
    header = "".join(
        f"<th>{_esc(_header(c))}</th>" if c in formats else f'<th class="text">{_esc(_header(c))}</th>'
        for c in frame.columns
    )
    rows = []
    for _, row in frame.iterrows():
        cells = []
        for column in frame.columns:
            value = row[column]
            if column in formats and pd.notna(value):
                cells.append(f"<td>{_esc(formats[column](value))}</td>")
            else:
                shown = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else value
                cells.append(f'<td class="text">{_esc(shown)}</td>')
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return f"<table><thead><tr>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _header(column: object) -> str:
    name = str(column)
    if name in HEADERS:
        return HEADERS[name]
    if name.startswith("tier ") or " " in name:
        return name[:1].upper() + name[1:]
    return name.replace("_", " ").capitalize()


def _date(value: object) -> str:
    return str(pd.Timestamp(value).date())


def _count(value: object) -> str:
    return f"{float(value):,.0f}"


def _pct(value: object) -> str:
    return f"{float(value):.1%}"


def _money(value: object) -> str:
    return f"{float(value):,.2f}"


def _one_decimal(value: object) -> str:
    return f"{float(value):,.1f}"


def _section(section_id: str, body: str) -> str:
    return (
        f'<section id="{section_id}" data-section="{section_id}">'
        f"<h2>{_esc(SECTIONS[section_id])}</h2>{body}</section>"
    )


def data_checks_html(data: ReportData) -> str:
    if data.quality is None:
        return (
            '<p class="warning">rfm_snapshot_quality is not in these marts (built by an older version), '
            "so thin snapshots cannot be checked. Rebuild with <code>segmentation build</code>.</p>"
        )
    thin = thin_snapshots(data.quality)
    limits = data.quality.iloc[0] if len(data.quality) else None
    rule = (
        f"at least {int(limits['min_customers'])} customers and "
        f"{int(limits['min_distinct_scores'])} distinct scores in each of recency, frequency and monetary"
        if limits is not None
        else "the limits in vars rfm_min_customers_per_snapshot and rfm_min_distinct_scores"
    )
    if thin.empty:
        return f'<p class="ok">All {len(data.quality)} snapshots have {rule}.</p>'
    latest_thin = pd.Timestamp(data.latest_snapshot) in set(thin["snapshot_date"])
    latest = (
        " <strong>The latest snapshot is one of them: read the current segments with care.</strong>"
        if latest_thin
        else ""
    )
    shown = thin.assign(snapshot_date=thin["snapshot_date"].dt.date)
    return (
        f'<p class="warning">{len(thin)} of {len(data.quality)} snapshots are thin: they do not have {rule} '
        "(vars rfm_min_customers_per_snapshot and rfm_min_distinct_scores). Segments there mean little; "
        f"ties, such as many one-order customers sharing frequency 1, collapse the scores.{latest}</p>"
        + _table(shown, {"customers": _count})
    )


def score_collapse_html(data: ReportData) -> str:
    """The collapse guard (is_collapsed in rfm_snapshot_quality) with a remedy, and what each score meant at
    the latest snapshot, with the fixed breaks when the thresholds method scored it."""
    collapse = data.collapse
    if collapse is None:
        return (
            '<p class="warning">rfm_snapshot_quality has no collapse guard (marts of an older version).</p>'
        )
    share = float(collapse["max_score_share"].iloc[0]) if len(collapse) else 0.5
    collapsed = collapse[collapse["is_collapsed"]]
    if collapsed.empty:
        text = (
            f'<p class="ok">No snapshot collapsed: no score holds more than {share:.0%} of a dimension.</p>'
        )
    else:
        dimensions = [
            name for name in ("recency", "frequency", "monetary") if collapsed[f"is_{name}_collapsed"].any()
        ]
        text = (
            f'<p class="warning">{len(collapsed)} of {len(collapse)} snapshots are collapsed in '
            f"{_esc(', '.join(dimensions))}: one score holds more than {share:.0%} of the scored customers "
            "or a score between the lowest and the highest is empty, so those scores do not separate "
            "customers. Remedies: rank only customers with an order in the window "
            "(<code>rfm_score_population: active</code>), fixed breaks that mean the same every month "
            "(<code>rfm_score_method: thresholds</code>), or fewer buckets "
            "(<code>rfm_segment_scheme: rfm_27</code>). Many one-order customers collapse frequency under "
            "any method: there, frequency reads as one order versus repeat buyer.</p>"
        )
    breaks = data.score_breaks
    if breaks is None or breaks.empty:
        return text
    uses_breaks = breaks[["break_min_value", "break_max_value"]].notna().any().any()
    caption = (
        "fixed breaks of seed rfm_score_breaks (lower inclusive, upper exclusive, empty = open)"
        if uses_breaks
        else "ranked per snapshot, so the ranges move between snapshots"
    )
    if uses_breaks:
        # The seed's outermost bounds are the money type's limits: shown empty, as open ends.
        shown = breaks.copy()
        for column in ("break_min_value", "break_max_value"):
            bound = pd.to_numeric(shown[column], errors="coerce").astype(float)
            shown[column] = bound.where(bound.abs() < OPEN_BOUND)
    else:
        shown = breaks.drop(columns=["break_min_value", "break_max_value"])
    return (
        text
        + f"<p>What each score meant at {_esc(data.latest_snapshot)} ({caption}):</p>"
        + _table(shown, {"score": _count, **{c: _one_decimal for c in shown.columns if c.endswith("value")}})
    )


def segment_sizes_html(data: ReportData, png: bytes) -> str:
    table = current_segments_table(data.current, data.segment_order)
    return (
        _img("segment_sizes", png)
        + f"<p class='note'>Current segments at {data.latest_snapshot}, with time in segment: the snapshots "
        "each customer has spent in it without a break (periods_in_segment). Who they are: "
        "<a href='#top-customers'>top customers per segment</a>.</p>"
        + _table(
            table,
            {
                "customers": _count,
                "share": _pct,
                "avg_periods_in_segment": _one_decimal,
                "max_periods_in_segment": _count,
                "revenue": _money,
            },
            index_name="segment",
        )
    )


def rf_grid_html(data: ReportData, png: bytes) -> str:
    dimensions = pd.Categorical(data.score_thresholds["dimension"], ["recency", "frequency", "monetary"])
    thresholds = data.score_thresholds.assign(dimension=dimensions).sort_values(
        ["dimension", "score"], ascending=[True, False]
    )
    shown = thresholds[
        ["dimension", "score", "measure", "min_value", "max_value", "customers", "share"]
    ].copy()
    # Days and order counts are whole numbers; only money has cents.
    for column in ("min_value", "max_value"):
        shown[column] = [
            _money(value) if measure == "monetary" else _count(value)
            for value, measure in zip(shown[column], shown["measure"], strict=True)
        ]
    return (
        _img("rf_grid", png)
        + f"<p class='note'>What each score meant at {data.latest_snapshot} (rfm_score_thresholds): the "
        "range of values of the customers holding it. Recency is in days, so its top score has the "
        "fewest.</p>"
        + _table(
            shown,
            {"score": _count, "min_value": str, "max_value": str, "customers": _count, "share": _pct},
        )
    )


def transitions_html(data: ReportData, png: bytes) -> str:
    flows = data.transitions.flows
    total = flows["customers"].sum()
    stayed = flows.loc[flows["from_segment"] == flows["to_segment"], "customers"].sum()
    new = flows.loc[flows["from_segment"] == NEW_CUSTOMER, "customers"].sum()
    moved = (flows["from_segment"] != flows["to_segment"]) & (flows["from_segment"] != NEW_CUSTOMER)
    moves = flows[moved].head(TOP_MOVES)
    return (
        _img("transitions", png)
        + f"<p class='note'>{total:,.0f} customers at {data.transitions.to_snapshot}: {stayed:,.0f} in the "
        f"same segment as at {data.transitions.from_snapshot}, {new:,.0f} new since, the rest moved. Choose "
        "the snapshots with <code>segmentation report --from-snapshot --to-snapshot</code>. "
        "The largest moves between segments:</p>" + _table(moves, {"customers": _count})
    )


def segment_outcomes_html(data: ReportData, png: bytes) -> str:
    rates = outcome_rates(data.outcomes, data.segment_order)
    return (
        _img("segment_outcomes", png)
        + "<p class='note'>From segment_outcomes, customer-weighted over every snapshot that has a next "
        "period. Segments that predict behaviour differ clearly: Champions should buy again far more often "
        "than Hibernating customers.</p>"
        + _table(
            rates,
            {
                "customer_snapshots": _count,
                "share_active_next_period": _pct,
                "share_in_segment_next_period": _pct,
                "revenue_per_customer_next_period": _money,
            },
            index_name="segment",
        )
    )


def cohort_retention_html(data: ReportData, png: bytes) -> str:
    return _img("cohort_retention", png) + (
        "<p class='note'>From cohort_retention: rows are first-order quarters (cohort size in brackets), "
        "columns quarters since. Quarter 0 is 100% by definition; the newest quarter may be unfinished.</p>"
    )


def tier_matrix_html(data: ReportData, png: bytes) -> str:
    profitability, adherence = tier_thresholds(data.tiers)
    counts = data.tiers.groupby(["tier", "tier_name"]).size().rename("customers").reset_index()
    counts["share"] = counts["customers"] / max(len(data.tiers), 1)
    return (
        _img("tier_matrix", png)
        + f"<p class='note'>Profitability line at {profitability:g}, adherence line at {adherence:g} "
        "(vars tier_profitability_threshold and tier_adherence_threshold).</p>"
        + _table(counts, {"customers": _count, "share": _pct})
    )


def action_flags_html(data: ReportData) -> str:
    table = action_flag_table(data.tiers)
    formats = {
        column: _count for column in table.columns if column == "customers" or column.startswith("tier ")
    }
    formats["share"] = _pct
    return (
        "<p class='note'>One flag per customer from customer_tiers, the first that applies, with what to do "
        "and how the flagged customers split across tiers.</p>"
        + _table(table, formats, index_name="action_flag")
    )


_CUSTOMER_FORMATS: dict[str, Callable[[object], str]] = {
    "recency_days": _count,
    "frequency": _count,
    "monetary": _money,
    "segment_entered_date": _date,
    "revenue_12m": _money,
    "health_score": _count,
}


def _export_hint(segment: str, family: str = "rfm") -> str:
    option = "" if family == "rfm" else f" --family {family}"
    return f"<code>segmentation export --segment &quot;{_esc(segment)}&quot;{option} --out list.csv</code>"


def top_customers_html(data: ReportData) -> str:
    top = top_customers(data.named_current, data.segment_order)
    parts = [
        f"<p class='note'>Per segment at {data.latest_snapshot}, the {TOP_CUSTOMERS} customers with the most "
        "net revenue in the window, with the numbers behind their segment. Every member of a segment: "
        f"{_export_hint('Champions')}.</p>"
    ]
    for segment, rows in top.groupby("segment", sort=False):
        parts.append(f"<h3>{_esc(segment)}</h3>")
        parts.append(_table(rows.drop(columns="segment"), _CUSTOMER_FORMATS))
    return "".join(parts)


def at_risk_html(data: ReportData) -> str:
    at_risk = high_value_at_risk(data.profiles)
    shown = at_risk.head(MAX_LISTED).drop(columns="is_high_value_at_risk")
    more = f" The {MAX_LISTED} with the most revenue are listed." if len(at_risk) > MAX_LISTED else ""
    return (
        f"<p class='note'>{len(at_risk):,} Enterprise or Mid-market accounts whose health is At-risk or "
        f"Critical, or whose activity is At risk (customer_profile_current.is_high_value_at_risk), most "
        f"revenue first.{more}</p>" + _table(shown, _CUSTOMER_FORMATS)
    )


def watched_moves_html(data: ReportData) -> str:
    snapshots = data.snapshots
    if len(snapshots) < 2:
        return "<p class='note'>Only one snapshot: nobody has moved yet.</p>"
    latest, previous = snapshots[-1], snapshots[-2]
    changes = data.changes[data.changes["snapshot_date"].dt.date == latest]
    moves = with_names(watched_moves(changes), data.customers)
    named = moves[["family", "from_segment", "to_segment", *CUSTOMER_COLUMNS]]
    counts = moves.groupby(["family", "from_segment", "to_segment"], sort=False).size().rename("customers")
    shown = named.head(MAX_LISTED)
    more = f" The first {MAX_LISTED} are listed." if len(named) > MAX_LISTED else ""
    rfm_watched = [s for s in WATCHED_RFM_SEGMENTS if s in data.segment_order]
    return (
        f"<p class='note'>Customers whose segment at {latest} differs from the one at {previous} and who "
        f"moved into a segment to watch: RFM moves into {', '.join(rfm_watched) or 'none'}, and the "
        "watched moves of the other families (seed segment_transitions_to_watch). From "
        f"segment_membership_changes, the sync-ready change feed.{more}</p>"
        + _table(counts.reset_index(), {"customers": _count})
        + _table(shown, {})
    )


def families_html(data: ReportData, png: bytes) -> str:
    parts = [
        _img("family_sizes", png),
        f"<p class='note'>Moves at {data.latest_snapshot} in each family (from segment_membership_changes), "
        "largest first.</p>",
    ]
    for family, (_, label) in FAMILIES.items():
        if family == "rfm":
            continue
        moves = family_moves(data.changes, family, data.latest_snapshot)
        parts.append(f"<h3>{_esc(label)}</h3>")
        if moves.empty:
            parts.append("<p class='note'>No moves (or no data for this family).</p>")
        else:
            parts.append(_table(moves.head(TOP_MOVES), {"customers": _count}))
    return "".join(parts)


def clv_backtest_section(data: ReportData) -> str:
    """Predictions (issue 14): the stored BTYD fit against the holdout of customer_btyd_calibration, the
    BG/NBD paper's two figures and one error line; without a fit (or the clv extra) it says how to get one.
    Self-contained: its own section id, title, figure and message."""
    import matplotlib.pyplot as plt

    from segmentation.clv import FIT_HINT, INSTALL_HINT, backtest, clv_available, read_parameters
    from segmentation.summary import MartsNotBuiltError

    def section(body: str) -> str:
        return (
            '<section id="clv-backtest" data-section="clv-backtest"><h2>Predictions: back-test of the BTYD '
            f"models</h2>{body}</section>"
        )

    try:
        if read_parameters(data.reader) is None:
            return section(
                "<p class='warning'>No fitted model (no clv_model_parameters in these marts). Fit one with "
                f"<code>{_esc(FIT_HINT)}</code> (needs <code>{_esc(INSTALL_HINT)}</code>), then "
                "<code>segmentation build</code> for the predictions and this back-test.</p>"
            )
        if not clv_available():
            return section(
                f"<p class='warning'>A fit is stored, but the back-test needs pymc-marketing: "
                f"<code>{_esc(INSTALL_HINT)}</code>.</p>"
            )
        result = backtest(data.reader)
    except (MartsNotBuiltError, ValueError) as error:
        return section(f"<p class='warning'>No back-test: {_esc(error)}</p>")
    assert result is not None
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    table = result.by_frequency
    positions = range(len(table))
    left.plot(positions, table["actual_mean"], "o-", color="#333", label="actual")
    left.plot(positions, table["mbg_nbd_mean"], "s--", label="MBG/NBD")
    left.plot(positions, table["bg_nbd_mean"], "^:", label="BG/NBD")
    left.set_xticks(list(positions), list(table.index))
    left.set_xlabel("repeat purchase days in calibration")
    left.set_ylabel("mean repeat purchase days in holdout")
    left.legend()
    cumulative = result.cumulative
    right.plot(cumulative["week"], cumulative["actual"], color="#333", label="actual")
    right.plot(cumulative["week"], cumulative["mbg_nbd"], "--", label="MBG/NBD")
    right.plot(cumulative["week"], cumulative["bg_nbd"], ":", label="BG/NBD")
    right.set_xlabel(f"weeks after {result.calibration_end}")
    right.set_ylabel("cumulative repeat purchase days")
    right.legend()
    encoded = base64.b64encode(figure_png(figure)).decode("ascii")
    source = f"data:image/png;base64,{encoded}"
    image = f'<img class="plot" id="plot-clv-backtest" alt="BTYD back-test" src="{source}">'
    parameters = result.parameters[["model", "parameter", "value", "customers"]]
    note = ""
    if result.fit_calibration_end != result.calibration_end:
        note = (
            f"<p class='warning'>The stored fit used data up to {result.fit_calibration_end}, not the "
            f"back-test cutoff {result.calibration_end}: refit with <code>segmentation clv fit "
            f"--calibration-end {result.calibration_end}</code> for an honest holdout.</p>"
        )
    shown = table[["customers", "actual_mean", "mbg_nbd_mean", "bg_nbd_mean"]]
    return section(
        f"<p class='ok'>{_esc(result.error_line())}</p>{note}{image}"
        + _table(
            shown, {c: _money for c in shown.columns if c != "customers"} | {"customers": _count}, "group"
        )
        + f"<p class='note'>Parameters (time unit {_esc(result.time_unit)}), fitted with pymc-marketing "
        "(maximum a posteriori):</p>"
        + _table(parameters, {"value": lambda v: f"{float(v):.4g}", "customers": _count})
    )


def build_report_html(data: ReportData, pngs: dict[str, bytes]) -> str:
    """The whole page as one string."""
    customers = len(data.current)
    as_of = pd.Timestamp(data.current["as_of_date"].max()).date() if customers else data.latest_snapshot
    sections = [
        _section("data-checks", data_checks_html(data) + score_collapse_html(data)),
        _section("segment-sizes", segment_sizes_html(data, pngs["segment_sizes"])),
        _section("rf-grid", rf_grid_html(data, pngs["rf_grid"])),
        _section("transitions", transitions_html(data, pngs["transitions"])),
        _section("segment-outcomes", segment_outcomes_html(data, pngs["segment_outcomes"])),
        _section("cohort-retention", cohort_retention_html(data, pngs["cohort_retention"])),
        _section("tier-matrix", tier_matrix_html(data, pngs["tier_matrix"])),
        _section("action-flags", action_flags_html(data)),
        _section("top-customers", top_customers_html(data)),
        _section("at-risk", at_risk_html(data)),
        _section("watched-moves", watched_moves_html(data)),
        _section("families", families_html(data, pngs["family_sizes"])),
        clv_backtest_section(data),
    ]
    nav = "".join(f'<a href="#{section_id}">{_esc(title)}</a>' for section_id, title in SECTIONS.items())
    generated = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")  # noqa: UP017
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Customer segmentation report, {_esc(data.latest_snapshot)}</title>
<style>{STYLE}</style>
</head>
<body>
<header>
<h1>Customer segmentation report</h1>
<p>{customers:,} customers at snapshot {_esc(data.latest_snapshot)} (data as of {_esc(as_of)}), \
{len(data.snapshots)} snapshots from {_esc(data.snapshots[0])}.</p>
<p>Source: {_esc(data.source)}</p>
</header>
<nav>{nav}</nav>
<main>
{"".join(sections)}
</main>
<footer>Generated {generated} by <code>segmentation report</code> from the dbt project \
customer_segmentation.</footer>
</body>
</html>
"""


def write_report(
    data: ReportData, out_path: str | Path, png_dir: str | Path | None = None, progress: bool = False
) -> ReportOutput:
    """Render every plot, write the HTML to ``out_path`` and, with ``png_dir``, each plot as a PNG there."""
    data.load_all()
    pngs = {}
    for name in tqdm(PLOT_NAMES, desc="plots", unit="plot", disable=not progress):
        pngs[name] = figure_png(PLOTS[name][1](data))
    path = Path(out_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(build_report_html(data, pngs), encoding="utf-8")
    png_paths = write_pngs(pngs, png_dir) if png_dir is not None else []
    return ReportOutput(path, png_paths)


def section_ids() -> Sequence[str]:
    return tuple(SECTIONS)
