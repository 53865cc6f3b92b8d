"""The history in pandas, as a pandas user would write it, and the project's tuned numpy reference."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd

from .common import BUCKETS, WINDOW_MONTHS, sql, timed

# Every column the implementations share, in the model's order.
COMPARED_COLUMNS = (
    "customer_id",
    "snapshot_date",
    "as_of_date",
    "last_order_date",
    "recency_days",
    "frequency",
    "monetary",
    "recency_score",
    "frequency_score",
    "monetary_score",
    "rfm_code",
)


def load_staged_orders(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The staged orders the model reads, money as integer cents so sums and ties are exact."""
    return con.execute(sql("staged_orders_cents")).df()


def pandas_rfm_history(orders: pd.DataFrame, window_months: int = WINDOW_MONTHS, buckets: int = BUCKETS):
    """The monthly RFM history written the way a pandas user would: one filter and group-by per snapshot.

    ``orders`` has customer_id, order_date, status and cents (see ``load_staged_orders``).
    """
    orders = orders.assign(order_date=pd.to_datetime(orders["order_date"]))
    as_of = orders["order_date"].max()
    orders = orders[orders["status"].isin(["completed", "refunded"])]
    orders = orders.assign(is_completed=(orders["status"] == "completed").astype("int64"))
    completed = orders[orders["is_completed"] == 1]
    first_order = completed.groupby("customer_id")["order_date"].min()

    snapshots = []
    for month in pd.period_range(first_order.min(), as_of, freq="M"):
        snapshot_date = month.end_time.normalize()
        period_as_of = min(snapshot_date, as_of)
        window_start = period_as_of - pd.DateOffset(months=window_months)
        in_window = orders[(orders["order_date"] > window_start) & (orders["order_date"] <= period_as_of)]
        window_values = in_window.groupby("customer_id").agg(
            frequency=("is_completed", "sum"), monetary_cents=("cents", "sum")
        )
        last_order = (
            completed[completed["order_date"] <= period_as_of]
            .groupby("customer_id")["order_date"]
            .max()
            .rename("last_order_date")
        )
        customers = first_order.index[first_order <= period_as_of]
        snapshot = (
            pd.DataFrame(index=customers)
            .join(last_order)
            .join(window_values)
            .fillna({"frequency": 0, "monetary_cents": 0})
            .assign(snapshot_date=snapshot_date, as_of_date=period_as_of)
        )
        snapshots.append(snapshot)
    history = pd.concat(snapshots).rename_axis("customer_id").reset_index()
    history["recency_days"] = (history["as_of_date"] - history["last_order_date"]).dt.days
    history = history.astype({"frequency": "int64", "monetary_cents": "int64"})

    by_snapshot = history.groupby("snapshot_date")
    size = by_snapshot["customer_id"].transform("size")
    for column, ascending in (("recency_days", False), ("frequency", True), ("monetary_cents", True)):
        rank = by_snapshot[column].rank(method="min", ascending=ascending)
        pct = ((rank - 1) / (size - 1)).where(size > 1, 0.0)
        score = np.minimum(buckets, 1 + np.floor(pct * buckets)).astype("int64")
        history[column.split("_")[0] + "_score"] = score
    history["rfm_code"] = (
        history["recency_score"].astype(str)
        + history["frequency_score"].astype(str)
        + history["monetary_score"].astype(str)
    )
    return history


def write_frame(con: duckdb.DuckDBPyConnection, table: str, history: pd.DataFrame) -> None:
    """Write the pandas history as a table with the model's columns (money back from cents)."""
    frame = history.assign(monetary=history["monetary_cents"] / 100)[list(COMPARED_COLUMNS)]
    con.register("_bench_frame", frame)
    try:
        con.execute(f"create or replace table {table} as select * from _bench_frame")
    finally:
        con.unregister("_bench_frame")


def time_numpy_reference(con: duckdb.DuckDBPyConnection) -> float:
    """Compute time of the project's tuned numpy reference (segmentation.reference), for comparison."""
    from segmentation.reference import rfm_history

    orders = con.execute(sql("staged_orders")).df()
    seconds, _ = timed(lambda: rfm_history(orders))
    return seconds
