"""The merchant's customer directory."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, File, Query, Router, Schema
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


class TimelineEntryOut(Schema):
    at: AwareDatetime
    kind: str
    what: str
    amount: Decimal | None


class CustomerDetailOut(CustomerOut):
    notes: str
    timeline: list[TimelineEntryOut]


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


class CustomerIn(Schema):
    """The whole record (PUT): every field is required, so nothing is erased by leaving it out."""

    name: str
    birthday: dt.date | None
    tags: list[str]
    notes: str
    consent: bool
    account_manager_id: int | None
    referred_by_id: int | None


class CustomerPatch(Schema):
    """Only the fields to change (PATCH); the others keep their values."""

    name: str | None = None
    birthday: dt.date | None = None
    tags: list[str] | None = None
    notes: str | None = None
    consent: bool | None = None
    account_manager_id: int | None = None
    referred_by_id: int | None = None


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
    return [_out(actor, customer) for customer in found[offset : offset + limit]]


@console.get("/customers/{customer_id}", response=CustomerDetailOut)
def customer(request, customer_id: int):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return _detail(actor, customer_id)


def _detail(actor, customer_id: int) -> dict:
    found = selectors.merchant_customer(actor.merchant, customer_id)
    return {**_out(actor, found), "notes": found.notes, "timeline": selectors.timeline(found)}


@console.put("/customers/{customer_id}", response=CustomerDetailOut)
def update_customer(request, customer_id: int, payload: CustomerIn):
    """Replace the record: send every field (use PATCH to change some)."""
    actor = actor_for(request)
    found = services.update_customer(actor=actor, customer_id=customer_id, **payload.dict())
    return _detail(actor, found.pk)


@console.patch("/customers/{customer_id}", response=CustomerDetailOut)
def patch_customer(request, customer_id: int, payload: CustomerPatch):
    """Change only the fields sent; a field sent as null is cleared (birthday, account manager,
    introduced by), one left out is kept."""
    actor = actor_for(request)
    changes = payload.dict(exclude_unset=True)
    found = services.patch_customer(actor=actor, customer_id=customer_id, changes=changes)
    return _detail(actor, found.pk)


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


# ---- account managers and tasks ---------------------------------------------------------------


class TaskOut(Schema):
    id: int
    customer_id: int
    assignee_id: int
    kind: str
    title: str
    due_at: AwareDatetime
    status: str
    outcome: str
    satisfaction: int | None
    done_at: AwareDatetime | None
    item_scores: dict


class TaskIn(Schema):
    customer_id: int
    kind: str
    title: str
    due_at: AwareDatetime
    assignee_id: int | None = None


class TaskDoneIn(Schema):
    outcome: str
    satisfaction: int | None = None
    no_score_reason: str = Field(
        "", max_length=200, description="A complaint's follow-up call without a score: why."
    )
    item_scores: dict[str, int] = {}  # a follow-up call: each service of the visit, 1–5


class HandOverIn(Schema):
    from_user_id: int
    to_user_ids: list[int]
    reason: str = ""
    customer_ids: list[int] | None = None  # all of theirs when left out


@console.get("/tasks", response=list[TaskOut])
def task_list(request, assignee_id: int | None = None, status: str = "open"):
    """Your tasks; with the right role, anyone's (`assignee_id`, 0 for everyone's)."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.tasks(actor, assignee_id=assignee_id, status=status)


@console.post("/tasks", response={201: TaskOut})
def create_task(request, payload: TaskIn):
    return Status(201, services.create_task(actor=actor_for(request), **payload.dict()))


@console.post("/tasks/{task_id}/done", response=TaskOut)
def complete_task(request, task_id: int, payload: TaskDoneIn):
    return services.complete_task(actor=actor_for(request), task_id=task_id, **payload.dict())


@console.post("/customer-hand-overs", response=dict)
def hand_over(request, payload: HandOverIn):
    """Give a staff member's customers to colleagues; each gets an introduction task."""
    moved = services.reassign_customers(actor=actor_for(request), **payload.dict())
    return {"moved": moved}


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
    return behaviour.settings_of(actor.merchant)


@console.put("/greetings", response=GreetingsIO)
def save_greetings(request, payload: GreetingsIO):
    """Birthday greetings 2–7 days before (0: none) and holidays by key (see `holidays.py`)."""
    return services.save_greetings(actor=actor_for(request), **payload.dict())


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


class CommitmentIn(Schema):
    what: str
    due_on: BusinessDate
    promised_by_id: int | None = None


class CommitmentOut(Schema):
    id: int
    customer_id: int
    promise: str
    promised_by_id: int
    due_on: dt.date
    status: str
    outcome: str


class SettleIn(Schema):
    kept: bool
    outcome: str = ""


