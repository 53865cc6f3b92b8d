"""Tests for the independent pandas RFM reference implementation.

Expectations are computed by hand from the specification; the randomized test compares
against a deliberately naive brute force (loop over snapshots, filter, count) that shares
no code with the vectorised implementation.
"""

from __future__ import annotations

import calendar
import csv
import functools
import math
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
if str(SCRIPTS) not in sys.path:
    # Lets the tests run without `pip install -e .`.
    sys.path.insert(0, str(SCRIPTS))

from segmentation.reference import (  # noqa: E402
    OUTPUT_COLUMNS,
    load_orders_from_duckdb,
    read_score_breaks,
    rfm_history,
)

SCORE_BREAKS_CSV = Path(__file__).resolve().parents[2] / "seeds" / "rfm_score_breaks.csv"

Row = tuple[str, str, str, str]  # customer_id, ordered_at, amount, status


def make_orders(rows: list[Row]) -> pd.DataFrame:
    """Orders from (customer_id, ordered_at, amount, status) tuples; amounts as Decimal."""
    return pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "order_id": [f"o{i}" for i in range(len(rows))],
            "ordered_at": pd.to_datetime([r[1] for r in rows], format="ISO8601"),
            "amount": [Decimal(r[2]) for r in rows],
            "status": [r[3] for r in rows],
        }
    )


def snapshot(result: pd.DataFrame, snapshot_date: str) -> pd.DataFrame:
    """The rows of one snapshot, indexed by customer_id."""
    rows = result[result["snapshot_date"] == pd.Timestamp(snapshot_date)]
    return rows.set_index("customer_id")


def one(result: pd.DataFrame, customer_id: str, snapshot_date: str) -> pd.Series:
    rows = snapshot(result, snapshot_date)
    assert customer_id in rows.index, f"{customer_id} has no row on {snapshot_date}"
    return rows.loc[customer_id]


def snapshot_dates(result: pd.DataFrame) -> list[str]:
    return [d.strftime("%Y-%m-%d") for d in result["snapshot_date"].drop_duplicates()]


# ------------------------------------------------------------------------ scoring


def test_ties_get_equal_scores() -> None:
    # Monetary 1, 2, 2, 2, 5 -> rank_min 1, 2, 2, 2, 5 -> pct 0, .25, .25, .25, 1
    # -> scores 1, 2, 2, 2, 5. Same day and one order each, so R and F tie completely.
    orders = make_orders(
        [
            ("a", "2024-01-10", "1.00", "completed"),
            ("b", "2024-01-10", "2.00", "completed"),
            ("c", "2024-01-10", "2.00", "completed"),
            ("d", "2024-01-10", "2.00", "completed"),
            ("e", "2024-01-10", "5.00", "completed"),
        ]
    )
    rows = snapshot(rfm_history(orders), "2024-01-31")
    assert rows["monetary_score"].to_dict() == {"a": 1, "b": 2, "c": 2, "d": 2, "e": 5}
    assert set(rows["recency_score"]) == {1}
    assert set(rows["frequency_score"]) == {1}
    assert rows["rfm_code"].to_dict() == {"a": "111", "b": "112", "c": "112", "d": "112", "e": "115"}


def test_recency_better_is_higher() -> None:
    # Recency 20, 10, 0 days ordered descending -> pct 0, .5, 1 -> scores 1, 3, 5.
    orders = make_orders(
        [
            ("a", "2024-01-01", "1.00", "completed"),
            ("b", "2024-01-11", "1.00", "completed"),
            ("c", "2024-01-21", "1.00", "completed"),
        ]
    )
    rows = snapshot(rfm_history(orders), "2024-01-31")
    assert rows["recency_days"].to_dict() == {"a": 20, "b": 10, "c": 0}
    assert rows["recency_score"].to_dict() == {"a": 1, "b": 3, "c": 5}


def test_percent_rank_float_arithmetic() -> None:
    # n = 11, buckets = 5: pct = k/10, and 1 + floor(pct * 5) in float64 gives
    # 1,1,2,2,3,3,4,4,5,5,5 (0.3*5 and 0.7*5 stay just above/below exact as written).
    rows_in = [(f"c{k:02d}", "2024-01-10", f"{k + 1}.00", "completed") for k in range(11)]
    rows = snapshot(rfm_history(make_orders(rows_in)), "2024-01-31")
    expected = [min(5, 1 + math.floor((k / 10) * 5)) for k in range(11)]
    assert rows["monetary_score"].tolist() == expected
    assert expected == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5]


