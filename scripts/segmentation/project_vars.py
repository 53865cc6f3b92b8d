"""The project's var defaults, read from dbt_project.yml, the one place they are written.

The pandas references and the CLI take their defaults from here, so a default changed in dbt_project.yml
changes them too instead of leaving a second copy behind.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml

PROJECT_FILE = "dbt_project.yml"
SEGMENT_DEFINITIONS_SEED = Path("seeds") / "rfm_segment_definitions.csv"

T = TypeVar("T")


def project_dir() -> Path:
    """The dbt project this package belongs to: the nearest directory above it holding dbt_project.yml."""
    here = Path(__file__).resolve().parent
    for directory in (here, *here.parents):
        if (directory / PROJECT_FILE).is_file():
            return directory
    raise FileNotFoundError(f"no {PROJECT_FILE} above {here}: run the package from the project's checkout")


@cache
def var_defaults(directory: Path | None = None) -> Mapping[str, object]:
    """Every var of dbt_project.yml with its default value."""
    with open((directory or project_dir()) / PROJECT_FILE, encoding="utf-8") as handle:
        project = yaml.safe_load(handle)
    return dict(project.get("vars") or {})


def var_default(name: str, kind: type[T], directory: Path | None = None) -> T:
    """The default of var ``name``, checked to be a ``kind`` (an int default is accepted as a float)."""
    defaults = var_defaults(directory)
    if name not in defaults:
        raise KeyError(f"var {name!r} is not defined in {PROJECT_FILE}")
    value = defaults[name]
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    # bool is an int in Python: a true/false default must not pass for a number, nor a number for a flag.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise TypeError(f"var {name!r} in {PROJECT_FILE} is {value!r}, expected {kind.__name__}")
    return value


def optional_var_default(name: str, kind: type[T], directory: Path | None = None) -> T | None:
    """The default of a var that may be null (``None``), otherwise checked like ``var_default``."""
    if var_defaults(directory).get(name, ...) is None:
        return None
    return var_default(name, kind, directory)


def default_rfm_buckets(directory: Path | None = None) -> int:
    """Var rfm_buckets' default: its value, or when null the default scheme's own bucket count (the seed)."""
    buckets = optional_var_default("rfm_buckets", int, directory)
    if buckets is not None:
        return buckets
    scheme = var_default("rfm_segment_scheme", str, directory)
    with open((directory or project_dir()) / SEGMENT_DEFINITIONS_SEED, encoding="utf-8") as handle:
        counts = {int(row["buckets"]) for row in csv.DictReader(handle) if row["scheme"] == scheme}
    if len(counts) != 1:
        raise ValueError(f"scheme {scheme!r} has buckets {sorted(counts)} in {SEGMENT_DEFINITIONS_SEED}")
    return counts.pop()
