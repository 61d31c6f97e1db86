"""Writes for the service desk."""

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock, codes
from regulars.core.errors import DomainError, NotFound
from regulars.customers.models import Customer, Source
from regulars.customers.services import customer_for
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.models import Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications import services as notifications
from regulars.orders.models import Order
from regulars.servicedesk.errors import Problem

from ..events import complaint_answered, follow_up_call_recorded
from ..models import (
    ESCALATION_LEVELS,
    Ticket,
    TicketCategory,
    TicketChannel,
    TicketEvent,
    TicketStage,
)
from ..selectors import desk_settings_of

# Seed 004's stages with their default limits in business hours (the merchant may change them).
STAGE_HOURS = {
    "receive": 1,
    "verify": 4,
    "register": 1,
    "transfer": 2,
    "coordinate": 8,
    "handle": 24,
    "feedback": 4,
}
PUBLIC_ANSWER = dt.timedelta(hours=24)  # seed 003: a public complaint is answered within a day


def add_business_hours(start: dt.datetime, hours: float, opens: dt.time, closes: dt.time):
    """`start` plus `hours` counted only while the desk is open (every day, opens–closes)."""
    local = timezone.localtime(start)
    left = dt.timedelta(hours=hours)
    zone = local.tzinfo
    for _day in range(3660):
        opening = dt.datetime.combine(local.date(), opens, tzinfo=zone)
        closing = dt.datetime.combine(local.date(), closes, tzinfo=zone)
        if local < opening:
            local = opening
        if local >= closing:
            local = dt.datetime.combine(local.date() + dt.timedelta(days=1), opens, tzinfo=zone)
            continue
        if local + left <= closing:
            return local + left
        left -= closing - local
        local = dt.datetime.combine(local.date() + dt.timedelta(days=1), opens, tzinfo=zone)
    raise ValueError("the desk never opens")


def _stage_due(ticket, start: dt.datetime) -> dt.datetime:
    desk = desk_settings_of(ticket.merchant)
    hours = {**STAGE_HOURS, **(desk.stage_hours or {})}.get(ticket.stage, 8)
    due = add_business_hours(start, hours, desk.opens, desk.closes)
    if ticket.channel == "public":
        due = min(due, ticket.opened_at + PUBLIC_ANSWER)
    return due


# Who is above whom: an escalation that finds nobody in its role goes to the next role up.
ROLES_UPWARD = ["manager", "owner"]


def _first_staff_of(merchant, roles) -> list:
    """The staff in `roles`, or — when a small shop has none of them — in the next role up that
    someone holds (a shop without a manager: the owner). Nobody is left untold."""
    found = merchant_selectors.staff_in_roles(merchant, roles)
    start = min(ROLES_UPWARD.index(role) for role in roles if role in ROLES_UPWARD)
    for role in ROLES_UPWARD[start + 1 :]:
        if found:
            break
        found = merchant_selectors.staff_in_roles(merchant, [role])
    return found


def open_ticket(
    *,
    merchant,
    channel: str,
    category: str,
    subject: str,
    description: str,
    consumer=None,
    actor: StaffContext | None = None,
    customer_id: int | None = None,
    order_id: int | None = None,
    store_id: int | None = None,
    now: dt.datetime | None = None,
):
    """A complaint from a consumer (store page, order) or taken by staff. Staff who take it
    own it; one a consumer raised is owned by whoever takes it first."""

    if actor is not None:
        actor.require(Action.VIEW_CUSTOMERS)
        merchant = actor.merchant
    now = now or clock.now()
    if channel not in TicketChannel.values:
        raise DomainError(
            _("Choose how the complaint came in."), field="channel", code=Problem.CHOICE_REQUIRED
        )
    if category not in TicketCategory.values:
        raise DomainError(_("Choose a category."), field="category", code=Problem.CHOICE_REQUIRED)
    subject, description = (subject or "").strip(), (description or "").strip()
    if not subject or len(subject) > 120:
        raise DomainError(
            _("Give it a subject of at most 120 characters."),
            field="subject",
            code=Problem.TOO_LONG,
        )
    if not description or len(description) > 2000:
        raise DomainError(
            _("Say what happened (at most 2,000 characters)."),
            field="description",
            code=Problem.TOO_LONG,
        )
    order = None
    if order_id:
        order = Order.objects.filter(pk=order_id, merchant=merchant)
        order = order.filter(consumer=consumer) if consumer is not None else order
        order = order.first()
        if order is None:
            raise DomainError(
                _("Choose one of the orders at this shop."),
                field="order_id",
                code=Problem.UNKNOWN_CHOICE,
            )
        store_id = order.store_id
    if store_id and not Store.objects.filter(pk=store_id, merchant=merchant).exists():
        raise DomainError(
            _("Choose one of the shop's stores."), field="store_id", code=Problem.UNKNOWN_CHOICE
        )
    customer = None
    if consumer is not None:
        customer = customer_for(merchant_id=merchant.pk, consumer=consumer, source=Source.COMPLAINT)
    elif customer_id:
        customer = Customer.objects.filter(pk=customer_id, merchant=merchant).first()
        if customer is None:
            raise DomainError(
                _("Choose one of your customers."), field="customer_id", code=Problem.UNKNOWN_CHOICE
            )
    taker = actor.user if actor is not None else None
    for _attempt in range(5):
        number = codes.new_code(10)
        if not Ticket.objects.filter(number=number).exists():
            break
    ticket = Ticket(
        merchant=merchant,
        number=number,
        customer=customer,
        raised_by=consumer,
        order=order,
        store_id=store_id,
        channel=channel,
        category=category,
        subject=subject,
        description=description,
        owner=taker,
        handler=taker,
        opened_at=now,
    )
    ticket.stage_due_at = _stage_due(ticket, now)
    ticket.save()
    TicketEvent.objects.create(ticket=ticket, at=now, by=taker, stage=ticket.stage, kind="open")
    notifications.notify_each(
        merchant_selectors.staff_in_roles(merchant, ["owner", "manager"]) if taker is None else [],
        title=_("New complaint %(number)s: %(subject)s")
        % {"number": ticket.number, "subject": subject},
        link=f"/console/tickets/{ticket.pk}/",
        key=f"ticket-open:{ticket.pk}",
    )
    return ticket


