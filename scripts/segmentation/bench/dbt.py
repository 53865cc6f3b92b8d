"""dbt runs of the benchmark: its own profile and target folder, dbt in a child process, the path models."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from segmentation.dbt_runner import run_dbt

from .common import MODEL, BenchConfig, BenchError

MEMORY_OUT_ENV = "SEGMENTATION_BENCH_MEMORY_OUT"
DUCKDB_ENV = "SEGMENTATION_DUCKDB_PATH"
# No events table is generated: the RFM history does not read it, and it would only slow generation.
# The baseline and pandas implementations rank every customer with history, so the model is timed and checked
# with that population too (the default, `active`, ranks fewer rows and costs no more).
DBT_VARS = {"events_enabled": False, "rfm_score_population": "all"}
# What is not on the path from the staged orders to the history: the raw-facing models, rebuilt untimed.
STAGING_SELECTOR = "path:models/staging"


def write_profiles(directory: Path, config: BenchConfig) -> None:
    """The project's DuckDB profile with the run's threads and memory limit, written per run, never into
    the project."""
    profile = {
        "customer_segmentation": {
            "target": "duckdb",
            "outputs": {
                "duckdb": {
                    "type": "duckdb",
                    "path": "{{ env_var('" + DUCKDB_ENV + "') }}",
                    "schema": "main",
                    "threads": 1,
                    "settings": {"threads": config.threads, "memory_limit": config.memory_limit},
                }
            },
        }
    }
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "profiles.yml").write_text(json.dumps(profile, indent=2))


@dataclass(frozen=True)
class DbtRun:
    execution_seconds: dict[str, float]
    peak_memory_mib: float
    listed: list[str]
    # Of each node's execution_time, the time its SQL statements took (the rest is dbt's own work).
    statement_seconds: dict[str, float] = field(default_factory=dict)


def statement_seconds(log_file: Path) -> dict[str, float]:
    """Per node, the sum of its SQL statements' times, from a dbt debug log written as JSON lines: the
    SQLQueryStatus events between the node's NodeStart and NodeFinished (the bench runs one thread)."""
    seconds: dict[str, float] = {}
    node = None
    if not log_file.is_file():
        return seconds
    for line in log_file.read_text().splitlines():
        event = json.loads(line)
        name = event["info"]["name"]
        if name == "NodeStart":
            node = event["data"]["node_info"]["unique_id"].split(".")[-1]
            seconds.setdefault(node, 0.0)
        elif name == "NodeFinished":
            node = None
        elif name == "SQLQueryStatus" and node is not None:
            seconds[node] += float(event["data"]["elapsed"])
    return seconds


class Workspace:
    """The DuckDB file, profile and dbt target folder of one run."""

    def __init__(self, root: Path, config: BenchConfig, project_dir: Path) -> None:
        self.root = root
        self.config = config
        self.project_dir = project_dir
        self.database = root / "bench.duckdb"
        self.saved = root / "bench.before-incremental.duckdb"
        self.target = root / "target"
        self.log = root / "dbt.log"
        # dbt's own debug log of the latest command only, as JSON lines.
        self.debug_log = root / "logs" / "dbt.log"
        root.mkdir(parents=True, exist_ok=True)
        write_profiles(root, config)

    def dbt(self, *args: str) -> DbtRun:
        """Run dbt in a child process; returns each node's execution_time and its SQL statements' share,
        the child's peak memory and, for ``dbt ls``, what it listed."""
        out_file = self.root / "child.json"
        out_file.unlink(missing_ok=True)
        (self.target / "run_results.json").unlink(missing_ok=True)
        self.debug_log.unlink(missing_ok=True)
        command = [
            sys.executable,
            "-m",
            "segmentation.bench",
            str(self.project_dir),
            str(self.root),
            *args,
            "--vars",
            json.dumps(DBT_VARS),
            "--target-path",
            str(self.target),
            "--log-path",
            str(self.debug_log.parent),
            "--log-format-file",
            "json",
        ]
        env = {
            **os.environ,
            DUCKDB_ENV: str(self.database.resolve()),
            MEMORY_OUT_ENV: str(out_file),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
        }
        with self.log.open("a") as log:
            log.write(f"\n$ dbt {' '.join(args)}\n")
            log.flush()
            done = subprocess.run(command, env=env, stdout=log, stderr=subprocess.STDOUT, check=False)
        if done.returncode != 0:
            tail = self.log.read_text().splitlines()[-40:]
            raise BenchError(f"dbt {' '.join(args)} failed; the end of {self.log}:\n" + "\n".join(tail))
        child = json.loads(out_file.read_text())
        seconds = {}
        results_file = self.target / "run_results.json"
        if args[0] != "ls" and results_file.is_file():
            results = json.loads(results_file.read_text())["results"]
            seconds = {r["unique_id"].split(".")[-1]: float(r["execution_time"]) for r in results}
        return DbtRun(
            seconds, child["vmhwm_kib"] / 1024, child.get("listed", []), statement_seconds(self.debug_log)
        )

    def path_models(self) -> list[str]:
        """Every model the history depends on, staging and its base models excepted, plus the history:
        the path from the staged orders to the history, found from the project as it is today."""
        listed = self.dbt(
            "ls",
            "--resource-type",
            "model",
            "--select",
            f"+{MODEL}",
            "--exclude",
            STAGING_SELECTOR,
            "--output",
            "name",
        ).listed
        models = [name for name in listed if name and not name.startswith(("stg_", "base_"))]
        if MODEL not in models:
            raise BenchError(f"dbt ls did not list {MODEL}; see {self.log}")
        return models

    def save(self) -> None:
        """Keep a copy of the database, so each repeat of a run starts from the same state."""
        shutil.copyfile(self.database, self.saved)

    def restore(self) -> None:
        shutil.copyfile(self.saved, self.database)

    def drop_saved(self) -> None:
        self.saved.unlink(missing_ok=True)

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        config = {"threads": self.config.threads, "memory_limit": self.config.memory_limit}
        with duckdb.connect(str(self.database), config=config) as con:
            yield con


def child_main(argv: list[str]) -> int:
    """Entry point of the child process (project dir, profiles dir, dbt arguments...): run dbt, then
    record this process's peak resident memory and what ``dbt ls`` listed."""
    project_dir, profiles_dir, *args = argv
    result = run_dbt(args, Path(project_dir), Path(profiles_dir), check=False)
    status = Path("/proc/self/status")
    vmhwm_kib = 0
    if status.is_file():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                vmhwm_kib = int(line.split()[1])
    else:
        import resource

        vmhwm_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    listed = [str(item) for item in result.result] if isinstance(result.result, list) else []
    Path(os.environ[MEMORY_OUT_ENV]).write_text(json.dumps({"vmhwm_kib": vmhwm_kib, "listed": listed}))
    return 0 if result.success else 1
