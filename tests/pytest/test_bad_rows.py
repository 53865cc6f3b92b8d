"""Bad input (DESIGN.md "Bad input"): raw tables landed as text with every kind of bad row. Each bad row
reaches rejected_rows with its reason, raw = staged + rejected for every source, the build passes (with a
warning) below the error share and fails above it with a message naming the count and the top reasons. A bad
non-key attribute does not reject its row: the value becomes null and is recorded in rejected_values."""

from __future__ import annotations

from collections import Counter

import pandas as pd
import pytest
from conftest import Warehouse
from reliability import record_figures, text_tables, write_text_duckdb
from segmentation.dbt_runner import DbtCommandError
from segmentation.generator import generate_raw_data

STAGED = {
    "customers": "stg_customers",
    "accounts": "stg_accounts",
    "products": "stg_products",
    "orders": "stg_orders",
    "events": "stg_events",
}
UNKNOWN = "999999"


def _variant(frame: pd.DataFrame, position: int, **changes: str | None) -> dict:
    row = frame.iloc[position].to_dict()
    row.update(changes)
    return row


# (table, key, column, reason) of the values planted unusable in rows that are staged nonetheless.
NULLED = [
    ("customers", "c-bad", "created_at", "unparseable created_at"),
    ("accounts", "a-bad-2", "opened_at", "unparseable opened_at"),
    ("orders", "bad-14", "cost", "unparseable cost"),
]


def _plant(tables: dict[str, pd.DataFrame]) -> list[tuple[str, dict, str | None]]:
    """(table, raw row, expected reason) for every kind of bad row; rows are copies of valid rows with one
    thing wrong, so each carries exactly the planted reason. Reason None: the row must be staged."""
    customers, accounts, products = tables["customers"], tables["accounts"], tables["products"]
    orders, events = tables["orders"], tables["events"]
    completed = orders[(orders["status"] == "completed") & orders["account_id"].notna()].reset_index(
        drop=True
    )
    refunds = orders[orders["status"] == "refunded"].reset_index(drop=True)

    def order(n: int, **changes: str | None) -> dict:
        return _variant(completed, n, **{"order_id": f"bad-{n}", **changes})

    def event(n: int, **changes: str | None) -> dict:
        return _variant(events, n, **{"event_id": f"bad-event-{n}", **changes})

    rejected_customer = _variant(customers, 7, customer_id="c-bad", created_at="not a date")
    return [
        ("customers", _variant(customers, 6, customer_id=None), "null customer_id"),
        # A bad created_at is an attribute: the customer is staged with it null (NULLED).
        ("customers", rejected_customer, None),
        ("customers", _variant(customers, 8), "duplicate customer_id"),
        ("accounts", _variant(accounts, 3, account_id=None), "null account_id"),
        ("accounts", _variant(accounts, 4, account_id="a-bad", customer_id=UNKNOWN), "unknown customer_id"),
        (
            "accounts",
            _variant(accounts, 5, account_id="a-bad-2", opened_at="2025-02-30"),
            None,
        ),
        ("accounts", _variant(accounts, 6), "duplicate account_id"),
        ("products", _variant(products, 2, product_id=None), "null product_id"),
        ("products", _variant(products, 3), "duplicate product_id"),
        ("orders", order(1, order_id=None), "null order_id"),
        ("orders", order(2, customer_id=None), "null customer_id"),
        ("orders", order(3, customer_id=None), "null customer_id"),
        ("orders", order(4, customer_id=UNKNOWN, account_id=None), "unknown customer_id"),
        ("orders", order(5, customer_id="abc", account_id=None), "unknown customer_id"),
        # The customer with a bad created_at keeps its orders.
        ("orders", order(6, customer_id="c-bad", account_id=None), None),
        ("orders", order(7, ordered_at=None), "null ordered_at"),
        ("orders", order(8, ordered_at="2025-13-45 10:00:00"), "unparseable ordered_at"),
        ("orders", order(9, ordered_at="yesterday"), "unparseable ordered_at"),
        ("orders", order(10, ordered_at="2999-01-01 00:00:00"), "ordered_at after run date"),
        ("orders", order(23, ordered_at="1850-01-01 00:00:00"), "ordered_at before 1900-01-01"),
        ("orders", order(11, amount=None), "null amount"),
        ("orders", order(12, amount="12,50"), "unparseable amount"),
        ("orders", order(13, amount="abc"), "unparseable amount"),
        ("orders", order(24, amount="9999999999999999.99"), "amount out of range"),
        ("orders", order(14, cost="n/a"), None),
        ("orders", order(15, status="shipped"), "unknown status"),
        ("orders", order(16, status=None), "unknown status"),
        (
            "orders",
            _variant(refunds, 0, order_id="bad-refund", amount="25.00"),
            "positive amount on a refund",
        ),
        ("orders", order(17, amount="-5.00"), "negative amount on a non-refund"),
        ("orders", order(18, account_id="a-missing"), "unknown account_id"),
        ("orders", order(19, product_id="p-missing"), "unknown product_id"),
        # Exact copies and a conflicting copy (same order_id, another amount): one copy of each id is kept.
        ("orders", _variant(completed, 20), "duplicate order_id"),
        ("orders", _variant(completed, 21), "duplicate order_id"),
        ("orders", _variant(completed, 22, amount="1.00"), "conflicting duplicate order_id"),
        ("events", event(1, event_id=None), "null event_id"),
        ("events", event(2, customer_id=UNKNOWN), "unknown customer_id"),
        ("events", event(3, event_name=None), "null event_name"),
        ("events", event(4, occurred_at=None), "null occurred_at"),
        ("events", event(5, occurred_at="soon"), "unparseable occurred_at"),
        ("events", event(6, occurred_at="2999-06-01 00:00:00"), "occurred_at after run date"),
        ("events", event(8, occurred_at="1899-06-01 00:00:00"), "occurred_at before 1900-01-01"),
        ("events", _variant(events, 7), "duplicate event_id"),
    ]


