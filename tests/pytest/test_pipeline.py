"""End to end on DuckDB: dbt builds the generated data, and the history agrees with an independent pandas
implementation row for row, for planted customers, other configurations and incremental runs."""

from __future__ import annotations

import csv
from datetime import date

import pandas as pd
import pytest
from conftest import PROJECT_DIR, Warehouse, assert_build_clean
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import append_orders_duckdb
from segmentation.reference import rfm_history

KEY = ["customer_id", "snapshot_date"]
COMPARED = [
    "as_of_date",
    "last_order_date",
    "recency_days",
    "frequency",
    "monetary_cents",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "rfm_code",
]
HISTORY_SQL = """
    select
        customer_id,
        snapshot_date,
        as_of_date,
        last_order_date,
        recency_days,
        frequency,
        cast(round(monetary * 100) as bigint) as monetary_cents,
        recency_score,
        frequency_score,
        monetary_score,
        rfm_code,
        segment
    from customer_rfm_history
"""


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in ("snapshot_date", "as_of_date", "last_order_date"):
        frame[column] = pd.to_datetime(frame[column]).dt.normalize()
    for column in ("recency_days", "frequency", "monetary_cents"):
        frame[column] = frame[column].astype("int64")
    # Customers outside the scored population (rfm_score_population: active) have null scores and code on
    # both sides; 0 and "-" stand for null so the comparison below sees them (0 is never a score).
    for column in ("recency_score", "frequency_score", "monetary_score"):
        frame[column] = frame[column].astype("Float64").fillna(0).astype("int64")
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["rfm_code"] = [("-" if pd.isna(code) else str(code)) for code in frame["rfm_code"]]
    return frame.sort_values(KEY).reset_index(drop=True)


def assert_history_matches_reference(warehouse: Warehouse, **params) -> int:
    expected = _normalise(rfm_history(warehouse.raw_orders(), **params))
    actual = _normalise(warehouse.query(HISTORY_SQL))
    merged = expected.merge(actual, on=KEY, how="outer", suffixes=("_expected", "_actual"), indicator=True)
    missing = merged[merged["_merge"] != "both"]
    assert missing.empty, f"rows only on one side:\n{missing[[*KEY, '_merge']].head(20)}"
    for column in COMPARED:
        differs = merged[merged[f"{column}_expected"] != merged[f"{column}_actual"]]
        assert differs.empty, (
            f"{len(differs)} rows differ in {column}:\n"
            f"{differs[[*KEY, f'{column}_expected', f'{column}_actual']].head(20)}"
        )
    return len(merged)


def seed_segment_map(scheme: str) -> dict[str, str]:
    """rfm_code -> segment, computed in Python from the seed's rectangles."""
    with open(PROJECT_DIR / "seeds" / "rfm_segment_definitions.csv", newline="") as handle:
        rows = [row for row in csv.DictReader(handle) if row["scheme"] == scheme]
    buckets = int(rows[0]["buckets"])
    mapping: dict[str, str] = {}
    for row in rows:
        for r in range(int(row["recency_min"]), int(row["recency_max"]) + 1):
            for f in range(int(row["frequency_min"]), int(row["frequency_max"]) + 1):
                for m in range(int(row["monetary_min"]), int(row["monetary_max"]) + 1):
                    code = f"{r}{f}{m}"
                    assert code not in mapping, f"{scheme}: cell {code} maps twice"
                    mapping[code] = row["segment"]
    assert len(mapping) == buckets**3, f"{scheme}: {buckets**3 - len(mapping)} cells unmapped"
    return mapping


def test_build_passes_every_model_and_test(built_warehouse: Warehouse) -> None:
    # The fixture's build, whatever other tests of the session ran on this warehouse since (docs generate).
    result = built_warehouse.results[0]
    # The thin-data guard only warns; the sample's first month has fewer than 20 customers.
    assert_build_clean(built_warehouse, result)
    kinds = {node.node.resource_type for node in result.result.results}
    assert {"model", "seed", "test", "unit_test", "snapshot"} <= {str(kind) for kind in kinds}


def test_history_matches_independent_pandas_computation(built_warehouse: Warehouse) -> None:
    compared = assert_history_matches_reference(built_warehouse)
    assert compared > 10_000


