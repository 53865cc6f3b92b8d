"""Bad configuration: every var is validated before any SQL runs; a wrong value stops dbt with a message
naming the var, the value and what is allowed. One case per var (and per kind of wrong value for the core
RFM vars), against a tiny DuckDB warehouse whose seeds are loaded (the scheme check reads the seed).

The cases run the check every build starts with (the on-run-start hook `validate_vars`) on one parse of
the project, each with its own --vars: a var changed on the command line makes dbt parse the whole project
again, about 3 s a case. The models call the same checks while dbt parses them, so a wrong value also stops
`dbt parse`; that path is checked on the vars the models read, and a whole build on the scheme."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from conftest import Warehouse
from dbt.contracts.graph.manifest import Manifest
from reliability import record_figures
from segmentation.dbt_runner import DbtCommandError
from segmentation.generator import generate_raw_data

# (var, wrong value, a fragment of what the message says is allowed)
CASES: list[tuple[str, object, str]] = [
    ("rfm_grain", "fortnight", "day, week, month, quarter"),
    ("rfm_grain", 3, "day, week, month, quarter"),
    ("rfm_buckets", 1, "a whole number from 2 to 10"),
    ("rfm_buckets", 11, "a whole number from 2 to 10"),
    ("rfm_buckets", 2.5, "a whole number from 2 to 10"),
    ("rfm_buckets", "five", "a whole number from 2 to 10"),
    ("rfm_buckets", 4, "5 for scheme rf_matrix"),
    ("rfm_window_months", -1, "a whole number of months >= 0"),
    ("rfm_window_months", 1.5, "a whole number of months >= 0"),
    ("rfm_window_months", "twelve", "a whole number of months >= 0"),
    ("rfm_as_of_date", "2025-02-30", "a real calendar date written YYYY-MM-DD"),
    ("rfm_as_of_date", "31/12/2025", "a real calendar date written YYYY-MM-DD"),
    ("rfm_as_of_date", "yesterday", "a real calendar date written YYYY-MM-DD"),
    ("rfm_segment_scheme", "no_such_scheme", "one of the schemes in seed rfm_segment_definitions: "),
    ("rfm_segment_scheme", "x'; drop table raw.orders; --", "the name of a scheme in seed"),
    ("rfm_score_method", "rank", "percent_rank, ntile, thresholds"),
    ("rfm_score_population", "everyone", "active, all"),
    ("rfm_max_score_share", 0, "a share above 0 and at most 1"),
    ("rfm_lookback_periods", -1, "a whole number >= 0"),
    ("rfm_min_customers_per_snapshot", 0, "a whole number >= 1"),
    ("rfm_min_distinct_scores", "3", "a whole number >= 1"),
    ("business_timezone", "Mars/Olympus", "an IANA time zone name"),
    ("business_timezone", "EST; drop", "an IANA time zone name"),
    ("orders_version_column", "updated_at; drop", "a column name of the raw orders table"),
    ("rejected_rows_warn_share", 1.5, "a share between 0 and 1"),
    ("rejected_rows_error_share", -0.1, "a share between 0 and 1"),
    ("rejected_rows_warn_share", 0.5, "a share at most rejected_rows_error_share"),
    ("max_publish_shrink_share", 1.5, "a share between 0 and 1"),
    (
        "tier_profitability_weights",
        {"revenue_per_active_month": 0, "margin_rate": 0},
        "weights whose sum is positive",
    ),
    ("tier_adherence_weights", {"tenure": -1, "recency": 2}, "weights that are numbers >= 0"),
    ("tier_adherence_weights", {"typo": 1}, "unknown key typo"),
    ("tier_profitability_weights", 0.4, "a mapping of revenue_per_active_month"),
    ("tier_lookback_months", 0, "a whole number of months >= 1"),
    ("tier_profitability_threshold", 170, "a score from 0 to 100"),
    ("tier_adherence_threshold", -5, "a number >= 0"),
    ("flag_churn_risk_days", 30, "a value above flag_warning_days (60)"),
    ("flag_xsell_min_active_months", "ten", "a number >= 0"),
    ("flag_new_customer_months", -1, "a number >= 0"),
    ("raw_schema", "raw; drop", "a schema name of letters, digits and underscores"),
    ("events_enabled", "yes", "true or false"),
    ("core_action_event", "", "the event_name of the core action"),
    ("behaviour_window_days", 3, "a whole number >= 7"),
    ("behaviour_top_usage_share", 2, "a share between 0 and 1"),
    ("behaviour_trialing_min_core_actions", 0, "a whole number >= 1"),
    ("behaviour_power_user_min_core_actions", 3, "a value above behaviour_engaged_min_core_actions (5)"),
    ("lifecycle_established_days", 10, "a value above lifecycle_adopting_days (30)"),
    ("lifecycle_churned_days", 20, "a value above lifecycle_at_risk_days (30)"),
    ("value_window_months", 0, "a whole number of months >= 1"),
    ("value_mid_market_min_revenue", 500, "a value above value_smb_min_revenue (1000)"),
    ("health_weights", {"usage": 0, "recency": 0}, "weights whose sum is positive"),
    ("health_champions_min_score", 120, "a whole number <= 100"),
    ("health_trend_days", 0, "a whole number >= 1"),
]


# Vars the models read while dbt parses them, with a wrong value each: parsing alone must refuse them.
READ_WHILE_PARSING: list[tuple[str, object, str]] = [
    ("business_timezone", "Mars/Olympus", "an IANA time zone name"),
    ("rfm_grain", "fortnight", "day, week, month, quarter"),
    ("rfm_window_months", -1, "a whole number of months >= 0"),
    ("value_window_months", 0, "a whole number of months >= 1"),
]


@dataclass(frozen=True)
class Seeded:
    warehouse: Warehouse
    parsed: Manifest


@pytest.fixture(scope="module")
def seeded(make_warehouse) -> Seeded:
    warehouse = make_warehouse("config_validation")
    warehouse.load(generate_raw_data(customers=30, orders=300, months=14, seed=1))
    warehouse.dbt("seed")
    return Seeded(warehouse, warehouse.dbt("parse").result)


def _failure(warehouse: Warehouse, *args: str, dbt_vars: dict, manifest: Manifest | None = None) -> str:
    """The error dbt reported: a failed run-operation names it only in its log, so the log's new part is
    read along with the exception."""
    log = warehouse.root / "logs" / "dbt.log"
    start = log.stat().st_size if log.exists() else 0
    with pytest.raises(DbtCommandError) as failure:
        warehouse.dbt(*args, dbt_vars=dbt_vars, manifest=manifest)
    with log.open(errors="replace") as handle:
        handle.seek(start)
        return str(failure.value) + "\n" + handle.read()


def test_default_vars_are_valid(seeded: Seeded) -> None:
    assert seeded.warehouse.dbt("run-operation", "validate_vars", manifest=seeded.parsed).success


@pytest.mark.parametrize(("name", "value", "allowed"), CASES, ids=[f"{c[0]}={c[1]!r}" for c in CASES])
def test_wrong_var_stops_dbt_naming_var_value_and_allowed(
    seeded: Seeded, name: str, value: object, allowed: str
) -> None:
    message = _failure(
        seeded.warehouse, "run-operation", "validate_vars", dbt_vars={name: value}, manifest=seeded.parsed
    )
    assert f"Invalid value for var '{name}': {value}. Allowed: " in message
    assert allowed in message


@pytest.mark.parametrize(
    ("name", "value", "allowed"), READ_WHILE_PARSING, ids=[f"{c[0]}={c[1]!r}" for c in READ_WHILE_PARSING]
)
def test_wrong_var_stops_dbt_parse_in_the_model_that_reads_it(
    seeded: Seeded, name: str, value: object, allowed: str
) -> None:
    message = _failure(seeded.warehouse, "parse", dbt_vars={name: value})
    assert "Compilation Error in model " in message
    assert f"Invalid value for var '{name}': {value}. Allowed: " in message
    assert allowed in message


def test_a_wrong_var_stops_the_build_before_any_model_runs(seeded: Seeded) -> None:
    # The scheme passes the parse-time name check, so it is the on-run-start hook that stops the build.
    message = _failure(seeded.warehouse, "build", dbt_vars={"rfm_segment_scheme": "no_such_scheme"})
    assert "Invalid value for var 'rfm_segment_scheme': no_such_scheme" in message
    assert "rf_matrix" in message
    tables = set(seeded.warehouse.query("select table_name from information_schema.tables")["table_name"])
    assert "rfm_segment_definitions" in tables
    assert not tables & {"base_orders", "stg_orders", "customer_rfm_history"}
    record_figures(
        "config_validation",
        {
            "wrong_values_tried": len(CASES) + len(READ_WHILE_PARSING) + 1,
            "vars_covered": len({case[0] for case in CASES}),
        },
    )
