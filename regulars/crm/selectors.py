"""Reads for the customer directory: search, one customer's timeline, export rows."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _lazy

from regulars.core import clock
from regulars.core.errors import NotFound
from regulars.core.phones import display_phone, masked_phone, normalize_phone
from regulars.merchants.permissions import Action, StaffContext

from . import behaviour
from .models import Customer, RiskFlag, Tag

SORTS = {
    "recent": ("-last_seen_at", "-id"),
    "spend": ("-spend", "-id"),
    "visits": ("-visits", "-id"),
    "name": ("name", "id"),
}


@dataclass(frozen=True)
class Filters:
    q: str = ""
    tag: str = ""
    source: str = ""
    min_spend: Decimal | None = None
    min_visits: int | None = None
    seen_after: dt.date | None = None
    seen_before: dt.date | None = None
    manager_id: int | None = None
    silent_days: int | None = None  # no visit for at least this many days
    tier_id: int | None = None  # holds a member card of this tier
    rfm_segment: str = ""
    churn_risk: bool | None = None
    value_level_id: int | None = None
    quadrant: str = ""  # a cell of the value × influence or satisfaction × loyalty matrix
    at_risk: bool | None = None  # on the risk list
    sort: str = "recent"
    # Staff with the contact right find a phone by any part of it; others only by the whole
    # number (typing a prefix digit by digit would otherwise unmask it).
    partial_phone: bool = False

    def __post_init__(self):
        if self.quadrant and self.quadrant not in behaviour.QUADRANT_KEYS:
            raise ValueError(f"unknown matrix cell {self.quadrant!r}")

    @classmethod
    def from_rules(cls, rules: dict) -> "Filters":
        """A saved segment's rules (JSON) back into criteria."""
        known = {f: rules[f] for f in cls.__dataclass_fields__ if rules.get(f) not in (None, "")}
        for name in ("seen_after", "seen_before"):
            if name in known:
                known[name] = dt.date.fromisoformat(known[name])
        if "min_spend" in known:
            known["min_spend"] = Decimal(str(known["min_spend"]))
        return cls(**known)

    def to_rules(self) -> dict:
        rules = {}
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if value in (None, "") or (name == "sort" and value == "recent"):
                continue
            if name == "partial_phone":  # the searcher's right, not a rule of the segment
                continue
            rules[name] = (
                value.isoformat()
                if isinstance(value, dt.date)
                else (str(value) if isinstance(value, Decimal) else value)
            )
        return rules


def search(merchant, filters: Filters) -> QuerySet:
    """Multi-criteria search over the merchant's customers (every criterion optional)."""
    found = Customer.objects.filter(merchant=merchant).select_related(
        "account_manager", "value_level"
    )
    if filters.q:
        if filters.partial_phone:
            by_phone = Q(phone__contains=filters.q)
        else:
            whole = normalize_phone(filters.q)
            by_phone = Q(phone=whole) if whole else Q(pk__in=[])
        found = found.filter(
            Q(name__icontains=filters.q) | by_phone | Q(notes__icontains=filters.q)
        )
    if filters.tag:
        found = found.filter(tags__name=filters.tag)
    if filters.source:
        found = found.filter(source=filters.source)
    if filters.min_spend is not None:
        found = found.filter(spend__gte=filters.min_spend)
    if filters.min_visits is not None:
        found = found.filter(visits__gte=filters.min_visits)
    if filters.seen_after:
        found = found.filter(last_seen_at__date__gte=filters.seen_after)
    if filters.seen_before:
        found = found.filter(last_seen_at__date__lte=filters.seen_before)
    if filters.manager_id:
        found = found.filter(account_manager_id=filters.manager_id)
    if filters.silent_days is not None:
        since = clock.now() - dt.timedelta(days=filters.silent_days)
        found = found.filter(last_seen_at__lt=since)
    if filters.rfm_segment:
        found = found.filter(rfm_segment=filters.rfm_segment)
    if filters.churn_risk is not None:
        found = found.filter(churn_risk=filters.churn_risk)
    if filters.value_level_id:
        found = found.filter(value_level_id=filters.value_level_id)
    if filters.at_risk is not None:
        flagged = Exists(
            RiskFlag.objects.filter(customer_id=OuterRef("pk"), cleared_at__isnull=True)
        )
        found = found.filter(flagged if filters.at_risk else ~flagged)
    if filters.quadrant:
        conditions = behaviour.quadrant_conditions(behaviour.settings_of(merchant))
        found = behaviour.with_influence(found).filter(conditions[filters.quadrant])
    if filters.tier_id:
        found = found.filter(
            consumer__cards__merchant=merchant, consumer__cards__tier_id=filters.tier_id
        )
    return found.prefetch_related("tags").order_by(*SORTS.get(filters.sort, SORTS["recent"]))


