"""Reads for the customer directory: search, one customer's timeline, export rows."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _lazy

from regulars.core import clock
from regulars.core.errors import NotFound
from regulars.customers.models import Customer
from regulars.merchants.permissions import Action, StaffContext

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
    older than `before`. Each source is read newest first and cut at `limit`, so the merge is
    exact whatever the sources' own orderings (an event at exactly `before` falls between
    pages: times carry microseconds, so only simultaneous events of one customer could)."""
    from django.utils.translation import gettext as _

    def newest(rows, at):
        rows = rows.alias(timeline_at=F(at) if isinstance(at, str) else at).filter(
            timeline_at__isnull=False
        )
        if before is not None:
            rows = rows.filter(timeline_at__lt=before)
        return rows.order_by("-timeline_at", "-id")[:limit]

    events = [
        Event(
            change.at,
            "level",
            _("Now %(level)s") % {"level": change.after.name}
            if change.after
            else _("Left the value levels"),
        )
        for change in newest(customer.level_changes.select_related("after"), "at")
    ]
    for task in newest(customer.tasks.filter(status="done").select_related("assignee"), "done_at"):
        rating = f" · {'★' * task.satisfaction}" if task.satisfaction else ""
        events.append(
            Event(
                task.done_at,
                "task",
                f"{task.get_kind_display()} ({task.assignee}): {task.outcome[:80]}{rating}",
            )
        )
    for evaluation in newest(customer.evaluations.select_related("by"), "at"):
        events.append(
            Event(
                evaluation.at,
                "evaluation",
                f"{evaluation.grade} ({evaluation.total}/100) · "
                f"{evaluation.get_decision_display()} · {evaluation.by or ''}",
            )
        )
    for plan in newest(customer.plans.all(), Coalesce("closed_at", "decided_at", "created_at")):
        events.append(
            Event(
                plan.closed_at or plan.decided_at or plan.created_at,
                "plan",
                f"{plan.methods} · {plan.get_status_display()}"
                + (f" · {plan.summary[:80]}" if plan.summary else ""),
            )
        )
    for invited in newest(customer.invitations.select_related("event"), "event__starts_at"):
        came = (
            (_("came") if invited.attended else _("did not come"))
            if (invited.event.starts_at < clock.now())
            else invited.get_rsvp_display()
        )
        gift = f" · {invited.event.gift}" if invited.gift_given and invited.event.gift else ""
        events.append(
            Event(
                invited.event.starts_at,
                "event",
                f"{invited.event.theme} ({invited.event.place}) · {came}{gift}",
            )
        )
    for promised in newest(
        customer.commitments.select_related("promised_by"), Coalesce("settled_at", "created_at")
    ):
        events.append(
            Event(
                promised.settled_at or promised.created_at,
                "commitment",
                f"{promised.promise} ({promised.promised_by}, {promised.due_on:%Y-%m-%d})"
                f" · {promised.get_status_display()}"
                + (f" · {promised.outcome}" if promised.outcome else ""),
            )
        )
    for ticket in newest(customer.tickets.all(), "opened_at"):
        events.append(
            Event(
                ticket.opened_at,
                "ticket",
                f"{ticket.number} {ticket.subject} · {ticket.get_stage_display()}"
                + (f" · {ticket.resolution[:60]}" if ticket.resolution else ""),
            )
        )
    for change in newest(customer.ownership_changes.select_related("before", "after"), "at"):
        events.append(
            Event(
                change.at,
                "owner",
                _("%(before)s → %(after)s")
                % {"before": change.before or "—", "after": change.after or "—"}
                + (f" · {change.reason}" if change.reason else ""),
            )
        )
    if customer.consumer_id is not None:
        events += _consumer_events(customer, newest)
    return sorted(events, key=lambda event: event.at, reverse=True)[:limit]


def _consumer_events(customer: Customer, newest) -> list[Event]:
    """What the customer did as a consumer of this merchant: orders, bookings, visits at the
    till, coupons, messages, reviews (read with timeline's `newest`)."""
    from django.utils.translation import gettext as _

    from regulars.membership.models import Purchase
    from regulars.notifications.models import InboxMessage
    from regulars.orders.models import Order, Reservation
    from regulars.promotions.models import Coupon, Redemption
    from regulars.reviews.models import Review

    events = []
    person, merchant = customer.consumer_id, customer.merchant_id
    orders = Order.objects.filter(merchant_id=merchant, consumer_id=person)
    for order in newest(orders.prefetch_related("lines"), "created_at"):
        names = ", ".join(line.name for line in order.lines.all())
        events.append(
            Event(
                order.created_at,
                "order",
                f"{names} · {order.get_status_display()}",
                order.amount_due,
            )
        )
    bookings = Reservation.objects.filter(merchant_id=merchant, consumer_id=person)
    for booking in newest(bookings.select_related("item"), "created_at"):
        events.append(
            Event(
                booking.created_at,
                "reservation",
                _("Booked %(item)s for %(at)s · %(status)s")
                % {
                    "item": booking.item.name,
                    "at": f"{booking.starts_at:%Y-%m-%d %H:%M}",
                    "status": booking.get_status_display(),
                },
            )
        )
    for purchase in newest(
        Purchase.objects.filter(merchant_id=merchant, card__consumer_id=person, order__isnull=True),
        "created_at",
    ):
        events.append(
            Event(
                purchase.created_at,
                "visit",
                purchase.description or _("At the till"),
                purchase.amount,
            )
        )
    coupons = Coupon.objects.filter(merchant_id=merchant, consumer_id=person)
    events += [
        Event(got.claimed_at, "coupon", _("Got coupon “%(name)s”") % {"name": got.campaign.name})
        for got in newest(coupons.select_related("campaign"), "claimed_at")
    ]
    redemptions = Redemption.objects.filter(merchant_id=merchant, consumer_id=person)
    events += [
        Event(
            used.created_at,
            "coupon",
            _("Used coupon “%(name)s”") % {"name": used.campaign.name},
            -used.discount,
        )
        for used in newest(redemptions.select_related("campaign"), "created_at")
    ]
    messages = InboxMessage.objects.filter(merchant_id=merchant, user_id=person)
    for message in newest(messages, "created_at"):
        read = _("read") if message.read_at else _("not read yet")
        events.append(Event(message.created_at, "message", f"{message.title} · {read}"))
    for review in newest(
        Review.objects.filter(merchant_id=merchant, author_id=person), "created_at"
    ):
        events.append(
            Event(review.created_at, "review", f"{'★' * review.stars} {review.text[:60]}")
        )
    return events


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
