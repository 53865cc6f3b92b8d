"""Product events for the sample customers: what they do in the product, day by day.

Events drive the behavioural, lifecycle and health segments, so they follow the orders: a customer uses the
product from sign-up, and one whose orders stopped long before the end of the data stops using it soon after
their last order. Each random customer gets an engagement profile (power, engaged, light or sporadic user)
and a share of customers still active at the end cools down over the last two months, so segments move.

Planted behaviour, for tests (``PLANTED_BEHAVIOUR``): customers 1..5 keep their planted orders and get a fixed
event schedule, and the newest random customer is planted as a fresh trial. Everything random flows from
``seed`` through its own numpy stream, so the orders of the same seed never change.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from segmentation.generator import RawData

CORE_ACTION = "core_action"
OTHER_EVENTS = ("page_view", "feature_used", "export", "invite_sent", "settings_changed")
OTHER_EVENT_WEIGHTS = np.array([0.45, 0.30, 0.12, 0.08, 0.05])
LOGIN = "login"
EVENT_NAMES = (CORE_ACTION, LOGIN, *OTHER_EVENTS)

PLANTED_BEHAVIOUR: dict[int, str] = {
    1: "power_user",
    2: "signed_up_and_left",
    3: "engaged_then_lapsed",
    4: "light_user",
    5: "engaged_then_cooling",
}
TRIAL_BEHAVIOUR = "new_trial"

DAY = 86_400
# The generator's own stream count is 6; the events draw from the next child of the same SeedSequence.
EVENTS_STREAM = 6
# A customer whose last completed order is this old is treated as churned from the product too.
CHURNED_AFTER_DAYS = 120
COOLING_SHARE = 0.12
COOLING_DAYS = 60

# profile -> (share of customers, chance of using the product on a given day, mean core actions per
# active day, mean extra events per active day besides the login)
PROFILES: dict[str, tuple[float, float, float, float]] = {
    "power": (0.10, 0.70, 2.4, 0.8),
    "engaged": (0.38, 0.28, 1.0, 0.5),
    "light": (0.34, 0.07, 0.5, 0.3),
    "sporadic": (0.18, 0.015, 0.4, 0.2),
}

EVENT_COLUMNS = ("event_id", "customer_id", "event_name", "occurred_at")


@dataclass(frozen=True)
class _ActiveDays:
    """One row per customer and day of product use."""

    customer_id: np.ndarray
    day: np.ndarray
    core_actions: np.ndarray
    other_events: np.ndarray


def _epoch_days(timestamps: pd.Series) -> np.ndarray:
    return timestamps.to_numpy(dtype="datetime64[D]").astype("int64")


def _weekday(day: np.ndarray) -> np.ndarray:
    return (day + 3) % 7  # 0 = Monday; 1970-01-01 was a Thursday


def _last_completed_order_day(raw: RawData, customer_ids: np.ndarray) -> np.ndarray:
    completed = raw.orders[raw.orders["status"] == "completed"]
    last = completed.groupby("customer_id")["ordered_at"].max()
    days = pd.Series(_epoch_days(last), index=last.index)
    return days.reindex(customer_ids).fillna(-1).to_numpy(dtype="int64")


def _usage_windows(
    rng: np.random.Generator, created_day: np.ndarray, last_order_day: np.ndarray, end_day: int
) -> np.ndarray:
    """Last day of product use per customer: the end of the data, or soon after they stopped buying."""
    n = created_day.size
    tail = rng.integers(0, 46, n)
    stopped_buying = (last_order_day >= 0) & (last_order_day < end_day - CHURNED_AFTER_DAYS)
    # Customers who never bought are free users; most drift away within a few months.
    never_bought = last_order_day < 0
    free_user_leaves = never_bought & (rng.random(n) < 0.6)
    free_user_end = created_day + rng.exponential(60.0, n).astype("int64")
    last_day = np.where(stopped_buying, last_order_day + tail, end_day)
    last_day = np.where(free_user_leaves, free_user_end, last_day)
    return np.clip(last_day, created_day, end_day)


def _random_active_days(
    rng: np.random.Generator, customer_ids: np.ndarray, created_day: np.ndarray, last_day: np.ndarray,
    end_day: int,
) -> _ActiveDays:  # fmt: skip
    n = customer_ids.size
    names = list(PROFILES)
    shares = np.array([PROFILES[p][0] for p in names])
    profile = rng.choice(len(names), n, p=shares / shares.sum())
    day_chance = np.array([PROFILES[p][1] for p in names])[profile] * rng.lognormal(0.0, 0.25, n)
    core_mean = np.array([PROFILES[p][2] for p in names])[profile] * rng.lognormal(0.0, 0.2, n)
    other_mean = np.array([PROFILES[p][3] for p in names])[profile]

    span = last_day - created_day + 1
    counts = rng.binomial(span, np.clip(day_chance, 0.0, 0.95))
    owner = np.repeat(np.arange(n), counts)
    day = created_day[owner] + (rng.random(owner.size) * span[owner]).astype("int64")
    # Weekend use is lighter: most weekend days move to the Friday before, when that is still in range.
    friday = day - (_weekday(day) - 4)
    to_friday = (_weekday(day) >= 5) & (rng.random(owner.size) < 0.6) & (friday >= created_day[owner])
    day = np.where(to_friday, friday, day)
    # Cooling customers keep only some of their last two months.
    cooling = (rng.random(n) < COOLING_SHARE) & (last_day == end_day)
    dropped = cooling[owner] & (day > end_day - COOLING_DAYS) & (rng.random(owner.size) < 0.75)
    owner, day = owner[~dropped], day[~dropped]
    # A day drawn twice is one active day.
    key = np.unique(owner.astype("int64") * (end_day + 2) + day)
    owner, day = key // (end_day + 2), key % (end_day + 2)
    return _ActiveDays(
        customer_id=customer_ids[owner],
        day=day,
        core_actions=rng.poisson(core_mean[owner]),
        other_events=rng.poisson(other_mean[owner]),
    )


def _schedule(customer_id: int, days: np.ndarray, core_actions: int | np.ndarray) -> _ActiveDays:
    days = np.asarray(days, dtype="int64")
    return _ActiveDays(
        customer_id=np.full(days.size, customer_id, dtype="int64"),
        day=days,
        core_actions=np.broadcast_to(core_actions, days.shape).astype("int64"),
        other_events=np.zeros(days.size, dtype="int64"),
    )


def _every(first_day: int, last_day: int, weekdays: tuple[int, ...]) -> np.ndarray:
    days = np.arange(first_day, last_day + 1)
    return days[np.isin(_weekday(days), weekdays)]


def _planted_active_days(
    created_day: dict[int, int], last_order_day: dict[int, int], end: int
) -> list[_ActiveDays]:
    """Fixed schedules (one login plus the given core actions on each listed day) for customers 1..5."""
    blocks: list[_ActiveDays] = []
    if 1 in created_day:
        # Power user: three core actions every day of the span.
        blocks.append(_schedule(1, np.arange(created_day[1], end + 1), 3))
    if 2 in created_day:
        # Signed up, tried twice on the first day, looked once more the next day, never came back.
        start = created_day[2]
        blocks.append(_schedule(2, np.array([start, start + 1]), np.array([2, 0])))
    if 3 in created_day:
        # Engaged twice a week (Tuesday, Thursday) until the last order, then gone.
        blocks.append(_schedule(3, _every(created_day[3], last_order_day[3], (1, 3)), 1))
    if 4 in created_day:
        # Light user: one core action every tenth day, the last two days before the end.
        days = np.arange(end - 2, created_day[4] - 1, -10)[::-1]
        blocks.append(_schedule(4, days, 1))
    if 5 in created_day:
        # Engaged on Monday, Wednesday and Friday until five weeks before the end, then cooling: one core
        # action two and four weeks before the end, and only logins in between.
        engaged = _every(created_day[5], end - 35, (0, 2, 4))
        cooling = np.array([end - 28, end - 21, end - 14, end - 7])
        blocks.append(_schedule(5, np.concatenate([engaged, cooling]), np.concatenate(
            [np.ones(engaged.size, dtype="int64"), np.array([1, 0, 1, 0])]
        )))  # fmt: skip
    return blocks


def _trial_active_days(customer_id: int, created_day: int, end: int) -> _ActiveDays:
    """A fresh trial: two core actions on the sign-up day and one two days later."""
    days = np.array([created_day, created_day + 2])
    days = days[days <= end]
    return _schedule(customer_id, days, np.array([2, 1])[: days.size])


def _concat(blocks: list[_ActiveDays]) -> _ActiveDays:
    return _ActiveDays(
        **{f: np.concatenate([getattr(b, f) for b in blocks]) for f in _ActiveDays.__dataclass_fields__}
    )


def _expand(rng: np.random.Generator, active: _ActiveDays, created_ts: pd.Series) -> pd.DataFrame:
    """One row per event: a login, the core actions and the other events of each active day."""
    per_day = 1 + active.core_actions + active.other_events
    row_day = np.repeat(np.arange(per_day.size), per_day)
    position = np.arange(row_day.size) - np.repeat(np.cumsum(per_day) - per_day, per_day)
    is_core = (position >= 1) & (position <= active.core_actions[row_day])
    is_login = position == 0
    other = rng.choice(len(OTHER_EVENTS), row_day.size, p=OTHER_EVENT_WEIGHTS)
    name_code = np.where(is_login, 1, np.where(is_core, 0, 2 + other))

    customer_id = active.customer_id[row_day]
    day = active.day[row_day]
    ts = day * DAY + rng.integers(7 * 3600, 23 * 3600, row_day.size)
    created = created_ts.reindex(customer_id).to_numpy(dtype="int64")
    # Nothing happens before sign-up: same-day events before it move to just after.
    ts = np.where(ts <= created, created + rng.integers(60, 1800, ts.size), ts)
    ts = np.minimum(ts, day * DAY + DAY - 1)
    # Event ids grow with time, as a tracking pipeline would assign them.
    order = np.lexsort((name_code, customer_id, ts))
    return pd.DataFrame(
        {
            "event_id": np.arange(1, order.size + 1, dtype="int64"),
            "customer_id": customer_id[order].astype("int64"),
            "event_name": pd.Series(pd.Categorical.from_codes(name_code[order], EVENT_NAMES)).astype("str"),
            "occurred_at": ts[order].astype("datetime64[s]").astype("datetime64[us]"),
        }
    )


def generate_events(raw: RawData, seed: int, end_date: date | None = None) -> pd.DataFrame:
    """Product events (event_id, customer_id, event_name, occurred_at) for the customers of ``raw``.

    ``end_date`` defaults to the date of the latest order; no event is after it. Same raw data and seed give
    an identical frame.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(EVENTS_STREAM + 1)[EVENTS_STREAM])
    customers = raw.customers[["customer_id", "created_at"]].dropna()
    customer_ids = customers["customer_id"].to_numpy(dtype="int64")
    created_ts = pd.Series(
        customers["created_at"].to_numpy(dtype="datetime64[s]").astype("int64"), index=customer_ids
    )
    created_day = created_ts.to_numpy() // DAY
    end_day = int(
        (np.datetime64(end_date, "D") if end_date else raw.orders["ordered_at"].max().to_datetime64())
        .astype("datetime64[D]")
        .astype("int64")
    )
    last_order_day = _last_completed_order_day(raw, customer_ids)

    signed_up = created_day <= end_day
    planted = np.isin(customer_ids, list(PLANTED_BEHAVIOUR)) & signed_up
    trial = np.isin(customer_ids, [trial_customer_id(raw)]) & signed_up
    blocks = _planted_active_days(
        dict(zip(customer_ids[planted].tolist(), created_day[planted].tolist(), strict=True)),
        dict(zip(customer_ids[planted].tolist(), last_order_day[planted].tolist(), strict=True)),
        end_day,
    )
    blocks += [_trial_active_days(int(c), int(d), end_day) for c, d in zip(
        customer_ids[trial], created_day[trial], strict=True
    )]  # fmt: skip
    random = signed_up & ~planted & ~trial
    if random.any():
        last_day = _usage_windows(rng, created_day[random], last_order_day[random], end_day)
        blocks.append(_random_active_days(rng, customer_ids[random], created_day[random], last_day, end_day))
    if not blocks:
        return pd.DataFrame({column: pd.Series(dtype="object") for column in EVENT_COLUMNS})
    return _expand(rng, _concat(blocks), created_ts)


def trial_customer_id(raw: RawData) -> int | None:
    """The customer planted as a fresh trial: the most recently created random customer."""
    random = raw.customers[~raw.customers["customer_id"].isin(list(PLANTED_BEHAVIOUR))]
    if random.empty:
        return None
    return int(random.sort_values(["created_at", "customer_id"]).iloc[-1]["customer_id"])
