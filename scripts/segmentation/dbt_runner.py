"""A thin wrapper around dbt's programmatic ``dbtRunner``."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from dbt.cli.main import dbtRunner, dbtRunnerResult
from dbt.contracts.graph.manifest import Manifest

from segmentation.spark_ansi import keep_profile_ansi_mode

PROJECT_FILE = "dbt_project.yml"
PROFILES_FILE = "profiles.yml"
PROFILES_EXAMPLE = "profiles.yml.example"
FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


@dataclass(frozen=True)
class NodeFailure:
    """One dbt node (model, test, seed, ...) that did not succeed."""

    unique_id: str
    status: str
    message: str


class DbtCommandError(RuntimeError):
    """A dbt command did not succeed; ``failures`` names the failing nodes."""

    def __init__(
        self, command: list[str], failures: list[NodeFailure], exception: BaseException | None = None
    ):
        self.command = command
        self.failures = failures
        self.exception = exception
        super().__init__(self._describe())

    def _describe(self) -> str:
        lines = [f"dbt {' '.join(self.command)} failed"]
        lines += [f"  {f.status}: {f.unique_id}: {f.message}" for f in self.failures]
        if self.exception is not None:
            lines.append(f"  {type(self.exception).__name__}: {self.exception}")
        return "\n".join(lines)


def find_project_dir(start: Path | None = None) -> Path:
    """Nearest directory containing dbt_project.yml, from ``start`` (cwd) up, then from this package up."""
    candidates = [(start or Path.cwd()).resolve(), Path(__file__).resolve().parent]
    for origin in candidates:
        for directory in (origin, *origin.parents):
            if (directory / PROJECT_FILE).is_file():
                return directory
    raise FileNotFoundError(
        f"no {PROJECT_FILE} found above {candidates[0]} or the installed package; pass --project-dir"
    )


def ensure_profiles(project_dir: Path) -> Path:
    """Return project_dir/profiles.yml, copying it from profiles.yml.example when missing."""
    profiles = Path(project_dir) / PROFILES_FILE
    if profiles.is_file():
        return profiles
    example = Path(project_dir) / PROFILES_EXAMPLE
    if not example.is_file():
        raise FileNotFoundError(f"neither {profiles} nor {example} exists; create a dbt profile first")
    shutil.copyfile(example, profiles)
    return profiles


def failed_nodes(result: dbtRunnerResult) -> list[NodeFailure]:
    """Nodes whose status is error/fail in a build/run/test/seed result (empty for other commands)."""
    node_results = getattr(result.result, "results", None) or []
    failures = []
    for node_result in node_results:
        status = str(getattr(node_result.status, "value", node_result.status))
        if status in FAILED_STATUSES:
            node = getattr(node_result, "node", None)
            unique_id = getattr(node, "unique_id", "<unknown node>")
            failures.append(NodeFailure(unique_id, status, str(node_result.message or "").strip()))
    return failures


def run_dbt(
    args: list[str],
    project_dir: Path | None = None,
    profiles_dir: Path | None = None,
    check: bool = True,
    manifest: Manifest | None = None,
) -> dbtRunnerResult:
    """Run ``dbt <args>`` in-process against ``project_dir`` (default: found from cwd).

    ``manifest``, the result of an earlier ``dbt parse``, skips parsing (dbtRunner's own option): the
    command then runs on that parse, with this invocation's ``--vars`` in its context.
    Raises DbtCommandError when dbt reports failure, unless ``check`` is False.
    """
    project = Path(project_dir) if project_dir is not None else find_project_dir()
    profiles = Path(profiles_dir) if profiles_dir is not None else project
    full_args = [*args, "--project-dir", str(project), "--profiles-dir", str(profiles)]
    keep_profile_ansi_mode()
    result = dbtRunner(manifest=manifest).invoke(full_args)
    if check and not result.success:
        raise DbtCommandError(full_args, failed_nodes(result), result.exception)
    return result
