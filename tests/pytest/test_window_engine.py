"""The window engine's incremental runs find their own start (DuckDB, small generated data).

After a full build, late orders dated far outside the lookback, re-statused old orders, a day whose every
order is cancelled and moved sign-up dates are loaded step by step; after each incremental run
int_customer_daily_activity, int_customer_window_changes and int_customer_snapshot_windows must equal a full
refresh of a copy of the same warehouse (every column but computed_at), and each model's log line must name
the earliest date or snapshot whose inputs changed. A run with nothing new rewrites no row. The runs use the
project's default floor (rfm_lookback_periods 0: only what changed is recomputed), and the last new month
checks a floor of 2."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import Warehouse, copy_warehouse
from segmentation.generator import generate_raw_data
from segmentation.loaders import append_orders_duckdb

END = pd.Timestamp("2025-12-31")
MODEL = "int_customer_snapshot_windows"
CHANGES = "int_customer_window_changes"
DAILY = "int_customer_daily_activity"
SELECT = ["--select", f"+{MODEL}"]
DBT_VARS: dict[str, object] = {}
FLOOR_VARS = {"rfm_lookback_periods": 2}
KEY = ["customer_id", "snapshot_date"]
DAILY_KEY = ["customer_id", "activity_date"]
# Late orders dated this many months before the data's end: inside and far outside the lookback.
LATE_AGES_MONTHS = (4, 20)


def _window_rows(warehouse: Warehouse, model: str = MODEL) -> pd.DataFrame:
    frame = warehouse.query(
        f"select * exclude (computed_at) from {model}" if model == MODEL else f"from {model}"
    )
    frame["customer_id"] = frame["customer_id"].astype(str)
    return frame.sort_values(DAILY_KEY if model == DAILY else KEY).reset_index(drop=True)


def _engine_log_lines(warehouse: Warehouse) -> list[str]:
    log = Path(warehouse.root) / "logs" / "dbt.log"
    if not log.exists():
        return []
    # Only the info lines: statements dbt logs at debug level may quote the model's documentation.
    return [line for line in log.read_text().splitlines() if "[info " in line and "window engine: " in line]


def _run_incremental(
    warehouse: Warehouse,
    changes_line: str | None = None,
    daily_line: str | None = None,
    dbt_vars: dict[str, object] = DBT_VARS,
) -> str:
    """One incremental run; returns the snapshot windows' window-engine log line, and checks the change
    rows' and the daily activity's lines when `changes_line` / `daily_line` are given (each model logs
    exactly one; `daily_line` is a text the daily activity's line must contain)."""
    before = len(_engine_log_lines(warehouse))
    warehouse.dbt("run", *SELECT, dbt_vars=dbt_vars)
    lines = [line[line.index("window engine: ") :] for line in _engine_log_lines(warehouse)[before:]]
    by_model = {
        model: [line for line in lines if line.startswith(f"window engine: {model} ")]
        for model in (MODEL, CHANGES, DAILY)
    }
    assert all(len(found) == 1 for found in by_model.values()) and len(lines) == 3, lines
    if changes_line is not None:
        assert by_model[CHANGES][0].startswith(f"window engine: {CHANGES} {changes_line}"), by_model[CHANGES][
            0
        ]
    if daily_line is not None:
        assert daily_line in by_model[DAILY][0], by_model[DAILY][0]
    return by_model[MODEL][0]


def _assert_equals_full_refresh(incremental: Warehouse, full: Warehouse, what: str) -> int:
    copy_warehouse(incremental, full)
    full.dbt("run", *SELECT, "--full-refresh", dbt_vars=DBT_VARS)
    for model in (DAILY, CHANGES, MODEL):
        left, right = _window_rows(incremental, model), _window_rows(full, model)
        try:
            pd.testing.assert_frame_equal(left, right, check_dtype=False)
        except AssertionError as error:
            raise AssertionError(f"{model} differs from a full refresh after {what}\n{error}") from error
    return len(left)


def _snapshot_of(day: pd.Timestamp, first_snapshot: pd.Timestamp) -> str:
    """The month-end snapshot a date enters (the first snapshot when it is older than the calendar)."""
    return max(day + pd.offsets.MonthEnd(0), first_snapshot).strftime("%Y-%m-%d")


@pytest.fixture(scope="module")
def scenario(make_warehouse):
    raw = generate_raw_data(customers=120, orders=2_500, months=24, seed=23, end_date=END.date())
    orders = raw.orders
    day = orders["ordered_at"].dt.normalize()
    completed = orders["status"] == "completed"
    late = pd.Series(False, index=orders.index)
    for months in LATE_AGES_MONTHS:
        target = END - pd.DateOffset(months=months)
        # Three completed orders dated in that month arrive one build late.
        in_month = completed & (day.dt.to_period("M") == target.to_period("M"))
        late.loc[orders[in_month].index[:3]] = True
    assert late.sum() == 3 * len(LATE_AGES_MONTHS)
    incremental = make_warehouse("window_engine_incremental")
    incremental.load(type(raw)(raw.customers, raw.accounts, raw.products, orders[~late], raw.events))
    incremental.dbt("run", *SELECT, dbt_vars=DBT_VARS)
    full = make_warehouse("window_engine_full")
    return incremental, full, orders[late]


def _first_snapshot(warehouse: Warehouse) -> pd.Timestamp:
    return pd.Timestamp(warehouse.query("select min(snapshot_date) as d from int_rfm_periods")["d"].iloc[0])


def test_late_orders_of_any_age_are_found(scenario) -> None:
    incremental, full, late_orders = scenario
    append_orders_duckdb(late_orders, incremental.path)
    earliest_day = late_orders["ordered_at"].min().normalize()
    earliest = _snapshot_of(earliest_day, _first_snapshot(incremental))
    line = _run_incremental(
        incremental, f"recomputes from snapshot {earliest} (", f"earliest {earliest_day:%Y-%m-%d}"
    )
    assert line.startswith(f"window engine: {MODEL} recomputes from snapshot {earliest} ("), line
    assert f"earliest {earliest}" in line, line
    assert _assert_equals_full_refresh(incremental, full, "late orders") > 0


def test_old_orders_changing_status_are_found(scenario) -> None:
    incremental, full, _ = scenario
    orders = incremental.raw_orders()
    orders["day"] = pd.to_datetime(orders["ordered_at"]).dt.normalize()
    completed = orders[orders["status"] == "completed"].sort_values("order_id")
    month = completed["day"].dt.to_period("M")
    cancelled = completed[month == (END - pd.DateOffset(months=15)).to_period("M")].iloc[0]
    refunded = completed[month == (END - pd.DateOffset(months=9)).to_period("M")].iloc[0]
    # Every order and event of one day a year back is cancelled or removed: the day leaves the daily activity.
    emptied = completed[month == (END - pd.DateOffset(months=12)).to_period("M")].iloc[0].day
    incremental.execute(f"update raw.orders set status = 'cancelled' where order_id = {cancelled.order_id}")
    incremental.execute(
        "update raw.orders set status = 'refunded', amount = -1 * amount"
        f" where order_id = {refunded.order_id}"
    )
    on_emptied_day = f"date '{emptied:%Y-%m-%d}'"
    incremental.execute(
        f"update raw.orders set status = 'cancelled' where cast(ordered_at as date) = {on_emptied_day}"
    )
    incremental.execute(f"delete from raw.events where cast(occurred_at as date) = {on_emptied_day}")
    earliest = _snapshot_of(min(cancelled.day, refunded.day), _first_snapshot(incremental))
    line = _run_incremental(
        incremental,
        f"recomputes from snapshot {earliest} (",
        f"1 date with no counted activity left, dropped {emptied:%Y-%m-%d}",
    )
    assert line.startswith(f"window engine: {MODEL} recomputes from snapshot {earliest} ("), line
    assert _assert_equals_full_refresh(incremental, full, "status changes") > 0
    assert (
        incremental.query(f"select count(*) as n from {DAILY} where activity_date = '{emptied:%Y-%m-%d}'")[
            "n"
        ].iloc[0]
        == 0
    )


def test_moved_sign_up_dates_are_found(scenario) -> None:
    incremental, full, _ = scenario
    starts = incremental.query(
        f"select customer_id, min(customer_since_date) as since from {MODEL}"
        " group by customer_id order by since desc, customer_id"
    )
    # The newest customer signs up two years earlier: their rows now start at the first snapshot.
    newest = starts.iloc[0]
    incremental.execute(
        f"update raw.customers set created_at = timestamp '{(END - pd.DateOffset(years=3)).date()} 09:00:00' "
        f"where cast(customer_id as varchar) = '{newest.customer_id}'"
    )
    first = _first_snapshot(incremental).strftime("%Y-%m-%d")
    # A sign-up is no activity: the daily activity has nothing to rebuild.
    line = _run_incremental(incremental, f"recomputes from snapshot {first} (", "has nothing to recompute")
    assert line.startswith(f"window engine: {MODEL} recomputes from snapshot {first} ("), line
    assert _assert_equals_full_refresh(incremental, full, "a moved sign-up date") > 0


def test_a_run_with_nothing_new_rewrites_nothing(scenario) -> None:
    incremental, _, _ = scenario
    before = incremental.query(f"select customer_id, snapshot_date, computed_at from {MODEL}")
    line = _run_incremental(incremental, "has nothing to recompute", "has nothing to recompute")
    assert line == f"window engine: {MODEL} has nothing to recompute"
    after = incremental.query(f"select customer_id, snapshot_date, computed_at from {MODEL}")
    merged = before.merge(after, on=KEY, how="outer", suffixes=("_before", "_after"), indicator=True)
    assert (merged["_merge"] == "both").all()
    assert (merged["computed_at_before"] == merged["computed_at_after"]).all()


def _order_in_a_new_month(warehouse: Warehouse, ordered_at: str) -> None:
    warehouse.execute(
        "insert into raw.orders select * replace ("
        " (select max(order_id) + 1 from raw.orders) as order_id,"
        f" timestamp '{ordered_at}' as ordered_at)"
        " from raw.orders where status = 'completed' order by order_id limit 1"
    )


def test_a_new_month_recomputes_only_the_new_snapshot_or_the_floor(scenario) -> None:
    incremental, full, _ = scenario
    # An order in a new month adds a snapshot and changes nothing built: by default only the new snapshot is
    # computed, in each of the three models.
    _order_in_a_new_month(incremental, "2026-01-02 06:00:00")
    line = _run_incremental(
        incremental,
        "recomputes from snapshot 2026-01-31 (1 new snapshot 2026-01-31)",
        "rebuilds 1 date (1 new date 2026-01-02)",
    )
    assert line == f"window engine: {MODEL} recomputes from snapshot 2026-01-31 (1 new snapshot 2026-01-31)"
    _assert_equals_full_refresh(incremental, full, "a new month")
    # The as-of date moves from 2 January to 3 February, so the January snapshot, built unfinished, changes
    # in both models (its calendar row is in the change rows' fingerprint). With a floor of 2 the snapshot
    # windows also recompute December; the change rows have no floor.
    _order_in_a_new_month(incremental, "2026-02-03 06:00:00")
    line = _run_incremental(
        incremental,
        "recomputes from snapshot 2026-01-31"
        " (changed inputs in 1 built snapshot 2026-01-31; 1 new snapshot 2026-02-28)",
        "rebuilds 1 date (1 new date 2026-02-03)",
        dbt_vars=FLOOR_VARS,
    )
    assert line == (
        f"window engine: {MODEL} recomputes from snapshot 2025-12-31 (changed inputs in 1 built snapshot"
        " 2026-01-31; 1 new snapshot 2026-02-28; at least the newest 2 built (rfm_lookback_periods))"
    ), line
    _assert_equals_full_refresh(incremental, full, "a new month with a floor")
