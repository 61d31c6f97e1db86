"""Writes for the relationship evaluation and maintenance plans (seed 001's maintenance cycle)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.models import Customer, Segment
from regulars.customers.selectors import segment_members
from regulars.customers.services import customer_of
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action, StaffContext
from regulars.relationships.errors import Problem

from ..models import Decision, Evaluation, Indicator, MaintenancePlan, PlanStatus, Task, TaskKind

DEFAULT_INDICATORS = (  # used until the merchant sets its own
    ("贡献度 Contribution", 30),
    ("忠诚度 Loyalty", 25),
    ("满意度 Satisfaction", 20),
    ("发展潜力 Potential", 15),
    ("影响力 Influence", 10),
)
GRADES = ((85, "A"), (70, "B"), (50, "C"), (0, "D"))
SUGGESTED = {"A": "maintain", "B": "maintain", "C": "improve", "D": "end"}


def indicators_of(merchant) -> list[tuple[str, int]]:
    found = [(i.name, i.weight) for i in Indicator.objects.filter(merchant=merchant)]
    return found or list(DEFAULT_INDICATORS)


def save_indicators(*, actor: StaffContext, rows: list[tuple[str, int]]):
    actor.require(Action.CONFIGURE_CUSTOMERS)
    rows = [((name or "").strip()[:40], weight) for name, weight in rows if (name or "").strip()]
    if not rows or len(rows) > 10:
        raise DomainError(
            _("Between one and ten indicators."), field="indicators", code=Problem.OUT_OF_RANGE
        )
    if len({name for name, _w in rows}) != len(rows):
        raise DomainError(
            _("Each indicator needs its own name."), field="indicators", code=Problem.DUPLICATE
        )
    if any(weight is None or not 1 <= weight <= 100 for _n, weight in rows):
        raise DomainError(
            _("Each weight is from 1 to 100."), field="indicators", code=Problem.OUT_OF_RANGE
        )
    with transaction.atomic():
        Indicator.objects.filter(merchant=actor.merchant).delete()
        Indicator.objects.bulk_create(
            Indicator(merchant=actor.merchant, name=name, weight=weight) for name, weight in rows
        )
    return indicators_of(actor.merchant)


def evaluate_relationship(
    *,
    actor: StaffContext,
    customer_id: int,
    scores: dict[str, int],
    decision: str = "",
    note: str = "",
):
    """Score each indicator 1–5: the weighted total (0–100) gives the grade (A ≥ 85, B ≥ 70,
    C ≥ 50, else D) and a suggested decision (maintain / improve / end) staff may change.
    The grade is kept on the customer's archive."""
    actor.require(Action.EDIT_CUSTOMERS)
    customer = customer_of(actor, customer_id)
    weights = dict(indicators_of(actor.merchant))
    if set(scores) != set(weights):
        raise DomainError(_("Score every indicator."), field="scores", code=Problem.REQUIRED)
    if any(not isinstance(v, int) or not 1 <= v <= 5 for v in scores.values()):
        raise DomainError(
            _("Each score is from 1 to 5."), field="scores", code=Problem.OUT_OF_RANGE
        )
    total = round(
        100 * sum(weights[name] * scores[name] for name in weights) / (5 * sum(weights.values()))
    )
    grade = next(letter for floor, letter in GRADES if total >= floor)
    decision = decision or SUGGESTED[grade]
    if decision not in Decision.values:
        raise DomainError(
            _("Choose improve, maintain or end."), field="decision", code=Problem.CHOICE_REQUIRED
        )
    with transaction.atomic():
        made = Evaluation.objects.create(
            merchant=actor.merchant,
            customer=customer,
            scores=scores,
            weights=weights,
            total=total,
            grade=grade,
            decision=decision,
            note=(note or "").strip()[:300],
            by=actor.user,
        )
        Customer.objects.filter(pk=customer.pk).update(relationship_grade=grade)
    return made


