"""The reverse-ETL contract of customer_segments_current: an enforced contract with a primary key, only
deterministic columns, an `application` exposure for the CRM sync; changing a column's type (or dropping a
column) in a copy of the project breaks the build."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from conftest import PROJECT_DIR, Warehouse, _environment
from reliability import record_figures
from segmentation.dbt_runner import DbtCommandError, run_dbt
from segmentation.generator import generate_raw_data

MODEL = "customer_segments_current"
MODEL_SQL = Path("models") / "marts" / f"{MODEL}.sql"
COPIED = ["dbt_project.yml", "models", "macros", "seeds", "snapshots", "tests", "analyses"]


@pytest.fixture(scope="module")
def built(make_warehouse) -> Warehouse:
    warehouse = make_warehouse("contract")
    warehouse.load(generate_raw_data(customers=40, orders=600, months=14, seed=4))
    warehouse.dbt(
        "build", "--exclude", "test_type:unit", "--indirect-selection", "cautious", "--select", f"+{MODEL}"
    )
    return warehouse


def _contract() -> dict:
    models = yaml.safe_load((PROJECT_DIR / "models" / "marts" / "_marts__models.yml").read_text())["models"]
    return next(model for model in models if model["name"] == MODEL)


def _manifest(warehouse: Warehouse) -> dict:
    return json.loads((warehouse.root / "target" / "manifest.json").read_text())


def test_contract_is_enforced_with_a_primary_key(built: Warehouse) -> None:
    node = _manifest(built)["nodes"][f"model.customer_segmentation.{MODEL}"]
    assert node["config"]["contract"]["enforced"] is True
    constraints = {c["type"] for c in node["columns"]["customer_id"]["constraints"]}
    assert {"primary_key", "not_null"} <= constraints
    assert all(column.get("data_type") for column in node["columns"].values())
    built_columns = list(built.query(f"select * from {MODEL} limit 0").columns)
    assert built_columns == list(node["columns"])


def test_every_column_is_deterministic(built: Warehouse) -> None:
    types = {column["name"]: column["data_type"] for column in _contract()["columns"]}
    assert not [name for name, kind in types.items() if "timestamp" in kind or kind == "time"], types
    before = built.query(f"select * from {MODEL} order by customer_id")
    built.dbt("run", "--select", MODEL)
    after = built.query(f"select * from {MODEL} order by customer_id")
    assert len(before) > 0 and after.equals(before)


def test_crm_sync_is_an_application_exposure(built: Warehouse) -> None:
    exposures = _manifest(built)["exposures"]
    crm = exposures["exposure.customer_segmentation.crm_segment_sync"]
    assert crm["type"] == "application"
    assert crm["depends_on"]["nodes"] == [f"model.customer_segmentation.{MODEL}"]
    contract_columns = {column["name"] for column in _contract()["columns"]}
    assert {crm["meta"]["sync_key"], *crm["meta"]["synced_columns"]} <= contract_columns


def _project_copy(tmp_path: Path, replace: tuple[str, str] | None) -> Path:
    copy = tmp_path / "project"
    copy.mkdir()
    for name in COPIED:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, copy / name)
        elif source.exists():
            shutil.copy(source, copy / name)
    if replace is not None:
        sql = (copy / MODEL_SQL).read_text()
        assert replace[0] in sql
        (copy / MODEL_SQL).write_text(sql.replace(*replace))
    return copy


def _run_copy(built: Warehouse, project: Path) -> None:
    args = [
        "run",
        "--select",
        MODEL,
        "--target-path",
        str(project / "target"),
        "--log-path",
        str(project / "logs"),
    ]
    with _environment(SEGMENTATION_DUCKDB_PATH=str(built.path)):
        run_dbt(args, project_dir=project, profiles_dir=built.profiles_dir)


CHANGES = {
    "score_becomes_text": (
        "current_rows.recency_score,",
        "cast(current_rows.recency_score as varchar) as recency_score,",
        "recency_score",
    ),
    "money_becomes_double": (
        "current_rows.monetary,",
        "cast(current_rows.monetary as double) as monetary,",
        "monetary",
    ),
    "date_becomes_timestamp": (
        "current_rows.snapshot_date,",
        "cast(current_rows.snapshot_date as timestamp) as snapshot_date,",
        "snapshot_date",
    ),
    "column_dropped": ("current_rows.rfm_code,", "", "rfm_code"),
}


BROKEN: set[str] = set()


def test_unchanged_copy_builds(built: Warehouse, tmp_path: Path) -> None:
    # The control: the copied project itself passes its contract, so the failures below come from the change.
    _run_copy(built, _project_copy(tmp_path, None))


@pytest.mark.parametrize("change", list(CHANGES))
def test_changing_a_column_breaks_the_build(built: Warehouse, tmp_path: Path, change: str) -> None:
    old, new, column = CHANGES[change]
    with pytest.raises(DbtCommandError) as failure:
        _run_copy(built, _project_copy(tmp_path, (old, new)))
    message = str(failure.value)
    assert "contract" in message.lower() and column in message
    record_figures(
        "contract", {"contract_changes_tried": len(CHANGES), "changes_that_broke_the_build": len(CHANGES)}
    )
