"""Reads for coupons: what a consumer holds or can claim, and what a campaign achieved."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import NotFound
from regulars.core.money import to_money
from regulars.core.welch import welch_interval

from .models import (
    Campaign,
    ClaimMode,
    CodeBatch,
    Coupon,
    CouponKind,
    CouponStatus,
    FlashDeal,
    Redemption,
)
from .visits import visits as visit_rows


def coupon_label(coupon: Coupon) -> str:
    """How a coupon is described to its holder: the value, then the condition."""
    return f"{coupon.campaign.name} · {value_text(coupon.campaign)}"


def value_text(campaign: Campaign) -> str:
    if campaign.kind == CouponKind.PERCENT_OFF:
        text = _("%(p)s percent off") % {"p": campaign.percent}
        if campaign.cap:
            text += " " + _("(up to ¥%(cap)s)") % {"cap": to_money(campaign.cap)}
    elif campaign.kind == CouponKind.FREE_ITEM and campaign.free_item:
        text = _("Free: %(item)s") % {"item": campaign.free_item.name}
    else:
        text = _("¥%(amount)s off") % {"amount": to_money(campaign.amount)}
    if campaign.threshold:
        text += " · " + _("on ¥%(threshold)s or more") % {"threshold": to_money(campaign.threshold)}
    return text


def usable_coupons(consumer, merchant_id: int, now: dt.datetime | None = None) -> list[Coupon]:
    now = now or clock.now()
    return list(
        Coupon.objects.filter(
            consumer=consumer,
            merchant_id=merchant_id,
            status=CouponStatus.CLAIMED,
            valid_from__lte=now,
            valid_until__gt=now,
        )
        .select_related("campaign", "campaign__free_item")
        .order_by("valid_until")
    )


def my_coupons(consumer) -> list[Coupon]:
    return list(
        Coupon.objects.filter(consumer=consumer)
        .select_related("campaign", "campaign__free_item", "merchant")
        .order_by("status", "valid_until")
    )


def my_coupon(consumer, coupon_id: int) -> Coupon:
    found = (
        Coupon.objects.filter(pk=coupon_id, consumer=consumer)
        .select_related("campaign", "campaign__free_item", "merchant")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def claimable_campaigns(store, now: dt.datetime | None = None) -> list[Campaign]:
    """Public campaigns valid in this store, running now, with coupons left: the store page's
    "claim" list."""
    now = now or clock.now()
    return list(
        Campaign.objects.filter(
            merchant_id=store.merchant_id,
            published=True,
            claim_mode=ClaimMode.PUBLIC,
            valid_until__gt=now,
            claimed__lt=F("stock"),
        )
        .filter(Q(stores__isnull=True) | Q(stores=store.pk))
        .select_related("free_item")
        .distinct()
        .order_by("valid_until")
    )


def public_campaign(campaign_id: int) -> Campaign:
    found = (
        Campaign.objects.filter(pk=campaign_id, published=True)
        .select_related("merchant", "free_item")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class FlashView:
    deal: FlashDeal
    broadcast: object
    log: list[dict]


def flash_of(campaign: Campaign) -> FlashView | None:
    """A flash deal's push: when, to how many, and what happened on each channel."""
    from regulars.notifications.selectors import delivery_log

    deal = FlashDeal.objects.filter(campaign=campaign).select_related("broadcast", "store").first()
    if deal is None:
        return None
    return FlashView(
        deal=deal,
        broadcast=deal.broadcast,
        log=delivery_log(deal.broadcast) if deal.broadcast else [],
    )


def merchant_campaigns(merchant) -> list[Campaign]:
    return list(
        Campaign.objects.filter(merchant=merchant)
        .select_related("flash")
        .annotate(redeemed=Count("redemptions", filter=Q(redemptions__reversed_at__isnull=True)))
        .order_by("-created_at")
    )


def code_batch(merchant, campaign_id: int, batch_id: int) -> CodeBatch | None:
    return CodeBatch.objects.filter(pk=batch_id, campaign_id=campaign_id, merchant=merchant).first()


def recent_code_batches(campaign: Campaign, limit: int = 5) -> list[CodeBatch]:
    """The campaign's last requests for codes, the ones still generating first."""
    return list(
        CodeBatch.objects.filter(campaign=campaign).order_by("-status", "-created_at", "-pk")[
            :limit
        ]
    )


def merchant_campaign(merchant, campaign_id: int, *, with_targets: bool = True) -> Campaign:
    """One of the merchant's campaigns; `with_targets` reads along what it applies to and who
    it is for (items, stores, tiers, listed people), which forms and the API show and the
    campaign's own page does not."""
    found = Campaign.objects.filter(pk=campaign_id, merchant=merchant).select_related("free_item")
    if with_targets:
        found = found.prefetch_related("items", "stores", "audience_tiers", "audience_users")
    found = found.first()
    if found is None:
        raise NotFound()
    return found


@dataclass(frozen=True)
class Uplift:
    """Per person in the audience: treated minus holdout, with a 95% confidence interval."""

    treated: int
    holdout: int
    visits_diff: float
    visits_ci: tuple[float, float]
    revenue_diff: float
    revenue_ci: tuple[float, float]


