"""Reads for member cards: the wallet, a card's history, members, liability and checks."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from regulars.core import clock, codes
from regulars.core.errors import NotFound
from regulars.core.money import to_money
from regulars.core.phones import normalize_phone

from . import rules
from .models import Card, CardProgram, PointsEntry, Purchase, Reward, Tier, ValueEntry


def program_of(merchant) -> CardProgram | None:
    return (
        CardProgram.objects.filter(merchant=merchant)
        .prefetch_related("tiers", "topup_rules")
        .first()
    )


def tiers_of(merchant) -> list[Tier]:
    """The merchant's card tiers, lowest first (one statement; no program needed)."""
    return list(Tier.objects.filter(merchant=merchant))


def unsaved_program(merchant, data: dict) -> CardProgram:
    """The card being designed, from a form being filled in, only to be drawn (never saved).
    The saved pictures stay unless the form clears them."""
    saved = program_of(merchant)
    program = CardProgram(
        merchant=merchant,
        title=(data.get("title") or "")[:40],
        subtitle=(data.get("subtitle") or "")[:60],
        template=data.get("template") or "classic",
        color=data.get("color") or "#e8572a",
        text_color=data.get("text_color") or "#ffffff",
    )
    for picture in ("logo", "background"):
        if saved is not None and not data.get(f"{picture}-clear"):
            setattr(program, picture, getattr(saved, picture))
    return program


def sample_tier_name(program: CardProgram | None) -> str:
    """The tier a sample card shows: the entry tier, as a new member gets it."""
    first = program.tiers.first() if program is not None and program.pk else None
    return first.name if first else str(_("Regular"))


def published_program(merchant_id: int) -> CardProgram | None:
    """The card a shop offers on its store page (named there; its tiers are not shown)."""
    return CardProgram.objects.filter(merchant_id=merchant_id, published=True).first()


def rewards(program_id: int) -> list[Reward]:
    """Services a card holder can have for points, cheapest first."""
    return list(
        Reward.objects.filter(program_id=program_id, is_active=True, item__is_active=True)
        .select_related("item", "item__store")
        .order_by("points", "id")
    )


