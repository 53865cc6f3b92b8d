"""Every macro of the project is documented: a description, and each argument of its signature, in order,
with a type dbt accepts and a description. Read from the manifest of a `dbt parse`, so a macro added
without its YAML entry fails here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jinja2
import jinja2.nodes
import pytest
from conftest import PROJECT_DIR
from dbt.parser.schemas import is_valid_type
from segmentation.dbt_runner import run_dbt

PACKAGE = "customer_segmentation"

# Macros whose files other engineers rewrite in this round (the incremental strategy, the transitions);
# they document them with their change. Each entry must still exist undocumented, so the list only
# shrinks: once a macro is documented (or gone), remove it here.
PENDING_ELSEWHERE: frozenset[str] = frozenset()


@pytest.fixture(scope="module")
def project_macros(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    root = tmp_path_factory.mktemp("macro_docs")
    profiles = root / "profiles"
    profiles.mkdir()
    (profiles / "profiles.yml").write_text((PROJECT_DIR / "profiles.yml.example").read_text())
    run_dbt(
        ["parse", "--target-path", str(root / "target"), "--log-path", str(root / "logs")],
        project_dir=PROJECT_DIR,
        profiles_dir=profiles,
    )
    manifest = json.loads((root / "target" / "manifest.json").read_text())
    return {
        macro["name"]: macro
        for macro in manifest["macros"].values()
        if macro["package_name"] == PACKAGE and macro["original_file_path"].startswith("macros/")
    }


def signature(macro: dict[str, Any]) -> list[str]:
    """The argument names of the macro's Jinja definition."""
    template = jinja2.Environment(extensions=["jinja2.ext.do"]).parse(macro["macro_sql"])
    definitions = [node for node in template.find_all(jinja2.nodes.Macro) if node.name == macro["name"]]
    assert len(definitions) == 1, f"{macro['name']}: no single definition in its macro_sql"
    return [argument.name for argument in definitions[0].args]


def documentation_problems(macro: dict[str, Any]) -> list[str]:
    """What is missing from one macro's documentation, in words; empty when it is complete."""
    name = macro["name"]
    problems = []
    if not (macro.get("description") or "").strip():
        problems.append(f"{name}: no description")
    if name.startswith("materialization_"):
        # dbt-core lists the `supported_languages` it passes to every materialization by itself; documenting
        # it makes the v2 parser warn that the definition has no such argument. Nothing to check.
        return problems
    documented = macro.get("arguments") or []
    expected = signature(macro)
    if [argument["name"] for argument in documented] != expected:
        problems.append(
            f"{name}: arguments documented {[a['name'] for a in documented]}, signature has {expected}"
        )
    for argument in documented:
        if not (argument.get("description") or "").strip():
            problems.append(f"{name}({argument['name']}): no description")
        if not argument.get("type") or not is_valid_type(argument["type"]):
            problems.append(f"{name}({argument['name']}): type {argument.get('type')!r} is not a dbt type")
    return problems


def test_every_macro_and_argument_is_documented(project_macros: dict[str, dict[str, Any]]) -> None:
    problems = [
        problem
        for name, macro in sorted(project_macros.items())
        if name not in PENDING_ELSEWHERE
        for problem in documentation_problems(macro)
    ]
    assert not problems, "Undocumented (add them to the YAML beside their file):\n" + "\n".join(problems)


def test_pending_list_only_names_undocumented_macros(project_macros: dict[str, dict[str, Any]]) -> None:
    stale = sorted(
        name
        for name in PENDING_ELSEWHERE
        if name not in project_macros or not documentation_problems(project_macros[name])
    )
    assert not stale, f"documented or removed, take them off PENDING_ELSEWHERE: {stale}"


def test_every_macro_file_has_its_yaml_beside_it(project_macros: dict[str, dict[str, Any]]) -> None:
    # One YAML file per macro file, same name: the documentation is found where the macro is.
    misplaced = sorted(
        f"{name}: {macro['original_file_path']} documented in {macro['patch_path']}"
        for name, macro in project_macros.items()
        if macro.get("patch_path")
        and Path(macro["patch_path"].split("://")[-1]).with_suffix(".sql").as_posix()
        != macro["original_file_path"]
    )
    assert not misplaced, "\n".join(misplaced)


def test_the_check_finds_a_missing_description_and_argument() -> None:
    macro = {
        "name": "scaled",
        "macro_sql": "{% macro scaled(value, factor=2) %}{{ value }} * {{ factor }}{% endmacro %}",
        "description": "",
        "arguments": [{"name": "value", "type": "number", "description": ""}],
    }
    assert documentation_problems(macro) == [
        "scaled: no description",
        "scaled: arguments documented ['value'], signature has ['value', 'factor']",
        "scaled(value): no description",
        "scaled(value): type 'number' is not a dbt type",
    ]
    complete = {
        **macro,
        "description": "value times factor",
        "arguments": [
            {"name": "value", "type": "string", "description": "An SQL expression."},
            {"name": "factor", "type": "integer", "description": "The factor."},
        ],
    }
    assert documentation_problems(complete) == []