@pytest.mark.parametrize("scheme", ["rf_matrix", "rfm_27", "simple_6"])
def test_every_seed_scheme_covers_its_grid_once(scheme: str) -> None:
    seed_segment_map(scheme)


def seed_lapsed_segment(scheme: str) -> str:
    with open(PROJECT_DIR / "seeds" / "rfm_lapsed_segments.csv", newline="") as handle:
        (segment,) = [row["segment"] for row in csv.DictReader(handle) if row["scheme"] == scheme]
    return segment


def test_segments_follow_the_seed_mapping(built_warehouse: Warehouse) -> None:
    mapping = seed_segment_map("rf_matrix")
    history = built_warehouse.query("select rfm_code, frequency, segment from customer_rfm_history")
    # Scored customers (a completed order in the window) by their code, the others by the lapsed rule.
    expected = (
        history["rfm_code"].map(mapping).where(history["frequency"] > 0, seed_lapsed_segment("rf_matrix"))
    )
    assert history["rfm_code"].isna().equals(history["frequency"] == 0)
    assert (history["frequency"] == 0).any()
    assert (expected == history["segment"]).all()


def test_planted_customers_land_where_expected(built_warehouse: Warehouse) -> None:
    current = built_warehouse.query(
        """
        select s.customer_id, s.segment, s.recency_score, s.frequency_score, s.monetary_score,
               s.recency_days, s.frequency, s.monetary, t.tier, t.tier_name, t.action_flag
        from customer_segments_current as s
        inner join customer_tiers as t using (customer_id)
        where s.customer_id in ('1', '2', '3', '4', '5')
        """
    ).set_index("customer_id")
    steady, one_time, lapsed, refunder, b2b = (current.loc[key] for key in ["1", "2", "3", "4", "5"])

    assert steady.segment == "Champions"
    assert (steady.recency_score, steady.frequency_score, steady.monetary_score) == (5, 5, 5)
    assert steady.tier == "A" and steady.tier_name == "Strategic"

    assert one_time.segment == "Hibernating"
    assert one_time.frequency == 0
    assert one_time.action_flag == "CHURN RISK"
    assert one_time.tier == "D"

    assert lapsed.segment == "Cannot Lose Them"
    assert lapsed.recency_days == 240
    assert lapsed.action_flag == "CHURN RISK"

    assert refunder.monetary <= 0
    assert refunder.monetary_score == 1

    assert b2b.action_flag == "OPPORTUNITY: Xsell"


def test_current_segment_tracks_previous_segment_and_entry_date(built_warehouse: Warehouse) -> None:
    current = built_warehouse.query("select * from customer_segments_current")
    history = built_warehouse.query(
        "select customer_id, snapshot_date, segment from customer_rfm_history"
        " order by customer_id, snapshot_date"
    )
    history["previous"] = history.groupby("customer_id")["segment"].shift()
    changed = history["previous"].isna() | (history["previous"] != history["segment"])
    entered = history[changed].groupby("customer_id")["snapshot_date"].max()
    latest = history[history["snapshot_date"] == history["snapshot_date"].max()].set_index("customer_id")
    current = current.set_index("customer_id").sort_index()
    assert len(current) == len(latest)
    assert (
        pd.to_datetime(current["segment_entered_date"]) == pd.to_datetime(entered.loc[current.index])
    ).all()
    # previous_segment is the most recent different segment: the one just before the current run.
    previous = history[changed].groupby("customer_id")["previous"].last()
    assert (current["previous_segment"].fillna("-") == previous.loc[current.index].fillna("-")).all()


def test_other_grain_window_method_and_scheme_match_reference(make_warehouse) -> None:
    warehouse = make_warehouse("weekly_ntile")
    warehouse.load(generate_raw_data(customers=400, orders=6_000, months=15, seed=5))
    dbt_vars = {
        "rfm_grain": "week",
        "rfm_window_months": 3,
        "rfm_score_method": "ntile",
        "rfm_segment_scheme": "rfm_27",
    }
    warehouse.dbt("build", dbt_vars=dbt_vars)
    assert_history_matches_reference(
        warehouse, grain="week", window_months=3, buckets=3, score_method="ntile"
    )
    mapping = seed_segment_map("rfm_27")
    history = warehouse.query("select rfm_code, frequency, segment from customer_rfm_history")
    expected = history["rfm_code"].map(mapping).where(history["frequency"] > 0, seed_lapsed_segment("rfm_27"))
    assert (expected == history["segment"]).all()