def merchant_customer(merchant, customer_id: int) -> Customer:
    found = (
        Customer.objects.filter(pk=customer_id, merchant=merchant)
        .select_related("consumer", "account_manager", "value_level", "referred_by")
        .prefetch_related("tags")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def tags(merchant) -> list[Tag]:
    return list(Tag.objects.filter(merchant=merchant))


def contact(actor: StaffContext, customer: Customer) -> dict:
    """Phone and birthday as this staff member may see them (masked without the right role)."""
    if actor.can(Action.VIEW_CUSTOMER_CONTACT):
        return {
            "phone": display_phone(customer.phone),
            "birthday": f"{customer.birthday:%Y-%m-%d}" if customer.birthday else "",
            "masked": False,
        }
    return {
        "phone": masked_phone(customer.phone),
        "birthday": "**-**" if customer.birthday else "",
        "masked": True,
    }


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


def timeline(customer: Customer, limit: int = 100) -> list[Event]:
    """Everything this customer did with the merchant, newest first."""
    from django.utils.translation import gettext as _

    from regulars.membership.models import Purchase
    from regulars.notifications.models import InboxMessage
    from regulars.orders.models import Order, Reservation
    from regulars.promotions.models import Coupon, Redemption
    from regulars.reviews.models import Review

    events = [
        Event(
            change.at,
            "level",
            _("Now %(level)s") % {"level": change.after.name}
            if change.after
            else _("Left the value levels"),
        )
        for change in customer.level_changes.select_related("after")[:limit]
    ]
    for task in customer.tasks.filter(status="done").select_related("assignee")[:limit]:
        rating = f" · {'★' * task.satisfaction}" if task.satisfaction else ""
        events.append(
            Event(
                task.done_at,
                "task",
                f"{task.get_kind_display()} ({task.assignee}): {task.outcome[:80]}{rating}",
            )
        )
    for evaluation in customer.evaluations.select_related("by")[:limit]:
        events.append(
            Event(
                evaluation.at,
                "evaluation",
                f"{evaluation.grade} ({evaluation.total}/100) · "
                f"{evaluation.get_decision_display()} · {evaluation.by or ''}",
            )
        )
    for plan in customer.plans.all()[:limit]:
        events.append(
            Event(
                plan.closed_at or plan.decided_at or plan.created_at,
                "plan",
                f"{plan.methods} · {plan.get_status_display()}"
                + (f" · {plan.summary[:80]}" if plan.summary else ""),
            )
        )
    for invited in customer.invitations.select_related("event")[:limit]:
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
    for promised in customer.commitments.select_related("promised_by")[:limit]:
        events.append(
            Event(
                promised.settled_at or promised.created_at,
                "commitment",
                f"{promised.promise} ({promised.promised_by}, {promised.due_on:%Y-%m-%d})"
                f" · {promised.get_status_display()}"
                + (f" · {promised.outcome}" if promised.outcome else ""),
            )
        )
    for ticket in customer.tickets.all()[:limit]:
        events.append(
            Event(
                ticket.opened_at,
                "ticket",
                f"{ticket.number} {ticket.subject} · {ticket.get_stage_display()}"
                + (f" · {ticket.resolution[:60]}" if ticket.resolution else ""),
            )
        )
    for change in customer.ownership_changes.select_related("before", "after")[:limit]:
        events.append(
            Event(
                change.at,
                "owner",
                _("%(before)s → %(after)s")
                % {"before": change.before or "—", "after": change.after or "—"}
                + (f" · {change.reason}" if change.reason else ""),
            )
        )
    if customer.consumer_id is None:
        return events
    person, merchant = customer.consumer_id, customer.merchant_id
    for order in Order.objects.filter(merchant_id=merchant, consumer_id=person).prefetch_related(
        "lines"
    )[:limit]:
        names = ", ".join(line.name for line in order.lines.all())
        events.append(
            Event(
                order.created_at,
                "order",
                f"{names} · {order.get_status_display()}",
                order.amount_due,
            )
        )
    for booking in Reservation.objects.filter(
        merchant_id=merchant, consumer_id=person
    ).select_related("item")[:limit]:
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
    for purchase in Purchase.objects.filter(
        merchant_id=merchant, card__consumer_id=person, order__isnull=True
    )[:limit]:
        events.append(
            Event(
                purchase.created_at,
                "visit",
                purchase.description or _("At the till"),
                purchase.amount,
            )
        )
    for coupon in Coupon.objects.filter(merchant_id=merchant, consumer_id=person).select_related(
        "campaign"
    )[:limit]:
        if coupon.claimed_at:
            events.append(
                Event(
                    coupon.claimed_at,
                    "coupon",
                    _("Got coupon “%(name)s”") % {"name": coupon.campaign.name},
                )
            )
    for used in Redemption.objects.filter(merchant_id=merchant, consumer_id=person).select_related(
        "campaign"
    )[:limit]:
        events.append(
            Event(
                used.created_at,
                "coupon",
                _("Used coupon “%(name)s”") % {"name": used.campaign.name},
                -used.discount,
            )
        )
    for message in InboxMessage.objects.filter(merchant_id=merchant, user_id=person)[:limit]:
        read = _("read") if message.read_at else _("not read yet")
        events.append(Event(message.created_at, "message", f"{message.title} · {read}"))
    for review in Review.objects.filter(merchant_id=merchant, author_id=person)[:limit]:
        events.append(
            Event(review.created_at, "review", f"{'★' * review.stars} {review.text[:60]}")
        )
    return sorted(events, key=lambda event: event.at, reverse=True)[:limit]


@dataclass(frozen=True)
class Preview:
    headers: list
    rows: list  # (row number, cells, data, [(field, message)])
    valid: int  # customers the import will write (a phone repeated in the file counts once)
    invalid: int  # rows with a problem: not imported
    known: int  # phones already in the directory: those customers are updated
    merged: int = 0  # good rows merged into an earlier row with the same phone


def preview(job, sample: int = 20) -> Preview:
    """The file as the import will read it with its current mapping."""
    from . import imports

    headers, rows = imports.read_table(job.filename, bytes(job.content))
    checked = []
    for number, row in enumerate(rows, start=2):
        if len(checked) >= sample * 3:
            break
        data, problems = imports.clean_row(row, job.mapping)
        if len(checked) < sample or problems:
            checked.append((number, row, data, problems))
    # The counts come from the very function the import runs, over the whole file.
    _headers, rows = imports.read_table(job.filename, bytes(job.content))
    good, problems, merged = imports.checked_rows(rows, job.mapping)
    phones = [data["phone"] for _row, data in good]
    known = Customer.objects.filter(merchant_id=job.merchant_id, phone__in=phones).count()
    return Preview(
        headers=headers,
        rows=checked,
        valid=len(good),
        invalid=len({problem["row"] for problem in problems}),
        known=known,
        merged=merged,
    )


def imports_of(merchant, limit: int = 20) -> list:
    from .models import CustomerImport

    return list(CustomerImport.objects.filter(merchant=merchant).defer("content")[:limit])


def import_of(merchant, import_id: int):
    from .models import CustomerImport

    found = CustomerImport.objects.filter(pk=import_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


def segments(merchant) -> list:
    from .models import Segment

    found = list(Segment.objects.filter(merchant=merchant))
    for segment in found:
        segment.size = search(merchant, Filters.from_rules(segment.rules)).count()
    return found


def segment_of(merchant, segment_id: int):
    from .models import Segment

    found = Segment.objects.filter(pk=segment_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


def segment_members(segment) -> QuerySet:
    return search(segment.merchant, Filters.from_rules(segment.rules))


@dataclass(frozen=True)
class KeyAccounts:
    """The few customers who bring most of the revenue (the 80/20 of seed 004)."""

    customers: list  # the key accounts, biggest first
    key_count: int
    buyer_count: int
    key_revenue: Decimal
    total_revenue: Decimal
    pareto: list  # [(share of customers %, cumulative share of revenue %)] for the chart

    @property
    def customer_share(self) -> float:
        return round(100 * self.key_count / self.buyer_count, 1) if self.buyer_count else 0.0

    @property
    def revenue_share(self) -> float:
        if not self.total_revenue:
            return 0.0
        return round(float(100 * self.key_revenue / self.total_revenue), 1)


def key_accounts(merchant, share: Decimal = Decimal("0.8"), points: int = 20) -> KeyAccounts:
    """Customers, biggest spenders first, until their spend reaches `share` of the total."""
    spends = list(
        Customer.objects.filter(merchant=merchant, spend__gt=0)
        .order_by("-spend", "id")
        .values_list("id", "spend")
    )
    total = sum((spend for _id, spend in spends), Decimal("0"))
    running, key_ids = Decimal("0"), []
    for customer_id, spend in spends:
        if total and running >= total * share:
            break
        running += spend
        key_ids.append(customer_id)
    pareto, cumulative = [], Decimal("0")
    step = max(1, len(spends) // points)
    for index, (_id, spend) in enumerate(spends, start=1):
        cumulative += spend
        if index % step == 0 or index == len(spends):
            pareto.append(
                (round(100 * index / len(spends), 1), round(float(100 * cumulative / total), 1))
            )
    found = Customer.objects.filter(pk__in=key_ids).select_related("account_manager")
    return KeyAccounts(
        customers=sorted(found, key=lambda c: (-c.spend, c.pk)),
        key_count=len(key_ids),
        buyer_count=len(spends),
        key_revenue=running,
        total_revenue=total,
        pareto=pareto,
    )


def value_levels(merchant) -> list:
    from .models import ValueLevel

    return list(ValueLevel.objects.filter(merchant=merchant))


def ladder(merchant) -> list:
    """Each value level with how many customers hold it, lowest first."""
    from django.db.models import Count

    from .models import ValueLevel

    return list(ValueLevel.objects.filter(merchant=merchant).annotate(holders=Count("customers")))


def quadrants_of(customer: Customer) -> list:
    """The matrix cells this customer sits in (one per matrix), in one query."""
    from django.db.models import Count

    conditions = behaviour.quadrant_conditions(behaviour.settings_of(customer.merchant))
    inside = behaviour.with_influence(Customer.objects.filter(pk=customer.pk)).aggregate(
        **{key: Count("id", filter=condition) for key, condition in conditions.items()}
    )
    return [
        next(quadrant for quadrant in quadrants if inside[quadrant.key])
        for quadrants in (behaviour.VALUE_QUADRANTS, behaviour.LOYALTY_QUADRANTS)
    ]


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

    from regulars.merchants.models import Membership

    counts = dict(
        Customer.objects.filter(merchant=merchant, account_manager__isnull=False)
        .values_list("account_manager")
        .annotate(n=Count("id"))
    )
    return [
        (member, counts.get(member.user_id, 0))
        for member in Membership.objects.filter(merchant=merchant, is_active=True)
        .select_related("user")
        .order_by("created_at", "id")
    ]


def risk_flag_of(customer: Customer):
    return customer.risk_flags.filter(cleared_at__isnull=True).select_related("flagged_by").first()


def flagged_ids(merchant, customer_ids) -> set[int]:
    return set(
        RiskFlag.objects.filter(
            merchant=merchant, customer_id__in=customer_ids, cleared_at__isnull=True
        ).values_list("customer_id", flat=True)
    )


@dataclass(frozen=True)
class Reach:
    customers: int
    in_app: int  # have an account: the inbox, push and SMS reach them
    excluded: int  # on the risk list


def reach(merchant, customers) -> Reach:
    from regulars.notifications import targeting

    people = list(customers.values_list("consumer_id", flat=True)[:100000])
    excluded = targeting.excluded_ids(merchant.pk)
    in_app = [person for person in people if person]
    return Reach(
        customers=len(people),
        in_app=len([p for p in in_app if p not in excluded]),
        excluded=len([p for p in in_app if p in excluded]),
    )


def outreach_of(merchant, limit: int = 100) -> list:
    from .models import Outreach

    return list(
        Outreach.objects.filter(merchant=merchant).select_related(
            "broadcast", "campaign", "created_by"
        )[:limit]
    )


# ---- the service desk -------------------------------------------------------------------------


def tickets(actor: StaffContext, *, view: str = "open") -> list:
    """open: every complaint not closed, most urgent first; mine: those I own or handle;
    closed: the latest closed."""
    from .models import Ticket, TicketStage

    found = Ticket.objects.filter(merchant=actor.merchant).select_related(
        "customer", "owner", "handler"
    )
    if view == "closed":
        return list(found.filter(stage=TicketStage.CLOSED).order_by("-closed_at")[:200])
    found = found.exclude(stage=TicketStage.CLOSED)
    if view == "mine":
        found = found.filter(Q(owner=actor.user) | Q(handler=actor.user))
    return list(found.order_by("stage_due_at")[:500])


def ticket_of(merchant, ticket_id: int):
    from .models import Ticket

    found = (
        Ticket.objects.filter(pk=ticket_id, merchant=merchant)
        .select_related("customer", "owner", "handler", "order", "store", "raised_by")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def ticket_events(ticket) -> list:
    return list(ticket.events.select_related("by"))


def my_complaints(consumer) -> list:
    from .models import Ticket

    return list(Ticket.objects.filter(raised_by=consumer).select_related("merchant", "store")[:100])


def my_complaint(consumer, ticket_id: int):
    from .models import Ticket

    found = (
        Ticket.objects.filter(pk=ticket_id, raised_by=consumer)
        .select_related("merchant", "store")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def articles(merchant, *, q: str = "", kind: str = "", topic: str | None = None) -> list:
    """The knowledge base, searched; with `topic`, what helps with it (and general texts)."""
    from .models import Article

    found = Article.objects.filter(merchant=merchant)
    if q:
        found = found.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if kind:
        found = found.filter(kind=kind)
    if topic is not None:
        found = found.filter(Q(topic=topic) | Q(topic=""))
    return list(found[:200])


def article_of(merchant, article_id: int):
    from .models import Article

    found = Article.objects.filter(pk=article_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


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


def corrective_actions(merchant, month: dt.date | None = None) -> list:
    """The month's corrective actions, and any still open from earlier months."""
    from .models import CorrectiveAction

    found = CorrectiveAction.objects.filter(merchant=merchant).select_related("owner")
    if month:
        found = found.filter(Q(month=month.replace(day=1)) | Q(done_at__isnull=True))
    return list(found[:200])


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


def open_store(store_id: int):
    """A store consumers may complain about (open for business), with its merchant."""
    from regulars.merchants.models import Store

    found = Store.objects.filter(pk=store_id, is_active=True).select_related("merchant").first()
    if found is None:
        raise NotFound()
    return found
