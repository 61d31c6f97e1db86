"""The merchant's customer directory."""

from decimal import Decimal
from typing import Literal

from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core.boundary import BusinessDate
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import behaviour, selectors, services

console = Router(tags=["console: customers"], auth=AUTH)


class CustomerOut(Schema):
    id: int
    name: str
    phone: str
    phone_masked: bool
    birthday: str
    tags: list[str]
    source: str
    consent: bool
    account_manager_id: int | None
    visits: int
    spend: Decimal
    first_seen_at: AwareDatetime | None
    last_seen_at: AwareDatetime | None
    rfm: str
    rfm_segment: str
    usual_interval_days: float | None
    churn_risk: bool
    value_level: str
    referred_by_id: int | None
    referrals: int
    reviews: int
    satisfaction: float | None


class SearchIn(Schema):
    q: str = ""
    tag: str = ""
    source: str = ""
    min_spend: Decimal | None = None
    min_visits: int | None = None
    seen_after: BusinessDate | None = None
    seen_before: BusinessDate | None = None
    manager_id: int | None = None
    silent_days: int | None = None
    tier_id: int | None = None
    rfm_segment: str = ""
    churn_risk: bool | None = None
    value_level_id: int | None = None
    quadrant: Literal[("", *behaviour.QUADRANT_KEYS)] = ""  # a cell of either matrix
    at_risk: bool | None = None
    sort: str = "recent"
    limit: int = 100
    offset: int = 0


def customer_out(actor, customer) -> dict:
    shown = selectors.contact(actor, customer)
    return {
        "id": customer.pk,
        "name": customer.name,
        "phone": shown["phone"],
        "phone_masked": shown["masked"],
        "birthday": shown["birthday"],
        "tags": [tag.name for tag in customer.tags.all()],
        "source": customer.source,
        "consent": customer.consent,
        "account_manager_id": customer.account_manager_id,
        "visits": customer.visits,
        "spend": customer.spend,
        "first_seen_at": customer.first_seen_at,
        "last_seen_at": customer.last_seen_at,
        "rfm": f"{customer.rfm_r}{customer.rfm_f}{customer.rfm_m}",
        "rfm_segment": customer.rfm_segment,
        "usual_interval_days": customer.usual_interval_days,
        "churn_risk": customer.churn_risk,
        "value_level": customer.value_level.name if customer.value_level else "",
        "referred_by_id": customer.referred_by_id,
        "referrals": customer.referrals,
        "reviews": customer.reviews,
        "satisfaction": customer.satisfaction,
    }


@console.get("/customers", response=list[CustomerOut])
def customers(request, filters: Query[SearchIn]):
    """Search the directory; phone and birthday come masked for roles without access to them."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    data = filters.dict()
    limit, offset = max(1, min(data.pop("limit"), 500)), max(0, data.pop("offset"))
    partial_phone = actor.can(Action.VIEW_CUSTOMER_CONTACT)
    found = selectors.search(actor.merchant, selectors.Filters(**data, partial_phone=partial_phone))
    return [customer_out(actor, customer) for customer in found[offset : offset + limit]]


class SegmentIn(Schema):
    name: str
    rules: dict = {}


class SegmentOut(Schema):
    id: int
    name: str
    rules: dict
    size: int


class ImportOut(Schema):
    id: int
    filename: str
    status: str
    mapping: dict
    total_rows: int
    processed_rows: int
    created_count: int
    updated_count: int
    errors: list[dict]


class MappingIn(Schema):
    mapping: dict[str, int | None]


@console.get("/customers-count", response=dict)
def count(request, filters: Query[SearchIn]):
    """How many customers the criteria select (the live count of the segment builder)."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    data = filters.dict()
    data.pop("limit"), data.pop("offset")
    return {"count": selectors.search(actor.merchant, selectors.Filters(**data)).count()}


