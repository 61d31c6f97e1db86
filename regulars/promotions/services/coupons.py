"""Getting a coupon: claiming one, claiming by code, issuing to customers (with a held-out
group for measuring uplift), printing codes, and marking one seen."""

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from regulars.core import clock, codes
from regulars.core.errors import DomainError, NotFound
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications import targeting as offer_reach
from regulars.promotions.errors import Problem

from .. import audiences
from ..errors import Refusal, refuse
from ..events import coupons_received
from ..locks import lock_campaign, lock_person
from ..models import (
    Campaign,
    ClaimMode,
    Coupon,
    CouponKind,
    CouponStatus,
    Holdout,
)
from .campaigns import _local_date
from .redemption import _coupon_by_code

# ---- getting a coupon ----------------------------------------------------------------------


def _coupon_window(campaign: Campaign, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if campaign.valid_days:
        return now, min(now + dt.timedelta(days=campaign.valid_days), campaign.valid_until)
    return campaign.valid_from, campaign.valid_until


def _check_can_have(campaign: Campaign, consumer, now: dt.datetime) -> None:
    """Published, not over, in the audience, under the per-customer limit (caller holds the
    person's lock)."""
    if not campaign.published:
        raise refuse(Refusal.NOT_PUBLISHED)
    if now >= campaign.valid_until:
        raise refuse(Refusal.EXPIRED, date=_local_date(campaign.valid_until))
    if consumer.pk in offer_reach.excluded_ids(campaign.merchant_id):  # the shop's risk list
        raise refuse(Refusal.NOT_AVAILABLE)
    audiences.AUDIENCES[campaign.audience].check(campaign, consumer)
    held = Coupon.objects.filter(campaign=campaign, consumer=consumer).count()
    if held >= campaign.per_customer:
        raise refuse(Refusal.LIMIT_REACHED, n=held)


def _take_stock(campaign: Campaign, count: int = 1) -> None:
    """One conditional UPDATE: however many race, `claimed` never passes `stock`."""
    taken = Campaign.objects.filter(pk=campaign.pk, claimed__lte=F("stock") - count).update(
        claimed=F("claimed") + count
    )
    if not taken:
        raise refuse(Refusal.SOLD_OUT)


def _pay_points(campaign: Campaign, consumer, coupon: Coupon) -> None:
    """A points-exchange coupon costs points from the consumer's card at the shop."""
    from regulars.membership import services as cards
    from regulars.membership.models import Card

    card = Card.objects.filter(merchant_id=campaign.merchant_id, consumer=consumer).first()
    if card is None:
        raise DomainError(
            _("You have no member card at this shop."), field="code", code=Problem.NO_CARD
        )
    cards.spend_points(
        card_id=card.pk,
        points=campaign.points_price,
        idempotency_key=f"coupon:{coupon.pk}",
        reason=_("Coupon “%(name)s”") % {"name": campaign.name},
    )


@transaction.atomic
def claim(*, consumer, campaign_id: int, now: dt.datetime | None = None) -> Coupon:
    """Claim a public campaign's coupon (the button on the store page)."""
    now = now or clock.now()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound()
    if campaign.claim_mode != ClaimMode.PUBLIC:
        raise refuse(Refusal.WRONG_MODE)
    lock_person(consumer.pk)
    _check_can_have(campaign, consumer, now)
    _take_stock(campaign)
    valid_from, valid_until = _coupon_window(campaign, now)
    coupon = Coupon.objects.create(
        merchant_id=campaign.merchant_id,
        campaign=campaign,
        code=_unique_codes(1)[0],
        consumer=consumer,
        status=CouponStatus.CLAIMED,
        claimed_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if campaign.kind == CouponKind.POINTS_EXCHANGE:
        _pay_points(campaign, consumer, coupon)
    coupons_received.send(
        sender=Coupon, merchant_id=campaign.merchant_id, consumer_ids=[consumer.pk]
    )
    return coupon


@transaction.atomic
def claim_code(*, consumer, code: str, now: dt.datetime | None = None) -> Coupon:
    """A consumer types a code from a paper coupon or a message: it becomes theirs."""
    now = now or clock.now()
    coupon = _coupon_by_code(code, guesser=f"user:{consumer.pk}")
    campaign = coupon.campaign
    if coupon.consumer_id == consumer.pk:
        return coupon
    if coupon.consumer_id is not None:
        raise refuse(Refusal.NOT_YOURS)
    if coupon.status == CouponStatus.USED:
        raise refuse(Refusal.USED, date=_local_date(coupon.used_at))
    lock_person(consumer.pk)
    _check_can_have(campaign, consumer, now)
    valid_from, valid_until = _coupon_window(campaign, now)
    changed = Coupon.objects.filter(
        pk=coupon.pk, status=CouponStatus.UNCLAIMED, consumer__isnull=True
    ).update(
        consumer=consumer,
        status=CouponStatus.CLAIMED,
        claimed_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if not changed:
        raise refuse(Refusal.NOT_YOURS)
    Campaign.objects.filter(pk=campaign.pk).update(claimed=F("claimed") + 1)
    coupons_received.send(sender=Coupon, merchant_id=coupon.merchant_id, consumer_ids=[consumer.pk])
    coupon.refresh_from_db()
    return coupon


@dataclass(frozen=True)
class IssueResult:
    issued: int
    held_out: int
    skipped: int  # already had their limit


@transaction.atomic
def issue(*, actor: StaffContext, campaign_id: int, now: dt.datetime | None = None) -> IssueResult:
    """Give the campaign's coupon to every member of its audience (not to the random holdout
    share, kept as the comparison group); people who have their limit already are skipped."""
    actor.require(Action.MANAGE_CAMPAIGNS)
    campaign = lock_campaign(campaign_id, merchant_id=actor.merchant.pk)
    members = audiences.AUDIENCES[campaign.audience].members(campaign).values_list("pk", flat=True)
    return _issue(campaign, list(members), issued_by=actor.user, now=now, holdout=True)


@transaction.atomic
def issue_to(
    *, merchant_id: int, campaign_id: int, consumer_ids: list[int], now: dt.datetime | None = None
) -> IssueResult:
    """Give the campaign's coupon to these people (a birthday present, a greeting's gift): the
    merchant chose the campaign in its settings, so its audience does not apply."""
    campaign = lock_campaign(campaign_id, merchant_id=merchant_id)
    return _issue(campaign, consumer_ids, issued_by=None, now=now, holdout=False)


def _issue(campaign, members: list[int], *, issued_by, now, holdout: bool) -> IssueResult:
    now = now or clock.now()
    if campaign.claim_mode != ClaimMode.ISSUED:
        raise refuse(Refusal.WRONG_MODE, field="campaign")
    if not campaign.published:
        raise refuse(Refusal.NOT_PUBLISHED, field="campaign")
    if now >= campaign.valid_until:
        raise refuse(Refusal.EXPIRED, field="campaign", date=_local_date(campaign.valid_until))
    if campaign.kind == CouponKind.POINTS_EXCHANGE:
        raise refuse(Refusal.WRONG_MODE, field="campaign")
    excluded = offer_reach.excluded_ids(campaign.merchant_id)
    members = [person for person in members if person not in excluded]
    if not members:
        raise DomainError(
            _("The audience is empty: choose tiers or a customer list."),
            field="audience",
            code=Problem.EMPTY_AUDIENCE,
        )
    held = {
        person
        for person, count in Coupon.objects.filter(campaign=campaign, consumer_id__in=members)
        .values_list("consumer_id")
        .annotate(n=Count("id"))
        if count >= campaign.per_customer
    }
    already_out = set(
        Holdout.objects.filter(campaign=campaign).values_list("consumer_id", flat=True)
    )
    fresh = sorted(set(members) - held - already_out)
    share = campaign.holdout_percent if holdout else 0
    rng = random.SystemRandom()
    kept_out = set(rng.sample(fresh, len(fresh) * share // 100))
    recipients = [person for person in fresh if person not in kept_out]
    room = campaign.stock - campaign.claimed
    if len(recipients) > room:
        raise DomainError(
            _("%(n)d customers would get one, but only %(room)d coupons are left.")
            % {"n": len(recipients), "room": room},
            field="stock",
            code=Refusal.SOLD_OUT.value,
        )
    Holdout.objects.bulk_create(
        Holdout(merchant_id=campaign.merchant_id, campaign=campaign, consumer_id=person)
        for person in kept_out
    )
    valid_from, valid_until = _coupon_window(campaign, now)
    Coupon.objects.bulk_create(
        Coupon(
            merchant_id=campaign.merchant_id,
            campaign=campaign,
            code=code,
            consumer_id=person,
            status=CouponStatus.CLAIMED,
            issued_by=issued_by,
            claimed_at=now,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        for person, code in zip(recipients, _unique_codes(len(recipients)), strict=True)
    )
    Campaign.objects.filter(pk=campaign.pk).update(claimed=F("claimed") + len(recipients))
    coupons_received.send(sender=Coupon, merchant_id=campaign.merchant_id, consumer_ids=recipients)
    return IssueResult(
        issued=len(recipients), held_out=len(kept_out), skipped=len(set(members) & held)
    )


# ---- codes -----------------------------------------------------------------------------


def _unique_codes(count: int) -> list[str]:
    """`count` fresh codes, none already in use (checked in chunks; collisions are rare)."""
    found: set[str] = set()
    while len(found) < count:
        batch = list({codes.new_code() for _ in range(count - len(found))} - found)
        for start in range(0, len(batch), 5000):
            chunk = batch[start : start + 5000]
            taken = set(Coupon.objects.filter(code__in=chunk).values_list("code", flat=True))
            found.update(set(chunk) - taken)
    return list(found)[:count]


def mark_viewed(*, consumer, coupon_id: int) -> Coupon:
    """The consumer opened the coupon (the campaign's "viewed" step); the first time counts."""
    coupon = Coupon.objects.filter(pk=coupon_id, consumer=consumer).first()
    if coupon is None:
        raise NotFound()
    if coupon.viewed_at is None:
        Coupon.objects.filter(pk=coupon.pk, viewed_at__isnull=True).update(viewed_at=clock.now())
        coupon.refresh_from_db()
    return coupon
