"""The HTML report, its plots and readers: pure helpers on small frames, then the real report of the
default build, opened in headless Chromium, and `dbt docs generate` on that build."""

from __future__ import annotations

import html
import itertools
import json
import os
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import Warehouse
from segmentation.browser import BrowserUnavailableError, check_report, find_chromium
from segmentation.cli import main
from segmentation.plots import PLOTS, infer_threshold, sankey_layout, segment_color, tier_thresholds
from segmentation.readers import DuckDBReader, PostgresReader, open_reader, select_sql
from segmentation.report import (
    MAX_LISTED,
    MIN_TEXT_PX,
    NARROW_PLOTS,
    NARROW_WIDTH,
    PLOT_WIDTH,
    SECTIONS,
    STYLE,
    build_report_html,
    data_checks_html,
)
from segmentation.report_data import (
    NEW_CUSTOMER,
    PLOT_NAMES,
    ReportData,
    action_flag_table,
    choose_snapshots,
    order_segments,
    outcome_rates,
    thin_snapshots,
    transition_flows,
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# --------------------------------------------------------------------------- readers


def test_select_sql_quotes_identifiers_and_binds_values() -> None:
    sql, params = select_sql('"s"."t"', ["a", "b"], {"d": [1, 2], "e": ["x"]}, "%s")
    assert sql == 'select "a", "b" from "s"."t" where "d" in (%s, %s) and "e" in (%s)'
    assert params == [1, 2, "x"]
    assert select_sql("t", ["a"], {"d": []}, "?")[0].endswith("where 1 = 0")
    with pytest.raises(ValueError, match="identifier"):
        select_sql("t", ["a; drop table x"], None, "?")


def test_duckdb_reader_filters_and_says_build_first(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "m.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create table main.t as select * from (values (1, 'a'), (2, 'b'), (3, 'c')) v(k, v)")
    reader = DuckDBReader(path)
    assert reader.read("t", ["v"], {"k": [1, 3]})["v"].tolist() == ["a", "c"]
    assert reader.has_table("t") and not reader.has_table("missing")
    with pytest.raises(RuntimeError, match="segmentation build"):
        reader.read("missing", ["v"])
    with pytest.raises(RuntimeError, match="lacks a column"):
        reader.read("t", ["periods_in_segment"])
    with pytest.raises(RuntimeError, match="does not exist"):
        DuckDBReader(tmp_path / "none.duckdb").read("t", ["v"])


class FakeCursor:
    def __init__(self, log: list, results: list) -> None:
        self.log, self.results = log, results

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, sql: str, params: list) -> None:
        self.log.append((sql, params))

    def fetchone(self) -> tuple:
        return self.results.pop(0)

    def fetchall(self) -> list:
        return self.results.pop(0)


class FakeConnection:
    def __init__(self, results: list) -> None:
        self.log: list = []
        self.results = results
        self.closed = False

    def cursor(self) -> FakeCursor:
        return FakeCursor(self.log, self.results)

    def close(self) -> None:
        self.closed = True


def test_postgres_reader_uses_pyformat_and_the_schema() -> None:
    connection = FakeConnection([(1,), [(date(2025, 1, 31), "Champions")]])
    reader = PostgresReader("analytics", connect=lambda: connection)
    frame = reader.read(
        "segment_summary", ["snapshot_date", "segment"], {"snapshot_date": [date(2025, 1, 31)]}
    )
    assert frame.to_dict("records") == [{"snapshot_date": date(2025, 1, 31), "segment": "Champions"}]
    (_, exists_params), (select, params) = connection.log
    assert exists_params == ["analytics", "segment_summary"]
    assert select == (
        'select "snapshot_date", "segment" from "analytics"."segment_summary" where "snapshot_date" in (%s)'
    )
    assert params == [date(2025, 1, 31)]
    assert connection.closed
    missing = PostgresReader("analytics", connect=lambda: FakeConnection([(0,)]))
    with pytest.raises(RuntimeError, match=r"analytics\.customer_tiers not found"):
        missing.read("customer_tiers", ["tier"])