def test_single_customer_snapshot_scores_one() -> None:
    orders = make_orders([("a", "2024-01-10", "99.99", "completed")])
    result = rfm_history(orders)
    assert len(result) == 1
    row = result.iloc[0]
    assert (row["recency_score"], row["frequency_score"], row["monetary_score"]) == (1, 1, 1)
    assert row["rfm_code"] == "111"


def test_scores_are_per_snapshot() -> None:
    # In January a is alone (score 1 everywhere); in February b joins with more money.
    orders = make_orders(
        [
            ("a", "2024-01-10", "10.00", "completed"),
            ("b", "2024-02-10", "20.00", "completed"),
        ]
    )
    result = rfm_history(orders)
    assert one(result, "a", "2024-01-31")["rfm_code"] == "111"
    feb = snapshot(result, "2024-02-29")
    assert feb["rfm_code"].to_dict() == {"a": "111", "b": "515"}


def test_ntile_group_sizes_put_remainder_first() -> None:
    # n = 7, buckets = 3 -> group sizes 3, 2, 2 over monetary ascending.
    rows_in = [(f"c{k}", "2024-01-10", f"{k + 1}.00", "completed") for k in range(7)]
    rows = snapshot(rfm_history(make_orders(rows_in), buckets=3, score_method="ntile"), "2024-01-31")
    assert rows["monetary_score"].tolist() == [1, 1, 1, 2, 2, 3, 3]


def test_ntile_breaks_ties_by_customer_id_string_order() -> None:
    # Everything ties, so tiles follow customer_id as strings: "1" < "10" < "2" < ... < "6".
    ids = ["2", "10", "6", "1", "3", "5", "4"]
    rows_in = [(c, "2024-01-10", "5.00", "completed") for c in ids]
    result = rfm_history(make_orders(rows_in), buckets=3, score_method="ntile")
    rows = snapshot(result, "2024-01-31")
    assert rows.index.tolist() == ["1", "10", "2", "3", "4", "5", "6"]
    for column in ("recency_score", "frequency_score", "monetary_score"):
        assert rows[column].tolist() == [1, 1, 1, 2, 2, 3, 3]


def test_ntile_recency_orders_by_recency_descending() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-25", "1.00", "completed"),
            ("b", "2024-01-05", "1.00", "completed"),
            ("c", "2024-01-15", "1.00", "completed"),
        ]
    )
    rows = snapshot(rfm_history(orders, buckets=3, score_method="ntile"), "2024-01-31")
    assert rows["recency_score"].to_dict() == {"a": 3, "b": 1, "c": 2}


def test_ntile_fewer_rows_than_buckets() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-10", "1.00", "completed"),
            ("b", "2024-01-10", "2.00", "completed"),
        ]
    )
    rows = snapshot(rfm_history(orders, score_method="ntile"), "2024-01-31")
    assert rows["monetary_score"].to_dict() == {"a": 1, "b": 2}


# ------------------------------------------------------------------------ metrics


def test_refunds_subtract_from_monetary_and_do_not_count_in_frequency() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-05", "100.00", "completed"),
            ("a", "2024-01-10", "-30.00", "refunded"),
        ]
    )
    row = one(rfm_history(orders), "a", "2024-01-31")
    assert row["frequency"] == 1
    assert row["monetary_cents"] == 7000
    assert row["monetary"] == 70.0
    # The refund is not an order for recency, but it does set the data's as-of date.
    assert row["last_order_date"] == pd.Timestamp("2024-01-05")
    assert row["as_of_date"] == pd.Timestamp("2024-01-10")
    assert row["recency_days"] == 5