def ticket_for_update(actor: StaffContext, ticket_id: int, *, lock: bool = False):
    found = Ticket.objects.filter(pk=ticket_id, merchant=actor.merchant)
    found = (found.select_for_update() if lock else found).first()
    if found is None:
        raise NotFound()
    return found


def take_ticket(*, actor: StaffContext, ticket_id: int):
    """The first to take a complaint owns it until it is closed (首问负责)."""
    actor.require(Action.VIEW_CUSTOMERS)
    with transaction.atomic():
        ticket = ticket_for_update(actor, ticket_id, lock=True)
        if ticket.stage == TicketStage.CLOSED:
            raise DomainError(_("This complaint is closed."), code=Problem.WRONG_STATE)
        if ticket.owner_id:
            raise DomainError(
                _("%(name)s already owns this complaint.") % {"name": ticket.owner},
                code=Problem.WRONG_STATE,
            )
        ticket.owner = ticket.handler = actor.user
        ticket.save(update_fields=["owner", "handler"])
        TicketEvent.objects.create(ticket=ticket, by=actor.user, stage=ticket.stage, kind="take")
    return ticket


def _stage_done(ticket, actor, note: str, now: dt.datetime) -> None:
    """The history line of a stage finished: by whom, what was done, and whether in time."""
    TicketEvent.objects.create(
        ticket=ticket,
        at=now,
        by=actor.user,
        stage=ticket.stage,
        kind="stage",
        note=(note or "").strip()[:2000],
        on_time=now <= ticket.stage_due_at,
    )


def call_result(satisfaction: int | None, no_score_reason: str) -> tuple[int | None, str]:
    """Seed 004: a complaint's file ends with how satisfied the customer was after the follow-up
    call — a score from 1 to 5, or the reason none could be had (never neither)."""
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise DomainError(
            _("A rating from 1 to 5."), field="satisfaction", code=Problem.OUT_OF_RANGE
        )
    no_score_reason = (no_score_reason or "").strip()[:200]
    if satisfaction is None and not no_score_reason:
        raise DomainError(
            _("Record the customer's satisfaction, or why none could be had."),
            field="satisfaction",
            code=Problem.SATISFACTION_REQUIRED,
        )
    return satisfaction, "" if satisfaction is not None else no_score_reason


def record_follow_up_call(actor, ticket, *, satisfaction, no_score_reason, note, now) -> None:
    """The follow-up call's result lands on the complaint; a complaint waiting for it (answered,
    stage "feedback") closes with it. Nothing else closes a complaint."""
    if ticket.stage == TicketStage.FEEDBACK:
        if actor.user.pk != ticket.owner_id:
            actor.require(Action.ASSIGN_CUSTOMERS)
        _stage_done(ticket, actor, note, now)
        ticket.stage, ticket.closed_at = TicketStage.CLOSED, now
    elif ticket.stage != TicketStage.CLOSED or ticket.satisfaction or ticket.no_score_reason:
        raise DomainError(
            _("This complaint is not waiting for its follow-up call."), code=Problem.WRONG_STATE
        )
    ticket.satisfaction, ticket.no_score_reason = satisfaction, no_score_reason
    ticket.save(update_fields=["stage", "closed_at", "satisfaction", "no_score_reason"])
    result = (
        _("Satisfaction %(score)s/5") % {"score": satisfaction}
        if satisfaction is not None
        else f"{_('No satisfaction score')}: {no_score_reason}"
    )
    TicketEvent.objects.create(
        ticket=ticket,
        at=now,
        by=actor.user,
        stage=TicketStage.CLOSED,
        kind="follow_up",
        note=f"{note} · {result}"[:2000] if note else result,
    )
    # A call recorded on the complaint itself also settles the call task planned for it.
    follow_up_call_recorded.send(
        sender=Ticket, ticket=ticket, note=note[:2000] or result, satisfaction=satisfaction, at=now
    )


