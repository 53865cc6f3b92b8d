"""Fast tests of the sample data generator and the raw-table loaders (no dbt)."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
from segmentation.generator import (
    FIRST_RANDOM_CUSTOMER_ID,
    PLANTED_CUSTOMERS,
    RawData,
    generate_raw_data,
    span_start,
)
from segmentation.loaders import RAW_SCHEMA, append_orders_duckdb, write_csv, write_duckdb

END = date(2025, 12, 31)
CUSTOMERS = 1000
ORDERS = 25_000


@pytest.fixture(scope="module")
def raw() -> RawData:
    return generate_raw_data(customers=CUSTOMERS, orders=ORDERS, months=36, seed=7, end_date=END)


def orders_of(raw: RawData, customer_id: int, status: str | None = None) -> pd.DataFrame:
    orders = raw.orders[raw.orders["customer_id"] == customer_id]
    return orders if status is None else orders[orders["status"] == status]


def order_dates(orders: pd.DataFrame) -> pd.Series:
    return orders["ordered_at"].dt.date


# --------------------------------------------------------------------------- shape and determinism


def test_same_seed_gives_identical_frames() -> None:
    first = generate_raw_data(customers=200, orders=3000, seed=3)
    second = generate_raw_data(customers=200, orders=3000, seed=3)
    for table in ("customers", "accounts", "products", "orders"):
        pd.testing.assert_frame_equal(getattr(first, table), getattr(second, table))


def test_different_seed_gives_different_data() -> None:
    first = generate_raw_data(customers=200, orders=3000, seed=3)
    second = generate_raw_data(customers=200, orders=3000, seed=4)
    assert not first.orders.equals(second.orders)
    assert not first.customers["customer_name"].equals(second.customers["customer_name"])


def test_sizes_close_to_requested(raw: RawData) -> None:
    assert len(raw.customers) == CUSTOMERS
    assert abs(len(raw.orders) - ORDERS) / ORDERS < 0.03
    assert 35 <= len(raw.products) <= 45
    assert raw.products["category"].nunique() == 6


def test_dtypes(raw: RawData) -> None:
    expected_kinds = {
        "customers": {"customer_id": "i", "created_at": "M"},
        "accounts": {"account_id": "i", "customer_id": "i", "opened_at": "M"},
        "products": {"product_id": "i"},
        "events": {"event_id": "i", "customer_id": "i", "occurred_at": "M"},
        "orders": {
            "order_id": "i",
            "customer_id": "i",
            "product_id": "i",
            "ordered_at": "M",
            "amount": "f",
            "cost": "f",
        },
    }
    for table, columns in RAW_SCHEMA.items():
        frame = getattr(raw, table)
        assert list(frame.columns) == list(columns)
        for column, kind in expected_kinds[table].items():
            assert frame[column].dtype.kind == kind, (table, column)
        for column, sql_type in columns.items():
            if sql_type == "VARCHAR":
                assert pd.api.types.is_string_dtype(frame[column]), (table, column)
    assert str(raw.orders["account_id"].dtype) == "Int64"


def test_ids_unique(raw: RawData) -> None:
    for table, key in (("customers", "customer_id"), ("accounts", "account_id"), ("products", "product_id")):
        assert getattr(raw, table)[key].is_unique
    assert raw.orders["order_id"].is_unique
    assert raw.customers["email"].is_unique


def test_amounts_are_whole_cents(raw: RawData) -> None:
    for column in ("amount", "cost"):
        cents = raw.orders[column].to_numpy() * 100
        assert np.allclose(cents, np.round(cents), atol=1e-6)


# --------------------------------------------------------------------------- integrity


def test_referential_integrity(raw: RawData) -> None:
    orders = raw.orders
    assert orders["customer_id"].isin(raw.customers["customer_id"]).all()
    assert orders["product_id"].isin(raw.products["product_id"]).all()
    assert raw.accounts["customer_id"].isin(raw.customers["customer_id"]).all()
    with_account = orders.dropna(subset=["account_id"]).astype({"account_id": "int64"})
    joined = with_account.merge(raw.accounts, on="account_id", how="left", suffixes=("", "_account"))
    assert joined["customer_id_account"].notna().all()
    assert (joined["customer_id"] == joined["customer_id_account"]).all()
    assert (joined["opened_at"] <= joined["ordered_at"]).all()


def test_orders_after_customer_created(raw: RawData) -> None:
    joined = raw.orders.merge(raw.customers[["customer_id", "created_at"]], on="customer_id")
    assert (joined["ordered_at"] >= joined["created_at"]).all()


def test_consumers_hold_at_most_one_account(raw: RawData) -> None:
    consumers = raw.customers.loc[raw.customers["company_size"].isna(), "customer_id"]
    per_customer = raw.accounts.groupby("customer_id").size()
    assert per_customer.reindex(consumers).fillna(0).max() <= 1
    assert per_customer.max() > 1  # some businesses hold several


def test_no_order_after_end_date(raw: RawData) -> None:
    dates = order_dates(raw.orders)
    assert dates.max() == END
    assert dates.min() >= span_start(END, 36)


def test_status_values_and_signs(raw: RawData) -> None:
    orders = raw.orders
    assert set(orders["status"]) == {"completed", "refunded", "cancelled"}
    completed = orders[orders["status"] == "completed"]
    assert (completed["amount"] >= 0).all()
    assert ((completed["cost"] >= 0) & (completed["cost"] <= completed["amount"])).all()
    assert (completed["amount"] == 0).any()  # a few free orders
    assert (orders.loc[orders["status"] == "cancelled", "amount"] > 0).all()
    refunds = orders[orders["status"] == "refunded"]
    assert (refunds["amount"] < 0).all()
    assert (refunds["cost"] <= 0).all()


def test_refund_and_cancel_rates(raw: RawData) -> None:
    shares = raw.orders["status"].value_counts(normalize=True)
    assert 0.015 < shares["refunded"] < 0.05
    assert 0.01 < shares["cancelled"] < 0.035


def test_every_refund_follows_a_completed_order(raw: RawData) -> None:
    keys = ["customer_id", "account_id", "product_id"]
    orders = raw.orders.assign(account_id=raw.orders["account_id"].fillna(-1))
    refunds = orders[orders["status"] == "refunded"]
    completed = orders[orders["status"] == "completed"]
    pairs = refunds.merge(completed, on=keys, suffixes=("", "_original"))
    matches = pairs[
        (pairs["ordered_at"].dt.normalize() > pairs["ordered_at_original"].dt.normalize())
        & (pairs["amount_original"] >= -pairs["amount"])
    ]
    assert set(matches["order_id"]) == set(refunds["order_id"])


def test_random_customers_buy_less_often_than_planted_1(raw: RawData) -> None:
    completed = raw.orders[raw.orders["status"] == "completed"].groupby("customer_id").size()
    random = completed[completed.index >= FIRST_RANDOM_CUSTOMER_ID]
    assert random.max() < completed[3] < completed[1]


def test_many_customers_buy_few_products(raw: RawData) -> None:
    products = raw.orders.groupby("customer_id")["product_id"].nunique()
    assert (products <= 3).mean() > 0.6


# --------------------------------------------------------------------------- planted customers


def test_planted_ids() -> None:
    assert PLANTED_CUSTOMERS == {
        1: "steady_big_spender",
        2: "one_time_buyer",
        3: "lapsed_loyal",
        4: "refund_heavy",
        5: "b2b_single_product",
    }
    assert FIRST_RANDOM_CUSTOMER_ID == 6


def test_steady_big_spender(raw: RawData) -> None:
    orders = orders_of(raw, 1)
    assert set(orders["status"]) == {"completed"}
    days = pd.Series(sorted(set(order_dates(orders))))
    assert days.iloc[0] == span_start(END, 36)
    assert days.iloc[-1] == END
    assert days.diff().dropna().max() <= timedelta(days=7)
    assert orders["product_id"].nunique() >= 4
    assert orders["account_id"].nunique() == 2
    assert (raw.accounts["customer_id"] == 1).sum() == 2
    completed = raw.orders.loc[raw.orders["status"] == "completed", "amount"]
    assert orders["amount"].min() >= completed.quantile(0.97)
    margin = 1 - orders["cost"].sum() / orders["amount"].sum()
    assert 0.3 < margin < 0.5


def test_one_time_buyer(raw: RawData) -> None:
    orders = orders_of(raw, 2)
    assert len(orders) == 1
    order = orders.iloc[0]
    assert order["status"] == "completed"
    assert order["ordered_at"].date() == date(2024, 6, 30)
    completed = raw.orders.loc[raw.orders["status"] == "completed", "amount"]
    assert order["amount"] <= completed.median()


def test_lapsed_loyal(raw: RawData) -> None:
    orders = orders_of(raw, 3)
    assert order_dates(orders).max() == END - timedelta(days=240)
    assert len(orders) >= 8 * 24
    assert orders["amount"].min() >= raw.orders.loc[raw.orders["status"] == "completed", "amount"].median()


def test_refund_heavy(raw: RawData) -> None:
    orders = orders_of(raw, 4)
    completed = orders[orders["status"] == "completed"]
    assert order_dates(completed).max() >= END - timedelta(days=7)
    last_year = orders[order_dates(orders) > date(2024, 12, 31)]
    assert len(last_year[last_year["status"] == "completed"]) >= 30
    net = last_year.loc[last_year["status"].isin(["completed", "refunded"]), "amount"].sum()
    assert net <= 0
    refunded_share = (orders["status"] == "refunded").sum() / len(completed)
    assert refunded_share >= 0.9


def test_b2b_single_product(raw: RawData) -> None:
    orders = orders_of(raw, 5)
    assert set(orders["status"]) == {"completed"}
    assert len(orders) == 14
    assert orders["product_id"].nunique() == 1
    assert orders["account_id"].nunique() == 1
    assert (raw.accounts["customer_id"] == 5).sum() == 1
    months = orders["ordered_at"].dt.to_period("M")
    assert months.nunique() == 14
    assert months.max() == pd.Period(END, "M")
    assert (orders["ordered_at"].dt.day == 15).all()
    assert END - order_dates(orders).max() <= timedelta(days=20)
    customer = raw.customers.set_index("customer_id").loc[5]
    assert pd.notna(customer["industry"]) and pd.notna(customer["company_size"])


def test_other_end_date_and_short_span() -> None:
    end = date(2024, 6, 10)
    raw = generate_raw_data(customers=100, orders=2000, months=18, seed=1, end_date=end)
    dates = order_dates(raw.orders)
    assert dates.max() == end
    assert dates.min() >= span_start(end, 18) == date(2023, 1, 1)
    assert order_dates(orders_of(raw, 5)).max() == end  # the 15th is not reached yet in June
    assert order_dates(orders_of(raw, 3)).max() == end - timedelta(days=240)


@pytest.mark.parametrize(("kwargs", "message"), [({"customers": 4}, "customers"), ({"months": 6}, "months")])
def test_invalid_arguments(kwargs: dict[str, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_raw_data(**kwargs)


# --------------------------------------------------------------------------- loaders


def test_write_duckdb_round_trip(raw: RawData, tmp_path) -> None:
    path = tmp_path / "segmentation.duckdb"
    write_duckdb(raw, path)
    with duckdb.connect(str(path), read_only=True) as con:
        for table, columns in RAW_SCHEMA.items():
            described = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            assert described == list(columns.items())
            (count,) = con.execute(f"select count(*) from raw.{table}").fetchone()
            assert count == len(getattr(raw, table))
        total, nulls = con.execute(
            "select sum(amount), count(*) filter (where account_id is null) from raw.orders"
        ).fetchone()
    assert float(total) == pytest.approx(raw.orders["amount"].sum(), abs=0.01)
    assert nulls == raw.orders["account_id"].isna().sum()


@pytest.mark.parametrize("schema", ["landing", "raw"])
def test_write_duckdb_replaces_tables_and_append_adds_rows(raw: RawData, tmp_path, schema: str) -> None:
    # A file named like the schema makes unqualified names ambiguous in DuckDB.
    path = tmp_path / f"{schema}.duckdb"
    write_duckdb(raw, path, schema=schema)
    write_duckdb(raw, path, schema=schema)
    late = raw.orders.tail(2).assign(order_id=lambda df: df["order_id"] + 10_000_000)
    assert append_orders_duckdb(late, path, schema=schema) == 2
    with duckdb.connect(str(path), read_only=True) as con:
        (count,) = con.execute(f'select count(*) from "{schema}"."{schema}".orders').fetchone()
    assert count == len(raw.orders) + 2


def test_write_csv(raw: RawData, tmp_path) -> None:
    written = write_csv(raw, tmp_path / "csv")
    assert sorted(p.name for p in written) == [
        "accounts.csv",
        "customers.csv",
        "events.csv",
        "orders.csv",
        "products.csv",
    ]
    for path in written:
        header = path.read_text().splitlines()[0]
        assert header.split(",") == list(RAW_SCHEMA[path.stem])
    orders = pd.read_csv(tmp_path / "csv" / "orders.csv")
    assert len(orders) == len(raw.orders)
    assert orders["amount"].sum() == pytest.approx(raw.orders["amount"].sum(), abs=0.01)
