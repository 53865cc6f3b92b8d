"""Late, corrected and re-statused data, engine-agnostic: after any sequence of loads, every incremental model
built incrementally equals a full refresh of the same raw tables.

Two drivers share the comparison:
- ``run_plan`` runs a random plan (hypothesis, ``plans()``): loads of new orders (some held back one load,
  dated in the newest built periods), late arrivals dated in any period back to the first, re-statused old
  orders (completed -> refunded or cancelled, refunded -> completed), changed amounts of existing orders, and
  runs with nothing new (which must change nothing). tests/pytest/test_late_data_property.py runs it on
  DuckDB, tests/pytest/test_postgres_reliability.py a shorter version on PostgreSQL.
- ``run_issue_scenario`` is the fixed scenario of the issue that found the fixed lookback: thirty completed
  orders dated four months back loaded after a build, then old orders re-statused; it also checks that the
  run says in the dbt log how far back it went. tests/pytest/test_late_data_any_age.py runs it on DuckDB,
  PostgreSQL and Spark.

A changed order is changed in place (the raw table rewritten with the new values), as a source system's
correction would be: nothing marks the row as new.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pandas as pd
from hypothesis import strategies as st
from parity import compare_frames, normalise_frame
from segmentation.generator import RawData, generate_raw_data

END = pd.Timestamp("2025-12-31")
MONTHS = 14
FIRST_PERIOD = (END - pd.DateOffset(months=MONTHS - 1)).to_period("M")
# Every incremental model with everything it reads; customer_segments_current is the contract table built on
# the histories.
SELECT = ["--select", "+config.materialized:incremental", "+customer_segments_current"]
# The project's default floor (rfm_lookback_periods 0): every late row is found by the fingerprints alone.
DBT_VARS = {"events_enabled": False}
# Set from the run's clock, so they differ between any two builds; every other column must agree.
RUN_TIMESTAMP_COLUMNS = ("computed_at", "updated_at", "dbt_updated_at", "built_at")
# Compared beside the incremental models after every step.
ALSO_COMPARED = ("customer_segments_current",)
# Share (percent) of all orders kept back from the regular loads; LateArrival steps release them, however old.
LATE_POOL_SHARE = 8
# Orders changed by one Restatus or Amend step.
CHANGED_PER_STEP = 3


class Engine(Protocol):
    def replace_raw(self, raw: RawData) -> None: ...

    def append_orders(self, orders: pd.DataFrame) -> None: ...

    def dbt(self, *args: str, dbt_vars: dict | None = None) -> object: ...

    def table(self, name: str) -> pd.DataFrame: ...


class LoggedEngine(Engine, Protocol):
    log_path: Path


@dataclass(frozen=True)
class Load:
    months_ahead: int  # the new cutoff is this many month-ends later (capped at END)
    late_share: int  # percent of the orders dated in the two newest periods that arrive one load late


@dataclass(frozen=True)
class LateArrival:
    months_back: int  # orders of the late pool dated this many periods before the cutoff's arrive now


@dataclass(frozen=True)
class Restatus:
    months_back: int  # orders dated this many periods before the cutoff's change status
    change: str  # "refund" or "cancel" (a completed order), "complete" (a refunded one)


@dataclass(frozen=True)
class Amend:
    months_back: int  # completed orders dated this many periods before the cutoff's get another amount
    percent: int  # the amount changes by this many percent


@dataclass(frozen=True)
class Rerun:
    pass


Step = Load | LateArrival | Restatus | Amend | Rerun


@dataclass(frozen=True)
class Plan:
    seed: int
    first_cutoff: pd.Timestamp
    first_late_share: int
    steps: tuple[Step, ...]


@dataclass
class Figures:
    sequences: int = 0
    steps: int = 0
    loads: int = 0
    reruns: int = 0
    late_orders: int = 0
    late_arrivals: int = 0
    oldest_late_months: int = 0
    restatused_orders: int = 0
    amended_orders: int = 0
    rows_compared: int = 0
    mismatches: int = 0
    plans: list[str] = field(default_factory=list)


def plans(max_steps: int = 4) -> st.SearchStrategy[Plan]:
    load = st.builds(Load, months_ahead=st.integers(0, 2), late_share=st.sampled_from([0, 10, 30]))
    # Any age: from the cutoff's own period back to (and past, clamped to) the first period of the data.
    months_back = st.integers(0, MONTHS)
    late = st.builds(LateArrival, months_back=months_back)
    restatus = st.builds(
        Restatus, months_back=months_back, change=st.sampled_from(["refund", "cancel", "complete"])
    )
    amend = st.builds(Amend, months_back=months_back, percent=st.sampled_from([-50, 40]))
    step = st.one_of(load, late, restatus, amend, st.just(Rerun()))
    return st.builds(
        Plan,
        seed=st.integers(0, 10_000),
        # Mid-month cutoffs, so the newest built period is unfinished and its as-of date moves.
        first_cutoff=st.builds(
            lambda month, day: pd.Timestamp("2025-05-01") + pd.DateOffset(months=month, days=day),
            st.integers(0, 3),
            st.integers(0, 27),
        ),
        first_late_share=st.sampled_from([10, 30]),
        steps=st.lists(step, min_size=2, max_size=max_steps).map(tuple),
    )


def plan_raw(seed: int) -> RawData:
    return generate_raw_data(
        customers=30, orders=450, months=MONTHS, seed=seed, end_date=END.date(), events=False
    )


def _held_back(orders: pd.DataFrame, cutoff: pd.Timestamp, late_share: int, salt: int) -> pd.Series:
    """Orders dated in the cutoff's period or the one before (both built when the next load arrives), held
    back."""
    day = orders["ordered_at"].dt.normalize()
    recent = (day >= cutoff.to_period("M").start_time - pd.DateOffset(months=1)) & (day <= cutoff)
    return recent & ((orders["order_id"] * 7919 + salt) % 100 < late_share)


def _late_pool(orders: pd.DataFrame, seed: int) -> pd.Series:
    return (orders["order_id"] * 104_729 + seed) % 100 < LATE_POOL_SHARE


def _target_period(cutoff: pd.Timestamp, months_back: int) -> pd.Period:
    return max(FIRST_PERIOD, cutoff.to_period("M") - months_back)


def _nearest_period(candidates: pd.Series, periods: pd.Series, target: pd.Period) -> pd.Series:
    """The candidates dated in ``target``, else in the candidates' period nearest to it (older first)."""
    if not candidates.any():
        return candidates
    available = sorted(set(periods[candidates]), key=lambda p: (abs((p - target).n), p))
    return candidates & (periods == available[0])


