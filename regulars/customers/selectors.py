"""Reads for the customer directory: search, one customer's timeline, export rows."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet

from regulars.core import clock
from regulars.core.errors import NotFound
from regulars.core.phones import display_phone, masked_phone, normalize_phone
from regulars.merchants.permissions import Action, StaffContext

from . import behaviour
from .models import Customer, RiskFlag, Tag

SORTS = {
    "recent": ("-last_seen_at", "-id"),
    "spend": ("-spend", "-id"),
    "visits": ("-visits", "-id"),
    "name": ("name", "id"),
}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    tag: str = ""
    source: str = ""
    min_spend: Decimal | None = None
    min_visits: int | None = None
    seen_after: dt.date | None = None
    seen_before: dt.date | None = None
    manager_id: int | None = None
    silent_days: int | None = None  # no visit for at least this many days
    tier_id: int | None = None  # holds a member card of this tier
    rfm_segment: str = ""
    churn_risk: bool | None = None
    value_level_id: int | None = None
    quadrant: str = ""  # a cell of the value × influence or satisfaction × loyalty matrix
    at_risk: bool | None = None  # on the risk list
    sort: str = "recent"
    # Staff with the contact right find a phone by any part of it; others only by the whole
    # number (typing a prefix digit by digit would otherwise unmask it).
    partial_phone: bool = False

    def __post_init__(self):
        if self.quadrant and self.quadrant not in behaviour.QUADRANT_KEYS:
            raise ValueError(f"unknown matrix cell {self.quadrant!r}")

    @classmethod
    def from_rules(cls, rules: dict) -> "Filters":
        """A saved segment's rules (JSON) back into criteria."""
        known = {f: rules[f] for f in cls.__dataclass_fields__ if rules.get(f) not in (None, "")}
        for name in ("seen_after", "seen_before"):
            if name in known:
                known[name] = dt.date.fromisoformat(known[name])
        if "min_spend" in known:
            known["min_spend"] = Decimal(str(known["min_spend"]))
        return cls(**known)

    def to_rules(self) -> dict:
        rules = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value in (None, "") or (name == "sort" and value == "recent"):
                continue
            if name == "partial_phone":  # the searcher's right, not a rule of the segment
                continue
            rules[name] = (
                value.isoformat()
                if isinstance(value, dt.date)
                else (str(value) if isinstance(value, Decimal) else value)
            )
        return rules


def search(merchant, filters: Filters) -> QuerySet:
    """Multi-criteria search over the merchant's customers (every criterion optional)."""
    found = Customer.objects.filter(merchant=merchant).select_related(
        "account_manager", "value_level"
    )
    if filters.q:
        if filters.partial_phone:
            by_phone = Q(phone__contains=filters.q)
        else:
            whole = normalize_phone(filters.q)
            by_phone = Q(phone=whole) if whole else Q(pk__in=[])
        found = found.filter(
            Q(name__icontains=filters.q) | by_phone | Q(notes__icontains=filters.q)
        )
    if filters.tag:
        found = found.filter(tags__name=filters.tag)
    if filters.source:
        found = found.filter(source=filters.source)
    if filters.min_spend is not None:
        found = found.filter(spend__gte=filters.min_spend)
    if filters.min_visits is not None:
        found = found.filter(visits__gte=filters.min_visits)
    if filters.seen_after:
        found = found.filter(last_seen_at__date__gte=filters.seen_after)
    if filters.seen_before:
        found = found.filter(last_seen_at__date__lte=filters.seen_before)
    if filters.manager_id:
        found = found.filter(account_manager_id=filters.manager_id)
    if filters.silent_days is not None:
        since = clock.now() - dt.timedelta(days=filters.silent_days)
        found = found.filter(last_seen_at__lt=since)
    if filters.rfm_segment:
        found = found.filter(rfm_segment=filters.rfm_segment)
    if filters.churn_risk is not None:
        found = found.filter(churn_risk=filters.churn_risk)
    if filters.value_level_id:
        found = found.filter(value_level_id=filters.value_level_id)
    if filters.at_risk is not None:
        flagged = Exists(
            RiskFlag.objects.filter(customer_id=OuterRef("pk"), cleared_at__isnull=True)
        )
        found = found.filter(flagged if filters.at_risk else ~flagged)
    if filters.quadrant:
        conditions = behaviour.quadrant_conditions(behaviour.settings_of(merchant))
        found = behaviour.with_influence(found).filter(conditions[filters.quadrant])
    if filters.tier_id:
        found = found.filter(
            consumer__cards__merchant=merchant, consumer__cards__tier_id=filters.tier_id
        )
    return found.prefetch_related("tags").order_by(*SORTS.get(filters.sort, SORTS["recent"]))


