"""Independent pandas implementation of the segment families beyond RFM (behaviour, lifecycle, value, health).

Written from the README's definitions, not from the dbt SQL, and by a different method: where the dbt models
roll window changes forward per customer, this module answers every snapshot by filtering the days of
activity directly (a loop over the few dozen snapshots). Agreement row for row is therefore evidence that
both are right. It expects valid raw rows (as the generator writes them); staging's rejections are not
re-implemented. Money is handled in whole cents and every score with Python integers, as the models do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

import pandas as pd

from segmentation.project_vars import var_default

T = TypeVar("T")

_PERIOD_FREQ: dict[str, str] = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q-DEC"}

HEALTH_COMPONENTS = ("usage", "recency", "frequency", "revenue_trend", "refunds")


def _from_project(name: str, kind: type[T]) -> T:
    """A dataclass field whose default is var ``name``'s in dbt_project.yml, read when the params are made."""
    return field(default_factory=lambda: var_default(name, kind))


def _health_weights() -> dict[str, float]:
    # A copy: the defaults are cached and shared.
    return {key: float(weight) for key, weight in var_default("health_weights", dict).items()}


def _health_band_minimums() -> tuple[int, int, int, int]:
    names = ("champions", "healthy", "neutral", "at_risk")
    first, second, third, fourth = (var_default(f"health_{name}_min_score", int) for name in names)
    return first, second, third, fourth


@dataclass(frozen=True)
class FamilyParams:
    """The project's vars; each default is read from dbt_project.yml."""

    grain: str = _from_project("rfm_grain", str)
    core_action_event: str = _from_project("core_action_event", str)
    events_enabled: bool = _from_project("events_enabled", bool)
    behaviour_window_days: int = _from_project("behaviour_window_days", int)
    power_user_min_core_actions: int = _from_project("behaviour_power_user_min_core_actions", int)
    power_user_min_active_weeks: int = _from_project("behaviour_power_user_min_active_weeks", int)
    engaged_min_core_actions: int = _from_project("behaviour_engaged_min_core_actions", int)
    trialing_min_core_actions: int = _from_project("behaviour_trialing_min_core_actions", int)
    top_usage_share: float = _from_project("behaviour_top_usage_share", float)
    adopting_days: int = _from_project("lifecycle_adopting_days", int)
    established_days: int = _from_project("lifecycle_established_days", int)
    mature_days: int = _from_project("lifecycle_mature_days", int)
    at_risk_days: int = _from_project("lifecycle_at_risk_days", int)
    churned_days: int = _from_project("lifecycle_churned_days", int)
    value_window_months: int = _from_project("value_window_months", int)
    smb_min_revenue: int = _from_project("value_smb_min_revenue", int)
    mid_market_min_revenue: int = _from_project("value_mid_market_min_revenue", int)
    enterprise_min_revenue: int = _from_project("value_enterprise_min_revenue", int)
    health_trend_days: int = _from_project("health_trend_days", int)
    health_weights: dict[str, float] = field(default_factory=_health_weights)
    # Champions, Healthy, Neutral and At risk minimums, highest first.
    health_band_minimums: tuple[int, int, int, int] = field(default_factory=_health_band_minimums)


def _day(timestamps: pd.Series) -> pd.Series:
    return pd.to_datetime(timestamps).dt.normalize()


def _cents(amount: pd.Series) -> pd.Series:
    return (pd.to_numeric(amount).astype("float64") * 100).round().astype("int64")


def _periods(first_day: pd.Timestamp, as_of: pd.Timestamp, grain: str) -> pd.DataFrame:
    periods = pd.period_range(first_day, as_of, freq=_PERIOD_FREQ[grain])
    snapshot = periods.end_time.normalize()
    return pd.DataFrame(
        {"snapshot_date": snapshot, "as_of_date": snapshot.where(snapshot <= as_of, as_of)}
    ).reset_index(drop=True)


def _behaviour_segment(core: pd.Series, weeks: pd.Series, p: FamilyParams) -> pd.Series:
    segment = pd.Series("Dormant", index=core.index)
    segment[core >= p.trialing_min_core_actions] = "Trialing"
    segment[core >= p.engaged_min_core_actions] = "Engaged"
    segment[(core >= p.power_user_min_core_actions) & (weeks >= p.power_user_min_active_weeks)] = "Power user"
    return segment


