"""Tiers: editing one, the review that moves cards up or down, and a manager's decision."""

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.core.money import to_money
from regulars.membership.errors import Problem
from regulars.merchants.permissions import Action, StaffContext

from ..events import (
    tier_decided,
)
from ..locks import lock_card
from ..models import (
    Card,
    PointsEntry,
    PointsKind,
    Purchase,
    Tier,
    TierDecision,
)
from .cards import staff_card


def _upgrade_tier(card: Card, now: dt.datetime) -> None:
    for tier in card.program.tiers.filter(rank__gt=card.tier.rank).order_by("-rank"):
        if _qualifies(card, tier, now):
            card.tier = tier
            card.save(update_fields=["tier", "updated_at"])
            return


# ---- tiers and top-up rules --------------------------------------------------------------


@transaction.atomic
def update_tier(
    *,
    actor: StaffContext,
    tier_id: int,
    name: str,
    discount_percent,
    points_per_yuan,
    benefits: str = "",
    qualify_spend=0,
    qualify_points: int = 0,
    qualify_days: int = 365,
) -> Tier:
    """A tier's perks and entry rule. Spend 0 on a tier above the first means: by decision only."""
    actor.require(Action.DESIGN_CARDS)
    tier = Tier.objects.filter(pk=tier_id, merchant=actor.merchant).first()
    if tier is None:
        raise NotFound()
    name = (name or "").strip()
    if not name or len(name) > 20:
        raise DomainError(
            _("Give the tier a name of at most 20 characters."), field="name", code=Problem.TOO_LONG
        )
    try:
        discount = Decimal(str(discount_percent))
        multiplier = Decimal(str(points_per_yuan))
        spend = Decimal(str(qualify_spend or 0))
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("Enter numbers."), field="discount_percent", code=Problem.BAD_FORMAT
        ) from None
    if not Decimal("0") <= discount < Decimal("100"):
        raise DomainError(
            _("The discount is between 0 and 99.99 %."),
            field="discount_percent",
            code=Problem.OUT_OF_RANGE,
        )
    if not Decimal("0") <= multiplier <= Decimal("100"):
        raise DomainError(
            _("Points per ¥1 are between 0 and 100."),
            field="points_per_yuan",
            code=Problem.OUT_OF_RANGE,
        )
    if spend < 0:
        raise DomainError(
            _("The amount cannot be negative."), field="qualify_spend", code=Problem.OUT_OF_RANGE
        )
    if not 1 <= int(qualify_days) <= 3650:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": 3650},
            field="qualify_days",
            code=Problem.OUT_OF_RANGE,
        )
    if not 0 <= int(qualify_points or 0) <= 100_000_000:
        raise DomainError(
            _("The points cannot be negative."), field="qualify_points", code=Problem.OUT_OF_RANGE
        )
    tier.qualify_points = int(qualify_points or 0)
    tier.name, tier.discount_percent, tier.points_per_yuan = name, discount, multiplier
    tier.benefits, tier.qualify_spend, tier.qualify_days = (
        (benefits or "").strip()[:200],
        to_money(spend),
        int(qualify_days),
    )
    tier.save()
    return tier


def _qualifies(card: Card, tier: Tier, now: dt.datetime) -> bool:
    """The first tier is everyone's; an automatic tier needs its spend or its points within its
    period; a tier given by decision is never reached by itself."""
    if tier.rank == 1:
        return True
    if not tier.automatic:
        return False
    since = now - dt.timedelta(days=tier.qualify_days)
    if tier.qualify_spend > 0:
        spent = Purchase.objects.filter(card=card, created_at__gte=since).aggregate(
            total=Sum("amount")
        )["total"]
        if (spent or Decimal("0")) >= tier.qualify_spend:
            return True
    if tier.qualify_points > 0:
        earned = PointsEntry.objects.filter(
            card=card, kind=PointsKind.EARN, created_at__gte=since
        ).aggregate(total=Sum("delta"))["total"]
        if (earned or 0) >= tier.qualify_points:
            return True
    return False


@transaction.atomic
def set_card_tier(
    *,
    actor: StaffContext,
    card_id: int,
    tier_id: int,
    reason: str,
    until: dt.date | None = None,
) -> TierDecision:
    """Put a card in a tier by the shop's decision (owner or manager), with the reason; the
    periodic review leaves it there until `until` (a last day), or for good without one."""
    actor.require(Action.DECIDE_CARD_TIERS)
    if until is not None and until < clock.today():
        raise DomainError(
            _("The decision cannot end before today."), field="until", code=Problem.BAD_TIME
        )
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say why the card moves to this tier."), field="reason", code=Problem.REQUIRED
        )
    card = lock_card(staff_card(actor, card_id=card_id).pk, "tier")
    tier = Tier.objects.filter(pk=tier_id, program_id=card.program_id).first()
    if tier is None:
        raise DomainError(
            _("Choose one of your program's tiers."), field="tier_id", code=Problem.UNKNOWN_CHOICE
        )
    if tier.pk == card.tier_id:
        raise DomainError(
            _("The card is already in this tier."), field="tier_id", code=Problem.ALREADY_DONE
        )
    decision = TierDecision.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        from_tier=card.tier,
        to_tier=tier,
        reason=reason[:200],
        until=until,
        decided_by=actor.user,
    )
    tier_decided.send(sender=TierDecision, decision=decision)
    card.tier = tier
    card.save(update_fields=["tier", "updated_at"])
    return decision


def review_tiers(*, now: dt.datetime | None = None) -> int:
    """Period end: a card whose recent spending no longer reaches its automatic tier moves down to
    the highest tier it still qualifies for; tiers given by decision — a tier that is never
    reached by itself, or the tier the shop last put the card in while that decision holds (no
    end, or its last day not passed) — are left alone. Returns moves."""
    now = now or clock.now()
    moved = 0
    automatic = Q(tier__qualify_spend__gt=0) | Q(tier__qualify_points__gt=0)
    latest = TierDecision.objects.filter(card=OuterRef("pk")).order_by("-created_at", "-id")
    reviewed = (
        Card.objects.filter(automatic, tier__rank__gt=1)
        .annotate(
            decided_tier=Subquery(latest.values("to_tier")[:1]),
            decided_until=Subquery(latest.values("until")[:1]),
        )
        # Written as a filter, not an exclude: a card never decided has NULLs here, and NOT of
        # a comparison with NULL would leave it out of the review.
        .filter(
            Q(decided_tier__isnull=True)
            | ~Q(decided_tier=F("tier"))
            | Q(decided_until__lt=timezone.localdate(now))
        )
    )
    for card_id in reviewed.values_list("pk", flat=True).distinct():
        with transaction.atomic():
            card = lock_card(card_id, "tier", "program")
            tiers = card.program.tiers.filter(rank__lte=card.tier.rank).order_by("-rank")
            target = next(tier for tier in tiers if _qualifies(card, tier, now))
            if target.pk != card.tier_id:
                card.tier = target
                card.save(update_fields=["tier", "updated_at"])
                moved += 1
    return moved