@pytest.fixture(scope="module")
def planted(make_warehouse) -> tuple[Warehouse, list[tuple[str, dict, str]], dict[str, int]]:
    tables = text_tables(generate_raw_data(customers=80, orders=2_000, months=14, seed=3))
    bad_rows = _plant(tables)
    for table in tables:
        rows = [row for source, row, _ in bad_rows if source == table]
        tables[table] = pd.concat([tables[table], pd.DataFrame(rows, columns=tables[table].columns)])
    warehouse = make_warehouse("bad_rows")
    write_text_duckdb(tables, warehouse.path)
    warehouse.dbt("build", check=False)
    return warehouse, bad_rows, {table: len(frame) for table, frame in tables.items()}


def test_raw_tables_are_text(planted) -> None:
    warehouse, _, _ = planted
    types = warehouse.query(
        "select distinct data_type from information_schema.columns where table_schema = 'raw'"
    )
    assert set(types["data_type"]) == {"VARCHAR"}


def test_every_bad_row_is_rejected_with_its_reason(planted) -> None:
    warehouse, bad_rows, _ = planted
    expected = Counter((table, reason) for table, _, reason in bad_rows if reason is not None)
    counted = warehouse.query("select source_table, reason, count(*) as n from rejected_rows group by all")
    actual = Counter({(r.source_table, r.reason): int(r.n) for r in counted.itertuples()})
    assert actual == expected
    assert len({reason for _, reason in expected}) >= 20


def test_bad_attributes_are_nulled_and_recorded_not_rejected(planted) -> None:
    warehouse, _, _ = planted
    recorded = warehouse.query("select source_table, source_key, column_name, reason from rejected_values")
    assert sorted(recorded.itertuples(index=False, name=None)) == sorted(NULLED)
    keys = {"customers": "customer_id", "accounts": "account_id", "orders": "order_id"}
    for table, key, column, _ in NULLED:
        staged = warehouse.query(f"select {column} from {STAGED[table]} where {keys[table]} = '{key}'")
        assert staged[column].isna().tolist() == [True], (table, key)
    staged = warehouse.query("select count(*) as n from stg_orders where order_id = 'bad-6'")
    assert staged["n"].iloc[0] == 1


def test_raw_rows_equal_staged_plus_rejected(planted) -> None:
    warehouse, bad_rows, raw_rows = planted
    dropped = {}
    for table, staged_model in STAGED.items():
        staged = warehouse.query(f"select count(*) as n from {staged_model}")["n"].iloc[0]
        rejected = warehouse.query(f"select count(*) as n from rejected_rows where source_table = '{table}'")
        dropped[table] = int(raw_rows[table] - staged - rejected["n"].iloc[0])
    assert dropped == dict.fromkeys(STAGED, 0)
    record_figures(
        "bad_rows",
        {
            "bad_rows_planted": len(bad_rows),
            "reasons_planted": len({(table, reason) for table, _, reason in bad_rows if reason}),
            "values_nulled": len(NULLED),
            "raw_rows": raw_rows,
            "rows_silently_dropped": sum(dropped.values()),
        },
    )


def test_build_passes_with_a_warning_below_the_error_share(planted) -> None:
    warehouse, _, _ = planted
    result = warehouse.results[0]
    statuses = {
        n.node.unique_id.split(".")[2]: str(n.status)
        for n in result.result.results
        if not n.node.unique_id.startswith("exposure.")
    }
    assert statuses.pop("rejected_share_below_warn_threshold") == "warn"
    assert statuses.pop("rejected_share_below_error_threshold") == "pass"
    allowed_warnings = {"assert_snapshots_are_not_thin"}
    failed = {k: v for k, v in statuses.items() if v not in {"success", "pass"} and k not in allowed_warnings}
    assert result.success and not failed, failed
    _, bad_rows, raw_rows = planted
    log = (warehouse.root / "logs" / "dbt.log").read_text()
    rejected = Counter(table for table, _, reason in bad_rows if reason is not None)
    assert f"rejected_rows: {sum(rejected.values())} raw rows set aside" in log
    customers = f"customers: {rejected['customers']} of {raw_rows['customers']} raw rows rejected"
    assert f"Rejected raw rows above the warning share. {customers}" in log


def test_build_fails_above_the_error_share_naming_count_and_top_reasons(planted) -> None:
    warehouse, bad_rows, raw_rows = planted
    with pytest.raises(DbtCommandError) as failure:
        warehouse.dbt("test", "--select", "rejected_rows", dbt_vars={"rejected_rows_error_share": 0.01})
    message = str(failure.value)
    assert "Too many rejected raw rows" in message
    orders = Counter(reason for table, _, reason in bad_rows if table == "orders" and reason is not None)
    assert f"orders: {sum(orders.values())} of {raw_rows['orders']} raw rows rejected" in message
    top = sorted(orders.items(), key=lambda item: (-item[1], item[0]))[:3]
    assert "top reasons: " + ", ".join(f"{count} x {reason}" for reason, count in top) in message
    # Every source above 1% is named, each with its own count.
    for table in ("customers", "accounts", "products", "events"):
        count = sum(1 for source, _, reason in bad_rows if source == table and reason is not None)
        named = f"{table}: {count} of {raw_rows[table]} raw rows rejected" in message
        assert named == (count > 0.01 * raw_rows[table]), table
