"""One clock (issue 12, finding 2): every timestamp becomes a date in the business time zone (var
business_timezone), whatever its type or spelling and whatever the machine's time zone. Raw timestamptz
columns built under TZ=UTC and TZ=Asia/Tokyo give identical tables; text with an offset or a zone name lands
on the business date of the moment it names; a non-UTC business zone shifts dates as its clock does."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pandas as pd
import pytest
from conftest import PROJECT_DIR, Warehouse
from parity import assert_same_rows, fetch_duckdb
from reliability import record_figures, text_tables, write_text_duckdb
from segmentation.generator import generate_raw_data
from segmentation.loaders import write_duckdb

MACHINE_ZONES = ("UTC", "Asia/Tokyo")
TIMESTAMPTZ_COLUMNS = {"orders": "ordered_at", "customers": "created_at", "events": "occurred_at"}
COMPARED = ("stg_orders", "stg_events", "customer_rfm_history", "customer_segments_current", "customer_tiers")
NEW_YORK, TOKYO = ZoneInfo("America/New_York"), ZoneInfo("Asia/Tokyo")
# Text spellings of moments near midnight: (order_id, raw text, the moment it names; naive = business time).
SPELLED = (
    ("tz-offset", "2024-03-31T21:30:00-05:00", datetime(2024, 4, 1, 2, 30, tzinfo=UTC)),
    ("tz-hours", "2024-04-01 10:30:00+09", datetime(2024, 4, 1, 1, 30, tzinfo=UTC)),
    ("tz-compact", "2024-04-01 05:00:00+0530", datetime(2024, 3, 31, 23, 30, tzinfo=UTC)),
    ("tz-z", "2024-04-01 02:00:00Z", datetime(2024, 4, 1, 2, 0, tzinfo=UTC)),
    ("tz-utc", "2024-04-01 01:30:00 UTC", datetime(2024, 4, 1, 1, 30, tzinfo=UTC)),
    ("tz-name", "2024-04-01 08:30:00 Asia/Tokyo", datetime(2024, 4, 1, 8, 30, tzinfo=TOKYO)),
    ("tz-name-dst", "2024-03-31 21:30:00 America/New_York", datetime(2024, 3, 31, 21, 30, tzinfo=NEW_YORK)),
    ("tz-naive", "2024-03-31 23:30:00", None),
)


def _timestamptz_raw(path: Path) -> None:
    """The generated data with its timestamps as timestamptz (the moments the naive UTC values name)."""
    write_duckdb(generate_raw_data(customers=80, orders=1_500, months=14, seed=13), path)
    with duckdb.connect(str(path)) as con:
        for table, column in TIMESTAMPTZ_COLUMNS.items():
            retype = f"set data type timestamptz using timezone('UTC', {column})"
            con.execute(f"alter table raw.{table} alter {column} {retype}")


def _build_in_machine_zone(root: Path, profiles_dir: Path, zone: str) -> Path:
    """dbt in its own process with TZ set, as on a machine in that zone."""
    path = root / "warehouse.duckdb"
    env = {**os.environ, "TZ": zone, "SEGMENTATION_DUCKDB_PATH": str(path)}
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "build", "--select", "+customer_segments_current", "+customer_tiers", "+stg_events"]
    command += ["--resource-type", "model", "--resource-type", "seed"]
    command += ["--project-dir", str(PROJECT_DIR), "--profiles-dir", str(profiles_dir)]
    command += ["--target-path", str(root / "target"), "--log-path", str(root / "logs")]
    completed = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900, check=False)
    assert completed.returncode == 0, completed.stdout[-3000:]
    return path


def _session_zone(zone: str) -> str:
    probe = (
        "import duckdb; print(duckdb.connect().execute(\"select current_setting('TimeZone')\").fetchone()[0])"
    )
    env = {**os.environ, "TZ": zone}
    return subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True
    ).stdout.strip()


@pytest.fixture(scope="module")
def zone_builds(tmp_path_factory: pytest.TempPathFactory, profiles_dir: Path) -> dict[str, Path]:
    raw = tmp_path_factory.mktemp("clock_raw") / "timestamptz.duckdb"
    _timestamptz_raw(raw)
    paths = {}
    for zone in MACHINE_ZONES:
        root = tmp_path_factory.mktemp(f"clock_{zone.replace('/', '_')}")
        shutil.copy(raw, root / "warehouse.duckdb")
        paths[zone] = _build_in_machine_zone(root, profiles_dir, zone)
    return paths


def test_builds_under_two_machine_time_zones_give_identical_tables(zone_builds) -> None:
    # The machines really differ: DuckDB's session zone follows TZ, and many orders fall on another date
    # in Tokyo than in UTC, so a build that used the session's zone would move them.
    utc_session, tokyo_session = (_session_zone(zone) for zone in MACHINE_ZONES)
    assert utc_session in {"UTC", "Etc/UTC"} and tokyo_session == "Asia/Tokyo"
    utc, tokyo = (zone_builds[zone] for zone in MACHINE_ZONES)
    with duckdb.connect(str(utc)) as con:
        (types,) = con.execute(
            "select list(distinct data_type) from information_schema.columns "
            "where table_schema = 'raw' and column_name in ('ordered_at', 'created_at', 'occurred_at')"
        ).fetchone()
        (moved,) = con.execute(
            "select count(*) from raw.orders where cast(timezone('UTC', ordered_at) as date) "
            "<> cast(timezone('Asia/Tokyo', ordered_at) as date)"
        ).fetchone()
    assert types == ["TIMESTAMP WITH TIME ZONE"]
    assert moved > 100
    rows = {}
    for table in COMPARED:
        expected, actual = fetch_duckdb(utc, "main", table), fetch_duckdb(tokyo, "main", table)
        assert len(expected) > 0
        # updated_at and computed_at are the build's own clock, the only columns allowed to differ.
        assert_same_rows(
            expected,
            actual,
            name=f"{table} (TZ=UTC vs TZ=Asia/Tokyo)",
            ignore_columns=["updated_at", "computed_at"],
        )
        rows[table] = len(expected)
    record_figures(
        "business_clock",
        {"machine_zones": list(MACHINE_ZONES), "orders_on_another_tokyo_date": moved, "rows_compared": rows},
    )


@pytest.fixture(scope="module")
def spelled(make_warehouse) -> dict[str, dict[str, date]]:
    """Order dates of the SPELLED rows, per business time zone."""
    tables = text_tables(generate_raw_data(customers=40, orders=600, months=14, seed=17))
    template = tables["orders"][tables["orders"]["status"] == "completed"].iloc[0].to_dict()
    planted = [{**template, "order_id": order_id, "ordered_at": text} for order_id, text, _ in SPELLED]
    tables["orders"] = pd.concat([tables["orders"], pd.DataFrame(planted)], ignore_index=True)
    warehouse: Warehouse = make_warehouse("clock_spelled")
    write_text_duckdb(tables, warehouse.path)
    dates = {}
    for zone in ("UTC", "America/New_York"):
        warehouse.dbt("run", "--select", "+stg_orders", dbt_vars={"business_timezone": zone})
        staged = warehouse.query("select order_id, order_date from stg_orders where order_id like 'tz-%'")
        dates[zone] = {row.order_id: pd.Timestamp(row.order_date).date() for row in staged.itertuples()}
    return dates


@pytest.mark.parametrize("zone", ["UTC", "America/New_York"])
def test_text_with_an_offset_or_zone_name_lands_on_the_business_date(spelled, zone: str) -> None:
    expected = {
        order_id: date(2024, 3, 31) if moment is None else moment.astimezone(ZoneInfo(zone)).date()
        for order_id, _, moment in SPELLED
    }
    assert spelled[zone] == expected


def test_a_non_utc_business_zone_shifts_dates_as_its_clock_does(spelled) -> None:
    # Between midnight and 04:00 UTC it is still the day before in New York (UTC-4 in summer time).
    moved = {k for k in spelled["UTC"] if spelled["UTC"][k] != spelled["America/New_York"][k]}
    assert moved == {"tz-offset", "tz-hours", "tz-z", "tz-utc", "tz-name-dst"}
    assert all(spelled["UTC"][k] == date(2024, 4, 1) for k in moved - {"tz-name-dst"})
    # Naive text is business time: the same written date in either zone.
    assert spelled["UTC"]["tz-naive"] == spelled["America/New_York"]["tz-naive"] == date(2024, 3, 31)
