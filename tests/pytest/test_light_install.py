"""`make demo` installs the base only (plus the clv extra): the CLI must import without the other extras."""

from __future__ import annotations

import subprocess
import sys

# Packages that only the postgres, spark, browser and clv extras bring.
EXTRAS_ONLY = ("pyarrow", "pyspark", "psycopg2", "pyhive", "pymc_marketing", "playwright")

IMPORT_WITHOUT_EXTRAS = f"""
import builtins
real_import = builtins.__import__
def guarded(name, *args, **kwargs):
    if name.split('.')[0] in {EXTRAS_ONLY!r}:
        raise ImportError('extra-only package imported: ' + name)
    return real_import(name, *args, **kwargs)
builtins.__import__ = guarded
import segmentation.cli, segmentation.generator, segmentation.plots, segmentation.summary
import segmentation.report, segmentation.dbt_runner, segmentation.clv
"""


def test_the_cli_imports_with_the_base_install_alone() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_WITHOUT_EXTRAS], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
