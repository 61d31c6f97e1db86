"""The merchant's customer directory."""

import datetime as dt
from decimal import Decimal

from ninja import File, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status

from regulars.core.api import AUTH, actor_for
from regulars.merchants.permissions import Action

from . import selectors, services

desk = Router(tags=["merchant desk"], auth=AUTH)


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
    first_seen_at: dt.datetime | None
    last_seen_at: dt.datetime | None
    rfm: str
    rfm_segment: str
    usual_interval_days: float | None
    churn_risk: bool


class EventOut(Schema):
    at: dt.datetime
    kind: str
    what: str
    amount: Decimal | None


class CustomerDetailOut(CustomerOut):
    notes: str
    timeline: list[EventOut]


class SearchIn(Schema):
    q: str = ""
    tag: str = ""
    source: str = ""
    min_spend: Decimal | None = None
    min_visits: int | None = None
    seen_after: dt.date | None = None
    seen_before: dt.date | None = None
    manager_id: int | None = None
    silent_days: int | None = None
    tier_id: int | None = None
    rfm_segment: str = ""
    churn_risk: bool | None = None
    sort: str = "recent"
    limit: int = 100
    offset: int = 0


class CustomerIn(Schema):
    name: str = ""
    birthday: dt.date | None = None
    tags: list[str] = []
    notes: str = ""
    consent: bool = False
    account_manager_id: int | None = None


def _out(actor, customer) -> dict:
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
    }


@desk.get("/customers", response=list[CustomerOut])
def customers(request, filters: Query[SearchIn]):
    """Search the directory; phone and birthday come masked for roles without access to them."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    data = filters.dict()
    limit, offset = max(1, min(data.pop("limit"), 500)), max(0, data.pop("offset"))
    found = selectors.search(actor.merchant, selectors.Filters(**data))
    return [_out(actor, customer) for customer in found[offset : offset + limit]]


@desk.get("/customers/{customer_id}", response=CustomerDetailOut)
def customer(request, customer_id: int):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    found = selectors.merchant_customer(actor.merchant, customer_id)
    return {**_out(actor, found), "notes": found.notes, "timeline": selectors.timeline(found)}


@desk.put("/customers/{customer_id}", response=CustomerDetailOut)
def update_customer(request, customer_id: int, payload: CustomerIn):
    actor = actor_for(request)
    found = services.update_customer(actor=actor, customer_id=customer_id, **payload.dict())
    found = selectors.merchant_customer(actor.merchant, found.pk)
    return {**_out(actor, found), "notes": found.notes, "timeline": selectors.timeline(found)}


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


@desk.get("/customers-count", response=dict)
def count(request, filters: Query[SearchIn]):
    """How many customers the criteria select (the live count of the segment builder)."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    data = filters.dict()
    data.pop("limit"), data.pop("offset")
    return {"count": selectors.search(actor.merchant, selectors.Filters(**data)).count()}


@desk.get("/segments", response=list[SegmentOut])
def segments(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.segments(actor.merchant)


@desk.post("/segments", response={201: SegmentOut})
def save_segment(request, payload: SegmentIn):
    """Save criteria (the same names as the customer search) under a name."""
    actor = actor_for(request)
    segment = services.save_segment(actor=actor, name=payload.name, rules=payload.rules)
    segment.size = selectors.segment_members(segment).count()
    return Status(201, segment)


@desk.post("/customer-imports", response={201: ImportOut})
def start_import(request, file: File[UploadedFile]):
    """Upload a .csv or .xlsx; the columns are guessed (see `mapping`)."""
    return Status(
        201,
        services.start_import(
            actor=actor_for(request), filename=file.name or "upload.csv", content=file.read()
        ),
    )


@desk.put("/customer-imports/{import_id}/mapping", response=ImportOut)
def set_mapping(request, import_id: int, payload: MappingIn):
    return services.set_mapping(
        actor=actor_for(request), import_id=import_id, mapping=payload.mapping
    )


@desk.post("/customer-imports/{import_id}/run", response=ImportOut)
def run_import(request, import_id: int):
    """Start importing in the background; poll the import for progress and errors."""
    return services.confirm_import(actor=actor_for(request), import_id=import_id)


@desk.get("/customer-imports/{import_id}", response=ImportOut)
def import_status(request, import_id: int):
    actor = actor_for(request)
    actor.require(Action.EDIT_CUSTOMERS)
    return selectors.import_of(actor.merchant, import_id)


@desk.post("/customer-imports/{import_id}/undo", response=ImportOut)
def undo_import(request, import_id: int):
    actor = actor_for(request)
    services.undo_import(actor=actor, import_id=import_id)
    return selectors.import_of(actor.merchant, import_id)
