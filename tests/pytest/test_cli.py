"""Fast tests of the CLI, the dbt wrapper, the summary and the plots (dbt itself is never run)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import duckdb
import pandas as pd
import pytest
from click.testing import CliRunner
from dbt.cli.main import dbtRunnerResult
from segmentation import cli, dbt_runner
from segmentation.cli import main
from segmentation.dbt_runner import DbtCommandError, ensure_profiles, failed_nodes, find_project_dir, run_dbt
from segmentation.summary import MartsNotBuiltError, format_summary, segment_summary

COMMANDS = sorted(main.commands)


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # `build` exports the DuckDB path for dbt; keep that from leaking between tests.
    monkeypatch.delenv(cli.DUCKDB_ENV, raising=False)


@pytest.fixture
def marts_db(tmp_path: Path) -> Path:
    """A DuckDB file holding tiny stand-ins for the marts the summary and plots read."""
    path = tmp_path / "marts.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute(
            """
            create table main.customer_segments_current as
            select *, date '2025-11-30' as snapshot_date, date '2025-11-20' as as_of_date,
                '5' || frequency_score || monetary_score as rfm_code,
                date '2025-10-31' as segment_entered_date,
                cast(null as varchar) as previous_segment, 'Act' as recommended_action,
                date '2025-11-20' as updated_at
            from (values
                ('1', 'Champions', 5, 5, 5, 0, 100, 9000.00::decimal(18,2)),
                ('2', 'Hibernating', 1, 1, 1, 500, 1, 20.00),
                ('3', 'Hibernating', 1, 2, 2, 400, 2, 80.00),
                ('4', 'Champions', 5, 4, 1, 3, 30, 0.00)
            ) t(customer_id, segment, recency_score, frequency_score, monetary_score, recency_days, frequency,
                monetary)
            """
        )
        con.execute(
            """
            create table main.stg_customers as
            select * from (values
                ('1', 'Ada O''Brien, Ltd', 'ada@example.com'),
                ('2', 'Bo', 'bo@example.com'),
                ('3', 'Cy', null),
                ('4', 'Dee', 'dee@example.com')
            ) t(customer_id, customer_name, email)
            """
        )
        con.execute(
            """
            create table main.customer_tiers as
            select * from (values
                ('1', 'A', 'Strategic', 'REGULAR'),
                ('2', 'D', 'Basic/Attention', 'CHURN RISK'),
                ('3', 'D', 'Basic/Attention', 'CHURN RISK')
            ) t(customer_id, tier, tier_name, action_flag)
            """
        )
        con.execute(
            """
            create table main.segment_summary as
            select * from (values
                (date '2025-10-31', 'Champions', 1, 0.5, 100.0, 1.0, 5.0, 100.0),
                (date '2025-10-31', 'Hibernating', 1, 0.5, 10.0, 300.0, 1.0, 10.0),
                (date '2025-11-30', 'Champions', 2, 0.5, 200.0, 1.0, 5.0, 100.0),
                (date '2025-11-30', 'Hibernating', 2, 0.5, 20.0, 300.0, 1.0, 10.0)
            ) t(snapshot_date, segment, customers, share, revenue,
                avg_recency_days, avg_frequency, avg_monetary)
            """
        )
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / "dbt_project.yml").write_text("name: t\n")
    (directory / "profiles.yml.example").write_text("customer_segmentation: {}\n")
    return directory


# --------------------------------------------------------------------------- help


def test_group_help(runner: CliRunner) -> None:
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("generate", "build", "summary", "plots", "report", "demo"):
        assert command in result.output


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert main.commands[command].help, f"{command} has no docstring"
    assert "Usage:" in result.output


# --------------------------------------------------------------------------- generate


def test_generate_writes_duckdb_and_csv(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "out.duckdb"
    result = runner.invoke(
        main,
        [
            *("generate", "--customers", "60", "--orders", "1500", "--months", "24", "--seed", "5"),
            *("--duckdb", str(db), "--csv-dir", str(tmp_path / "csv")),
        ],
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        (customers,) = con.execute("select count(*) from raw.customers").fetchone()
        (latest,) = con.execute("select max(ordered_at)::date::varchar from raw.orders").fetchone()
    assert customers == 60
    assert latest == "2025-12-31"
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == [
        "accounts.csv",
        "customers.csv",
        "events.csv",
        "orders.csv",
        "products.csv",
    ]


def test_generate_uses_env_path_schema_and_end_date(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "env.duckdb"
    monkeypatch.setenv(cli.DUCKDB_ENV, str(db))
    result = runner.invoke(
        main,
        [
            "generate",
            "--customers",
            "20",
            "--orders",
            "300",
            "--schema",
            "landing",
            "--end-date",
            "2024-03-10",
        ],
    )
    assert result.exit_code == 0, result.output
    with duckdb.connect(str(db), read_only=True) as con:
        (latest,) = con.execute("select max(ordered_at)::date::varchar from landing.orders").fetchone()
    assert latest == "2024-03-10"


def test_generate_no_duckdb_needs_csv_dir(runner: CliRunner) -> None:
    result = runner.invoke(main, ["generate", "--no-duckdb"])
    assert result.exit_code == 2
    assert "--csv-dir" in result.output


def test_generate_rejects_too_few_months(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(main, ["generate", "--months", "6", "--duckdb", str(tmp_path / "x.duckdb")])
    assert result.exit_code == 2


# --------------------------------------------------------------------------- build


def test_build_args() -> None:
    args = cli._dbt_build_args("duckdb", True, '{"rfm_grain": "week"}', ("a", "b+"), ("test_type:unit",))
    assert args == [
        "build",
        "--target",
        "duckdb",
        "--full-refresh",
        "--vars",
        '{"rfm_grain": "week"}',
        "--select",
        "a",
        "b+",
        "--exclude",
        "test_type:unit",
    ]
    assert cli._dbt_build_args(None, False, None, ()) == ["build"]


@pytest.mark.parametrize("bad", ["{not json", "[1, 2]"])
def test_build_rejects_bad_vars(runner: CliRunner, bad: str) -> None:
    result = runner.invoke(main, ["build", "--vars", bad])
    assert result.exit_code == 2
    assert "--vars" in result.output


def test_build_calls_dbt_with_profiles_and_path(
    runner: CliRunner, project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def fake_run_dbt(args: list[str], project_dir: Path, profiles_dir: Path | None) -> None:
        calls.append((args, project_dir, profiles_dir, cli.os.environ[cli.DUCKDB_ENV]))

    monkeypatch.setattr(cli, "run_dbt", fake_run_dbt)
    db = tmp_path / "b.duckdb"
    result = runner.invoke(
        main, ["build", "--project-dir", str(project), "--duckdb", str(db), "--select", "stg_orders"]
    )
    assert result.exit_code == 0, result.output
    assert calls == [(["build", "--select", "stg_orders"], project, None, str(db.resolve()))]
    assert (project / "profiles.yml").is_file()


def test_build_reports_dbt_failure(runner: CliRunner, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_run_dbt(args: list[str], project_dir: Path, profiles_dir: Path | None) -> None:
        raise DbtCommandError(args, [dbt_runner.NodeFailure("model.x.bad", "error", "boom")])

    monkeypatch.setattr(cli, "run_dbt", failing_run_dbt)
    result = runner.invoke(main, ["build", "--project-dir", str(project)])
    assert result.exit_code == 1
    assert "model.x.bad" in result.output and "boom" in result.output


# --------------------------------------------------------------------------- dbt runner


def test_find_project_dir_walks_up(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    nested = project / "models" / "marts"
    nested.mkdir(parents=True)
    assert find_project_dir(nested) == project
    monkeypatch.chdir(nested)
    assert find_project_dir() == project


def test_ensure_profiles_copies_example_once(project: Path) -> None:
    profiles = ensure_profiles(project)
    assert profiles.read_text() == (project / "profiles.yml.example").read_text()
    profiles.write_text("edited\n")
    assert ensure_profiles(project).read_text() == "edited\n"


def test_ensure_profiles_without_example(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"profiles\.yml\.example"):
        ensure_profiles(tmp_path)


def test_failed_nodes_lists_errors_and_failures() -> None:
    def node_result(unique_id: str, status: str, message: str) -> SimpleNamespace:
        return SimpleNamespace(node=SimpleNamespace(unique_id=unique_id), status=status, message=message)

    result = dbtRunnerResult(
        success=False,
        result=SimpleNamespace(
            results=[
                node_result("model.p.ok", "success", "OK"),
                node_result("model.p.bad", "error", "Catalog Error"),
                node_result("test.p.t", "fail", "Got 3 results"),
                node_result("model.p.later", "skipped", ""),
            ]
        ),
    )
    assert [(f.unique_id, f.status) for f in failed_nodes(result)] == [
        ("model.p.bad", "error"),
        ("test.p.t", "fail"),
    ]


def test_run_dbt_passes_dirs_and_raises(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    manifests = []

    class FakeRunner:
        def __init__(self, manifest: object = None) -> None:
            manifests.append(manifest)

        def invoke(self, args: list[str]) -> dbtRunnerResult:
            seen.append(args)
            return dbtRunnerResult(success=False, exception=RuntimeError("no profile"))

    monkeypatch.setattr(dbt_runner, "dbtRunner", FakeRunner)
    with pytest.raises(DbtCommandError, match="no profile"):
        run_dbt(["build"], project)
    assert seen == [["build", "--project-dir", str(project), "--profiles-dir", str(project)]]
    parsed = object()
    assert run_dbt(["debug"], project, project / "p", check=False, manifest=parsed).success is False
    assert seen[-1][-2:] == ["--profiles-dir", str(project / "p")]
    # An earlier parse is handed to dbtRunner, which then skips parsing.
    assert manifests == [None, parsed]


# --------------------------------------------------------------------------- summary and plots


def test_segment_summary(marts_db: Path) -> None:
    summary = segment_summary(marts_db)
    assert list(summary["segment"]) == ["Champions", "Hibernating"]
    champions = summary.iloc[0]
    assert champions["customers"] == 2
    assert champions["share_pct"] == pytest.approx(50.0)
    assert champions["total_monetary"] == pytest.approx(9000.0)
    assert champions["avg_frequency"] == pytest.approx(65.0)
    text = format_summary(summary)
    assert "Champions" in text and "2 segments, 4 customers" in text


def test_summary_command(runner: CliRunner, marts_db: Path) -> None:
    result = runner.invoke(main, ["summary", "--duckdb", str(marts_db)])
    assert result.exit_code == 0, result.output
    # The summary names the snapshot it describes, first.
    assert result.output.startswith("Snapshot 2025-11-30 (data as of 2025-11-20):")
    assert "Hibernating" in result.output
    assert "D Basic/Attention: 2" in result.output
    assert "CHURN RISK: 2" in result.output
    # The stand-in warehouse predates the segment families: the summary says so and still succeeds.
    assert "Segment families: not shown" in result.output


def test_summary_without_marts_says_build_first(runner: CliRunner, tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty)).close()
    for path in (empty, tmp_path / "missing.duckdb"):
        result = runner.invoke(main, ["summary", "--duckdb", str(path)])
        assert result.exit_code == 1
        assert "segmentation build" in result.output
    with pytest.raises(MartsNotBuiltError):
        segment_summary(empty)


def test_plots_command_writes_pngs(runner: CliRunner, marts_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "img"
    result = runner.invoke(
        main,
        [
            "plots",
            "--duckdb",
            str(marts_db),
            "--out-dir",
            str(out),
            "--only",
            "segment_sizes",
            "--only",
            "rf_grid",
        ],
    )
    assert result.exit_code == 0, result.output
    for name in ("segment_sizes.png", "rf_grid.png"):
        assert (out / name).read_bytes().startswith(b"\x89PNG")


MART_COMMANDS = ("summary", "plots", "report", "export")


@pytest.mark.parametrize("command", MART_COMMANDS)
def test_every_command_that_reads_marts_takes_target(runner: CliRunner, command: str) -> None:
    result = runner.invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert "--target" in result.output and "postgres" in result.output


def test_plots_take_target_and_schema(runner: CliRunner, marts_db: Path, tmp_path: Path) -> None:
    args = ["plots", "--target", "duckdb", "--duckdb", str(marts_db), "--schema", "main"]
    result = runner.invoke(main, [*args, "--out-dir", str(tmp_path), "--only", "rf_grid"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rf_grid.png").read_bytes().startswith(b"\x89PNG")


def test_bench_help_states_each_default_once(runner: CliRunner) -> None:
    result = runner.invoke(main, ["bench", "--help"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert text.count("[default: the core count]") == 1
    options = text[text.index("Options:") :]
    threads = options[options.index("--threads") : options.index("--memory-limit")]
    assert threads.count("default") == 1, threads


def test_export_writes_a_segment_with_names(runner: CliRunner, marts_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "lists" / "champions.csv"
    result = runner.invoke(
        main, ["export", "--duckdb", str(marts_db), "--segment", "Champions", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Wrote 2 customers" in result.output
    exported = pd.read_csv(out, dtype={"customer_id": str})
    assert list(exported.columns[:3]) == ["customer_id", "customer_name", "email"]
    # Most revenue first; names with commas and quotes survive the CSV.
    assert list(exported["customer_id"]) == ["1", "4"]
    assert exported.loc[0, "customer_name"] == "Ada O'Brien, Ltd"
    assert {"rfm_code", "recency_days", "frequency", "monetary", "segment_entered_date"} <= set(
        exported.columns
    )


def test_export_names_the_segments_when_one_is_unknown(
    runner: CliRunner, marts_db: Path, tmp_path: Path
) -> None:
    out = tmp_path / "x.csv"
    result = runner.invoke(
        main, ["export", "--duckdb", str(marts_db), "--segment", "Nope", "--out", str(out)]
    )
    assert result.exit_code == 1
    assert (
        "no customer is in rfm segment 'Nope'" in result.output and "Champions, Hibernating" in result.output
    )
    assert not out.exists()
    result = runner.invoke(
        main, ["export", "--duckdb", str(marts_db), "--segment", "X", "--family", "tier", "--out", str(out)]
    )
    assert result.exit_code == 2 and "--family" in result.output