def test_quarter_grain_all_history_and_fixed_as_of_date_match_reference(make_warehouse) -> None:
    warehouse = make_warehouse("quarterly")
    warehouse.load(generate_raw_data(customers=400, orders=6_000, months=15, seed=6))
    dbt_vars = {"rfm_grain": "quarter", "rfm_window_months": 0, "rfm_as_of_date": "2025-08-15"}
    warehouse.dbt("build", dbt_vars=dbt_vars)
    assert_history_matches_reference(
        warehouse, grain="quarter", window_months=0, as_of_date=date(2025, 8, 15)
    )
    latest = warehouse.query("select max(as_of_date) as as_of from customer_rfm_history")
    assert pd.Timestamp(latest.loc[0, "as_of"]) == pd.Timestamp("2025-08-15")


def _split_for_late_arrival(raw: RawData, cutoffs: list[str]) -> list[pd.DataFrame]:
    """Split orders into loads: each load holds the orders up to its cutoff, except that every tenth order of
    the cutoff's month and the month before is held back and arrives with the next load: late, dated in the
    two newest built periods, whose changed inputs the next incremental run finds."""
    orders = raw.orders
    day = orders["ordered_at"].dt.normalize()
    loads: list[pd.DataFrame] = []
    taken = pd.Series(False, index=orders.index)
    for number, cutoff in enumerate(cutoffs):
        end = pd.Timestamp(cutoff)
        due = ~taken & (day <= end)
        is_last = number == len(cutoffs) - 1
        if not is_last:
            recent = day >= end.to_period("M").start_time - pd.DateOffset(months=1)
            held_back = due & recent & (orders["order_id"] % 10 == 0)
            due &= ~held_back
        loads.append(orders[due])
        taken |= due
    assert taken.all(), "every order must arrive in some load"
    return loads


def test_incremental_runs_with_late_orders_equal_a_full_refresh(make_warehouse) -> None:
    raw = generate_raw_data(customers=500, orders=9_000, months=18, seed=9)
    loads = _split_for_late_arrival(raw, ["2025-08-31", "2025-10-15", "2025-12-31"])
    warehouse = make_warehouse("incremental")
    warehouse.load(
        RawData(
            customers=raw.customers,
            accounts=raw.accounts,
            products=raw.products,
            orders=loads[0],
            events=raw.events,
        )
    )
    warehouse.dbt("build")
    assert_history_matches_reference(warehouse)

    for load in loads[1:]:
        append_orders_duckdb(load, warehouse.path)
        warehouse.dbt("build", "--exclude", "test_type:unit")
        assert_history_matches_reference(warehouse)

    incremental = warehouse.query(HISTORY_SQL).sort_values(KEY).reset_index(drop=True)
    warehouse.dbt("run", "--select", "customer_rfm_history")
    rerun = warehouse.query(HISTORY_SQL).sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(incremental, rerun, check_dtype=False)

    warehouse.dbt("run", "--select", "customer_rfm_history", "--full-refresh")
    full = warehouse.query(HISTORY_SQL).sort_values(KEY).reset_index(drop=True)
    pd.testing.assert_frame_equal(incremental, full, check_dtype=False)


def test_summary_and_plots_read_the_warehouse_dbt_just_built(built_warehouse: Warehouse, tmp_path) -> None:
    # dbt-duckdb keeps its connection open in this process; the readers must still open the same file.
    from segmentation.plots import plot_rf_grid, plot_segment_sizes
    from segmentation.summary import segment_summary

    summary = segment_summary(built_warehouse.path)
    current = built_warehouse.query("select count(*) as customers from customer_segments_current")
    assert summary["customers"].sum() == current.loc[0, "customers"]
    assert plot_rf_grid(built_warehouse.path, tmp_path / "grid.png").stat().st_size > 10_000
    assert plot_segment_sizes(built_warehouse.path, tmp_path / "sizes.png").stat().st_size > 10_000
