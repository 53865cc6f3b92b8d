"""Deterministic sample data for the segmentation project.

Everything random flows from one ``seed``: numpy generators are spawned from a
``SeedSequence`` (one per concern, so e.g. the product catalog does not change when
the customer count does) and Faker is seeded from the same value.  Order volume is
generated column-wise with numpy; Faker is only used to fill small name pools.

Five customers with hand-written behaviour (``PLANTED_CUSTOMERS``) get ids 1..5 so
tests of the dbt models can assert on them; random customers start at id 6.

Two profiles (``PROFILES``): ``saas`` (the default) is a B2B-heavy base that mostly keeps buying;
``retail`` looks like a shop's order log: most customers buy once, most have lapsed, a long tail of
heavy buyers, more zero-amount orders, small baskets and no cost data (every cost is null).
"""

from __future__ import annotations

import calendar
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
from faker import Faker
from tqdm.auto import tqdm

from segmentation.events import generate_events

PLANTED_CUSTOMERS: dict[int, str] = {
    1: "steady_big_spender",
    2: "one_time_buyer",
    3: "lapsed_loyal",
    4: "refund_heavy",
    5: "b2b_single_product",
}
FIRST_RANDOM_CUSTOMER_ID = len(PLANTED_CUSTOMERS) + 1

# Planted customer 5 needs 14 monthly orders inside the span.
MIN_MONTHS = 14
LAPSED_DAYS = 240

DAY = 86_400
STATUSES = ("completed", "refunded", "cancelled")
COMPLETED, REFUNDED, CANCELLED = 0, 1, 2

REFUND_RATE = 0.03
CANCEL_RATE = 0.02
FREE_ORDER_RATE = 0.003
B2B_SHARE = 0.55
CHURN_SHARE = 0.35
MEAN_LIFETIME_DAYS = 420
# Planted customer 1 orders every 3-4 days; capping random customers at one order a
# week keeps it (and lapsed_loyal) at the top of the frequency ranking.
MAX_RANDOM_ORDERS_PER_DAY = 1 / 7
MAX_PREFERRED_PRODUCTS = 8

COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-1000", "1000+")
COMPANY_SIZE_WEIGHTS = (0.30, 0.30, 0.20, 0.13, 0.07)
SIZE_SPEND_FACTOR = np.array([0.6, 0.9, 1.3, 1.8, 2.6])
PLANS = ("starter", "growth", "enterprise")
# Row = company size, column = plan; bigger companies buy bigger plans.
PLAN_WEIGHTS_BY_SIZE = np.array(
    [
        [0.75, 0.22, 0.03],
        [0.55, 0.38, 0.07],
        [0.30, 0.50, 0.20],
        [0.15, 0.45, 0.40],
        [0.05, 0.30, 0.65],
    ]
)
B2C_PLAN_WEIGHTS = np.array([0.85, 0.15, 0.0])
INDUSTRIES = (
    "Software",
    "Retail",
    "Manufacturing",
    "Healthcare",
    "Financial Services",
    "Education",
    "Logistics",
    "Media",
    "Hospitality",
    "Energy",
)
COUNTRIES = (
    ("United States", 0.30),
    ("United Kingdom", 0.11),
    ("Germany", 0.10),
    ("France", 0.07),
    ("Canada", 0.06),
    ("India", 0.06),
    ("Netherlands", 0.05),
    ("Australia", 0.05),
    ("Brazil", 0.04),
    ("Spain", 0.04),
    ("Italy", 0.04),
    ("Sweden", 0.03),
    ("Japan", 0.03),
    ("Singapore", 0.02),
)

# category -> (median list price, typical gross margin, product names)
CATALOG: dict[str, tuple[float, float, tuple[str, ...]]] = {
    "Software": (
        400.0,
        0.82,
        (
            "Analytics Suite",
            "CRM Cloud",
            "Data Pipeline",
            "Security Scanner",
            "Backup Vault",
            "Workflow Automator",
            "API Gateway",
        ),
    ),
    "Hardware": (
        900.0,
        0.25,
        (
            "Edge Router",
            "Rack Server",
            "Thin Client",
            "Docking Station",
            "Network Switch",
            "Storage Array",
            "Label Printer",
        ),
    ),
    "Services": (
        2200.0,
        0.45,
        (
            "Onboarding Package",
            "Data Migration",
            "Custom Integration",
            "Architecture Review",
            "Managed Hosting",
            "Compliance Audit",
        ),
    ),
    "Training": (
        600.0,
        0.60,
        (
            "Admin Certification",
            "Analyst Bootcamp",
            "Developer Workshop",
            "Executive Briefing",
            "Live Webinar Pass",
            "Self-paced Course",
        ),
    ),
    "Support": (
        300.0,
        0.70,
        (
            "Standard Support",
            "Premium Support",
            "24/7 Hotline",
            "Dedicated Engineer",
            "Health Check",
            "Extended Warranty",
            "Priority Patch",
        ),
    ),
    "Accessories": (
        60.0,
        0.35,
        (
            "USB-C Hub",
            "Wireless Keyboard",
            "Noise-cancelling Headset",
            "HD Webcam",
            "Laptop Sleeve",
            "Ergonomic Mouse",
            "Monitor Arm",
        ),
    ),
}


