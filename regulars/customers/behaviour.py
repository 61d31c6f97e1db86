"""Reads about how customers behave: the two decision matrices, each customer's preferred
services and times, the next offer to make them and what they are likely to be worth.

Methods and their reasons are in docs/analytics.md.
"""

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _lazy

from regulars.core import clock
from regulars.orders.models import USED_STATUSES
from regulars.promotions.visits import visits

from .models import Customer, DirectorySettings

# ---- the value × influence and satisfaction × loyalty matrices (seeds 003 and 004) ------------


@dataclass(frozen=True)
class Quadrant:
    key: str
    label: object
    advice: object


VALUE_QUADRANTS = (
    Quadrant(
        "deepen",
        _lazy("Keep and deepen"),
        _lazy("High value and influential: personal care, first look at news, ask for referrals."),
    ),
    Quadrant(
        "maintain",
        _lazy("Maintain"),
        _lazy("High value, little influence: keep the service steady and the perks coming."),
    ),
    Quadrant(
        "develop",
        _lazy("Develop"),
        _lazy("Influential but spending little: offers that bring them back more often."),
    ),
    Quadrant(
        "let_go",
        _lazy("Let go"),
        _lazy("Low value, little influence: general offers only, no special effort."),
    ),
)

LOYALTY_QUADRANTS = (
    Quadrant(
        "apostles",
        _lazy("Apostles"),
        _lazy("Satisfied and loyal: thank them, reward them, invite them to bring friends."),
    ),
    Quadrant(
        "hostages",
        _lazy("Hostages"),
        _lazy("Loyal but dissatisfied: fix what bothers them before they find an alternative."),
    ),
    Quadrant(
        "mercenaries",
        _lazy("Mercenaries"),
        _lazy("Satisfied but rarely back: give them a reason to return (a card, a coupon)."),
    ),
    Quadrant(
        "defectors",
        _lazy("Defectors"),
        _lazy("Dissatisfied and rarely back: call to learn why; win back or learn from it."),
    ),
    Quadrant(
        "unrated",
        _lazy("Not rated yet"),
        _lazy("No review yet: ask for one after their next visit."),
    ),
)

QUADRANT_KEYS = tuple(q.key for q in (*VALUE_QUADRANTS, *LOYALTY_QUADRANTS))


def settings_of(merchant) -> DirectorySettings:
    return DirectorySettings.objects.filter(merchant=merchant).first() or DirectorySettings(
        merchant=merchant
    )


def quadrant_conditions(thresholds: DirectorySettings) -> dict[str, Q]:
    """Each quadrant as a condition on customers annotated with `influence`."""
    valuable = Q(rfm_m__gte=thresholds.high_value_score)
    influential = Q(influence__gte=thresholds.high_influence)
    loyal = Q(rfm_f__gte=thresholds.high_loyalty_score)
    rated = Q(satisfaction__isnull=False)
    satisfied = rated & Q(satisfaction__gte=float(thresholds.high_satisfaction))
    unhappy = rated & Q(satisfaction__lt=float(thresholds.high_satisfaction))
    return {
        "deepen": valuable & influential,
        "maintain": valuable & ~influential,
        "develop": ~valuable & influential,
        "let_go": ~valuable & ~influential,
        "apostles": satisfied & loyal,
        "hostages": unhappy & loyal,
        "mercenaries": satisfied & ~loyal,
        "defectors": unhappy & ~loyal,
        "unrated": ~rated,
    }


def quadrant_keys_of(customer: Customer, thresholds: DirectorySettings) -> set[str]:
    """The quadrants a loaded customer sits in: quadrant_conditions read on the row in hand
    instead of asked of the database (a customer file shows them; a test holds both readings to
    the same answer on every customer)."""
    valuable = customer.rfm_m >= thresholds.high_value_score
    influential = customer.referrals + customer.reviews >= thresholds.high_influence
    loyal = customer.rfm_f >= thresholds.high_loyalty_score
    rated = customer.satisfaction is not None
    satisfied = rated and customer.satisfaction >= float(thresholds.high_satisfaction)
    unhappy = rated and not satisfied
    return {
        key
        for key, inside in {
            "deepen": valuable and influential,
            "maintain": valuable and not influential,
            "develop": not valuable and influential,
            "let_go": not valuable and not influential,
            "apostles": satisfied and loyal,
            "hostages": unhappy and loyal,
            "mercenaries": satisfied and not loyal,
            "defectors": unhappy and not loyal,
            "unrated": not rated,
        }.items()
        if inside
    }


