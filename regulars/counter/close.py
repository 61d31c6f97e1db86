"""The day at the counter, added up: what the daily close shows and keeps.

Every figure is a sum over the raw rows of the day (bills, their lines and tenders, the card
ledgers, coupon redemptions), in the shop's time zone, so a close can be reproduced from the
rows at any time. Card ledgers and coupons belong to the merchant, not to one store: with several
stores they are the merchant's figures for the day.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from regulars.core.money import to_money
from regulars.membership.models import PointsEntry, PointsKind, ValueEntry, ValueKind
from regulars.promotions.models import Redemption

from .models import Bill, BillLine, BillRefund, RefundTender, Tender, TenderKind

ZERO = Decimal("0.00")


def _money(value) -> Decimal:
    """A sum in cents (SQLite's SUM of decimals comes back without its two places)."""
    return to_money(value or 0)


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    return start, start + dt.timedelta(days=1)


def _of_the_day(model, merchant, store, start, end):
    rows = model.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end)
    return rows.filter(store=store) if store is not None else rows


def _by_tender(tenders) -> dict:
    """{"cash": ¥, "outside:微信支付": ¥, …} over tender rows (paid or given back)."""
    found = defaultdict(lambda: ZERO)
    for kind, method, amount in tenders.values_list("kind", "method", "amount"):
        found[f"{kind}:{method}" if method else kind] += _money(amount)
    return found


def figures(merchant, day: dt.date, store=None) -> dict:
    """The day's takings by tender, by staff and by service; refunds given that day (of any
    day's bills); stored value sold, spent and put back (paid-in and bonus apart); points issued
    and used; coupons redeemed; the cash the drawer should hold."""
    start, end = day_bounds(day)
    bills = _of_the_day(Bill, merchant, store, start, end)
    totals = bills.aggregate(
        count=Count("id"),
        takings=Sum("total"),
        list_price=Sum("subtotal"),
        member_savings=Sum("member_savings"),
        coupons=Sum("coupon_discount"),
        punch=Sum("punch_value"),
        points_value=Sum("points_value"),
    )
    by_tender = _by_tender(Tender.objects.filter(bill__in=bills))
    lines = BillLine.objects.filter(bill__in=bills)
    by_staff = {
        # "" for lines nobody was recorded as serving (the page says so in its language)
        (row["served_by__name"] or ""): _money(row["paid"])
        for row in lines.values("served_by__name").annotate(paid=Sum("paid")).order_by("-paid")
    }
    by_service = {
        row["name"]: {"quantity": row["quantity"], "paid": _money(row["paid"])}
        for row in lines.values("name")
        .annotate(quantity=Sum("quantity"), paid=Sum("paid"))
        .order_by("-paid")
    }
    value = ValueEntry.objects.filter(merchant=merchant, created_at__gte=start, created_at__lt=end)
    sold = value.filter(kind=ValueKind.TOPUP).aggregate(
        paid_in=Sum("principal_delta"), bonus=Sum("bonus_delta")
    )
    spent = value.filter(kind=ValueKind.SPEND).aggregate(
        paid_in=Sum("principal_delta"), bonus=Sum("bonus_delta")
    )
    points = PointsEntry.objects.filter(
        merchant=merchant, created_at__gte=start, created_at__lt=end
    ).aggregate(
        issued=Sum("delta", filter=Q(kind=PointsKind.EARN)),
        used=Sum("delta", filter=Q(kind=PointsKind.SPEND)),
    )
    coupons = Redemption.objects.filter(
        merchant=merchant, created_at__gte=start, created_at__lt=end, reversed_at__isnull=True
    ).aggregate(count=Count("id"), discount=Sum("discount"))
    cash = Tender.objects.filter(bill__in=bills, kind=TenderKind.CASH).aggregate(s=Sum("amount"))
    refunds = _of_the_day(BillRefund, merchant, store, start, end)
    refunded = refunds.aggregate(
        count=Count("id"),
        amount=Sum("amount"),
        points_returned=Sum("points_returned"),
        points_taken_back=Sum("points_taken_back"),
    )
    refunded_by_tender = _by_tender(RefundTender.objects.filter(refund__in=refunds))
    returned = value.filter(kind=ValueKind.RETURN).aggregate(
        paid_in=Sum("principal_delta"), bonus=Sum("bonus_delta")
    )
    return {
        "day": day.isoformat(),
        "bills": totals["count"],
        "takings": _money(totals["takings"]),
        "list_price": _money(totals["list_price"]),
        "member_savings": _money(totals["member_savings"]),
        "coupon_discounts": _money(totals["coupons"]),
        "points_value": _money(totals["points_value"]),
        "punch_card_value": _money(totals["punch"]),
        "by_tender": dict(by_tender),
        "by_staff": by_staff,
        "by_service": by_service,
        "stored_value_sold": {
            "paid_in": _money(sold["paid_in"]),
            "bonus": _money(sold["bonus"]),
        },
        "stored_value_spent": {
            "paid_in": -_money(spent["paid_in"]),
            "bonus": -_money(spent["bonus"]),
        },
        "points_issued": points["issued"] or 0,
        "points_used": -(points["used"] or 0),
        "coupons_redeemed": coupons["count"],
        "coupon_discount_total": _money(coupons["discount"]),
        "refunds": {
            "count": refunded["count"],
            "amount": _money(refunded["amount"]),
            "by_tender": dict(refunded_by_tender),
            "points_returned": refunded["points_returned"] or 0,
            "points_taken_back": refunded["points_taken_back"] or 0,
        },
        "net_takings": _money(totals["takings"]) - _money(refunded["amount"]),
        "stored_value_returned": {
            "paid_in": _money(returned["paid_in"]),
            "bonus": _money(returned["bonus"]),
        },
        # Cash rung up less cash handed back on refunds: what the drawer should hold.
        "cash_expected": _money(cash["s"]) - refunded_by_tender.get(TenderKind.CASH.value, ZERO),
    }


# Figures added after some days were closed: a close kept before them reads as none.
LATER_FIGURES = {
    "refunds": {
        "count": 0,
        "amount": ZERO,
        "by_tender": {},
        "points_returned": 0,
        "points_taken_back": 0,
    },
    "stored_value_returned": {"paid_in": ZERO, "bonus": ZERO},
    "punch_card_value": ZERO,
}


def as_kept(kept: dict) -> dict:
    """A close's figures as kept, with the figures added since then (net takings = takings)."""
    return {**LATER_FIGURES, "net_takings": kept["takings"], **kept}


def tender_label(key: str) -> str:
    """ "outside:微信支付" → "Paid outside · 微信支付", in the reader's language."""
    kind, _sep, method = key.partition(":")
    label = str(TenderKind(kind).label) if kind in TenderKind.values else kind
    return f"{label} · {method}" if method else label
