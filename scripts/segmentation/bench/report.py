"""What a run prints and writes: the console summary, the JSON file and docs/benchmarks.md."""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import duckdb

from .common import ENGINE_STATE, MODEL, BenchError, BenchResult, ratio

TARGETS = (
    ("baseline_over_path", ">=", 3.0, "full path at least 3x faster than the fan-out join"),
    ("path_full_over_incremental", ">=", 8.0, "incremental month at least 8x cheaper than the full path"),
    ("pandas_over_ours", ">=", 10.0, "history model at least 10x faster than pandas"),
    ("ours_over_floor", "<=", 3.0, "history model within 3x of the floor"),
)


def environment() -> dict[str, Any]:
    return {
        "cores": os.cpu_count() or 1,
        "duckdb_version": duckdb.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        # Other work on the machine inflates wall-clock times; the load average says how much there was.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def _path_names(result: BenchResult) -> str:
    return ", ".join(f"`{model}`" for model in result.path_seconds.get("full", {}))


def _rows(result: BenchResult) -> list[tuple[str, float, str]]:
    """(what, seconds, ratio text) for every timed item of one run."""
    s, r = result.seconds, result.ratios
    rows = [
        ("path: full build from the staged orders to the history", s["path_full"], ""),
        (
            "path: incremental run after one new month",
            s["path_incremental"],
            f"full path / incremental {r['path_full_over_incremental']}x",
        ),
        (
            "path: the same run again with nothing new loaded (every model finds nothing to recompute)",
            s["path_unchanged"],
            f"full path / nothing new {r['path_full_over_unchanged']}x: the most an incremental run saves",
        ),
        (
            "  of which SQL statements (the rest is dbt's own work per model)",
            s["path_unchanged_statements"],
            f"dbt's own work {s['path_unchanged'] - s['path_unchanged_statements']:.2f} s",
        ),
        (
            "fan-out join: every order joined to every snapshot whose 12-month window holds it, "
            "count(distinct order_id)",
            s["baseline"],
            f"fan-out / path {r['baseline_over_path']}x",
        ),
        (
            "fan-out join with sum(case ...) instead of count(distinct)",
            s["baseline_sum"],
            f"{ratio(s['baseline_sum'], s['path_full'])}x path",
        ),
    ]
    if "pandas" in s:
        rows += [
            (
                "pandas: load the staged orders, filter + group-by per snapshot, groupby().rank(), write",
                s["pandas"],
                f"pandas / path {r['pandas_over_path']}x, pandas / ours {r['pandas_over_ours']}x",
            ),
            (
                "  of which pandas compute only",
                s["pandas_compute"],
                f"{ratio(s['pandas_compute'], s['path_full'])}x path",
            ),
            (
                "tuned numpy reference (segmentation.reference), compute only",
                s["numpy_reference"],
                f"{ratio(s['numpy_reference'], s['path_full'])}x path",
            ),
        ]
    rows += [
        (f"ours: `{MODEL}` alone, full (inside the path's full run)", s["full"], ""),
        (
            f"ours: `{MODEL}` alone, incremental",
            s["incremental"],
            f"full / incremental {r['full_over_incremental']}x; fan-out / ours {r['baseline_over_ours']}x",
        ),
        (
            "floor: `create table as select *` of the built history",
            s["floor"],
            f"ours / floor {r['ours_over_floor']}x",
        ),
        (
            f"floor: `create table as select *` of the engine's totals per customer and snapshot "
            f"(`{ENGINE_STATE}`)",
            s["floor_engine_state"],
            f"fan-out / both floors {r['baseline_over_floors']}x: the most a path keeping both can reach",
        ),
    ]
    return rows


def target_status(result: BenchResult) -> list[tuple[str, float | None, bool | None]]:
    """(target, measured ratio, met) for each target; None when not measured."""
    status = []
    for key, op, bound, text in TARGETS:
        value = result.ratios.get(key)
        met = None if value is None else (value >= bound if op == ">=" else value <= bound)
        status.append((text, value, met))
    return status


def _shape(result: BenchResult) -> str:
    return result.config.get("shape", "rising-signups")


def format_result(result: BenchResult) -> str:
    size = result.sizes
    lines = [
        f"[{_shape(result)}] {size['orders']:,} orders, {size['customers']:,} customers, "
        f"{size['snapshots']} snapshots, {size['history_rows']:,} history rows (fan-out: "
        f"{size['fan_out_rows']:,} order x snapshot rows); peak memory of the full build "
        f"{result.peak_memory_mib:,.0f} MiB",
        f"  path: {_path_names(result)}",
    ]
    lines += [f"  {seconds:8.2f} s  {what}  [{note}]" for what, seconds, note in _rows(result)]
    lines.append("  checks: " + ", ".join(f"{k} {v}" for k, v in result.checks.items()))
    for text, value, met in target_status(result):
        if met is None:
            lines.append(f"  target {text}: not measured")
        else:
            lines.append(f"  target {text}: {value}x, {'met' if met else 'NOT met'}")
    return "\n".join(lines)


def load_result(path: Path) -> BenchResult:
    """The main run of an earlier ``--out-json`` file."""
    try:
        return BenchResult(**json.loads(path.read_text())["main"])
    except (KeyError, TypeError, json.JSONDecodeError) as error:
        raise BenchError(
            f"{path} is not a benchmark JSON file written by segmentation bench: {error}"
        ) from error


def _result_lines(result: BenchResult) -> list[str]:
    c, size = result.config, result.sizes
    lines = [
        f"Size: {size['orders']:,} orders, {size['customers']:,} customers, {c['months']} months "
        f"({size['snapshots']} snapshots), {size['history_rows']:,} rows of `{MODEL}`; the incremental "
        f"run adds {size['new_month_orders']:,} orders of one new month. The fan-out join makes "
        f"{size['fan_out_rows']:,} order x snapshot rows.",
        "",
        f"The path from the staged orders to the history, found with `dbt ls --select +{MODEL}` less the "
        f"staging and base models: {_path_names(result)}.",
        "",
        "| what | seconds | ratio |",
        "| --- | ---: | --- |",
    ]
    lines += [f"| {what.strip()} | {seconds:.2f} | {note} |" for what, seconds, note in _rows(result)]
    checks = ", ".join(
        f"{key.replace('_rows_differing', '')} {value}"
        for key, value in result.checks.items()
        if key.endswith("_rows_differing")
    )
    lines += [
        "",
        "Peak resident memory (VmHWM) of the dbt process running the full path: "
        f"{result.peak_memory_mib:,.0f} MiB.",
        "Rows differing from the history (the fan-out join and pandas before the incremental run; "
        f"`incremental`: the history after it against the fan-out join on all the data): {checks}.",
        "Rows the run with nothing new loaded wrote to the history and the engine's totals: "
        f"{result.checks.get('unchanged_rows_written', '-')}.",
        "",
        "| target | measured | met |",
        "| --- | --- | --- |",
    ]
    for text, value, met in target_status(result):
        measured = "-" if value is None else f"{value}x"
        verdict = "-" if met is None else ("yes" if met else "no")
        lines.append(f"| {text} | {measured} | {verdict} |")
    lines += _limit_lines(result)
    path = result.path_seconds
    if path:
        lines += [
            "",
            "Each model of the path (dbt's execution_time, seconds; the incremental run rebuilds or",
            "increments each one as `dbt build` would after the new month is loaded; the last column is",
            "the same run again with nothing new):",
            "",
            "| model | full | incremental | nothing new |",
            "| --- | ---: | ---: | ---: |",
        ]
        for model, full in path.get("full", {}).items():
            incremental = path.get("incremental", {}).get(model, float("nan"))
            unchanged = path.get("unchanged", {}).get(model, float("nan"))
            lines.append(f"| `{model}` | {full:.2f} | {incremental:.2f} | {unchanged:.2f} |")
    return lines


def markdown_report(
    main: BenchResult,
    series: list[BenchResult],
    env: dict[str, Any],
    others: Sequence[BenchResult] = (),
    shapes: Sequence[BenchResult] = (),
) -> str:
    """The whole docs/benchmarks.md: ``main`` and any further shapes of the same size, the growth series,
    earlier runs."""
    c = main.config
    lines = [
        "# Benchmarks",
        "",
        "Written by `segmentation bench` (`make bench`); rerun it to replace this file. Times are wall-clock",
        "seconds; the path's and the history's are dbt's own `execution_time` in `target/run_results.json`",
        "(the path's is the sum over its models), the others are timed around one statement or function in",
        "the same DuckDB file with the same settings. The path (full, incremental and with nothing new,",
        "each repeat from the same starting state) and the floors are the fastest of "
        f"{c.get('repeat', 1)} runs; the fan-out join and pandas run once. The staging models are rebuilt",
        "before each timed run and are not timed. The SQL statements' share of a run is summed from dbt's",
        "debug log.",
        "",
        f"Machine: {env['cores']} cores, {env['platform']}, 1-minute load average {env['load_average_1m']} "
        f"when the run ended; DuckDB {env['duckdb_version']}, threads {c['threads']}, memory_limit "
        f"{c['memory_limit']}; measured {env['measured_at']}.",
    ]
    for result in [main, *[run for run in shapes if run is not main]]:
        lines += ["", f"## Data shape `{_shape(result)}`", "", _shape_text(_shape(result)), ""]
        lines += _result_lines(result)
    if series:
        lines += _series_lines(series)
    if others:
        lines += _other_size_lines(list(others))
    return "\n".join(lines) + "\n"


def _shape_text(shape: str) -> str:
    if shape == "every-customer-stays":
        return (
            "Every customer signs up in the first six months and, as the history keeps a customer from their "
            "first order on, is in every later snapshot: the most history rows per customer."
        )
    return (
        "The generator's own data: customers sign up at a rising rate over the whole span, so the newest "
        "snapshots hold the most customers."
    )


def _limit_lines(result: BenchResult) -> list[str]:
    """For each target not met, the figures that bound it (derived from this run, not written by hand)."""
    s, r, size = result.seconds, result.ratios, result.sizes
    notes = []
    if r["baseline_over_path"] < 3:
        notes.append(
            f"Fan-out join: with a 12-month window the fan-out is only "
            f"{size['fan_out_rows'] / max(size['orders'], 1):.1f} rows per order ({size['fan_out_rows']:,} "
            f"rows), against {size['history_rows']:,} rows that any implementation must rank and write; the "
            f"sum(case) variant takes {s['baseline_sum']:.2f} s. The fan-out join computes RFM's two window "
            f"totals only; {s['path_full'] - s['full']:.2f} s of the path build the window engine every "
            f"family reads (twelve window totals and six latest dates per customer and snapshot, for RFM, "
            f"value, lifecycle, health, behaviour and tiers at once), and the history alone takes "
            f"{s['full']:.2f} s, {r['baseline_over_ours']}x faster than the fan-out join."
        )
        floors = s["floor"] + s["floor_engine_state"]
        bound = r["baseline_over_floors"]
        notes.append(
            f"Fan-out join, what the path cannot avoid: it keeps two tables with a row per customer and "
            f"snapshot, the history and `{ENGINE_STATE}` (the totals every family reads and incremental runs "
            f"carry forward). Only writing them again takes {s['floor']:.2f} s + "
            f"{s['floor_engine_state']:.2f} s = {floors:.2f} s, and the fan-out join is {bound}x that"
            + (
                ": below 3x, so no path that keeps them can meet the target on this data, however little "
                "it computes."
                if bound < 3
                else "."
            )
        )
    if r["path_full_over_incremental"] < 8:
        slowest = sorted(result.path_seconds.get("incremental", {}).items(), key=lambda kv: -kv[1])[:2]
        share = size.get("incremental_rows", 0) / max(size["history_rows"], 1)
        notes.append(
            "Incremental: the slowest models of the incremental path are "
            + ", ".join(f"`{model}` {seconds:.2f} s" for model, seconds in slowest)
            + f"; the newest {size.get('incremental_rows', 0):,} history rows (the recomputed snapshots and "
            f"the new one) are {share:.0%} of the full build's rows."
        )
        incremental = result.path_seconds.get("incremental", {})
        dates = incremental.get("int_window_dates")
        if dates is not None:
            share_of_run = dates / max(s["path_incremental"], 1e-9)
            notes.append(
                "Incremental, what does not follow the changes: `int_window_dates` hashes every counted "
                f"order and event to find the changed dates ({dates:.2f} s, {share_of_run:.0%} of the "
                "incremental path), each incremental model compares fingerprints or stamps over its whole "
                "table before it writes, and dbt spends a fixed time per model (statements, metadata, "
                "commits)."
            )
        unchanged = s["path_unchanged"]
        own_work = unchanged - s["path_unchanged_statements"]
        budget = s["path_full"] / 8
        bound = r["path_full_over_unchanged"]
        notes.append(
            f"Incremental, what no run of this path avoids: the same run with nothing new loaded writes no "
            f"row and still takes {unchanged:.2f} s (the fingerprint comparisons, the small tables rebuilt, "
            f"and {own_work:.2f} s of dbt's own work outside the SQL statements over the path's "
            f"{len(result.path_seconds.get('unchanged', {}))} models), and the full path is {bound}x that"
            + (
                ": below 8x, so no incremental run of this path can meet the target on this data, however "
                "little it recomputes."
                if bound < 8
                else f"; 8x needs the incremental run within {budget - unchanged:.2f} s of it."
            )
            + f" 8x means {budget:.2f} s for the whole incremental run"
            + (
                f"; dbt's own work leaves {budget - own_work:.2f} s of it to the SQL."
                if budget > own_work
                else ", less than dbt's own work alone."
            )
        )
    if "pandas" in s and r["pandas_over_ours"] < 10:
        below_floor = s["pandas"] / 10 < s["floor"]
        notes.append(
            f"pandas: 10x would need the history in {s['pandas'] / 10:.2f} s; only writing its rows (the "
            f"floor) takes {s['floor']:.2f} s and the tuned numpy reference computes them in "
            f"{s['numpy_reference']:.2f} s"
            + (": the target is below what writing the result costs." if below_floor else ".")
        )
    if r["ours_over_floor"] > 3:
        notes.append(
            f"Floor: the history spends {s['full'] - s['floor']:.2f} s beyond writing its rows, on the "
            "running totals, three rankings per snapshot and dbt's own statements around the create."
        )
    if not notes:
        return []
    return ["", "What bounds the targets not met in this run:", "", *[f"- {note}" for note in notes]]


def _series_lines(series: list[BenchResult]) -> list[str]:
    lines = [
        "",
        "## Growth with history",
        "",
        f"The same run (shape `{_shape(series[0])}`) at a fixed rate of orders per month and a fixed",
        "customer base. `per M rows` is the full path's seconds per million history rows: constant means",
        "linear growth in customers x periods.",
        "",
        "| months | orders | history rows | path full | per M rows | path incremental | fan-out join "
        "| floor |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in series:
        s, size = run.seconds, run.sizes
        per_million = s["path_full"] / max(size["history_rows"], 1) * 1e6
        lines.append(
            f"| {run.config['months']} | {size['orders']:,} | {size['history_rows']:,} | "
            f"{s['path_full']:.2f} | {per_million:.2f} | {s['path_incremental']:.2f} | {s['baseline']:.2f} | "
            f"{s['floor']:.2f} |"
        )
    return lines


def _other_size_lines(others: list[BenchResult]) -> list[str]:
    lines = [
        "",
        "## Other sizes",
        "",
        "Earlier runs of the same command, included with `--include-json`:",
        "",
        "| shape | orders | customers | months | history rows | path full | path incremental | fan-out join "
        "| pandas | floor | peak memory of the full path | threads, memory_limit |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for run in others:
        s, size, c = run.seconds, run.sizes, run.config
        pandas = f"{s['pandas']:.2f}" if "pandas" in s else "-"
        lines.append(
            f"| {_shape(run)} | {size['orders']:,} | {size['customers']:,} | {c['months']} | "
            f"{size['history_rows']:,} | {s['path_full']:.2f} | {s['path_incremental']:.2f} | "
            f"{s['baseline']:.2f} | {pandas} | {s['floor']:.2f} | {run.peak_memory_mib:,.0f} MiB | "
            f"{c['threads']}, {c['memory_limit']} |"
        )
    return lines


def write_outputs(
    main: BenchResult,
    series: list[BenchResult],
    env: dict[str, Any],
    out_json: Path | None,
    out_md: Path | None,
    others: Sequence[BenchResult] = (),
    shapes: Sequence[BenchResult] = (),
) -> list[Path]:
    """``main`` is the first shape's run; ``shapes`` every shape's run of the same size, ``main`` included."""
    written = []
    if out_json is not None:
        out_json.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "environment": env,
            "main": asdict(main),
            "shapes": [asdict(run) for run in shapes],
            "series": [asdict(run) for run in series],
            "other_sizes": [asdict(run) for run in others],
        }
        out_json.write_text(json.dumps(payload, indent=2) + "\n")
        written.append(out_json)
    if out_md is not None:
        out_md.parent.mkdir(parents=True, exist_ok=True)
        out_md.write_text(markdown_report(main, series, env, others, shapes))
        written.append(out_md)
    return written
