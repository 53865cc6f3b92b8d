"""Independent pandas/numpy implementation of the point-in-time historical RFM model.

It is written from the written specification only, never from the dbt SQL, so that the
row-for-row comparison test checks two independent implementations against each other.
It also serves as the "pandas implementation" in the performance benchmark, hence the
vectorised design:

* orders are aggregated to one row per (customer, day) and turned into running totals;
* any "total through day x" question is answered with one ``searchsorted`` on a sorted
  ``customer * span + day`` key, so a window total is ``cum(as_of) - cum(window_start)``;
* the customer x period grid is built with ``np.repeat`` from each customer's first period;
* ranks and tiles come from one sort of a combined ``(period, value)`` key over the grid.

Dates are handled internally as int64 day numbers (days since 1970-01-01) and money as
int64 cents, so every sum and comparison is exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from datetime import date
from itertools import product
from typing import Literal, cast

import numpy as np
import pandas as pd

from segmentation.project_vars import default_rfm_buckets, var_default

Grain = Literal["day", "week", "month", "quarter"]
ScoreMethod = Literal["percent_rank", "ntile", "thresholds"]
Population = Literal["active", "all"]
# Measure each fixed-break dimension is compared on (monetary in cents, so the comparison stays exact).
_BREAK_MEASURES: dict[str, str] = {
    "recency": "recency_days",
    "frequency": "frequency",
    "monetary": "monetary_cents",
}

# Pandas period frequencies whose calendar periods match the spec; "W-SUN" is the
# week *ending* on Sunday, i.e. the ISO week starting on Monday.
_PERIOD_FREQ: dict[str, str] = {"day": "D", "week": "W-SUN", "month": "M", "quarter": "Q-DEC"}

OUTPUT_COLUMNS: list[str] = [
    "customer_id",
    "snapshot_date",
    "as_of_date",
    "last_order_date",
    "recency_days",
    "frequency",
    "monetary_cents",
    "monetary",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "rfm_code",
]

_DATE_DTYPE = "datetime64[ns]"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# --------------------------------------------------------------------------- loading


def load_orders_from_duckdb(path: str, schema: str = "raw") -> pd.DataFrame:
    """Read ``<schema>.orders`` from a DuckDB file, with ids cast to ``str``."""
    import duckdb  # local import: only this helper needs the driver

    if not _IDENTIFIER.match(schema):
        # The schema name is interpolated into SQL, so refuse anything but a plain identifier.
        raise ValueError(f"invalid schema name: {schema!r}")
    # Not read_only: after an in-process dbt run, dbt-duckdb still holds a read-write connection to the
    # file and DuckDB refuses a second one with a different configuration.
    with duckdb.connect(path) as con:
        orders = con.execute(
            f"select order_id, customer_id, ordered_at, amount, status from {schema}.orders"
        ).df()
    orders["order_id"] = orders["order_id"].astype(str)
    orders["customer_id"] = orders["customer_id"].astype(str)
    return orders


# ------------------------------------------------------------------------ conversion


def _to_cents(amount: pd.Series) -> np.ndarray:
    """Amounts (Decimal objects or floats with 2 dp) as exact int64 cents.

    A DECIMAL(12,2) value is below 1e10, so float64 represents amount*100 to within far
    less than half a cent and rounding recovers the exact cent value.
    """
    return np.rint(amount.astype("float64").to_numpy() * 100.0).astype(np.int64)


def _to_day_numbers(timestamps: pd.Series) -> np.ndarray:
    """Timestamps as int64 days since 1970-01-01 (time of day dropped)."""
    values = pd.to_datetime(timestamps).to_numpy(dtype="datetime64[ns]")
    return values.astype("datetime64[D]").astype(np.int64)


def _day_number(value: date | str | pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def _days_to_dates(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype(_DATE_DTYPE)


@dataclass(frozen=True)
class _Orders:
    """Orders on or before the as-of day, as parallel numpy arrays."""

    customer: np.ndarray  # int64 code; code order == customer_id string order
    day: np.ndarray  # int64 day number
    cents: np.ndarray  # int64
    completed: np.ndarray  # bool
    counts_in_revenue: np.ndarray  # bool: completed or refunded (cancelled counts nowhere)
    customer_ids: pd.Index  # code -> customer_id


def _prepare_orders(orders: pd.DataFrame, day: np.ndarray, as_of_day: int) -> _Orders:
    """Drop orders after the as-of day and encode the rest as arrays."""
    keep = day <= as_of_day
    status = orders["status"].to_numpy(dtype=object)[keep]
    completed = status == "completed"
    # A sorted factorisation makes code order equal customer_id string order, which is
    # both the output order and NTILE's tie-break order.
    codes, customer_ids = pd.factorize(orders["customer_id"].astype(str)[keep], sort=True)
    return _Orders(
        customer=codes.astype(np.int64),
        day=day[keep],
        cents=_to_cents(orders["amount"])[keep],
        completed=completed,
        counts_in_revenue=completed | (status == "refunded"),
        customer_ids=customer_ids,
    )


def _first_completed_day(orders: _Orders) -> tuple[np.ndarray, np.ndarray]:
    """Per customer code: earliest completed order day, and whether there is one."""
    sentinel = np.iinfo(np.int64).max
    first = np.full(len(orders.customer_ids), sentinel, dtype=np.int64)
    np.minimum.at(first, orders.customer[orders.completed], orders.day[orders.completed])
    return first, first != sentinel


# ------------------------------------------------------------------ running totals


@dataclass(frozen=True)
class _KeySpace:
    """Encodes (customer, day) as one sortable int64: ``customer * span + offset(day)``.

    Offset 0 stands for "before any order", so days before ``first_day`` (including the
    unbounded window start) clip to it; every order day gets an offset >= 1. Because all
    of a customer's keys lie in ``[customer * span, (customer + 1) * span)``, a
    ``searchsorted`` for a customer's key never lands past that customer's block.
    """

    first_day: int
    span: int

    @classmethod
    def covering(cls, first_day: int, last_day: int) -> _KeySpace:
        return cls(first_day=first_day, span=last_day - first_day + 2)

    def key(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        offset = np.clip(day - self.first_day + 1, 0, self.span - 1)
        return customer * self.span + offset

    def day(self, key: np.ndarray) -> np.ndarray:
        return key % self.span + self.first_day - 1


@dataclass(frozen=True)
class _RunningTotals:
    """Per-customer running totals over days, answerable for any (customer, day).

    The cumulative sums run over all customers' day rows, not per customer; since the
    lookups for one customer stay inside that customer's key block, the difference of two
    lookups is exactly that customer's rows in between.
    """

    space: _KeySpace
    keys: np.ndarray  # sorted, one per (customer, day) with a completed or refunded order
    completed_keys: np.ndarray  # the subset of keys with at least one completed order
    cum_count: np.ndarray  # completed orders, with a leading 0 for "nothing yet"
    cum_cents: np.ndarray  # net revenue cents, with a leading 0

    def through(self, customer: np.ndarray, day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(completed order count, net cents) over each customer's rows dated <= day."""
        idx = np.searchsorted(self.keys, self.space.key(customer, day), side="right")
        return self.cum_count[idx], self.cum_cents[idx]

    def last_completed_day(self, customer: np.ndarray, day: np.ndarray) -> np.ndarray:
        """Each customer's latest completed order day <= day.

        Only valid on or after the customer's first completed order (always true on the
        grid), so the key found always belongs to that same customer.
        """
        idx = np.searchsorted(self.completed_keys, self.space.key(customer, day), side="right") - 1
        return self.space.day(self.completed_keys[idx])