@dataclass(frozen=True)
class Profile:
    """The shape of a customer base."""

    name: str
    b2b_share: float
    churn_share: float  # share of customers who stop buying after a lifetime
    mean_lifetime_days: int
    acquisition_growth: float  # how much sign-ups rise over the span (> 0)
    one_time_share: float  # share of customers who place exactly one order, near sign-up
    free_order_rate: float
    price_scale: float  # multiplies the catalog's list prices
    has_cost: bool  # False: the cost column is null throughout (unknown, not zero)


PROFILES: dict[str, Profile] = {
    "saas": Profile("saas", B2B_SHARE, CHURN_SHARE, MEAN_LIFETIME_DAYS, 2.0, 0.0, FREE_ORDER_RATE, 1.0, True),
    "retail": Profile("retail", 0.0, 0.85, 90, 0.5, 0.55, 0.02, 0.06, False),
}
DEFAULT_PROFILE = "saas"


@dataclass(frozen=True)
class RawData:
    """The raw tables the dbt staging models read; ``events`` is optional (None: no events table)."""

    customers: pd.DataFrame
    accounts: pd.DataFrame
    products: pd.DataFrame
    orders: pd.DataFrame
    events: pd.DataFrame | None = None


# --------------------------------------------------------------------------- dates


@dataclass(frozen=True)
class _Span:
    start: date
    end: date

    @property
    def start_day(self) -> int:
        return _epoch_day(self.start)

    @property
    def end_day(self) -> int:
        return _epoch_day(self.end)

    @property
    def n_days(self) -> int:
        return self.end_day - self.start_day + 1


def _epoch_day(d: date) -> int:
    return (d - date(1970, 1, 1)).days


def _add_months(d: date, months: int) -> date:
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def span_start(end_date: date, months: int) -> date:
    """First day of the first of ``months`` whole calendar months ending with end_date's month."""
    return _add_months(end_date.replace(day=1), -(months - 1))


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    # Business hours-ish; keeps every timestamp well inside its calendar day.
    return rng.integers(7 * 3600, 22 * 3600, n)


def _to_timestamps(seconds: np.ndarray) -> np.ndarray:
    return np.asarray(seconds, dtype="int64").astype("datetime64[s]").astype("datetime64[us]")


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class _Catalog:
    frame: pd.DataFrame
    price: np.ndarray
    margin: np.ndarray
    popularity: np.ndarray
    by_category: dict[str, list[int]]


def _make_catalog(rng: np.random.Generator) -> _Catalog:
    names: list[str] = []
    categories: list[str] = []
    price: list[float] = []
    margin: list[float] = []
    for category, (median_price, typical_margin, products) in CATALOG.items():
        for name in products:
            names.append(name)
            categories.append(category)
            price.append(median_price * float(rng.lognormal(0.0, 0.35)))
            margin.append(typical_margin)
    popularity = rng.gamma(1.2, 1.0, len(names))
    frame = pd.DataFrame(
        {
            "product_id": np.arange(1, len(names) + 1, dtype="int64"),
            "product_name": pd.Series(names, dtype="str"),
            "category": pd.Series(categories, dtype="str"),
        }
    )
    by_category: dict[str, list[int]] = {}
    for product_id, category in zip(frame["product_id"], categories, strict=True):
        by_category.setdefault(category, []).append(int(product_id))
    return _Catalog(
        frame=frame,
        price=np.array(price),
        margin=np.array(margin),
        popularity=popularity / popularity.sum(),
        by_category=by_category,
    )


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class _NamePools:
    first: np.ndarray
    last: np.ndarray
    first_local: np.ndarray
    last_local: np.ndarray
    company_suffix: np.ndarray
    free_domain: np.ndarray


