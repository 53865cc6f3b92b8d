"""Everything the plots and the report show, read once from the marts through a ``MartReader``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

import pandas as pd

from segmentation.readers import MartReader

NEW_CUSTOMER = "(new customer)"
# The plots, in report order; plots.PLOTS draws them. Kept here so the CLI can list them without matplotlib.
PLOT_NAMES = (
    "segment_sizes",
    "rf_grid",
    "transitions",
    "segment_outcomes",
    "cohort_retention",
    "tier_matrix",
    "family_sizes",
)
# How far back the transition view looks by default: the snapshot about a year before the latest.
DEFAULT_TRANSITION_SPAN = timedelta(days=365)


@dataclass(frozen=True)
class Transitions:
    """Customers by segment at ``from_snapshot`` (or new since) and at ``to_snapshot``."""

    from_snapshot: date
    to_snapshot: date
    flows: pd.DataFrame  # from_segment, to_segment, customers


def normalise(frame: pd.DataFrame, dates: Iterable[str] = (), numbers: Iterable[str] = ()) -> pd.DataFrame:
    """Dates as Timestamps and numbers as floats, whatever the engine's driver returned (DuckDB gives
    datetime64 and floats, psycopg2 gives date and Decimal objects)."""
    frame = frame.copy()
    for column in dates:
        frame[column] = pd.to_datetime(frame[column])
    for column in numbers:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame


def order_segments(present: Iterable[str], definitions: pd.DataFrame | None) -> list[str]:
    """Segments best first by the seed's segment_order in the scheme that names them (the one sharing the
    most segments with the data: schemes order the same names differently); unknown ones last, by name."""
    present = sorted(set(present))
    if definitions is None or definitions.empty:
        return present
    names = definitions.groupby("scheme")["segment"].agg(set)
    scheme = max(names.index, key=lambda s: (len(names[s] & set(present)), -len(names[s] - set(present)), s))
    rank = definitions[definitions["scheme"] == scheme].groupby("segment")["segment_order"].min()
    return sorted(present, key=lambda s: (rank.get(s, float("inf")), s))


def parse_snapshot(value: str | date | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(f"snapshot date {value!r} is not YYYY-MM-DD") from error


def choose_snapshots(
    snapshots: Sequence[date], from_snapshot: date | None = None, to_snapshot: date | None = None
) -> tuple[date, date]:
    """The two snapshots of the transition view: ``to`` defaults to the latest and ``from`` to the last
    snapshot at least a year before it (the earliest when the history is shorter)."""
    available = sorted(set(snapshots))
    if not available:
        raise ValueError("the marts hold no snapshots; build the project first")
    for chosen in (from_snapshot, to_snapshot):
        if chosen is not None and chosen not in available:
            nearby = ", ".join(str(d) for d in available[-6:])
            raise ValueError(f"no snapshot on {chosen}; snapshots are period ends, e.g. {nearby}")
    to_date = to_snapshot or available[-1]
    if from_snapshot is None:
        earlier = [d for d in available if d <= to_date - DEFAULT_TRANSITION_SPAN]
        from_snapshot = earlier[-1] if earlier else available[0]
    if from_snapshot >= to_date:
        raise ValueError(f"the from snapshot ({from_snapshot}) must be before the to snapshot ({to_date})")
    return from_snapshot, to_date


def transition_flows(history: pd.DataFrame, from_snapshot: date, to_snapshot: date) -> pd.DataFrame:
    """Customers per (segment at ``from_snapshot``, segment at ``to_snapshot``) from history rows at the
    two snapshots; customers without a row at the first come from NEW_CUSTOMER."""
    dates = pd.to_datetime(history["snapshot_date"]).dt.date
    before = history[dates == from_snapshot].set_index("customer_id")["segment"]
    after = history[dates == to_snapshot].set_index("customer_id")["segment"]
    moves = pd.DataFrame({"to_segment": after})
    moves["from_segment"] = before.reindex(moves.index).fillna(NEW_CUSTOMER)
    flows = moves.groupby(["from_segment", "to_segment"]).size().rename("customers").reset_index()
    return flows.sort_values("customers", ascending=False).reset_index(drop=True)


def _read_optional(reader: MartReader, table: str, columns: Sequence[str]) -> pd.DataFrame | None:
    return reader.read(table, columns) if reader.has_table(table) else None


class ReportData:
    """What the plots and the report show, read from the marts on first use, so a single plot reads only
    the marts it needs. The transition view compares ``from_snapshot`` with ``to_snapshot`` (defaults:
    about a year before the latest, and the latest)."""

    def __init__(
        self, reader: MartReader, from_snapshot: date | None = None, to_snapshot: date | None = None
    ) -> None:
        self.reader = reader
        self.source = reader.describe()
        self._requested = (from_snapshot, to_snapshot)

    @cached_property
    def segment_summary(self) -> pd.DataFrame:
        return normalise(
            self.reader.read(
                "segment_summary", ("snapshot_date", "segment", "customers", "share", "revenue")
            ),
            dates=["snapshot_date"],
            numbers=["customers", "share", "revenue"],
        )

    @cached_property
    def snapshots(self) -> list[date]:
        return sorted({d.date() for d in self.segment_summary["snapshot_date"]})

    @cached_property
    def chosen_snapshots(self) -> tuple[date, date]:
        return choose_snapshots(self.snapshots, *self._requested)

    @property
    def latest_snapshot(self) -> date:
        return self.snapshots[-1]

    @cached_property
    def segment_order(self) -> list[str]:
        definitions = _read_optional(
            self.reader, "rfm_segment_definitions", ("scheme", "segment", "segment_order")
        )
        if definitions is not None:
            definitions = normalise(definitions, numbers=["segment_order"])
        return order_segments(self.segment_summary["segment"], definitions)

    @cached_property
    def transitions(self) -> Transitions:
        from_snapshot, to_snapshot = self.chosen_snapshots
        history = self.reader.read(
            "customer_rfm_history",
            ("customer_id", "snapshot_date", "segment"),
            where_in={"snapshot_date": [from_snapshot, to_snapshot]},
        )
        return Transitions(from_snapshot, to_snapshot, transition_flows(history, from_snapshot, to_snapshot))

    @cached_property
    def current(self) -> pd.DataFrame:
        columns = ("customer_id", "snapshot_date", "as_of_date", "segment", "recommended_action",
                   "recency_score", "frequency_score", "monetary", "periods_in_segment")  # fmt: skip
        return normalise(
            self.reader.read("customer_segments_current", columns),
            dates=["snapshot_date", "as_of_date"],
            numbers=["recency_score", "frequency_score", "monetary", "periods_in_segment"],
        )

    @cached_property
    def score_grid(self) -> pd.DataFrame:
        """The current customers' recency and frequency scores and segment, for the R x F grid."""
        columns = ("customer_id", "segment", "recency_score", "frequency_score")
        if "current" in self.__dict__:
            return self.current[list(columns)]
        return self.reader.read("customer_segments_current", columns)

    @cached_property
    def cohort_retention(self) -> pd.DataFrame:
        numbers = ["quarters_since_first_order", "cohort_customers", "active_customers", "retention_rate",
                   "revenue", "revenue_per_cohort_customer"]  # fmt: skip
        frame = self.reader.read("cohort_retention", ("cohort_quarter", "cohort_label", *numbers))
        return normalise(frame, dates=["cohort_quarter"], numbers=numbers)

    @cached_property
    def tiers(self) -> pd.DataFrame:
        columns = ("customer_id", "profitability_score", "adherence_score", "tier", "tier_name",
                   "action_flag", "flag_action")  # fmt: skip
        return normalise(
            self.reader.read("customer_tiers", columns), numbers=["profitability_score", "adherence_score"]
        )

    @cached_property
    def score_thresholds(self) -> pd.DataFrame:
        """What each score meant at the latest snapshot."""
        numbers = ["score", "min_value", "max_value", "customers", "share"]
        frame = self.reader.read(
            "rfm_score_thresholds",
            ("snapshot_date", "dimension", "measure", *numbers),
            where_in={"snapshot_date": [self.latest_snapshot]},
        )
        return normalise(frame, dates=["snapshot_date"], numbers=numbers)

    @cached_property
    def quality(self) -> pd.DataFrame | None:
        """rfm_snapshot_quality, or None when the marts were built before it existed."""
        numbers = ["customers", "distinct_recency_scores", "distinct_frequency_scores",
                   "distinct_monetary_scores", "min_customers", "min_distinct_scores"]  # fmt: skip
        flags = ["has_too_few_customers", "has_collapsed_scores", "is_thin"]
        frame = _read_optional(self.reader, "rfm_snapshot_quality", ("snapshot_date", *numbers, *flags))
        if frame is None:
            return None
        frame = normalise(frame, dates=["snapshot_date"], numbers=numbers)
        return frame.astype({flag: bool for flag in flags})

    @cached_property
    def collapse(self) -> pd.DataFrame | None:
        """The collapse guard of rfm_snapshot_quality per snapshot; None for marts built before it existed."""
        flags = ["is_recency_collapsed", "is_frequency_collapsed", "is_monetary_collapsed", "is_collapsed"]
        try:
            frame = _read_optional(
                self.reader, "rfm_snapshot_quality", ("snapshot_date", "max_score_share", *flags)
            )
        except Exception:  # marts of an older version: the section says the guard is missing
            return None
        if frame is None:
            return None
        frame = normalise(frame, dates=["snapshot_date"], numbers=["max_score_share"])
        return frame.astype({flag: bool for flag in flags})

    @cached_property
    def score_breaks(self) -> pd.DataFrame | None:
        """The latest snapshot's score ranges with their fixed breaks (null unless the thresholds method
        scored them); None for marts built before the breaks existed."""
        columns = ("dimension", "score", "min_value", "max_value", "break_min_value", "break_max_value")
        try:
            frame = self.reader.read(
                "rfm_score_thresholds", columns, where_in={"snapshot_date": [self.latest_snapshot]}
            )
        except Exception:  # marts of an older version
            return None
        return normalise(frame, numbers=columns[1:]).sort_values(["dimension", "score"])

    @cached_property
    def outcomes(self) -> pd.DataFrame:
        numbers = ["customers", "active_next_period", "in_segment_next_period", "revenue_next_period"]
        frame = self.reader.read("segment_outcomes", ("snapshot_date", "segment", *numbers))
        return normalise(frame, dates=["snapshot_date"], numbers=numbers)

    @cached_property
    def customers(self) -> pd.DataFrame:
        """Names and emails (stg_customers), for the lists of customers."""
        return self.reader.read("stg_customers", CUSTOMER_COLUMNS)

    @cached_property
    def named_current(self) -> pd.DataFrame:
        """customer_segments_current with the numbers behind each segment, names and emails."""
        frame = self.reader.read("customer_segments_current", ("customer_id", "segment", *RFM_NUMBERS))
        frame = normalise(
            frame, dates=["segment_entered_date"], numbers=["recency_days", "frequency", "monetary"]
        )
        return with_names(frame, self.customers)

    @cached_property
    def profiles(self) -> pd.DataFrame:
        columns = ("customer_id", *PROFILE_NUMBERS, "is_high_value_at_risk")
        frame = self.reader.read("customer_profile_current", columns)
        return with_names(normalise(frame, numbers=["revenue_12m", "health_score"]), self.customers)

    @cached_property
    def changes(self) -> pd.DataFrame:
        """segment_membership_changes (the change feed), every family and snapshot."""
        columns = ("family", "customer_id", "snapshot_date", "from_segment", "to_segment", "is_watched")
        return normalise(self.reader.read("segment_membership_changes", columns), dates=["snapshot_date"])

    def load_all(self) -> ReportData:
        """Read every mart now, so a missing one is reported before anything is written."""
        for name in ("segment_summary", "segment_order", "transitions", "current", "cohort_retention",
                     "tiers", "score_thresholds", "quality", "outcomes", "customers", "named_current",
                     "profiles", "changes"):  # fmt: skip
            getattr(self, name)
        return self


