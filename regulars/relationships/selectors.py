"""Reads for the customer directory: search, one customer's timeline, export rows."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regulars.core import clock
from regulars.core.errors import NotFound
from regulars.customers.models import Customer
from regulars.merchants.permissions import Action, StaffContext

from . import statements

KIND_LABELS = {
    "order": _lazy("Online order"),
    "reservation": _lazy("Reservation"),
    "visit": _lazy("At the till"),
    "coupon": _lazy("Coupon"),
    "review": _lazy("Review"),
    "level": _lazy("Value level"),
    "message": _lazy("Message"),
    "task": _lazy("Task"),
    "owner": _lazy("Account manager"),
    "ticket": _lazy("Complaint"),
    "commitment": _lazy("Commitment"),
    "event": _lazy("Event"),
    "evaluation": _lazy("Relationship evaluation"),
    "plan": _lazy("Maintenance plan"),
}


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    kind: str
    what: str
    amount: Decimal | None = None

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.kind, self.kind))


TIMELINE_PAGE = 30  # events a customer file shows at a time; "Show earlier" asks for the next


def timeline(
    customer: Customer, limit: int = 100, before: dt.datetime | None = None
) -> list[Event]:
    """Everything this customer did with the merchant, newest first: the `limit` latest events
    older than `before` (an event at exactly `before` falls between pages: times carry
    microseconds, so only simultaneous events of one customer could). One statement finds which
    rows make the page (statements.timeline_page); then each source that appears is read by
    primary key and described."""
    page = statements.timeline_page(
        merchant_id=customer.merchant_id,
        customer_id=customer.pk,
        consumer_id=customer.consumer_id,
        limit=limit,
        before=before,
    )
    wanted: dict[str, list[int]] = {}
    for source, row_id in page:
        wanted.setdefault(source, []).append(row_id)
    sources = _timeline_sources()
    described = {}
    for source, ids in wanted.items():
        rows, merchant_field, describe = sources[source]
        for row in rows.filter(pk__in=ids, **{merchant_field: customer.merchant_id}):
            described[(source, row.pk)] = describe(row)
    return [described[key] for key in page if key in described]


def _timeline_sources() -> dict:
    """statements.timeline_page's sources: (the rows to read by primary key, the field that
    names their merchant, how one row is described). A source added to the statement must be
    added here, and the other way round."""
    from regulars.customers.models import LevelChange
    from regulars.membership.models import Purchase
    from regulars.notifications.models import InboxMessage
    from regulars.orders.models import Order, Reservation
    from regulars.promotions.models import Coupon, Redemption
    from regulars.reviews.models import Review
    from regulars.servicedesk.models import Ticket

    from .models import Commitment, Evaluation, Invitation, MaintenancePlan, OwnershipChange, Task

    return {
        "level": (LevelChange.objects.select_related("after"), "merchant_id", _level_event),
        "task": (Task.objects.select_related("assignee"), "merchant_id", _task_event),
        "evaluation": (Evaluation.objects.select_related("by"), "merchant_id", _evaluation_event),
        "plan": (MaintenancePlan.objects.all(), "merchant_id", _plan_event),
        "event": (Invitation.objects.select_related("event"), "event__merchant_id", _event_event),
        "commitment": (
            Commitment.objects.select_related("promised_by"),
            "merchant_id",
            _commitment_event,
        ),
        "ticket": (Ticket.objects.all(), "merchant_id", _ticket_event),
        "owner": (
            OwnershipChange.objects.select_related("before", "after"),
            "merchant_id",
            _owner_event,
        ),
        "order": (Order.objects.prefetch_related("lines"), "merchant_id", _order_event),
        "reservation": (
            Reservation.objects.select_related("item"),
            "merchant_id",
            _reservation_event,
        ),
        "visit": (Purchase.objects.all(), "merchant_id", _visit_event),
        "coupon": (Coupon.objects.select_related("campaign"), "merchant_id", _coupon_event),
        "redemption": (
            Redemption.objects.select_related("campaign"),
            "merchant_id",
            _redemption_event,
        ),
        "message": (InboxMessage.objects.all(), "merchant_id", _message_event),
        "review": (Review.objects.all(), "merchant_id", _review_event),
    }


def _level_event(change) -> Event:
    if change.after is None:
        return Event(change.at, "level", _("Left the value levels"))
    return Event(change.at, "level", _("Now %(level)s") % {"level": change.after.name})


def _task_event(task) -> Event:
    rating = f" · {'★' * task.satisfaction}" if task.satisfaction else ""
    return Event(
        task.done_at,
        "task",
        f"{task.get_kind_display()} ({task.assignee}): {task.outcome[:80]}{rating}",
    )


def _evaluation_event(evaluation) -> Event:
    return Event(
        evaluation.at,
        "evaluation",
        f"{evaluation.grade} ({evaluation.total}/100) · "
        f"{evaluation.get_decision_display()} · {evaluation.by or ''}",
    )


def _plan_event(plan) -> Event:
    summary = f" · {plan.summary[:80]}" if plan.summary else ""
    return Event(
        plan.closed_at or plan.decided_at or plan.created_at,
        "plan",
        f"{plan.methods} · {plan.get_status_display()}{summary}",
    )


def _event_event(invited) -> Event:
    event = invited.event
    if event.starts_at < clock.now():
        came = _("came") if invited.attended else _("did not come")
    else:
        came = invited.get_rsvp_display()
    gift = f" · {event.gift}" if invited.gift_given and event.gift else ""
    return Event(event.starts_at, "event", f"{event.theme} ({event.place}) · {came}{gift}")


def _commitment_event(promised) -> Event:
    outcome = f" · {promised.outcome}" if promised.outcome else ""
    return Event(
        promised.settled_at or promised.created_at,
        "commitment",
        f"{promised.promise} ({promised.promised_by}, {promised.due_on:%Y-%m-%d})"
        f" · {promised.get_status_display()}{outcome}",
    )


def _ticket_event(ticket) -> Event:
    resolution = f" · {ticket.resolution[:60]}" if ticket.resolution else ""
    return Event(
        ticket.opened_at,
        "ticket",
        f"{ticket.number} {ticket.subject} · {ticket.get_stage_display()}{resolution}",
    )


def _owner_event(change) -> Event:
    reason = f" · {change.reason}" if change.reason else ""
    moved = _("%(before)s → %(after)s") % {
        "before": change.before or "—",
        "after": change.after or "—",
    }
    return Event(change.at, "owner", moved + reason)


def _order_event(order) -> Event:
    names = ", ".join(line.name for line in order.lines.all())
    return Event(
        order.created_at, "order", f"{names} · {order.get_status_display()}", order.amount_due
    )


def _reservation_event(booking) -> Event:
    what = _("Booked %(item)s for %(at)s · %(status)s") % {
        "item": booking.item.name,
        "at": f"{booking.starts_at:%Y-%m-%d %H:%M}",
        "status": booking.get_status_display(),
    }
    return Event(booking.created_at, "reservation", what)


def _visit_event(purchase) -> Event:
    return Event(
        purchase.created_at, "visit", purchase.description or _("At the till"), purchase.amount
    )


def _coupon_event(got) -> Event:
    return Event(got.claimed_at, "coupon", _("Got coupon “%(name)s”") % {"name": got.campaign.name})


def _redemption_event(used) -> Event:
    return Event(
        used.created_at,
        "coupon",
        _("Used coupon “%(name)s”") % {"name": used.campaign.name},
        -used.discount,
    )


def _message_event(message) -> Event:
    read = _("read") if message.read_at else _("not read yet")
    return Event(message.created_at, "message", f"{message.title} · {read}")


def _review_event(review) -> Event:
    return Event(review.created_at, "review", f"{'★' * review.stars} {review.text[:60]}")


def tasks(actor: StaffContext, *, assignee_id: int | None = None, status: str = "open") -> list:
    """Tasks to show: the staff member's own; managers may look at anyone's (0: everyone's)."""
    from .models import Task

    found = Task.objects.filter(merchant=actor.merchant).select_related("customer", "assignee")
    if not actor.can(Action.ASSIGN_CUSTOMERS) or assignee_id is None:
        assignee_id = actor.user.pk
    if assignee_id:
        found = found.filter(assignee_id=assignee_id)
    if status:
        found = found.filter(status=status)
    found = list(found.order_by("due_at", "id")[:500] if status == "open" else found[:500])
    _attach_items(found)
    return found


def task_items(task) -> list[str]:
    """The services of the visit a follow-up call is about (each scored on its own)."""
    if not task.order_id:
        return []
    from regulars.orders.models import OrderLine

    return list(
        dict.fromkeys(
            OrderLine.objects.filter(order_id=task.order_id).values_list("name", flat=True)
        )
    )


def _attach_items(tasks_found: list) -> None:
    """Each task's `items` (services to score), in one query for the whole list."""
    from collections import defaultdict

    from regulars.orders.models import OrderLine

    orders = {task.order_id for task in tasks_found if task.order_id}
    names = defaultdict(list)
    for order_id, name in OrderLine.objects.filter(order_id__in=orders).values_list(
        "order_id", "name"
    ):
        if name not in names[order_id]:
            names[order_id].append(name)
    for task in tasks_found:
        task.items = names.get(task.order_id, [])


def customer_tasks(customer: Customer) -> list:
    return list(customer.tasks.select_related("assignee").order_by("status", "due_at")[:50])


def portfolio(merchant) -> list:
    """Each active staff member with how many customers they look after."""
    from django.db.models import Count

    from regulars.merchants.models import StaffMember

    counts = dict(
        Customer.objects.filter(merchant=merchant, account_manager__isnull=False)
        .values_list("account_manager")
        .annotate(n=Count("id"))
    )
    return [
        (member, counts.get(member.user_id, 0))
        for member in StaffMember.objects.filter(merchant=merchant, is_active=True)
        .select_related("user")
        .order_by("created_at", "id")
    ]


def events_of(merchant) -> list:
    from django.db.models import Count

    from .models import CustomerEvent

    return list(
        CustomerEvent.objects.filter(merchant=merchant).annotate(
            invited=Count("invitations"),
            coming=Count("invitations", filter=Q(invitations__rsvp="yes")),
            came=Count("invitations", filter=Q(invitations__attended=True)),
        )[:100]
    )


def event_of(merchant, event_id: int):
    from .models import CustomerEvent

    found = CustomerEvent.objects.filter(pk=event_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


def invitations_of(event) -> list:
    return list(event.invitations.select_related("customer"))


def my_invitation(consumer, invitation_id: int):
    from .models import Invitation

    found = (
        Invitation.objects.filter(pk=invitation_id, customer__consumer=consumer)
        .select_related("event", "event__merchant")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def plan_of(merchant, plan_id: int):
    from .models import MaintenancePlan

    found = MaintenancePlan.objects.filter(pk=plan_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


def relationship_of(customer: Customer) -> dict:
    return {
        "evaluation": customer.evaluations.select_related("by").first(),
        "plans": list(customer.plans.select_related("owner", "decided_by")[:20]),
    }


def plans_of(merchant) -> list:
    from django.db.models import Case, IntegerField, Value, When

    from .models import MaintenancePlan

    return list(
        MaintenancePlan.objects.filter(merchant=merchant)
        .select_related("customer", "segment", "owner", "decided_by")
        .annotate(
            waiting=Case(
                When(status="proposed", then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-created_at")[:200]
    )