def _email_part(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _make_name_pools(fake: Faker, people: int) -> _NamePools:
    # Faker costs tens of microseconds per call, so draw pools once and recombine
    # them with numpy instead of calling Faker once per customer.
    first = [fake.first_name() for _ in range(people)]
    last = [fake.last_name() for _ in range(people)]
    return _NamePools(
        first=np.array(first),
        last=np.array(last),
        first_local=np.array([_email_part(x) for x in first]),
        last_local=np.array([_email_part(x) for x in last]),
        company_suffix=np.array([fake.company_suffix() for _ in range(32)]),
        free_domain=np.array([fake.free_email_domain() for _ in range(64)]),
    )


def _company_names(rng: np.random.Generator, pools: _NamePools, n: int) -> tuple[pd.Series, pd.Series]:
    """Company names in Faker's own formats ("X Inc", "X-Y", "X, Y and Z") and a domain for each.

    Built from the surname pool so large runs do not repeat a small set of names.
    """
    picks = rng.integers(0, pools.last.size, (3, n))
    names = [pd.Series(pools.last[p], dtype="str") for p in picks]
    parts = [pd.Series(pools.last_local[p], dtype="str") for p in picks]
    suffix_pick = rng.integers(0, pools.company_suffix.size, n)
    suffix = pd.Series(pools.company_suffix[suffix_pick], dtype="str")
    suffix_part = pd.Series([_email_part(x) for x in pools.company_suffix], dtype="str").iloc[suffix_pick]
    suffix_part = suffix_part.reset_index(drop=True)
    style = rng.choice(3, n, p=[0.5, 0.3, 0.2])
    name = (names[0] + " " + suffix).where(
        style == 0,
        (names[0] + "-" + names[1]).where(style == 1, names[0] + ", " + names[1] + " and " + names[2]),
    )
    domain = (parts[0] + suffix_part).where(
        style == 0, (parts[0] + parts[1]).where(style == 1, parts[0] + parts[1] + parts[2])
    )
    return name, domain + ".com"


def _unique_emails(local: pd.Series, domain: pd.Series) -> pd.Series:
    email = local + "@" + domain
    duplicate_rank = email.groupby(email, sort=False).cumcount()
    # The pools only produce letters in local parts, so a numeric suffix cannot collide.
    suffix = duplicate_rank.astype("str").where(duplicate_rank > 0, "")
    return (local + suffix + "@" + domain).astype("str")


@dataclass(frozen=True)
class _RandomCustomers:
    is_b2b: np.ndarray
    size: np.ndarray  # index into COMPANY_SIZES, -1 for consumers
    created_ts: np.ndarray
    active_end_day: np.ndarray
    rate: np.ndarray
    spend: np.ndarray
    n_preferred: np.ndarray


def _spend_multipliers(rng: np.random.Generator, is_b2b: np.ndarray, size: np.ndarray) -> np.ndarray:
    consumer = rng.lognormal(-0.7, 0.5, is_b2b.size)
    business = rng.lognormal(0.0, 0.55, is_b2b.size) * SIZE_SPEND_FACTOR[np.maximum(size, 0)]
    return np.where(is_b2b, business, consumer)


def _acquisition_offsets(rng: np.random.Generator, n: int, growth: float = 2.0) -> np.ndarray:
    """Fractions of the span at which customers sign up, with density rising linearly."""
    u = rng.random(n)
    return (-1.0 + np.sqrt(1.0 + 2.0 * growth * u * (1.0 + growth / 2.0))) / growth


def _make_random_customers(
    rng: np.random.Generator, n: int, span: _Span, profile: Profile = PROFILES[DEFAULT_PROFILE]
) -> _RandomCustomers:
    is_b2b = rng.random(n) < profile.b2b_share
    size = np.where(is_b2b, rng.choice(len(COMPANY_SIZES), n, p=COMPANY_SIZE_WEIGHTS), -1)
    # Leave a week at the end so even the newest customers can place an order.
    signup_days = np.maximum(span.n_days - 7, 1)
    offsets = (
        _acquisition_offsets(rng, n, profile.acquisition_growth)
        if profile.acquisition_growth
        else rng.random(n)
    )
    created_day = span.start_day + (offsets * signup_days).astype("int64")
    created_ts = created_day * DAY + _time_of_day(rng, n)
    order = np.argsort(created_ts, kind="stable")  # ids grow with sign-up time
    is_b2b, size, created_ts, created_day = is_b2b[order], size[order], created_ts[order], created_day[order]

    churns = rng.random(n) < profile.churn_share
    lifetime = 14 + rng.exponential(profile.mean_lifetime_days, n).astype("int64")
    active_end_day = np.where(churns, np.minimum(created_day + lifetime, span.end_day), span.end_day)
    one_time = np.zeros(n, dtype=bool)
    if profile.one_time_share > 0:
        # One-time buyers: a single order within a week of signing up (drawn only for such profiles, so
        # the saas stream of random numbers is unchanged).
        one_time = rng.random(n) < profile.one_time_share
        active_end_day = np.where(one_time, np.minimum(created_day + 7, span.end_day), active_end_day)
    # rate 0 marks a one-time buyer (exactly one order); the others share the remaining orders.
    rate = np.where(one_time, 0.0, rng.gamma(0.7, 1.0, n) * np.where(is_b2b, 1.6, 1.0))
    n_preferred = np.minimum(rng.geometric(0.45, n), MAX_PREFERRED_PRODUCTS)
    return _RandomCustomers(
        is_b2b=is_b2b,
        size=size,
        created_ts=created_ts,
        active_end_day=active_end_day,
        rate=rate,
        spend=_spend_multipliers(rng, is_b2b, size),
        n_preferred=n_preferred,
    )


def _customer_frame(
    rng: np.random.Generator, pools: _NamePools, customers: _RandomCustomers, first_id: int
) -> pd.DataFrame:
    n = customers.is_b2b.size
    person = rng.integers(0, pools.first.size, n)
    surname = rng.integers(0, pools.last.size, n)
    free = rng.integers(0, pools.free_domain.size, n)
    is_b2b = customers.is_b2b
    company, company_domain = _company_names(rng, pools, n)

    person_name = (
        pd.Series(pools.first[person], dtype="str") + " " + pd.Series(pools.last[surname], dtype="str")
    )
    name = person_name.where(~is_b2b, company)
    local = (
        pd.Series(pools.first_local[person], dtype="str")
        + "."
        + pd.Series(pools.last_local[surname], dtype="str")
    )
    domain = company_domain.where(is_b2b, pd.Series(pools.free_domain[free], dtype="str"))
    country_names = np.array([c for c, _ in COUNTRIES])
    country_p = np.array([w for _, w in COUNTRIES])
    industry = np.array(INDUSTRIES)[rng.integers(0, len(INDUSTRIES), n)]
    sizes = np.array(COMPANY_SIZES)[np.maximum(customers.size, 0)]
    return pd.DataFrame(
        {
            "customer_id": np.arange(first_id, first_id + n, dtype="int64"),
            "customer_name": name.astype("str"),
            "local": local,
            "domain": domain,
            "country": pd.Series(
                country_names[rng.choice(country_names.size, n, p=country_p / country_p.sum())]
            ),
            "industry": pd.Series(industry, dtype="str").where(is_b2b),
            "company_size": pd.Series(sizes, dtype="str").where(is_b2b),
            "created_at": _to_timestamps(customers.created_ts),
        }
    )


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True)
class _Accounts:
    offset: np.ndarray  # per random customer: index of its first account, -1 if none
    count: np.ndarray
    opened_ts: np.ndarray
    frame: pd.DataFrame


