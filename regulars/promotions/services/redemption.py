"""Using a coupon: at the till against a bill, and on an online order (a discount source of the
orders app)."""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from regulars.core import clock, codes
from regulars.core.errors import DomainError
from regulars.core.money import to_money
from regulars.merchants.permissions import Action, StaffContext
from regulars.promotions.errors import Problem

from .. import audiences, visits
from ..errors import Refusal, refuse
from ..events import coupon_redeemed
from ..models import (
    Campaign,
    Coupon,
    CouponKind,
    CouponStatus,
    Redemption,
)
from .campaigns import _local_date, _money

# ---- using a coupon --------------------------------------------------------------------------


def _coupon_by_code(code: str, *, guesser: str, merchant_id: int | None = None) -> Coupon:
    """The coupon with this code; `guesser` (who typed it) is limited in codes that miss."""
    code = codes.normalize_code(code)
    if not codes.is_well_formed(code):
        raise refuse(Refusal.BAD_CODE)
    codes.guard_against_guessing(guesser)
    coupons = Coupon.objects.select_related("campaign", "campaign__free_item").filter(code=code)
    if merchant_id is not None:
        coupons = coupons.filter(merchant_id=merchant_id)
    coupon = coupons.first()
    if coupon is None:
        codes.count_wrong_code(guesser)
        raise refuse(Refusal.UNKNOWN)
    return coupon


def discount_for(campaign: Campaign, base: Decimal, item_ids: set[int] | None = None) -> Decimal:
    """What the coupon takes off a bill of `base` (the part of it the coupon applies to)."""
    if campaign.threshold and base < campaign.threshold:
        raise refuse(Refusal.BELOW_THRESHOLD, amount=campaign.threshold)
    if campaign.kind == CouponKind.PERCENT_OFF:
        off = to_money(base * campaign.percent / 100)
        if campaign.cap:
            off = min(off, campaign.cap)
    elif campaign.kind == CouponKind.FREE_ITEM:
        if item_ids is not None and campaign.free_item_id not in item_ids:
            raise refuse(Refusal.NOT_APPLICABLE)
        off = campaign.free_item.price
    else:
        off = campaign.amount
    return min(off, base)


def check_usable(coupon: Coupon, *, store_id: int | None, now: dt.datetime, consumer=None) -> None:
    """Everything but the bill: state, dates, store, and (for tier campaigns) the holder's tier."""
    campaign = coupon.campaign
    if coupon.status == CouponStatus.USED:
        raise refuse(Refusal.USED, date=_local_date(coupon.used_at))
    if consumer is not None and coupon.consumer_id not in (None, consumer.pk):
        raise refuse(Refusal.NOT_YOURS)
    valid_from = coupon.valid_from or campaign.valid_from
    valid_until = coupon.valid_until or campaign.valid_until
    if now < valid_from:
        raise refuse(Refusal.NOT_STARTED, date=_local_date(valid_from))
    if now >= valid_until:
        raise refuse(Refusal.EXPIRED, date=_local_date(valid_until))
    store_ids = set(campaign.stores.values_list("pk", flat=True))
    if store_ids and store_id not in store_ids:
        raise refuse(Refusal.WRONG_STORE)
    holder = consumer or coupon.consumer
    if campaign.audience == "tiers" and holder is not None:
        audiences.AUDIENCES["tiers"].check(campaign, holder)


def _use(coupon: Coupon, now: dt.datetime) -> None:
    """One statement decides: of two uses racing, only one changes the row."""
    allowed = [CouponStatus.CLAIMED, CouponStatus.UNCLAIMED]
    changed = Coupon.objects.filter(pk=coupon.pk, status__in=allowed).update(
        status=CouponStatus.USED, used_at=now
    )
    if not changed:
        coupon.refresh_from_db()
        raise refuse(Refusal.USED, date=_local_date(coupon.used_at or now))
    if coupon.status == CouponStatus.UNCLAIMED:
        # A paper code used straight at the till counts as claimed there and then.
        Campaign.objects.filter(pk=coupon.campaign_id).update(claimed=F("claimed") + 1)