def advance_ticket(
    *,
    actor: StaffContext,
    ticket_id: int,
    note: str = "",
    handler_id: int | None = None,
    resolution: str = "",
    satisfaction: int | None = None,
    no_score_reason: str = "",
    now: dt.datetime | None = None,
):
    """Move the complaint to its next stage, noting what was done. Moving to "transferred"
    may hand it to a colleague. Answering the customer (into "feedback") takes the answer and
    plans the follow-up call; closing takes the call's result — the customer's satisfaction or
    why none could be had. Both are the owner's (or a manager's) to do."""
    actor.require(Action.VIEW_CUSTOMERS)
    now = now or clock.now()
    order = list(TicketStage.values)
    with transaction.atomic():
        ticket = ticket_for_update(actor, ticket_id, lock=True)
        if ticket.stage == TicketStage.CLOSED:
            raise DomainError(_("This complaint is closed."), code=Problem.WRONG_STATE)
        if not ticket.owner_id:
            raise DomainError(_("Take the complaint first."), code=Problem.WRONG_STATE)
        if actor.user.pk not in (ticket.owner_id, ticket.handler_id):
            actor.require(Action.ASSIGN_CUSTOMERS)
        following = order[order.index(ticket.stage) + 1]
        if following in (TicketStage.FEEDBACK, TicketStage.CLOSED):
            if actor.user.pk != ticket.owner_id:
                actor.require(Action.ASSIGN_CUSTOMERS)
            resolution = (resolution or "").strip()
            if following == TicketStage.FEEDBACK or (resolution or not ticket.resolution):
                if not resolution:
                    raise DomainError(
                        _("Write the answer the customer gets."),
                        field="resolution",
                        code=Problem.REQUIRED,
                    )
                ticket.resolution = resolution[:2000]
        if following == TicketStage.CLOSED:
            satisfaction, no_score_reason = call_result(satisfaction, no_score_reason)
            ticket.save(update_fields=["resolution"])
            record_follow_up_call(
                actor,
                ticket,
                satisfaction=satisfaction,
                no_score_reason=no_score_reason,
                note=(note or "").strip(),
                now=now,
            )
            return ticket
        if handler_id:
            if handler_id not in merchant_selectors.active_staff_ids(actor.merchant):
                raise DomainError(
                    _("Choose an active member of your staff."),
                    field="handler_id",
                    code=Problem.UNKNOWN_CHOICE,
                )
            ticket.handler_id = handler_id
        _stage_done(ticket, actor, note, now)
        ticket.stage = following
        ticket.stage_due_at = _stage_due(ticket, now)
        ticket.save()
        if following == TicketStage.FEEDBACK:
            complaint_answered.send(sender=Ticket, ticket=ticket, by=actor.user)
            if ticket.raised_by_id:
                notifications.notify_each(
                    [ticket.raised_by],
                    title=_("Your complaint %(number)s: %(answer)s")
                    % {"number": ticket.number, "answer": ticket.resolution[:80]},
                    link=f"/me/complaints/{ticket.pk}/",
                    key=f"ticket-closed:{ticket.pk}",
                )
    return ticket


def escalate_overdue_tickets(*, now: dt.datetime | None = None) -> int:
    """Periodic: a complaint past its stage's limit goes one level up (agent → supervisor →
    manager → owner), who is told; the stage gets a fresh limit from now."""
    now = now or clock.now()
    recipients = {1: ["manager"], 2: ["manager", "owner"], 3: ["owner"]}
    moved = 0
    for ticket in Ticket.objects.filter(stage_due_at__lt=now).exclude(stage=TicketStage.CLOSED)[
        :1000
    ]:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if ticket.stage == TicketStage.CLOSED or ticket.stage_due_at >= now:
                continue
            level = min(ticket.escalation + 1, len(ESCALATION_LEVELS) - 1)
            ticket.escalation = level
            ticket.stage_due_at = _stage_due(ticket, now)
            ticket.save(update_fields=["escalation", "stage_due_at"])
            TicketEvent.objects.create(
                ticket=ticket,
                at=now,
                stage=ticket.stage,
                kind="escalate",
                note=str(ESCALATION_LEVELS[level]),
            )
            notifications.notify_each(
                _first_staff_of(ticket.merchant, recipients[level]),
                title=_("Overdue complaint %(number)s (%(stage)s): escalated to you")
                % {"number": ticket.number, "stage": ticket.get_stage_display()},
                link=f"/console/tickets/{ticket.pk}/",
                key=f"ticket-escalated:{ticket.pk}:{level}:{now:%Y%m%d%H%M}",
            )
            moved += 1
    return moved
