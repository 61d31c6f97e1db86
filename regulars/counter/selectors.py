"""Reads for the counter: the till's choices, one bill, a day's bills."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from regulars.core import codes
from regulars.core.errors import NotFound
from regulars.membership import selectors as card_selectors
from regulars.membership.models import Card, CardStatus
from regulars.merchants.models import CatalogItem, Store
from regulars.orders.models import Order
from regulars.promotions.models import Coupon
from regulars.punchcards import selectors as punch_selectors
from regulars.team import selectors as team_selectors

from . import close
from .models import Bill, BillLine, BillRefund, DailyClose, Tender


def bill_of(merchant, bill_id: int) -> Bill:
    found = (
        Bill.objects.filter(pk=bill_id, merchant=merchant)
        .select_related(
            "store", "card", "card__tier", "cashier", "consumer", "redemption__campaign"
        )
        .prefetch_related(
            Prefetch("lines", BillLine.objects.select_related("served_by")),
            Prefetch("tenders", Tender.objects.all()),
            *REFUNDS,
        )
        .first()
    )
    if found is None:
        raise NotFound()
    return found


# A bill's refunds with their lines and tenders, read along with the bill.
REFUNDS = (
    Prefetch("refunds", BillRefund.objects.select_related("refunded_by")),
    "refunds__lines",
    "refunds__tenders",
)


def refund_of(merchant, refund_id: int) -> BillRefund:
    found = (
        BillRefund.objects.filter(pk=refund_id, merchant=merchant)
        .select_related("refunded_by")
        .prefetch_related("lines", "tenders")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def refunded_quantities(bill: Bill) -> dict[int, int]:
    """{line id: how many of it were given back}."""
    counts: dict[int, int] = {}
    for refund in bill.refunds.all():
        for line in refund.lines.all():
            counts[line.line_id] = counts.get(line.line_id, 0) + line.quantity
    return counts


def my_bills(consumer, limit: int = 100) -> list:
    """Every bill a consumer paid with their card, newest first."""
    return list(
        Bill.objects.filter(consumer=consumer)
        .select_related("merchant", "store")
        .prefetch_related("lines", "tenders", *REFUNDS)[:limit]
    )


def my_bill(consumer, bill_id: int) -> Bill:
    found = (
        Bill.objects.filter(pk=bill_id, consumer=consumer)
        .select_related("merchant", "store", "card", "card__tier", "cashier")
        .prefetch_related("lines", "tenders", *REFUNDS)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def bills_of(merchant, *, day: dt.date, store_id: int | None = None, limit: int = 200) -> list:
    """The bills of one local day, newest first."""
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    found = Bill.objects.filter(
        merchant=merchant, created_at__gte=start, created_at__lt=start + dt.timedelta(days=1)
    )
    if store_id:
        found = found.filter(store_id=store_id)
    return list(
        found.select_related("store", "card", "cashier", "consumer").prefetch_related(
            "lines", "tenders", *REFUNDS
        )[:limit]
    )


@dataclass(frozen=True)
class AtTheTill:
    """Who is paying, found from what the cashier scanned or typed: their card (or none: a
    walk-in), and a coupon code to put on the bill when a coupon was what was scanned."""

    card: Card | None
    coupon_code: str = ""


def customer_at_till(merchant, typed: str) -> AtTheTill | None:
    """A card number, the member's whole phone number, one of this shop's order codes (the
    buyer's card) or coupon codes (the holder's card, and the coupon for the bill). None when
    nothing of this shop matches."""
    card = card_selectors.till_card(merchant, typed)
    if card is not None:
        return AtTheTill(card)
    code = codes.normalize_code(typed)
    if not code:
        return None
    order = Order.objects.filter(merchant=merchant, code=code).only("consumer_id").first()
    if order is not None:
        return AtTheTill(_card_of(merchant, order.consumer_id))
    coupon = Coupon.objects.filter(merchant=merchant, code=code).only("consumer_id", "code").first()
    if coupon is not None:
        return AtTheTill(_card_of(merchant, coupon.consumer_id), coupon.code)
    return None


def _card_of(merchant, consumer_id: int | None) -> Card | None:
    if consumer_id is None:
        return None
    return (
        Card.objects.filter(merchant=merchant, consumer_id=consumer_id, status=CardStatus.ACTIVE)
        .select_related("program", "tier", "consumer")
        .first()
    )


def till_stores(merchant) -> list[Store]:
    """The stores a till or a daily close may be for: the merchant's open ones."""
    return list(Store.objects.filter(merchant=merchant, is_active=True).order_by("id"))


def till_choices(merchant) -> dict:
    """What the till page offers: the stores, each store's catalogue, the staff who serve."""
    stores = till_stores(merchant)
    items = list(
        CatalogItem.objects.filter(merchant=merchant, is_active=True, store__in=stores).order_by(
            "store_id", "position", "id"
        )
    )
    staff = team_selectors.team_of(merchant, active_only=True)
    plans = punch_selectors.sellable_plans(merchant)
    for plan in plans:
        plan.till_value = f"plan:{plan.pk}"  # how a line names a punch card, not an item
    return {"stores": stores, "items": items, "staff": staff, "plans": plans}


def day_at_the_counter(actor, day: dt.date, store_id: int | None = None) -> dict:
    """A store's day: its figures (live until closed, as kept once closed) and its close."""
    stores = Store.objects.filter(merchant=actor.merchant, is_active=True)
    store = stores.filter(pk=store_id).first() if store_id else stores.order_by("id").first()
    if store is None:
        raise NotFound()
    closed = DailyClose.objects.filter(store=store, day=day).select_related("closed_by").first()
    figures = close.as_kept(closed.figures) if closed else close.figures(actor.merchant, day, store)
    tenders = [(close.tender_label(key), amount) for key, amount in figures["by_tender"].items()]
    refunds = figures["refunds"]["by_tender"]
    return {
        **figures,
        "day": day,
        "store": store,
        "store_id": store.pk,
        "closed": closed,
        "tender_rows": tenders,
        "refund_rows": [(close.tender_label(key), amount) for key, amount in refunds.items()],
    }
