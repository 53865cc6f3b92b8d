"""Fit Buy-Till-You-Die models (BG/NBD, MBG/NBD, Gamma-Gamma) with pymc-marketing on the summary the
warehouse computed (customer_btyd_history), and store the parameters in ``clv_model_parameters``, where the
dbt model customer_clv_predictions turns them into predictions in SQL.

pymc-marketing is an optional extra (``pip install ".[clv]"``); it is imported only inside the functions
that need it, so the rest of the package works without it. The fit is a maximum a posteriori estimate with
the library's default priors: no likelihood or optimiser is written here.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from segmentation.readers import MartReader, default_schema

PARAMETERS_TABLE = "clv_model_parameters"
SUMMARY_TABLE = "customer_btyd_history"
UNIT_DAYS = {"day": 1, "week": 7}
PURCHASE_PARAMETERS = ("a", "b", "alpha", "r")
SPEND_PARAMETERS = ("p", "q", "v")
PARAMETER_COLUMNS = ["model", "parameter", "value", "calibration_end", "time_unit", "customers", "fitted_at"]
INSTALL_HINT = 'pip install ".[clv]"'
FIT_HINT = "segmentation clv fit --calibration-end YYYY-MM-DD"


class ClvUnavailableError(RuntimeError):
    """pymc-marketing is not installed."""


def clv_available() -> bool:
    """True when the optional extra (pymc-marketing) is installed."""
    return importlib.util.find_spec("pymc_marketing") is not None


def _require_clv() -> None:
    if not clv_available():
        raise ClvUnavailableError(f"fitting needs pymc-marketing: {INSTALL_HINT}")


def read_summary(reader: MartReader, calibration_end: date, time_unit: str) -> pd.DataFrame:
    """The BTYD summary of every customer at the snapshot whose as_of_date is ``calibration_end``, in
    pymc-marketing's column names, times in ``time_unit`` (from the stored days, so any unit works)."""
    if time_unit not in UNIT_DAYS:
        raise ValueError(f"time unit must be one of {', '.join(UNIT_DAYS)}, not {time_unit!r}")
    columns = ["customer_id", "as_of_date", "frequency", "recency_days", "age_days", "monetary_value"]
    frame = reader.read(SUMMARY_TABLE, columns, {"as_of_date": [calibration_end]})
    if frame.empty:
        dates = reader.read(SUMMARY_TABLE, ["as_of_date"])["as_of_date"]
        choices = ", ".join(str(pd.Timestamp(d).date()) for d in sorted(set(dates))[-6:])
        raise ValueError(
            f"no snapshot of {SUMMARY_TABLE} ends on {calibration_end}; the calibration end must be a "
            f"snapshot's as_of_date (the newest: {choices or 'none, build the project first'})"
        )
    days = UNIT_DAYS[time_unit]
    return pd.DataFrame(
        {
            "customer_id": frame["customer_id"].astype(str),
            "frequency": frame["frequency"].astype(int),
            "recency": frame["recency_days"].astype(float) / days,
            "T": frame["age_days"].astype(float) / days,
            "monetary_value": frame["monetary_value"].astype(float),
        }
    )


def spend_data(summary: pd.DataFrame) -> pd.DataFrame:
    """Gamma-Gamma is fitted on repeat buyers with a positive mean spend (it models positive amounts)."""
    chosen = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    return chosen[["customer_id", "frequency", "monetary_value"]].reset_index(drop=True)


@dataclass(frozen=True)
class FittedParameters:
    """One fit: each model's parameters and how many customers it saw."""

    values: Mapping[str, Mapping[str, float]]
    customers: Mapping[str, int]

    def frame(self, calibration_end: date, time_unit: str, fitted_at: datetime) -> pd.DataFrame:
        rows = [
            {
                "model": model,
                "parameter": name,
                "value": float(value),
                "calibration_end": calibration_end,
                "time_unit": time_unit,
                "customers": int(self.customers[model]),
                "fitted_at": fitted_at,
            }
            for model, parameters in self.values.items()
            for name, value in parameters.items()
        ]
        return pd.DataFrame(rows, columns=PARAMETER_COLUMNS)


