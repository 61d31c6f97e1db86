"""Welcome gifts (开卡礼, 新人礼): what a shop gives, once per person, when someone opens a member
card or first visits — a coupon of an issued campaign, points on their member card, a punch card.
Given inside the event's transaction; a part that cannot be given (coupons sold out, no member
card for the points) is skipped, the rest still goes, and the person never gets it twice."""

import logging

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.membership import services as cards
from regulars.membership.models import Card, CardStatus
from regulars.merchants.permissions import Action, StaffContext
from regulars.promotions import services as promotions
from regulars.punchcards import services as punch
from regulars.punchcards.models import PunchPlan

from ..errors import Problem
from ..models import GiftGiven, GiftOccasion, WelcomeGift
from .value import check_issued_campaign

log = logging.getLogger(__name__)
MAX_GIFT_POINTS = 100_000


def save_gift(
    *,
    actor: StaffContext,
    occasion: str,
    campaign_id: int | None = None,
    points: int = 0,
    punch_plan_id: int | None = None,
    is_active: bool = True,
) -> WelcomeGift:
    actor.require(Action.CONFIGURE_CUSTOMERS)
    if occasion not in GiftOccasion.values:
        raise DomainError(
            _("Choose when the gift is given."), field="occasion", code=Problem.CHOICE_REQUIRED
        )
    check_issued_campaign(actor.merchant, campaign_id, field="campaign_id")
    if not 0 <= int(points or 0) <= MAX_GIFT_POINTS:
        raise DomainError(
            _("Give from 0 to 100,000 points."), field="points", code=Problem.OUT_OF_RANGE
        )
    if (
        punch_plan_id
        and not PunchPlan.objects.filter(
            pk=punch_plan_id, merchant=actor.merchant, is_active=True
        ).exists()
    ):
        raise DomainError(
            _("Choose one of your punch cards on sale."),
            field="punch_plan_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    gift, _created = WelcomeGift.objects.get_or_create(merchant=actor.merchant, occasion=occasion)
    gift.campaign_id = campaign_id or None
    gift.points = int(points or 0)
    gift.punch_plan_id = punch_plan_id or None
    gift.is_active = bool(is_active)
    gift.save()
    return gift


def give(*, merchant_id: int, consumer, occasion: str) -> GiftGiven | None:
    """The gift for this occasion, once per person; None when there is none or it was given."""
    gift = (
        WelcomeGift.objects.select_related("punch_plan")
        .filter(merchant_id=merchant_id, occasion=occasion, is_active=True)
        .first()
    )
    if gift is None or not (gift.campaign_id or gift.points or gift.punch_plan_id):
        return None
    try:
        with transaction.atomic():
            given = GiftGiven.objects.create(
                merchant_id=merchant_id, consumer=consumer, occasion=occasion
            )
    except IntegrityError:
        return None  # given before
    reason = str(GiftOccasion(occasion).label)
    key = f"gift:{merchant_id}:{consumer.pk}:{occasion}"
    if gift.campaign_id:
        try:
            promotions.issue_to(
                merchant_id=merchant_id, campaign_id=gift.campaign_id, consumer_ids=[consumer.pk]
            )
        except DomainError as refusal:  # sold out or ended: the other parts still go
            log.info("welcome coupon not given: %s", refusal.code)
    if gift.points:
        card = Card.objects.filter(
            merchant_id=merchant_id, consumer=consumer, status=CardStatus.ACTIVE
        ).first()
        if card is not None:
            cards.give_points(
                card_id=card.pk, points=gift.points, idempotency_key=key, reason=reason
            )
    if gift.punch_plan_id:
        punch.issue_card(
            plan=gift.punch_plan,
            consumer=consumer,
            price_paid=0,
            idempotency_key=key,
            sold_on=reason,
        )
    return given