def test_cancelled_rows_count_nowhere() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-05", "100.00", "completed"),
            ("a", "2024-01-20", "50.00", "cancelled"),
            ("b", "2024-01-06", "70.00", "cancelled"),
        ]
    )
    result = rfm_history(orders)
    assert result["customer_id"].tolist() == ["a"]
    row = result.iloc[0]
    assert (row["frequency"], row["monetary_cents"]) == (1, 10000)
    assert row["last_order_date"] == pd.Timestamp("2024-01-05")
    # Only the default as-of date looks at cancelled orders (latest order of any status).
    assert row["as_of_date"] == pd.Timestamp("2024-01-20")
    assert row["recency_days"] == 15


def test_several_orders_on_one_day_count_separately() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-10 08:00", "1.10", "completed"),
            ("a", "2024-01-10 12:30", "2.20", "completed"),
            ("a", "2024-01-10 23:59:59", "3.30", "completed"),
        ]
    )
    row = one(rfm_history(orders), "a", "2024-01-31")
    assert (row["frequency"], row["monetary_cents"], row["recency_days"]) == (3, 660, 0)
    assert row["last_order_date"] == pd.Timestamp("2024-01-10")


def test_zero_amount_order_counts_in_frequency() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-10", "0.00", "completed"),
            ("a", "2024-01-12", "5.00", "completed"),
            ("b", "2024-01-11", "0.00", "completed"),
        ]
    )
    rows = snapshot(rfm_history(orders), "2024-01-31")
    assert rows.loc["a", "frequency"] == 2
    assert rows.loc["a", "monetary_cents"] == 500
    # A customer whose only completed order is free still gets a row.
    assert (rows.loc["b", "frequency"], rows.loc["b", "monetary_cents"]) == (1, 0)


def test_amounts_as_floats_are_converted_to_exact_cents() -> None:
    orders = make_orders([("a", "2024-01-10", "0.10", "completed"), ("a", "2024-01-11", "0.20", "completed")])
    orders["amount"] = [0.1, 0.2]
    row = one(rfm_history(orders), "a", "2024-01-31")
    assert row["monetary_cents"] == 30
    assert row["monetary"] == 0.3


# ------------------------------------------------------------------------- window


def test_window_boundary_day_is_out_and_next_day_is_in() -> None:
    orders = make_orders(
        [
            ("a", "2024-06-15", "1.00", "completed"),  # exactly as_of - 12 months: OUT
            ("a", "2024-06-16", "2.00", "completed"),  # the day after: IN
        ]
    )
    result = rfm_history(orders, as_of_date="2025-06-15")
    june = one(result, "a", "2025-06-30")
    assert june["as_of_date"] == pd.Timestamp("2025-06-15")
    assert (june["frequency"], june["monetary_cents"]) == (1, 200)
    may = one(result, "a", "2025-05-31")  # window (2024-05-31, 2025-05-31]
    assert (may["frequency"], may["monetary_cents"]) == (2, 300)


def test_window_start_clamps_to_month_end_feb_29() -> None:
    # 2025-02-28 minus 12 months = 2024-02-28, so 2024-02-29 is inside the window.
    orders = make_orders(
        [
            ("a", "2024-02-28", "2.00", "completed"),
            ("a", "2024-02-29", "1.00", "completed"),
        ]
    )
    row = one(rfm_history(orders, as_of_date="2025-02-28"), "a", "2025-02-28")
    assert (row["frequency"], row["monetary_cents"]) == (1, 100)


def test_window_start_clamps_to_month_end_march_31() -> None:
    # 2024-03-31 minus 1 month = 2024-02-29 (clamped): 02-29 is OUT, 03-01 is IN.
    orders = make_orders(
        [
            ("a", "2024-02-29", "1.00", "completed"),
            ("a", "2024-03-01", "2.00", "completed"),
            ("a", "2024-03-31", "0.00", "cancelled"),
        ]
    )
    row = one(rfm_history(orders, window_months=1), "a", "2024-03-31")
    assert row["as_of_date"] == pd.Timestamp("2024-03-31")
    assert (row["frequency"], row["monetary_cents"]) == (1, 200)