def propose_plan(
    *,
    actor: StaffContext,
    methods: str,
    measures: str,
    owner_id: int,
    cost: Decimal,
    customer_id: int | None = None,
    segment_id: int | None = None,
):
    """A maintenance plan for one customer or a whole segment, waiting for a manager."""
    actor.require(Action.EDIT_CUSTOMERS)
    customer = segment = None
    if customer_id:
        customer = customer_of(actor, customer_id)
    elif segment_id:
        segment = Segment.objects.filter(pk=segment_id, merchant=actor.merchant).first()
        if segment is None:
            raise DomainError(
                _("Choose one of your segments."), field="segment_id", code=Problem.UNKNOWN_CHOICE
            )
    else:
        raise DomainError(
            _("Choose a customer or a segment."), field="segment_id", code=Problem.CHOICE_REQUIRED
        )
    methods, measures = (methods or "").strip(), (measures or "").strip()
    if not methods or len(methods) > 300:
        raise DomainError(
            _("Say how (at most 300 characters)."), field="methods", code=Problem.TOO_LONG
        )
    if not measures:
        raise DomainError(_("Describe the measures."), field="measures", code=Problem.REQUIRED)
    if owner_id not in merchant_selectors.active_staff_ids(actor.merchant):
        raise DomainError(
            _("Choose an active member of your staff."),
            field="owner_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    if cost is None or cost < 0 or cost > Decimal("9999999"):
        raise DomainError(_("A budget of 0 or more."), field="cost", code=Problem.OUT_OF_RANGE)
    return MaintenancePlan.objects.create(
        merchant=actor.merchant,
        customer=customer,
        segment=segment,
        methods=methods,
        measures=measures[:2000],
        owner_id=owner_id,
        cost=cost,
        proposed_by=actor.user,
    )


PLAN_TASKS_MAX = 500  # a segment plan gives its owner at most this many tasks at once


def _plan(actor: StaffContext, plan_id: int, status: str):
    found = (
        MaintenancePlan.objects.select_for_update()
        .filter(pk=plan_id, merchant=actor.merchant)
        .first()
    )
    if found is None:
        raise NotFound()
    if found.status != status:
        raise DomainError(_("The plan is not at that step."), code=Problem.WRONG_STATE)
    return found


@transaction.atomic
def decide_plan(*, actor: StaffContext, plan_id: int, approve: bool):
    """A manager approves the plan (or not); approved, it is carried out by its owner."""
    actor.require(Action.ASSIGN_CUSTOMERS)
    plan = _plan(actor, plan_id, PlanStatus.PROPOSED)
    plan.status = PlanStatus.APPROVED if approve else PlanStatus.REJECTED
    plan.decided_by, plan.decided_at = actor.user, clock.now()
    plan.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:  # one task per customer the plan covers (a segment: its members now)
        covered = (
            [plan.customer]
            if plan.customer_id
            else list(segment_members(plan.segment)[:PLAN_TASKS_MAX])
            if plan.segment_id
            else []
        )
        Task.objects.bulk_create(
            Task(
                merchant=actor.merchant,
                customer=customer,
                assignee=plan.owner,
                kind=TaskKind.VISIT,
                title=_("Carry out the plan for %(customer)s: %(methods)s")
                % {"customer": customer, "methods": plan.methods},
                due_at=clock.now() + dt.timedelta(days=7),
                created_by=actor.user,
            )
            for customer in covered
        )
    return plan


@transaction.atomic
def close_plan(*, actor: StaffContext, plan_id: int, summary: str):
    """The summary closes the cycle; the next evaluation starts from it."""
    actor.require(Action.EDIT_CUSTOMERS)
    plan = _plan(actor, plan_id, PlanStatus.APPROVED)
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_("Write the summary."), field="summary", code=Problem.REQUIRED)
    plan.status, plan.summary, plan.closed_at = PlanStatus.CLOSED, summary[:2000], clock.now()
    plan.save(update_fields=["status", "summary", "closed_at"])
    return plan