def test_open_reader_by_target(tmp_path: Path) -> None:
    assert isinstance(open_reader("duckdb", tmp_path / "x.duckdb"), DuckDBReader)
    assert open_reader("postgres", schema="marts").schema == "marts"
    with pytest.raises(ValueError, match="unknown target"):
        open_reader("oracle")


# --------------------------------------------------------------------------- data helpers


def test_choose_snapshots_defaults_to_a_year_back_and_validates() -> None:
    months = [d.date() for d in pd.date_range("2024-01-31", "2025-06-30", freq="ME")]
    assert choose_snapshots(months) == (date(2024, 6, 30), date(2025, 6, 30))
    assert choose_snapshots(months[:5]) == (date(2024, 1, 31), date(2024, 5, 31))
    assert choose_snapshots(months, date(2024, 3, 31), date(2024, 4, 30)) == (
        date(2024, 3, 31),
        date(2024, 4, 30),
    )
    with pytest.raises(ValueError, match="no snapshot on 2024-03-15"):
        choose_snapshots(months, date(2024, 3, 15))
    with pytest.raises(ValueError, match="must be before"):
        choose_snapshots(months, date(2024, 4, 30), date(2024, 3, 31))


def test_transition_flows_count_moves_and_new_customers() -> None:
    history = pd.DataFrame(
        {
            "customer_id": ["a", "b", "a", "b", "c", "d"],
            "snapshot_date": pd.to_datetime(["2024-01-31"] * 2 + ["2024-06-30"] * 4),
            "segment": ["Champions", "Champions", "Champions", "At Risk", "New Customers", "New Customers"],
        }
    )
    flows = transition_flows(history, date(2024, 1, 31), date(2024, 6, 30))
    assert set(map(tuple, flows.to_numpy().tolist())) == {
        (NEW_CUSTOMER, "New Customers", 2),
        ("Champions", "Champions", 1),
        ("Champions", "At Risk", 1),
    }


def test_sankey_layout_conserves_customers_and_never_overlaps() -> None:
    flows = pd.DataFrame(
        {
            "from_segment": ["A", "A", "B", NEW_CUSTOMER, "B"],
            "to_segment": ["A", "B", "B", "A", "C"],
            "customers": [10, 5, 7, 3, 0],
        }
    )
    layout = sankey_layout(flows, ["A", "B", "C"])
    assert list(layout.left_nodes) == [NEW_CUSTOMER, "A", "B"]
    assert "C" not in layout.right_nodes, "a zero flow draws nothing"
    for nodes, side in ((layout.left_nodes, "left"), (layout.right_nodes, "right")):
        for segment, (top, bottom) in nodes.items():
            slices = sorted(
                getattr(b, side)
                for b in layout.bands
                if (b.from_segment, b.to_segment)[side == "right"] == segment
            )
            assert slices[0][0] == top and slices[-1][1] == bottom
            assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
        spans = sorted(nodes.values())
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans))
    assert sum(b.customers for b in layout.bands) == 25


def test_tier_threshold_lines_follow_the_tiers() -> None:
    tiers = pd.DataFrame(
        {
            "profitability_score": [90.0, 75.0, 20.0, 69.9],
            "adherence_score": [80.0, 10.0, 70.0, 5.0],
            "tier": ["A", "B", "C", "D"],
        }
    )
    assert tier_thresholds(tiers) == (70.0, 70.0)
    # Built with a threshold of 50: the line moves to the lowest high-side score.
    moved = tiers.assign(tier=["A", "B", "A", "C"])
    assert tier_thresholds(moved)[0] == 20.0
    assert infer_threshold(pd.Series([], dtype=float), pd.Series([], dtype=bool)) == 70.0


def test_order_segments_uses_the_scheme_that_names_them() -> None:
    definitions = pd.DataFrame(
        {
            "scheme": ["rf_matrix", "rf_matrix", "rf_matrix", "simple_6", "simple_6"],
            "segment": ["Champions", "At Risk", "Hibernating", "Hibernating", "Champions"],
            "segment_order": [1, 8, 10, 2, 1],
        }
    )
    assert order_segments(["Hibernating", "Champions", "At Risk", "Odd"], definitions) == [
        "Champions",
        "At Risk",
        "Hibernating",
        "Odd",
    ]
    assert order_segments(["b", "a"], None) == ["a", "b"]