def test_customer_whose_orders_left_the_window_keeps_rows() -> None:
    orders = make_orders(
        [
            ("a", "2023-01-10", "5.00", "completed"),
            ("b", "2024-06-01", "7.00", "completed"),
        ]
    )
    result = rfm_history(orders)
    a_rows = result[result["customer_id"] == "a"]
    assert len(a_rows) == 18  # Jan 2023 .. Jun 2024
    dec = one(result, "a", "2023-12-31")  # window (2022-12-31, 2023-12-31]
    assert (dec["frequency"], dec["monetary_cents"]) == (1, 500)
    jan = one(result, "a", "2024-01-31")  # window (2023-01-31, 2024-01-31]
    assert (jan["frequency"], jan["monetary_cents"]) == (0, 0)
    assert jan["recency_days"] == (date(2024, 1, 31) - date(2023, 1, 10)).days
    assert jan["last_order_date"] == pd.Timestamp("2023-01-10")


def test_window_months_zero_means_all_history() -> None:
    orders = make_orders(
        [
            ("a", "2020-01-15", "1.00", "completed"),
            ("a", "2024-06-01", "2.00", "completed"),
            ("a", "2021-03-01", "-0.50", "refunded"),
        ]
    )
    result = rfm_history(orders, grain="quarter", window_months=0)
    row = one(result, "a", "2024-06-30")
    assert (row["frequency"], row["monetary_cents"]) == (2, 250)
    with_window = one(rfm_history(orders, grain="quarter"), "a", "2024-06-30")
    assert (with_window["frequency"], with_window["monetary_cents"]) == (1, 200)


# ------------------------------------------------------------------------ periods


def test_newest_period_as_of_is_latest_order_date() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-10", "1.00", "completed"),
            ("a", "2024-03-15 18:00", "1.00", "refunded"),
        ]
    )
    result = rfm_history(orders)
    assert snapshot_dates(result) == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert result["as_of_date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-31", "2024-02-29", "2024-03-15"]
    assert result["recency_days"].tolist() == [21, 50, 65]


def test_orders_after_explicit_as_of_date_are_ignored() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-10", "1.00", "completed"),
            ("a", "2024-02-20", "9.00", "completed"),
            ("b", "2024-02-21", "9.00", "completed"),
        ]
    )
    result = rfm_history(orders, as_of_date=date(2024, 2, 15))
    assert result["customer_id"].tolist() == ["a", "a"]
    last = one(result, "a", "2024-02-29")
    assert last["as_of_date"] == pd.Timestamp("2024-02-15")
    assert (last["frequency"], last["monetary_cents"], last["recency_days"]) == (1, 100, 36)


def test_week_grain_uses_iso_weeks_ending_sunday() -> None:
    orders = make_orders(
        [
            ("a", "2024-12-24", "1.00", "completed"),  # Tuesday -> week ends Sun 2024-12-29
            ("a", "2025-01-06", "1.00", "completed"),  # Monday -> week ends Sun 2025-01-12
        ]
    )
    result = rfm_history(orders, grain="week")
    assert snapshot_dates(result) == ["2024-12-29", "2025-01-05", "2025-01-12"]
    assert result["as_of_date"].iloc[-1] == pd.Timestamp("2025-01-06")


def test_quarter_grain_snapshot_dates() -> None:
    orders = make_orders(
        [
            ("a", "2024-02-10", "1.00", "completed"),
            ("a", "2024-08-01", "1.00", "completed"),
        ]
    )
    result = rfm_history(orders, grain="quarter")
    assert snapshot_dates(result) == ["2024-03-31", "2024-06-30", "2024-09-30"]
    assert result["frequency"].tolist() == [1, 1, 2]


def test_day_grain_snapshot_dates() -> None:
    orders = make_orders(
        [
            ("a", "2024-02-28", "1.00", "completed"),
            ("a", "2024-03-02", "1.00", "completed"),
        ]
    )
    result = rfm_history(orders, grain="day")
    assert snapshot_dates(result) == ["2024-02-28", "2024-02-29", "2024-03-01", "2024-03-02"]
    assert result["recency_days"].tolist() == [0, 1, 2, 0]
    assert (result["snapshot_date"] == result["as_of_date"]).all()