@transaction.atomic
def redeem_at_till(
    *,
    actor: StaffContext,
    code: str,
    bill,
    store_id: int | None = None,
    item_ids: set[int] | None = None,
) -> Redemption:
    """The cashier scans or types a coupon's code and the bill it applies to (with the services
    on it, when the till knows them: a free-service coupon needs its service there)."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    now = clock.now()
    coupon = _coupon_by_code(code, guesser=f"user:{actor.user.pk}", merchant_id=actor.merchant.pk)
    stores = list(actor.merchant.stores.filter(is_active=True).values_list("pk", flat=True))
    if store_id is None and len(stores) == 1:
        store_id = stores[0]
    if store_id is not None and store_id not in stores:
        raise DomainError(
            _("Choose one of your stores."), field="store_id", code=Problem.UNKNOWN_CHOICE
        )
    if coupon.status == CouponStatus.UNCLAIMED and coupon.campaign.audience != "anyone":
        raise refuse(Refusal.NOT_CLAIMED)
    check_usable(coupon, store_id=store_id, now=now)
    bill = _money(bill, "bill")
    if bill <= 0:
        raise DomainError(
            _("Enter the bill this coupon applies to."), field="bill", code=Problem.REQUIRED
        )
    off = discount_for(coupon.campaign, bill, item_ids)
    _use(coupon, now)
    redemption = Redemption.objects.create(
        merchant=actor.merchant,
        campaign=coupon.campaign,
        coupon=coupon,
        consumer_id=coupon.consumer_id,
        store_id=store_id,
        bill=bill,
        discount=off,
        redeemed_by=actor.user,
        returning_customer=visits.visited_before(actor.merchant.pk, coupon.consumer_id, now),
        is_visit=visits.redemption_is_a_visit(actor.merchant.pk, coupon.consumer_id, now),
    )
    coupon_redeemed.send(sender=Redemption, redemption=redemption)
    return redemption


# ---- coupons on online orders (a discount source of the orders app) ---------------------------


def quote_order_coupon(*, consumer, store, lines, code: str) -> tuple[Coupon, Decimal]:
    now = clock.now()
    coupon = _coupon_by_code(code, guesser=f"user:{consumer.pk}", merchant_id=store.merchant_id)
    if coupon.consumer_id is None:
        raise refuse(Refusal.NOT_CLAIMED)
    check_usable(coupon, store_id=store.pk, now=now, consumer=consumer)
    applicable = set(coupon.campaign.items.values_list("pk", flat=True))
    base = sum(
        (line.amount for line in lines if not applicable or line.item.pk in applicable),
        Decimal("0.00"),
    )
    if base <= 0:
        raise refuse(Refusal.NOT_APPLICABLE)
    return coupon, discount_for(coupon.campaign, base, {line.item.pk for line in lines})


def use_on_order(*, order, coupon_id: int, discount: Decimal) -> Redemption:
    now = clock.now()
    coupon = Coupon.objects.select_related("campaign").get(pk=coupon_id)
    _use(coupon, now)
    redemption = Redemption.objects.create(
        merchant_id=order.merchant_id,
        campaign=coupon.campaign,
        coupon=coupon,
        consumer_id=order.consumer_id,
        store_id=order.store_id,
        order=order,
        bill=order.total,
        discount=discount,
        returning_customer=visits.visited_before(order.merchant_id, order.consumer_id, now),
    )
    coupon_redeemed.send(sender=Redemption, redemption=redemption)
    return redemption


@transaction.atomic
def return_from_order(*, order_id: int) -> None:
    """The order was cancelled or refunded: its coupon is usable again (once)."""
    now = clock.now()
    for redemption in Redemption.objects.select_for_update().filter(
        order_id=order_id, reversed_at__isnull=True
    ):
        Redemption.objects.filter(pk=redemption.pk).update(reversed_at=now)
        Coupon.objects.filter(pk=redemption.coupon_id, status=CouponStatus.USED).update(
            status=CouponStatus.CLAIMED, used_at=None
        )


@transaction.atomic
def return_from_bill(*, redemption_id: int) -> bool:
    """A bill refunded in full at the counter: its redemption no longer counts, and the coupon is
    usable again if its dates still allow (an expired coupon is not given back). True when the
    coupon was given back."""
    now = clock.now()
    redemption = (
        Redemption.objects.select_for_update()
        .select_related("coupon__campaign")
        .filter(pk=redemption_id, reversed_at__isnull=True)
        .first()
    )
    if redemption is None:
        return False
    Redemption.objects.filter(pk=redemption.pk).update(reversed_at=now)
    coupon = redemption.coupon
    valid_until = coupon.valid_until or coupon.campaign.valid_until
    if now >= valid_until:
        return False
    back = CouponStatus.CLAIMED if coupon.consumer_id else CouponStatus.UNCLAIMED
    return bool(
        Coupon.objects.filter(pk=coupon.pk, status=CouponStatus.USED).update(
            status=back, used_at=None
        )
    )
