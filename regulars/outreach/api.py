"""The merchant's customer directory."""

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors, services

console = Router(tags=["console: messages"], auth=AUTH)


# ---- messages and greetings -------------------------------------------------------------------


class MessageIn(Schema):
    title: str
    body: str = ""
    customer_ids: list[int] | None = None
    segment_id: int | None = None
    rules: dict | None = None  # the customer search's criteria, when neither of the above
    send_at: AwareDatetime | None = None


class OutreachOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    audience: str
    recipients: int
    without_app: int
    coupons: int
    created_at: AwareDatetime


class GreetingsIO(Schema):
    birthday_days: int
    birthday_title: str = ""
    birthday_body: str = ""
    birthday_campaign_id: int | None = None
    holidays: list[str] = []
    holiday_campaign_id: int | None = None
    referral_campaign_id: int | None = None
    follow_up_after_visit: bool = False


@console.post("/messages", response={201: OutreachOut})
def send_message(request, payload: MessageIn):
    """A message to customers (by id, a segment, or search criteria) through their inbox,
    web push and SMS; it lands on each one's timeline."""
    return Status(201, services.send_message(actor=actor_for(request), **payload.dict()))


@console.get("/messages", response=list[OutreachOut])
def messages_sent(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.outreach_of(actor.merchant)


@console.get("/greetings", response=GreetingsIO)
def greetings(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.automations(actor.merchant)


@console.put("/greetings", response=GreetingsIO)
def save_greetings(request, payload: GreetingsIO):
    """Birthday greetings 2–7 days before (0: none) and holidays by key (see `holidays.py`)."""
    actor = actor_for(request)
    services.save_greetings(actor=actor, **payload.dict())
    return selectors.automations(actor.merchant)
