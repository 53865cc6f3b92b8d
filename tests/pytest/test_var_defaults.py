"""Var defaults live in dbt_project.yml only: no `var(` call in the project passes a default, every var it
names is defined there, the var readers are not handed a second default either, and the Python side
reads the same defaults (segmentation.project_vars)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR
from segmentation import project_vars
from segmentation.family_reference import FamilyParams
from segmentation.project_vars import default_rfm_buckets, optional_var_default, var_default

SCANNED = ("macros", "models", "tests/dbt", "snapshots", "analyses")
# var(var_name) with the name in a variable: only the generic readers, which check it.
DYNAMIC_VAR_FILES = frozenset({"macros/vars/var_checks.sql"})
# The readers whose second positional argument is an (ignored) default: the var's name comes first.
READERS = ("share_var", "non_negative_number_var", "whole_number_var", "window_months_var", "weights_var")
DEFAULTED_READERS = ("share_var", "non_negative_number_var", "whole_number_var")

# Files other engineers own that still pass a default this round (the lead drops the second argument at
# merge). Every entry must still be found, so the list only shrinks.
PENDING_ELSEWHERE: frozenset[tuple[str, str]] = frozenset()

VAR_CALL = re.compile(r"\bvar\(\s*(?:(['\"])(\w+)\1|(\w+))\s*(,)?")
READER_CALL = re.compile(r"\b(" + "|".join(READERS) + r")\(\s*(['\"])(\w+)\2\s*(,\s*(?!minimum\s*=)[^)\s])?")


def project_files() -> list[Path]:
    return sorted(
        path
        for folder in SCANNED
        for path in (PROJECT_DIR / folder).rglob("*")
        if path.suffix in {".sql", ".yml"} and path.is_file()
    )


def defined_vars() -> set[str]:
    return set(yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"])


def var_findings(relative: str, text: str) -> tuple[list[str], list[tuple[str, str]], set[str]]:
    """(problems, calls passing a default, var names read) in one file's text."""
    problems, defaulted, names = [], [], set()
    for match in VAR_CALL.finditer(text):
        name, dynamic, has_default = match.group(2), match.group(3), match.group(4)
        if dynamic and relative not in DYNAMIC_VAR_FILES:
            problems.append(f"{relative}: var({dynamic}) reads a var whose name is not written out")
        if name:
            names.add(name)
            if has_default:
                defaulted.append((relative, f"var('{name}', ...)"))
    for match in READER_CALL.finditer(text):
        reader, name, has_default = match.group(1), match.group(3), match.group(4)
        names.add(name)
        if has_default and reader in DEFAULTED_READERS:
            defaulted.append((relative, f"{reader}('{name}', ...)"))
    return problems, defaulted, names


def scan() -> tuple[list[str], set[tuple[str, str]], set[str]]:
    problems, defaulted, names = [], set(), set()
    for path in project_files():
        relative = path.relative_to(PROJECT_DIR).as_posix()
        file_problems, file_defaulted, file_names = var_findings(relative, path.read_text())
        problems += file_problems
        defaulted |= set(file_defaulted)
        names |= file_names
    return problems, defaulted, names


def test_no_var_call_passes_a_default() -> None:
    problems, defaulted, _ = scan()
    unexpected = sorted(defaulted - PENDING_ELSEWHERE)
    assert not problems, "\n".join(problems)
    assert not unexpected, "defaults belong in dbt_project.yml only:\n" + "\n".join(map(str, unexpected))


def test_pending_list_is_not_stale() -> None:
    _, defaulted, _ = scan()
    stale = sorted(PENDING_ELSEWHERE - defaulted)
    assert not stale, f"fixed or gone, take them off PENDING_ELSEWHERE: {stale}"


def test_every_var_read_is_defined_in_dbt_project() -> None:
    _, _, names = scan()
    missing = sorted(names - defined_vars())
    assert not missing, f"vars read but not defined in dbt_project.yml: {missing}"


def test_the_scan_finds_defaults_and_undefined_dynamic_reads() -> None:
    text = (
        "{% set a = var('rfm_grain', 'month') %}{% set b = var('rfm_grain') %}{% set c = var(name) %}"
        "{{ share_var('max_publish_shrink_share', 0.1) }}"
        "{{ whole_number_var('health_trend_days', minimum=1) }}"
        "{{ weights_var('health_weights', ['usage']) }}"
    )
    problems, defaulted, names = var_findings("macros/example.sql", text)
    assert problems == ["macros/example.sql: var(name) reads a var whose name is not written out"]
    assert defaulted == [
        ("macros/example.sql", "var('rfm_grain', ...)"),
        ("macros/example.sql", "share_var('max_publish_shrink_share', ...)"),
    ]
    assert names == {"rfm_grain", "max_publish_shrink_share", "health_trend_days", "health_weights"}


def test_python_defaults_come_from_dbt_project(tmp_path: Path) -> None:
    shipped = yaml.safe_load((PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    params = FamilyParams()
    assert params.behaviour_window_days == shipped["behaviour_window_days"]
    assert params.health_weights == shipped["health_weights"]
    assert params.health_band_minimums == tuple(
        shipped[f"health_{band}_min_score"] for band in ("champions", "healthy", "neutral", "at_risk")
    )
    assert var_default("rfm_window_months", int) == shipped["rfm_window_months"]
    assert optional_var_default("rfm_as_of_date", str) is None
    assert default_rfm_buckets() == 5  # rfm_buckets is null: the rf_matrix scheme's own grid

    # Another project's file gives other defaults; wrong types and unknown names are refused.
    (tmp_path / "dbt_project.yml").write_text(
        "vars:\n  rfm_window_months: 6\n  events_enabled: true\n  behaviour_top_usage_share: 1\n"
    )
    assert var_default("rfm_window_months", int, tmp_path) == 6
    assert var_default("behaviour_top_usage_share", float, tmp_path) == 1.0
    with pytest.raises(TypeError, match="events_enabled"):
        var_default("events_enabled", int, tmp_path)
    with pytest.raises(KeyError, match="rfm_grain"):
        var_default("rfm_grain", str, tmp_path)
    assert project_vars.project_dir() == PROJECT_DIR
