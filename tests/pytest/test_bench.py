"""The benchmark command at a tiny size: it runs end to end on both data shapes, times the whole path from the
staged orders to the history, writes its JSON and Markdown, and its fan-out join and pandas implementation
compute the same rows as the model. Timings are never asserted."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import PROJECT_DIR
from segmentation.bench import (
    BASELINE_TABLE,
    MODEL,
    PANDAS_TABLE,
    BenchConfig,
    BenchError,
    BenchResult,
    generate_bench_data,
    load_result,
    markdown_report,
)
from segmentation.cli import main

KEY = ["customer_id", "snapshot_date"]
COLUMNS = """
    cast(customer_id as varchar) as customer_id,
    cast(snapshot_date as date) as snapshot_date,
    cast(as_of_date as date) as as_of_date,
    cast(last_order_date as date) as last_order_date,
    cast(recency_days as bigint) as recency_days,
    cast(frequency as bigint) as frequency,
    cast(round(monetary * 100) as bigint) as monetary_cents,
    cast(recency_score as bigint) as recency_score,
    cast(frequency_score as bigint) as frequency_score,
    cast(monetary_score as bigint) as monetary_score,
    cast(rfm_code as varchar) as rfm_code
"""
TIMED = {
    "path_full",
    "path_incremental",
    "path_unchanged",
    "full",
    "incremental",
    "baseline",
    "pandas",
    "floor",
    "floor_engine_state",
}


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict, str, str]:
    root = tmp_path_factory.mktemp("bench")
    out_json, out_md = root / "bench.json", root / "benchmarks.md"
    result = CliRunner().invoke(
        main,
        [
            *shlex.split(
                "bench --orders 6000 --customers 400 --months 14 --threads 1 --memory-limit 1GB --repeat 1"
                " --shape rising-signups --shape every-customer-stays"
            ),
            # 14 is the main run itself, reused; a point of another length is one more whole run, so the
            # series' own config and data are checked without one (test_a_shorter_series_point_...).
            *["--months-series", "14"],
            *["--work-dir", str(root / "work"), "--out-json", str(out_json), "--out-md", str(out_md)],
            *["--project-dir", str(PROJECT_DIR)],
        ],
    )
    assert result.exit_code == 0, result.output + repr(result.exception)
    return root / "work", json.loads(out_json.read_text()), out_md.read_text(), result.output


def _table(database: Path, relation: str, where: str = "") -> pd.DataFrame:
    with duckdb.connect(str(database), read_only=True) as con:
        frame = con.execute(f"select {COLUMNS} from {relation} {where}").df()
    return frame.sort_values(KEY).reset_index(drop=True)


def test_bench_prints_times_and_ratios(bench_run) -> None:
    _, payload, _, output = bench_run
    for label in (
        "fan-out / path",
        "full path / incremental",
        "pandas / path",
        "ours / floor",
        "full / incremental",
        "peak memory",
    ):
        assert label in output
    main_run = payload["main"]
    assert set(main_run["seconds"]) >= TIMED
    assert all(main_run["seconds"][key] > 0 for key in TIMED)
    assert set(main_run["ratios"]) >= {
        "baseline_over_path",
        "path_full_over_incremental",
        "baseline_over_ours",
        "pandas_over_path",
        "pandas_over_ours",
        "ours_over_floor",
        "full_over_incremental",
        "baseline_over_floors",
        "path_full_over_unchanged",
    }
    assert main_run["ratios"]["baseline_over_path"] == pytest.approx(
        main_run["seconds"]["baseline"] / main_run["seconds"]["path_full"], abs=0.01
    )
    assert main_run["ratios"]["path_full_over_incremental"] == pytest.approx(
        main_run["seconds"]["path_full"] / main_run["seconds"]["path_incremental"], abs=0.01
    )
    # The floors take milliseconds at this size, so the seconds' rounding to 3 places moves the ratio.
    assert main_run["ratios"]["baseline_over_floors"] == pytest.approx(
        main_run["seconds"]["baseline"]
        / (main_run["seconds"]["floor"] + main_run["seconds"]["floor_engine_state"]),
        rel=0.05,
    )
    assert main_run["ratios"]["path_full_over_unchanged"] == pytest.approx(
        main_run["seconds"]["path_full"] / main_run["seconds"]["path_unchanged"], rel=0.05
    )
    # The statements of a run are part of it; what is left is dbt's own work per model.
    assert 0 < main_run["seconds"]["path_unchanged_statements"] < main_run["seconds"]["path_unchanged"]
    assert main_run["peak_memory_mib"] > 0
    assert payload["environment"]["cores"] >= 1 and payload["environment"]["duckdb_version"]
    assert main_run["config"]["threads"] == 1 and main_run["config"]["memory_limit"] == "1GB"
    assert main_run["config"]["repeat"] == 1


def test_bench_checks_find_no_differences(bench_run) -> None:
    _, payload, _, _ = bench_run
    for run in payload["shapes"]:
        assert run["checks"] == {
            "baseline_rows_differing": 0,
            "baseline_sum_rows_differing": 0,
            "pandas_rows_differing": 0,
            "incremental_rows_differing": 0,
            # The run with nothing new loaded recomputes nothing: it is the fixed cost of a run.
            "unchanged_rows_written": 0,
        }, run["config"]["shape"]


def test_bench_times_every_model_on_the_path(bench_run) -> None:
    _, payload, markdown, _ = bench_run
    path = payload["main"]["path_seconds"]
    models = list(path["full"])
    # The history and the intermediate models it reads; staging and its base models are not on the path.
    assert models[-1] == MODEL
    assert any(model.startswith("int_") for model in models)
    assert not any(model.startswith(("stg_", "base_")) for model in models)
    assert list(path["incremental"]) == models
    assert list(path["unchanged"]) == models
    seconds = payload["main"]["seconds"]
    assert seconds["path_full"] == pytest.approx(sum(path["full"].values()), abs=0.01)
    assert seconds["path_incremental"] == pytest.approx(sum(path["incremental"].values()), abs=0.01)
    assert seconds["path_full"] > seconds["full"]
    assert "| full path at least 3x faster than the fan-out join |" in markdown
    assert "| incremental month at least 8x cheaper than the full path |" in markdown
    assert "| model | full | incremental | nothing new |" in markdown


def test_bench_runs_each_shape_at_the_same_size(bench_run) -> None:
    _, payload, markdown, _ = bench_run
    shapes = {run["config"]["shape"]: run for run in payload["shapes"]}
    assert list(shapes) == ["rising-signups", "every-customer-stays"]
    assert payload["main"] == shapes["rising-signups"]
    rising, stays = shapes["rising-signups"]["sizes"], shapes["every-customer-stays"]["sizes"]
    assert stays["orders"] == pytest.approx(rising["orders"], rel=0.02)
    # Customers who sign up early stay in more snapshots.
    assert stays["history_rows"] > 1.5 * rising["history_rows"]
    assert "## Data shape `every-customer-stays`" in markdown


def test_bench_writes_markdown_with_sizes_targets_and_series(bench_run) -> None:
    _, payload, markdown, _ = bench_run
    assert markdown.startswith("# Benchmarks")
    assert f"{payload['main']['sizes']['orders']:,} orders" in markdown
    assert "| full path at least 3x faster than the fan-out join |" in markdown
    assert "threads 1, memory_limit 1GB" in markdown
    assert payload["series"] == [payload["main"]]
    assert "## Growth with history" in markdown
    orders = payload["main"]["sizes"]["orders"]
    assert f"| 14 | {orders:,} | {payload['main']['sizes']['history_rows']:,} |" in markdown


def test_a_shorter_series_point_keeps_the_orders_per_month(bench_run) -> None:
    _, payload, _, _ = bench_run
    config = BenchConfig(orders=6000, customers=400, months=14)
    assert config.for_months(14) is config
    short = config.for_months(12)
    assert (short.months, short.orders, short.customers, short.pandas) == (
        12,
        round(6000 * 12 / 14),
        400,
        False,
    )
    # 12 months is shorter than the generator's minimum span, so they are cut from a longer one.
    raw, new_month = generate_bench_data(short)
    months = pd.to_datetime(raw.orders["ordered_at"]).dt.to_period("M")
    assert months.nunique() == 12
    assert len(raw.orders) == pytest.approx(short.orders, rel=0.01)
    assert (pd.to_datetime(new_month["ordered_at"]).dt.to_period("M") == months.max() + 1).all()
    # In the report, the series lists each point with its own size.
    main = BenchResult(**payload["main"])
    point = BenchResult(
        **{
            **payload["main"],
            "config": {**main.config, "months": 12},
            "sizes": {**main.sizes, "orders": len(raw.orders)},
        }
    )
    markdown = markdown_report(main, [point, main], payload["environment"])
    assert f"| 12 | {len(raw.orders):,} |" in markdown
    assert f"| 14 | {main.sizes['orders']:,} |" in markdown


def test_baseline_and_pandas_compute_the_models_rows(bench_run) -> None:
    work, _, _, _ = bench_run
    database = work / "main" / "bench.duckdb"
    baseline = _table(database, BASELINE_TABLE)
    from_pandas = _table(database, PANDAS_TABLE)
    # The incremental run added the newest month after the comparison tables were written; the snapshots
    # before it are unchanged, since every new order is dated in the new month.
    newest = baseline["snapshot_date"].max()
    model = _table(database, MODEL, f"where snapshot_date <= date '{newest.date()}'")
    assert len(model) > 1000
    assert baseline["snapshot_date"].nunique() == 14
    pd.testing.assert_frame_equal(baseline, model)
    pd.testing.assert_frame_equal(from_pandas, model)


def test_incremental_run_added_one_snapshot(bench_run) -> None:
    work, payload, _, _ = bench_run
    database = work / "main" / "bench.duckdb"
    with duckdb.connect(str(database), read_only=True) as con:
        (snapshots,) = con.execute(f"select count(distinct snapshot_date) from {MODEL}").fetchone()
    assert snapshots == payload["main"]["sizes"]["snapshots"] + 1


def test_an_earlier_runs_json_is_listed_under_other_sizes(bench_run, tmp_path) -> None:
    _, payload, _, _ = bench_run
    earlier = tmp_path / "earlier.json"
    earlier.write_text(json.dumps(payload))
    other = load_result(earlier)
    assert other.sizes == payload["main"]["sizes"]
    markdown = markdown_report(other, [], payload["environment"], [other])
    assert "## Other sizes" in markdown
    assert f"| rising-signups | {other.sizes['orders']:,} | {other.sizes['customers']:,} | 14 |" in markdown
    (tmp_path / "not_a_run.json").write_text("{}")
    with pytest.raises(BenchError, match="not a benchmark JSON"):
        load_result(tmp_path / "not_a_run.json")


def test_every_customer_stays_puts_every_first_order_in_the_first_months() -> None:
    config = BenchConfig(orders=6000, customers=400, months=14, shape="every-customer-stays")
    raw, new_month = generate_bench_data(config)
    assert len(raw.orders) == pytest.approx(6000, rel=0.01)
    assert len(raw.customers) == pytest.approx(400, rel=0.01)
    assert len(new_month) > 0
    # The loaded span starts in October 2024; every customer has a completed order in its first six months.
    completed = raw.orders[raw.orders["status"] == "completed"]
    first_order = pd.to_datetime(completed.groupby("customer_id")["ordered_at"].min())
    assert set(first_order.index) == set(raw.customers["customer_id"])
    assert first_order.min() >= pd.Timestamp("2024-10-01")
    assert first_order.max() < pd.Timestamp("2025-04-01")
    # A customer's events keep their order: sign-up before the first order.
    signed_up = pd.to_datetime(raw.customers.set_index("customer_id")["created_at"]).reindex(
        first_order.index
    )
    assert (first_order >= signed_up).all()
