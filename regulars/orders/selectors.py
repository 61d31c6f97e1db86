"""Reads for reservations, orders and settlement."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum, prefetch_related_objects
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import NotFound
from regulars.core.money import to_money
from regulars.merchants.models import CatalogItem, HolidayClosure, OpeningHours
from regulars.team import selectors as team_selectors
from regulars.team.models import TeamMember

from .models import Order, OrderStatus, Reservation, ReservationSlot, SettlementEntry

BOOKING_DAYS_AHEAD = 14


@dataclass(frozen=True)
class Slot:
    starts_at: dt.datetime
    ends_at: dt.datetime
    remaining: int


def bookable_item(item_id: int) -> CatalogItem:
    item = (
        CatalogItem.objects.select_related(
            "store", "store__category", "store__category__parent", "merchant"
        )
        .filter(pk=item_id, is_active=True, store__is_active=True, merchant__is_active=True)
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def buyable_items(store_id: int) -> list[CatalogItem]:
    return list(
        CatalogItem.objects.filter(store_id=store_id, is_active=True, buyable=True).order_by(
            "position", "id"
        )
    )


def slot_starts(item: CatalogItem, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """Every slot of a service on a day: back to back within each opening range."""
    if not item.duration_minutes:
        return []
    if HolidayClosure.objects.filter(
        store_id=item.store_id, start_date__lte=day, end_date__gte=day
    ).exists():
        return []
    tz = timezone.get_current_timezone()
    length = dt.timedelta(minutes=item.duration_minutes)
    starts = []
    for hours in OpeningHours.objects.filter(store_id=item.store_id, weekday=day.weekday()):
        start = dt.datetime.combine(day, hours.opens, tzinfo=tz)
        close = dt.datetime.combine(day, hours.closes, tzinfo=tz)
        while start + length <= close:
            starts.append((start, start + length))
            start += length
    return starts


HOLDING = ("requested", "confirmed")  # reservations that hold a place


def person_load(
    members: list[TeamMember], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime, int]]]:
    """Each person's bookings (any service) that overlap [start, end): their own capacity."""
    load: dict[int, list[tuple[dt.datetime, dt.datetime, int]]] = {m.pk: [] for m in members}
    for member_id, starts, ends, party in Reservation.objects.filter(
        served_by__in=[m.pk for m in members],
        status__in=HOLDING,
        starts_at__lt=end,
        ends_at__gt=start,
    ).values_list("served_by", "starts_at", "ends_at", "party_size"):
        load[member_id].append((starts, ends, party))
    return load


def free_places(member: TeamMember, load, start: dt.datetime, end: dt.datetime) -> int:
    """How many more customers `member` can take in [start, end): 0 outside their hours."""
    if not team_selectors.works_at(member, start, end):
        return 0
    taken = sum(party for s, e, party in load.get(member.pk, []) if s < end and e > start)
    return max(member.capacity - taken, 0)


def available_slots(
    item: CatalogItem,
    day: dt.date,
    *,
    now: dt.datetime | None = None,
    served_by: int | None = None,
) -> list[Slot]:
    """The day's slots and the places left: the service's own counter, or, when people perform
    it, the places left with the chosen person (or with anyone who performs it)."""
    now = now or clock.now()
    starts = [(s, e) for s, e in slot_starts(item, day) if s > now]
    members = team_selectors.performers(item.pk)
    if served_by:
        members = [m for m in members if m.pk == served_by]
    if members or served_by:
        if not starts:
            return []
        load = person_load(members, starts[0][0], starts[-1][1])
        return [Slot(s, e, sum(free_places(m, load, s, e) for m in members)) for s, e in starts]
    booked = {
        counter.starts_at: counter.booked
        for counter in ReservationSlot.objects.filter(
            item=item,
            served_by__isnull=True,
            starts_at__date__gte=day - dt.timedelta(days=1),
            starts_at__date__lte=day + dt.timedelta(days=1),
        )
    }
    return [Slot(s, e, item.slot_capacity - booked.get(s, 0)) for s, e in starts]


def booking_days(*, today: dt.date | None = None) -> list[dt.date]:
    today = today or clock.today()
    return [today + dt.timedelta(days=n) for n in range(BOOKING_DAYS_AHEAD)]


def consumer_reservations(user) -> list[Reservation]:
    return list(
        Reservation.objects.filter(consumer=user)
        .select_related("store", "item", "served_by")
        .order_by("-starts_at")
    )


