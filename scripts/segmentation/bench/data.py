"""The benchmark's data: generated raw tables of ``months`` months plus one held-back month of orders."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from segmentation.generator import MIN_MONTHS, RawData, generate_raw_data, span_start

from .common import SHAPES, BenchConfig

# In the every-customer-stays shape, every customer's first completed order falls within this many months of
# the first loaded month.
EARLY_MONTHS = 6


def _month_start(day: date, months_back: int) -> date:
    return span_start(day, months_back + 1)


def _customers_who_ordered(raw: RawData) -> RawData:
    """Only the customers with a completed order, with their accounts and orders."""
    buyers = raw.orders.loc[raw.orders["status"] == "completed", "customer_id"].unique()
    keep = raw.customers["customer_id"].isin(buyers)
    return RawData(
        raw.customers[keep],
        raw.accounts[raw.accounts["customer_id"].isin(buyers)],
        raw.products,
        raw.orders[raw.orders["customer_id"].isin(buyers)],
        raw.events,
    )


def _first_orders_early(
    raw: RawData, first_month: pd.Timestamp, span_end: pd.Timestamp, seed: int
) -> RawData:
    """Every customer's first completed order moved into the first EARLY_MONTHS months, their life stretched
    to fit.

    One increasing map per customer sends their generated first completed order to a new day in the first
    months and the end of the span to itself; what came before the first order (sign-up, accounts, cancelled
    tries) keeps its distance to it. Order counts, amounts and statuses stay as generated, and so does the
    order of every customer's events (an account still opens before the orders that use it, a refund still
    follows its order).
    """
    rng = np.random.default_rng(seed)
    completed = raw.orders[raw.orders["status"] == "completed"]
    old_first = pd.to_datetime(completed.groupby("customer_id")["ordered_at"].min())
    window = (first_month + pd.DateOffset(months=EARLY_MONTHS) - first_month).total_seconds()
    new_first = first_month + pd.to_timedelta(rng.random(len(old_first)) * window, unit="s")
    scale = (span_end - new_first).total_seconds() / (span_end - old_first).dt.total_seconds().clip(lower=1.0)
    anchors = pd.DataFrame(
        {"old": old_first.to_numpy(), "new": new_first.to_numpy(), "scale": scale.to_numpy()},
        index=old_first.index,
    )

    def remap(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        anchor = anchors.reindex(frame["customer_id"].to_numpy())
        offset = (
            (pd.to_datetime(frame[column]).to_numpy() - anchor["old"].to_numpy())
            .astype("timedelta64[ns]")
            .astype("float64")
        )
        stretched = np.where(offset > 0, offset * anchor["scale"].to_numpy(), offset)
        moved = anchor["new"].to_numpy() + stretched.astype("timedelta64[ns]")
        # Whole seconds, as the generator writes them.
        return frame.assign(**{column: pd.Series(moved, index=frame.index).dt.floor("s")})

    return RawData(
        remap(raw.customers, "created_at"),
        remap(raw.accounts, "opened_at"),
        raw.products,
        remap(raw.orders, "ordered_at"),
        raw.events,
    )


def generate_bench_data(config: BenchConfig) -> tuple[RawData, pd.DataFrame]:
    """Raw data whose orders cover ``months`` months, plus one further month of orders held back.

    The generator needs at least MIN_MONTHS months, so shorter histories are cut from a longer span.
    The loaded months' share of the orders depends on the shape (customers sign up at a rising rate), so it
    is measured and, when it misses ``config.orders`` by more than 1%, the data is generated again with the
    total corrected. The every-customer-stays shape keeps only customers who ordered, so it generates more
    customers, corrected the same way, until ``config.customers`` of them have ordered.
    """
    if config.shape not in SHAPES:
        raise ValueError(f"shape must be one of {', '.join(SHAPES)}, got {config.shape!r}")
    stays = config.shape == "every-customer-stays"
    generated_months = max(config.months + 1, MIN_MONTHS)
    total_orders = round(config.orders * generated_months / config.months)
    total_customers = config.customers
    newest_month = pd.Timestamp(_month_start(config.end_date, 0))
    first_month = pd.Timestamp(_month_start(config.end_date, config.months))
    span_end = pd.Timestamp(config.end_date) + pd.Timedelta(days=1)
    for _ in range(3):
        raw = generate_raw_data(
            customers=total_customers,
            orders=total_orders,
            months=generated_months,
            seed=config.seed,
            end_date=config.end_date,
            events=False,
        )
        if stays:
            raw = _first_orders_early(_customers_who_ordered(raw), first_month, span_end, config.seed)
        ordered_at = raw.orders["ordered_at"]
        loaded = raw.orders[(ordered_at >= first_month) & (ordered_at < newest_month)]
        orders_met = len(loaded) == 0 or abs(len(loaded) / config.orders - 1) <= 0.01
        customers_met = abs(len(raw.customers) / config.customers - 1) <= 0.01
        if orders_met and customers_met:
            break
        total_orders = round(total_orders * config.orders / max(len(loaded), 1))
        total_customers = max(round(total_customers * config.customers / len(raw.customers)), 5)
    new_month = raw.orders[ordered_at >= newest_month]
    return RawData(raw.customers, raw.accounts, raw.products, loaded, None), new_month
