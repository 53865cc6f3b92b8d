"""A null or duplicate key never reaches an incremental merge: delete+insert matches with `=`, so a null key
part would leave old rows beside new ones and a duplicate key would insert twice. The guard checks every
incremental model's new batch and stops the model with a clear error, leaving the table unchanged.

The guard hooks in through dbt's extension points (the custom strategy guarded_delete_insert; a pre-hook on
Spark, macros/incremental_strategy.sql), never by redefining one of dbt's macros: a test here checks that
no project macro has the name of a dbt or adapter macro. A probe model (a copy of the project with one more
model, built through family_history_incremental_config like every history) gets a batch chosen by a var, so
the guard is proven on DuckDB and PostgreSQL independently of how the histories pick what they recompute."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import dbt.adapters
import dbt.include
import pytest
from conftest import PROJECT_DIR, Warehouse, _environment
from reliability import record_figures
from segmentation.dbt_runner import DbtCommandError, run_dbt
from segmentation.generator import generate_raw_data
from test_postgres_reliability import make_postgres, trust_databases  # noqa: F401

HISTORY_SQL = "select * from customer_rfm_history order by customer_id, snapshot_date"


@pytest.fixture(scope="module")
def built(make_warehouse) -> Warehouse:
    warehouse = make_warehouse("merge_guard")
    warehouse.load(generate_raw_data(customers=40, orders=600, months=14, seed=2))
    warehouse.dbt("build", "--exclude", "test_type:unit")
    return warehouse


def _log_since(warehouse: Warehouse, start: int) -> str:
    with (warehouse.root / "logs" / "dbt.log").open(errors="replace") as handle:
        handle.seek(start)
        return handle.read()


def _log_size(warehouse: Warehouse) -> int:
    return (warehouse.root / "logs" / "dbt.log").stat().st_size


def test_every_incremental_model_checks_its_batch(built: Warehouse) -> None:
    start = _log_size(built)
    result = built.dbt("run", "--select", "config.materialized:incremental")
    models = sorted(
        run.node.name for run in result.result.results if run.node.config.materialized == "incremental"
    )
    assert "customer_rfm_history" in models and len(models) >= 6
    guarded = [line for line in _log_since(built, start).splitlines() if "merge key guard: " in line]
    for model in models:
        assert any(model in line and "keys clean" in line for line in guarded), model
    record_figures(
        "merge_guard",
        {
            "incremental_models_guarded": len(models),
            "bad_batches_planted": 2
            + len(PROBE_CASES)
            + sum(1 for _, problem in CRAFTED.values() if problem),
        },
    )


# The model customer_rfm_history reads its totals from, and its clean state: the window engine's table
# (incremental, a history recomputes the snapshots it stamped later than the history's own rows), or the
# period table of the engine it replaced (rebuilt whole; the history recomputes its lookback every run).
WINDOW_ENGINE = "int_customer_snapshot_windows"
PERIOD_TABLE = "int_customer_period_activity"


def _history_parent(warehouse: Warehouse) -> str:
    tables = warehouse.query("select table_name from information_schema.tables where table_schema = 'main'")
    return WINDOW_ENGINE if WINDOW_ENGINE in set(tables["table_name"]) else PERIOD_TABLE


def _planted_sql(parent: str, problem: str) -> str:
    """Rows of the newest snapshot copied into the history's parent (stamped now, so a history that follows
    the engine's stamps recomputes that snapshot): all of them (every key twice) or one with no customer."""
    replaced = ["cast(null as varchar) as customer_id"] if problem == "null_customer_id" else []
    if parent == WINDOW_ENGINE:
        replaced.append("cast(current_timestamp as timestamp) + interval 1 minute as computed_at")
    replace = f" replace ({', '.join(replaced)})" if replaced else ""
    newest = f"snapshot_date = (select max(snapshot_date) from {parent})"
    if problem == "duplicate_key" and parent == PERIOD_TABLE:
        # That engine sums change rows per period of the calendar: a repeated period repeats every key.
        return (
            "insert into int_rfm_periods select * from int_rfm_periods"
            " where snapshot_date = (select max(snapshot_date) from int_rfm_periods)"
        )
    if problem == "duplicate_key":
        return f"insert into {parent} select *{replace} from {parent} where {newest}"
    order_column = "last_order_date" if parent == WINDOW_ENGINE else "last_completed_order_date"
    return (
        f"insert into {parent} select *{replace} from {parent} where {newest}"
        f" and {order_column} is not null order by customer_id limit 1"
    )