def _running_totals(orders: _Orders, space: _KeySpace) -> _RunningTotals:
    relevant = orders.counts_in_revenue
    frame = pd.DataFrame(
        {
            "key": space.key(orders.customer[relevant], orders.day[relevant]),
            "count": orders.completed[relevant].astype(np.int64),
            "cents": orders.cents[relevant],
        }
    )
    daily = frame.groupby("key", sort=True).sum()
    keys = daily.index.to_numpy(dtype=np.int64)
    count = daily["count"].to_numpy()
    zero = np.zeros(1, dtype=np.int64)
    return _RunningTotals(
        space=space,
        keys=keys,
        completed_keys=keys[count > 0],
        cum_count=np.concatenate([zero, np.cumsum(count)]),
        cum_cents=np.concatenate([zero, np.cumsum(daily["cents"].to_numpy())]),
    )


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class _Periods:
    snapshot_day: np.ndarray  # last day of each period
    as_of_day: np.ndarray  # min(snapshot_day, data as-of day)
    window_start_day: np.ndarray  # exclusive lower bound of the window


def _periods(first_day: int, as_of_day: int, grain: Grain, window_months: int) -> _Periods:
    first, last = _days_to_dates(np.array([first_day, as_of_day]))
    index = pd.period_range(start=first, end=last, freq=_PERIOD_FREQ[grain])
    snapshot_day = _to_day_numbers(pd.Series(index.end_time))
    period_as_of = np.minimum(snapshot_day, as_of_day)
    return _Periods(snapshot_day, period_as_of, _window_starts(period_as_of, window_months))


