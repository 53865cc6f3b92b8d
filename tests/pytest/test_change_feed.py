"""The sync outputs: segment_membership_changes (the change feed), previous_segment as the most recent
different segment and the updated_at cursor of customer_segments_current and customer_profile_current.
Expectations are computed in pandas from the history tables, never from fixed segment counts."""

from __future__ import annotations

import pandas as pd
from conftest import PROJECT_DIR, Warehouse
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import append_rows_duckdb
from test_segment_families import _split_late

# family -> (history table, segment column)
FAMILIES = {
    "rfm": ("customer_rfm_history", "segment"),
    "behaviour": ("customer_behaviour_history", "behaviour_segment"),
    "lifecycle": ("customer_lifecycle_history", "activity_status"),
    "value": ("customer_value_history", "value_band"),
    "health": ("customer_health_history", "health_band"),
}
FEED_KEY = ["family", "customer_id", "snapshot_date"]
FEED_COLUMNS = [*FEED_KEY, "as_of_date", "from_segment", "to_segment", "is_watched", "watch_signal"]


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in frame.columns:
        if column.endswith("_date") or column == "updated_at":
            frame[column] = pd.to_datetime(frame[column])
    return frame


def reference_changes(warehouse: Warehouse, families: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """One row per customer, family and snapshot where the segment differs from a snapshot earlier (or is
    the customer's first), computed in pandas from each history, with the watched moves from the seed."""
    frames = []
    for family, (table, column) in families.items():
        history = warehouse.query(
            f"select customer_id, snapshot_date, as_of_date, {column} as to_segment from {table}"
        )
        history = history.sort_values(["customer_id", "snapshot_date"])
        history["from_segment"] = history.groupby("customer_id")["to_segment"].shift()
        changed = history["from_segment"].isna() | (history["from_segment"] != history["to_segment"])
        frames.append(history[changed].assign(family=family))
    changes = pd.concat(frames, ignore_index=True)
    watch = pd.read_csv(PROJECT_DIR / "seeds" / "segment_transitions_to_watch.csv")
    watch = watch[["family", "from_segment", "to_segment", "signal"]]
    watch = watch.rename(columns={"signal": "watch_signal"})
    changes = changes.merge(watch, on=["family", "from_segment", "to_segment"], how="left")
    changes["is_watched"] = changes["watch_signal"].notna()
    return _normalise(changes)


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = _dates(frame[FEED_COLUMNS].copy())
    frame["customer_id"] = frame["customer_id"].astype(str)
    frame["is_watched"] = frame["is_watched"].astype(bool)
    for column in ("from_segment", "watch_signal"):
        frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
    return frame.sort_values(FEED_KEY).reset_index(drop=True)


def feed(warehouse: Warehouse) -> pd.DataFrame:
    return _normalise(warehouse.query("select * from segment_membership_changes"))


def test_change_feed_equals_an_independent_pandas_computation(built_warehouse: Warehouse) -> None:
    actual = feed(built_warehouse)
    expected = reference_changes(built_warehouse, FAMILIES)
    pd.testing.assert_frame_equal(actual, expected, check_dtype=False)
    # Every family is in it, with real moves (not only first segments) and watched moves.
    assert set(actual["family"]) == set(FAMILIES)
    moves = actual[actual["from_segment"].notna()]
    assert set(moves["family"]) == set(FAMILIES)
    assert actual["is_watched"].any()


def test_previous_segment_is_the_most_recent_different_one(built_warehouse: Warehouse) -> None:
    history = built_warehouse.query(
        "select customer_id, snapshot_date, as_of_date, segment from customer_rfm_history"
    ).sort_values(["customer_id", "snapshot_date"])
    history["before"] = history.groupby("customer_id")["segment"].shift()
    starts = history[history["before"].isna() | (history["before"] != history["segment"])]
    last_start = starts.groupby("customer_id").tail(1).set_index("customer_id")
    current = built_warehouse.query("select * from customer_segments_current").set_index("customer_id")
    current = _dates(current)
    assert len(current) == len(last_start)
    expected_previous = last_start.loc[current.index, "before"]
    assert (current["previous_segment"].fillna("-") == expected_previous.fillna("-")).all()
    # Never equal to the current segment; null exactly for customers who only ever had one segment.
    assert (current["previous_segment"] != current["segment"]).all()
    one_segment = history.groupby("customer_id")["segment"].nunique() == 1
    assert current["previous_segment"].isna().sum() == one_segment.sum() > 0
    assert current["previous_segment"].notna().sum() > 0
    assert (
        current["segment_entered_date"] == pd.to_datetime(last_start.loc[current.index, "snapshot_date"])
    ).all()


def _last_change(history: pd.DataFrame, columns: list[str]) -> pd.Series:
    history = history.sort_values(["customer_id", "snapshot_date"])
    text = history[columns].astype(str).where(history[columns].notna(), "<null>")
    previous = text.groupby(history["customer_id"]).shift()
    first = history["customer_id"] != history["customer_id"].shift()
    changed = first | (text != previous).any(axis=1)
    return pd.to_datetime(history[changed].groupby("customer_id")["as_of_date"].max())


def test_updated_at_is_the_last_change_of_a_synced_column(built_warehouse: Warehouse) -> None:
    query = built_warehouse.query
    rfm = query("select * from customer_rfm_history")
    rfm["monetary"] = rfm["monetary"].map(lambda v: f"{v:.2f}")
    rfm_changed = _last_change(
        rfm, ["segment", "recommended_action", "rfm_code", "frequency", "monetary", "last_order_date"]
    )
    current = _dates(query("select customer_id, updated_at from customer_segments_current"))
    current = current.set_index("customer_id")["updated_at"]
    pd.testing.assert_series_equal(
        current.sort_index(), rfm_changed.loc[current.index].sort_index(), check_names=False
    )
    # A cursor: some customers have not changed since an earlier snapshot.
    latest = pd.to_datetime(rfm["as_of_date"]).max()
    assert (current < latest).any() and (current == latest).any()

    value = query("select * from customer_value_history")
    value["revenue_12m"] = value["revenue_12m"].map(lambda v: f"{v:.2f}")
    family_changes = [
        rfm_changed,
        _last_change(
            query("select * from customer_lifecycle_history"),
            ["lifecycle_stage", "activity_status", "status_action"],
        ),
        _last_change(value, ["value_band", "revenue_12m"]),
        _last_change(
            query("select * from customer_health_history"),
            ["health_score", "health_band", "recommended_action"],
        ),
        _last_change(
            query("select * from customer_behaviour_history"),
            ["behaviour_segment", "is_top_usage", "recommended_action"],
        ),
    ]
    expected = pd.concat(family_changes, axis=1).max(axis=1)
    profile = _dates(query("select * from customer_profile_current")).set_index("customer_id")
    pd.testing.assert_series_equal(
        profile["updated_at"].sort_index(), expected.loc[profile.index].sort_index(), check_names=False
    )
    joined = profile.join(current.rename("rfm_updated_at")).dropna(subset=["rfm_updated_at"])
    assert (joined["updated_at"] >= joined["rfm_updated_at"]).all()
    segments = query("select customer_id, previous_segment from customer_segments_current")
    previous = profile["previous_rfm_segment"].dropna()
    assert previous.to_dict() == segments.dropna().set_index("customer_id")["previous_segment"].to_dict()


def test_change_feed_is_incremental_and_has_no_behaviour_rows_without_events(make_warehouse) -> None:
    """Three loads, some orders arriving one load late (dated in the periods the next run recomputes), and a
    run with nothing new: after each incremental run the feed equals the pandas computation on the histories,
    and at the end it equals a full refresh row for row."""
    raw = generate_raw_data(customers=250, orders=3_500, months=15, seed=31, events=False)
    cutoffs = ["2025-09-30", "2025-11-10", "2025-12-31"]
    orders = _split_late(raw.orders, "ordered_at", "order_id", cutoffs)
    no_events = {"events_enabled": False}
    families = {family: spec for family, spec in FAMILIES.items() if family != "behaviour"}
    warehouse = make_warehouse("change_feed_incremental")
    warehouse.load(RawData(raw.customers, raw.accounts, raw.products, orders[0], None))
    selection = ["--select", "+segment_membership_changes"]
    skip_tests = ["--exclude", "resource_type:test", "resource_type:unit_test"]
    warehouse.dbt("build", *selection, *skip_tests, dbt_vars=no_events)
    pd.testing.assert_frame_equal(feed(warehouse), reference_changes(warehouse, families), check_dtype=False)

    for new_orders in orders[1:]:
        append_rows_duckdb("orders", new_orders, warehouse.path)
        warehouse.dbt("run", *selection, dbt_vars=no_events)
        pd.testing.assert_frame_equal(
            feed(warehouse), reference_changes(warehouse, families), check_dtype=False
        )
    before = feed(warehouse)
    warehouse.dbt("run", *selection, dbt_vars=no_events)
    pd.testing.assert_frame_equal(feed(warehouse), before, check_dtype=False, obj="a run with no new data")

    incremental = feed(warehouse)
    assert "behaviour" not in set(incremental["family"])
    assert set(incremental["family"]) == set(families)
    assert pd.to_datetime(incremental["snapshot_date"]).max() == pd.Timestamp("2025-12-31")
    warehouse.dbt("run", *selection, "--full-refresh", dbt_vars=no_events)
    pd.testing.assert_frame_equal(incremental, feed(warehouse), check_dtype=False, obj="full refresh")
