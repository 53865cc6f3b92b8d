"""The engine-neutral comparison the parity tests rely on: it must catch a wrong cent and a float money
column, and accept engine-specific spellings of the same value."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import numpy as np
import pandas as pd
from parity import compare_frames, frame_from_rows, normalise_frame


def _frame(rows: list[tuple], columns: tuple[str, ...] = ("customer_id", "snapshot_date", "monetary")):
    return frame_from_rows(columns, rows)


def test_same_rows_in_another_order_and_case_agree() -> None:
    left = _frame([(1, date(2024, 1, 31), Decimal("10.50")), (2, date(2024, 1, 31), Decimal("3.00"))])
    right = frame_from_rows(
        ("CUSTOMER_ID", "Snapshot_Date", "MONETARY"),
        [(2, date(2024, 1, 31), Decimal("3")), (1, date(2024, 1, 31), Decimal("10.5"))],
    )
    assert compare_frames(left, right) == []


def test_a_wrong_cent_is_a_difference() -> None:
    left = _frame([(1, date(2024, 1, 31), Decimal("10.50"))])
    right = _frame([(1, date(2024, 1, 31), Decimal("10.51"))])
    problems = compare_frames(left, right)
    assert len(problems) == 1 and "monetary" in problems[0]


def test_money_as_float_on_one_engine_is_a_difference_however_close() -> None:
    exact = _frame([(1, date(2024, 1, 31), Decimal("0.50"))])
    drifted = _frame([(1, date(2024, 1, 31), 0.5)])
    assert compare_frames(exact, drifted) != []


def test_float_columns_agree_within_the_stated_tolerance_only() -> None:
    left = _frame([(1, date(2024, 1, 31), 0.1)])
    right = _frame([(1, date(2024, 1, 31), 0.1 + 1e-12)])
    assert compare_frames(left, right, float_tolerance=1e-9) == []
    assert compare_frames(left, right, float_tolerance=1e-15) != []


def test_row_count_column_set_and_type_differences() -> None:
    base = _frame([(1, date(2024, 1, 31), Decimal("1"))])
    assert "row counts differ" in compare_frames(base, _frame([]))[0]
    other_columns = frame_from_rows(("customer_id", "snapshot_date"), [(1, date(2024, 1, 31))])
    assert "columns differ" in compare_frames(base, other_columns)[0]
    as_timestamp = _frame([(1, datetime(2024, 1, 31), Decimal("1"))])
    assert compare_frames(base, as_timestamp) != []
    as_bool = frame_from_rows(("flag",), [(True,)])
    as_int = frame_from_rows(("flag",), [(1,)])
    assert compare_frames(as_bool, as_int) != []


def test_nulls_numpy_pandas_and_time_zones_normalise() -> None:
    aware = datetime(2024, 1, 31, 12, tzinfo=timezone(timedelta(hours=2)))
    frame = pd.DataFrame(
        {"n": [np.int64(3), None], "x": [np.float64("nan"), 1.5], "ts": [pd.Timestamp(aware), None]}
    )
    normalised = normalise_frame(frame)
    assert normalised["n"].tolist() == [3, None]
    assert normalised["x"].tolist() == [None, 1.5]
    assert normalised["ts"].tolist()[0] == datetime(2024, 1, 31, 10)
    assert compare_frames(normalised, normalise_frame(frame.iloc[::-1])) == []