def _pick(rows: pd.Series, orders: pd.DataFrame, salt: int, count: int) -> pd.Series:
    """Up to ``count`` of ``rows``, chosen by a hash of the order id (the same plan picks the same orders)."""
    order = ((orders.loc[rows, "order_id"] * 2_654_435_761 + salt) % 1_000_003).sort_values()
    picked = pd.Series(False, index=orders.index)
    picked.loc[order.index[:count]] = True
    return picked


def restatus(orders: pd.DataFrame, rows: pd.Series, change: str) -> None:
    """Changes the status of ``rows`` in place, keeping each row valid for staging: a refund carries a
    negative amount, a completed order a positive one."""
    if change == "cancel":
        orders.loc[rows, "status"] = "cancelled"
        return
    orders.loc[rows, "status"] = "refunded" if change == "refund" else "completed"
    orders.loc[rows, "amount"] = -orders.loc[rows, "amount"]


def amend(orders: pd.DataFrame, rows: pd.Series, percent: int) -> None:
    orders.loc[rows, "amount"] = (
        (orders.loc[rows, "amount"] * (100 + percent) / 100).round(2).clip(lower=0.01)
    )


# ------------------------------------------------------------------------------------------- comparison


def incremental_models(result: object) -> list[str]:
    """The incremental models a dbt run built (from its results, so new incremental models are covered)."""
    names = {
        run.node.name
        for run in result.result.results
        if getattr(run.node.config, "materialized", None) == "incremental"
    }
    return sorted(names)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    # Nullable integer columns hold pd.NA, which normalise_frame leaves as is: null is None everywhere here.
    frame = normalise_frame(frame.astype(object).where(frame.notna(), None))
    return frame[[c for c in frame.columns if c not in RUN_TIMESTAMP_COLUMNS]]