def test_tables_for_outcomes_flags_and_thin_snapshots() -> None:
    outcomes = pd.DataFrame(
        {
            "segment": ["Champions", "Champions", "Hibernating"],
            "customers": [10.0, 30.0, 50.0],
            "active_next_period": [9.0, 27.0, 5.0],
            "in_segment_next_period": [5.0, 15.0, 45.0],
            "revenue_next_period": [1000.0, 3000.0, 100.0],
        }
    )
    rates = outcome_rates(outcomes, ["Champions", "Hibernating"])
    assert rates.loc["Champions", "share_active_next_period"] == pytest.approx(0.9)
    assert rates.loc["Hibernating", "revenue_per_customer_next_period"] == pytest.approx(2.0)

    tiers = pd.DataFrame(
        {
            "tier": ["A", "D", "D"],
            "action_flag": ["REGULAR", "CHURN RISK", "CHURN RISK"],
            "flag_action": ["Keep", "Call", "Call"],
        }
    )
    flags = action_flag_table(tiers)
    assert flags.index.tolist() == ["CHURN RISK", "REGULAR"]
    assert flags.loc["CHURN RISK", ["customers", "tier D", "tier A"]].tolist() == [2, 2, 0]

    quality = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2024-01-31", "2024-02-29"]),
            "customers": [5.0, 500.0],
            "distinct_recency_scores": [3.0, 5.0],
            "distinct_frequency_scores": [2.0, 5.0],
            "distinct_monetary_scores": [3.0, 5.0],
            "min_customers": [20.0, 20.0],
            "min_distinct_scores": [3.0, 3.0],
            "has_too_few_customers": [True, False],
            "has_collapsed_scores": [True, False],
            "is_thin": [True, False],
        }
    )
    (reason,) = thin_snapshots(quality)["reason"]
    assert reason == "5 customers (< 20); frequency: 2 distinct score(s) (< 3)"


class FrameReader:
    """A MartReader over in-memory frames."""

    def __init__(self, frames: dict[str, pd.DataFrame]) -> None:
        self.frames = frames

    def read(self, table: str, columns, where_in=None) -> pd.DataFrame:
        return self.frames[table][list(columns)]

    def has_table(self, table: str) -> bool:
        return table in self.frames

    def describe(self) -> str:
        return "frames"


def test_data_checks_say_which_snapshots_are_thin() -> None:
    summary = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2024-01-31", "2024-02-29"]),
            "segment": ["Champions", "Champions"],
            "customers": [5, 30],
            "share": [1.0, 1.0],
            "revenue": [1.0, 2.0],
        }
    )
    quality = pd.DataFrame(
        {
            "snapshot_date": pd.to_datetime(["2024-01-31", "2024-02-29"]),
            "customers": [5, 30],
            "distinct_recency_scores": [1, 5],
            "distinct_frequency_scores": [1, 2],
            "distinct_monetary_scores": [1, 5],
            "min_customers": [20, 20],
            "min_distinct_scores": [3, 3],
            "has_too_few_customers": [True, False],
            "has_collapsed_scores": [True, True],
            "is_thin": [True, True],
        }
    )
    text = data_checks_html(
        ReportData(FrameReader({"segment_summary": summary, "rfm_snapshot_quality": quality}))
    )
    assert "2 of 2 snapshots are thin" in text and "The latest snapshot is one of them" in text
    assert "frequency: 2 distinct score(s) (&lt; 3)" in text
    fine = quality.assign(is_thin=False, has_too_few_customers=False, has_collapsed_scores=False)
    text = data_checks_html(
        ReportData(FrameReader({"segment_summary": summary, "rfm_snapshot_quality": fine}))
    )
    assert "All 2 snapshots have at least 20 customers and 3 distinct scores" in text
    older = data_checks_html(ReportData(FrameReader({"segment_summary": summary})))
    assert "rfm_snapshot_quality is not in these marts" in older


