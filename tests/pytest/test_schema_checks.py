"""Schema drift (issue 12, finding 7): a dropped or renamed raw column used to fail inside a staging model
with a binder error naming neither the table nor the column. Now `on-run-start` checks each raw source
before any model runs and fails with the table, the missing columns and the columns found."""

from __future__ import annotations

from conftest import Warehouse
from reliability import record_figures
from segmentation.generator import generate_raw_data


def test_a_missing_raw_column_fails_before_any_model_naming_table_columns_and_columns_found(
    make_warehouse,
) -> None:
    warehouse: Warehouse = make_warehouse("schema_drift")
    warehouse.load(generate_raw_data(customers=20, orders=200, months=14, seed=5))
    # cost dropped and amount renamed in orders; plan renamed in accounts.
    warehouse.execute(
        "alter table raw.orders drop column cost; "
        "alter table raw.orders rename column amount to amount_usd; "
        "alter table raw.accounts rename column plan to plan_name"
    )
    result = warehouse.dbt("build", check=False)
    assert not result.success
    message = str(result.exception)
    assert message.count("Schema check: ") == 1
    assert (
        "source table raw.orders is missing required column(s) amount, cost; columns found: order_id, "
        "customer_id, account_id, product_id, ordered_at, amount_usd, status" in message
    ), message
    assert (
        "source table raw.accounts is missing required column(s) plan; columns found: account_id, "
        "customer_id, plan_name, opened_at" in message
    ), message
    assert "Binder Error" not in message
    # No model ran: nothing but the raw tables exists.
    built = warehouse.query("select count(*) as n from information_schema.tables where table_schema <> 'raw'")
    assert int(built["n"].iloc[0]) == 0
    record_figures("schema_checks", {"message": message.split("Schema check: ", 1)[1][:400]})
