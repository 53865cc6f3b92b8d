"""One benchmark run: generate, build the path from the staged orders to the history, time it against the
fan-out join, pandas and the floors, then one new month incrementally and a run with nothing new."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from segmentation.dbt_runner import find_project_dir
from segmentation.generator import RawData
from segmentation.loaders import append_orders_duckdb, write_duckdb
from segmentation.project_vars import var_default

from . import baseline as fan_out
from . import pandas_reference
from .common import (
    BASELINE_TABLE,
    ENGINE_STATE,
    FLOOR_TABLE,
    MODEL,
    PANDAS_TABLE,
    BenchConfig,
    BenchResult,
    ratio,
    timed,
)
from .data import generate_bench_data
from .dbt import DbtRun, Workspace


def _path_total(seconds_by_model: dict[str, float], path: list[str]) -> float:
    """The path's share of a run: its execution_time, or its statements' time, summed over its models."""
    return sum(seconds_by_model.get(model, 0.0) for model in path)


def _in_run_order(run: DbtRun, path: list[str]) -> dict[str, float]:
    """Each path model's execution_time, in the order dbt ran them (parents first)."""
    return {model: seconds for model, seconds in run.execution_seconds.items() if model in path}


def _fastest_path_run(workspace: Workspace, path: list[str], repeat: int, *flags: str) -> list[DbtRun]:
    """Run the path models ``repeat`` times, each from the same saved state; the runs, fastest first."""
    runs = []
    if repeat > 1:
        workspace.save()
    for attempt in range(repeat):
        if attempt:
            workspace.restore()
        runs.append(workspace.dbt("run", "--select", *path, *flags))
    workspace.drop_saved()
    return sorted(runs, key=lambda run: _path_total(run.execution_seconds, path))


def _staging(workspace: Workspace, path: list[str]) -> dict[str, float]:
    """Rebuild what the path reads (staging and its base models), untimed: the path starts there."""
    return workspace.dbt("run", "--select", f"+{MODEL}", "--exclude", *path).execution_seconds


def ratios(seconds: dict[str, float]) -> dict[str, float]:
    result = {
        # The path: every intermediate model the history depends on, plus the history.
        "baseline_over_path": ratio(seconds["baseline"], seconds["path_full"]),
        "path_full_over_incremental": ratio(seconds["path_full"], seconds["path_incremental"]),
        # The history model alone, its parents already built.
        "baseline_over_ours": ratio(seconds["baseline"], seconds["full"]),
        "ours_over_floor": ratio(seconds["full"], seconds["floor"]),
        "full_over_incremental": ratio(seconds["full"], seconds["incremental"]),
        # What no path of this shape can beat: writing the two tables it keeps per customer and snapshot, and
        # a run that finds nothing to recompute.
        "baseline_over_floors": ratio(seconds["baseline"], seconds["floor"] + seconds["floor_engine_state"]),
        "path_full_over_unchanged": ratio(seconds["path_full"], seconds["path_unchanged"]),
    }
    if "pandas" in seconds:
        result["pandas_over_path"] = ratio(seconds["pandas"], seconds["path_full"])
        result["pandas_over_ours"] = ratio(seconds["pandas"], seconds["full"])
    return result


def _sizes(workspace: Workspace, raw: RawData, new_month: pd.DataFrame) -> dict[str, int]:
    with workspace.connect() as con:
        history_rows, snapshots = fan_out.history_size(con)
        fan_out_rows = fan_out.fan_out_rows(con)
    return {
        "orders": len(raw.orders),
        "new_month_orders": len(new_month),
        "customers": len(raw.customers),
        "history_rows": history_rows,
        "snapshots": snapshots,
        "fan_out_rows": fan_out_rows,
    }


def _compare(workspace: Workspace, config: BenchConfig, seconds: dict, checks: dict) -> None:
    """Time the fan-out join (both frequency counts), pandas and the floor; check their rows."""
    with workspace.connect() as con:
        seconds["baseline"], _ = timed(lambda: con.execute(fan_out.baseline_sql()))
        checks["baseline_rows_differing"] = fan_out.rows_differing(con, BASELINE_TABLE)
        sum_table = f"{BASELINE_TABLE}_sum"
        seconds["baseline_sum"], _ = timed(
            lambda: con.execute(fan_out.baseline_sql(sum_table, fan_out.SUM_FREQUENCY))
        )
        checks["baseline_sum_rows_differing"] = fan_out.rows_differing(con, sum_table)
        fan_out.drop_table(con, sum_table)

        if config.pandas:
            # The same job as the path's: read the staged orders, compute, write a table.
            seconds["pandas_load"], staged = timed(lambda: pandas_reference.load_staged_orders(con))
            seconds["pandas_compute"], history = timed(lambda: pandas_reference.pandas_rfm_history(staged))
            seconds["pandas_write"], _ = timed(
                lambda: pandas_reference.write_frame(con, PANDAS_TABLE, history)
            )
            seconds["pandas"] = seconds["pandas_load"] + seconds["pandas_compute"] + seconds["pandas_write"]
            checks["pandas_rows_differing"] = fan_out.rows_differing(con, PANDAS_TABLE)
            seconds["numpy_reference"] = pandas_reference.time_numpy_reference(con)
            del staged, history

        for key, model in (("floor", MODEL), ("floor_engine_state", ENGINE_STATE)):
            copy = partial(fan_out.copy_model, con, model)
            seconds[key] = min(timed(copy)[0] for _ in range(config.repeat))
        fan_out.drop_table(con, FLOOR_TABLE)


