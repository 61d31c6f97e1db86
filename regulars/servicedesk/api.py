"""The merchant's customer directory."""

from typing import Literal

from ninja import Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core.boundary import WallTime
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors, services

console = Router(tags=["console: service desk"], auth=AUTH)


# ---- the service desk and the knowledge base --------------------------------------------------


class TicketIn(Schema):
    channel: str = "staff"
    category: str
    subject: str
    description: str
    customer_id: int | None = None


class TicketAdvanceIn(Schema):
    note: str = ""
    handler_id: int | None = None
    resolution: str = ""  # the answer the customer gets: required into "feedback"
    satisfaction: int | None = None  # closing: the follow-up call's score (1-5)…
    no_score_reason: str = ""  # …or why there is none


class TicketOut(Schema):
    id: int
    number: str
    customer_id: int | None
    channel: str
    category: str
    subject: str
    description: str
    stage: str
    owner_id: int | None
    handler_id: int | None
    escalation: int
    stage_due_at: AwareDatetime
    opened_at: AwareDatetime
    closed_at: AwareDatetime | None
    resolution: str
    satisfaction: int | None
    no_score_reason: str


class ArticleIn(Schema):
    kind: str
    title: str
    body: str
    topic: str = ""


class ArticleOut(ArticleIn):
    id: int
    updated_at: AwareDatetime


@console.get("/tickets", response=list[TicketOut])
def ticket_list(request, view: Literal["open", "mine", "closed"] = "open"):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.tickets(actor, view=view)


@console.post("/tickets", response={201: TicketOut})
def open_ticket(request, payload: TicketIn):
    """A complaint taken by staff: the one who takes it owns it until it is closed."""
    actor = actor_for(request)
    return Status(201, services.open_ticket(merchant=actor.merchant, actor=actor, **payload.dict()))


@console.get("/tickets/{ticket_id}", response=TicketOut)
def ticket(request, ticket_id: int):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.ticket_of(actor.merchant, ticket_id)


@console.post("/tickets/{ticket_id}/take", response=TicketOut)
def take_ticket(request, ticket_id: int):
    return services.take_ticket(actor=actor_for(request), ticket_id=ticket_id)


@console.post("/tickets/{ticket_id}/advance", response=TicketOut)
def advance_ticket(request, ticket_id: int, payload: TicketAdvanceIn):
    """Move to the next stage (receive → verify → register → transfer → coordinate → handle →
    feedback → closed)."""
    return services.advance_ticket(actor=actor_for(request), ticket_id=ticket_id, **payload.dict())


@console.get("/knowledge", response=list[ArticleOut])
def knowledge(request, q: str = "", kind: str = ""):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.articles(actor.merchant, q=q, kind=kind)


@console.post("/knowledge", response={201: ArticleOut})
def add_article(request, payload: ArticleIn):
    return Status(201, services.save_article(actor=actor_for(request), **payload.dict()))


class DeskSettingsIO(Schema):
    opens: WallTime
    closes: WallTime
    stage_hours: dict[str, float]


@console.put("/service-desk-settings", response=DeskSettingsIO)
def save_desk_settings(request, payload: DeskSettingsIO):
    """The desk's hours and each complaint stage's limit in business hours."""
    found = services.save_desk_settings(actor=actor_for(request), **payload.dict())
    return {
        "opens": found.opens,
        "closes": found.closes,
        "stage_hours": found.stage_hours,
    }


# ---- the consumer's side: complaints, surveys, invitations ------------------------------------

care = Router(tags=["consumer"], auth=AUTH)


class ComplaintIn(Schema):
    store_id: int
    category: str
    subject: str
    description: str
    order_id: int | None = None


class ComplaintOut(Schema):
    id: int
    number: str
    subject: str
    stage: str
    opened_at: AwareDatetime
    resolution: str


class SurveyIn(Schema):
    recommend: int
    satisfied: int
    comment: str = ""
    item_scores: dict[str, int] = {}


@care.get("/me/complaints", response=list[ComplaintOut])
def my_complaints(request):
    return selectors.my_complaints(request.user)


@care.post("/me/complaints", response={201: ComplaintOut})
def complain(request, payload: ComplaintIn):
    """A complaint about a store (or one of your orders there); the answer comes to your inbox."""
    store = selectors.open_store(payload.store_id)
    return Status(
        201,
        services.open_ticket(
            merchant=store.merchant,
            consumer=request.user,
            channel="order" if payload.order_id else "store_page",
            category=payload.category,
            subject=payload.subject,
            description=payload.description,
            order_id=payload.order_id,
            store_id=store.pk,
        ),
    )


@care.post("/me/surveys/{survey_id}", response=dict)
def answer_survey(request, survey_id: int, payload: SurveyIn):
    services.answer_survey(consumer=request.user, survey_id=survey_id, **payload.dict())
    return {"answered": True}
