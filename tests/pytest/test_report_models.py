"""The report's marts against independent pandas computations on the default build: cohort retention,
segment outcomes, score thresholds, the thin-data guard and time in segment, row for row. Ratios are
checked to the digit, rounded half away from zero as every engine must."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from conftest import Warehouse
from segmentation.generator import generate_raw_data

DEFAULT_MIN_CUSTOMERS = 20
DEFAULT_MIN_DISTINCT_SCORES = 3


def round_ratio(numerator: float, denominator: float, scale: int) -> Decimal:
    """Exact half-away-from-zero rounding of numerator / denominator (inputs have at most 2 decimals)."""
    exact = Decimal(str(round(numerator, 2))) / Decimal(str(round(denominator, 2)))
    return exact.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)


def as_decimal(value: float, scale: int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)


def to_cents(series: pd.Series) -> pd.Series:
    return (series.astype(float) * 100).round().astype("int64")


@pytest.fixture(scope="module")
def orders(built_warehouse: Warehouse) -> pd.DataFrame:
    frame = built_warehouse.query(
        """
        select customer_id, order_date, amount, status
        from stg_orders
        where status in ('completed', 'refunded')
            and order_date <= (select as_of_date from int_as_of_date)
        """
    )
    frame["order_date"] = pd.to_datetime(frame["order_date"])
    frame["amount_cents"] = to_cents(frame["amount"])
    frame["completed"] = frame["status"] == "completed"
    return frame


@pytest.fixture(scope="module")
def history(built_warehouse: Warehouse) -> pd.DataFrame:
    frame = built_warehouse.query(
        """
        select customer_id, snapshot_date, segment, recency_days, frequency, monetary,
            recency_score, frequency_score, monetary_score
        from customer_rfm_history
        order by customer_id, snapshot_date
        """
    )
    frame["snapshot_date"] = pd.to_datetime(frame["snapshot_date"])
    return frame


def test_cohort_retention_matches_pandas(built_warehouse: Warehouse, orders: pd.DataFrame) -> None:
    (as_of,) = built_warehouse.query("select as_of_date from int_as_of_date").iloc[0]
    as_of_quarter = pd.Timestamp(as_of).to_period("Q")
    completed = orders[orders["completed"]]
    cohort = completed.groupby("customer_id")["order_date"].min().dt.to_period("Q").rename("cohort")
    activity = orders.assign(quarter=orders["order_date"].dt.to_period("Q")).join(cohort, on="customer_id")
    activity = activity[activity["quarter"] >= activity["cohort"]]
    active = activity[activity["completed"]].groupby(["cohort", "quarter"])["customer_id"].nunique()
    revenue = activity.groupby(["cohort", "quarter"])["amount_cents"].sum()
    sizes = cohort.value_counts()
    expected = {}
    for quarter_of_cohort, size in sizes.items():
        for offset in range((as_of_quarter - quarter_of_cohort).n + 1):
            key = (quarter_of_cohort, quarter_of_cohort + offset)
            expected[(str(quarter_of_cohort), offset)] = (
                int(size),
                int(active.get(key, 0)),
                int(revenue.get(key, 0)),
            )

    actual = built_warehouse.query("select * from cohort_retention")
    assert len(actual) == len(expected)
    for row in actual.itertuples():
        key = (str(pd.Timestamp(row.cohort_quarter).to_period("Q")), row.quarters_since_first_order)
        size, active_customers, revenue_cents = expected[key]
        assert row.cohort_label == key[0].lower()
        assert (row.cohort_customers, row.active_customers) == (size, active_customers), key
        assert round(float(row.revenue) * 100) == revenue_cents, key
        assert as_decimal(row.retention_rate, 6) == round_ratio(active_customers, size, 6), key
        assert as_decimal(row.revenue_per_cohort_customer, 2) == round_ratio(revenue_cents / 100, size, 2), (
            key
        )


def test_segment_outcomes_match_pandas(
    built_warehouse: Warehouse, orders: pd.DataFrame, history: pd.DataFrame
) -> None:
    # The default build is monthly: an order belongs to the snapshot at its month's end.
    per_period = orders.assign(snapshot_date=orders["order_date"] + pd.offsets.MonthEnd(0))
    per_period = per_period.groupby(["customer_id", "snapshot_date"]).agg(
        completed=("completed", "sum"), revenue_cents=("amount_cents", "sum")
    )
    frame = history[["customer_id", "snapshot_date", "segment"]].copy()
    grouped = frame.groupby("customer_id")
    frame["next_snapshot_date"] = grouped["snapshot_date"].shift(-1)
    frame["next_segment"] = grouped["segment"].shift(-1)
    frame = frame.dropna(subset=["next_snapshot_date"])
    frame = frame.join(per_period, on=["customer_id", "next_snapshot_date"])
    frame["active"] = frame["completed"].fillna(0) > 0
    frame["stayed"] = frame["next_segment"] == frame["segment"]
    frame["revenue_cents"] = frame["revenue_cents"].fillna(0)
    expected = frame.groupby(["snapshot_date", "segment"]).agg(
        customers=("customer_id", "size"),
        active=("active", "sum"),
        stayed=("stayed", "sum"),
        revenue_cents=("revenue_cents", "sum"),
    )

    actual = built_warehouse.query("select * from segment_outcomes")
    actual["snapshot_date"] = pd.to_datetime(actual["snapshot_date"])
    actual = actual.set_index(["snapshot_date", "segment"]).sort_index()
    assert list(actual.index) == list(expected.index)
    for key, row in actual.iterrows():
        want = expected.loc[key]
        assert (row.customers, row.active_next_period, row.in_segment_next_period) == (
            want.customers,
            want.active,
            want.stayed,
        ), key
        assert round(float(row.revenue_next_period) * 100) == want.revenue_cents, key
        assert as_decimal(row.share_active_next_period, 6) == round_ratio(want.active, want.customers, 6)
        assert as_decimal(row.share_in_segment_next_period, 6) == round_ratio(want.stayed, want.customers, 6)
        assert as_decimal(row.revenue_per_customer_next_period, 2) == round_ratio(
            want.revenue_cents / 100, want.customers, 2
        )
    # The segments predict something on this data: Champions buy again more often than Hibernating.
    rates = actual.groupby(level="segment")[["active_next_period", "customers"]].sum()
    share = rates["active_next_period"] / rates["customers"]
    assert share["Champions"] > share["Hibernating"] + 0.3


def test_score_thresholds_and_quality_match_pandas(built_warehouse: Warehouse, history: pd.DataFrame) -> None:
    rows = []
    for dimension, measure in (
        ("recency", "recency_days"),
        ("frequency", "frequency"),
        ("monetary", "monetary"),
    ):
        grouped = history.groupby(["snapshot_date", f"{dimension}_score"])[measure]
        ranges = grouped.agg(["min", "max", "size"]).reset_index()
        ranges.columns = ["snapshot_date", "score", "min_value", "max_value", "customers"]
        # Unscored rows (null scores) are left out, as in the model; the scores are whole numbers.
        ranges["score"] = ranges["score"].astype(int)
        rows.append(ranges.assign(dimension=dimension, measure=measure))
    expected = pd.concat(rows).set_index(["snapshot_date", "dimension", "score"]).sort_index()

    actual = built_warehouse.query("select * from rfm_score_thresholds")
    actual["snapshot_date"] = pd.to_datetime(actual["snapshot_date"])
    actual = actual.set_index(["snapshot_date", "dimension", "score"]).sort_index()
    assert list(actual.index) == list(expected.index)
    assert (actual["measure"] == expected["measure"]).all()
    assert (to_cents(actual["min_value"]) == to_cents(expected["min_value"])).all()
    assert (to_cents(actual["max_value"]) == to_cents(expected["max_value"])).all()
    assert (actual["customers"] == expected["customers"]).all()

    # Only scored customers count (rfm_score_population: active leaves the others without scores).
    scored = history[history["recency_score"].notna()]
    per_snapshot = scored.groupby("snapshot_date").agg(
        customers=("customer_id", "size"),
        recency=("recency_score", "nunique"),
        frequency=("frequency_score", "nunique"),
        monetary=("monetary_score", "nunique"),
    )
    thin = (per_snapshot["customers"] < DEFAULT_MIN_CUSTOMERS) | (
        per_snapshot[["recency", "frequency", "monetary"]].min(axis=1) < DEFAULT_MIN_DISTINCT_SCORES
    )
    quality = built_warehouse.query("select * from rfm_snapshot_quality")
    quality["snapshot_date"] = pd.to_datetime(quality["snapshot_date"])
    quality = quality.set_index("snapshot_date").sort_index()
    assert list(quality.index) == list(per_snapshot.index)
    assert (quality["customers"] == per_snapshot["customers"]).all()
    assert (quality["distinct_frequency_scores"] == per_snapshot["frequency"]).all()
    assert (quality["is_thin"] == thin).all()
    # Collapse guard: one score above half of a dimension's scored customers, or an empty middle score.
    collapsed = pd.Series(False, index=per_snapshot.index)
    for dimension in ("recency", "frequency", "monetary"):
        counts = scored.groupby(["snapshot_date", f"{dimension}_score"]).size()
        by_snapshot = counts.groupby(level="snapshot_date")
        scores = counts.reset_index(level=1)[f"{dimension}_score"].groupby(level="snapshot_date")
        dominant = by_snapshot.max() > 0.5 * by_snapshot.sum()
        gap = scores.max() - scores.min() + 1 > by_snapshot.size()
        flagged = dominant | gap
        assert (quality[f"is_{dimension}_collapsed"] == flagged).all(), dimension
        collapsed |= flagged
    assert (quality["is_collapsed"] == collapsed).all()


def test_time_in_segment_matches_pandas(built_warehouse: Warehouse, history: pd.DataFrame) -> None:
    frame = history[["customer_id", "snapshot_date", "segment"]].copy()
    changed = frame["segment"] != frame.groupby("customer_id")["segment"].shift()
    frame["run"] = changed.astype(int).groupby(frame["customer_id"]).cumsum()
    frame["periods"] = frame.groupby(["customer_id", "run"]).cumcount() + 1
    frame["previous_periods"] = frame.groupby("customer_id")["periods"].shift()
    frame["from_segment"] = frame.groupby("customer_id")["segment"].shift().fillna("(new customer)")

    latest = frame[frame["snapshot_date"] == frame["snapshot_date"].max()].set_index("customer_id")["periods"]
    current = built_warehouse.query("select customer_id, periods_in_segment from customer_segments_current")
    current = current.set_index("customer_id")["periods_in_segment"]
    assert (current.sort_index() == latest.sort_index()).all()
    assert latest.max() > 3, "the sample should have customers who stayed in a segment for a while"

    expected = frame.groupby(["snapshot_date", "from_segment", "segment"])["previous_periods"].agg(
        ["sum", "count"]
    )
    transitions = built_warehouse.query(
        "select snapshot_date, from_segment, to_segment, customers, avg_periods_in_from_segment"
        " from segment_transitions"
    )
    transitions["snapshot_date"] = pd.to_datetime(transitions["snapshot_date"])
    assert len(transitions) == len(expected)
    for row in transitions.itertuples():
        total, count = expected.loc[(row.snapshot_date, row.from_segment, row.to_segment)]
        if count == 0:
            assert row.from_segment == "(new customer)" and pd.isna(row.avg_periods_in_from_segment)
        else:
            assert as_decimal(row.avg_periods_in_from_segment, 2) == round_ratio(total, count, 2)


def test_thin_data_warns_in_the_build(make_warehouse) -> None:
    warehouse = make_warehouse("thin")
    warehouse.load(generate_raw_data(customers=30, orders=400, months=14, seed=3))
    # Only the guard's ancestors and the guard itself: nothing else is needed to see it fire.
    result = warehouse.dbt(
        "build", "--select", "+assert_snapshots_are_not_thin", "--indirect-selection", "empty"
    )
    statuses = {node.node.name: str(node.status) for node in result.result.results}
    assert statuses.pop("assert_snapshots_are_not_thin") == "warn"
    assert set(statuses.values()) == {"success"}
    quality = warehouse.query("select * from rfm_snapshot_quality order by snapshot_date")
    assert quality["has_too_few_customers"].iloc[0], "the first months of 30 customers are thin"
    assert (
        quality["is_thin"] == (quality["customers"] < DEFAULT_MIN_CUSTOMERS) | quality["has_collapsed_scores"]
    ).all()
    (failures,) = [
        node.failures for node in result.result.results if node.node.name == "assert_snapshots_are_not_thin"
    ]
    assert failures == int(quality["is_thin"].sum())
