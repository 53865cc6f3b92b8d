"""A refund dated in a period before the customer's first completed order counts in monetary (inside the
window) on a full refresh exactly as after an incremental run, and both agree with the pandas reference."""

from __future__ import annotations

import pandas as pd
from conftest import Warehouse
from segmentation.generator import RawData, generate_raw_data
from segmentation.loaders import append_orders_duckdb
from test_pipeline import HISTORY_SQL, KEY, assert_history_matches_reference

CUTOFF = pd.Timestamp("2025-09-30 23:59:59")


def _with_early_refunds(raw: RawData) -> tuple[RawData, dict[int, float]]:
    """Two new customers whose first row is a refund: one buys for the first time before CUTOFF (the first
    load), one after it (arrives with the incremental load). Returns the data and each one's net revenue."""
    first_id = int(raw.customers["customer_id"].max()) + 1
    customers = raw.customers.iloc[[10, 11]].copy()
    customers["customer_id"] = [first_id, first_id + 1]
    customers["created_at"] = pd.Timestamp("2025-01-01")
    product = int(raw.products["product_id"].iloc[0])
    next_order = int(raw.orders["order_id"].max()) + 1
    planted = pd.DataFrame(
        {
            "order_id": range(next_order, next_order + 4),
            "customer_id": [first_id, first_id, first_id + 1, first_id + 1],
            "account_id": pd.array([None] * 4, dtype="Int64"),
            "product_id": [product] * 4,
            "ordered_at": pd.to_datetime(
                ["2025-02-10 09:00", "2025-06-15 10:00", "2025-05-01 11:00", "2025-11-20 12:00"]
            ),
            "amount": [-40.0, 100.0, -25.0, 300.0],
            "cost": [0.0, 50.0, 0.0, 150.0],
            "status": ["refunded", "completed", "refunded", "completed"],
        }
    )
    data = RawData(
        customers=pd.concat([raw.customers, customers], ignore_index=True),
        accounts=raw.accounts,
        products=raw.products,
        orders=pd.concat([raw.orders, planted], ignore_index=True),
        events=None,
    )
    return data, {first_id: 60.0, first_id + 1: 275.0}


def _history(warehouse: Warehouse) -> pd.DataFrame:
    return warehouse.query(HISTORY_SQL).sort_values(KEY).reset_index(drop=True)


def _first_monetary(history: pd.DataFrame, customer_id: int) -> float:
    rows = history[history["customer_id"] == str(customer_id)].sort_values("snapshot_date")
    return float(rows["monetary_cents"].iloc[0]) / 100


def test_refund_before_first_order_counts_on_full_refresh_and_incremental(make_warehouse) -> None:
    raw, net_revenue = _with_early_refunds(generate_raw_data(customers=120, orders=3_000, months=14, seed=21))
    early = raw.orders["ordered_at"] <= CUTOFF
    dbt_vars = {"events_enabled": False}
    select = [
        "--select",
        "+customer_rfm_history",
        "--exclude",
        "test_type:unit",
        "--indirect-selection",
        "cautious",
    ]

    incremental = make_warehouse("late_refund_incremental")
    incremental.load(
        RawData(raw.customers, raw.accounts, raw.products, raw.orders[early].reset_index(drop=True), None)
    )
    incremental.dbt("build", *select, dbt_vars=dbt_vars)
    assert_history_matches_reference(incremental)
    append_orders_duckdb(raw.orders[~early], incremental.path)
    incremental.dbt("build", *select, dbt_vars=dbt_vars)
    assert_history_matches_reference(incremental)

    full = make_warehouse("late_refund_full")
    full.load(raw)
    full.dbt("build", *select, "--full-refresh", dbt_vars=dbt_vars)
    assert_history_matches_reference(full)

    incremental_history, full_history = _history(incremental), _history(full)
    pd.testing.assert_frame_equal(incremental_history, full_history, check_dtype=False)
    for customer_id, expected in net_revenue.items():
        assert _first_monetary(full_history, customer_id) == expected
