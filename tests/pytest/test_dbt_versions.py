"""The project stays clean on every dbt-core it supports (1.12 tested, 1.11 in CI's short job): a build emits
no deprecation event, and on 1.12 the opt-in v2 parser parses the project without a warning."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PROJECT_DIR, _environment
from dbt.cli.main import dbtRunner
from segmentation.generator import generate_raw_data
from segmentation.loaders import write_duckdb

DBT_VERSION = tuple(int(part) for part in importlib.metadata.version("dbt-core").split(".")[:2])


def test_dbt_core_is_a_supported_version() -> None:
    assert (1, 11) <= DBT_VERSION < (1, 13)


def test_a_build_emits_no_deprecation_event(tmp_path: Path, profiles_dir: Path) -> None:
    # Small data shaped like the real one (one-off buyers, lapsed customers, refunds): every node runs.
    raw = generate_raw_data(customers=200, orders=3_000, months=14, seed=5)
    path = tmp_path / "warehouse.duckdb"
    write_duckdb(raw, path)
    events: list[tuple[str, str]] = []

    def collect(event) -> None:
        events.append((event.info.name, event.info.msg))

    args = ["build", "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(profiles_dir)]
    args += ["--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs")]
    with _environment(SEGMENTATION_DUCKDB_PATH=str(path), DBT_SEND_ANONYMOUS_USAGE_STATS="false"):
        result = dbtRunner(callbacks=[collect]).invoke(args)
    assert result.success, result.exception
    names = {name for name, _ in events}
    # The callback saw the build (so an empty list below means something): parsing and node results.
    assert {"MainReportVersion", "LogModelResult"} <= names, sorted(names)[:20]
    deprecations = [(name, msg) for name, msg in events if "Deprecat" in name]
    assert deprecations == []


@pytest.mark.skipif(DBT_VERSION < (1, 12), reason="the v2 parser (--use-v2-parser) arrived in dbt-core 1.12")
def test_the_v2_parser_parses_the_project_without_warnings(tmp_path: Path, profiles_dir: Path) -> None:
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "parse", "--use-v2-parser", "--project-dir", str(PROJECT_DIR)]
    command += ["--profiles-dir", str(profiles_dir), "--target-path", str(tmp_path / "target")]
    command += ["--log-path", str(tmp_path / "logs"), "--no-use-colors"]
    env = {
        **os.environ,
        "SEGMENTATION_DUCKDB_PATH": str(tmp_path / "parse.duckdb"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "v2 parser completed" in output, output
    problems = [
        line for line in output.splitlines() if "[warning]" in line.lower() or "[error]" in line.lower()
    ]
    assert problems == [], output