def with_influence(customers: QuerySet) -> QuerySet:
    return customers.annotate(influence=F("referrals") + F("reviews"))


@dataclass(frozen=True)
class Cell:
    quadrant: Quadrant
    count: int
    share: float


@dataclass(frozen=True)
class Matrices:
    value: list[Cell]  # deepen, maintain, develop, let go (the 2×2 read row by row)
    loyalty: list[Cell]  # apostles, hostages, mercenaries, defectors, then unrated
    total: int
    thresholds: DirectorySettings


def matrices(merchant) -> Matrices:
    """How many of the merchant's customers sit in each quadrant (one query)."""
    thresholds = settings_of(merchant)
    conditions = quadrant_conditions(thresholds)
    counts = with_influence(Customer.objects.filter(merchant=merchant)).aggregate(
        total=Count("id"), **{key: Count("id", filter=q) for key, q in conditions.items()}
    )
    total = counts["total"]

    def cells(quadrants):
        return [
            Cell(q, counts[q.key], round(100 * counts[q.key] / total, 1) if total else 0.0)
            for q in quadrants
        ]

    return Matrices(cells(VALUE_QUADRANTS), cells(LOYALTY_QUADRANTS), total, thresholds)


# ---- one customer's habits ---------------------------------------------------------------------

DAYPARTS = (
    (0, _lazy("early morning")),
    (8, _lazy("morning")),
    (11, _lazy("lunchtime")),
    (14, _lazy("afternoon")),
    (17, _lazy("evening")),
    (21, _lazy("late evening")),
)

WEEKDAYS = (
    _lazy("Mondays"),
    _lazy("Tuesdays"),
    _lazy("Wednesdays"),
    _lazy("Thursdays"),
    _lazy("Fridays"),
    _lazy("Saturdays"),
    _lazy("Sundays"),
)


def _visit_times(customer: Customer) -> list[dt.datetime]:
    """When the customer visited (promotions/visits.py), the latest 1,000."""
    if customer.consumer_id is None:
        return []
    found = visits(customer.merchant_id, consumer_ids=[customer.consumer_id])
    return [visit.at for visit in found[-1000:]]


@dataclass(frozen=True)
class Preferences:
    services: list[tuple[str, int]]  # (name, times bought), most bought first
    weekday: str  # e.g. "Saturdays", or "" below three visits
    weekday_share: int  # percent of visits on that day
    daypart: str
    daypart_share: int
    visits_counted: int


def preferences(customer: Customer) -> Preferences:
    """What the customer usually buys, on which weekday and at what time of day they come.

    Read from every visit they made (four statements); it changes only when they visit, so it
    is kept ten minutes per customer and visit count, in numbers, and named in the reader's
    language on the way out."""
    key = f"customers:preferences:{customer.pk}:{customer.visits}"
    habits = cache.get(key)
    if habits is None:
        habits = _habits(customer)
        cache.set(key, habits, OFFER_CACHE_SECONDS)
    services, counted, day, day_n, hour, part_n = habits
    if counted < 3:  # two visits say nothing about a habit
        return Preferences(services, "", 0, "", 0, counted)
    return Preferences(
        services,
        str(WEEKDAYS[day]),
        round(100 * day_n / counted),
        str(_daypart(hour)),
        round(100 * part_n / counted),
        counted,
    )


