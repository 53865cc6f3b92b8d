"""What every part of the benchmark shares: its configuration, its result, its error and its SQL files."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from importlib import resources
from string import Template
from typing import Any

MODEL = "customer_rfm_history"
# The window engine's stored totals per customer and snapshot, which incremental runs carry forward: with the
# history, the tables any path that finds its own start has to write.
ENGINE_STATE = "int_customer_snapshot_windows"
BASELINE_TABLE = "bench_baseline_history"
PANDAS_TABLE = "bench_pandas_history"
FLOOR_TABLE = "bench_floor_copy"
WINDOW_MONTHS = 12
BUCKETS = 5
# The shapes of generated data. `rising-signups`: the generator's own, customers sign up at a rising rate
# over the whole span, so the average customer is in the history for about a third of it.
# `every-customer-stays`: every customer signs up in the first months and, as the model's contract keeps a
# customer from their first order on, stays in every later snapshot: the most history rows per customer.
SHAPES = ("rising-signups", "every-customer-stays")
DEFAULT_SHAPE = SHAPES[0]


class BenchError(RuntimeError):
    """A step of the benchmark failed (a dbt command, most likely); the message says where to look."""


@dataclass(frozen=True)
class BenchConfig:
    """What one benchmark run generates and how DuckDB may run."""

    orders: int = 2_000_000
    customers: int = 200_000
    months: int = 36
    seed: int = 42
    end_date: date = date(2025, 12, 31)
    threads: int = os.cpu_count() or 1
    memory_limit: str = "8GB"
    pandas: bool = True
    # Other work on a shared machine only ever slows a run down, so the fastest of `repeat` runs of the
    # path (full and incremental) and of the floor is the least disturbed figure.
    repeat: int = 1
    shape: str = DEFAULT_SHAPE

    def for_months(self, months: int) -> BenchConfig:
        """The same run over ``months`` months, at the same orders per month and on the same customer base
        (a point of the growth series); pandas is left out to keep the series short."""
        if months == self.months:
            return self
        return replace(self, months=months, orders=round(self.orders * months / self.months), pandas=False)


@dataclass
class BenchResult:
    """Timings in seconds, sizes and checks of one run; ``ratios`` are derived from ``seconds``.

    ``path_seconds`` holds dbt's execution_time of every model on the path from the staged orders to the
    history (``full`` and ``incremental``); ``parents_seconds`` the staging models rebuilt, untimed, before.
    """

    config: dict[str, Any]
    sizes: dict[str, int]
    seconds: dict[str, float]
    ratios: dict[str, float]
    checks: dict[str, int]
    peak_memory_mib: float | None
    parents_seconds: dict[str, dict[str, float]] = field(default_factory=dict)
    path_seconds: dict[str, dict[str, float]] = field(default_factory=dict)


@cache
def _sql_text(name: str) -> str:
    return resources.files(__package__).joinpath("sql", f"{name}.sql").read_text().rstrip()


def sql(name: str, **values: object) -> str:
    """The statement in ``sql/<name>.sql`` with its ``$placeholders`` filled in (every one must be given)."""
    return Template(_sql_text(name)).substitute({key: str(value) for key, value in values.items()})


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = action()
    return time.perf_counter() - started, value


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2) if denominator > 0 else float("nan")