def fit_models(summary: pd.DataFrame) -> FittedParameters:
    """MAP fits of BG/NBD, MBG/NBD (on every customer) and Gamma-Gamma (on repeat buyers)."""
    purchases = summary[["customer_id", "frequency", "recency", "T"]].reset_index(drop=True)
    spend = spend_data(summary)
    if len(purchases) < 10 or len(spend) < 10:
        raise ValueError(
            f"too few customers to fit: {len(purchases)} in the summary, {len(spend)} repeat buyers with a "
            "positive spend (at least 10 each)"
        )
    values = {name: fit_model(name, purchases) for name in ("bg_nbd", "mbg_nbd")}
    values["gamma_gamma"] = fit_model("gamma_gamma", spend)
    return FittedParameters(
        values=values,
        customers={"bg_nbd": len(purchases), "mbg_nbd": len(purchases), "gamma_gamma": len(spend)},
    )


def fit_model(model_name: str, data: pd.DataFrame) -> dict[str, float]:
    """One model's MAP fit with pymc-marketing's default priors: {parameter: value}."""
    _require_clv()
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel

    classes = {"bg_nbd": BetaGeoModel, "mbg_nbd": ModifiedBetaGeoModel, "gamma_gamma": GammaGammaModel}
    names = SPEND_PARAMETERS if model_name == "gamma_gamma" else PURCHASE_PARAMETERS
    model = classes[model_name](data=data)
    model.fit(method="map", progressbar=False)
    return {name: float(model.fit_result[name].values.ravel()[0]) for name in names}


def model_with_parameters(model_name: str, data: pd.DataFrame, parameters: Mapping[str, float]) -> Any:
    """A pymc-marketing model object holding the given parameters as its (single-draw) fit, so its own
    prediction methods (expected_probability_alive, expected_purchases, expected_customer_spend) can be
    evaluated for stored parameters."""
    _require_clv()
    import arviz as az
    from pymc_marketing.clv import BetaGeoModel, GammaGammaModel, ModifiedBetaGeoModel

    classes = {"bg_nbd": BetaGeoModel, "mbg_nbd": ModifiedBetaGeoModel, "gamma_gamma": GammaGammaModel}
    model = classes[model_name](data=data)
    model.build_model()
    posterior = {name: np.array([[float(value)]]) for name, value in parameters.items()}
    model.idata = az.from_dict(posterior=posterior)
    return model


def read_parameters(reader: MartReader) -> pd.DataFrame | None:
    """The stored fit, or None before the first `segmentation clv fit`."""
    if not reader.has_table(PARAMETERS_TABLE):
        return None
    return reader.read(PARAMETERS_TABLE, PARAMETER_COLUMNS)


def parameters_by_model(frame: pd.DataFrame) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = {}
    for row in frame.itertuples(index=False):
        result.setdefault(str(row.model), {})[str(row.parameter)] = float(row.value)
    return result


