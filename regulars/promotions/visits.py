"""What counts as a visit: the one definition every figure about visits reads.

A visit is one occasion on which a customer consumed at the merchant:
- an online order once it is used in the shop (consumed or completed; paid but unused is not a
  visit yet), at the moment it was used, worth what was paid (total − discount);
- a purchase recorded on a member card at the till, unless it was voided (the void itself is no
  visit), at the moment it was recorded, worth its amount;
- a coupon redeemed at the till by a known holder (not on an online order, not reversed), worth the
  bill less the discount, unless the same customer's card purchase was recorded within
  SAME_OCCASION of it: that is the same occasion told twice, and the purchase stands for it.

The directory's visit counts (customers), the reports (analytics), a customer's habits, the yearly
retention behind lifetime value, "returning customer" on a redemption and the campaign uplift all
read it from here. It lives in promotions because that is the lowest app that sees all three
sources (orders → membership → promotions); decision 0007.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from regulars.membership.models import Purchase
from regulars.orders.models import USED_STATUSES, Order

from .models import Redemption

SAME_OCCASION = dt.timedelta(hours=3)


@dataclass(frozen=True)
class Visit:
    consumer_id: int
    at: dt.datetime
    day: dt.date  # the local date, computed once
    amount: Decimal


def used_orders(merchant_id: int):
    return Order.objects.filter(
        merchant_id=merchant_id, status__in=USED_STATUSES, consumed_at__isnull=False
    )


def till_purchases(merchant_id: int):
    """Card purchases at the till that stand: not from an order, not a void, not voided."""
    return Purchase.objects.filter(
        merchant_id=merchant_id, order__isnull=True, voids__isnull=True, voided_by__isnull=True
    )


def till_redemptions(merchant_id: int):
    """Coupons used at the till that count as visits of their own."""
    return Redemption.objects.filter(
        merchant_id=merchant_id, is_visit=True, reversed_at__isnull=True
    )


def _window(queryset, field: str, since, until):
    if since is not None:
        queryset = queryset.filter(**{f"{field}__gte": since})
    if until is not None:
        queryset = queryset.filter(**{f"{field}__lt": until})
    return queryset


def visits(
    merchant_id: int,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    consumer_ids=None,
) -> list[Visit]:
    """Every visit at the merchant in [since, until), oldest first; optionally only these people."""
    orders = _window(used_orders(merchant_id), "consumed_at", since, until)
    purchases = _window(till_purchases(merchant_id), "created_at", since, until)
    redemptions = _window(till_redemptions(merchant_id), "created_at", since, until)
    if consumer_ids is not None:
        orders = orders.filter(consumer_id__in=consumer_ids)
        purchases = purchases.filter(card__consumer_id__in=consumer_ids)
        redemptions = redemptions.filter(consumer_id__in=consumer_ids)
    rows = [
        *orders.values_list("consumer_id", "consumed_at", "total", "discount"),
        *(
            (person, at, amount, Decimal("0"))
            for person, at, amount in purchases.values_list(
                "card__consumer_id", "created_at", "amount"
            )
        ),
        *redemptions.values_list("consumer_id", "created_at", "bill", "discount"),
    ]
    zone = timezone.get_current_timezone()  # once: `localdate` per row was a third of the time
    found = [
        Visit(person, at, at.astimezone(zone).date(), paid - off) for person, at, paid, off in rows
    ]
    return sorted(found, key=lambda visit: visit.at)


def visited_before(merchant_id: int, consumer_id: int | None, before: dt.datetime) -> bool:
    if consumer_id is None:
        return False
    return (
        used_orders(merchant_id).filter(consumer_id=consumer_id, consumed_at__lt=before).exists()
        or till_purchases(merchant_id)
        .filter(card__consumer_id=consumer_id, created_at__lt=before)
        .exists()
        or till_redemptions(merchant_id)
        .filter(consumer_id=consumer_id, created_at__lt=before)
        .exists()
    )


def redemption_is_a_visit(merchant_id: int, consumer_id: int | None, at: dt.datetime) -> bool:
    """A till redemption is a visit of its own unless a card purchase told the same occasion."""
    if consumer_id is None:
        return False
    return not (
        till_purchases(merchant_id)
        .filter(card__consumer_id=consumer_id, created_at__gte=at - SAME_OCCASION)
        .exists()
    )


def absorb_redemptions(purchase: Purchase) -> list[Redemption]:
    """A card purchase recorded after a till redemption of the same occasion stands for it: the
    redemption stops counting as a visit. Returns the redemptions it absorbed."""
    absorbed = list(
        till_redemptions(purchase.merchant_id).filter(
            consumer_id=purchase.card.consumer_id,
            created_at__gte=purchase.created_at - SAME_OCCASION,
            created_at__lte=purchase.created_at,
        )
    )
    Redemption.objects.filter(pk__in=[r.pk for r in absorbed]).update(is_visit=False)
    return absorbed
