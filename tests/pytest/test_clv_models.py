"""The Buy-Till-You-Die inputs in the warehouse (DuckDB): customer_btyd_history and customer_btyd_calibration
equal an independent pandas computation row for row; without a fitted model the build passes, predictions
are empty, the profile's prediction columns are null and the log says how to fit; incremental runs with late
orders equal a full refresh. pymc-marketing is not needed here (tests/pytest/test_clv_fit.py needs it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import Warehouse, assert_build_clean
from parity import RUN_OWN_COLUMNS, assert_same_rows, normalise_frame, without_columns
from segmentation.generator import generate_raw_data

KEY = ["customer_id", "snapshot_date"]
SUMMARY_COLUMNS = [
    "customer_id",
    "snapshot_date",
    "as_of_date",
    "first_purchase_date",
    "last_purchase_date",
    "purchase_days",
    "frequency",
    "recency_days",
    "age_days",
    "recency",
    "age",
    "monetary_value",
    "avg_days_between_orders",
    "expected_next_order_date",
    "is_overdue",
]
UNIT_DAYS = 7  # clv_time_unit: week, the default


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Normalised rows, with pandas' NA (DuckDB's null in a nullable column) as None."""
    return normalise_frame(frame.astype(object).where(frame.notna(), None))


def _dates(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame.assign(**{c: pd.to_datetime(frame[c]) for c in columns})


def purchase_days(warehouse: Warehouse) -> pd.DataFrame:
    """Days with a completed order and their net revenue, from the staged orders (not the BTYD models)."""
    orders = warehouse.query(
        "select customer_id, order_date, status, cast(amount as double) as amount from stg_orders "
        "where status in ('completed', 'refunded')"
    )
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    days = orders.groupby(["customer_id", "order_date"]).agg(
        completed=("status", lambda s: (s == "completed").sum()), net=("amount", "sum")
    )
    return days[days["completed"] > 0].reset_index()


def expected_summary(days: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """The BTYD summary at one as-of date, straight from the definition."""
    seen = days[days["order_date"] <= as_of].sort_values(["customer_id", "order_date"])
    grouped = seen.groupby("customer_id")
    first = grouped["order_date"].min()
    last = grouped["order_date"].max()
    count = grouped.size()
    first_net = grouped["net"].first()
    total = grouped["net"].sum()
    frequency = count - 1
    recency_days = (last - first).dt.days
    age_days = (as_of - first).dt.days
    gap = recency_days / frequency.where(frequency > 0)
    since_last = (as_of - last).dt.days
    return pd.DataFrame(
        {
            "as_of_date": as_of,
            "first_purchase_date": first,
            "last_purchase_date": last,
            "purchase_days": count,
            "frequency": frequency,
            "recency_days": recency_days,
            "age_days": age_days,
            "recency": recency_days / UNIT_DAYS,
            "age": age_days / UNIT_DAYS,
            "monetary_value": ((total - first_net) / frequency.where(frequency > 0)).fillna(0.0),
            "avg_days_between_orders": gap,
            "expected_next_order_date": last + pd.to_timedelta(np.floor(gap + 0.5), unit="D"),
            "is_overdue": (since_last * frequency > 2 * recency_days).where(frequency > 0),
        }
    ).reset_index()


def summary_sql(table: str = "customer_btyd_history") -> str:
    return f"select {', '.join(SUMMARY_COLUMNS)} from {table}"


def test_summary_equals_pandas_at_every_snapshot(built_warehouse: Warehouse) -> None:
    days = purchase_days(built_warehouse)
    periods = built_warehouse.query("select snapshot_date, as_of_date from int_rfm_periods")
    expected = []
    for period in periods.itertuples(index=False):
        frame = expected_summary(days, pd.Timestamp(period.as_of_date))
        expected.append(frame.assign(snapshot_date=pd.Timestamp(period.snapshot_date)))
    expected_frame = pd.concat(expected, ignore_index=True)[SUMMARY_COLUMNS]
    actual = built_warehouse.query(summary_sql())
    date_columns = ["snapshot_date", "as_of_date", "first_purchase_date", "last_purchase_date"]
    actual = _dates(actual, [*date_columns, "expected_next_order_date"])
    # DuckDB returns the nullable boolean as pandas' NA.
    actual["is_overdue"] = actual["is_overdue"].astype(object).where(actual["is_overdue"].notna(), None)
    assert len(actual) > 10_000 and (actual["frequency"] == 0).any() and (actual["frequency"] > 5).any()
    # Real-data shape: most customers in the newest snapshot are one-time or lapsed buyers somewhere.
    assert_same_rows(
        normalise_frame(actual),
        normalise_frame(expected_frame),
        "customer_btyd_history",
        float_tolerance=1e-9,
    )


def test_calibration_and_holdout_equal_pandas(built_warehouse: Warehouse) -> None:
    calibration = built_warehouse.query("select * from customer_btyd_calibration")
    as_of = pd.Timestamp(built_warehouse.query("select as_of_date from int_as_of_date")["as_of_date"].iloc[0])
    periods = built_warehouse.query("select as_of_date from int_rfm_periods")["as_of_date"].map(pd.Timestamp)
    # Default cutoff: the newest snapshot leaving a full horizon (52 weeks) of holdout.
    cutoff = max(d for d in periods if d <= as_of - pd.Timedelta(days=52 * 7))
    assert set(pd.to_datetime(calibration["calibration_end_date"])) == {cutoff}
    days = purchase_days(built_warehouse)
    summary = expected_summary(days, cutoff)
    holdout_days = days[(days["order_date"] > cutoff) & (days["order_date"] <= as_of)]
    holdout = holdout_days.groupby("customer_id").agg(
        holdout_purchases=("order_date", "size"), holdout_revenue=("net", "sum")
    )
    expected = summary.merge(holdout, on="customer_id", how="left").fillna(
        {"holdout_purchases": 0, "holdout_revenue": 0.0}
    )
    expected["holdout_days"] = (as_of - cutoff).days
    expected["holdout_length"] = (as_of - cutoff).days / UNIT_DAYS
    columns = [
        "customer_id",
        "first_purchase_date",
        "last_purchase_date",
        "frequency",
        "recency_days",
        "age_days",
        "recency",
        "age",
        "monetary_value",
        "holdout_days",
        "holdout_length",
        "holdout_purchases",
        "holdout_revenue",
    ]
    actual = _dates(calibration[columns], ["first_purchase_date", "last_purchase_date"])
    actual["holdout_revenue"] = actual["holdout_revenue"].astype(float)
    assert (actual["holdout_purchases"] > 0).any() and (actual["holdout_purchases"] == 0).any()
    assert_same_rows(
        normalise_frame(actual),
        normalise_frame(expected[columns].astype({"holdout_purchases": "int64"})),
        "customer_btyd_calibration",
        float_tolerance=1e-9,
    )


def test_without_a_fit_the_build_passes_and_predictions_are_null(built_warehouse: Warehouse) -> None:
    assert built_warehouse.query("select count(*) as n from customer_clv_predictions")["n"].iloc[0] == 0
    profile = built_warehouse.query(
        "select p_alive, churn_band, expected_purchases, predicted_value, avg_days_between_orders "
        "from customer_profile_current"
    )
    assert profile[["p_alive", "churn_band", "expected_purchases", "predicted_value"]].isna().all().all()
    # The usual gap needs no model.
    assert profile["avg_days_between_orders"].notna().sum() > 100
    log = (built_warehouse.root / "logs" / "dbt.log").read_text()
    assert "segmentation clv fit --calibration-end" in log


@pytest.mark.slow
def test_incremental_runs_with_late_orders_equal_a_full_refresh(make_warehouse) -> None:
    raw = generate_raw_data(customers=400, orders=8_000, months=15, seed=23)
    orders = raw.orders
    end = orders["ordered_at"].max().normalize()
    first_cutoff = (end - pd.offsets.MonthEnd(2)).normalize()
    # Some orders of the newest built month arrive one load late.
    late_window = (orders["ordered_at"] > first_cutoff - pd.Timedelta(days=20)) & (
        orders["ordered_at"] <= first_cutoff + pd.Timedelta(days=1)
    )
    late = late_window & (orders["order_id"] % 3 == 0)
    assert late.sum() > 10
    dbt_vars = {"events_enabled": False}
    select = ["--select", "+customer_btyd_history", "+customer_btyd_calibration"]
    incremental = make_warehouse("clv_incremental")
    incremental.load(
        type(raw)(
            raw.customers, raw.accounts, raw.products, orders[(orders["ordered_at"] <= first_cutoff) & ~late]
        )
    )
    incremental.dbt("run", *select, dbt_vars=dbt_vars)
    before = incremental.query("select count(*) as n from customer_btyd_history")["n"].iloc[0]
    incremental.load(type(raw)(raw.customers, raw.accounts, raw.products, orders))
    incremental.dbt("run", *select, dbt_vars=dbt_vars)
    incremental.dbt("run", *select, dbt_vars=dbt_vars)  # a run without new data changes nothing
    full = make_warehouse("clv_full")
    full.load(type(raw)(raw.customers, raw.accounts, raw.products, orders))
    full.dbt("run", *select, "--full-refresh", dbt_vars=dbt_vars)
    for table in ("customer_btyd_history", "customer_btyd_calibration"):
        assert_same_rows(
            _plain(without_columns(incremental.query(f"select * from {table}"), RUN_OWN_COLUMNS)),
            _plain(without_columns(full.query(f"select * from {table}"), RUN_OWN_COLUMNS)),
            table,
        )
    assert incremental.query("select count(*) as n from customer_btyd_history")["n"].iloc[0] > before


def test_build_is_clean_with_the_clv_models(built_warehouse: Warehouse) -> None:
    assert_build_clean(built_warehouse, built_warehouse.results[0])


def test_clv_fit_rejects_a_date_that_ends_no_snapshot(built_warehouse: Warehouse) -> None:
    from click.testing import CliRunner
    from segmentation.cli import main

    result = CliRunner().invoke(
        main, ["clv", "fit", "--calibration-end", "2020-01-15", "--duckdb", str(built_warehouse.path)]
    )
    assert result.exit_code != 0
    assert "must be a snapshot's as_of_date" in result.output, result.output