def _row_keys(frame: pd.DataFrame) -> Counter:
    return Counter(tuple(repr(v) for v in row) for row in frame.itertuples(index=False, name=None))


def differing_rows(left: pd.DataFrame, right: pd.DataFrame) -> int:
    """Rows of either frame without an equal row in the other (each row of a multiset counted once)."""
    if sorted(left.columns) != sorted(right.columns):
        return max(len(left), len(right))
    right = right[list(left.columns)]
    only_left = _row_keys(left) - _row_keys(right)
    only_right = _row_keys(right) - _row_keys(left)
    return max(sum(only_left.values()), sum(only_right.values()))


def snapshot_tables(engine: Engine, models: Iterable[str]) -> dict[str, pd.DataFrame]:
    return {name: _comparable(engine.table(name)) for name in models}


def mismatches(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> dict[str, tuple[int, str]]:
    """Per model that differs: the number of differing rows and the first differences, readable."""
    found = {}
    for name in left:
        problems = compare_frames(left[name], right[name])
        if problems:
            found[name] = (differing_rows(left[name], right[name]), "\n    ".join(problems[:4]))
    return found


def _assert_same(
    left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame], what: str, figures: Figures
) -> None:
    found = mismatches(left, right)
    figures.rows_compared += sum(len(frame) for frame in left.values())
    if found:
        figures.mismatches += 1
        counts = ", ".join(f"{name} {rows} rows" for name, (rows, _) in found.items())
        details = "\n".join(f"  {name}:\n    {text}" for name, (_, text) in found.items())
        raise AssertionError(f"{what}: {counts}\n{details}")


# --------------------------------------------------------------------------------------------- the plan


def run_plan(
    plan: Plan, incremental: Engine, full: Engine, figures: Figures, raw: RawData | None = None
) -> None:
    """Runs ``plan``: ``incremental`` only ever gets its raw orders appended or changed and incremental runs;
    ``full`` gets the same raw tables and a full refresh after every step."""
    raw = raw if raw is not None else plan_raw(plan.seed)
    orders = raw.orders.copy()
    day = orders["ordered_at"].dt.normalize()
    periods = orders["ordered_at"].dt.to_period("M")
    pool = _late_pool(orders, plan.seed)
    loaded = pd.Series(False, index=orders.index)

    def load_up_to(cutoff: pd.Timestamp, late_share: int, salt: int) -> pd.Series:
        batch = ~loaded & ~pool & (day <= cutoff) & ~_held_back(orders, cutoff, late_share, plan.seed + salt)
        loaded.loc[batch] = True
        return batch

    def loaded_raw() -> RawData:
        return RawData(raw.customers, raw.accounts, raw.products, orders[loaded].reset_index(drop=True), None)

    for engine in (incremental, full):
        engine.dbt("seed", dbt_vars=DBT_VARS)
    cutoff = plan.first_cutoff
    load_up_to(cutoff, plan.first_late_share, 0)
    incremental.replace_raw(loaded_raw())
    models = [*incremental_models(incremental.dbt("run", *SELECT, dbt_vars=DBT_VARS)), *ALSO_COMPARED]
    figures.sequences += 1
    figures.plans.append(repr(plan))

    for number, step in enumerate(plan.steps, start=1):
        before = snapshot_tables(incremental, models)
        if isinstance(step, Load):
            previous = cutoff
            cutoff = (
                min(END, cutoff + pd.offsets.MonthEnd(step.months_ahead)) if step.months_ahead else cutoff
            )
            # Orders held back so far arrive now (dated in the newest already built periods),
            # with the new orders up to the new cutoff, of which some are held back in turn.
            batch = load_up_to(cutoff, step.late_share, number)
            figures.late_orders += int((batch & (day <= previous)).sum())
            figures.loads += 1
            incremental.append_orders(orders[batch])
        elif isinstance(step, LateArrival):
            target = _target_period(cutoff, step.months_back)
            batch = _nearest_period(pool & ~loaded & (day <= cutoff), periods, target)
            loaded.loc[batch] = True
            figures.late_arrivals += int(batch.sum())
            if batch.any():
                age = (cutoff.to_period("M") - periods[batch].min()).n
                figures.oldest_late_months = max(figures.oldest_late_months, age)
            incremental.append_orders(orders[batch])
        elif isinstance(step, Restatus | Amend):
            target = _target_period(cutoff, step.months_back)
            wanted = "refunded" if isinstance(step, Restatus) and step.change == "complete" else "completed"
            candidates = loaded & (orders["status"] == wanted) & (orders["amount"] != 0)
            rows = _pick(
                _nearest_period(candidates, periods, target), orders, plan.seed + number, CHANGED_PER_STEP
            )
            if isinstance(step, Restatus):
                restatus(orders, rows, step.change)
                figures.restatused_orders += int(rows.sum())
            else:
                amend(orders, rows, step.percent)
                figures.amended_orders += int(rows.sum())
            incremental.replace_raw(loaded_raw())
        else:
            figures.reruns += 1
        incremental.dbt("run", *SELECT, dbt_vars=DBT_VARS)
        after = snapshot_tables(incremental, models)
        figures.steps += 1
        if isinstance(step, Rerun):
            _assert_same(before, after, "a run without new data changed", figures)
        full.replace_raw(loaded_raw())
        full.dbt("run", *SELECT, "--full-refresh", dbt_vars=DBT_VARS)
        _assert_same(
            after,
            snapshot_tables(full, models),
            f"incremental differs from a full refresh after step {number} ({step})",
            figures,
        )


