"""What each person on the team earned in a period (提成), from the raw rows.

Lines count on the day they were rung up (bills) or used (online orders); a refund takes back
what its units earned on the day of the refund, so a closed month never changes. The rules and
the base are in `team.commission` (decision 0021). Every figure is rebuilt from the rows at
each read: a fixed number of queries whatever the period's size.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.core.money import to_money
from regulars.membership.models import ValueEntry, ValueKind
from regulars.orders.models import USED_STATUSES, Order
from regulars.punchcards.models import PlanKind
from regulars.team import selectors as team_selectors
from regulars.team.commission import RuleBook, earned
from regulars.team.models import CommissionKind, TeamMember

from .errors import Problem
from .models import BillLine, RefundLine
from .services import in_proportion

ZERO = Decimal("0.00")
LONGEST_PERIOD = dt.timedelta(days=366)
# Order discounts that lower what a line earns on; points are how the customer paid.
PRICE_CUTS = ("member", "coupon", "reward")


@dataclass
class Earning:
    """One line (or its refund) and what it earned."""

    at: dt.datetime
    member_id: int
    reference: str  # the bill number or the order code
    what: str
    kind: str  # a CommissionKind
    units: int
    base: Decimal
    commission: Decimal


@dataclass
class PersonTotal:
    member: TeamMember
    services: int = 0
    takings: Decimal = ZERO
    commission: Decimal = ZERO
    lines: list[Earning] = field(default_factory=list)


def _bounds(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    return (
        dt.datetime.combine(start, dt.time.min, tzinfo=zone),
        dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone),
    )


def _line_kind(line) -> str:
    if line.punch_plan_id:
        return (
            CommissionKind.PACKAGE
            if line.punch_plan.kind == PlanKind.PACKAGE
            else (CommissionKind.PUNCH_CARD)
        )
    return CommissionKind.SERVICE


def _rule(book: RuleBook, kind: str, item):
    if kind == CommissionKind.SERVICE:
        return book.for_service(item.pk if item else None, item.section if item else "")
    return book.for_sale(kind)


def _bill_earnings(merchant, book, start, end) -> list[Earning]:
    found = []
    lines = BillLine.objects.filter(
        bill__merchant=merchant,
        bill__created_at__gte=start,
        bill__created_at__lt=end,
        served_by__isnull=False,
    ).select_related("bill", "item", "punch_plan")
    for line in lines:
        kind = _line_kind(line)
        base = line.paid + line.points_off + line.punch_off
        rule = _rule(book, kind, line.item)
        found.append(
            Earning(
                line.bill.created_at,
                line.served_by_id,
                line.bill.number,
                line.name,
                kind,
                line.quantity,
                base,
                earned(rule, base, line.quantity),
            )
        )
    refunded = RefundLine.objects.filter(
        refund__merchant=merchant,
        refund__created_at__gte=start,
        refund__created_at__lt=end,
        line__served_by__isnull=False,
    ).select_related("refund", "line", "line__bill", "line__item", "line__punch_plan")
    for back in refunded:
        line = back.line
        kind = _line_kind(line)
        punch = to_money(line.punch_off * back.quantity / line.quantity)
        base = back.amount + back.points_off + punch
        rule = _rule(book, kind, line.item)
        found.append(
            Earning(
                back.refund.created_at,
                line.served_by_id,
                line.bill.number,
                line.name,
                kind,
                -back.quantity,
                -base,
                -earned(rule, base, back.quantity),
            )
        )
    return found


def _order_earnings(merchant, book, start, end) -> list[Earning]:
    found = []
    orders = (
        Order.objects.filter(
            merchant=merchant,
            status__in=USED_STATUSES,
            consumed_at__gte=start,
            consumed_at__lt=end,
            served_by__isnull=False,
        )
        .prefetch_related("lines__item", "discounts")
        .order_by("consumed_at", "id")
    )
    for order in orders:
        lines = list(order.lines.all())
        cut = sum((d.amount for d in order.discounts.all() if d.source in PRICE_CUTS), ZERO)
        cuts = in_proportion(cut, [line.amount for line in lines])
        for line, line_cut in zip(lines, cuts, strict=True):
            base = line.amount - line_cut
            rule = _rule(book, CommissionKind.SERVICE, line.item)
            found.append(
                Earning(
                    order.consumed_at,
                    order.served_by_id,
                    order.code,
                    line.name,
                    CommissionKind.SERVICE,
                    line.quantity,
                    base,
                    earned(rule, base, line.quantity),
                )
            )
    return found


def _top_up_earnings(merchant, book, start, end) -> list[Earning]:
    """Stored value sold at the counter earns for the team member whose console account
    recorded it; a voided top-up takes it back."""
    by_account = team_selectors.linked_member_ids(merchant)
    rule = book.for_sale(CommissionKind.STORED_VALUE)
    if not by_account or rule is None:
        return []
    found = []
    entries = ValueEntry.objects.filter(
        merchant=merchant,
        kind__in=(ValueKind.TOPUP, ValueKind.VOID),
        created_at__gte=start,
        created_at__lt=end,
    ).select_related("card", "voids")
    for entry in entries:
        sold = entry if entry.kind == ValueKind.TOPUP else entry.voids
        if sold is None or sold.kind != ValueKind.TOPUP:
            continue
        member_id = by_account.get(sold.created_by_id)
        if member_id is None:
            continue
        sign = 1 if entry.kind == ValueKind.TOPUP else -1
        base = sold.principal_delta
        found.append(
            Earning(
                entry.created_at,
                member_id,
                entry.card.number,
                str(ValueKind.TOPUP.label),
                CommissionKind.STORED_VALUE,
                sign,
                sign * base,
                sign * earned(rule, base, 1),
            )
        )
    return found


def checked_period(start: dt.date | None, end: dt.date | None, today: dt.date):
    """The period asked for; by default this month so far. At most a year, in order."""
    end = end or today
    start = start or end.replace(day=1)
    if end < start:
        raise DomainError(_("The period ends before it starts."), field="to", code=Problem.BAD_TIME)
    if end - start > LONGEST_PERIOD:
        raise DomainError(
            _("Choose a period of at most a year."), field="from", code=Problem.OUT_OF_RANGE
        )
    return start, end


def report(merchant, start: dt.date, end: dt.date) -> list[PersonTotal]:
    """Each person's services (units of service lines, refunds taken off), takings (the base the
    commission is reckoned on) and commission, with every line that makes them up."""
    first, after = _bounds(start, end)
    book = RuleBook(team_selectors.rules_of(merchant))
    earnings = [
        *_bill_earnings(merchant, book, first, after),
        *_order_earnings(merchant, book, first, after),
        *_top_up_earnings(merchant, book, first, after),
    ]
    people = {m.pk: PersonTotal(m) for m in TeamMember.objects.filter(merchant=merchant)}
    for earning in sorted(earnings, key=lambda e: (e.at, e.reference)):
        person = people[earning.member_id]
        if earning.kind == CommissionKind.SERVICE:
            person.services += earning.units
        person.takings += earning.base
        person.commission += earning.commission
        person.lines.append(earning)
    totals = [p for p in people.values() if p.lines or p.member.is_active]
    return sorted(totals, key=lambda p: (-p.commission, -p.takings, p.member.name))


def grand_total(people: list[PersonTotal]) -> dict:
    totals = {"services": 0, "takings": ZERO, "commission": ZERO}
    for person in people:
        totals["services"] += person.services
        totals["takings"] += person.takings
        totals["commission"] += person.commission
    return totals