def _habits(customer: Customer) -> tuple[list, int, int, int, int, int]:
    """(top three services with times bought, visits counted, most frequent weekday and its
    visits, the start hour of the most frequent part of the day and its visits)."""
    from regulars.orders.models import OrderLine

    services = []
    if customer.consumer_id:
        services = [
            (row["name"], row["n"])
            for row in OrderLine.objects.filter(
                order__merchant_id=customer.merchant_id,
                order__consumer_id=customer.consumer_id,
                order__status__in=USED_STATUSES,
            )
            .values("item_id", "name")
            .annotate(n=Sum("quantity"))
            .order_by("-n", "name")[:3]
        ]
    times = [timezone.localtime(at) for at in _visit_times(customer)]
    if not times:
        return services, 0, 0, 0, 0, 0
    day, day_n = Counter(at.weekday() for at in times).most_common(1)[0]
    part, part_n = Counter(_daypart_start(at.hour) for at in times).most_common(1)[0]
    return services, len(times), day, day_n, part, part_n


def _daypart_start(hour: int) -> int:
    return max(start for start, _name in DAYPARTS if hour >= start)


def _daypart(hour: int):
    return dict(DAYPARTS)[_daypart_start(hour)]


# ---- the next offer ---------------------------------------------------------------------------


@dataclass(frozen=True)
class NextOffer:
    item_id: int
    item_name: str
    reason: str  # "similar" (bought by customers with the same taste) or "popular"
    buyers: int  # how many such customers bought it
    campaign_id: int | None  # a live campaign that covers the item, if any
    campaign_name: str


OFFER_CACHE_SECONDS = 600


def next_offer(customer: Customer) -> NextOffer | None:
    """What to offer this customer next: the active item most bought by the merchant's other
    customers who bought what this customer bought (item-to-item co-occurrence), else the
    merchant's most popular item they have not had. With a live campaign for it if one exists.

    The ranking reads the merchant's whole order history (tens of milliseconds in a busy shop)
    and changes slowly, so it is kept for ten minutes per customer and visit count (their own
    next visit asks again); the campaign is looked up live, since one may end any minute."""
    key = f"customers:next-offer:{customer.pk}:{customer.visits}"
    best = cache.get(key)
    if best is None:
        best = _best_item(customer) or ()
        cache.set(key, best, OFFER_CACHE_SECONDS)
    if not best:
        return None
    item_id, item_name, reason, buyers = best
    campaign = _live_campaign_for(customer.merchant_id, item_id)
    return NextOffer(
        item_id,
        item_name,
        reason,
        buyers,
        campaign.pk if campaign else None,
        campaign.name if campaign else "",
    )


def _best_item(customer: Customer) -> tuple[int, str, str, int] | None:
    """(item id, name, reason, buyers) of the item to offer next, or None."""
    from regulars.orders.models import OrderLine

    lines = OrderLine.objects.filter(
        order__merchant_id=customer.merchant_id,
        order__status__in=USED_STATUSES,
        item__is_active=True,
    )
    mine = set()
    if customer.consumer_id:
        mine = set(
            lines.filter(order__consumer_id=customer.consumer_id).values_list("item_id", flat=True)
        )
    reason, ranked = "popular", []
    if mine:
        similar = (
            lines.filter(item_id__in=mine)
            .exclude(order__consumer_id=customer.consumer_id)
            .values("order__consumer_id")
        )
        ranked = list(
            lines.filter(order__consumer_id__in=similar)
            .exclude(item_id__in=mine)
            .values("item_id", "item__name")
            .annotate(buyers=Count("order__consumer_id", distinct=True))
            .order_by("-buyers", "item_id")[:1]
        )
        reason = "similar"
    if not ranked:
        reason = "popular"
        ranked = list(
            lines.exclude(item_id__in=mine)
            .values("item_id", "item__name")
            .annotate(buyers=Count("order__consumer_id", distinct=True))
            .order_by("-buyers", "item_id")[:1]
        )
    if not ranked:
        return None
    return ranked[0]["item_id"], ranked[0]["item__name"], reason, ranked[0]["buyers"]