def run_benchmark(config: BenchConfig, work_dir: Path, project_dir: Path | None = None) -> BenchResult:
    """Generate, build and time everything for one size and shape; see the package docstring."""
    workspace = Workspace(work_dir, config, project_dir or find_project_dir())
    workspace.database.unlink(missing_ok=True)
    seconds: dict[str, float] = {}
    checks: dict[str, int] = {}
    parents: dict[str, dict[str, float]] = {}
    path_seconds: dict[str, dict[str, float]] = {}
    steps = 8
    with tqdm(total=steps, desc=f"bench {config.orders:,} orders", unit="step", leave=False) as bar:
        bar.set_postfix_str("generate")
        seconds["generate"], (raw, new_month) = timed(lambda: generate_bench_data(config))
        write_duckdb(raw, workspace.database)
        bar.update()

        bar.set_postfix_str("staging")
        workspace.dbt("seed")
        path = workspace.path_models()
        parents["full"] = _staging(workspace, path)
        bar.update()

        bar.set_postfix_str("full path")
        fulls = _fastest_path_run(workspace, path, config.repeat, "--full-refresh")
        path_seconds["full"] = _in_run_order(fulls[0], path)
        seconds["path_full"] = _path_total(fulls[0].execution_seconds, path)
        seconds["full"] = fulls[0].execution_seconds[MODEL]
        peak_memory_mib = max(run.peak_memory_mib for run in fulls)
        sizes = _sizes(workspace, raw, new_month)
        bar.update()

        bar.set_postfix_str("fan-out join, pandas, floor")
        _compare(workspace, config, seconds, checks)
        bar.update()

        bar.set_postfix_str("new month")
        append_orders_duckdb(new_month, workspace.database)
        parents["incremental"] = _staging(workspace, path)
        bar.update()

        bar.set_postfix_str("incremental path")
        # Every repeat starts from the state the new month left, so each one does the same work a real
        # `dbt build` after that load would do.
        increments = _fastest_path_run(workspace, path, config.repeat)
        path_seconds["incremental"] = _in_run_order(increments[0], path)
        seconds["path_incremental"] = _path_total(increments[0].execution_seconds, path)
        seconds["incremental"] = increments[0].execution_seconds[MODEL]
        bar.update()

        bar.set_postfix_str("check the incremental result")
        # The incremental history must equal what the fan-out join computes from all the data (untimed).
        with workspace.connect() as con:
            after = f"{BASELINE_TABLE}_after_incremental"
            con.execute(fan_out.baseline_sql(after))
            checks["incremental_rows_differing"] = fan_out.rows_differing(con, after)
            fan_out.drop_table(con, after)
            # The new snapshot, and the project's default floor of built snapshots recomputed with it.
            lookback = var_default("rfm_lookback_periods", int, workspace.project_dir)
            sizes["incremental_rows"] = fan_out.newest_snapshots_rows(con, lookback + 1)
            computed_before = {
                model: fan_out.latest_computed_at(con, model) for model in (ENGINE_STATE, MODEL)
            }
        bar.update()

        bar.set_postfix_str("nothing new")
        # The same run again with nothing loaded: what any incremental run of this path costs at the least.
        unchanged = _fastest_path_run(workspace, path, config.repeat)
        path_seconds["unchanged"] = _in_run_order(unchanged[0], path)
        seconds["path_unchanged"] = _path_total(unchanged[0].execution_seconds, path)
        # What is left is dbt's own work per model (compiling, metadata, renames, commits), in every run.
        seconds["path_unchanged_statements"] = _path_total(unchanged[0].statement_seconds, path)
        with workspace.connect() as con:
            checks["unchanged_rows_written"] = sum(
                fan_out.rows_computed_after(con, model, after) for model, after in computed_before.items()
            )
        bar.update()

    return BenchResult(
        config={**asdict(config), "end_date": config.end_date.isoformat()},
        sizes=sizes,
        seconds={key: round(value, 3) for key, value in seconds.items()},
        ratios=ratios(seconds),
        checks=checks,
        peak_memory_mib=round(peak_memory_mib, 1),
        parents_seconds={
            run: {model: round(value, 3) for model, value in models.items()}
            for run, models in parents.items()
        },
        path_seconds={
            run: {model: round(value, 3) for model, value in models.items()}
            for run, models in path_seconds.items()
        },
    )