@pytest.mark.parametrize(
    ("planted", "problem"),
    [
        ("duplicate_key", "keys (customer_id, snapshot_date) on more than one row"),
        ("null_customer_id", "rows with a null customer_id"),
    ],
    ids=["duplicate_key", "null_customer_id"],
)
def test_a_bad_batch_stops_the_merge_and_leaves_the_history_unchanged(
    built: Warehouse, planted: str, problem: str
) -> None:
    parent = _history_parent(built)
    before = built.query(HISTORY_SQL)
    built.execute(_planted_sql(parent, planted))
    try:
        with pytest.raises(DbtCommandError) as failure:
            built.dbt("run", "--select", "customer_rfm_history")
        message = str(failure.value)
        assert "Merge key guard: the new batch for" in message and "customer_rfm_history" in message
        assert problem in message
        assert "nothing was merged, the table is unchanged" in message
        after = built.query(HISTORY_SQL)
        assert after.equals(before)
    finally:
        built.dbt("run", "--select", "int_rfm_periods", parent, "--full-refresh")


CRAFTED = {
    "batch_clean": ("select 'a' as customer_id, date '2025-01-31' as snapshot_date", None),
    "batch_null_customer": (
        "select * from (values ('a', date '2025-01-31'), (null, date '2025-01-31'))"
        " as t(customer_id, snapshot_date)",
        "1 rows with a null customer_id",
    ),
    "batch_null_snapshot": (
        "select * from (values ('a', null::date), ('b', null::date)) as t(customer_id, snapshot_date)",
        "2 rows with a null snapshot_date",
    ),
    "batch_duplicate_key": (
        "select * from (values ('a', date '2025-01-31'), ('a', date '2025-01-31'), ('b', date '2025-01-31'))"
        " as t(customer_id, snapshot_date)",
        "1 keys (customer_id, snapshot_date) on more than one row",
    ),
    "batch_no_snapshot_column": ("select 'a' as customer_id", "has no column snapshot_date"),
}


@pytest.mark.parametrize("name", list(CRAFTED))
def test_guard_macro_on_crafted_batches(built: Warehouse, name: str) -> None:
    sql, problem = CRAFTED[name]
    built.execute(f"create or replace table main.{name} as {sql}")
    args = ["run-operation", "check_merge_keys", "--args", repr({"identifier": name})]
    if problem is None:
        built.dbt(*args)
        return
    start = _log_size(built)
    with pytest.raises(DbtCommandError):
        built.dbt(*args)
    assert problem in _log_since(built, start)


# ------------------------------------------------------------------------------ no dbt macro redefined

DEFINITION = re.compile(
    r"{%-?\s*(macro|test|materialization)\s+([A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\s*,\s*(?:adapter\s*=\s*['\"]([A-Za-z_]+)['\"]|(default)))?"
)
# dbt-spark's snapshot needs MERGE (delta, iceberg or hudi tables); the project's parquet snapshot replaces
# that materialization for Spark (macros/engines/spark_snapshot.sql). A materialization of a resource type dbt
# fixes (snapshots are always materialized 'snapshot') cannot be added under another name.
KNOWN_REPLACEMENTS = {"materialization_snapshot_spark"}


def _macro_names(files: list[Path]) -> set[str]:
    """Names of the macros the files define, as dbt registers them (tests as test_<name>, materializations
    as materialization_<name>_<adapter or default>)."""
    names = set()
    for path in files:
        for kind, name, adapter, default in DEFINITION.findall(path.read_text(errors="replace")):
            if kind == "macro":
                names.add(name)
            elif kind == "test":
                names.add(f"test_{name}")
            else:
                names.add(f"materialization_{name}_{adapter or default or 'default'}")
    return names


def test_the_project_defines_no_macro_named_like_one_of_dbts() -> None:
    installed = [Path(p) for package in (dbt.include, dbt.adapters) for p in package.__path__]
    dbt_names = _macro_names([f for root in installed for f in root.rglob("*.sql")])
    project_files = [
        *(PROJECT_DIR / "macros").rglob("*.sql"),
        *(PROJECT_DIR / "tests" / "dbt").rglob("*.sql"),
    ]
    project_names = _macro_names(project_files)
    # Every installed adapter's macros are read (global project, duckdb, postgres, spark), not one of them.
    assert {
        "get_incremental_delete_insert_sql",
        "get_insert_overwrite_sql",
        "duckdb__snapshot_merge_sql",
    } <= (dbt_names)
    assert len(dbt_names) > 400 and len(project_names) > 50
    assert "get_incremental_guarded_delete_insert_sql" in project_names
    assert (project_names & dbt_names) - KNOWN_REPLACEMENTS == set()


# ----------------------------------------------------------------------------------- the probe model