def _accounts_per_customer(rng: np.random.Generator, is_b2b: np.ndarray, size: np.ndarray) -> np.ndarray:
    extra_trials = np.array([0, 1, 2, 2, 4])[np.maximum(size, 0)]
    base = np.array([1, 1, 1, 2, 2])[np.maximum(size, 0)]
    business = base + rng.binomial(extra_trials, 0.4)
    consumer = (rng.random(is_b2b.size) < 0.5).astype("int64")  # consumers hold at most one
    return np.where(is_b2b, business, consumer)


def _make_accounts(
    rng: np.random.Generator,
    customers: _RandomCustomers,
    customer_ids: np.ndarray,
    first_id: int,
    span: _Span,
) -> _Accounts:
    count = _accounts_per_customer(rng, customers.is_b2b, customers.size)
    offset = np.cumsum(count) - count
    owner = np.repeat(np.arange(count.size), count)
    is_first = np.arange(owner.size) == offset[owner]
    created = customers.created_ts[owner]
    # Further accounts open some time after sign-up; the first opens at sign-up so
    # every order can fall back to it.
    later = (
        created
        + DAY
        + (rng.random(owner.size) * np.maximum(span.end_day * DAY - created, DAY)).astype("int64")
    )
    opened = np.where(is_first, created, np.minimum(later, span.end_day * DAY + 22 * 3600))
    # Keep accounts of one customer in opening order so the first one is the oldest.
    order = np.lexsort((opened, owner))
    opened = opened[order]
    size = customers.size[owner]
    plan_weights = np.where(
        customers.is_b2b[owner][:, None], PLAN_WEIGHTS_BY_SIZE[np.maximum(size, 0)], B2C_PLAN_WEIGHTS
    )
    plan = (rng.random(owner.size)[:, None] > np.cumsum(plan_weights, axis=1)).sum(axis=1)
    plan = np.minimum(plan, len(PLANS) - 1)
    frame = pd.DataFrame(
        {
            "account_id": np.arange(first_id, first_id + owner.size, dtype="int64"),
            "customer_id": customer_ids[owner],
            "plan": pd.Series(pd.Categorical.from_codes(plan, PLANS)).astype("str"),
            "opened_at": _to_timestamps(opened),
        }
    )
    return _Accounts(offset=np.where(count > 0, offset, -1), count=count, opened_ts=opened, frame=frame)


# --------------------------------------------------------------------------- orders


@dataclass(frozen=True)
class _Orders:
    """Column arrays of order rows; amounts and costs in cents, account -1 for NULL."""

    customer_id: np.ndarray
    account_id: np.ndarray
    product_id: np.ndarray
    ts: np.ndarray
    amount: np.ndarray
    cost: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return int(self.ts.size)


def _concat_orders(blocks: Sequence[_Orders]) -> _Orders:
    fields = _Orders.__dataclass_fields__
    return _Orders(**{f: np.concatenate([getattr(b, f) for b in blocks]) for f in fields})


def _allocate_order_counts(
    rng: np.random.Generator, rate: np.ndarray, exposure_days: np.ndarray, total: int
) -> np.ndarray:
    """Split ``total`` orders over customers in proportion to rate * exposure, with a weekly cap."""
    if total <= 0 or rate.size == 0:
        return np.zeros(rate.size, dtype="int64")
    weight = rate * exposure_days
    cap = exposure_days * MAX_RANDOM_ORDERS_PER_DAY
    if cap.sum() <= total:
        warnings.warn(
            f"{rate.size} customers cannot place {total} orders at <= 1 order a week; "
            "generating fewer orders (raise --customers).",
            stacklevel=3,
        )
        expected = cap
    else:
        # Bisection for the scale s where sum(min(s * weight, cap)) == total: the
        # heaviest buyers saturate at the cap and the rest absorb the remainder.
        low, high = 0.0, total / weight.sum()
        while np.minimum(high * weight, cap).sum() < total:
            high *= 2.0
        for _ in range(60):
            mid = (low + high) / 2.0
            if np.minimum(mid * weight, cap).sum() < total:
                low = mid
            else:
                high = mid
        expected = np.minimum(high * weight, cap)
    hard_cap = np.floor(cap).astype("int64") + 1
    counts = np.zeros(rate.size, dtype="int64")
    # Sampling noise pushes some capped customers over the cap; clip them and hand
    # the clipped orders to customers with room left until the total is met.
    for _ in range(20):
        room = hard_cap - counts
        missing = min(total - int(counts.sum()), int(room.sum()))
        if missing <= 0:
            break
        p = np.where(room > 0, expected, 0.0)
        counts = np.minimum(counts + rng.multinomial(missing, p / p.sum()), hard_cap)
    return counts


