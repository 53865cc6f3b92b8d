"""Command line interface: ``segmentation generate | build | summary | plots | report | export | demo |
bench``."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import ParamSpec, TypeVar

import click

from segmentation.dbt_runner import DbtCommandError, ensure_profiles, find_project_dir, run_dbt
from segmentation.generator import DEFAULT_PROFILE, PROFILES, generate_raw_data
from segmentation.loaders import TARGETS as ENGINES
from segmentation.loaders import describe_postgres, load_raw, write_csv
from segmentation.project_vars import var_default
from segmentation.readers import TARGETS, MartReader, as_reader, default_schema, open_reader
from segmentation.report_data import FAMILIES, PLOT_NAMES, ReportData, parse_snapshot, segment_members
from segmentation.summary import (
    MartsNotBuiltError,
    format_profiles,
    format_summary,
    format_tiers,
    profile_counts,
    segment_summary,
    snapshot_heading,
    tier_counts,
)

DUCKDB_ENV = "SEGMENTATION_DUCKDB_PATH"
TARGET_ENV = "SEGMENTATION_TARGET"
DEFAULT_DUCKDB = "segmentation.duckdb"
# The demo and `segmentation plots` write outside tracked files; `make docs-img` passes docs/img on purpose.
DEFAULT_PLOT_DIR = "target/demo/img"
# DuckDB's message when another process holds the file; readers belong on the read copy instead.
LOCK_ERROR = "Could not set lock on file"
READ_COPY_ENV = "SEGMENTATION_DUCKDB_READ_PATH"
# A demo replaces the raw data with a new sample: its CRM tables replace the old sample's whatever their size.
DEMO_VARS = {"max_publish_shrink_share": 1}

P = ParamSpec("P")
R = TypeVar("R")


@contextmanager
def _friendly_errors() -> Iterator[None]:
    # Expected failures become one clear message instead of a traceback.
    try:
        yield
    except (DbtCommandError, MartsNotBuiltError, FileNotFoundError, ValueError) as error:
        message = str(error)
        if LOCK_ERROR in message:
            message += (
                "\nAnother process holds the DuckDB warehouse open. Point BI tools and syncs at the read "
                "copy (<warehouse>.read.duckdb, opened read-only), which every build replaces atomically."
            )
        raise click.ClickException(message) from error


def duckdb_option(func: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--duckdb",
        "duckdb_path",
        envvar=DUCKDB_ENV,
        default=DEFAULT_DUCKDB,
        show_default=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help=f"DuckDB file (env {DUCKDB_ENV}).",
    )(func)


def engine_option(func: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--target",
        type=click.Choice(ENGINES),
        envvar=TARGET_ENV,
        default="duckdb",
        show_default=True,
        help=f"Engine (dbt target) for the raw tables and the marts (env {TARGET_ENV}); PostgreSQL connects "
        "with the PG* environment variables.",
    )(func)


def marts_schema_option(func: Callable[P, R]) -> Callable[P, R]:
    return click.option(
        "--schema",
        "marts_schema",
        default=None,
        help="Schema of the marts [default: main for DuckDB, $SEGMENTATION_PG_SCHEMA or segmentation for "
        "PostgreSQL, as profiles.yml.example sets them].",
    )(func)


def project_options(func: Callable[P, R]) -> Callable[P, R]:
    func = click.option(
        "--profiles-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Directory with profiles.yml [default: the project dir].",
    )(func)
    return click.option(
        "--project-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="dbt project directory [default: nearest parent with dbt_project.yml].",
    )(func)


def generation_options(func: Callable[P, R]) -> Callable[P, R]:
    options = [
        click.option(
            "--customers",
            default=5000,
            show_default=True,
            type=click.IntRange(min=5),
            help="Customers, including the five planted ones.",
        ),
        click.option(
            "--orders",
            default=100_000,
            show_default=True,
            type=click.IntRange(min=0),
            help="Approximate order rows.",
        ),
        click.option(
            "--months", default=36, show_default=True, type=click.IntRange(min=14), help="Months of history."
        ),
        click.option(
            "--seed", default=42, show_default=True, type=int, help="Random seed; same seed, same data."
        ),
        click.option(
            "--end-date",
            default="2025-12-31",
            show_default=True,
            type=click.DateTime(formats=["%Y-%m-%d"]),
            help="Last day of the data (YYYY-MM-DD).",
        ),
        click.option(
            "--profile",
            default=DEFAULT_PROFILE,
            show_default=True,
            type=click.Choice(list(PROFILES)),
            help="Shape of the customer base: saas (mostly active B2B buyers) or retail (most buy once and "
            "have lapsed, a long tail of heavy buyers, zero-amount orders, no cost data).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _as_date(value: datetime | date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _generate(
    customers: int,
    orders: int,
    months: int,
    seed: int,
    end_date: date,
    duckdb_path: Path | None,
    schema: str,
    csv_dir: Path | None,
    events: bool = True,
    target: str = "duckdb",
    profile: str = DEFAULT_PROFILE,
) -> None:
    started = time.perf_counter()
    raw = generate_raw_data(
        customers=customers,
        orders=orders,
        months=months,
        seed=seed,
        end_date=end_date,
        progress=True,
        events=events,
        profile=profile,
    )
    event_rows = f", {len(raw.events):,} product events" if raw.events is not None else ""
    click.echo(
        f"Generated ({profile} profile) {len(raw.customers):,} customers, {len(raw.accounts):,} accounts, "
        f"{len(raw.products):,} products and {len(raw.orders):,} order rows{event_rows} "
        f"in {time.perf_counter() - started:.1f}s."
    )
    if target != "duckdb" or duckdb_path is not None:
        started = time.perf_counter()
        where = load_raw(raw, target, schema=schema, duckdb_path=duckdb_path, progress=True)
        click.echo(f"Wrote {where} in {time.perf_counter() - started:.1f}s.")
    if csv_dir is not None:
        write_csv(raw, csv_dir, progress=True)
        click.echo(f"Wrote CSV files to {csv_dir}.")


def _dbt_build_args(
    target: str | None,
    full_refresh: bool,
    dbt_vars: str | None,
    select: tuple[str, ...],
    exclude: tuple[str, ...] = (),
) -> list[str]:
    args = ["build"]
    if target:
        args += ["--target", target]
    if full_refresh:
        args.append("--full-refresh")
    if dbt_vars:
        try:
            parsed = json.loads(dbt_vars)
        except json.JSONDecodeError as error:
            raise click.BadParameter(f"not valid JSON: {error}", param_hint="--vars") from error
        if not isinstance(parsed, dict):
            raise click.BadParameter("must be a JSON object", param_hint="--vars")
        args += ["--vars", json.dumps(parsed)]
    if select:
        args += ["--select", *select]
    if exclude:
        args += ["--exclude", *exclude]
    return args


def _build(
    duckdb_path: Path,
    project_dir: Path | None,
    profiles_dir: Path | None,
    args: list[str],
    where: str | None = None,
) -> None:
    project = project_dir or find_project_dir()
    if profiles_dir is None:
        ensure_profiles(project)
    # The example profile reads the DuckDB path from this variable; an absolute path
    # makes dbt and the other commands agree whatever directory dbt resolves from.
    os.environ[DUCKDB_ENV] = str(duckdb_path.resolve())
    started = time.perf_counter()
    run_dbt(args, project, profiles_dir)
    click.echo(
        f"dbt {' '.join(args)} succeeded ({where or duckdb_path}) in {time.perf_counter() - started:.1f}s."
    )
    read_copy = Path(
        os.environ.get(READ_COPY_ENV) or duckdb_path.resolve().with_name(f"{duckdb_path.stem}.read.duckdb")
    )
    if where in (None, str(duckdb_path)) and read_copy.is_file():
        click.echo(f"Readers (BI tools, syncs): open {read_copy} read-only, never the warehouse file.")


def _built_where(target: str | None, duckdb_path: Path) -> str:
    if target == "postgres":
        return f"PostgreSQL {describe_postgres()}, schema {default_schema('postgres')}"
    if target == "spark":
        return "Spark"
    return str(duckdb_path)


def _marts(target: str, duckdb_path: Path, schema: str | None) -> Path | MartReader:
    """Where the summary and plots read the marts: the DuckDB file as before, or a reader for the target."""
    if target == "duckdb" and schema is None:
        return duckdb_path
    return open_reader(target, duckdb_path, schema)


def _summary(marts: Path | MartReader) -> None:
    click.echo(snapshot_heading(marts))
    click.echo(format_summary(segment_summary(marts)))
    click.echo(format_tiers(tier_counts(marts)))
    try:
        click.echo(format_profiles(profile_counts(marts)))
    except MartsNotBuiltError as error:
        # Built by an older version of the project: the RFM summary above still stands.
        click.echo(f"Segment families: not shown ({error})")


def _plots(marts: Path | MartReader, out_dir: Path, names: tuple[str, ...] = PLOT_NAMES) -> None:
    # Imported here so the other commands do not pay for loading matplotlib.
    from segmentation.plots import render_pngs, write_pngs

    # Each plot reads only the marts it needs.
    for path in write_pngs(render_pngs(ReportData(as_reader(marts)), names or PLOT_NAMES), out_dir):
        click.echo(f"Wrote {path}.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="customer-segmentation")
def main() -> None:
    """Generate sample data, build the dbt segmentation project and inspect the result."""


@main.command()
@generation_options
@engine_option
@duckdb_option
@click.option("--schema", default="raw", show_default=True, help="Schema for the raw tables.")
@click.option(
    "--csv-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Also write CSV files here.",
)
@click.option("--no-duckdb", is_flag=True, help="Do not write DuckDB (use with --csv-dir).")
@click.option(
    "--no-events",
    is_flag=True,
    help="Leave out the product events table (then build with --vars '{\"events_enabled\": false}').",
)
def generate(
    customers: int,
    orders: int,
    months: int,
    seed: int,
    end_date: datetime,
    target: str,
    duckdb_path: Path,
    schema: str,
    csv_dir: Path | None,
    no_duckdb: bool,
    no_events: bool,
    profile: str = DEFAULT_PROFILE,
) -> None:
    """Generate deterministic sample customers, accounts, products, orders and product events.

    Writes the raw tables into SCHEMA (what the dbt sources read) of the target: the DuckDB file, or
    PostgreSQL (with COPY; connection from the PG* environment variables); with --csv-dir, also as CSV
    files. Customers 1..5 are planted with known behaviour for tests, and the newest customer is planted
    as a fresh trial.
    """
    if no_duckdb and target != "duckdb":
        raise click.UsageError(f"--no-duckdb applies to --target duckdb only, not {target}.")
    if no_duckdb and csv_dir is None:
        raise click.UsageError("--no-duckdb without --csv-dir would write nothing.")
    with _friendly_errors():
        _generate(
            customers,
            orders,
            months,
            seed,
            _as_date(end_date),
            None if no_duckdb else duckdb_path,
            schema,
            csv_dir,
            events=not no_events,
            target=target,
            profile=profile,
        )


@main.command()
@duckdb_option
@project_options
@click.option(
    "--target",
    default=None,
    help="dbt target: duckdb, postgres, spark or another output of your profile "
    f"[default: the profile's default, env {TARGET_ENV}].",
)
@click.option("--full-refresh", is_flag=True, help="Rebuild incremental models from scratch.")
@click.option(
    "--vars", "dbt_vars", default=None, help='dbt vars as a JSON object, e.g. \'{"rfm_grain": "week"}\'.'
)
@click.option("--select", "-s", multiple=True, help="dbt node selection; repeat for several.")
@click.option(
    "--exclude", multiple=True, help="dbt nodes to leave out, e.g. test_type:unit; repeat for several."
)
def build(
    duckdb_path: Path,
    project_dir: Path | None,
    profiles_dir: Path | None,
    target: str | None,
    full_refresh: bool,
    dbt_vars: str | None,
    select: tuple[str, ...],
    exclude: tuple[str, ...],
) -> None:
    """Run `dbt build` (seeds, models, snapshots and tests) on the project.

    Creates profiles.yml from profiles.yml.example when it is missing.
    """
    args = _dbt_build_args(target, full_refresh, dbt_vars, select, exclude)
    with _friendly_errors():
        _build(duckdb_path, project_dir, profiles_dir, args, _built_where(target, duckdb_path))


@main.command()
@engine_option
@duckdb_option
@marts_schema_option
def summary(target: str, duckdb_path: Path, marts_schema: str | None) -> None:
    """Print customers, share and average R, F, M per segment, tier counts and the segment families."""
    with _friendly_errors():
        _summary(_marts(target, duckdb_path, marts_schema))


@main.command()
@engine_option
@duckdb_option
@marts_schema_option
@click.option(
    "--out-dir",
    default=DEFAULT_PLOT_DIR,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the PNG files.",
)
@click.option(
    "--only",
    "names",
    multiple=True,
    type=click.Choice(PLOT_NAMES),
    help="Write only this plot; repeat for several.",
)
def plots(
    target: str, duckdb_path: Path, marts_schema: str | None, out_dir: Path, names: tuple[str, ...]
) -> None:
    """Write every plot as <name>.png: segment_sizes, rf_grid, transitions, segment_outcomes,
    cohort_retention, tier_matrix and family_sizes."""
    with _friendly_errors():
        _plots(_marts(target, duckdb_path, marts_schema), out_dir, names)


@main.command()
@engine_option
@duckdb_option
@marts_schema_option
@click.option("--segment", required=True, help='The segment, e.g. Champions or "At Risk".')
@click.option(
    "--family",
    type=click.Choice(FAMILIES),
    default="rfm",
    show_default=True,
    help="Segment family: rfm (customer_segments_current) or behaviour, lifecycle (activity status), "
    "value, health (customer_profile_current).",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The CSV file to write.",
)
def export(
    target: str, duckdb_path: Path, marts_schema: str | None, segment: str, family: str, out: Path
) -> None:
    """Write every customer now in one segment as CSV: id, name, email and the numbers behind the
    segment, most revenue first."""
    with _friendly_errors():
        members = segment_members(as_reader(_marts(target, duckdb_path, marts_schema)), segment, family)
        out.parent.mkdir(parents=True, exist_ok=True)
        members.to_csv(out, index=False)
    click.echo(f"Wrote {len(members):,} customers in {family} segment {segment!r} to {out}.")


@main.command()
@duckdb_option
@click.option(
    "--target", type=click.Choice(TARGETS), default="duckdb", show_default=True, help="Where the marts are."
)
@click.option(
    "--schema",
    default=None,
    help="Schema of the marts [default: main for DuckDB, $SEGMENTATION_PG_SCHEMA or segmentation for "
    "PostgreSQL].",
)
@click.option(
    "--out",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The HTML file to write.",
)
@click.option(
    "--from-snapshot",
    default=None,
    help="Transition view: first snapshot, YYYY-MM-DD [default: a year before --to-snapshot].",
)
@click.option("--to-snapshot", default=None, help="Transition view: second snapshot [default: the latest].")
@click.option(
    "--png-dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write every plot as a PNG here.",
)
@click.option(
    "--screenshot",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Open the report in headless Chromium, check every section renders without console errors, "
    "and save a full-page screenshot here.",
)
def report(
    duckdb_path: Path,
    target: str,
    schema: str | None,
    out: Path,
    from_snapshot: str | None,
    to_snapshot: str | None,
    png_dir: Path | None,
    screenshot: Path | None,
) -> None:
    """Write one self-contained HTML report of the built marts: segment sizes over time, the R x F grid,
    transitions between two snapshots, segment outcomes, cohort retention, the tier matrix and the current
    action flags. PostgreSQL connects with the PG* environment variables."""
    from segmentation.report import section_ids, write_report

    with _friendly_errors():
        data = ReportData(
            open_reader(target, duckdb_path, schema),
            parse_snapshot(from_snapshot),
            parse_snapshot(to_snapshot),
        )
        output = write_report(data, out, png_dir, progress=True)
    click.echo(f"Wrote {output.html_path} ({output.html_path.stat().st_size / 1e6:.1f} MB).")
    for path in output.png_paths:
        click.echo(f"Wrote {path}.")
    if screenshot is not None:
        from segmentation.browser import BrowserUnavailableError, check_report

        try:
            check = check_report(output.html_path, section_ids(), screenshot)
        except BrowserUnavailableError as error:
            raise click.ClickException(str(error)) from error
        if not check.ok:
            raise click.ClickException(
                "the report did not render cleanly:\n  " + "\n  ".join(check.problems())
            )
        click.echo(
            f"Chromium rendered {len(check.sections_rendered)} sections and {check.images_loaded} plots "
            f"without console errors; screenshot {screenshot}."
        )


@main.command()
@generation_options
@engine_option
@duckdb_option
@project_options
@click.option(
    "--out-dir",
    default=DEFAULT_PLOT_DIR,
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for the PNG files.",
)
def demo(
    customers: int,
    orders: int,
    months: int,
    seed: int,
    end_date: datetime,
    target: str,
    duckdb_path: Path,
    project_dir: Path | None,
    profiles_dir: Path | None,
    out_dir: Path,
    profile: str = DEFAULT_PROFILE,
) -> None:
    """Generate sample data, load it into the target, build the project there, print the summary and write
    the plots.

    The raw data is replaced by a new sample, so the build is a full refresh and the publish guard lets the
    new CRM tables replace the old sample's whatever their size; the build gate still holds.
    """
    with _friendly_errors():
        click.echo(f"Demo data profile: {profile} (--profile saas or retail).")
        _generate(
            customers,
            orders,
            months,
            seed,
            _as_date(end_date),
            duckdb_path,
            "raw",
            None,
            target=target,
            profile=profile,
        )
        _build(
            duckdb_path,
            project_dir,
            profiles_dir,
            ["build", "--target", target, "--full-refresh", "--vars", json.dumps(DEMO_VARS)],
            _built_where(target, duckdb_path),
        )
        _demo_clv(target, duckdb_path, project_dir, profiles_dir)
        marts = _marts(target, duckdb_path, None)
        _summary(marts)
        _plots(marts, out_dir)


@contextmanager
def _bench_errors(error_type: type[Exception]) -> Iterator[None]:
    try:
        yield
    except error_type as error:
        raise click.ClickException(str(error)) from error


def _parse_months_series(value: str | None) -> list[int]:
    if not value:
        return []
    try:
        months = [int(part) for part in value.split(",") if part.strip()]
    except ValueError as error:
        raise click.BadParameter("a comma-separated list of whole months, e.g. 12,36,72") from error
    if any(m < 1 for m in months):
        raise click.BadParameter("every month count must be at least 1", param_hint="--months-series")
    return months


@main.command()
@click.option(
    "--orders", default=2_000_000, show_default=True, type=click.IntRange(min=100), help="Order rows."
)
@click.option(
    "--customers", default=200_000, show_default=True, type=click.IntRange(min=5), help="Customers."
)
@click.option(
    "--months", default=36, show_default=True, type=click.IntRange(min=1), help="Months of history."
)
@click.option(
    "--months-series",
    default=None,
    help="Also run at these history lengths (e.g. 12,36,72) at the same orders per month and customers.",
)
@click.option("--seed", default=42, show_default=True, type=int, help="Random seed of the generated data.")
@click.option(
    "--threads",
    default=os.cpu_count() or 1,
    type=click.IntRange(min=1),
    help="DuckDB threads [default: the core count].",
)
@click.option("--memory-limit", default="8GB", show_default=True, help="DuckDB memory_limit.")
@click.option("--no-pandas", is_flag=True, help="Skip the pandas implementation.")
@click.option(
    "--shape",
    "shapes",
    multiple=True,
    type=click.Choice(["rising-signups", "every-customer-stays"]),
    help="Shape of the generated data; repeat to run each at the same size [default: rising-signups]. "
    "every-customer-stays: every customer signs up in the first months and stays in every later snapshot.",
)
@click.option(
    "--repeat",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Run the path (full, incremental, nothing new) and the floors this many times and keep the fastest.",
)
@click.option(
    "--work-dir",
    default="target/bench",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the benchmark's DuckDB file, profile and dbt target (replaced on each run).",
)
@click.option(
    "--out-json",
    default="target/bench/benchmarks.json",
    show_default=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every figure here as JSON.",
)
@click.option(
    "--out-md",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the Markdown tables here, e.g. docs/benchmarks.md.",
)
@click.option(
    "--include-json",
    multiple=True,
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="An earlier run's --out-json (e.g. at 10,000,000 orders) to list under Other sizes; repeatable.",
)
@project_options
def bench(
    orders: int,
    customers: int,
    months: int,
    months_series: str | None,
    seed: int,
    threads: int,
    memory_limit: str,
    no_pandas: bool,
    shapes: tuple[str, ...],
    repeat: int,
    work_dir: Path,
    out_json: Path | None,
    out_md: Path | None,
    include_json: tuple[Path, ...],
    project_dir: Path | None,
    profiles_dir: Path | None,
) -> None:
    """Time the path from the staged orders to customer_rfm_history (full, one incremental month, and again
    with nothing new) against the fan-out join, pandas and the floors of copying the tables it writes, on
    generated data in one DuckDB file per shape; print the ratios.

    --profiles-dir is ignored: the benchmark writes its own profile with --threads and --memory-limit.
    """
    from segmentation.bench import (
        BenchConfig,
        BenchError,
        environment,
        format_result,
        load_result,
        run_benchmark,
        write_outputs,
    )

    series_months = _parse_months_series(months_series)
    shapes = tuple(dict.fromkeys(shapes)) or ("rising-signups",)
    config = BenchConfig(
        orders=orders,
        customers=customers,
        months=months,
        seed=seed,
        threads=threads,
        memory_limit=memory_limit,
        pandas=not no_pandas,
        repeat=repeat,
        shape=shapes[0],
    )
    with _friendly_errors(), _bench_errors(BenchError):
        others = [load_result(path) for path in include_json]
        main_result = run_benchmark(config, work_dir / "main", project_dir)
        click.echo(format_result(main_result))
        by_shape = [main_result]
        for shape in shapes[1:]:
            by_shape.append(run_benchmark(replace(config, shape=shape), work_dir / shape, project_dir))
            click.echo(format_result(by_shape[-1]))
        series = []
        for length in series_months:
            if length == months:
                series.append(main_result)
                continue
            sized = config.for_months(length)
            series.append(run_benchmark(sized, work_dir / f"months_{length}", project_dir))
            click.echo(format_result(series[-1]))
        written = write_outputs(main_result, series, environment(), out_json, out_md, others, by_shape)
        for path in written:
            click.echo(f"Wrote {path}.")


# Predictions: `segmentation clv fit` (pymc-marketing, the optional extra `clv`).
@main.group()
def clv() -> None:
    """Buy-Till-You-Die models: fit BG/NBD, MBG/NBD and Gamma-Gamma on the warehouse's summary."""