@dataclass(frozen=True)
class Effect:
    issued: int
    claimed: int
    viewed: int
    redeemed: int
    revenue: Decimal
    discount_cost: Decimal
    new_customers: int
    returning_customers: int
    daily: list[dict]
    uplift: Uplift | None

    @property
    def redemption_rate(self) -> float:
        return self.redeemed / self.claimed if self.claimed else 0.0

    @property
    def redemption_percent(self) -> float:
        return round(self.redemption_rate * 100, 1)


def campaign_effect(campaign: Campaign) -> Effect:
    """The funnel issued → claimed → viewed → redeemed, what the redemptions brought in and
    cost, who they were, and day by day."""
    coupons = Coupon.objects.filter(campaign=campaign).aggregate(
        issued=Count("id"),
        claimed=Count("id", filter=Q(consumer__isnull=False) | Q(status=CouponStatus.USED)),
        viewed=Count("id", filter=Q(viewed_at__isnull=False)),
    )
    live = Redemption.objects.filter(campaign=campaign, reversed_at__isnull=True)
    totals = live.aggregate(
        redeemed=Count("id"),
        bill=Sum("bill"),
        discount=Sum("discount"),
        returning=Count("id", filter=Q(returning_customer=True)),
    )
    bill = totals["bill"] or Decimal("0")
    discount = totals["discount"] or Decimal("0")
    claims = dict(
        Coupon.objects.filter(campaign=campaign, claimed_at__isnull=False)
        .annotate(day=TruncDate("claimed_at"))
        .values_list("day")
        .annotate(n=Count("id"))
    )
    uses = dict(
        live.annotate(day=TruncDate("created_at")).values_list("day").annotate(n=Count("id"))
    )
    daily = [
        {"day": f"{day:%m-%d}", "claimed": claims.get(day, 0), "redeemed": uses.get(day, 0)}
        for day in sorted(set(claims) | set(uses))
    ]
    return Effect(
        issued=coupons["issued"],
        claimed=coupons["claimed"],
        viewed=coupons["viewed"],
        redeemed=totals["redeemed"],
        revenue=to_money(bill - discount),
        discount_cost=to_money(discount),
        new_customers=totals["redeemed"] - totals["returning"],
        returning_customers=totals["returning"],
        daily=daily,
        uplift=holdout_uplift(campaign),
    )


def holdout_uplift(campaign: Campaign) -> Uplift | None:
    """Visits and spend at the merchant since the campaign began, per person, for the people who
    received the coupon against the random share held out (visits as promotions/visits.py
    defines them, coupons used at the till included). None without a holdout."""
    held = list(campaign.holdouts.values_list("consumer_id", flat=True))
    treated = list(
        Coupon.objects.filter(campaign=campaign, issued_by__isnull=False, consumer__isnull=False)
        .values_list("consumer_id", flat=True)
        .distinct()
    )
    if not held or not treated:
        return None
    counted: dict[int, float] = defaultdict(float)
    spend: dict[int, float] = defaultdict(float)
    for visit in visit_rows(
        campaign.merchant_id, since=campaign.created_at, consumer_ids=set(held) | set(treated)
    ):
        counted[visit.consumer_id] += 1
        spend[visit.consumer_id] += float(visit.amount)
    visits_ = welch_interval([counted[p] for p in treated], [counted[p] for p in held])
    revenue = welch_interval([spend[p] for p in treated], [spend[p] for p in held])
    return Uplift(
        treated=len(treated),
        holdout=len(held),
        visits_diff=visits_.difference,
        visits_ci=(visits_.low, visits_.high),
        revenue_diff=revenue.difference,
        revenue_ci=(revenue.low, revenue.high),
    )


def campaign_codes(campaign: Campaign):
    """Every code of the campaign with its state, for the CSV export (streamed)."""
    return (
        Coupon.objects.filter(campaign=campaign)
        .select_related("consumer")
        .order_by("id")
        .iterator(chunk_size=5000)
    )


def unclaimed_codes(campaign: Campaign, limit: int) -> list[str]:
    return list(
        Coupon.objects.filter(campaign=campaign, status=CouponStatus.UNCLAIMED)
        .order_by("id")
        .values_list("code", flat=True)[:limit]
    )


def redemptions(merchant, limit: int = 50) -> list[Redemption]:
    return list(
        Redemption.objects.filter(merchant=merchant)
        .select_related("campaign", "coupon", "consumer", "store")
        .order_by("-created_at")[:limit]
    )


def unsaved_campaign(merchant, data: dict) -> Campaign:
    """A campaign built from a form being filled in, only to be shown (never saved)."""
    now = clock.now()
    return Campaign(
        merchant=merchant,
        name=data.get("name") or _("Campaign name"),
        description=data.get("description") or "",
        kind=data.get("kind") or CouponKind.AMOUNT_OFF,
        amount=data.get("amount") or 0,
        threshold=data.get("threshold") or 0,
        percent=data.get("percent") or 0,
        cap=data.get("cap") or 0,
        free_item_id=data.get("free_item"),
        valid_from=data.get("valid_from") or now,
        valid_until=data.get("valid_until") or now,
        valid_days=data.get("valid_days"),
    )


def issued_campaigns(merchant) -> list[Campaign]:
    """The campaigns the shop hands out itself (usable as a greeting's gift), newest first."""
    return list(
        Campaign.objects.filter(
            merchant=merchant, claim_mode=ClaimMode.ISSUED, published=True
        ).order_by("-valid_until", "-id")
    )