def test_rows_start_at_first_completed_order_period() -> None:
    orders = make_orders(
        [
            ("a", "2024-01-15", "10.00", "completed"),
            ("b", "2023-12-20", "-4.00", "refunded"),  # before b's first completed order
            ("b", "2024-01-25", "3.00", "cancelled"),
            ("b", "2024-03-02", "8.00", "completed"),
            ("c", "2024-02-10", "-5.00", "refunded"),  # refund-only customer: no rows
        ]
    )
    result = rfm_history(orders)
    # The first period is January (first completed order), not December (the refund).
    assert snapshot_dates(result) == ["2024-01-31", "2024-02-29", "2024-03-31"]
    assert result.groupby("customer_id")["snapshot_date"].min().dt.strftime("%Y-%m-%d").to_dict() == {
        "a": "2024-01-31",
        "b": "2024-03-31",
    }
    b = one(result, "b", "2024-03-31")
    # The December refund is inside b's 12-month window and counts in monetary.
    assert (b["frequency"], b["monetary_cents"]) == (1, 400)


def test_no_completed_orders_gives_empty_result() -> None:
    orders = make_orders([("a", "2024-01-10", "-1.00", "refunded")])
    result = rfm_history(orders)
    assert result.empty
    assert result.columns.tolist() == OUTPUT_COLUMNS


def test_output_columns_types_and_order() -> None:
    orders = make_orders(
        [
            ("b", "2024-01-10", "1.00", "completed"),
            ("a", "2024-02-10", "2.00", "completed"),
        ]
    )
    result = rfm_history(orders)
    assert result.columns.tolist() == OUTPUT_COLUMNS
    assert list(zip(result["snapshot_date"].dt.strftime("%m"), result["customer_id"], strict=True)) == [
        ("01", "b"),
        ("02", "a"),
        ("02", "b"),
    ]
    for column in ("snapshot_date", "as_of_date", "last_order_date"):
        assert pd.api.types.is_datetime64_dtype(result[column])
    for column in ("recency_days", "frequency", "monetary_cents", "recency_score"):
        assert pd.api.types.is_integer_dtype(result[column])
    assert pd.api.types.is_float_dtype(result["monetary"])


def test_invalid_parameters_are_rejected() -> None:
    orders = make_orders([("a", "2024-01-10", "1.00", "completed")])
    with pytest.raises(ValueError, match="grain"):
        rfm_history(orders, grain="year")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="score_method"):
        rfm_history(orders, score_method="dense")  # type: ignore[arg-type]


def test_load_orders_from_duckdb(tmp_path: Path) -> None:
    duckdb = pytest.importorskip("duckdb")
    path = str(tmp_path / "orders.duckdb")
    with duckdb.connect(path) as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.orders (order_id bigint, customer_id bigint, ordered_at timestamp,"
            " amount decimal(12,2), status varchar)"
        )
        con.execute(
            "insert into raw.orders values (1, 10, '2024-01-10 09:00', 12.34, 'completed'),"
            " (2, 9, '2024-01-11', 0.01, 'completed')"
        )
    orders = load_orders_from_duckdb(path)
    assert orders["customer_id"].tolist() == ["10", "9"]
    assert orders["order_id"].tolist() == ["1", "2"]
    result = rfm_history(orders)
    assert result["customer_id"].tolist() == ["10", "9"]  # string order
    assert result["monetary_cents"].tolist() == [1234, 1]


# ------------------------------------------------------------- brute-force check


def _is_period_end(day: date, grain: str) -> bool:
    following = day + timedelta(days=1)
    if grain == "day":
        return True
    if grain == "week":
        return day.weekday() == 6
    if grain == "month":
        return following.day == 1
    return following.day == 1 and following.month in (1, 4, 7, 10)


def _brute_snapshot_dates(first: date, as_of: date, grain: str) -> list[date]:
    """Walk day by day and keep period ends, until the period containing as_of ends."""
    snapshots: list[date] = []
    day = first
    while not snapshots or snapshots[-1] < as_of:
        if _is_period_end(day, grain):
            snapshots.append(day)
        day += timedelta(days=1)
    return snapshots