def _lifecycle(tenure: pd.Series, inactive: pd.Series, p: FamilyParams) -> tuple[pd.Series, pd.Series]:
    stage = pd.Series("Onboarding", index=tenure.index)
    stage[tenure >= p.adopting_days] = "Adopting"
    stage[tenure >= p.established_days] = "Established"
    stage[tenure >= p.mature_days] = "Mature"
    status = pd.Series("Active", index=tenure.index)
    status[inactive >= p.at_risk_days] = "At risk"
    status[inactive >= p.churned_days] = "Churned"
    status[tenure < p.adopting_days] = "New"
    return stage, status


def _value_band(revenue_cents: pd.Series, p: FamilyParams) -> pd.Series:
    band = pd.Series("Self-serve", index=revenue_cents.index)
    band[revenue_cents >= p.smb_min_revenue * 100] = "SMB"
    band[revenue_cents >= p.mid_market_min_revenue * 100] = "Mid-market"
    band[revenue_cents >= p.enterprise_min_revenue * 100] = "Enterprise"
    return band


def _percent(part: int, whole: int) -> int:
    return (100 * part) // whole


def _health_row(row: pd.Series, p: FamilyParams) -> dict[str, int | None]:
    usage = _percent(min(row.core_actions_30d, p.power_user_min_core_actions), p.power_user_min_core_actions)
    frequency = _percent(
        min(row.active_weeks_30d, p.power_user_min_active_weeks), p.power_user_min_active_weeks
    )
    recency = _percent(max(p.churned_days - row.days_since_last_activity, 0), p.churned_days)
    recent, previous = max(row.recent_cents, 0), max(row.previous_cents, 0)
    trend = 50 if recent + previous == 0 else _percent(recent, recent + previous)
    gross, refunded = row.gross_cents, row.refunded_cents
    if gross == 0 and refunded == 0:
        refunds = 50
    elif refunded >= gross:
        refunds = 0
    else:
        refunds = _percent(gross - refunded, gross)
    scores = {
        "usage": usage,
        "recency": recency,
        "frequency": frequency,
        "revenue_trend": trend,
        "refunds": refunds,
    }
    weights = {c: round(p.health_weights.get(c, 0) * 1000) for c in HEALTH_COMPONENTS}
    if not p.events_enabled:
        weights["usage"] = weights["frequency"] = 0
    total = sum(weights.values())
    weighted = sum(weights[c] * scores[c] for c in HEALTH_COMPONENTS)
    health = (2 * weighted + total) // (2 * total)
    return {
        "usage_score": usage if p.events_enabled else None,
        "frequency_score": frequency if p.events_enabled else None,
        "recency_score": recency,
        "revenue_trend_score": trend,
        "refund_score": refunds,
        "health_score": health,
    }


def _health_band(score: pd.Series, p: FamilyParams) -> pd.Series:
    champions, healthy, neutral, at_risk = p.health_band_minimums
    band = pd.Series("Critical", index=score.index)
    band[score >= at_risk] = "At-risk"
    band[score >= neutral] = "Neutral"
    band[score >= healthy] = "Healthy"
    band[score >= champions] = "Champions"
    return band