def wallet(consumer) -> list[Card]:
    return list(
        Card.objects.filter(consumer=consumer)
        .select_related("program", "tier", "merchant")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class CardView:
    card: Card
    next_tier: object
    spent_towards_next: Decimal
    expiring_soon: int
    history: list


def card_view(card: Card, *, now: dt.datetime | None = None) -> CardView:
    """Balance, points with what expires within 90 days, progress to the next tier, history."""
    from .services import expiring_points

    now = now or clock.now()
    next_tier = (
        card.program.tiers.filter(rank__gt=card.tier.rank, qualify_spend__gt=0)
        .order_by("rank")
        .first()
    )
    spent = Decimal("0")
    if next_tier:
        spent = Purchase.objects.filter(
            card=card, created_at__gte=now - dt.timedelta(days=next_tier.qualify_days)
        ).aggregate(total=Sum("amount"))["total"] or Decimal("0")
    history = sorted(
        [("points", e.created_at, e) for e in card.points_entries.all()]
        + [("value", e.created_at, e) for e in card.value_entries.all()]
        + [("purchase", p.created_at, p) for p in card.purchases.all()]
        + [("tier", d.created_at, d) for d in card.tier_decisions.select_related("to_tier")],
        key=lambda row: row[1],
        reverse=True,
    )
    return CardView(
        card=card,
        next_tier=next_tier,
        spent_towards_next=to_money(spent),
        expiring_soon=expiring_points(card, now + dt.timedelta(days=90)),
        history=history[:100],
    )


def held_card(consumer, merchant_id: int) -> Card | None:
    """The card this person holds at this shop, if any (anonymous visitors hold none)."""
    if not getattr(consumer, "is_authenticated", False):
        return None
    return (
        Card.objects.filter(consumer=consumer, merchant_id=merchant_id)
        .select_related("program")  # the store page names the card by its programme's title
        .first()
    )


def consumer_card(consumer, card_id: int) -> Card:
    card = (
        Card.objects.select_related("program", "tier", "merchant")
        .filter(pk=card_id, consumer=consumer)
        .first()
    )
    if card is None:
        raise NotFound()
    return card


def merchant_card(merchant, card_id: int) -> Card:
    card = (
        Card.objects.select_related("program", "tier", "consumer")
        .filter(pk=card_id, merchant=merchant)
        .first()
    )
    if card is None:
        raise NotFound()
    return card


def till_card(merchant, typed: str) -> Card | None:
    """The card a cashier scanned or typed: its number, or the member's whole phone number (a
    cashier never searches by part of a number)."""
    cards = Card.objects.filter(merchant=merchant).select_related("program", "tier", "consumer")
    number = codes.normalize_code(typed)
    found = cards.filter(number=number).first() if number else None
    if found is None and (phone := normalize_phone(typed)):
        found = cards.filter(consumer__phone=phone).first()
    return found


def members(
    merchant, query: str = "", limit: int = 200, *, partial_phone: bool = False
) -> list[Card]:
    """Cards by number, name or phone; the phone by any part only for staff who may see it."""
    cards = Card.objects.filter(merchant=merchant).select_related("tier", "consumer")
    if query:
        if partial_phone:
            by_phone = Q(consumer__phone__contains=query)
        else:
            whole = normalize_phone(query)
            by_phone = Q(consumer__phone=whole) if whole else Q(pk__in=[])
        cards = cards.filter(
            Q(number__contains=query) | by_phone | Q(consumer__display_name__contains=query)
        )
    return list(cards.order_by("-created_at")[:limit])


def tier_distribution(merchant) -> list[dict]:
    return list(
        Card.objects.filter(merchant=merchant)
        .values("tier__name", "tier__rank")
        .annotate(cards=Count("id"))
        .order_by("tier__rank")
    )


@dataclass(frozen=True)
class Liability:
    cards: int
    principal: Decimal
    bonus: Decimal
    points: int

    @property
    def total(self) -> Decimal:
        return self.principal + self.bonus


def liability(merchant) -> Liability:
    """What the merchant owes its card holders: stored value (paid-in and bonus) and points."""
    row = Card.objects.filter(merchant=merchant).aggregate(
        cards=Count("id"), principal=Sum("principal"), bonus=Sum("bonus"), points=Sum("points")
    )
    return Liability(
        row["cards"],
        to_money(row["principal"] or 0),
        to_money(row["bonus"] or 0),
        row["points"] or 0,
    )


def ledger_mismatches(card_ids=None) -> list[int]:
    """Cards whose cached balances differ from the sums of their ledgers (should be none)."""
    cards = Card.objects.all() if card_ids is None else Card.objects.filter(pk__in=card_ids)
    points = dict(PointsEntry.objects.values_list("card_id").annotate(total=Sum("delta")))
    value = {
        row[0]: (row[1], row[2])
        for row in ValueEntry.objects.values_list("card_id").annotate(
            p=Sum("principal_delta"), b=Sum("bonus_delta")
        )
    }
    wrong = []
    for card in cards.only("id", "points", "principal", "bonus"):
        principal, bonus = value.get(card.pk, (0, 0))
        if (
            card.points != (points.get(card.pk) or 0)
            or card.principal != to_money(principal or 0)
            or card.bonus != to_money(bonus or 0)
        ):
            wrong.append(card.pk)
    return wrong


def printed_batches(merchant) -> list[dict]:
    from .models import PrintedCard

    return list(
        PrintedCard.objects.filter(merchant=merchant)
        .values("batch")
        .annotate(total=Count("id"), handed_out=Count("card"))
        .order_by("-batch")
    )


def batch_numbers(merchant, batch: int) -> list[str]:
    from .models import PrintedCard

    numbers = list(
        PrintedCard.objects.filter(merchant=merchant, batch=batch).values_list("number", flat=True)
    )
    if not numbers:
        raise NotFound()
    return numbers


def program_tiers(program_id: int) -> list[Tier]:
    return list(Tier.objects.filter(program_id=program_id).order_by("rank"))


member_price_label = rules.member_price_label  # the member page's badge and till checkbox


def stored_value_left(user) -> str | None:
    """Why the person may not be erased yet: money left on one of their cards (an erasure
    blocker, accounts.privacy)."""
    holding = (
        Card.objects.filter(consumer=user).filter(Q(principal__gt=0) | Q(bonus__gt=0)).exists()
    )
    return _("a member card still holds stored value") if holding else None