def _day_weights(span: _Span) -> np.ndarray:
    """Relative order intensity per day of the span: row 0 consumers, row 1 businesses."""
    days = np.arange(span.start_day, span.end_day + 1)
    dates = days.astype("datetime64[D]")
    day_of_year = (dates - dates.astype("datetime64[Y]")).astype("int64")
    # Mild seasonality peaking in early December.
    season = 1.0 + 0.12 * np.cos(2.0 * np.pi * (day_of_year - 335) / 365.25)
    weekend = ((days + 3) % 7) >= 5  # 1970-01-01 was a Thursday
    consumer = season * np.where(weekend, 1.1, 1.0)
    business = season * np.where(weekend, 0.45, 1.0)
    return np.vstack([consumer, business])


def _sample_days(
    rng: np.random.Generator,
    first_day: np.ndarray,
    last_day: np.ndarray,
    kind: np.ndarray,
    weights: np.ndarray,
    span_start_day: int,
) -> np.ndarray:
    """Rejection-sample one day per row in [first_day, last_day] following ``weights``."""
    days = np.empty(first_day.size, dtype="int64")
    pending = np.arange(first_day.size)
    ceiling = weights.max()
    while pending.size:
        width = last_day[pending] - first_day[pending] + 1
        candidate = first_day[pending] + (rng.random(pending.size) * width).astype("int64")
        keep = rng.random(pending.size) * ceiling < weights[kind[pending], candidate - span_start_day]
        days[pending[keep]] = candidate[keep]
        pending = pending[~keep]
    return days


def _preferences(
    rng: np.random.Generator, n: int, popularity: np.ndarray, chunk: int = 250_000
) -> np.ndarray:
    """Per customer, products in preference order (Gumbel top-k, biased towards popular ones)."""
    out = np.empty((n, MAX_PREFERRED_PRODUCTS), dtype="int64")
    log_p = np.log(popularity)
    for start in range(0, n, chunk):
        stop = min(start + chunk, n)
        keys = rng.gumbel(size=(stop - start, popularity.size)) + log_p
        out[start:stop] = np.argsort(-keys, axis=1)[:, :MAX_PREFERRED_PRODUCTS]
    return out + 1