def family_history(
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    events: pd.DataFrame | None,
    params: FamilyParams | None = None,
    as_of_date: date | None = None,
) -> pd.DataFrame:
    """One row per customer per snapshot with every family's metrics, segments and scores.

    ``customers`` needs customer_id and created_at; ``orders`` customer_id, ordered_at, amount, status;
    ``events`` customer_id, event_name, occurred_at (None without events).
    """
    p = params or FamilyParams()
    orders = orders.assign(day=_day(orders["ordered_at"]), cents=_cents(orders["amount"]))
    as_of = pd.Timestamp(as_of_date) if as_of_date else orders["day"].max()
    orders = orders[orders["status"].isin(["completed", "refunded"]) & (orders["day"] <= as_of)]
    completed = orders[orders["status"] == "completed"]
    if events is None or not p.events_enabled:
        events = pd.DataFrame(
            {
                "customer_id": customers["customer_id"].iloc[:0],
                "day": pd.to_datetime(pd.Series([], dtype="object")),
                "is_core": pd.Series([], dtype="bool"),
            }
        )
    else:
        events = events.assign(
            day=_day(events["occurred_at"]),
            is_core=events["event_name"].str.strip().str.lower() == p.core_action_event.lower(),
        )
        events = events[events["day"] <= as_of]
    events = events.assign(week=events["day"] - pd.to_timedelta(events["day"].dt.day_of_week, unit="D"))

    starts = (
        pd.concat(
            [
                customers.dropna(subset=["created_at"]).assign(day=lambda f: _day(f["created_at"]))[
                    ["customer_id", "day"]
                ],
                orders[["customer_id", "day"]],
                events[["customer_id", "day"]],
            ]
        )
        .groupby("customer_id")["day"]
        .min()
    )

    frames = []
    for period in _periods(completed["day"].min(), as_of, p.grain).itertuples():
        a = period.as_of_date
        grid = pd.DataFrame({"customer_since_date": starts[starts <= a]})
        window = events[
            (events["day"] > a - pd.Timedelta(days=p.behaviour_window_days)) & (events["day"] <= a)
        ]
        by_customer = window.groupby("customer_id")
        grid["events_30d"] = by_customer.size()
        grid["core_actions_30d"] = by_customer["is_core"].sum()
        grid["active_weeks_30d"] = by_customer["week"].nunique()
        seen_events = events[events["day"] <= a]
        grid["last_event_date"] = seen_events.groupby("customer_id")["day"].max()
        active_days = pd.concat([seen_events[["customer_id", "day"]], completed[completed["day"] <= a]])
        grid["last_activity_date"] = active_days.groupby("customer_id")["day"].max()

        value_start = a - pd.DateOffset(months=p.value_window_months)
        in_value = orders[(orders["day"] > value_start) & (orders["day"] <= a)]
        grid["revenue_cents"] = in_value.groupby("customer_id")["cents"].sum()
        grid["gross_cents"] = (
            in_value[in_value["status"] == "completed"].groupby("customer_id")["cents"].sum()
        )
        grid["refunded_cents"] = (
            -in_value[in_value["status"] == "refunded"].groupby("customer_id")["cents"].sum()
        )
        trend = pd.Timedelta(days=p.health_trend_days)
        recent = orders[(orders["day"] > a - trend) & (orders["day"] <= a)]
        previous = orders[(orders["day"] > a - 2 * trend) & (orders["day"] <= a - trend)]
        grid["recent_cents"] = recent.groupby("customer_id")["cents"].sum()
        grid["previous_cents"] = previous.groupby("customer_id")["cents"].sum()

        counts = ["events_30d", "core_actions_30d", "active_weeks_30d"]
        money = ["revenue_cents", "gross_cents", "refunded_cents", "recent_cents", "previous_cents"]
        grid[counts + money] = grid[counts + money].fillna(0).astype("int64")
        grid["snapshot_date"] = period.snapshot_date
        grid["as_of_date"] = a
        frames.append(grid.rename_axis("customer_id").reset_index())

    history = pd.concat(frames, ignore_index=True)
    return _segment(history, p)


def _segment(history: pd.DataFrame, p: FamilyParams) -> pd.DataFrame:
    history["tenure_days"] = (history["as_of_date"] - history["customer_since_date"]).dt.days
    since = history["last_activity_date"].fillna(history["customer_since_date"])
    history["days_since_last_activity"] = (history["as_of_date"] - since).dt.days

    history["behaviour_segment"] = _behaviour_segment(
        history["core_actions_30d"], history["active_weeks_30d"], p
    )
    by_snapshot = history.groupby("snapshot_date")["core_actions_30d"]
    history["usage_rank"] = by_snapshot.rank(method="min", ascending=False).astype("int64")
    snapshot_customers = by_snapshot.transform("size")
    # Exact: fewer than share x customers rank above, compared in integers (share as a fraction of 10**6).
    share = round(p.top_usage_share * 10**6)
    history["is_top_usage"] = (history["core_actions_30d"] > 0) & (
        (history["usage_rank"] - 1) * 10**6 < share * snapshot_customers
    )
    history["lifecycle_stage"], history["activity_status"] = _lifecycle(
        history["tenure_days"], history["days_since_last_activity"], p
    )
    history["value_band"] = _value_band(history["revenue_cents"], p)
    health = pd.DataFrame([_health_row(row, p) for row in history.itertuples()], index=history.index)
    history = pd.concat([history, health], axis=1)
    history["health_band"] = _health_band(history["health_score"], p)
    history["customer_id"] = history["customer_id"].astype(str)
    return history.sort_values(["customer_id", "snapshot_date"]).reset_index(drop=True)


def load_raw_from_duckdb(path: str, schema: str = "raw") -> tuple[pd.DataFrame, ...]:
    """Read customers, orders and (when present) events from a DuckDB file."""
    import duckdb  # local import: only this helper needs the driver

    with duckdb.connect(path) as con:
        customers = con.execute(f'select customer_id, created_at from "{schema}".customers').df()
        orders = con.execute(f'select customer_id, ordered_at, amount, status from "{schema}".orders').df()
        (has_events,) = con.execute(
            "select count(*) from information_schema.tables where table_schema = ? and table_name = 'events'",
            [schema],
        ).fetchone()
        events = (
            con.execute(f'select customer_id, event_name, occurred_at from "{schema}".events').df()
            if has_events
            else None
        )
    return customers, orders, events