def _live_campaign_for(merchant_id: int, item_id: int):
    """A published campaign running now with coupons left: one naming the item, else one
    valid on every service."""
    from regulars.promotions.models import Campaign

    now = clock.now()
    live = Campaign.objects.filter(
        merchant_id=merchant_id,
        published=True,
        valid_from__lte=now,
        valid_until__gt=now,
        claimed__lt=F("stock"),
    ).order_by("valid_until", "id")
    return live.filter(items=item_id).first() or live.filter(items__isnull=True).first()


# ---- lifetime value ---------------------------------------------------------------------------

DEFAULT_YEARLY_RETENTION = Decimal("0.9")  # seed 000 §2: about 10% of customers lost a year
MAX_LIFETIME_YEARS = Decimal("10")
MIN_COHORT = 20  # fewer customers than this say too little about the merchant's retention


@dataclass(frozen=True)
class LifetimeValue:
    average_ticket: Decimal
    yearly_visits: Decimal
    retention: Decimal  # share of a year's customers who come back the next year
    retention_measured: bool  # False: the seed's 90% stands in for too little history
    expected_years: Decimal
    estimate: Decimal  # what the customer is likely to spend from now on
    to_date: Decimal


def yearly_retention(merchant_id: int, now: dt.datetime | None = None) -> tuple[Decimal, bool]:
    """Of the customers who visited in the year before last, the share who visited last year."""
    now = now or clock.now()
    year = dt.timedelta(days=365)
    earlier = set(_visitors(merchant_id, now - 2 * year, now - year))
    if len(earlier) < MIN_COHORT:
        return DEFAULT_YEARLY_RETENTION, False
    returned = earlier & set(_visitors(merchant_id, now - year, now))
    return (Decimal(len(returned)) / Decimal(len(earlier))).quantize(Decimal("0.001")), True


RETENTION_CACHE_SECONDS = 3600


def cached_yearly_retention(merchant_id: int) -> tuple[Decimal, bool]:
    """`yearly_retention` for a customer's page: it reads two years of the merchant's visits
    (thousands of rows) and moves by a customer or two a day, so it is kept for an hour (per
    merchant and day) instead of being recomputed on every profile shown."""
    key = f"customers:retention:{merchant_id}:{clock.today():%Y%m%d}"
    found = cache.get(key)
    if found is None:
        rate, measured = yearly_retention(merchant_id)
        found = (str(rate), measured)
        cache.set(key, found, RETENTION_CACHE_SECONDS)
    return Decimal(found[0]), found[1]


def _visitors(merchant_id: int, since: dt.datetime, until: dt.datetime) -> set[int]:
    return {visit.consumer_id for visit in visits(merchant_id, since, until)}


def typical_yearly_visits(merchant_id: int) -> Decimal:
    """The median yearly visits of the merchant's repeat customers (1 when it has none)."""
    intervals = Customer.objects.filter(
        merchant_id=merchant_id, usual_interval_days__gt=0
    ).values_list("usual_interval_days", flat=True)[:10000]
    if not intervals:
        return Decimal("1")
    return Decimal(str(round(min(365.0, 365.0 / statistics.median(intervals)), 2)))


def lifetime_value(
    customer: Customer, retention: tuple[Decimal, bool] | None = None
) -> LifetimeValue | None:
    """Average ticket × visits a year × expected years as a customer (1 / yearly loss rate)."""
    if not customer.visits:
        return None
    retention, measured = retention or cached_yearly_retention(customer.merchant_id)
    ticket = (customer.spend / customer.visits).quantize(Decimal("0.01"))
    if customer.usual_interval_days:
        yearly = Decimal(str(round(min(365.0, 365.0 / customer.usual_interval_days), 2)))
    else:
        yearly = typical_yearly_visits(customer.merchant_id)
    loss = Decimal("1") - retention
    years = min(MAX_LIFETIME_YEARS, Decimal("1") / loss) if loss > 0 else MAX_LIFETIME_YEARS
    years = years.quantize(Decimal("0.1"))
    return LifetimeValue(
        average_ticket=ticket,
        yearly_visits=yearly,
        retention=retention,
        retention_measured=measured,
        expected_years=years,
        estimate=(ticket * yearly * years).quantize(Decimal("0.01")),
        to_date=customer.spend,
    )
