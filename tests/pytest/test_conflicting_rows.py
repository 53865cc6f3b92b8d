"""Conflicting copies of one order (issue 12, finding 3): two rows with the same order_id and different
content follow one documented rule, whatever order they were loaded in. Without a version column a copy
that reports the order completed wins over one that reports it cancelled, then the larger amount wins; with
``orders_version_column`` the newest version wins. Discarded copies are 'conflicting duplicate order_id';
exact copies (the same values, however spelled) keep 'duplicate order_id'."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import Warehouse
from reliability import record_figures, text_tables, write_text_duckdb
from segmentation.generator import generate_raw_data

SELECT = ["--select", "+stg_orders", "+rejected_rows"]
OLD_VERSION, NEW_VERSION = "2025-01-01 00:00:00", "2025-02-01 00:00:00"


def _plant(orders: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, dict]]:
    """Originals (version OLD) and their copies (version NEW): the table and the planted ids' cases."""
    completed = orders[(orders["status"] == "completed") & orders["cost"].notna()].reset_index(drop=True)
    status_conflict, amount_conflict, exact = (completed.iloc[i].to_dict() for i in (3, 4, 5))
    higher = f"{float(amount_conflict['amount']) + 100:.2f}"
    copies = [
        {**status_conflict, "status": "cancelled"},
        {**amount_conflict, "amount": higher},
        # The same order, its amount spelled with one more zero: an exact copy, not a conflict.
        {**exact, "amount": exact["amount"] + "0"},
    ]
    table = orders.assign(updated_at=OLD_VERSION)
    table = pd.concat([table, pd.DataFrame(copies).assign(updated_at=NEW_VERSION)], ignore_index=True)
    cases = {
        "status": {"order_id": status_conflict["order_id"], "original": "completed", "copy": "cancelled"},
        "amount": {
            "order_id": amount_conflict["order_id"],
            "original": amount_conflict["amount"],
            "copy": higher,
        },
        "exact": {"order_id": exact["order_id"]},
    }
    return table, cases


@pytest.fixture(scope="module")
def builds(make_warehouse) -> tuple[dict[tuple[str, str], dict], dict[str, dict]]:
    """stg_orders and rejected order rows of the planted ids, per (load order, rule)."""
    tables = text_tables(generate_raw_data(customers=60, orders=1_200, months=14, seed=9))
    orders, cases = _plant(tables["orders"])
    ids = [case["order_id"] for case in cases.values()]
    captured = {}
    for load_order in ("originals_first", "copies_first"):
        tables["orders"] = orders if load_order == "originals_first" else orders.iloc[::-1]
        warehouse: Warehouse = make_warehouse(f"conflicts_{load_order}")
        write_text_duckdb(tables, warehouse.path)
        for rule, dbt_vars in (("content", None), ("version", {"orders_version_column": "updated_at"})):
            warehouse.dbt("run", *SELECT, dbt_vars=dbt_vars)
            id_list = ", ".join(f"'{i}'" for i in ids)
            staged = warehouse.query(
                f"select order_id, status, cast(amount as varchar) as amount from stg_orders "
                f"where order_id in ({id_list}) order by order_id"
            )
            rejected = warehouse.query(
                f"select source_key, reason, raw_values from rejected_rows "
                f"where source_table = 'orders' and source_key in ({id_list}) order by source_key"
            )
            captured[(load_order, rule)] = {
                "staged": staged.to_dict("records"),
                "rejected": rejected.to_dict("records"),
            }
    return captured, cases


def _staged(captured: dict, order_id: str) -> dict:
    (row,) = [r for r in captured["staged"] if r["order_id"] == order_id]
    return row


def _reason(captured: dict, order_id: str) -> str:
    (row,) = [r for r in captured["rejected"] if r["source_key"] == order_id]
    return row["reason"]


def test_the_rule_does_not_depend_on_load_order(builds) -> None:
    captured, _ = builds
    for rule in ("content", "version"):
        assert captured[("originals_first", rule)] == captured[("copies_first", rule)], rule


@pytest.mark.parametrize("load_order", ["originals_first", "copies_first"])
def test_without_a_version_completed_beats_cancelled_and_the_larger_amount_wins(builds, load_order) -> None:
    captured, cases = builds
    result = captured[(load_order, "content")]
    assert _staged(result, cases["status"]["order_id"])["status"] == "completed"
    assert _staged(result, cases["amount"]["order_id"])["amount"] == cases["amount"]["copy"]
    assert _reason(result, cases["status"]["order_id"]) == "conflicting duplicate order_id"
    assert _reason(result, cases["amount"]["order_id"]) == "conflicting duplicate order_id"
    assert _reason(result, cases["exact"]["order_id"]) == "duplicate order_id"
    assert len(result["staged"]) == len(result["rejected"]) == 3


@pytest.mark.parametrize("load_order", ["originals_first", "copies_first"])
def test_with_a_version_column_the_newest_copy_wins(builds, load_order) -> None:
    captured, cases = builds
    result = captured[(load_order, "version")]
    # The newer copy wins even where the content rule would keep the other one.
    assert _staged(result, cases["status"]["order_id"])["status"] == "cancelled"
    assert _staged(result, cases["amount"]["order_id"])["amount"] == cases["amount"]["copy"]
    assert _reason(result, cases["status"]["order_id"]) == "conflicting duplicate order_id"
    assert _reason(result, cases["exact"]["order_id"]) == "duplicate order_id"
    # The discarded rows keep the version they carried, for inspection.
    discarded = {r["source_key"]: r["raw_values"] for r in result["rejected"]}
    assert discarded[cases["status"]["order_id"]].endswith(OLD_VERSION)
    record_figures(
        "conflicting_rows",
        {
            "load_orders": 2,
            "rules": 2,
            "conflicts_planted": 2,
            "exact_copies_planted": 1,
            "results_equal_across_load_orders": True,
        },
    )