def outcome_rates(outcomes: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Per segment over every snapshot with a next period, customer-weighted: share that bought in the
    next period, share still in the segment, and next-period revenue per customer."""
    totals = outcomes.groupby("segment")[
        ["customers", "active_next_period", "in_segment_next_period", "revenue_next_period"]
    ].sum()
    rates = pd.DataFrame(
        {
            "customer_snapshots": totals["customers"],
            "share_active_next_period": totals["active_next_period"] / totals["customers"],
            "share_in_segment_next_period": totals["in_segment_next_period"] / totals["customers"],
            "revenue_per_customer_next_period": totals["revenue_next_period"] / totals["customers"],
        }
    )
    known = [s for s in order if s in rates.index]
    return rates.loc[known + sorted(set(rates.index) - set(known))]


def current_segments_table(current: pd.DataFrame, order: Sequence[str]) -> pd.DataFrame:
    """Per current segment: customers, share, average and longest time in segment, window revenue."""
    grouped = current.groupby("segment")
    table = pd.DataFrame(
        {
            "customers": grouped.size(),
            "avg_periods_in_segment": grouped["periods_in_segment"].mean(),
            "max_periods_in_segment": grouped["periods_in_segment"].max(),
            "revenue": grouped["monetary"].sum(),
            "recommended_action": grouped["recommended_action"].first(),
        }
    )
    table.insert(1, "share", table["customers"] / max(len(current), 1))
    known = [s for s in order if s in table.index]
    return table.loc[known + sorted(set(table.index) - set(known))]


def action_flag_table(tiers: pd.DataFrame) -> pd.DataFrame:
    """Customers per action flag and tier, with the flag's recommended action; biggest flag first."""
    counts = pd.crosstab(tiers["action_flag"], tiers["tier"]).reindex(
        columns=["A", "B", "C", "D"], fill_value=0
    )
    table = pd.DataFrame({"recommended_action": tiers.groupby("action_flag")["flag_action"].first()})
    table["customers"] = counts.sum(axis=1)
    table["share"] = table["customers"] / max(len(tiers), 1)
    table = table.join(counts.add_prefix("tier "))
    return table.sort_values(["customers"], ascending=False)


def thin_snapshots(quality: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of rfm_snapshot_quality flagged thin, with a readable reason."""
    if quality is None or quality.empty:
        return pd.DataFrame(columns=["snapshot_date", "customers", "reason"])
    thin = quality[quality["is_thin"]].copy()

    def reason(row: pd.Series) -> str:
        parts = []
        if row["has_too_few_customers"]:
            parts.append(f"{int(row['customers'])} customers (< {int(row['min_customers'])})")
        for dimension in ("recency", "frequency", "monetary"):
            scores = int(row[f"distinct_{dimension}_scores"])
            if scores < row["min_distinct_scores"]:
                parts.append(f"{dimension}: {scores} distinct score(s) (< {int(row['min_distinct_scores'])})")
        return "; ".join(parts)

    thin["reason"] = thin.apply(reason, axis=1) if len(thin) else []
    return thin.sort_values("snapshot_date")[["snapshot_date", "customers", "reason"]].reset_index(drop=True)


# --------------------------------------------------------------------------- customers by name

# Families of the change feed (segment_membership_changes.family) -> the customer_profile_current column
# that holds the current segment, and a label for people.
FAMILIES = {
    "rfm": ("rfm_segment", "RFM"),
    "behaviour": ("behaviour_segment", "Behaviour"),
    "lifecycle": ("activity_status", "Lifecycle (activity)"),
    "value": ("value_band", "Value"),
    "health": ("health_band", "Health"),
}
# RFM segments whose new members the report lists ("became a Champion", "slipped to At Risk"); the other
# families' watched moves come from seed segment_transitions_to_watch through the change feed.
WATCHED_RFM_SEGMENTS = ("Champions", "At Risk", "Cannot Lose Them")
TOP_CUSTOMERS = 5
CUSTOMER_COLUMNS = ("customer_id", "customer_name", "email")
RFM_NUMBERS = ("rfm_code", "recency_days", "frequency", "monetary", "segment_entered_date")
PROFILE_NUMBERS = ("value_band", "revenue_12m", "health_band", "health_score", "activity_status",
                   "rfm_segment", "tier", "action_flag")  # fmt: skip


def with_names(frame: pd.DataFrame, customers: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with each customer's name and email in front (customer_id as text on both sides)."""
    frame = frame.assign(customer_id=frame["customer_id"].astype(str))
    names = customers.assign(customer_id=customers["customer_id"].astype(str))
    named = frame.merge(names[list(CUSTOMER_COLUMNS)], on="customer_id", how="left")
    rest = [c for c in named.columns if c not in CUSTOMER_COLUMNS]
    return named[[*CUSTOMER_COLUMNS, *rest]]


def top_customers(
    current: pd.DataFrame, order: Sequence[str], per_segment: int = TOP_CUSTOMERS
) -> pd.DataFrame:
    """Per RFM segment (in ``order``), its ``per_segment`` customers with the most net revenue in the
    window, ties by customer_id."""
    ranked = current.assign(_rank=current["segment"].map({s: i for i, s in enumerate(order)}))
    ranked = ranked.sort_values(["_rank", "monetary", "customer_id"], ascending=[True, False, True])
    return (
        ranked.groupby("segment", sort=False).head(per_segment).drop(columns="_rank").reset_index(drop=True)
    )


def high_value_at_risk(profiles: pd.DataFrame) -> pd.DataFrame:
    """The high-value accounts at risk, most trailing-12-month revenue first."""
    at_risk = profiles[profiles["is_high_value_at_risk"].astype(bool)]
    return at_risk.sort_values(["revenue_12m", "customer_id"], ascending=[False, True]).reset_index(drop=True)


def watched_moves(changes: pd.DataFrame) -> pd.DataFrame:
    """Moves at one snapshot into a watched segment: the seed's watched transitions, and RFM moves into
    WATCHED_RFM_SEGMENTS; first segments (from_segment null) are not moves."""
    moved = changes[changes["from_segment"].notna()]
    watched = moved["is_watched"].astype(bool) | (
        (moved["family"] == "rfm") & moved["to_segment"].isin(WATCHED_RFM_SEGMENTS)
    )
    order = {family: i for i, family in enumerate(FAMILIES)}
    shown = moved[watched].assign(_family=moved["family"].map(order))
    shown = shown.sort_values(["_family", "to_segment", "from_segment", "customer_id"])
    return shown.drop(columns="_family").reset_index(drop=True)


def family_sizes(changes: pd.DataFrame, family: str) -> pd.DataFrame:
    """Customers per snapshot (rows) and segment (columns) of one family, rebuilt from the change feed:
    each change adds a customer to its to_segment and takes one from its from_segment. Histories cover
    every period from a customer's start, so the running sum is the segment's size at every snapshot."""
    rows = changes[changes["family"] == family]
    if rows.empty:
        return pd.DataFrame()
    entered = rows.groupby(["snapshot_date", "to_segment"]).size()
    left = rows.dropna(subset=["from_segment"]).groupby(["snapshot_date", "from_segment"]).size()
    entered.index.names = left.index.names = ["snapshot_date", "segment"]
    net = entered.sub(left, fill_value=0).unstack(fill_value=0).sort_index()
    snapshots = pd.to_datetime(sorted(changes["snapshot_date"].unique()))
    sizes = net.reindex(snapshots, fill_value=0).cumsum()
    return sizes.astype("int64")


def family_moves(changes: pd.DataFrame, family: str, snapshot: date) -> pd.DataFrame:
    """Customers per (from, to) move of one family at ``snapshot``, largest first; first segments excluded."""
    rows = changes[(changes["family"] == family) & changes["from_segment"].notna()]
    rows = rows[pd.to_datetime(rows["snapshot_date"]).dt.date == snapshot]
    moves = rows.groupby(["from_segment", "to_segment"]).size().rename("customers").reset_index()
    return moves.sort_values(["customers", "from_segment", "to_segment"], ascending=[False, True, True])


def segment_members(reader: MartReader, segment: str, family: str = "rfm") -> pd.DataFrame:
    """Every customer currently in ``segment`` of ``family``, with name, email and the numbers behind the
    segment, most revenue first: what ``segmentation export`` writes."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family!r}; choose from {', '.join(FAMILIES)}")
    customers = reader.read("stg_customers", CUSTOMER_COLUMNS)
    if family == "rfm":
        columns = (
            "customer_id",
            "segment",
            *RFM_NUMBERS,
            "previous_segment",
            "recommended_action",
            "updated_at",
        )
        current = reader.read("customer_segments_current", columns)
        members = current[current["segment"] == segment]
        known = sorted(current["segment"].dropna().unique())
        order = ["monetary"]
    else:
        column = FAMILIES[family][0]
        profiles = reader.read(
            "customer_profile_current", ("customer_id", column, *PROFILE_NUMBERS, "updated_at")
        )
        members = profiles[profiles[column] == segment]
        known = sorted(profiles[column].dropna().unique())
        order = ["revenue_12m"]
    if members.empty:
        raise ValueError(
            f"no customer is in {family} segment {segment!r}; "
            f"segments now: {', '.join(map(str, known)) or 'none'}"
        )
    members = normalise(members, numbers=order)
    members = members.sort_values([*order, "customer_id"], ascending=[False, True])
    return with_names(members, customers).reset_index(drop=True)