PROBE = "guard_probe_history"
PROBE_SQL = """{{ config(
    materialized='incremental',
    on_schema_change='fail',
    meta={'merge_grain': var('probe_grain', ['customer_id', 'snapshot_date'])},
    **customer_segmentation.family_history_incremental_config()
) }}
{%- set batch = var('probe_batch', 'clean') -%}
{%- set null_customer = 'cast(null as ' ~ dbt.type_string() ~ ')' -%}
{%- set planted_customer = null_customer if batch == 'null_customer_id' else 'customer_id' %}
with

history as (

    select * from {{ ref('customer_rfm_history') }}

),

clean as (

    select
        customer_id,
        snapshot_date
    from history

),

planted as (

    select
        {{ planted_customer }} as customer_id,
        snapshot_date
    from history
    where customer_id = (select min(customer_id) from history)

),

final as (

    select * from clean
    {%- if batch != 'clean' %}
    union all
    select * from planted
    {%- endif %}

)

select * from final
"""
PROBE_CASES = {
    "duplicate_key": (
        {"probe_batch": "duplicate_key"},
        "keys (customer_id, snapshot_date) on more than one row",
    ),
    "null_customer_id": ({"probe_batch": "null_customer_id"}, "rows with a null customer_id"),
    "wrong_grain": (
        {"probe_grain": ["customer_id", "snapshot_date", "segment_family"]},
        "has no column segment_family",
    ),
}


@pytest.fixture(scope="module")
def probe_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project with one more model, the probe (a copy: the worktree's models stay untouched)."""
    root = tmp_path_factory.mktemp("guard_probe_project")
    shutil.copy(PROJECT_DIR / "dbt_project.yml", root / "dbt_project.yml")
    for folder in ("models", "macros", "seeds", "snapshots", "analyses", "tests/dbt"):
        if (PROJECT_DIR / folder).exists():
            shutil.copytree(PROJECT_DIR / folder, root / folder)
    (root / "models" / "guard_probe").mkdir()
    (root / "models" / "guard_probe" / f"{PROBE}.sql").write_text(PROBE_SQL)
    return root


def _assert_probe_guarded(run, fetch) -> None:
    """Builds the probe, then runs it incrementally with each bad batch: each stops it, table unchanged."""
    run({})
    run({})  # incremental with a clean batch: the guard passes it
    before = fetch()
    assert len(before) > 100
    for name, (dbt_vars, problem) in PROBE_CASES.items():
        with pytest.raises(DbtCommandError) as failure:
            run(dbt_vars)
        message = str(failure.value)
        assert "Merge key guard: " in message and PROBE in message, name
        assert problem in message, name
        assert fetch().equals(before), name


def test_the_probe_model_is_guarded_on_duckdb(built: Warehouse, probe_project: Path) -> None:
    def run(dbt_vars: dict) -> None:
        args = ["run", "--select", PROBE, "--target-path", str(built.root / "probe_target")]
        args += ["--log-path", str(built.root / "logs"), "--vars", repr(dbt_vars)]
        with _environment(SEGMENTATION_DUCKDB_PATH=str(built.path), DBT_SEND_ANONYMOUS_USAGE_STATS="false"):
            run_dbt(args, project_dir=probe_project, profiles_dir=built.profiles_dir)

    def fetch():
        return built.query(f"select * from {PROBE} order by customer_id, snapshot_date")

    _assert_probe_guarded(run, fetch)


@pytest.mark.postgres
def test_the_probe_model_is_guarded_on_postgres(make_postgres, probe_project: Path) -> None:  # noqa: F811
    warehouse = make_postgres("merge_guard")
    warehouse.load(generate_raw_data(customers=40, orders=600, months=14, seed=2, events=False))
    warehouse.dbt("seed", "--vars", repr({"events_enabled": False}))
    warehouse.dbt("run", "--select", "+customer_rfm_history", "--vars", repr({"events_enabled": False}))

    def run(dbt_vars: dict) -> None:
        args = [
            "run",
            "--select",
            PROBE,
            "--target",
            "postgres",
            "--target-path",
            str(warehouse.root / "probe"),
        ]
        args += ["--log-path", str(warehouse.root / "logs"), "--vars", repr(dbt_vars)]
        with _environment(PGDATABASE=warehouse.database, SEGMENTATION_PG_SCHEMA=warehouse.schema):
            run_dbt(args, project_dir=probe_project, profiles_dir=warehouse.profiles_dir)

    def fetch():
        return warehouse.query(f"select * from {PROBE} order by customer_id, snapshot_date")

    _assert_probe_guarded(run, fetch)


# On Spark the probe runs in test_spark_parity.py, on the warehouse that module has already built (a Spark
# session and a build of its own would cost CI two minutes).
