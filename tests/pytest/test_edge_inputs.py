"""Edge inputs and bad attributes (issue 12, findings 4 and 5): an amount too large for the money type, dates
before 1900 or after the run date become rejected rows with a reason, never a DECIMAL crash mid-build or a
silent cut of history; a customer whose created_at does not parse keeps its customer row (created_at null,
the bad value recorded in rejected_values) and with it every order and event."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import Warehouse
from reliability import record_figures, text_tables, write_text_duckdb
from segmentation.generator import generate_raw_data

# The customer whose created_at is planted unparseable: the one with the most orders.
BAD_CREATED_AT = "not a date"
EDGE_ORDERS = {
    # order_id: (changes to a valid completed order, expected reason)
    "edge-huge": ({"amount": "9999999999999999.99"}, "amount out of range"),
    "edge-huge-2": ({"amount": "10000000000.00"}, "amount out of range"),
    "edge-1850": ({"ordered_at": "1850-06-01 10:00:00"}, "ordered_at before 1900-01-01"),
    "edge-0001": ({"ordered_at": "0001-01-01"}, "ordered_at before 1900-01-01"),
    "edge-1899": ({"ordered_at": "1899-12-31 23:59:59"}, "ordered_at before 1900-01-01"),
    "edge-future": ({"ordered_at": "2999-01-01 00:00:00"}, "ordered_at after run date"),
}
# Staged with the value set to null, and the value recorded in rejected_values.
EDGE_COST_ORDER = "edge-cost"


@pytest.fixture(scope="module")
def edge(make_warehouse) -> tuple[Warehouse, dict[str, pd.DataFrame], str]:
    tables = text_tables(generate_raw_data(customers=120, orders=3_000, months=14, seed=7))
    orders, customers, events = tables["orders"], tables["customers"], tables["events"]
    busiest = orders["customer_id"].value_counts().idxmax()
    customers.loc[customers["customer_id"] == busiest, "created_at"] = BAD_CREATED_AT
    template = orders[(orders["status"] == "completed") & (orders["customer_id"] != busiest)].iloc[0]
    planted = [
        {**template.to_dict(), "order_id": oid, **changes} for oid, (changes, _) in EDGE_ORDERS.items()
    ]
    planted.append({**template.to_dict(), "order_id": EDGE_COST_ORDER, "cost": "99999999999999.00"})
    tables["orders"] = pd.concat([orders, pd.DataFrame(planted)], ignore_index=True)
    old_event = {**events.iloc[0].to_dict(), "event_id": "edge-event", "occurred_at": "1899-06-01 00:00:00"}
    tables["events"] = pd.concat([events, pd.DataFrame([old_event])], ignore_index=True)
    warehouse = make_warehouse("edge_inputs")
    write_text_duckdb(tables, warehouse.path)
    warehouse.dbt("build", "--exclude", "test_type:unit", check=False)
    return warehouse, tables, str(busiest)


def _failures(warehouse: Warehouse) -> dict[str, str]:
    result = warehouse.results[-1]
    return {
        node.node.unique_id: str(node.status)
        for node in result.result.results
        if str(node.status) not in {"success", "pass", "no-op"}
        and not node.node.unique_id.endswith(("assert_snapshots_are_not_thin", "warn_threshold"))
    }


def _reasons(warehouse: Warehouse, table: str) -> dict[str, str]:
    rows = warehouse.query(f"select source_key, reason from rejected_rows where source_table = '{table}'")
    return dict(zip(rows["source_key"], rows["reason"], strict=True))


def test_the_build_passes_with_edge_inputs(edge) -> None:
    # On a build without these rules one huge amount failed four models with a DECIMAL conversion error.
    warehouse, _, _ = edge
    assert _failures(warehouse) == {}


def test_out_of_range_amounts_and_dates_are_rejected_rows_with_a_reason(edge) -> None:
    warehouse, _, _ = edge
    reasons = _reasons(warehouse, "orders")
    assert {oid: reasons.get(oid) for oid in EDGE_ORDERS} == {
        oid: reason for oid, (_, reason) in EDGE_ORDERS.items()
    }
    assert _reasons(warehouse, "events").get("edge-event") == "occurred_at before 1900-01-01"
    staged = set(warehouse.query("select order_id from stg_orders")["order_id"])
    assert staged.isdisjoint(EDGE_ORDERS)


def test_history_starts_with_the_first_valid_order(edge) -> None:
    # No 1900-01-01 placeholder cuts or extends the history: it starts at the first valid order's period.
    warehouse, _, _ = edge
    first = warehouse.query("select min(order_date) as d from stg_orders where status = 'completed'")[
        "d"
    ].iloc[0]
    history = warehouse.query("select min(snapshot_date) as d from customer_rfm_history")["d"].iloc[0]
    assert pd.Timestamp(first).year > 1900
    assert pd.Timestamp(history) == pd.Timestamp(first) + pd.offsets.MonthEnd(0)


def test_an_out_of_range_cost_is_nulled_and_recorded(edge) -> None:
    warehouse, _, _ = edge
    staged = warehouse.query(f"select cost from stg_orders where order_id = '{EDGE_COST_ORDER}'")
    assert staged["cost"].isna().tolist() == [True]
    recorded = warehouse.query(
        f"select column_name, reason, raw_value from rejected_values where source_key = '{EDGE_COST_ORDER}'"
    )
    assert recorded.to_dict("records") == [
        {"column_name": "cost", "reason": "cost out of range", "raw_value": "99999999999999.00"}
    ]


def test_a_customer_with_a_bad_created_at_keeps_its_whole_history(edge) -> None:
    warehouse, tables, customer = edge
    raw_orders = int((tables["orders"]["customer_id"] == customer).sum())
    raw_events = int((tables["events"]["customer_id"] == customer).sum())
    staged_orders = warehouse.query(f"select count(*) as n from stg_orders where customer_id = '{customer}'")
    staged_events = warehouse.query(f"select count(*) as n from stg_events where customer_id = '{customer}'")
    customer_row = warehouse.query(f"select created_at from stg_customers where customer_id = '{customer}'")
    recorded = warehouse.query(
        f"select column_name, reason, raw_value from rejected_values "
        f"where source_table = 'customers' and source_key = '{customer}'"
    )
    current = warehouse.query(
        f"select count(*) as n from customer_segments_current where customer_id = '{customer}'"
    )
    record_figures(
        "edge_inputs",
        {
            "bad_created_at_customer_raw_orders": raw_orders,
            "bad_created_at_customer_staged_orders": int(staged_orders["n"].iloc[0]),
            "bad_created_at_customer_raw_events": raw_events,
            "bad_created_at_customer_staged_events": int(staged_events["n"].iloc[0]),
            "edge_rows_rejected_with_reason": len(EDGE_ORDERS) + 1,
        },
    )
    assert raw_orders > 50 and raw_events > 0
    assert customer_row["created_at"].isna().tolist() == [True]
    assert int(staged_orders["n"].iloc[0]) == raw_orders
    assert int(staged_events["n"].iloc[0]) == raw_events
    assert int(current["n"].iloc[0]) == 1
    assert recorded.to_dict("records") == [
        {"column_name": "created_at", "reason": "unparseable created_at", "raw_value": BAD_CREATED_AT}
    ]
    assert customer not in _reasons(warehouse, "customers")