def merchant_customer(merchant, customer_id: int) -> Customer:
    found = (
        Customer.objects.filter(pk=customer_id, merchant=merchant)
        .select_related("consumer", "account_manager", "value_level", "referred_by")
        .prefetch_related("tags")
        .first()
    )
    if found is None:
        raise NotFound()
    found.merchant = merchant  # the caller's, already read: its settings are asked for later
    return found


def tags(merchant) -> list[Tag]:
    return list(Tag.objects.filter(merchant=merchant))


def contact(actor: StaffContext, customer: Customer) -> dict:
    """Phone and birthday as this staff member may see them (masked without the right role)."""
    if actor.can(Action.VIEW_CUSTOMER_CONTACT):
        return {
            "phone": display_phone(customer.phone),
            "birthday": f"{customer.birthday:%Y-%m-%d}" if customer.birthday else "",
            "masked": False,
        }
    return {
        "phone": masked_phone(customer.phone),
        "birthday": "**-**" if customer.birthday else "",
        "masked": True,
    }


@dataclass(frozen=True)
class Preview:
    headers: list
    rows: list  # (row number, cells, data, [(field, message)])
    valid: int  # customers the import will write (a phone repeated in the file counts once)
    invalid: int  # rows with a problem: not imported
    known: int  # phones already in the directory: those customers are updated
    merged: int = 0  # good rows merged into an earlier row with the same phone


def preview(job, sample: int = 20) -> Preview:
    """The file as the import will read it with its current mapping."""
    from . import imports

    headers, rows = imports.read_table(job.filename, bytes(job.content))
    checked = []
    for number, row in enumerate(rows, start=2):
        if len(checked) >= sample * 3:
            break
        data, problems = imports.clean_row(row, job.mapping)
        if len(checked) < sample or problems:
            checked.append((number, row, data, problems))
    # The counts come from the very function the import runs, over the whole file.
    _headers, rows = imports.read_table(job.filename, bytes(job.content))
    good, problems, merged = imports.checked_rows(rows, job.mapping)
    phones = [data["phone"] for _row, data in good]
    known = Customer.objects.filter(merchant_id=job.merchant_id, phone__in=phones).count()
    return Preview(
        headers=headers,
        rows=checked,
        valid=len(good),
        invalid=len({problem["row"] for problem in problems}),
        known=known,
        merged=merged,
    )


def imports_of(merchant, limit: int = 20) -> list:
    from .models import CustomerImport

    return list(CustomerImport.objects.filter(merchant=merchant).defer("content")[:limit])