def _minus_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def _brute_scores(values: dict[str, int], buckets: int, method: str) -> dict[str, int]:
    """Scores for one snapshot where a higher value is better."""
    n = len(values)
    if method == "ntile":
        ordered = sorted(values, key=lambda c: (values[c], c))
        sizes = [n // buckets + (1 if i < n % buckets else 0) for i in range(buckets)]
        tiles = [tile + 1 for tile, size in enumerate(sizes) for _ in range(size)]
        return dict(zip(ordered, tiles, strict=True))
    scores = {}
    for customer, value in values.items():
        below = sum(1 for other in values.values() if other < value)
        pct = 0.0 if n == 1 else below / (n - 1)
        scores[customer] = min(buckets, 1 + math.floor(pct * buckets))
    return scores


@functools.cache
def _seed_breaks() -> tuple[dict[str, str], ...]:
    with open(SCORE_BREAKS_CSV, newline="") as handle:
        return tuple(csv.DictReader(handle))


def _brute_threshold_score(value: int, dimension: str, buckets: int) -> int:
    """The score whose [min_value, max_value) range in the seed holds ``value`` (monetary in cents)."""
    rows = [r for r in _seed_breaks() if r["dimension"] == dimension and int(r["buckets"]) == buckets]
    scale = 100 if dimension == "monetary" else 1
    found = [
        int(r["score"])
        for r in rows
        if (r["min_value"] == "" or value >= Decimal(r["min_value"]) * scale)
        and (r["max_value"] == "" or value < Decimal(r["max_value"]) * scale)
    ]
    assert len(found) == 1, (dimension, value, found)
    return found[0]


def brute_force_rfm(
    orders: pd.DataFrame,
    grain: str,
    window_months: int,
    buckets: int,
    method: str,
    population: str = "all",
) -> pd.DataFrame:
    records = [
        (row.customer_id, row.ordered_at.date(), round(Decimal(str(row.amount)) * 100), row.status)
        for row in orders.itertuples()
    ]
    as_of = max(r[1] for r in records)
    completed = [r for r in records if r[3] == "completed"]
    out = []
    for snap in _brute_snapshot_dates(min(r[1] for r in completed), as_of, grain):
        snap_as_of = min(snap, as_of)
        lower = _minus_months(snap_as_of, window_months) if window_months else date.min
        customers = sorted({r[0] for r in completed if r[1] <= snap_as_of})
        metrics = {}
        for c in customers:
            last = max(r[1] for r in completed if r[0] == c and r[1] <= snap_as_of)
            inside = [r for r in records if r[0] == c and lower < r[1] <= snap_as_of]
            frequency = sum(1 for r in inside if r[3] == "completed")
            cents = sum(r[2] for r in inside if r[3] in ("completed", "refunded"))
            metrics[c] = (last, (snap_as_of - last).days, frequency, cents)
        # Population `active`: only customers with a completed order in the window are scored.
        ranked = {c: m for c, m in metrics.items() if population == "all" or m[2] > 0}
        if method == "thresholds":
            recency = {c: _brute_threshold_score(m[1], "recency", buckets) for c, m in ranked.items()}
            frequency_scores = {
                c: _brute_threshold_score(m[2], "frequency", buckets) for c, m in ranked.items()
            }
            monetary = {c: _brute_threshold_score(m[3], "monetary", buckets) for c, m in ranked.items()}
        else:
            recency = _brute_scores({c: -m[1] for c, m in ranked.items()}, buckets, method)
            frequency_scores = _brute_scores({c: m[2] for c, m in ranked.items()}, buckets, method)
            monetary = _brute_scores({c: m[3] for c, m in ranked.items()}, buckets, method)
        for c in customers:
            last, recency_days, frequency, cents = metrics[c]
            scores = (recency.get(c), frequency_scores.get(c), monetary.get(c))
            out.append(
                {
                    "customer_id": c,
                    "snapshot_date": pd.Timestamp(snap),
                    "as_of_date": pd.Timestamp(snap_as_of),
                    "last_order_date": pd.Timestamp(last),
                    "recency_days": recency_days,
                    "frequency": frequency,
                    "monetary_cents": cents,
                    "monetary": round(cents / 100, 2),
                    "recency_score": scores[0],
                    "frequency_score": scores[1],
                    "monetary_score": scores[2],
                    "rfm_code": None if c not in ranked else "".join(str(s) for s in scores),
                }
            )
    return pd.DataFrame(out, columns=OUTPUT_COLUMNS)


def _comparable(frame: pd.DataFrame) -> pd.DataFrame:
    """Scores as nullable integers and codes as objects with None, so unscored rows compare equal."""
    frame = frame.reset_index(drop=True).copy()
    for column in ("recency_score", "frequency_score", "monetary_score"):
        frame[column] = pd.array(frame[column].tolist(), dtype="Int64")
    frame["rfm_code"] = [None if pd.isna(code) else str(code) for code in frame["rfm_code"]]
    return frame


def random_orders(seed: int, n_orders: int, start: str, days: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    status = rng.choice(["completed", "refunded", "cancelled"], size=n_orders, p=[0.75, 0.15, 0.10])
    cents = rng.integers(0, 5000, size=n_orders)
    cents[rng.random(n_orders) < 0.1] = 0
    # Few distinct amounts and dates on purpose, so ties are common.
    cents = (cents // 500) * 500 + rng.choice([0, 99], size=n_orders)
    cents = np.where(status == "refunded", -cents, cents)
    seconds = rng.integers(0, days * 86400, size=n_orders)
    return pd.DataFrame(
        {
            "customer_id": rng.integers(1, 25, size=n_orders).astype(str),
            "order_id": np.arange(n_orders).astype(str),
            "ordered_at": pd.Timestamp(start) + pd.to_timedelta(seconds, unit="s"),
            "amount": [Decimal(int(c)) / 100 for c in cents],
            "status": status,
        }
    )


@pytest.mark.parametrize(
    ("grain", "days", "window_months"),
    [
        ("day", 110, 1),
        ("week", 400, 3),
        ("month", 800, 12),
        ("month", 500, 1),
        ("month", 800, 0),
        ("quarter", 1100, 6),
    ],
)
@pytest.mark.parametrize(
    ("buckets", "method"), [(5, "percent_rank"), (4, "ntile"), (5, "thresholds"), (3, "thresholds")]
)
@pytest.mark.parametrize("population", ["all", "active"])
@pytest.mark.parametrize("seed", [1, 2])
def test_matches_brute_force(
    grain: str, days: int, window_months: int, buckets: int, method: str, population: str, seed: int
) -> None:
    # Starting in 2023 puts 2024-02-29 inside every range, exercising the month clamping.
    orders = random_orders(seed, n_orders=200, start="2023-12-20", days=days)
    expected = brute_force_rfm(orders, grain, window_months, buckets, method, population)
    actual = rfm_history(
        orders,
        grain=grain,  # type: ignore[arg-type]
        window_months=window_months,
        buckets=buckets,
        score_method=method,  # type: ignore[arg-type]
        population=population,  # type: ignore[arg-type]
        breaks=read_score_breaks(str(SCORE_BREAKS_CSV)),
    )
    if population == "active":
        # The population must matter in these cases: some rows are left unscored.
        assert actual["recency_score"].isna().any() == (expected["frequency"] == 0).any()
    pd.testing.assert_frame_equal(_comparable(actual), _comparable(expected), check_dtype=False)


def test_population_all_keeps_integer_scores_and_active_leaves_lapsed_rows_unscored() -> None:
    orders = make_orders(
        [
            ("a", "2023-01-10", "5.00", "completed"),
            ("b", "2024-06-01", "7.00", "completed"),
            ("c", "2024-05-01", "9.00", "completed"),
        ]
    )
    everyone = snapshot(rfm_history(orders, population="all"), "2024-06-30")
    active = snapshot(rfm_history(orders), "2024-06-30")
    assert (
        pd.api.types.is_integer_dtype(everyone["recency_score"]) and everyone["recency_score"].notna().all()
    )
    lapsed = active.loc["a"]
    assert pd.isna(lapsed["recency_score"]) and pd.isna(lapsed["rfm_code"])
    assert lapsed["frequency"] == 0 and lapsed["recency_days"] == (date(2024, 6, 1) - date(2023, 1, 10)).days
    # b and c are ranked between themselves only: b is the more recent, c the bigger spender.
    ranked = active.loc[["b", "c"], ["recency_score", "monetary_score"]]
    assert ranked.astype(int).values.tolist() == [[5, 1], [1, 5]]
    # With everyone ranked, the lapsed customer takes the bottom scores and b, c move up from them.
    assert everyone.loc["c", "recency_score"] == 3
