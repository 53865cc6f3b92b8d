"""Fast tests of the product-event generator and its loaders (no dbt)."""

from __future__ import annotations

from datetime import date

import duckdb
import numpy as np
import pandas as pd
import pytest
from segmentation.events import CORE_ACTION, EVENT_NAMES, generate_events, trial_customer_id
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import RAW_SCHEMA, append_rows_duckdb, write_csv, write_duckdb

END = date(2025, 12, 31)


@pytest.fixture(scope="module")
def raw() -> RawData:
    return generate_raw_data(customers=600, orders=9_000, months=24, seed=13, end_date=END)


def days_of(events: pd.DataFrame, customer_id: int, name: str | None = None) -> pd.Series:
    rows = events[events["customer_id"] == customer_id]
    if name is not None:
        rows = rows[rows["event_name"] == name]
    return rows["occurred_at"].dt.normalize()


def test_events_are_deterministic_and_leave_the_other_tables_alone(raw: RawData) -> None:
    again = generate_raw_data(customers=600, orders=9_000, months=24, seed=13, end_date=END)
    pd.testing.assert_frame_equal(raw.events, again.events)
    without = generate_raw_data(customers=600, orders=9_000, months=24, seed=13, end_date=END, events=False)
    assert without.events is None
    for table in ("customers", "accounts", "products", "orders"):
        pd.testing.assert_frame_equal(getattr(raw, table), getattr(without, table))
    other_seed = generate_events(raw, seed=14)
    assert not other_seed.equals(raw.events)


def test_events_shape_and_integrity(raw: RawData) -> None:
    events = raw.events
    assert list(events.columns) == list(RAW_SCHEMA["events"])
    assert events["event_id"].is_unique and events["event_id"].dtype.kind == "i"
    assert events["occurred_at"].is_monotonic_increasing  # ids grow with time
    assert set(events["event_name"]) == set(EVENT_NAMES)
    assert events["customer_id"].isin(raw.customers["customer_id"]).all()
    created = events.merge(raw.customers[["customer_id", "created_at"]], on="customer_id")
    assert (created["occurred_at"] >= created["created_at"]).all()
    assert events["occurred_at"].max().date() <= END
    # A realistic mix: a few events per order, the core action a large minority.
    assert 2 < len(events) / len(raw.orders) < 12
    assert 0.3 < (events["event_name"] == CORE_ACTION).mean() < 0.6


def test_churned_customers_stop_using_the_product(raw: RawData) -> None:
    completed = raw.orders[raw.orders["status"] == "completed"]
    last_order = completed.groupby("customer_id")["ordered_at"].max()
    last_event = raw.events.groupby("customer_id")["occurred_at"].max()
    long_gone = last_order[last_order < pd.Timestamp(END) - pd.Timedelta(days=180)].index
    gap = (last_event.reindex(long_gone) - last_order.loc[long_gone]).dt.days.dropna()
    assert len(gap) > 10
    # They stop within the 45-day tail after their last order (or before it).
    assert (gap <= 46).all()


def test_planted_event_schedules(raw: RawData) -> None:
    events = raw.events
    end = pd.Timestamp(END)
    created = raw.customers.set_index("customer_id")["created_at"].dt.normalize()

    power = days_of(events, 1, CORE_ACTION).value_counts()
    assert (power == 3).all() and len(power) == (end - created[1]).days + 1

    signed_up_and_left = days_of(events, 2)
    assert set(signed_up_and_left) == {created[2], created[2] + pd.Timedelta(days=1)}

    lapsed = days_of(events, 3)
    last_order = raw.orders.loc[raw.orders["customer_id"] == 3, "ordered_at"].max().normalize()
    assert lapsed.max() <= last_order and set(lapsed.dt.day_of_week) == {1, 3}

    light = days_of(events, 4, CORE_ACTION)
    assert light.max() == end - pd.Timedelta(days=2)
    assert (np.diff(np.sort(light.unique())).astype("timedelta64[D]").astype(int) == 10).all()

    cooling = days_of(events, 5, CORE_ACTION)
    last_30 = cooling[cooling > end - pd.Timedelta(days=30)]
    assert sorted(last_30) == [end - pd.Timedelta(days=28), end - pd.Timedelta(days=14)]
    assert (cooling <= end - pd.Timedelta(days=35)).sum() > 100


def test_newest_customer_is_planted_as_a_fresh_trial(raw: RawData) -> None:
    trial = trial_customer_id(raw)
    assert trial == raw.customers.sort_values("created_at")["customer_id"].iloc[-1]
    assert (pd.Timestamp(END) - raw.customers.set_index("customer_id").loc[trial, "created_at"]).days < 30
    assert len(days_of(raw.events, trial, CORE_ACTION)) == 3


def test_only_planted_customers_yield_events_when_there_are_no_random_ones() -> None:
    raw = generate_raw_data(customers=5, orders=0, months=14, seed=1)
    assert set(raw.events["customer_id"]) == {1, 2, 3, 4, 5}
    assert trial_customer_id(raw) is None


def test_loaders_write_drop_and_append_events(raw: RawData, tmp_path) -> None:
    path = tmp_path / "warehouse.duckdb"
    write_duckdb(raw, path)
    with duckdb.connect(str(path)) as con:
        columns = con.execute(
            "select column_name, data_type from information_schema.columns"
            " where table_schema = 'raw' and table_name = 'events'"
        ).fetchall()
        types = dict(columns)
        assert types == RAW_SCHEMA["events"]
        assert con.execute("select count(*) from raw.events").fetchone()[0] == len(raw.events)

    extra = raw.events.tail(3).assign(event_id=lambda f: f["event_id"] + 10**9)
    assert append_rows_duckdb("events", extra, path) == 3
    with duckdb.connect(str(path)) as con:
        assert con.execute("select count(*) from raw.events").fetchone()[0] == len(raw.events) + 3

    # Rewriting data without events removes the old table, so no stale events survive.
    write_duckdb(RawData(raw.customers, raw.accounts, raw.products, raw.orders), path)
    with duckdb.connect(str(path)) as con:
        tables = {
            row[0] for row in con.execute("select table_name from information_schema.tables").fetchall()
        }
    assert "events" not in tables and "orders" in tables

    written = write_csv(RawData(raw.customers, raw.accounts, raw.products, raw.orders), tmp_path / "csv")
    assert [p.name for p in written] == ["customers.csv", "accounts.csv", "products.csv", "orders.csv"]
    written = write_csv(raw, tmp_path / "csv_events")
    assert written[-1].name == "events.csv"
    assert len(pd.read_csv(written[-1])) == len(raw.events)
