"""Every family's transitions mart against an independent pandas computation on the default build: customers,
revenue, time in the previous segment (periods and days) and the watched moves, row for row; and RFM moves
into a watched segment are flagged in the transitions mart and in the change feed alike."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest
from conftest import PROJECT_DIR, Warehouse

# family -> (transitions mart, history, segment column, revenue column, revenue's history)
FAMILIES = {
    "rfm": ("segment_transitions", "customer_rfm_history", "segment", "monetary", "customer_rfm_history"),
    "lifecycle": (
        "lifecycle_transitions",
        "customer_lifecycle_history",
        "activity_status",
        "revenue_12m",
        "customer_value_history",
    ),
    "health": (
        "health_transitions",
        "customer_health_history",
        "health_band",
        "revenue_12m",
        "customer_value_history",
    ),
    "value": (
        "value_transitions",
        "customer_value_history",
        "value_band",
        "revenue_12m",
        "customer_value_history",
    ),
    "behaviour": (
        "behaviour_transitions",
        "customer_behaviour_history",
        "behaviour_segment",
        "revenue_12m",
        "customer_value_history",
    ),
}
KEY = ["snapshot_date", "from_segment", "to_segment"]


def watch_list(family: str) -> pd.DataFrame:
    watch = pd.read_csv(PROJECT_DIR / "seeds" / "segment_transitions_to_watch.csv")
    return watch.loc[watch["family"] == family, ["from_segment", "to_segment", "signal"]]


def average(total: int, count: int) -> Decimal | None:
    """total / count rounded half away from zero to two decimals, exactly (inputs are whole numbers)."""
    if count == 0:
        return None
    return (Decimal(int(total)) / Decimal(int(count))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def expected_transitions(warehouse: Warehouse, family: str) -> pd.DataFrame:
    """Moves per snapshot computed in pandas from the family's history: runs of consecutive snapshots in one
    segment, how long (snapshots, days from the as-of date of entering) the customer had held the segment
    they came from, and the seed's watched moves."""
    _, history, column, revenue, revenue_history = FAMILIES[family]
    rows = warehouse.query(
        f"select customer_id, snapshot_date, as_of_date, {column} as segment from {history}"
    )
    money = warehouse.query(f"select customer_id, snapshot_date, {revenue} as revenue from {revenue_history}")
    rows = rows.merge(money, on=["customer_id", "snapshot_date"], how="left")
    rows["as_of_date"] = pd.to_datetime(rows["as_of_date"])
    rows = rows.sort_values(["customer_id", "snapshot_date"]).reset_index(drop=True)
    by_customer = rows.groupby("customer_id")
    rows["previous"] = by_customer["segment"].shift()
    rows["changed"] = rows["previous"].isna() | (rows["previous"] != rows["segment"])
    rows["run"] = rows["changed"].astype(int).groupby(rows["customer_id"]).cumsum()
    by_run = rows.groupby(["customer_id", "run"])
    rows["periods"] = by_run.cumcount() + 1
    rows["entered_as_of"] = by_run["as_of_date"].transform("min")
    rows["previous_periods"] = by_customer["periods"].shift()
    rows["days"] = (rows["as_of_date"] - by_customer["entered_as_of"].shift()).dt.days
    rows["from_segment"] = rows["previous"].fillna("(new customer)")
    rows["cents"] = (rows["revenue"].astype(float) * 100).round().astype("int64")

    grouped = rows.groupby(["snapshot_date", "from_segment", "segment"])
    expected = pd.DataFrame(
        {
            "customers": grouped.size(),
            "revenue_cents": grouped["cents"].sum(),
            "is_movement": grouped["changed"].first(),
            "periods_total": grouped["previous_periods"].sum(),
            "days_total": grouped["days"].sum(),
            "with_previous": grouped["previous_periods"].count(),
        }
    ).reset_index()
    expected = expected.rename(columns={"segment": "to_segment"})
    expected["avg_periods_in_from_segment"] = [
        average(t, c) for t, c in zip(expected["periods_total"], expected["with_previous"], strict=True)
    ]
    expected["avg_days_in_from_segment"] = [
        average(t, c) for t, c in zip(expected["days_total"], expected["with_previous"], strict=True)
    ]
    watched = watch_list(family).rename(columns={"signal": "watch_signal"})
    expected = expected.merge(watched, on=["from_segment", "to_segment"], how="left")
    expected["is_watched"] = expected["watch_signal"].notna()
    return expected


@pytest.mark.parametrize("family", list(FAMILIES))
def test_transitions_and_time_in_segment_match_pandas(built_warehouse: Warehouse, family: str) -> None:
    expected = expected_transitions(built_warehouse, family)
    mart = built_warehouse.query(f"select * from {FAMILIES[family][0]}")
    assert len(mart) == len(expected) > 0
    merged = mart.merge(expected, on=KEY, how="outer", suffixes=("", "_expected"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["customers"] == merged["customers_expected"]).all()
    assert ((merged["revenue"].astype(float) * 100).round().astype("int64") == merged["revenue_cents"]).all()
    assert (merged["is_movement"] == merged["is_movement_expected"]).all()
    assert (merged["is_watched"] == merged["is_watched_expected"]).all()
    assert (merged["watch_signal"].fillna("-") == merged["watch_signal_expected"].fillna("-")).all()
    for column in ("avg_periods_in_from_segment", "avg_days_in_from_segment"):
        actual = [None if pd.isna(v) else Decimal(str(v)).quantize(Decimal("0.01")) for v in merged[column]]
        assert actual == merged[f"{column}_expected"].tolist(), column
    # Time in segment means something here: customers who stayed a while, and moves after a long stay.
    assert merged["avg_periods_in_from_segment"].max() > 3
    assert merged["avg_days_in_from_segment"].max() > 90


def test_rfm_moves_into_a_watched_segment_are_flagged(built_warehouse: Warehouse) -> None:
    watch = watch_list("rfm")
    assert {"At Risk", "Hibernating"} <= set(watch["to_segment"])
    pairs = set(map(tuple, watch[["from_segment", "to_segment"]].to_numpy()))
    moves = built_warehouse.query("select * from segment_transitions")
    flagged = [(row.from_segment, row.to_segment) in pairs for row in moves.itertuples()]
    assert moves["is_watched"].tolist() == flagged
    watched = moves[moves["is_watched"]]
    # The sample has customers slipping from Champions and Loyal Customers to At Risk and lapsing.
    assert {("Champions", "At Risk"), ("Loyal Customers", "At Risk"), ("At Risk", "Hibernating")} <= set(
        zip(watched["from_segment"], watched["to_segment"], strict=True)
    )
    assert watched["watch_signal"].notna().all() and watched["watch_action"].notna().all()
    assert moves.loc[~moves["is_watched"], "watch_signal"].isna().all()

    # The change feed flags the same customers' moves.
    feed = built_warehouse.query(
        "select snapshot_date, from_segment, to_segment, count(*) as customers"
        " from segment_membership_changes where family = 'rfm' and is_watched"
        " group by 1, 2, 3"
    )
    pd.testing.assert_frame_equal(
        feed.sort_values(KEY).reset_index(drop=True),
        watched[[*KEY, "customers"]].sort_values(KEY).reset_index(drop=True),
        check_dtype=False,
    )