@console.get("/segments", response=list[SegmentOut])
def segments(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.segments(actor.merchant)


@console.post("/segments", response={201: SegmentOut})
def save_segment(request, payload: SegmentIn):
    """Save criteria (the same names as the customer search) under a name."""
    actor = actor_for(request)
    segment = services.save_segment(actor=actor, name=payload.name, rules=payload.rules)
    segment.size = selectors.segment_members(segment).count()
    return Status(201, segment)


@console.post("/customer-imports", response={201: ImportOut})
def start_import(request, file: File[UploadedFile]):
    """Upload a .csv or .xlsx; the columns are guessed (see `mapping`)."""
    return Status(
        201,
        services.start_import(
            actor=actor_for(request), filename=file.name or "upload.csv", content=file.read()
        ),
    )


@console.put("/customer-imports/{import_id}/mapping", response=ImportOut)
def set_mapping(request, import_id: int, payload: MappingIn):
    return services.set_mapping(
        actor=actor_for(request), import_id=import_id, mapping=payload.mapping
    )


@console.post("/customer-imports/{import_id}/run", response=ImportOut)
def run_import(request, import_id: int):
    """Start importing in the background; poll the import for progress and errors."""
    return services.confirm_import(actor=actor_for(request), import_id=import_id)


@console.get("/customer-imports/{import_id}", response=ImportOut)
def import_status(request, import_id: int):
    actor = actor_for(request)
    actor.require(Action.EDIT_CUSTOMERS)
    return selectors.import_of(actor.merchant, import_id)


@console.post("/customer-imports/{import_id}/undo", response=ImportOut)
def undo_import(request, import_id: int):
    actor = actor_for(request)
    services.undo_import(actor=actor, import_id=import_id)
    return selectors.import_of(actor.merchant, import_id)


# ---- value levels, thresholds, matrices and one customer's insights ---------------------------


class LevelIO(Schema):
    name: str
    min_spend: Decimal


class LevelOut(LevelIO):
    id: int
    holders: int


class ThresholdsIO(Schema):
    lapse_grace_days: int
    high_value_score: int
    high_loyalty_score: int
    high_influence: int
    high_satisfaction: Decimal


class CellOut(Schema):
    key: str
    label: str
    advice: str
    count: int
    share: float


class MatricesOut(Schema):
    total: int
    value_by_influence: list[CellOut]
    satisfaction_by_loyalty: list[CellOut]


class OfferOut(Schema):
    item_id: int
    item_name: str
    reason: str
    buyers: int
    campaign_id: int | None
    campaign_name: str


class LifetimeValueOut(Schema):
    average_ticket: Decimal
    yearly_visits: Decimal
    retention: Decimal
    retention_measured: bool
    expected_years: Decimal
    estimate: Decimal
    to_date: Decimal


class InsightsOut(Schema):
    preferred_services: list[dict]
    usual_weekday: str
    usual_daypart: str
    matrix_cells: list[str]
    next_offer: OfferOut | None
    lifetime_value: LifetimeValueOut | None


@console.get("/value-levels", response=list[LevelOut])
def value_levels(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.ladder(actor.merchant)


@console.put("/value-levels", response=list[LevelOut])
def save_value_levels(request, payload: list[LevelIO]):
    """Replace the ladder (lowest first or in any order); customers are placed on it at once."""
    actor = actor_for(request)
    services.save_value_levels(
        actor=actor, levels=[(level.name, level.min_spend) for level in payload]
    )
    return selectors.ladder(actor.merchant)


@console.get("/customer-thresholds", response=ThresholdsIO)
def thresholds(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return behaviour.settings_of(actor.merchant)


@console.put("/customer-thresholds", response=ThresholdsIO)
def save_thresholds(request, payload: ThresholdsIO):
    return services.save_directory_settings(actor=actor_for(request), **payload.dict())


def _cells(cells) -> list[dict]:
    return [
        {
            "key": cell.quadrant.key,
            "label": str(cell.quadrant.label),
            "advice": str(cell.quadrant.advice),
            "count": cell.count,
            "share": cell.share,
        }
        for cell in cells
    ]


@console.get("/customer-matrices", response=MatricesOut)
def matrices(request):
    """Customers per cell of the value × influence and satisfaction × loyalty matrices."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    found = behaviour.matrices(actor.merchant)
    return {
        "total": found.total,
        "value_by_influence": _cells(found.value),
        "satisfaction_by_loyalty": _cells(found.loyalty),
    }


@console.get("/customers/{customer_id}/insights", response=InsightsOut)
def insights(request, customer_id: int):
    """Preferred services and times, matrix cells, the next offer and the lifetime value."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    found = selectors.merchant_customer(actor.merchant, customer_id)
    habits = behaviour.preferences(found)
    return {
        "preferred_services": [{"name": n, "count": c} for n, c in habits.services],
        "usual_weekday": habits.weekday,
        "usual_daypart": habits.daypart,
        "matrix_cells": [quadrant.key for quadrant in selectors.quadrants_of(found)],
        "next_offer": behaviour.next_offer(found),
        "lifetime_value": behaviour.lifetime_value(found),
    }


class RiskFlagIn(Schema):
    reason: str
    note: str


class RiskFlagOut(Schema):
    reason: str
    note: str
    flagged_at: AwareDatetime


@console.post("/customers/{customer_id}/risk-flag", response={201: RiskFlagOut})
def flag_customer(request, customer_id: int, payload: RiskFlagIn):
    """Put a customer on the risk list: no campaign or flash deal reaches them."""
    return Status(
        201,
        services.flag_customer(actor=actor_for(request), customer_id=customer_id, **payload.dict()),
    )


@console.delete("/customers/{customer_id}/risk-flag", response={204: None})
def clear_flag(request, customer_id: int, note: str = ""):
    services.clear_flag(actor=actor_for(request), customer_id=customer_id, note=note)
    return Status(204, None)


class WelcomeGiftIO(Schema):
    occasion: Literal["card_opened", "first_visit"]
    campaign_id: int | None = None
    points: int = 0
    punch_plan_id: int | None = None
    is_active: bool = True


@console.get("/welcome-gifts", response=list[WelcomeGiftIO])
def welcome_gifts(request):
    """What the shop gives once per person: on opening a card (开卡礼), on a first visit."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.welcome_gifts(actor.merchant)


@console.put("/welcome-gifts", response=WelcomeGiftIO)
def save_welcome_gift(request, payload: WelcomeGiftIO):
    gift = services.save_gift(actor=actor_for(request), **payload.dict())
    return {
        "occasion": gift.occasion,
        "campaign_id": gift.campaign_id,
        "points": gift.points,
        "punch_plan_id": gift.punch_plan_id,
        "is_active": gift.is_active,
    }