def consumer_reservation(user, reservation_id: int) -> Reservation:
    found = (
        Reservation.objects.select_related("store", "item", "merchant", "served_by")
        .filter(pk=reservation_id, consumer=user)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def merchant_reservations(merchant, start: dt.date, days: int) -> list[Reservation]:
    tz = timezone.get_current_timezone()
    first = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    return list(
        Reservation.objects.filter(
            merchant=merchant, starts_at__gte=first, starts_at__lt=first + dt.timedelta(days=days)
        )
        .select_related("store", "item", "consumer", "served_by")
        .order_by("starts_at", "id")
    )


def consumer_orders(user) -> list[Order]:
    return list(
        Order.objects.filter(consumer=user)
        .select_related("store")
        .prefetch_related("lines", "discounts")
    )


def consumer_order(user, order_id: int) -> Order:
    found = (
        Order.objects.select_related("store", "merchant")
        .prefetch_related("lines", "payments", "discounts")
        .filter(pk=order_id, consumer=user)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def merchant_orders(merchant, status: str | None = None, limit: int = 200) -> list[Order]:
    orders = (
        Order.objects.filter(merchant=merchant)
        .select_related("store", "consumer")
        .prefetch_related("lines", "discounts")
    )
    if status:
        orders = orders.filter(status=status)
    return list(orders[:limit])


ORDERS_PER_PAGE = 50


def order_page(merchant, status: str | None, page_number):
    """One page of the merchant's orders, newest first: what the orders list shows (its lines
    and customer, nothing more)."""
    from django.core.paginator import Paginator

    orders = Order.objects.filter(merchant=merchant).select_related("consumer")
    if status:
        orders = orders.filter(status=status)
    page = Paginator(orders.order_by("-created_at", "-id"), ORDERS_PER_PAGE).get_page(page_number)
    prefetch_related_objects(page.object_list, "lines")
    return page


def merchant_order(merchant, order_id: int) -> Order:
    found = Order.objects.filter(pk=order_id, merchant=merchant).prefetch_related("lines").first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Statement:
    month: dt.date
    orders: int
    gross: Decimal
    commission: Decimal
    net: Decimal


def settlement_statements(merchant) -> list[Statement]:
    """Month by month: confirmed orders, gross takings, platform commission and net owed."""
    rows = (
        SettlementEntry.objects.filter(merchant=merchant)
        .annotate(month=TruncMonth("created_at"))
        .values("month")
        .annotate(
            orders=Count("id"), gross=Sum("gross"), commission=Sum("commission"), net=Sum("net")
        )
        .order_by("-month")
    )
    return [
        Statement(
            month=timezone.localtime(row["month"]).date()
            if isinstance(row["month"], dt.datetime)
            else row["month"],
            orders=row["orders"],
            gross=to_money(row["gross"]),
            commission=to_money(row["commission"]),
            net=to_money(row["net"]),
        )
        for row in rows
    ]


def settlement_entries(merchant, month: dt.date | None = None) -> list[SettlementEntry]:
    entries = SettlementEntry.objects.filter(merchant=merchant).select_related("order")
    if month:
        entries = entries.filter(created_at__year=month.year, created_at__month=month.month)
    return list(entries.order_by("created_at", "id"))


@dataclass(frozen=True)
class MerchantBalance:
    merchant_id: int
    merchant_name: str
    orders: int
    gross: Decimal
    commission: Decimal
    net: Decimal


def operator_balances(month: dt.date | None = None) -> list[MerchantBalance]:
    """What the platform owes each merchant, across all statements or for one month (operators
    only). Sums are rounded to cents: SQLite adds decimals as floating point."""
    entries = SettlementEntry.objects.all()
    if month is not None:
        start = month.replace(day=1)
        end = (start + dt.timedelta(days=32)).replace(day=1)
        zone = timezone.get_current_timezone()
        entries = entries.filter(
            created_at__gte=dt.datetime.combine(start, dt.time(), zone),
            created_at__lt=dt.datetime.combine(end, dt.time(), zone),
        )
    rows = (
        entries.values("merchant_id", "merchant__name")
        .annotate(
            orders=Count("id"), gross=Sum("gross"), commission=Sum("commission"), net=Sum("net")
        )
        .order_by("-net")
    )
    return [
        MerchantBalance(
            r["merchant_id"],
            r["merchant__name"],
            r["orders"],
            to_money(r["gross"] or 0),
            to_money(r["commission"] or 0),
            to_money(r["net"] or 0),
        )
        for r in rows
    ]


def total_of(balances: list[MerchantBalance]) -> MerchantBalance:
    """The sum of every merchant's line (the payables page's footer)."""
    return MerchantBalance(
        0,
        "",
        sum(b.orders for b in balances),
        sum((b.gross for b in balances), Decimal("0.00")),
        sum((b.commission for b in balances), Decimal("0.00")),
        sum((b.net for b in balances), Decimal("0.00")),
    )


def pending_counts(merchant) -> dict:
    return Reservation.objects.filter(merchant=merchant).aggregate(
        requested=Count("id", filter=Q(status="requested"))
    )


def paid_order_left(user) -> str | None:
    """Why the person may not be erased yet: a paid order not used or refunded (an erasure
    blocker, accounts.privacy)."""
    if Order.objects.filter(consumer=user, status=OrderStatus.PAID).exists():
        return _("a paid order has not been used or refunded")
    return None
