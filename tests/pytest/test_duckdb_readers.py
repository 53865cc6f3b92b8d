"""DuckDB readers (issue 12, finding 8): a BI tool or sync reads the read copy, never the warehouse file.

DuckDB lets one process hold a database file for writing, so a reader holding the warehouse open made
`dbt build` fail with a lock error. The build now publishes the CRM tables, the snapshot and the summary
marts to `<warehouse>.read.duckdb` through a temporary file and an atomic rename (models/publish/). Here a
separate reader process polls the read copy, opening it read-only for every poll, and another holds a
read-only connection open from before the build to after it, while `dbt build` rebuilds the warehouse with
changed data: the build succeeds, no poll errors, every poll sees the complete old or the complete new
tables (row count and checksum of both CRM tables), never the old after the new.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import click
import duckdb
import pytest
from conftest import Warehouse, copy_warehouse
from reliability import record_figures
from segmentation.cli import _friendly_errors
from segmentation.dbt_runner import DbtCommandError, NodeFailure

CHECK = """
    select
        (select count(*) from customer_segments_current) as segment_rows,
        (select md5(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)))
            from customer_segments_current as t) as segments_md5,
        (select count(*) from customer_profile_current) as profile_rows,
        (select md5(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)))
            from customer_profile_current as t) as profile_md5
"""
# The readers, separate processes: "poll" opens the read copy read-only for every poll (until the stop file
# appears, at most 20,000 polls), "hold" keeps one connection open from before the build to after it, as a BI
# tool does. Two processes: within one process DuckDB shares one database instance per path, so a held
# connection would serve every later connect the file it opened. One JSON line per poll or error.
READER = r"""
import json, sys, time, pathlib
import duckdb
mode, path, stop, check = sys.argv[1], sys.argv[2], pathlib.Path(sys.argv[3]), sys.argv[4]
if mode == "hold":
    held = duckdb.connect(path, read_only=True)
    print(json.dumps({"held": list(held.execute(check).fetchone())}), flush=True)
    while not stop.exists():
        time.sleep(0.05)
    print(json.dumps({"held": list(held.execute(check).fetchone())}), flush=True)
    held.close()
    sys.exit(0)
polls = 0
while not stop.exists() and polls < 20000:
    polls += 1
    try:
        with duckdb.connect(path, read_only=True) as con:
            print(json.dumps({"poll": list(con.execute(check).fetchone())}), flush=True)
    except Exception as error:
        print(json.dumps({"error": f"{type(error).__name__}: {error}"}), flush=True)
    time.sleep(0.005)
"""


def _check(path: Path) -> list:
    with duckdb.connect(str(path), read_only=True) as con:
        return list(con.execute(CHECK).fetchone())


def test_a_reader_polling_the_read_copy_never_blocks_or_breaks_a_build(
    published_warehouse: Warehouse, make_warehouse, tmp_path: Path
) -> None:
    warehouse = make_warehouse("readers")
    copy_warehouse(published_warehouse, warehouse)
    read_copy = warehouse.path.with_name("warehouse.read.duckdb")
    old = _check(read_copy)
    # New amounts on a fifth of the completed orders: the rebuilt CRM tables differ from the published ones.
    warehouse.execute(
        "update raw.orders set amount = amount + 7 where status = 'completed' and order_id % 5 = 0"
    )
    stop = tmp_path / "stop"
    readers = [
        subprocess.Popen(
            [sys.executable, "-c", READER, mode, str(read_copy), str(stop), CHECK],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for mode in ("hold", "poll")
    ]
    try:
        time.sleep(1.5)  # the readers are connected and polling before the build starts
        result = warehouse.dbt("build", "--exclude", "resource_type:test", "test_type:unit", check=False)
        time.sleep(0.5)  # and keep polling after it has finished
    finally:
        stop.touch()
        outputs = [reader.communicate(timeout=120) for reader in readers]
    assert result.success, [str(r.message) for r in result.result.results if str(r.status) == "error"]
    assert [reader.returncode for reader in readers] == [0, 0], [err for _, err in outputs]
    lines = [json.loads(line) for out, _ in outputs for line in out.splitlines()]
    errors = [line["error"] for line in lines if "error" in line]
    polls = [line["poll"] for line in lines if "poll" in line]
    held = [line["held"] for line in lines if "held" in line]
    new = _check(read_copy)
    record_figures(
        "duckdb_readers",
        {
            "polls": len(polls),
            "errors": len(errors),
            "old_polls": polls.count(old),
            "new_polls": polls.count(new),
        },
    )
    assert new != old and new[0] == old[0]
    assert errors == []
    # The held connection reads the copy it opened, whole, before and after the swap.
    assert held == [old, old]
    assert polls and polls[0] == old and polls[-1] == new
    others = [poll for poll in polls if poll not in (old, new)]
    assert others == [], f"{len(others)} polls saw a partial table: {others[:3]}"
    assert old not in polls[polls.index(new) :], "a poll saw the old tables after the new ones"


def test_a_lock_error_on_the_warehouse_points_at_the_read_copy() -> None:
    """When a reader does hold the warehouse file, the CLI's message says what to point it at."""
    failure = NodeFailure(
        "model.customer_segmentation.base_orders",
        "error",
        'IO Error: Could not set lock on file "segmentation.duckdb": Conflicting lock is held (PID 1234)',
    )
    with pytest.raises(click.ClickException) as raised, _friendly_errors():
        raise DbtCommandError(["build"], [failure])
    assert "Could not set lock on file" in raised.value.message
    assert "Point BI tools and syncs at the read copy (<warehouse>.read.duckdb" in raised.value.message