def _order_amounts(
    rng: np.random.Generator, catalog: _Catalog, product_id: np.ndarray, spend: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Amount and cost in cents for completed-looking orders."""
    index = product_id - 1
    amount = np.rint(catalog.price[index] * spend * rng.lognormal(0.0, 0.3, index.size) * 100).astype("int64")
    amount = np.maximum(amount, 100)
    margin = np.clip(catalog.margin[index] + rng.normal(0.0, 0.06, index.size), 0.02, 0.95)
    cost = np.floor(amount * (1.0 - margin)).astype("int64")
    return amount, cost


def _random_orders(
    rng: np.random.Generator,
    customers: _RandomCustomers,
    customer_ids: np.ndarray,
    accounts: _Accounts,
    catalog: _Catalog,
    span: _Span,
    total: int,
    profile: Profile = PROFILES[DEFAULT_PROFILE],
) -> _Orders:
    created_day = customers.created_ts // DAY
    exposure = (customers.active_end_day - created_day + 1).astype("float64")
    one_time = customers.rate == 0
    counts = _allocate_order_counts(rng, customers.rate, exposure, max(total - int(one_time.sum()), 0))
    counts = np.where(one_time, 1, counts)
    owner = np.repeat(np.arange(counts.size), counts)
    n = owner.size

    day = _sample_days(
        rng,
        created_day[owner],
        customers.active_end_day[owner],
        customers.is_b2b[owner].astype("int64"),
        _day_weights(span),
        span.start_day,
    )
    ts = day * DAY + _time_of_day(rng, n)
    created = customers.created_ts[owner]
    ts = np.where(ts <= created, created + rng.integers(60, 3600, n), ts)

    preferences = _preferences(rng, counts.size, catalog.popularity)
    # Squaring the uniform makes a customer's first preference their most bought product.
    rank = (customers.n_preferred[owner] * rng.random(n) ** 2).astype("int64")
    product_id = preferences[owner, rank]

    account_index = accounts.offset[owner] + (rng.random(n) * accounts.count[owner]).astype("int64")
    has_account = accounts.count[owner] > 0
    safe_index = np.where(has_account, account_index, 0)
    opened = accounts.opened_ts[safe_index] if accounts.opened_ts.size else np.zeros(n, dtype="int64")
    # An order cannot use an account opened after it; fall back to the first account.
    account_index = np.where(has_account & (opened > ts), accounts.offset[owner], account_index)
    account_ids = accounts.frame["account_id"].to_numpy()
    account_id = np.where(
        has_account, account_ids[np.maximum(account_index, 0)] if account_ids.size else -1, -1
    )

    amount, cost = _order_amounts(rng, catalog, product_id, customers.spend[owner])
    if profile.price_scale != 1.0:
        amount = np.maximum(np.rint(amount * profile.price_scale), 100).astype("int64")
        cost = np.floor(cost * profile.price_scale).astype("int64")
    status = np.where(rng.random(n) < CANCEL_RATE, CANCELLED, COMPLETED).astype("int8")
    free = (status == COMPLETED) & (rng.random(n) < profile.free_order_rate)
    amount = np.where(free, 0, amount)
    cost = np.where(free, 0, cost)
    return _Orders(
        customer_id=customer_ids[owner],
        account_id=account_id.astype("int64"),
        product_id=product_id,
        ts=ts,
        amount=amount,
        cost=cost,
        status=status,
    )


def _refunds(
    rng: np.random.Generator, orders: _Orders, span: _Span, pick: np.ndarray, full_share: float = 0.6
) -> _Orders:
    """Refund rows for the orders selected by ``pick``: negative amount, a few days later."""
    index = np.flatnonzero(pick)
    n = index.size
    fraction = np.where(rng.random(n) < full_share, 1.0, rng.uniform(0.1, 0.9, n))
    amount = np.clip(np.rint(orders.amount[index] * fraction), 1, orders.amount[index]).astype("int64")
    cost = np.rint(orders.cost[index] * fraction).astype("int64")
    day = orders.ts[index] // DAY
    delay = np.minimum(rng.geometric(1 / 6, n), span.end_day - day)
    return _Orders(
        customer_id=orders.customer_id[index],
        account_id=orders.account_id[index],
        product_id=orders.product_id[index],
        ts=(day + delay) * DAY + _time_of_day(rng, n),
        amount=-amount,
        cost=-cost,
        status=np.full(n, REFUNDED, dtype="int8"),
    )


def _random_refunds(rng: np.random.Generator, orders: _Orders, span: _Span) -> _Orders:
    # Orders on the last day cannot be refunded "some days later" inside the data.
    eligible = (orders.status == COMPLETED) & (orders.amount > 0) & (orders.ts // DAY < span.end_day)
    return _refunds(rng, orders, span, eligible & (rng.random(len(orders)) < REFUND_RATE))


# --------------------------------------------------------------------------- planted


@dataclass(frozen=True)
class _AmountLevels:
    """Order value quantiles (cents) that planted amounts are pinned to."""

    q10: float
    q40: float
    q60: float
    q70: float
    q75: float
    q95: float
    q985: float
    q998: float


def _amount_levels(rng: np.random.Generator, random_orders: _Orders, catalog: _Catalog) -> _AmountLevels:
    completed = random_orders.amount[(random_orders.status == COMPLETED) & (random_orders.amount > 0)]
    if completed.size < 2_000:
        # Too few random orders to estimate tails: simulate the same amount model.
        n = 20_000
        is_b2b = rng.random(n) < B2B_SHARE
        size = np.where(is_b2b, rng.choice(len(COMPANY_SIZES), n, p=COMPANY_SIZE_WEIGHTS), -1)
        product_id = rng.choice(catalog.popularity.size, n, p=catalog.popularity) + 1
        completed, _ = _order_amounts(rng, catalog, product_id, _spend_multipliers(rng, is_b2b, size))
    q = np.quantile(completed, [0.10, 0.40, 0.60, 0.70, 0.75, 0.95, 0.985, 0.998])
    return _AmountLevels(*(float(x) for x in q))


def _planted_frames(fake: Faker, span: _Span) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Customers 1..5 and their accounts (ids 1..5)."""
    # Sign-ups at 06:00 precede any same-day order (orders are placed from 07:00).
    early = 6 * 3600
    s, e = span.start_day, span.end_day
    lapsed_first = int(_lapsed_days(span)[0])
    monthly_first = int(_monthly_days(span)[0])
    people = [(fake.first_name(), fake.last_name()) for _ in range(5)]
    companies = [fake.company() for _ in range(2)]

    def email(person: tuple[str, str], domain: str) -> str:
        return f"{_email_part(person[0])}.{_email_part(person[1])}@{domain}"

    def company_email(person: tuple[str, str], company: str) -> str:
        return email(person, _email_part(company) + ".com")

    rows = [
        (1, companies[0], company_email(people[0], companies[0]), "United States",
         "Financial Services", "1000+", s * DAY + early),
        (2, " ".join(people[1]), email(people[1], "gmail.com"), "United Kingdom", None, None,
         _one_time_day(span) * DAY + early),
        (3, " ".join(people[2]), email(people[2], "yahoo.com"), "Germany", None, None,
         lapsed_first * DAY + early),
        (4, " ".join(people[3]), email(people[3], "hotmail.com"), "Canada", None, None,
         (e - 380) * DAY + early),
        (5, companies[1], company_email(people[4], companies[1]), "Netherlands",
         "Manufacturing", "51-200", (monthly_first - 40) * DAY + early),
    ]  # fmt: skip
    columns = ["customer_id", "customer_name", "email", "country", "industry", "company_size", "created_ts"]
    accounts = [
        (1, 1, "enterprise", s * DAY + early),
        # Customer 1's second account opens a year in; orders use it from the next day.
        (2, 1, "growth", (s + 365) * DAY + early),
        (3, 3, "starter", lapsed_first * DAY + early),
        (4, 4, "starter", (e - 380) * DAY + early),
        (5, 5, "growth", (monthly_first - 40) * DAY + early),
    ]
    return (
        pd.DataFrame(rows, columns=columns),
        pd.DataFrame(accounts, columns=["account_id", "customer_id", "plan", "opened_ts"]),
    )


def _cadence(first_day: int, last_day: int) -> np.ndarray:
    """Days from first_day stepping 3,4,3,4... (about twice a week), ending exactly on last_day."""
    steps = np.tile([3, 4], (last_day - first_day) // 7 + 2)
    days = first_day + np.concatenate([[0], np.cumsum(steps)])
    days = days[days < last_day]
    return np.append(days, last_day)


def _one_time_day(span: _Span) -> int:
    return max(_epoch_day(_add_months(span.end, -18)), span.start_day)


def _lapsed_days(span: _Span) -> np.ndarray:
    last = span.end_day - LAPSED_DAYS
    first = max(last - 730, span.start_day)
    # Step backwards from the last order so that date is exact.
    return last - _cadence(0, last - first)[::-1]


def _monthly_days(span: _Span) -> np.ndarray:
    days = [_epoch_day(_add_months(span.end.replace(day=15), -k)) for k in range(13, 0, -1)]
    days.append(_epoch_day(span.end.replace(day=min(15, span.end.day))))
    return np.array(days, dtype="int64")


def _planted_orders(
    rng: np.random.Generator, span: _Span, catalog: _Catalog, levels: _AmountLevels
) -> _Orders:
    cat = catalog.by_category
    blocks: list[_Orders] = []

    def block(
        customer_id: int, account_id: np.ndarray, product_id: np.ndarray, day: np.ndarray,
        amount: np.ndarray, cost_share: np.ndarray, status: np.ndarray | None = None,
    ) -> _Orders:  # fmt: skip
        n = day.size
        amount = np.rint(amount).astype("int64")
        return _Orders(
            customer_id=np.full(n, customer_id, dtype="int64"),
            account_id=np.broadcast_to(account_id, n).astype("int64"),
            product_id=np.broadcast_to(product_id, n).astype("int64"),
            ts=day * DAY + _time_of_day(rng, n),
            amount=amount,
            cost=np.floor(amount * cost_share).astype("int64"),
            status=np.full(n, COMPLETED, dtype="int8") if status is None else status.astype("int8"),
        )

    # 1 steady_big_spender: every 3-4 days from the first to the last day of the span,
    # top-2% order values, 35-45% margin, five products, second account after a year.
    days = _cadence(span.start_day, span.end_day)
    n = days.size
    products = np.array(
        [cat["Software"][0], cat["Software"][1], cat["Services"][0], cat["Support"][1], cat["Hardware"][1]]
    )
    account = np.where((days >= span.start_day + 366) & (np.arange(n) % 2 == 1), 2, 1)
    blocks.append(block(
        1, account, products[np.arange(n) % products.size], days,
        rng.uniform(levels.q985, levels.q998, n), rng.uniform(0.55, 0.65, n),
    ))  # fmt: skip

    # 2 one_time_buyer: a single small order ~18 months before the end, no account.
    day = np.array([_one_time_day(span)])
    blocks.append(
        block(2, np.array(-1), np.array(cat["Accessories"][0]), day, np.array([levels.q10]), np.array([0.6]))
    )

    # 3 lapsed_loyal: about twice a week for two years, last order LAPSED_DAYS before the end.
    days = _lapsed_days(span)
    products = np.array([cat["Hardware"][0], cat["Accessories"][1], cat["Training"][0]])
    blocks.append(block(
        3, np.array(3), products[np.arange(days.size) % products.size], days,
        rng.uniform(levels.q70, levels.q95, days.size), rng.uniform(0.5, 0.6, days.size),
    ))  # fmt: skip

    # 4 refund_heavy: every 10 days over the last year up to 3 days before the end;
    # two are cancelled, every completed one is refunded in full within 1-3 days.
    days = span.end_day - 3 - 10 * np.arange(35, -1, -1)
    status = np.where(np.isin(np.arange(days.size), [11, 23]), CANCELLED, COMPLETED)
    products = np.array([cat["Accessories"][2], cat["Hardware"][2]])
    orders = block(
        4, np.array(4), products[np.arange(days.size) % 2], days,
        rng.uniform(levels.q40, levels.q70, days.size), rng.uniform(0.5, 0.6, days.size), status,
    )  # fmt: skip
    completed = orders.status == COMPLETED
    refunds = _Orders(
        customer_id=orders.customer_id[completed],
        account_id=orders.account_id[completed],
        product_id=orders.product_id[completed],
        ts=(orders.ts[completed] // DAY + rng.integers(1, 4, completed.sum())) * DAY
        + _time_of_day(rng, int(completed.sum())),
        amount=-orders.amount[completed],
        cost=-orders.cost[completed],
        status=np.full(int(completed.sum()), REFUNDED, dtype="int8"),
    )
    blocks += [orders, refunds]

    # 5 b2b_single_product: the same product on the 15th of each of the last 14 months.
    days = _monthly_days(span)
    amount = np.full(days.size, round(levels.q75 / 100) * 100)
    blocks.append(block(5, np.array(5), np.array(cat["Software"][1]), days, amount, np.full(days.size, 0.4)))
    return _concat_orders(blocks)


def _planted_row_count(span: _Span, catalog: _Catalog) -> int:
    # The planted schedule depends only on the span, so a dry run with throwaway
    # amounts tells how many of the requested rows it takes.
    dry_run = _planted_orders(np.random.default_rng(0), span, catalog, _AmountLevels(*[100.0] * 8))
    return len(dry_run)


# --------------------------------------------------------------------------- assembly


def _orders_frame(orders: _Orders, has_cost: bool = True) -> pd.DataFrame:
    # Sort chronologically so order ids grow with time like a real sequence would.
    order = np.lexsort((orders.status, orders.customer_id, orders.ts))
    account = orders.account_id[order]
    return pd.DataFrame(
        {
            "order_id": np.arange(1, order.size + 1, dtype="int64"),
            "customer_id": orders.customer_id[order],
            "account_id": pd.arrays.IntegerArray(np.maximum(account, 0), account < 0),
            "product_id": orders.product_id[order],
            "ordered_at": _to_timestamps(orders.ts[order]),
            "amount": orders.amount[order] / 100.0,
            # Without cost data every cost is null: unknown, not zero.
            "cost": orders.cost[order] / 100.0 if has_cost else np.full(order.size, np.nan),
            "status": pd.Series(pd.Categorical.from_codes(orders.status[order], STATUSES)).astype("str"),
        }
    )


def _finish_customers(planted: pd.DataFrame, random: pd.DataFrame) -> pd.DataFrame:
    planted = planted.assign(created_at=_to_timestamps(planted["created_ts"].to_numpy())).drop(
        columns="created_ts"
    )
    random = random.assign(email=_unique_emails(random["local"], random["domain"])).drop(
        columns=["local", "domain"]
    )
    frame = pd.concat([planted, random], ignore_index=True)
    for column in ("customer_name", "email", "country", "industry", "company_size"):
        frame[column] = frame[column].astype("str").where(frame[column].notna())
    frame["customer_id"] = frame["customer_id"].astype("int64")
    return frame


def _finish_accounts(planted: pd.DataFrame, random: pd.DataFrame) -> pd.DataFrame:
    planted = planted.assign(opened_at=_to_timestamps(planted["opened_ts"].to_numpy())).drop(
        columns="opened_ts"
    )
    frame = pd.concat([planted, random], ignore_index=True)
    frame["plan"] = frame["plan"].astype("str")
    return frame.astype({"account_id": "int64", "customer_id": "int64"})


def _base_order_target(orders: int, planted_rows: int) -> int:
    # Refund rows come on top of the sampled orders, so sample a little less.
    completed_share = (1 - CANCEL_RATE) * (1 - FREE_ORDER_RATE)
    return max(0, round((orders - planted_rows) / (1 + REFUND_RATE * completed_share)))


def generate_raw_data(
    customers: int = 5000,
    orders: int = 100_000,
    months: int = 36,
    seed: int = 42,
    end_date: date = date(2025, 12, 31),
    progress: bool = False,
    events: bool = True,
    profile: str = DEFAULT_PROFILE,
) -> RawData:
    """Generate customers, accounts, products and orders; same arguments give identical frames.

    ``profile`` is a key of ``PROFILES``: ``saas`` (default) or ``retail``.

    ``customers`` includes the five planted customers; ``orders`` is the approximate
    number of order rows (refund and cancelled rows included). With ``events``, product
    events are added too (see ``segmentation.events``); they never change the other tables.
    """
    if customers < len(PLANTED_CUSTOMERS):
        raise ValueError(f"customers must be at least {len(PLANTED_CUSTOMERS)} (the planted customers)")
    if months < MIN_MONTHS:
        raise ValueError(f"months must be at least {MIN_MONTHS} so the planted customers fit in the span")
    if orders < 0:
        raise ValueError("orders must not be negative")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {', '.join(PROFILES)}, got {profile!r}")
    shape = PROFILES[profile]

    span = _Span(span_start(end_date, months), end_date)
    streams = np.random.SeedSequence(seed).spawn(6)
    catalog_rng, customer_rng, account_rng, order_rng, planted_rng, name_rng = (
        np.random.default_rng(s) for s in streams
    )
    fake = Faker("en_US")
    fake.seed_instance(seed)
    n_random = customers - len(PLANTED_CUSTOMERS)

    with tqdm(total=6, desc="generate", unit="step", disable=not progress, leave=False) as bar:
        bar.set_postfix_str("catalog and names")
        catalog = _make_catalog(catalog_rng)
        planted_customers, planted_accounts = _planted_frames(fake, span)
        pools = _make_name_pools(fake, people=min(max(n_random, 1), 4000))
        bar.update()

        bar.set_postfix_str("customers")
        random_customers = _make_random_customers(customer_rng, n_random, span, shape)
        customer_ids = np.arange(FIRST_RANDOM_CUSTOMER_ID, FIRST_RANDOM_CUSTOMER_ID + n_random, dtype="int64")
        random_frame = _customer_frame(name_rng, pools, random_customers, FIRST_RANDOM_CUSTOMER_ID)
        bar.update()

        bar.set_postfix_str("accounts")
        accounts = _make_accounts(
            account_rng, random_customers, customer_ids, len(planted_accounts) + 1, span
        )
        bar.update()

        bar.set_postfix_str("orders")
        base = _random_orders(
            order_rng, random_customers, customer_ids, accounts, catalog, span,
            _base_order_target(orders, _planted_row_count(span, catalog)), shape,
        )  # fmt: skip
        bar.update()

        bar.set_postfix_str("refunds and planted customers")
        refunds = _random_refunds(order_rng, base, span)
        planted = _planted_orders(planted_rng, span, catalog, _amount_levels(planted_rng, base, catalog))
        all_orders = _concat_orders([planted, base, refunds])
        bar.update()

        bar.set_postfix_str("frames")
        raw = RawData(
            customers=_finish_customers(planted_customers, random_frame),
            accounts=_finish_accounts(planted_accounts, accounts.frame),
            products=catalog.frame,
            orders=_orders_frame(all_orders, shape.has_cost),
        )
        bar.update()
    return replace(raw, events=generate_events(raw, seed, end_date)) if events else raw
