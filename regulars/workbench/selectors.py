"""The workbench: what a shop has to do today, read from the apps that own each thing.

Each part is shown only to the roles whose pages it leads to, and costs a fixed number of
queries however many rows there are (counts and the first few rows, never every row).
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, Sum, Window
from django.utils import timezone

from regulars.core import clock
from regulars.core.money import to_money
from regulars.counter.close import day_bounds
from regulars.counter.models import Bill, BillRefund
from regulars.customers.models import Customer
from regulars.merchants.permissions import Action, StaffContext
from regulars.orders.models import Order, OrderStatus, Reservation, ReservationStatus
from regulars.relationships.models import Task, TaskStatus
from regulars.servicedesk.models import Ticket, TicketStage

SHOWN = 5  # rows of each list; the count says how many there are in all
BIRTHDAY_DAYS = 7


@dataclass
class Part:
    """One box of the workbench: how many, the first few, and where the rest are."""

    count: int
    rows: list = field(default_factory=list)


@dataclass
class Takings:
    today: Decimal
    same_day_last_week: Decimal
    bills: int

    @property
    def change_percent(self) -> int | None:
        if not self.same_day_last_week:
            return None
        return round((self.today - self.same_day_last_week) / self.same_day_last_week * 100)

    @property
    def bar_percent(self) -> tuple[int, int]:
        """The two bars of the chart, the larger one full width."""
        top = max(self.today, self.same_day_last_week) or Decimal("1")
        return int(self.today / top * 100), int(self.same_day_last_week / top * 100)


def takings(merchant, today: dt.date) -> Takings:
    """Today's takings at the counter (less refunds) beside the same weekday a week ago: the
    bills of both days in one statement, their refunds in another."""
    start, end = day_bounds(today)
    then_start, then_end = day_bounds(today - dt.timedelta(days=7))
    now_q = Q(created_at__gte=start, created_at__lt=end)
    then_q = Q(created_at__gte=then_start, created_at__lt=then_end)
    both_days = Q(merchant=merchant) & (now_q | then_q)
    bills = Bill.objects.filter(both_days).aggregate(
        now=Sum("total", filter=now_q),
        then=Sum("total", filter=then_q),
        count=Count("id", filter=now_q),
    )
    refunds = BillRefund.objects.filter(both_days).aggregate(
        now=Sum("amount", filter=now_q), then=Sum("amount", filter=then_q)
    )
    return Takings(
        today=to_money(bills["now"] or 0) - to_money(refunds["now"] or 0),
        same_day_last_week=to_money(bills["then"] or 0) - to_money(refunds["then"] or 0),
        bills=bills["count"],
    )


def _first_and_count(rows, *order) -> Part:
    """The first SHOWN rows in `order` and how many there are in all, in one statement (the
    count is a window over the whole filtered set, computed before the limit)."""
    first = list(rows.annotate(in_all=Window(Count("pk"))).order_by(*order)[:SHOWN])
    return Part(first[0].in_all if first else 0, first)


def bookings_to_confirm(merchant, now: dt.datetime) -> Part:
    waiting = Reservation.objects.filter(
        merchant=merchant, status=ReservationStatus.REQUESTED, starts_at__gte=now
    )
    return _first_and_count(waiting.select_related("item", "consumer", "store"), "starts_at")


def bookings_today(merchant, today: dt.date) -> int:
    start, end = day_bounds(today)
    return Reservation.objects.filter(
        merchant=merchant,
        status=ReservationStatus.CONFIRMED,
        starts_at__gte=start,
        starts_at__lt=end,
    ).count()


def orders_to_use(merchant) -> Part:
    """Paid online, not used in the shop yet: the soonest to expire first."""
    paid = Order.objects.filter(merchant=merchant, status=OrderStatus.PAID)
    return _first_and_count(paid.select_related("consumer", "store"), "expires_at")


def complaints_due(merchant, now: dt.datetime) -> Part:
    """Open complaints whose current stage is due within a day (or overdue)."""
    due = Ticket.objects.filter(
        merchant=merchant, stage_due_at__lt=now + dt.timedelta(days=1)
    ).exclude(stage=TicketStage.CLOSED)
    return _first_and_count(due.select_related("customer", "handler"), "stage_due_at")


def tasks_due(actor: StaffContext, today: dt.date) -> Part:
    """The signed-in person's open tasks due by the end of today (managers: everyone's)."""
    _start, end = day_bounds(today)
    due = Task.objects.filter(merchant=actor.merchant, status=TaskStatus.OPEN, due_at__lt=end)
    if not actor.can(Action.ASSIGN_CUSTOMERS):
        due = due.filter(assignee=actor.user)
    return _first_and_count(due.select_related("customer", "assignee"), "due_at")


def birthdays(merchant, today: dt.date) -> Part:
    """Customers whose birthday falls in the coming seven days, soonest first."""
    days = [today + dt.timedelta(days=n) for n in range(BIRTHDAY_DAYS)]
    when = Q()
    for day in days:
        when |= Q(birthday__month=day.month, birthday__day=day.day)
    found = Customer.objects.filter(when, merchant=merchant, birthday__isnull=False)
    coming = {(day.month, day.day): day for day in days}
    rows = found.only("id", "name", "birthday")[:200]
    for customer in rows:
        # This year's (or next January's) birthday, which the list is sorted by.
        customer.next_birthday = coming.get((customer.birthday.month, customer.birthday.day))
    rows = sorted(rows, key=lambda c: c.next_birthday or days[-1])
    return Part(len(rows), rows[:SHOWN])


def churn_risk(merchant) -> Part:
    """Customers slipping away, the most valuable first (they are worth a call)."""
    slipping = Customer.objects.filter(merchant=merchant, churn_risk=True)
    return _first_and_count(slipping.only("id", "name", "spend", "last_seen_at"), "-spend")


def today(actor: StaffContext) -> dict:
    """Everything on the workbench the actor's role may see."""
    now = clock.now()
    day = timezone.localdate(now)
    merchant = actor.merchant
    found: dict = {"today": day, "now": now}
    if actor.can(Action.USE_TILL):
        found["takings"] = takings(merchant, day)
    if actor.can(Action.HANDLE_BOOKINGS):
        found["bookings"] = bookings_to_confirm(merchant, now)
        found["bookings_today"] = bookings_today(merchant, day)
    if actor.can(Action.VIEW_ORDERS):
        found["orders"] = orders_to_use(merchant)
    if actor.can(Action.VIEW_CUSTOMERS):
        found["complaints"] = complaints_due(merchant, now)
        found["tasks"] = tasks_due(actor, day)
        found["churn"] = churn_risk(merchant)
    if actor.can(Action.VIEW_CUSTOMER_CONTACT):  # a birthday is contact data (masked otherwise)
        found["birthdays"] = birthdays(merchant, day)
    return found