def write_parameters(frame: pd.DataFrame, target: str, duckdb_path: Path | None, schema: str | None) -> str:
    """Replace ``clv_model_parameters`` in the marts schema of the target; returns where it went."""
    schema = schema or default_schema(target)
    if target == "duckdb":
        import duckdb

        if duckdb_path is None or not Path(duckdb_path).is_file():
            raise FileNotFoundError(f"DuckDB file {duckdb_path} does not exist: build the project first")
        with duckdb.connect(str(duckdb_path)) as con:
            con.register("fitted_parameters", frame)
            con.execute(f'create schema if not exists "{schema}"')
            con.execute(
                f'create or replace table "{schema}".{PARAMETERS_TABLE} as select '
                "cast(model as varchar) as model, cast(parameter as varchar) as parameter, "
                "cast(value as double) as value, cast(calibration_end as date) as calibration_end, "
                "cast(time_unit as varchar) as time_unit, cast(customers as integer) as customers, "
                "cast(fitted_at as timestamp) as fitted_at from fitted_parameters"
            )
        return f"DuckDB {duckdb_path} ({schema}.{PARAMETERS_TABLE})"
    if target == "postgres":
        from segmentation.loaders import connect_postgres

        connection = connect_postgres()
        try:
            with connection.cursor() as cursor:
                cursor.execute(f'create schema if not exists "{schema}"')
                cursor.execute(f'drop table if exists "{schema}".{PARAMETERS_TABLE}')
                cursor.execute(
                    f'create table "{schema}".{PARAMETERS_TABLE} (model varchar, parameter varchar, '
                    "value double precision, calibration_end date, time_unit varchar, customers integer, "
                    "fitted_at timestamp)"
                )
                cursor.executemany(
                    f'insert into "{schema}".{PARAMETERS_TABLE} values (%s, %s, %s, %s, %s, %s, %s)',
                    [tuple(row) for row in frame[PARAMETER_COLUMNS].itertuples(index=False)],
                )
            connection.commit()
        finally:
            connection.close()
        return f"PostgreSQL schema {schema} ({PARAMETERS_TABLE})"
    if target == "spark":
        from segmentation.spark_loader import spark_session

        spark = spark_session()
        spark.sql(f"create database if not exists `{schema}`")
        spark_frame = spark.createDataFrame(frame.astype({"customers": "int32"}))
        spark_frame = spark_frame.selectExpr(
            "model",
            "parameter",
            "cast(value as double) as value",
            "cast(calibration_end as date) as calibration_end",
            "time_unit",
            "cast(customers as int) as customers",
            "cast(fitted_at as timestamp) as fitted_at",
        )
        spark_frame.write.mode("overwrite").format("parquet").saveAsTable(f"`{schema}`.{PARAMETERS_TABLE}")
        return f"Spark database {schema} ({PARAMETERS_TABLE})"
    raise ValueError(f"unknown target {target!r}")


def fit_and_store(
    reader: MartReader,
    calibration_end: date,
    time_unit: str,
    target: str,
    duckdb_path: Path | None,
    schema: str | None,
) -> tuple[pd.DataFrame, str]:
    """Read the summary at the cutoff, fit the three models, replace the parameters table."""
    summary = read_summary(reader, calibration_end, time_unit)
    fitted = fit_models(summary)
    frame = fitted.frame(calibration_end, time_unit, datetime.now(UTC).replace(tzinfo=None, microsecond=0))
    where = write_parameters(frame, target, duckdb_path, schema)
    return frame, where


def format_parameters(frame: pd.DataFrame) -> str:
    lines = []
    first = frame.iloc[0]
    lines.append(
        f"BTYD fit at calibration end {pd.Timestamp(first['calibration_end']).date()}, "
        f"time unit {first['time_unit']}:"
    )
    for model, group in frame.groupby("model", sort=False):
        values = ", ".join(f"{row.parameter}={row.value:.4g}" for row in group.itertuples(index=False))
        lines.append(f"  {model:<12} {values}  ({int(group['customers'].iloc[0]):,} customers)")
    return "\n".join(lines)


# --------------------------------------------------------------------------- back-test

CALIBRATION_TABLE = "customer_btyd_calibration"
PURCHASE_DAYS_TABLE = "int_customer_daily_activity"
FREQUENCY_BINS = 7  # calibration repeat purchases 0..6 and "7+", as in the BG/NBD paper's figure


@dataclass(frozen=True)
class Backtest:
    """Predicted against actual holdout purchases for the stored fit on customer_btyd_calibration."""

    calibration_end: date
    fit_calibration_end: date
    holdout_end: date
    time_unit: str
    customers: int
    by_frequency: pd.DataFrame  # calibration repeat purchases -> customers, actual, per model predicted
    cumulative: pd.DataFrame  # week of holdout -> actual and per model expected cumulative purchases
    parameters: pd.DataFrame

    def error_line(self) -> str:
        actual = self.by_frequency["actual_total"].sum()
        parts = []
        for model in ("mbg_nbd", "bg_nbd"):
            predicted = self.by_frequency[f"{model}_total"].sum()
            share = (predicted - actual) / actual if actual else float("nan")
            mae = (
                (self.by_frequency[f"{model}_mean"] - self.by_frequency["actual_mean"]).abs()
                * self.by_frequency["customers"]
            ).sum() / self.by_frequency["customers"].sum()
            parts.append(
                f"{model}: {predicted:,.0f} predicted ({share:+.1%}), mean absolute error by frequency group "
                f"{mae:.2f} per customer"
            )
        return (
            f"Back-test on {self.customers:,} customers, holdout {self.calibration_end} to "
            f"{self.holdout_end}: {actual:,.0f} actual repeat purchase days; " + "; ".join(parts) + "."
        )


