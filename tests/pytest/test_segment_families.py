"""The segment families beyond RFM end to end on DuckDB: behaviour, lifecycle, value and health histories
agree row for row with an independent pandas computation, planted customers land where their behaviour
says, the project builds without an events table, incremental runs with late events equal a full refresh,
and bad event rows are set aside with a reason."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import PROJECT_DIR, Warehouse, assert_build_clean
from segmentation.events import trial_customer_id
from segmentation.family_reference import FamilyParams, family_history, load_raw_from_duckdb
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import append_rows_duckdb

KEY = ["customer_id", "snapshot_date"]
METRICS = [
    "as_of_date",
    "customer_since_date",
    "tenure_days",
    "events_30d",
    "core_actions_30d",
    "active_weeks_30d",
    "last_event_date",
    "last_activity_date",
    "days_since_last_activity",
    "revenue_cents",
    "gross_cents",
    "refunded_cents",
    "recent_cents",
    "previous_cents",
]
SEGMENTS = [
    "lifecycle_stage",
    "activity_status",
    "value_band",
    "recency_score",
    "revenue_trend_score",
    "refund_score",
    "health_score",
    "health_band",
]
BEHAVIOUR = ["behaviour_segment", "usage_rank", "is_top_usage", "usage_score", "frequency_score"]
FAMILY_HISTORIES = [
    "int_customer_snapshot_windows",
    "customer_behaviour_history",
    "customer_lifecycle_history",
    "customer_value_history",
    "customer_health_history",
]


def families_sql(events: bool = True) -> str:
    behaviour = (
        "b.behaviour_segment, b.usage_rank, b.is_top_usage,"
        if events
        else "null as behaviour_segment, null as usage_rank, null as is_top_usage,"
    )
    behaviour_join = (
        "inner join customer_behaviour_history as b using (customer_id, snapshot_date)" if events else ""
    )
    return f"""
        select
            a.customer_id, a.snapshot_date, a.as_of_date, a.customer_since_date, a.tenure_days,
            a.events_30d, a.core_actions_30d, a.active_weeks_30d, a.last_event_date, a.last_activity_date,
            a.days_since_last_activity,
            cast(round(a.revenue_12m * 100) as bigint) as revenue_cents,
            cast(round(a.gross_revenue_12m * 100) as bigint) as gross_cents,
            cast(round(a.refunded_revenue_12m * 100) as bigint) as refunded_cents,
            cast(round(a.revenue_last_90d * 100) as bigint) as recent_cents,
            cast(round(a.revenue_previous_90d * 100) as bigint) as previous_cents,
            {behaviour}
            l.lifecycle_stage, l.activity_status, v.value_band,
            h.usage_score, h.frequency_score, h.recency_score, h.revenue_trend_score, h.refund_score,
            h.health_score, h.health_band
        from int_customer_snapshot_windows as a
        {behaviour_join}
        inner join customer_lifecycle_history as l using (customer_id, snapshot_date)
        inner join customer_value_history as v using (customer_id, snapshot_date)
        inner join customer_health_history as h using (customer_id, snapshot_date)
    """


def _normalise(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for column in (
        "snapshot_date",
        "as_of_date",
        "customer_since_date",
        "last_event_date",
        "last_activity_date",
    ):
        frame[column] = pd.to_datetime(frame[column]).dt.normalize()
    frame["customer_id"] = frame["customer_id"].astype(str)
    for column in ("usage_rank", "usage_score", "frequency_score"):
        frame[column] = frame[column].astype("Int64")
    frame["is_top_usage"] = frame["is_top_usage"].astype("boolean")
    return frame.sort_values(KEY).reset_index(drop=True)


def assert_families_match_reference(
    warehouse: Warehouse, params: FamilyParams | None = None, valid_events: pd.DataFrame | None = None
) -> int:
    """Compare every family with the pandas reference; ``valid_events`` replaces raw.events when it holds rows
    that staging rejects."""
    params = params or FamilyParams()
    customers, orders, events = load_raw_from_duckdb(str(warehouse.path))
    events = events if valid_events is None else valid_events
    expected = _normalise(family_history(customers, orders, events, params))
    actual = _normalise(warehouse.query(families_sql(params.events_enabled)))
    merged = expected.merge(actual, on=KEY, how="outer", suffixes=("_expected", "_actual"), indicator=True)
    missing = merged[merged["_merge"] != "both"]
    assert missing.empty, f"rows only on one side:\n{missing[[*KEY, '_merge']].head(20)}"
    compared = METRICS + SEGMENTS + (BEHAVIOUR if params.events_enabled else [])
    for column in compared:
        left, right = merged[f"{column}_expected"], merged[f"{column}_actual"]
        differs = merged[~((left == right) | (left.isna() & right.isna()))]
        assert differs.empty, (
            f"{len(differs)} rows differ in {column}:\n"
            f"{differs[[*KEY, f'{column}_expected', f'{column}_actual']].head(20)}"
        )
    return len(merged)


def latest(warehouse: Warehouse, model: str) -> pd.DataFrame:
    return warehouse.query(
        f"select * from {model} where snapshot_date = (select max(snapshot_date) from {model})"
    ).set_index("customer_id")


# --------------------------------------------------------------------------- default build


def test_families_match_independent_pandas_computation(built_warehouse: Warehouse) -> None:
    assert assert_families_match_reference(built_warehouse) > 10_000


def test_planted_behaviours_land_where_expected(built_warehouse: Warehouse, sample_raw: RawData) -> None:
    profile = built_warehouse.query("select * from customer_profile_current").set_index("customer_id")
    behaviour = latest(built_warehouse, "customer_behaviour_history")
    lifecycle = latest(built_warehouse, "customer_lifecycle_history")
    health = latest(built_warehouse, "customer_health_history")
    trial = str(trial_customer_id(sample_raw))

    # 1: three core actions every day and top-2% order values.
    assert behaviour.loc["1", "core_actions_30d"] == 90 and behaviour.loc["1", "active_weeks_30d"] == 5
    assert profile.loc[
        "1", ["behaviour_segment", "lifecycle_stage", "activity_status", "value_band"]
    ].tolist() == [
        "Power user",
        "Mature",
        "Active",
        "Enterprise",
    ]
    assert bool(profile.loc["1", "is_top_usage"]) and profile.loc["1", "health_band"] == "Champions"
    assert profile.loc["1", "rfm_segment"] == "Champions" and profile.loc["1", "tier"] == "A"

    # 2: signed up 18 months ago, used the product on two days, never again; no revenue in either window.
    assert profile.loc["2", ["behaviour_segment", "activity_status", "value_band"]].tolist() == [
        "Dormant",
        "Churned",
        "Self-serve",
    ]
    assert health.loc[
        "2", ["usage_score", "recency_score", "revenue_trend_score", "refund_score"]
    ].tolist() == [
        0,
        0,
        50,
        50,
    ]
    assert profile.loc["2", "health_score"] == 15 and profile.loc["2", "health_band"] == "Critical"

    # 3: an engaged, high-spending customer gone for 240 days: the high-value account now at risk.
    assert lifecycle.loc["3", "days_since_last_activity"] == 240
    assert (
        profile.loc["3", "activity_status"] == "Churned"
        and profile.loc["3", "behaviour_segment"] == "Dormant"
    )
    assert profile.loc["3", "value_band"] in ("Enterprise", "Mid-market")
    assert profile.loc["3", "health_band"] in ("At-risk", "Critical")
    assert bool(profile.loc["3", "is_high_value_at_risk"])

    # 4: one core action every tenth day; every completed order refunded.
    assert behaviour.loc["4", "core_actions_30d"] == 3 and profile.loc["4", "behaviour_segment"] == "Trialing"
    assert profile.loc["4", "activity_status"] == "Active" and profile.loc["4", "value_band"] == "Self-serve"
    assert health.loc["4", "refund_score"] == 0

    # The newest customer: a fresh trial.
    assert profile.loc[trial, ["behaviour_segment", "lifecycle_stage", "activity_status"]].tolist() == [
        "Trialing",
        "Onboarding",
        "New",
    ]
    assert profile["is_high_value_at_risk"].sum() < len(profile) / 10


def test_planted_cooling_customer_is_a_watched_behaviour_transition(built_warehouse: Warehouse) -> None:
    history = built_warehouse.query(
        "select snapshot_date, behaviour_segment from customer_behaviour_history"
        " where customer_id = '5' order by snapshot_date"
    )
    assert history["behaviour_segment"].tail(2).tolist() == ["Engaged", "Trialing"]
    watched = built_warehouse.query(
        "select * from behaviour_transitions where snapshot_date = (select max(snapshot_date) from"
        " behaviour_transitions) and from_segment = 'Engaged' and to_segment = 'Trialing'"
    )
    assert len(watched) == 1 and bool(watched.loc[0, "is_watched"]) and watched.loc[0, "customers"] >= 1
    assert watched.loc[0, "watch_signal"] == "Declining engagement"


@pytest.mark.parametrize(
    ("transitions", "history", "column"),
    [
        ("behaviour_transitions", "customer_behaviour_history", "behaviour_segment"),
        ("lifecycle_transitions", "customer_lifecycle_history", "activity_status"),
        ("health_transitions", "customer_health_history", "health_band"),
    ],
)
def test_transitions_account_for_every_customer_and_flag_the_seed_pairs(
    built_warehouse: Warehouse, transitions: str, history: str, column: str
) -> None:
    moves = built_warehouse.query(f"select * from {transitions}")
    rows = built_warehouse.query(f"select snapshot_date, count(*) as customers from {history} group by 1")
    pd.testing.assert_series_equal(
        moves.groupby("snapshot_date")["customers"].sum().sort_index(),
        rows.set_index("snapshot_date")["customers"].sort_index(),
        check_dtype=False,
    )
    watch = pd.read_csv(PROJECT_DIR / "seeds" / "segment_transitions_to_watch.csv")
    family = {"behaviour_segment": "behaviour", "activity_status": "lifecycle", "health_band": "health"}[
        column
    ]
    pairs = set(map(tuple, watch.loc[watch["family"] == family, ["from_segment", "to_segment"]].to_numpy()))
    expected = [(row.from_segment, row.to_segment) in pairs for row in moves.itertuples()]
    assert moves["is_watched"].tolist() == expected
    assert moves["is_watched"].any()


# --------------------------------------------------------------------------- other builds


def test_build_without_an_events_table(make_warehouse) -> None:
    warehouse = make_warehouse("no_events")
    raw = generate_raw_data(customers=200, orders=2_500, months=14, seed=21, events=False)
    assert raw.events is None
    warehouse.load(raw)
    result = warehouse.dbt("build", dbt_vars={"events_enabled": False})
    assert_build_clean(warehouse, result)

    tables = set(warehouse.query("select table_name from information_schema.tables")["table_name"])
    assert "events" not in tables
    assert not {"base_events", "stg_events", "customer_behaviour_history", "behaviour_transitions"} & tables
    assert {"customer_lifecycle_history", "customer_health_history", "customer_profile_current"} <= tables
    profile = warehouse.query("select * from customer_profile_current")
    assert len(profile) == 200
    assert profile[["behaviour_segment", "is_top_usage", "behaviour_action"]].isna().all().all()
    health = warehouse.query("select usage_score, frequency_score from customer_health_history")
    assert health.isna().all().all()
    assert assert_families_match_reference(warehouse, FamilyParams(events_enabled=False)) > 1_000


def _split_late(
    frame: pd.DataFrame, time_column: str, id_column: str, cutoffs: list[str]
) -> list[pd.DataFrame]:
    """Loads up to each cutoff; every tenth row of the cutoff's month and the month before arrives one load
    late, dated in the newest built periods, whose changed inputs the next incremental run finds."""
    day = frame[time_column].dt.normalize()
    taken = pd.Series(False, index=frame.index)
    loads = []
    for number, cutoff in enumerate(cutoffs):
        end = pd.Timestamp(cutoff)
        due = ~taken & (day <= end)
        if number < len(cutoffs) - 1:
            recent = day >= end.to_period("M").start_time - pd.DateOffset(months=1)
            due &= ~(recent & (frame[id_column] % 10 == 0))
        loads.append(frame[due])
        taken |= due
    assert taken.all()
    return loads


def bad_event_rows(good: pd.DataFrame) -> pd.DataFrame:
    """One raw event row per rejection reason (typed, as the loader lands them), with the expected reason."""
    first = good.sort_values("occurred_at").iloc[0]
    rows = [
        (None, 1, "login", "2025-01-01 10:00:00", "null event_id"),
        (-1, None, "login", "2025-01-01 10:00:00", "null customer_id"),
        (-2, 999_999, "login", "2025-01-01 10:00:00", "unknown customer_id"),
        (-3, 1, None, "2025-01-01 10:00:00", "null event_name"),
        (-4, 1, "login", None, "null occurred_at"),
        (-5, 1, "login", "2999-01-01 10:00:00", "occurred_at after run date"),
        # Two more copies of a valid event: the earliest valid copy stays, a later one is a duplicate.
        (first.event_id, 1, "login", "2998-01-01 10:00:00", "occurred_at after run date"),
        (
            first.event_id,
            first.customer_id,
            "export",
            str(first.occurred_at + pd.Timedelta(hours=1)),
            "duplicate event_id",
        ),
    ]
    frame = pd.DataFrame(rows, columns=["event_id", "customer_id", "event_name", "occurred_at", "reason"])
    return frame.astype({"event_id": "Int64", "customer_id": "Int64"}).assign(
        occurred_at=pd.to_datetime(frame["occurred_at"])
    )


FAMILY_SELECTION = [f"+{model}" for model in FAMILY_HISTORIES[1:]] + ["rejected_rows"]


def test_incremental_runs_with_late_events_equal_a_full_refresh(make_warehouse) -> None:
    """Three loads of orders and events, some arriving late (dated in the periods the next run recomputes)
    and some invalid; after each incremental run the families match the reference on the valid events, and
    at the end they equal a full refresh row for row."""
    raw = generate_raw_data(customers=300, orders=4_000, months=15, seed=23)
    cutoffs = ["2025-09-30", "2025-11-10", "2025-12-31"]
    orders = _split_late(raw.orders, "ordered_at", "order_id", cutoffs)
    events = _split_late(raw.events, "occurred_at", "event_id", cutoffs)
    bad = bad_event_rows(events[0])
    warehouse = make_warehouse("families_incremental")
    first_events = pd.concat([events[0], bad.drop(columns="reason")], ignore_index=True)
    warehouse.load(RawData(raw.customers, raw.accounts, raw.products, orders[0], first_events))
    warehouse.dbt(
        "build", "--select", *FAMILY_SELECTION, "--exclude", "resource_type:test", "resource_type:unit_test"
    )
    rejected = warehouse.query(
        "select reason, count(*) as n from rejected_rows where source_table = 'events' group by reason"
    ).set_index("reason")["n"]
    assert rejected.to_dict() == bad["reason"].value_counts().to_dict()
    staged = warehouse.query("select event_id, event_name from stg_events")
    assert len(staged) == len(events[0])
    first = bad.iloc[-1]
    kept = staged.set_index("event_id").loc[str(first.event_id), "event_name"]
    assert kept == events[0].set_index("event_id").loc[first.event_id, "event_name"]
    loaded = events[0]
    assert_families_match_reference(warehouse, valid_events=loaded)

    for new_orders, new_events in zip(orders[1:], events[1:], strict=True):
        append_rows_duckdb("orders", new_orders, warehouse.path)
        append_rows_duckdb("events", new_events, warehouse.path)
        loaded = pd.concat([loaded, new_events])
        warehouse.dbt("run", "--select", *FAMILY_SELECTION)
        assert_families_match_reference(warehouse, valid_events=loaded)

    def snapshot_all() -> dict[str, pd.DataFrame]:
        return {
            model: warehouse.query(f"select * exclude (computed_at) from {model}")
            .sort_values(KEY)
            .reset_index(drop=True)
            for model in FAMILY_HISTORIES
        }

    incremental = snapshot_all()
    warehouse.dbt("run", "--full-refresh", "--select", *FAMILY_HISTORIES)
    full = snapshot_all()
    for model in FAMILY_HISTORIES:
        pd.testing.assert_frame_equal(incremental[model], full[model], check_dtype=False, obj=model)


# --------------------------------------------------------------------------- summary


def test_summary_prints_every_family(built_warehouse: Warehouse) -> None:
    from click.testing import CliRunner
    from segmentation.cli import main

    result = CliRunner().invoke(main, ["summary", "--duckdb", str(built_warehouse.path)])
    assert result.exit_code == 0, result.output
    profile = built_warehouse.query("select * from customer_profile_current")
    power_users = int((profile["behaviour_segment"] == "Power user").sum())
    assert f"Power user: {power_users:,}" in result.output
    at_risk = int(profile["is_high_value_at_risk"].sum())
    assert f"High-value accounts at risk: {at_risk:,}" in result.output


def test_profile_counts_without_events_say_so() -> None:
    from segmentation.summary import count_profiles, format_profiles

    profiles = pd.DataFrame(
        {
            "customer_id": ["1", "2", "3"],
            "behaviour_segment": [None, None, None],
            "lifecycle_stage": ["Mature", "Mature", "Onboarding"],
            "activity_status": ["Active", "At risk", "New"],
            "value_band": ["Enterprise", "SMB", "Self-serve"],
            "health_band": ["Champions", "At-risk", "Neutral"],
            "is_high_value_at_risk": [False, False, False],
        }
    )
    text = format_profiles(count_profiles(profiles))
    assert "Behaviour: (no events): 3" in text
    assert "Lifecycle stage: Mature: 2, Onboarding: 1" in text
    assert text.endswith("High-value accounts at risk: 0")
