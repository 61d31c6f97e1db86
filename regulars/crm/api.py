"""The merchant's customer directory."""

import datetime as dt
from decimal import Decimal

from ninja import Query, Router, Schema

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