def backtest(reader: MartReader) -> Backtest | None:
    """The BG/NBD paper's two checks of the stored fit on the holdout, or None before any fit.
    Needs pymc-marketing (its own prediction functions are evaluated for the stored parameters)."""
    stored = read_parameters(reader)
    if stored is None or stored.empty:
        return None
    _require_clv()
    calibration = reader.read(
        CALIBRATION_TABLE,
        [
            "customer_id",
            "calibration_end_date",
            "holdout_end_date",
            "frequency",
            "recency_days",
            "age_days",
            "holdout_days",
            "holdout_purchases",
        ],
    )
    if calibration.empty:
        raise ValueError(f"{CALIBRATION_TABLE} is empty: no snapshot ends on clv_calibration_end")
    unit = str(stored["time_unit"].iloc[0])
    days = UNIT_DAYS[unit]
    cutoff = pd.Timestamp(calibration["calibration_end_date"].iloc[0])
    holdout_end = pd.Timestamp(calibration["holdout_end_date"].iloc[0])
    data = pd.DataFrame(
        {
            "customer_id": calibration["customer_id"].astype(str),
            "frequency": calibration["frequency"].astype(float),
            "recency": calibration["recency_days"].astype(float) / days,
            "T": calibration["age_days"].astype(float) / days,
        }
    )
    holdout_length = float(calibration["holdout_days"].iloc[0]) / days
    parameters = parameters_by_model(stored)
    bins = np.minimum(calibration["frequency"].astype(int), FREQUENCY_BINS)
    by_frequency = pd.DataFrame({"group": bins, "actual": calibration["holdout_purchases"].astype(float)})
    weeks = np.arange(1, int(np.floor((holdout_end - cutoff).days / 7)) + 1)
    cumulative = pd.DataFrame({"week": weeks})
    # Purchase days are the days with a completed order, as in customer_btyd_calibration.
    activity = reader.read(PURCHASE_DAYS_TABLE, ["customer_id", "activity_date", "completed_orders"])
    purchases = activity[activity["completed_orders"].astype(int) > 0]
    purchases = purchases.rename(columns={"activity_date": "purchase_date"})
    purchases = purchases[purchases["customer_id"].astype(str).isin(set(data["customer_id"]))]
    offsets = (pd.to_datetime(purchases["purchase_date"]) - cutoff).dt.days
    in_holdout = offsets[(offsets > 0) & (pd.to_datetime(purchases["purchase_date"]) <= holdout_end)]
    cumulative["actual"] = [int((in_holdout <= 7 * week).sum()) for week in weeks]
    for model in ("mbg_nbd", "bg_nbd"):
        fitted = model_with_parameters(model, data, parameters[model])
        by_frequency[model] = fitted.expected_purchases(data, future_t=holdout_length).values.ravel()
        cumulative[model] = [
            float(fitted.expected_purchases(data, future_t=7 * week / days).values.sum()) for week in weeks
        ]
    grouped = by_frequency.groupby("group")
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "actual_mean": grouped["actual"].mean(),
            "mbg_nbd_mean": grouped["mbg_nbd"].mean(),
            "bg_nbd_mean": grouped["bg_nbd"].mean(),
            "actual_total": grouped["actual"].sum(),
            "mbg_nbd_total": grouped["mbg_nbd"].sum(),
            "bg_nbd_total": grouped["bg_nbd"].sum(),
        }
    )
    table.index = [f"{g}+" if g == FREQUENCY_BINS else str(g) for g in table.index]
    return Backtest(
        calibration_end=cutoff.date(),
        fit_calibration_end=pd.Timestamp(stored["calibration_end"].iloc[0]).date(),
        holdout_end=holdout_end.date(),
        time_unit=unit,
        customers=len(data),
        by_frequency=table,
        cumulative=cumulative,
        parameters=stored,
    )
