"""Segments that stay true on retail-shaped data (most customers buy once, most have lapsed): who is scored
(var rfm_score_population), fixed-break scores (rfm_score_method: thresholds) and the collapse guard, on a
DuckDB build of the generator's retail profile, checked against the independent pandas reference."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import PROJECT_DIR, Warehouse, assert_build_clean
from segmentation.generator import RawData, generate_raw_data
from segmentation.reference import read_score_breaks
from test_pipeline import assert_history_matches_reference

SCORE_BREAKS_CSV = PROJECT_DIR / "seeds" / "rfm_score_breaks.csv"
# Segments whose names say the customer bought recently, per scheme.
RECENT_BUYING = {
    "rf_matrix": {"Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising"},
    "rfm_27": {"Champions", "Loyal Customers", "Potential Loyalists", "New Customers", "Promising"},
    "simple_6": {"Champions", "Loyal", "New / promising"},
}
# Segments that promise repeat buying: every member needs two completed orders in the window.
REPEAT_BUYING = {
    "rf_matrix": {"Champions", "Loyal Customers"},
    "rfm_27": {"Champions", "Loyal Customers"},
    "simple_6": {"Champions", "Loyal"},
}
STEADY_CUSTOMER = 99_999_999
HISTORY = "select customer_id, snapshot_date, frequency, recency_days, monetary, segment, recency_score,"
HISTORY += " frequency_score, monetary_score, rfm_code from customer_rfm_history"


def _with_steady_customer(raw: RawData) -> RawData:
    """Adds a customer who buys the same 100.00 on the 15th of every month: unchanged behaviour."""
    customer = raw.customers.iloc[[-1]].assign(customer_id=STEADY_CUSTOMER, email="steady@example.com")
    days = pd.date_range("2023-01-01 10:00", "2025-12-01 10:00", freq="MS") + pd.Timedelta(days=14)
    template = raw.orders.iloc[[0]]
    steady = pd.concat([template] * len(days), ignore_index=True).assign(
        order_id=raw.orders["order_id"].max() + 1 + pd.RangeIndex(len(days)),
        customer_id=STEADY_CUSTOMER,
        account_id=pd.NA,
        ordered_at=days,
        amount=100.0,
        status="completed",
    )
    return RawData(
        customers=pd.concat([raw.customers, customer], ignore_index=True),
        accounts=raw.accounts,
        products=raw.products,
        orders=pd.concat([raw.orders, steady], ignore_index=True),
        events=raw.events,
    )


@pytest.fixture(scope="module")
def retail(make_warehouse) -> Warehouse:
    raw = generate_raw_data(customers=1_500, orders=4_500, months=36, seed=11, profile="retail", events=False)
    warehouse = make_warehouse("retail")
    warehouse.load(_with_steady_customer(raw))
    # Default vars, and no events table at all (a retailer has none): the build must still pass.
    assert_build_clean(warehouse, warehouse.dbt("build"))
    return warehouse


def _rebuild_history(warehouse: Warehouse, **dbt_vars: object) -> pd.DataFrame:
    """Rebuilds the history (and its quality models) with other vars and returns it."""
    warehouse.dbt(
        "run",
        "--select",
        "customer_rfm_history",
        "rfm_score_thresholds",
        "rfm_snapshot_quality",
        "--full-refresh",
        dbt_vars=dict(dbt_vars),
    )
    return warehouse.query(HISTORY)


def _lapsed_segment(scheme: str) -> str:
    with open(PROJECT_DIR / "seeds" / "rfm_lapsed_segments.csv", newline="") as handle:
        (segment,) = [row["segment"] for row in csv.DictReader(handle) if row["scheme"] == scheme]
    return segment


def test_a_build_without_an_events_table_passes_and_says_why_behaviour_is_empty(retail: Warehouse) -> None:
    tables = retail.query("select table_name from information_schema.tables where table_schema = 'raw'")
    assert "events" not in set(tables["table_name"])
    assert retail.query("select count(*) as n from stg_events")["n"].iloc[0] == 0
    log = (retail.root / "logs" / "dbt.log").read_text()
    assert log.count("No events table at") >= 1 and "events_enabled: false" in log


def test_retail_sample_is_mostly_lapsed_one_time_buyers(retail: Warehouse) -> None:
    last = retail.query(
        "select * from customer_rfm_history where snapshot_date = (select max(snapshot_date) from"
        " customer_rfm_history)"
    )
    assert (last["frequency"] == 0).mean() > 0.5
    orders = retail.query(
        "select customer_id, count(*) as n from stg_orders where status = 'completed' group by 1"
    )
    assert (orders["n"] == 1).mean() > 0.5
    assert retail.query("select count(*) as n from raw.orders where cost is not null")["n"].iloc[0] == 0


def test_tiers_without_costs_score_profitability_on_revenue_alone(retail: Warehouse) -> None:
    tiers = retail.query(
        "select customer_id, orders_12m, margin_12m, profitability_basis, profitability_score"
        " from customer_tiers"
    )
    active = tiers[tiers["orders_12m"] > 0]
    assert len(active) > 100
    # Unknown cost is not zero cost: no invented margin, and the column says how profitability was scored.
    assert active["margin_12m"].isna().all()
    assert (active["profitability_basis"] == "revenue only").all()
    expected = retail.query(
        """
        select
            customer_id,
            round(100.0 * percent_rank() over (
                partition by profitability_basis
                -- the model's own feature: revenue per active month, a double from whole cents
                order by cast(cast(revenue_12m * 100 as bigint) as double)
                    / (100 * greatest(active_months, 1))
            ), 2) as expected
        from customer_tiers
        """
    )
    merged = tiers.merge(expected, on="customer_id")
    difference = (merged["profitability_score"].astype(float) - merged["expected"]).abs()
    assert difference.max() < 0.006, (
        merged[difference >= 0.006]
        .merge(retail.query("select * from customer_tiers"), on="customer_id")
        .head(2)
        .to_dict("records")
    )


@pytest.mark.parametrize("scheme", ["rf_matrix", "rfm_27", "simple_6"])
def test_no_customer_without_an_order_in_the_window_is_in_a_recent_buying_segment(
    retail: Warehouse, scheme: str
) -> None:
    history = (
        retail.query(HISTORY)
        if scheme == "rf_matrix"
        else _rebuild_history(retail, rfm_segment_scheme=scheme)
    )
    assert history["snapshot_date"].nunique() >= 24
    lapsed = history[history["frequency"] == 0]
    assert len(lapsed) > 1_000
    assert not lapsed["segment"].isin(RECENT_BUYING[scheme]).any(), lapsed["segment"].value_counts()
    assert (lapsed["segment"] == _lapsed_segment(scheme)).all()
    assert lapsed["rfm_code"].isna().all() and lapsed["recency_score"].isna().all()
    repeat = history[history["segment"].isin(REPEAT_BUYING[scheme])]
    assert len(repeat) > 0
    assert (repeat["frequency"] >= 2).all(), repeat.sort_values("frequency").head()


def test_population_all_reproduces_ranking_everyone_and_the_guard_flags_the_collapse(
    retail: Warehouse,
) -> None:
    history = _rebuild_history(retail, rfm_score_population="all")
    # `all` is the behaviour before the population var: every customer with history ranked, row for row
    # equal to the independent computation that ranks everyone.
    assert assert_history_matches_reference(retail, population="all") > 10_000
    assert history["recency_score"].notna().all()
    # The failure the default avoids: ranked against lapsed customers, one order in the window scores
    # frequency 3 or more, so one-time buyers are named Potential Loyalists (or better).
    one_order = history[history["frequency"] <= 1]
    misnamed = one_order["segment"].isin({"Champions", "Loyal Customers", "Potential Loyalists"})
    assert misnamed.sum() > 100
    quality = retail.query("select * from rfm_snapshot_quality order by snapshot_date")
    assert quality["is_collapsed"].sum() >= 12
    newest = quality.iloc[-1]
    assert newest["is_collapsed"] and newest["is_frequency_collapsed"]
    thresholds = retail.query(
        "select score, customers, share from rfm_score_thresholds where dimension = 'frequency'"
        f" and snapshot_date = '{newest['snapshot_date']}' order by score"
    )
    scores = thresholds["score"].tolist()
    dominant = thresholds["share"].astype(float).max() > 0.5
    gap = scores[-1] - scores[0] + 1 > len(scores)
    assert dominant or gap


def test_thresholds_match_pandas_and_unchanged_behaviour_keeps_its_scores(retail: Warehouse) -> None:
    history = _rebuild_history(retail, rfm_score_method="thresholds")
    compared = assert_history_matches_reference(
        retail, score_method="thresholds", breaks=read_score_breaks(str(SCORE_BREAKS_CSV))
    )
    assert compared > 10_000
    # Fixed breaks: the same scores in every snapshot once the window holds 12 of the steady customer's
    # monthly orders, whatever the rest of the population does.
    steady = history[history["customer_id"].astype(str) == str(STEADY_CUSTOMER)].sort_values("snapshot_date")
    full_window = steady[steady["frequency"] == 12]
    assert len(full_window) >= 10
    assert full_window[["recency_score", "frequency_score", "monetary_score"]].drop_duplicates().shape[0] == 1
    assert full_window["rfm_code"].iloc[0] == "554"


def test_report_names_the_collapse_its_remedy_and_the_fixed_breaks(retail: Warehouse) -> None:
    from segmentation.readers import DuckDBReader
    from segmentation.report import score_collapse_html
    from segmentation.report_data import ReportData

    _rebuild_history(retail, rfm_score_method="thresholds")
    html = score_collapse_html(ReportData(DuckDBReader(retail.path)))
    collapsed = retail.query("select count(*) as n from rfm_snapshot_quality where is_collapsed")["n"].iloc[0]
    assert collapsed > 0 and f"{collapsed} of " in html and "collapsed in" in html
    assert "frequency" in html and "rfm_score_method: thresholds" in html
    assert "fixed breaks of seed rfm_score_breaks" in html and "1,500.0" in html
