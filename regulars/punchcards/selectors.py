"""Reads for punch cards: a shop's plans, the plans a store page offers, a held card, a
consumer's wallet."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Prefetch
from django.utils.translation import gettext, ngettext

from regulars.core import clock, codes
from regulars.core.errors import NotFound
from regulars.orders import prepaid

from .models import PunchCard, PunchEntry, PunchPlan


def plans_of(merchant) -> list[PunchPlan]:
    return list(
        PunchPlan.objects.filter(merchant=merchant)
        .annotate(sold=Count("cards"))
        .prefetch_related("items")
    )


def plan_of(merchant, plan_id: int) -> PunchPlan:
    found = PunchPlan.objects.filter(merchant=merchant, pk=plan_id).prefetch_related("items")
    if not (plan := found.first()):
        raise NotFound()
    return plan


def plans_on_sale(store) -> list[PunchPlan]:
    """The plans covering a service of this store, for its page."""
    return list(
        PunchPlan.objects.filter(merchant_id=store.merchant_id, is_active=True, items__store=store)
        .distinct()
        .prefetch_related("items")
    )


def sellable_plans(merchant) -> list[PunchPlan]:
    return list(PunchPlan.objects.filter(merchant=merchant, is_active=True))


def _with_history(cards):
    return cards.select_related("plan", "merchant").prefetch_related(
        "plan__items", Prefetch("entries", PunchEntry.objects.select_related("item"))
    )


def card_at_till(merchant, typed: str) -> PunchCard | None:
    number = codes.normalize_code(typed)
    if not number:
        return None
    return _with_history(PunchCard.objects.filter(merchant=merchant, number=number)).first()


def held_card(merchant, card_id: int) -> PunchCard:
    found = _with_history(PunchCard.objects.filter(merchant=merchant, pk=card_id)).first()
    if found is None:
        raise NotFound()
    return found


def transferred_card(entry) -> PunchCard:
    return _with_history(PunchCard.objects.filter(pk=entry.card_id)).get()


def cards_of_customer(merchant, consumer_id: int | None) -> list[PunchCard]:
    """The punch cards a customer holds at this shop, for their file in the console."""
    if not consumer_id:
        return []
    return list(
        PunchCard.objects.filter(merchant=merchant, consumer_id=consumer_id)
        .select_related("plan")
        .order_by("status", "-created_at")
    )


def my_cards(consumer) -> list[PunchCard]:
    return list(_with_history(PunchCard.objects.filter(consumer=consumer)))


@dataclass(frozen=True)
class Owed:
    """What the shop owes on the punch cards it sold: the unused part, pro rata."""

    cards: int
    uses_left: int
    value: Decimal


def liability(merchant) -> Owed:
    now = clock.now()
    active = PunchCard.objects.filter(merchant=merchant, status="active", expires_at__gt=now)
    cards = list(active.select_related("plan"))
    return Owed(
        cards=len(cards),
        uses_left=sum(card.uses_left or 0 for card in cards),
        value=sum((card.unused_value(now) for card in cards), Decimal("0.00")),
    )


def owed_as_prepaid(merchant) -> prepaid.Owed:
    """The punch cards' line in the shop's prepaid liability (beside stored value)."""
    owed = liability(merchant)
    return prepaid.Owed(
        key="punch_cards",
        label=gettext("Unused punch cards"),
        cards=owed.cards,
        value=owed.value,
        detail=ngettext("%(n)d use left", "%(n)d uses left", owed.uses_left)
        % {"n": owed.uses_left},
    )