def _window_starts(as_of_days: np.ndarray, window_months: int) -> np.ndarray:
    """as_of - window_months calendar months, clamped to month end like DateOffset.

    window_months == 0 means no lower bound; a day before any order stands in for -inf.
    """
    if window_months == 0:
        return np.full_like(as_of_days, np.iinfo(np.int32).min)
    offset = pd.DateOffset(months=window_months)
    # One subtraction per period (not per row); the clamping rule is DateOffset's own.
    starts = [pd.Timestamp(d) - offset for d in _days_to_dates(as_of_days)]
    return _to_day_numbers(pd.Series(starts))


# ------------------------------------------------------------------------------ grid


def _customer_period_grid(first_period: np.ndarray, n_periods: int) -> tuple[np.ndarray, np.ndarray]:
    """(customer code, period index) for every customer from its first period onward.

    Customer-major: sorted by customer, then period, so lookups keyed on
    (customer, day) arrive in ascending key order, which keeps searchsorted cache-friendly.
    """
    counts = n_periods - first_period
    customer = np.repeat(np.arange(len(first_period), dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    period = np.arange(len(customer), dtype=np.int64) - np.repeat(starts - first_period, counts)
    return customer, period


def _period_major_order(period: np.ndarray, n_periods: int) -> np.ndarray:
    """Stable permutation from customer-major to (period, customer) output order."""
    # Small unsigned keys let numpy's stable argsort use radix sort.
    small = period.astype(np.uint16) if n_periods <= np.iinfo(np.uint16).max else period
    return np.argsort(small, kind="stable")


# --------------------------------------------------------------------------- scoring


def _order_within_periods(period: np.ndarray, value: np.ndarray, stable: bool) -> np.ndarray:
    """Permutation sorting rows by (period, value); stable keeps input order among ties."""
    low, high = int(value.min()), int(value.max())
    span = high - low + 1
    if (int(period.max()) + 1) * span < 2**62:
        # One int64 key sorts several times faster than lexsort on two keys.
        return np.argsort(period * span + (value - low), kind="stable" if stable else "quicksort")
    return np.lexsort((value, period))


def _tie_starts(sorted_period: np.ndarray, sorted_value: np.ndarray) -> np.ndarray:
    """For each sorted row, the position of the first row with the same (period, value)."""
    boundary = np.ones(len(sorted_value), dtype=bool)
    boundary[1:] = (sorted_period[1:] != sorted_period[:-1]) | (sorted_value[1:] != sorted_value[:-1])
    positions = np.arange(len(sorted_value), dtype=np.int64)
    return np.maximum.accumulate(np.where(boundary, positions, 0))


def _percent_rank(period: np.ndarray, value: np.ndarray, period_start: np.ndarray) -> np.ndarray:
    """SQL PERCENT_RANK() over value ascending, partitioned by period."""
    order = _order_within_periods(period, value, stable=False)
    sorted_period = period[order]
    rank_min = np.empty(len(order), dtype=np.int64)
    rank_min[order] = _tie_starts(sorted_period, value[order]) - period_start[sorted_period] + 1
    size = np.diff(period_start)[period]
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = (rank_min - 1).astype(np.float64) / (size - 1).astype(np.float64)
    return np.where(size == 1, 0.0, pct)


def _percent_rank_score(pct: np.ndarray, buckets: int) -> np.ndarray:
    # Evaluated exactly as specified (float64 multiply, then floor) so equal pct -> equal score.
    return np.minimum(buckets, 1 + np.floor(pct * buckets).astype(np.int64))


def _ntile(period: np.ndarray, value: np.ndarray, period_start: np.ndarray, buckets: int) -> np.ndarray:
    """SQL NTILE(buckets) over value ascending, partitioned by period.

    Rows must arrive sorted by (period, customer_id): the stable sort then breaks ties by
    customer_id as the spec requires.
    """
    order = _order_within_periods(period, value, stable=True)
    sorted_period = period[order]
    row = np.arange(len(order), dtype=np.int64) - period_start[sorted_period]  # 0-based
    size = np.diff(period_start)[sorted_period]
    small, remainder = np.divmod(size, buckets)
    # The first `remainder` tiles hold small + 1 rows, the remaining tiles `small` rows.
    large_rows = remainder * (small + 1)
    tile = np.where(
        row < large_rows,
        row // (small + 1),
        remainder + (row - large_rows) // np.maximum(small, 1),
    )
    tiles = np.empty(len(order), dtype=np.int64)
    tiles[order] = tile + 1
    return tiles


def _rfm_codes(
    recency: np.ndarray, frequency: np.ndarray, monetary: np.ndarray, buckets: int
) -> pd.api.extensions.ExtensionArray:
    """Concatenated score strings, looked up from a table of all buckets**3 codes."""
    scores = range(1, buckets + 1)
    # product() varies the last score fastest, matching the index arithmetic below.
    table = pd.array([f"{r}{f}{m}" for r, f, m in product(scores, repeat=3)], dtype="str")
    return table.take(((recency - 1) * buckets + (frequency - 1)) * buckets + (monetary - 1))


# ------------------------------------------------------------------------------ main


@dataclass(frozen=True)
class _Metrics:
    """Raw RFM metrics per grid row."""

    customer: np.ndarray
    period: np.ndarray
    as_of_day: np.ndarray
    last_day: np.ndarray
    recency_days: np.ndarray
    frequency: np.ndarray
    monetary_cents: np.ndarray

    def take(self, order: np.ndarray) -> _Metrics:
        return _Metrics(*(getattr(self, field.name)[order] for field in fields(self)))


def _metrics(orders: _Orders, periods: _Periods, first_period: np.ndarray, as_of_day: int) -> _Metrics:
    n_periods = len(periods.snapshot_day)
    customer, period = _customer_period_grid(first_period, n_periods)
    row_as_of = periods.as_of_day[period]
    totals = _running_totals(orders, _KeySpace.covering(int(orders.day.min()), as_of_day))
    count_now, cents_now = totals.through(customer, row_as_of)
    count_before, cents_before = totals.through(customer, periods.window_start_day[period])
    last_day = totals.last_completed_day(customer, row_as_of)
    metrics = _Metrics(
        customer=customer,
        period=period,
        as_of_day=row_as_of,
        last_day=last_day,
        recency_days=row_as_of - last_day,
        frequency=count_now - count_before,
        monetary_cents=cents_now - cents_before,
    )
    return metrics.take(_period_major_order(period, n_periods))


def _score(metrics: _Metrics, value: np.ndarray, buckets: int, score_method: ScoreMethod) -> np.ndarray:
    """Scores 1..buckets per snapshot for one metric where a higher ``value`` is better."""
    period_start = np.concatenate([[0], np.cumsum(np.bincount(metrics.period))])
    if score_method == "ntile":
        return _ntile(metrics.period, value, period_start, buckets)
    return _percent_rank_score(_percent_rank(metrics.period, value, period_start), buckets)


def read_score_breaks(path: str) -> pd.DataFrame:
    """Fixed score breaks (dimension, buckets, score, min_value, max_value) from a CSV such as the project's
    seed ``rfm_score_breaks.csv``: a value gets the score whose half-open range [min_value, max_value) holds
    it; an empty bound is open-ended (the project's seed writes open ends as the money type's limits)."""
    breaks = pd.read_csv(path, dtype={"dimension": str})
    return breaks[["dimension", "buckets", "score", "min_value", "max_value"]]


def _threshold_scores(value: np.ndarray, breaks: pd.DataFrame, dimension: str, buckets: int) -> np.ndarray:
    """Score per row from the fixed breaks of one dimension; every value must fall in exactly one range."""
    rows = breaks[(breaks["dimension"] == dimension) & (breaks["buckets"] == buckets)]
    if len(rows) != buckets:
        raise ValueError(f"breaks for {dimension}, {buckets} buckets: {len(rows)} rows, expected {buckets}")
    scale = 100 if dimension == "monetary" else 1
    scores = np.zeros(len(value), dtype=np.int64)
    for row in rows.itertuples():
        inside = np.ones(len(value), dtype=bool)
        if not pd.isna(row.min_value):
            inside &= value >= round(float(row.min_value) * scale)
        if not pd.isna(row.max_value):
            inside &= value < round(float(row.max_value) * scale)
        if (scores[inside] != 0).any():
            raise ValueError(f"breaks for {dimension} overlap")
        scores[inside] = int(row.score)
    if (scores == 0).any():
        raise ValueError(f"breaks for {dimension} leave values without a score")
    return scores


def _empty_result() -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in OUTPUT_COLUMNS})


