"""A null or duplicate key never reaches an incremental merge: delete+insert matches with `=`, so a null key
part would leave old rows beside new ones and a duplicate key would insert twice. The guard checks every
incremental model's new batch and stops the model with a clear error, leaving the table unchanged."""

from __future__ import annotations

import pytest
from conftest import Warehouse
from reliability import record_figures
from segmentation.dbt_runner import DbtCommandError
from segmentation.generator import generate_raw_data

INCREMENTAL_MODELS = [
    "customer_rfm_history",
    "int_customer_snapshot_activity",
    "customer_behaviour_history",
    "customer_lifecycle_history",
    "customer_value_history",
    "customer_health_history",
]
HISTORY_SQL = "select * from customer_rfm_history order by customer_id, snapshot_date"


@pytest.fixture(scope="module")
def built(make_warehouse) -> Warehouse:
    warehouse = make_warehouse("merge_guard")
    warehouse.load(generate_raw_data(customers=40, orders=600, months=14, seed=2))
    warehouse.dbt("build", "--exclude", "test_type:unit")
    return warehouse


def _log_since(warehouse: Warehouse, start: int) -> str:
    with (warehouse.root / "logs" / "dbt.log").open(errors="replace") as handle:
        handle.seek(start)
        return handle.read()


def _log_size(warehouse: Warehouse) -> int:
    return (warehouse.root / "logs" / "dbt.log").stat().st_size


def test_every_incremental_model_checks_its_batch(built: Warehouse) -> None:
    start = _log_size(built)
    built.dbt("run", "--select", " ".join(INCREMENTAL_MODELS))
    guarded = [line for line in _log_since(built, start).splitlines() if "merge key guard: " in line]
    for model in INCREMENTAL_MODELS:
        assert any(model in line and "keys clean" in line for line in guarded), model
    record_figures(
        "merge_guard",
        {
            "incremental_models_guarded": len(INCREMENTAL_MODELS),
            "bad_batches_planted": 2 + sum(1 for _, problem in CRAFTED.values() if problem),
        },
    )


@pytest.mark.parametrize(
    ("planted", "problem"),
    [
        (
            "insert into int_rfm_periods select * from int_rfm_periods"
            " where snapshot_date = (select max(snapshot_date) from int_rfm_periods)",
            "keys (customer_id, snapshot_date) on more than one row",
        ),
        (
            # A completed order in the newest snapshot, so the row lands in the batch the run recomputes.
            "insert into int_customer_period_activity select * replace (cast(null as varchar) as customer_id)"
            " from int_customer_period_activity where last_completed_order_date is not null"
            " order by snapshot_date desc, customer_id limit 1",
            "rows with a null customer_id",
        ),
    ],
    ids=["duplicate_key", "null_customer_id"],
)
def test_a_bad_batch_stops_the_merge_and_leaves_the_history_unchanged(
    built: Warehouse, planted: str, problem: str
) -> None:
    before = built.query(HISTORY_SQL)
    built.execute(planted)
    try:
        with pytest.raises(DbtCommandError) as failure:
            built.dbt("run", "--select", "customer_rfm_history")
        message = str(failure.value)
        assert "Merge key guard: the new batch for" in message and "customer_rfm_history" in message
        assert problem in message
        assert "nothing was merged, the table is unchanged" in message
        after = built.query(HISTORY_SQL)
        assert after.equals(before)
    finally:
        built.dbt("run", "--select", "int_rfm_periods int_customer_period_activity")


CRAFTED = {
    "batch_clean": ("select 'a' as customer_id, date '2025-01-31' as snapshot_date", None),
    "batch_null_customer": (
        "select * from (values ('a', date '2025-01-31'), (null, date '2025-01-31'))"
        " as t(customer_id, snapshot_date)",
        "1 rows with a null customer_id",
    ),
    "batch_null_snapshot": (
        "select * from (values ('a', null::date), ('b', null::date)) as t(customer_id, snapshot_date)",
        "2 rows with a null snapshot_date",
    ),
    "batch_duplicate_key": (
        "select * from (values ('a', date '2025-01-31'), ('a', date '2025-01-31'), ('b', date '2025-01-31'))"
        " as t(customer_id, snapshot_date)",
        "1 keys (customer_id, snapshot_date) on more than one row",
    ),
    "batch_no_snapshot_column": ("select 'a' as customer_id", "has no column snapshot_date"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_guard_macro_on_crafted_batches(built: Warehouse, name: str) -> None:
    sql, problem = CRAFTED[name]
    built.execute(f"create or replace table main.{name} as {sql}")
    args = ["run-operation", "check_merge_keys", "--args", repr({"identifier": name})]
    if problem is None:
        built.dbt(*args)
        return
    start = _log_size(built)
    with pytest.raises(DbtCommandError):
        built.dbt(*args)
    assert problem in _log_since(built, start)