# ---------------------------------------------------------------------------------- the issue's scenario

SCENARIO_SEED = 18
LATE_ORDERS = 30
LATE_ORDER_DATE = pd.Timestamp("2025-08-20 10:00")  # four months before the newest snapshot, 2025-12-31
LATE_AMOUNT = 5000.00
# The re-statused orders: completed ones five to seven months back refunded or cancelled, and refunds of
# that age turned back into completed orders.
RESTATUS_FROM = pd.Timestamp("2025-05-01")
RESTATUS_TO = pd.Timestamp("2025-07-31 23:59:59")
WINDOW_ENGINE_LINE = re.compile(r"window engine: (.*)")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def scenario_raw() -> RawData:
    return generate_raw_data(
        customers=120, orders=2_400, months=MONTHS, seed=SCENARIO_SEED, end_date=END.date(), events=False
    )


def late_orders(raw: RawData) -> pd.DataFrame:
    """Thirty completed orders of 5000.00 dated four months back, one each for the thirty customers with the
    fewest orders (the issue's case: a customer with no order in the window gains one)."""
    counts = raw.orders["customer_id"].value_counts()
    customers = (
        raw.customers[["customer_id"]]
        .assign(orders=lambda f: f["customer_id"].map(counts).fillna(0))
        .sort_values(["orders", "customer_id"])["customer_id"]
        .head(LATE_ORDERS)
        .to_numpy()
    )
    first_id = int(raw.orders["order_id"].max()) + 1
    return pd.DataFrame(
        {
            "order_id": range(first_id, first_id + LATE_ORDERS),
            "customer_id": customers,
            "account_id": pd.array([None] * LATE_ORDERS, dtype="Int64"),
            "product_id": int(raw.products["product_id"].iloc[0]),
            "ordered_at": [LATE_ORDER_DATE + pd.Timedelta(minutes=i) for i in range(LATE_ORDERS)],
            "amount": LATE_AMOUNT,
            "cost": LATE_AMOUNT / 2,
            "status": "completed",
        }
    )