def _default_calibration_end(reader: MartReader) -> date:
    # The back-test model's own default: the newest snapshot that leaves a full horizon of holdout.
    ends = reader.read("customer_btyd_calibration", ["calibration_end_date"])["calibration_end_date"]
    if ends.empty:
        raise ValueError("customer_btyd_calibration is empty: pass --calibration-end YYYY-MM-DD")
    return _as_date(pd_timestamp(ends.iloc[0]))


def pd_timestamp(value: object) -> datetime:
    import pandas as pd

    return pd.Timestamp(value).to_pydatetime()


def _clv_fit(target: str, duckdb_path: Path, marts_schema: str | None, end: date | None, unit: str) -> None:
    from segmentation.clv import fit_and_store, format_parameters

    reader = open_reader(target, duckdb_path, marts_schema)
    cutoff = end or _default_calibration_end(reader)
    started = time.perf_counter()
    frame, where = fit_and_store(reader, cutoff, unit, target, duckdb_path, marts_schema)
    click.echo(format_parameters(frame))
    click.echo(f"Wrote {where} in {time.perf_counter() - started:.1f}s.")


def _demo_clv(target: str, duckdb_path: Path, project_dir: Path | None, profiles_dir: Path | None) -> None:
    # Only with the optional extra: fit at the back-test cutoff, rebuild the predictions, show the back-test.
    from segmentation.clv import INSTALL_HINT, backtest, clv_available

    if not clv_available():
        click.echo(f"Predictions: skipped, the clv extra is not installed ({INSTALL_HINT}).")
        return
    _clv_fit(target, duckdb_path, None, None, var_default("clv_time_unit", str, project_dir))
    _build(
        duckdb_path,
        project_dir,
        profiles_dir,
        ["build", "--target", target, "--select", "customer_clv_predictions+"],
        _built_where(target, duckdb_path),
    )
    result = backtest(open_reader(target, duckdb_path, None))
    if result is not None:
        click.echo(result.error_line())


@clv.command("fit")
@click.option(
    "--calibration-end",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Fit on the summary as of this snapshot as_of_date [default: the back-test cutoff of "
    "customer_btyd_calibration].",
)
@click.option(
    "--time-unit",
    type=click.Choice(["day", "week"]),
    default=lambda: var_default("clv_time_unit", str),
    show_default="var clv_time_unit in dbt_project.yml",
    help="Time unit.",
)
@engine_option
@duckdb_option
@marts_schema_option
def clv_fit(
    calibration_end: datetime | None, time_unit: str, target: str, duckdb_path: Path, marts_schema: str | None
) -> None:
    """Fit the models with pymc-marketing (MAP) and write clv_model_parameters to the marts schema; build
    again (`segmentation build`) for the predictions. Needs pip install ".[clv]"."""
    from segmentation.clv import ClvUnavailableError

    with _friendly_errors():
        try:
            _clv_fit(
                target,
                duckdb_path,
                marts_schema,
                _as_date(calibration_end) if calibration_end else None,
                time_unit,
            )
        except ClvUnavailableError as error:
            raise click.ClickException(str(error)) from error


if __name__ == "__main__":
    main()