@console.post("/customers/{customer_id}/commitments", response={201: CommitmentOut})
def promise(request, customer_id: int, payload: CommitmentIn):
    """Record what was promised to a customer; the one who promised is reminded before."""
    return Status(
        201, services.promise(actor=actor_for(request), customer_id=customer_id, **payload.dict())
    )


@console.post("/commitments/{commitment_id}/settle", response=CommitmentOut)
def settle_commitment(request, commitment_id: int, payload: SettleIn):
    return services.settle_commitment(
        actor=actor_for(request), commitment_id=commitment_id, **payload.dict()
    )


# ---- the relationship evaluation and maintenance plans ----------------------------------------


class EvaluationIn(Schema):
    scores: dict[str, int]  # every indicator's name → 1–5
    decision: str = ""  # improve, maintain or end; empty: as the grade suggests
    note: str = ""


class EvaluationOut(Schema):
    id: int
    total: int
    grade: str
    decision: str
    scores: dict
    weights: dict
    at: AwareDatetime


class PlanIn(Schema):
    methods: str
    measures: str
    owner_id: int
    cost: Decimal = Decimal("0")


class PlanOut(Schema):
    id: int
    customer_id: int | None
    segment_id: int | None
    methods: str
    measures: str
    owner_id: int
    cost: Decimal
    status: str
    summary: str


class PlanStepIn(Schema):
    step: Literal["approve", "reject", "close"]
    summary: str = ""


@console.get("/evaluation-indicators", response=list[dict])
def evaluation_indicators(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return [{"name": n, "weight": w} for n, w in services.indicators_of(actor.merchant)]


@console.post("/customers/{customer_id}/evaluations", response={201: EvaluationOut})
def evaluate(request, customer_id: int, payload: EvaluationIn):
    """Score the relationship: weighted total, grade and decision, kept on the archive."""
    return Status(
        201,
        services.evaluate_relationship(
            actor=actor_for(request), customer_id=customer_id, **payload.dict()
        ),
    )


@console.post("/customers/{customer_id}/plans", response={201: PlanOut})
def propose_plan(request, customer_id: int, payload: PlanIn):
    return Status(
        201,
        services.propose_plan(actor=actor_for(request), customer_id=customer_id, **payload.dict()),
    )


class SegmentPlanIn(PlanIn):
    segment_id: int


@console.post("/plans", response={201: PlanOut})
def propose_segment_plan(request, payload: SegmentPlanIn):
    """A maintenance plan for a whole segment (approved, each member becomes a task)."""
    return Status(201, services.propose_plan(actor=actor_for(request), **payload.dict()))


@console.post("/plans/{plan_id}", response=PlanOut)
def plan_step(request, plan_id: int, payload: PlanStepIn):
    """Approve or reject (managers), or close with the summary."""
    actor = actor_for(request)
    if payload.step == "close":
        return services.close_plan(actor=actor, plan_id=plan_id, summary=payload.summary)
    return services.decide_plan(actor=actor, plan_id=plan_id, approve=payload.step == "approve")


class DeskSettingsIO(Schema):
    opens: dt.time
    closes: dt.time
    stage_hours: dict[str, float]


@console.put("/service-desk-settings", response=DeskSettingsIO)
def save_desk_settings(request, payload: DeskSettingsIO):
    """The desk's hours and each complaint stage's limit in business hours."""
    found = services.save_desk_settings(actor=actor_for(request), **payload.dict())
    return {
        "opens": found.desk_opens,
        "closes": found.desk_closes,
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


class RsvpIn(Schema):
    coming: bool


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


@care.post("/me/invitations/{invitation_id}", response=dict)
def answer_invitation(request, invitation_id: int, payload: RsvpIn):
    found = services.answer_invitation(
        consumer=request.user, invitation_id=invitation_id, coming=payload.coming
    )
    return {"rsvp": found.rsvp}


# ---- customer events (merchant) ---------------------------------------------------------------


class EventIn(Schema):
    theme: str
    starts_at: AwareDatetime
    place: str
    segment_id: int
    gift: str = ""
    description: str = ""


class EventOut(Schema):
    id: int
    theme: str
    starts_at: AwareDatetime
    place: str
    gift: str


class AttendanceIn(Schema):
    attended: bool
    gift_given: bool = False


@console.get("/events", response=list[EventOut])
def events(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return selectors.events_of(actor.merchant)


@console.post("/events", response={201: EventOut})
def create_event(request, payload: EventIn):
    """An event for a segment: each member with the app is invited in their inbox."""
    return Status(201, services.create_event(actor=actor_for(request), **payload.dict()))


@console.put("/invitations/{invitation_id}/attendance", response=dict)
def attendance(request, invitation_id: int, payload: AttendanceIn):
    found = services.record_attendance(
        actor=actor_for(request), invitation_id=invitation_id, **payload.dict()
    )
    return {"attended": found.attended, "gift_given": found.gift_given}