def _validate(
    grain: str, window_months: int, buckets: int, score_method: str, population: str = "all"
) -> None:
    if population not in ("active", "all"):
        raise ValueError(f"population must be 'active' or 'all', got {population!r}")
    if grain not in _PERIOD_FREQ:
        raise ValueError(f"grain must be one of {sorted(_PERIOD_FREQ)}, got {grain!r}")
    if window_months < 0:
        raise ValueError("window_months must be >= 0")
    if buckets < 1:
        raise ValueError("buckets must be >= 1")
    if score_method not in ("percent_rank", "ntile", "thresholds"):
        allowed = "'percent_rank', 'ntile' or 'thresholds'"
        raise ValueError(f"score_method must be {allowed}, got {score_method!r}")


def rfm_history(
    orders: pd.DataFrame,
    grain: Grain | None = None,
    window_months: int | None = None,
    buckets: int | None = None,
    score_method: ScoreMethod | None = None,
    as_of_date: date | str | pd.Timestamp | None = None,
    population: Population | None = None,
    breaks: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Point-in-time RFM per customer and calendar period.

    ``grain``, ``window_months``, ``buckets``, ``score_method`` and ``population`` default (``None``) to
    the vars rfm_grain, rfm_window_months, rfm_buckets (the default scheme's count when null),
    rfm_score_method and rfm_score_population as dbt_project.yml sets them.
    ``orders`` needs customer_id, order_id, ordered_at, amount and status columns. The
    default ``as_of_date`` is the latest order date over all orders, whatever their status.
    ``population`` says who is scored in each snapshot: ``active`` only customers with a
    completed order in the window (the others keep their row and measures, with null scores
    and a null code), ``all`` every customer with history. ``score_method="thresholds"``
    scores by the fixed ``breaks`` (see ``read_score_breaks``) instead of ranking.
    Returns one row per (customer, period) from the customer's first completed order's
    period onward, sorted by snapshot_date then customer_id (see ``OUTPUT_COLUMNS``).
    """
    grain = grain or cast(Grain, var_default("rfm_grain", str))
    window_months = var_default("rfm_window_months", int) if window_months is None else window_months
    buckets = default_rfm_buckets() if buckets is None else buckets
    score_method = score_method or cast(ScoreMethod, var_default("rfm_score_method", str))
    population = population or cast(Population, var_default("rfm_score_population", str))
    _validate(grain, window_months, buckets, score_method, population)
    if score_method == "thresholds" and breaks is None:
        raise ValueError("score_method 'thresholds' needs breaks (see read_score_breaks)")
    if orders.empty:
        return _empty_result()
    order_day = _to_day_numbers(orders["ordered_at"])
    as_of_day = int(order_day.max()) if as_of_date is None else _day_number(as_of_date)
    prepared = _prepare_orders(orders, order_day, as_of_day)
    if not prepared.completed.any():
        return _empty_result()

    first_completed, has_completed = _first_completed_day(prepared)
    periods = _periods(int(first_completed[has_completed].min()), as_of_day, grain, window_months)
    # A customer's first period is the one containing its first completed order; customers
    # without one get first period == number of periods, i.e. no rows at all.
    first_period = np.where(
        has_completed,
        np.searchsorted(periods.snapshot_day, first_completed, side="left"),
        len(periods.snapshot_day),
    )
    metrics = _metrics(prepared, periods, first_period, as_of_day)

    # Only the scored population is ranked; the others keep null scores. Taking a subset keeps the
    # (period, customer_id) row order that NTILE's tie-break relies on.
    everyone = np.ones(len(metrics.customer), dtype=bool)
    in_population = everyone if population == "all" else metrics.frequency > 0
    scored = metrics.take(np.flatnonzero(in_population))
    if score_method == "thresholds":
        assert breaks is not None
        subset_scores = [
            _threshold_scores(getattr(scored, _BREAK_MEASURES[dimension]), breaks, dimension, buckets)
            for dimension in ("recency", "frequency", "monetary")
        ]
    elif len(scored.customer) == 0:
        subset_scores = [np.zeros(0, dtype=np.int64)] * 3
    else:
        # Recency is negated so that "higher value is better" holds for all three metrics.
        subset_scores = [
            _score(scored, -scored.recency_days, buckets, score_method),
            _score(scored, scored.frequency, buckets, score_method),
            _score(scored, scored.monetary_cents, buckets, score_method),
        ]
    code = _rfm_codes(*subset_scores, buckets) if len(scored.customer) else pd.array([], dtype="str")
    if population == "all":
        recency_score, frequency_score, monetary_score = subset_scores
        rfm_code = code
    else:
        positions = np.flatnonzero(in_population)
        recency_score, frequency_score, monetary_score = (
            _scatter(values, positions, len(in_population)) for values in subset_scores
        )
        rfm_code = pd.array([pd.NA] * len(in_population), dtype="str")
        rfm_code[positions] = code
    return pd.DataFrame(
        {
            "customer_id": prepared.customer_ids.take(metrics.customer),
            "snapshot_date": _days_to_dates(periods.snapshot_day[metrics.period]),
            "as_of_date": _days_to_dates(metrics.as_of_day),
            "last_order_date": _days_to_dates(metrics.last_day),
            "recency_days": metrics.recency_days,
            "frequency": metrics.frequency,
            "monetary_cents": metrics.monetary_cents,
            "monetary": np.round(metrics.monetary_cents / 100.0, 2),
            "recency_score": recency_score,
            "frequency_score": frequency_score,
            "monetary_score": monetary_score,
            "rfm_code": rfm_code,
        }
    )


def _scatter(values: np.ndarray, positions: np.ndarray, size: int) -> pd.api.extensions.ExtensionArray:
    """``values`` placed at ``positions`` of a nullable integer array of ``size``, NA elsewhere."""
    out = pd.array(np.zeros(size, dtype=np.int64), dtype="Int64")
    out[:] = pd.NA
    out[positions] = values
    return out
