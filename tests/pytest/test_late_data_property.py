"""Late, corrected and replayed data on DuckDB (property-based): random small order sets and random sequences
of "load more orders, some dated in the newest already built periods", "orders of any age arrive
late", "old orders change status", "an order's amount changes" and "run again with nothing new"; after every
step every incremental model (and customer_segments_current) equals a full refresh of the same raw tables
(built in a second DuckDB file), and a run without new data changes nothing (tests/pytest/late_data.py)."""

from __future__ import annotations

from dataclasses import asdict
from itertools import count
from pathlib import Path

import pandas as pd
from conftest import Warehouse
from hypothesis import HealthCheck, Phase, given, settings
from late_data import Figures, Plan, plans, run_plan
from reliability import record_figures
from segmentation.generator import RawData
from segmentation.loaders import append_orders_duckdb, write_duckdb


class DuckdbEngine:
    def __init__(self, warehouse: Warehouse) -> None:
        self.warehouse = warehouse
        self.log_path: Path = warehouse.root / "logs" / "dbt.log"

    def replace_raw(self, raw: RawData) -> None:
        write_duckdb(raw, self.warehouse.path)

    def append_orders(self, orders: pd.DataFrame) -> None:
        append_orders_duckdb(orders, self.warehouse.path)

    def dbt(self, *args: str, dbt_vars: dict | None = None) -> object:
        return self.warehouse.dbt(*args, dbt_vars=dbt_vars)

    def table(self, name: str) -> pd.DataFrame:
        return self.warehouse.query(f"select * from {name}")


FIGURES = Figures()
EXAMPLE = count()


# Three plans of up to four steps: each step builds the whole incremental path twice (incremental and full
# refresh), so this keeps the module near six minutes on two cores.
@settings(
    max_examples=3,
    deadline=None,
    database=None,
    # No shrinking: each example builds two warehouses several times; the failing plan is printed as drawn.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans(max_steps=4))
def test_incremental_history_always_equals_a_full_refresh(make_warehouse, plan: Plan) -> None:
    number = next(EXAMPLE)
    incremental = DuckdbEngine(make_warehouse(f"property_incremental_{number}"))
    full = DuckdbEngine(make_warehouse(f"property_full_{number}"))
    try:
        run_plan(plan, incremental, full, FIGURES)
    finally:
        record_figures("late_data_duckdb", asdict(FIGURES))
    assert FIGURES.mismatches == 0
