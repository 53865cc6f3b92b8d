"""Benchmark of the path from the staged orders to ``customer_rfm_history`` against the fan-out join, pandas
and the write floors.

One run works on one DuckDB file: it generates ``months + 1`` months of raw data in one of two shapes
(``data``), loads all but the newest month, builds the staging models (untimed), then times

* ``path_full``: ``dbt run --full-refresh`` of the path, every model the history depends on (staging and
  its base models excepted, found with ``dbt ls``) plus the history, the sum of their ``execution_time``
  in run_results.json; ``full`` is the history's own share;
* ``baseline``: the fan-out join, every order joined to every snapshot whose 12-month window holds it,
  aggregated (``count(distinct)``; ``baseline_sum`` is the same with a conditional sum) and ranked per
  snapshot, written as a table (``baseline``, SQL in ``sql/``);
* ``pandas``: a straightforward pandas implementation of the same numbers, timed like the path's job: load
  the staged orders, compute, write a table (the compute alone and the tuned numpy ``segmentation.reference``
  are reported; ``pandas_reference``);
* ``floor``: ``create table ... as select *`` from the built history, i.e. writing the same rows and columns;
  ``floor_engine_state`` the same for the window engine's totals per customer and snapshot, the other table a
  path whose incremental runs carry their totals forward has to write;
* ``path_incremental``: after the newest month of orders is appended and staging rebuilt (untimed), a
  ``dbt run`` of the path, which rebuilds or increments each model as ``dbt build`` would;
* ``path_unchanged``: the same run again with nothing new loaded, which writes no row of the history or the
  engine's totals (checked): the least any incremental run of the path costs.

The fan-out join and pandas results are compared row for row with the history before the incremental run,
and the history after it with the fan-out join on all the data. dbt runs in a child process (``dbt``), so
its peak resident memory (VmHWM) is the build's own and no DuckDB connection of this process competes for
the file. ``run`` orchestrates one run; ``report`` prints and writes the figures.
"""

from .baseline import DISTINCT_FREQUENCY, SUM_FREQUENCY, baseline_sql, rows_differing
from .common import (
    BASELINE_TABLE,
    DEFAULT_SHAPE,
    FLOOR_TABLE,
    MODEL,
    PANDAS_TABLE,
    SHAPES,
    BenchConfig,
    BenchError,
    BenchResult,
)
from .data import generate_bench_data
from .pandas_reference import load_staged_orders, pandas_rfm_history
from .report import environment, format_result, load_result, markdown_report, target_status, write_outputs
from .run import run_benchmark

__all__ = [
    "BASELINE_TABLE",
    "DEFAULT_SHAPE",
    "DISTINCT_FREQUENCY",
    "FLOOR_TABLE",
    "MODEL",
    "PANDAS_TABLE",
    "SHAPES",
    "SUM_FREQUENCY",
    "BenchConfig",
    "BenchError",
    "BenchResult",
    "baseline_sql",
    "environment",
    "format_result",
    "generate_bench_data",
    "load_result",
    "load_staged_orders",
    "markdown_report",
    "pandas_rfm_history",
    "rows_differing",
    "run_benchmark",
    "target_status",
    "write_outputs",
]