# --------------------------------------------------------------------------- the real report


@pytest.fixture(scope="module")
def report_dir(built_warehouse: Warehouse, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`segmentation report` on the default build, with every plot also written as a PNG."""
    out = tmp_path_factory.mktemp("report")
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--duckdb",
            str(built_warehouse.path),
            "--out",
            str(out / "report.html"),
            "--png-dir",
            str(out / "png"),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def test_report_is_one_self_contained_file_with_every_section(report_dir: Path) -> None:
    page = (report_dir / "report.html").read_text()
    for section_id, title in SECTIONS.items():
        assert f'id="{section_id}"' in page and f"<h2>{title}</h2>" in page
    images = re.findall(r'<img class="plot" id="plot-(\w+)"[^>]*src="([^"]+)"', page)
    assert [name for name, _ in images] == list(PLOT_NAMES)
    assert all(src.startswith("data:image/png;base64,") for _, src in images)
    # Nothing to fetch: no scripts, no external stylesheets or fonts, no links off the page.
    assert "<script" not in page
    assert not re.search(r'(?:src|href)="(?!data:|#)', page)
    # The sample's first month has 19 customers: the report says so.
    assert "1 of 24 snapshots are thin" in page and "19 customers (&lt; 20)" in page
    for label in (
        "periods_in_segment",
        "Avg periods in segment",
        "Bought next period",
        "CHURN RISK",
        "new since",
    ):
        assert label in page
    # Human headers: no raw column name is a table header.
    headers = re.findall(r"<th[^>]*>([^<]*)</th>", page)
    assert headers and not [h for h in headers if "_" in h]


def test_report_writes_each_plot_as_png(report_dir: Path) -> None:
    for name in PLOT_NAMES:
        png = (report_dir / "png" / f"{name}.png").read_bytes()
        assert png.startswith(PNG_MAGIC) and len(png) > 20_000, name


def test_plots_command_writes_chosen_plots(built_warehouse: Warehouse, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "plots",
            "--duckdb",
            str(built_warehouse.path),
            "--out-dir",
            str(tmp_path),
            "--only",
            "transitions",
            "--only",
            "tier_matrix",
        ],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tier_matrix.png", "transitions.png"]


def test_report_transition_snapshots_are_chosen_and_checked(
    built_warehouse: Warehouse, tmp_path: Path
) -> None:
    data = ReportData(DuckDBReader(built_warehouse.path), date(2024, 6, 30), date(2024, 7, 31))
    flows = data.transitions.flows
    consecutive = built_warehouse.query(
        "select from_segment, to_segment, customers from segment_transitions"
        " where snapshot_date = '2024-07-31'"
    )
    # Between consecutive snapshots the view agrees with the segment_transitions mart.
    merged = flows.merge(consecutive, on=["from_segment", "to_segment"], how="outer", suffixes=("", "_mart"))
    assert (merged["customers"] == merged["customers_mart"]).all()
    html = build_report_html(data.load_all(), {name: b"png" for name in PLOT_NAMES})
    assert "same segment as at 2024-06-30" in html
    bad = CliRunner().invoke(
        main,
        [
            "report",
            "--duckdb",
            str(built_warehouse.path),
            "--out",
            str(tmp_path / "r.html"),
            "--from-snapshot",
            "2024-06-15",
        ],
    )
    assert bad.exit_code == 1 and "no snapshot on 2024-06-15" in bad.output


def test_report_without_marts_says_build_first(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--duckdb", str(tmp_path / "none.duckdb")])
    assert result.exit_code == 1 and "segmentation build" in result.output


def test_report_renders_in_headless_chromium(report_dir: Path) -> None:
    try:
        find_chromium()
    except BrowserUnavailableError:
        if os.environ.get("CI"):
            raise  # CI installs Debian's chromium; a missing browser there is a failure, not a skip
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    check = check_report(report_dir / "report.html", list(SECTIONS), screenshot=report_dir / "report.png")
    assert check.ok, check.problems()
    assert check.sections_rendered == list(SECTIONS)
    assert check.images_loaded == len(PLOT_NAMES)
    screenshot = (report_dir / "report.png").read_bytes()
    assert screenshot.startswith(PNG_MAGIC) and len(screenshot) > 100_000


def test_browser_check_catches_console_errors_and_missing_sections(tmp_path: Path) -> None:
    try:
        find_chromium()
    except BrowserUnavailableError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    page = tmp_path / "broken.html"
    page.write_text(
        '<html><body><section id="one"><h2>One</h2><p>x</p></section>'
        '<img id="gone" alt="gone" src="data:image/png;base64,AAAA">'
        "<script>console.error('boom')</script></body></html>"
    )
    check = check_report(page, ["one", "two"])
    assert check.sections_rendered == ["one"] and check.sections_missing == ["two"]
    assert check.console_errors and "boom" in check.console_errors[0]
    assert check.images_broken == ["gone"]
    assert not check.ok


# --------------------------------------------------------------------------- dbt docs


def test_dbt_docs_generate_documents_the_new_models(built_warehouse: Warehouse) -> None:
    built_warehouse.dbt("docs", "generate")
    target = built_warehouse.root / "target"
    catalog = json.loads((target / "catalog.json").read_text())
    manifest = json.loads((target / "manifest.json").read_text())
    assert (target / "index.html").is_file()
    for model in ("rfm_score_thresholds", "rfm_snapshot_quality", "cohort_retention", "segment_outcomes"):
        node_id = f"model.customer_segmentation.{model}"
        assert node_id in catalog["nodes"], model
        documented = manifest["nodes"][node_id]["columns"]
        built = {c.lower() for c in catalog["nodes"][node_id]["columns"]}
        assert built == set(documented), f"{model}: columns built and documented differ"
        assert all(column["description"] for column in documented.values()), model
    current = catalog["nodes"]["model.customer_segmentation.customer_segments_current"]["columns"]
    assert "periods_in_segment" in {c.lower() for c in current}


# --------------------------------------------------------------------------- customers by name


def _section_html(page: str, section_id: str) -> str:
    start = page.index(f'<section id="{section_id}"')
    return page[start : page.index("</section>", start)]


def test_report_names_customers(report_dir: Path, built_warehouse: Warehouse) -> None:
    page = (report_dir / "report.html").read_text()
    query = built_warehouse.query
    # Top customers: each segment's biggest customer by window revenue, by name and email.
    top = query(
        """
        select s.segment, c.customer_name, c.email
        from customer_segments_current as s
        inner join stg_customers as c using (customer_id)
        qualify row_number() over (partition by s.segment order by s.monetary desc, s.customer_id) = 1
        """
    )
    section = _section_html(page, "top-customers")
    for row in top.itertuples():
        assert f"<h3>{row.segment}</h3>" in section
        assert html.escape(row.customer_name) in section and html.escape(str(row.email)) in section
    # High-value accounts at risk: the count from the profile, and the biggest by name.
    at_risk = query(
        """
        select c.customer_name, p.revenue_12m
        from customer_profile_current as p
        inner join stg_customers as c using (customer_id)
        where p.is_high_value_at_risk
        order by p.revenue_12m desc, p.customer_id
        """
    )
    section = _section_html(page, "at-risk")
    assert len(at_risk) > 0 and f"{len(at_risk):,} Enterprise or Mid-market accounts" in section
    assert html.escape(at_risk["customer_name"].iloc[0]) in section
    # Moves into a watched segment at the latest snapshot, from the change feed.
    moves = query(
        """
        select c.customer_name
        from segment_membership_changes as m
        inner join stg_customers as c using (customer_id)
        where m.snapshot_date = (select max(snapshot_date) from customer_rfm_history)
            and m.from_segment is not null
            and (m.is_watched or (m.family = 'rfm' and m.to_segment in ('Champions', 'At Risk',
                'Cannot Lose Them')))
        """
    )
    section = _section_html(page, "watched-moves")
    assert len(moves) > 0
    listed = section.count("<tr>") - 1 - (section.count("</table>") - 1)  # rows minus the two header rows
    assert listed >= min(len(moves), MAX_LISTED)
    # A section per family, each with its moves.
    section = _section_html(page, "families")
    for label in ("Behaviour", "Lifecycle (activity)", "Value", "Health"):
        assert f"<h3>{label}</h3>" in section
    assert 'id="plot-family_sizes"' in section


def test_family_sizes_rebuilt_from_the_change_feed_match_the_histories(built_warehouse: Warehouse) -> None:
    from segmentation.report_data import family_sizes

    data = ReportData(DuckDBReader(built_warehouse.path))
    for family, table, column in (
        ("health", "customer_health_history", "health_band"),
        ("value", "customer_value_history", "value_band"),
    ):
        expected = built_warehouse.query(
            f"select snapshot_date, {column} as segment, count(*) as n from {table} group by all"
        )
        expected = expected.pivot_table(index="snapshot_date", columns="segment", values="n", fill_value=0)
        sizes = family_sizes(data.changes, family)[expected.columns]
        expected.index = pd.to_datetime(expected.index)
        pd.testing.assert_frame_equal(
            sizes.loc[expected.index], expected.astype("int64"), check_names=False, check_freq=False
        )


def test_plot_text_is_readable_and_legends_sit_outside_the_axes(built_warehouse: Warehouse) -> None:
    """At the width the report shows each plot, every piece of text is at least MIN_TEXT_PX pixels tall,
    and no legend overlaps the axes it belongs to."""
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    assert f"{PLOT_WIDTH}px" in STYLE and f"{NARROW_WIDTH}px" in STYLE
    data = ReportData(DuckDBReader(built_warehouse.path))
    dpi = 110  # plots.figure_png
    for name in PLOT_NAMES:
        fig = PLOTS[name][1](data)
        try:
            fig.set_dpi(dpi)
            fig.tight_layout()
            fig.canvas.draw()
            width_px = fig.get_figwidth() * dpi
            shown = min(1.0, (NARROW_WIDTH if name in NARROW_PLOTS else PLOT_WIDTH) / width_px)
            texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
            assert texts, name
            small = [
                (t.get_text()[:30], round(t.get_fontsize() * dpi / 72 * shown, 1))
                for t in texts
                if t.get_fontsize() * dpi / 72 * shown < MIN_TEXT_PX - 0.05
            ]
            assert not small, f"{name}: text under {MIN_TEXT_PX} px at the report's width: {small[:5]}"
            renderer = fig.canvas.get_renderer()
            for ax in fig.axes:
                legend = ax.get_legend()
                if legend is None:
                    continue
                box, axes_box = legend.get_window_extent(renderer), ax.get_window_extent(renderer)
                overlap_x = min(box.x1, axes_box.x1) - max(box.x0, axes_box.x0)
                overlap_y = min(box.y1, axes_box.y1) - max(box.y0, axes_box.y0)
                assert overlap_x <= 0 or overlap_y <= 0, f"{name}: a legend lies over its axes"
        finally:
            plt.close(fig)


def test_segment_colours_mean_the_same_everywhere() -> None:
    from matplotlib.colors import to_rgb

    def rgb(segment: str) -> tuple[float, float, float]:
        return to_rgb(segment_color(segment))

    # Good segments are green, lapsed ones grey-cool (blue a little above red, little saturation).
    for good in ("Champions", "Loyal Customers", "Power user", "Healthy"):
        r, g, b = rgb(good)
        assert g > r and g > b, good
    for lapsed in ("Hibernating", "Dormant", "Churned", "Lapsed", "Long lapsed"):
        r, g, b = rgb(lapsed)
        assert b > r and max(r, g, b) - min(r, g, b) < 0.3, lapsed
    # The new-customer flow is not mistaken for any segment.
    from segmentation.plots import SEGMENT_PALETTE

    colours = [to_rgb(c) for s, c in SEGMENT_PALETTE.items() if s != NEW_CUSTOMER]
    new = to_rgb(SEGMENT_PALETTE[NEW_CUSTOMER])
    assert min(sum(abs(a - b) for a, b in zip(new, c, strict=True)) for c in colours) > 0.25