def restatused(orders: pd.DataFrame) -> tuple[pd.DataFrame, pd.Timestamp]:
    """``orders`` with old orders re-statused in place (every 20th completed order and every 5th refund dated
    five to seven months back), and the date of the oldest one changed."""
    orders = orders.copy()
    old = orders["ordered_at"].between(RESTATUS_FROM, RESTATUS_TO)
    completed = old & (orders["status"] == "completed") & (orders["amount"] > 0)
    refunds = old & (orders["status"] == "refunded") & (orders["amount"] < 0)
    refund = completed & (orders["order_id"] % 40 == 0)
    cancel = completed & (orders["order_id"] % 40 == 20)
    complete = refunds & (orders["order_id"] % 5 == 0)
    assert refund.sum() >= 3 and cancel.sum() >= 3 and complete.sum() >= 1
    restatus(orders, refund, "refund")
    restatus(orders, cancel, "cancel")
    restatus(orders, complete, "complete")
    return orders, orders.loc[refund | cancel | complete, "ordered_at"].min()


def _log_size(engine: LoggedEngine) -> int:
    return engine.log_path.stat().st_size if engine.log_path.exists() else 0


def _window_engine_lines(engine: LoggedEngine, start: int) -> list[str]:
    with engine.log_path.open(errors="replace") as handle:
        handle.seek(start)
        text = handle.read()
    return [match.group(1) for match in WINDOW_ENGINE_LINE.finditer(text)]


def _assert_went_back(lines: list[str], changed_at: pd.Timestamp, what: str) -> str:
    """Some window engine line names a snapshot no later than the period end of the oldest change."""
    limit = (changed_at.to_period("M").end_time).normalize()
    named = [pd.Timestamp(d) for line in lines for d in DATE.findall(line)]
    assert lines, f"{what}: the dbt log has no 'window engine: ' line"
    assert named and min(named) <= limit, (
        f"{what}: no 'window engine: ' line names a snapshot on or before {limit.date()}: {lines}"
    )
    return next(line for line in lines if any(pd.Timestamp(d) <= limit for d in DATE.findall(line)))


@dataclass
class ScenarioResult:
    models: list[str]
    mismatches: dict[str, dict[str, int]] = field(default_factory=dict)  # step -> model -> differing rows
    log_lines: dict[str, str] = field(default_factory=dict)


def run_issue_scenario(incremental: LoggedEngine, full: Engine) -> ScenarioResult:
    """The issue's finding, step by step; every step's differences are collected first, then asserted, so a
    failure lists the mismatch counts of every model and step."""
    raw = scenario_raw()
    late = late_orders(raw)
    for engine in (incremental, full):
        engine.dbt("seed", dbt_vars=DBT_VARS)
    incremental.replace_raw(raw)
    result = ScenarioResult(
        [*incremental_models(incremental.dbt("run", *SELECT, dbt_vars=DBT_VARS)), *ALSO_COMPARED]
    )
    failures = []

    def step(name: str, orders: pd.DataFrame, changed_at: pd.Timestamp, change) -> None:
        start = _log_size(incremental)
        change()
        incremental.dbt("run", *SELECT, dbt_vars=DBT_VARS)
        full.replace_raw(RawData(raw.customers, raw.accounts, raw.products, orders, None))
        full.dbt("run", *SELECT, "--full-refresh", dbt_vars=DBT_VARS)
        found = mismatches(snapshot_tables(incremental, result.models), snapshot_tables(full, result.models))
        result.mismatches[name] = {model: rows for model, (rows, _) in found.items()}
        if found:
            failures.append(
                f"{name}: incremental differs from a full refresh in "
                + ", ".join(f"{model} {rows} rows" for model, (rows, _) in found.items())
                + "".join(f"\n  {model}:\n    {text}" for model, (_, text) in found.items())
            )
        try:
            result.log_lines[name] = _assert_went_back(
                _window_engine_lines(incremental, start), changed_at, name
            )
        except AssertionError as error:
            failures.append(str(error))

    with_late = pd.concat([raw.orders, late], ignore_index=True)
    step("30 late orders 4 months back", with_late, LATE_ORDER_DATE, lambda: incremental.append_orders(late))
    changed, oldest = restatused(with_late)
    step(
        "old orders re-statused",
        changed,
        oldest,
        lambda: incremental.replace_raw(RawData(raw.customers, raw.accounts, raw.products, changed, None)),
    )
    assert not failures, "\n".join(failures)
    return result