def import_of(merchant, import_id: int):
    from .models import CustomerImport

    found = CustomerImport.objects.filter(pk=import_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


def segments(merchant) -> list:
    from .models import Segment

    found = list(Segment.objects.filter(merchant=merchant))
    for segment in found:
        segment.size = search(merchant, Filters.from_rules(segment.rules)).count()
    return found


def segment_of(merchant, segment_id: int):
    from .models import Segment

    found = Segment.objects.filter(pk=segment_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


def segment_members(segment) -> QuerySet:
    return search(segment.merchant, Filters.from_rules(segment.rules))


@dataclass(frozen=True)
class KeyAccounts:
    """The few customers who bring most of the revenue (the 80/20 of seed 004)."""

    key_ids: list[int]  # the key accounts' ids, biggest spender first
    key_count: int
    buyer_count: int
    key_revenue: Decimal
    total_revenue: Decimal
    pareto: list  # [(share of customers %, cumulative share of revenue %)] for the chart

    @property
    def customer_share(self) -> float:
        return round(100 * self.key_count / self.buyer_count, 1) if self.buyer_count else 0.0

    @property
    def revenue_share(self) -> float:
        if not self.total_revenue:
            return 0.0
        return round(float(100 * self.key_revenue / self.total_revenue), 1)


def key_accounts(merchant, share: Decimal = Decimal("0.8"), points: int = 20) -> KeyAccounts:
    """Customers, biggest spenders first, until their spend reaches `share` of the total."""
    spends = list(
        Customer.objects.filter(merchant=merchant, spend__gt=0)
        .order_by("-spend", "id")
        .values_list("id", "spend")
    )
    total = sum((spend for _id, spend in spends), Decimal("0"))
    running, key_ids = Decimal("0"), []
    for customer_id, spend in spends:
        if total and running >= total * share:
            break
        running += spend
        key_ids.append(customer_id)
    pareto, cumulative = [], Decimal("0")
    step = max(1, len(spends) // points)
    for index, (_id, spend) in enumerate(spends, start=1):
        cumulative += spend
        if index % step == 0 or index == len(spends):
            pareto.append(
                (round(100 * index / len(spends), 1), round(float(100 * cumulative / total), 1))
            )
    return KeyAccounts(
        key_ids=key_ids,
        key_count=len(key_ids),
        buyer_count=len(spends),
        key_revenue=running,
        total_revenue=total,
        pareto=pareto,
    )


def customers_in_order(merchant, ids: list[int]) -> list[Customer]:
    """These customers of the merchant (with their account manager), in the order given."""
    found = Customer.objects.filter(merchant=merchant, pk__in=ids).select_related("account_manager")
    position = {customer_id: index for index, customer_id in enumerate(ids)}
    return sorted(found, key=lambda customer: position[customer.pk])


def value_levels(merchant) -> list:
    from .models import ValueLevel

    return list(ValueLevel.objects.filter(merchant=merchant))


def ladder(merchant) -> list:
    """Each value level with how many customers hold it, lowest first."""
    from django.db.models import Count

    from .models import ValueLevel

    return list(ValueLevel.objects.filter(merchant=merchant).annotate(holders=Count("customers")))


def quadrants_of(customer: Customer) -> list:
    """The matrix cells this customer sits in (one per matrix)."""
    inside = behaviour.quadrant_keys_of(customer, behaviour.settings_of(customer.merchant))
    return [
        next(quadrant for quadrant in quadrants if quadrant.key in inside)
        for quadrants in (behaviour.VALUE_QUADRANTS, behaviour.LOYALTY_QUADRANTS)
    ]


def risk_flag_of(customer: Customer):
    return customer.risk_flags.filter(cleared_at__isnull=True).select_related("flagged_by").first()


def flagged_ids(merchant, customer_ids) -> set[int]:
    return set(
        RiskFlag.objects.filter(
            merchant=merchant, customer_id__in=customer_ids, cleared_at__isnull=True
        ).values_list("customer_id", flat=True)
    )


def welcome_gifts(merchant) -> list[dict]:
    """Both occasions, set or not (an unset one gives nothing)."""
    from .models import GiftOccasion, WelcomeGift

    saved = {gift.occasion: gift for gift in WelcomeGift.objects.filter(merchant=merchant)}
    found = []
    for occasion in GiftOccasion.values:
        gift = saved.get(occasion)
        found.append(
            {
                "occasion": occasion,
                "label": GiftOccasion(occasion).label,
                "campaign_id": gift.campaign_id if gift else None,
                "points": gift.points if gift else 0,
                "punch_plan_id": gift.punch_plan_id if gift else None,
                "is_active": gift.is_active if gift else False,
            }
        )
    return found


def gift_choices(merchant) -> tuple[list, list]:
    """What a welcome gift may hold: the shop's issued campaigns and punch cards on sale."""
    from regulars.promotions.models import Campaign, ClaimMode
    from regulars.punchcards.selectors import sellable_plans

    campaigns = Campaign.objects.filter(merchant=merchant, claim_mode=ClaimMode.ISSUED)
    return list(campaigns.order_by("-id")), sellable_plans(merchant)
