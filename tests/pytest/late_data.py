"""The late-and-replayed-data property, engine-agnostic: a plan is a random sequence of "load more orders
(some dated in already-built periods, inside the lookback)" and "change nothing and run again" steps; after
every step the incrementally built history must equal a full refresh built from the same raw tables, and a
run without new data must change nothing. tests/pytest/test_late_data_property.py runs it on DuckDB, and
tests/pytest/test_postgres_reliability.py a shorter version on PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import pandas as pd
from hypothesis import strategies as st
from parity import RUN_OWN_COLUMNS
from segmentation.generator import RawData, generate_raw_data

END = pd.Timestamp("2025-12-31")
MONTHS = 14
# Every incremental model reads these; the families' histories are incremental too.
SELECT = ["--select", "+customer_rfm_history", "+customer_value_history", "+customer_lifecycle_history"]
DBT_VARS = {"events_enabled": False, "rfm_lookback_periods": 2}
HISTORIES = {
    "customer_rfm_history": ["customer_id", "snapshot_date"],
    "customer_value_history": ["customer_id", "snapshot_date"],
    "customer_lifecycle_history": ["customer_id", "snapshot_date"],
}


class Engine(Protocol):
    def replace_raw(self, raw: RawData) -> None: ...

    def append_orders(self, orders: pd.DataFrame) -> None: ...

    def dbt(self, *args: str, dbt_vars: dict | None = None) -> object: ...

    def table(self, name: str) -> pd.DataFrame: ...


@dataclass(frozen=True)
class Load:
    months_ahead: int  # the new cutoff is this many month-ends later (capped at END)
    late_share: int  # percent of the orders dated in the two newest periods that arrive one load late


@dataclass(frozen=True)
class Rerun:
    pass


@dataclass(frozen=True)
class Plan:
    seed: int
    first_cutoff: pd.Timestamp
    first_late_share: int
    steps: tuple[Load | Rerun, ...]


@dataclass
class Figures:
    sequences: int = 0
    steps: int = 0
    loads: int = 0
    reruns: int = 0
    late_orders: int = 0
    rows_compared: int = 0
    mismatches: int = 0
    plans: list[str] = field(default_factory=list)


def plans(max_steps: int = 4) -> st.SearchStrategy[Plan]:
    load = st.builds(Load, months_ahead=st.integers(0, 2), late_share=st.sampled_from([0, 10, 30]))
    # Two loads to one rerun: loads are where late data arrives.
    step = st.one_of(load, load, st.just(Rerun()))
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
    """Orders dated in the cutoff's period or the one before (both recomputed by the lookback) held back."""
    day = orders["ordered_at"].dt.normalize()
    recent = (day >= cutoff.to_period("M").start_time - pd.DateOffset(months=1)) & (day <= cutoff)
    return recent & ((orders["order_id"] * 7919 + salt) % 100 < late_share)


def _history(engine: Engine, name: str) -> pd.DataFrame:
    frame = engine.table(name).drop(columns=list(RUN_OWN_COLUMNS), errors="ignore")
    frame["customer_id"] = frame["customer_id"].astype(str)
    for column in frame.columns:
        if "date" in column:
            frame[column] = pd.to_datetime(frame[column])
        elif frame[column].dtype == object and column not in ("customer_id",):
            frame[column] = frame[column].map(lambda v: str(v) if v is not None else None)
    return frame.sort_values(HISTORIES[name]).reset_index(drop=True)


def _histories(engine: Engine) -> dict[str, pd.DataFrame]:
    return {name: _history(engine, name) for name in HISTORIES}


def _assert_same(
    left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame], what: str, figures: Figures
) -> None:
    for name in HISTORIES:
        try:
            pd.testing.assert_frame_equal(left[name], right[name], check_dtype=False)
        except AssertionError as error:
            figures.mismatches += 1
            raise AssertionError(f"{name}: {what}\n{error}") from error
        figures.rows_compared += len(left[name])


def run_plan(
    plan: Plan, incremental: Engine, full: Engine, figures: Figures, raw: RawData | None = None
) -> None:
    """Runs ``plan``: ``incremental`` only ever gets appended orders and incremental runs; ``full`` gets the
    same raw tables and a full refresh after every step."""
    raw = raw if raw is not None else plan_raw(plan.seed)
    orders = raw.orders
    day = orders["ordered_at"].dt.normalize()
    loaded = pd.Series(False, index=orders.index)

    def load_up_to(cutoff: pd.Timestamp, late_share: int, salt: int) -> pd.Series:
        batch = ~loaded & (day <= cutoff) & ~_held_back(orders, cutoff, late_share, plan.seed + salt)
        loaded.loc[batch] = True
        return batch

    def loaded_raw() -> RawData:
        return RawData(raw.customers, raw.accounts, raw.products, orders[loaded].reset_index(drop=True), None)

    for engine in (incremental, full):
        engine.dbt("seed", dbt_vars=DBT_VARS)
    cutoff = plan.first_cutoff
    load_up_to(cutoff, plan.first_late_share, 0)
    incremental.replace_raw(loaded_raw())
    incremental.dbt("run", *SELECT, dbt_vars=DBT_VARS)
    figures.sequences += 1
    figures.plans.append(repr(plan))

    for number, step in enumerate(plan.steps, start=1):
        before = _histories(incremental)
        if isinstance(step, Load):
            previous = cutoff
            cutoff = (
                min(END, cutoff + pd.offsets.MonthEnd(step.months_ahead)) if step.months_ahead else cutoff
            )
            # Orders held back so far arrive now (dated in already built periods, inside the lookback),
            # with the new orders up to the new cutoff, of which some are held back in turn.
            batch = load_up_to(cutoff, step.late_share, number)
            figures.late_orders += int((batch & (day <= previous)).sum())
            figures.loads += 1
            incremental.append_orders(orders[batch])
        else:
            figures.reruns += 1
        incremental.dbt("run", *SELECT, dbt_vars=DBT_VARS)
        after = _histories(incremental)
        figures.steps += 1
        if isinstance(step, Rerun):
            _assert_same(before, after, "a run without new data changed the history", figures)
        full.replace_raw(loaded_raw())
        full.dbt("run", *SELECT, "--full-refresh", dbt_vars=DBT_VARS)
        _assert_same(
            after,
            _histories(full),
            f"incremental differs from a full refresh after step {number}: {step}",
            figures,
        )
