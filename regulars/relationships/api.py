"""The merchant's customer directory."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core.boundary import BusinessDate
from regulars.customers import selectors as customer_selectors
from regulars.customers import services as customer_services
from regulars.customers.api import CustomerOut, customer_out
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors, services

console = Router(tags=["console: relationships"], auth=AUTH)
care = Router(tags=["consumer"], auth=AUTH)


class TimelineEntryOut(Schema):
    at: AwareDatetime
    kind: str
    what: str
    amount: Decimal | None


class CustomerDetailOut(CustomerOut):
    notes: str
    timeline: list[TimelineEntryOut]


@console.get("/customers/{customer_id}", response=CustomerDetailOut)
def customer(request, customer_id: int):
    actor = actor_for(request)
    actor.require(Action.VIEW_CUSTOMERS)
    return _detail(actor, customer_id)


def _detail(actor, customer_id: int) -> dict:
    found = customer_selectors.merchant_customer(actor.merchant, customer_id)
    return {
        **customer_out(actor, found),
        "notes": found.notes,
        "timeline": selectors.timeline(found),
    }


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


@console.put("/customers/{customer_id}", response=CustomerDetailOut)
def update_customer(request, customer_id: int, payload: CustomerIn):
    """Replace the record: send every field (use PATCH to change some)."""
    actor = actor_for(request)
    found = customer_services.update_customer(
        actor=actor, customer_id=customer_id, **payload.dict()
    )
    return _detail(actor, found.pk)


@console.patch("/customers/{customer_id}", response=CustomerDetailOut)
def patch_customer(request, customer_id: int, payload: CustomerPatch):
    """Change only the fields sent; a field sent as null is cleared (birthday, account manager,
    introduced by), one left out is kept."""
    actor = actor_for(request)
    changes = payload.dict(exclude_unset=True)
    found = customer_services.patch_customer(actor=actor, customer_id=customer_id, changes=changes)
    return _detail(actor, found.pk)


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


class RsvpIn(Schema):
    coming: bool


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
