"""The till: the same moves, checked against the staff member's role and shop."""

from django.utils.translation import gettext as _

from regulars.merchants.permissions import Action, StaffContext

from ..models import (
    PointsEntry,
    Purchase,
    ValueEntry,
)
from ..rules import member_price
from .cards import staff_card, verify_password
from .ledger import _existing
from .points import _require_points, _reward, record_purchase, redemption_value, spend_points
from .value import refund_value, spend_value, top_up, void_value

# ---- the till: the same moves, checked against the staff member's role and shop -------------


def till_record_purchase(
    *,
    actor: StaffContext,
    number: str,
    amount,
    idempotency_key: str,
    description: str = "",
    apply_member_price: bool = True,
) -> Purchase:
    """At the till: scan or type the card number, enter the bill; the member pays the member
    price of their tier (unless the cashier says the bill already is one) and points follow."""
    actor.require(Action.USE_TILL)
    card = staff_card(actor, number=number)
    priced = member_price(card, amount) if apply_member_price else None
    if priced is not None and priced.off:
        description = f"{description} ({priced.label} −¥{priced.off})".strip()
    return record_purchase(
        card_id=card.pk,
        amount=priced.price if priced is not None else amount,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        description=description,
        by=actor.user,
    )


def till_top_up(*, actor: StaffContext, card_id: int, amount, idempotency_key: str) -> ValueEntry:
    """Money paid in at the counter."""
    actor.require(Action.USE_TILL)
    card = staff_card(actor, card_id=card_id)
    return top_up(
        card_id=card.pk,
        amount=amount,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        by=actor.user,
    )


def till_spend(
    *,
    actor: StaffContext,
    card_id: int,
    amount,
    password: str,
    idempotency_key: str,
    reason: str = "",
    apply_member_price: bool = True,
) -> ValueEntry:
    """Pay a bill from the card's balance at the member price; the customer types their
    consumption password."""
    actor.require(Action.USE_TILL)
    card = staff_card(actor, card_id=card_id)
    key = f"orders_console:{actor.merchant.pk}:{idempotency_key}"
    if found := _existing(ValueEntry, key):
        return found
    verify_password(card_id=card.pk, password=password)
    if apply_member_price:
        priced = member_price(card, amount)
        amount = priced.price
        if priced.off:
            reason = f"{reason} ({priced.label} −¥{priced.off})".strip()
    return spend_value(
        card_id=card.pk, amount=amount, idempotency_key=key, reason=reason, by=actor.user
    )


def till_spend_points(
    *,
    actor: StaffContext,
    card_id: int,
    points: int,
    password: str,
    idempotency_key: str,
    bill=None,
) -> PointsEntry:
    """Points as money off at the program's rate, within its rules; the customer types their password."""
    actor.require(Action.USE_TILL)
    card = staff_card(actor, card_id=card_id)
    key = f"orders_console:{actor.merchant.pk}:{idempotency_key}"
    if found := _existing(PointsEntry, key):
        return found
    points = int(points or 0)
    value = redemption_value(card.program, points, bill)
    verify_password(card_id=card.pk, password=password)
    return spend_points(
        card_id=card.pk,
        points=points,
        idempotency_key=key,
        reason=_("¥%(value)s off at the counter") % {"value": value},
        by=actor.user,
    )


def till_void_value(*, actor: StaffContext, entry_id: int, idempotency_key: str) -> ValueEntry:
    actor.require(Action.ADJUST_CARD_BALANCES)
    return void_value(
        entry_id=entry_id,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        by=actor.user,
        merchant_id=actor.merchant.pk,
    )


def till_refund(*, actor: StaffContext, card_id: int, amount, idempotency_key: str) -> ValueEntry:
    """Give paid-in money back at the counter; the bonus it brought goes with it."""
    actor.require(Action.ADJUST_CARD_BALANCES)
    card = staff_card(actor, card_id=card_id)
    return refund_value(
        card_id=card.pk,
        amount=amount,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        by=actor.user,
    )


def till_redeem_reward(
    *, actor: StaffContext, card_id: int, reward_id: int, password: str, idempotency_key: str
) -> PointsEntry:
    """At the till: the customer has the service for points, with their password."""
    actor.require(Action.USE_TILL)
    card = staff_card(actor, card_id=card_id)
    key = f"orders_console:{actor.merchant.pk}:{idempotency_key}"
    if found := _existing(PointsEntry, key):
        return found
    reward = _reward(actor.merchant.pk, reward_id)
    _require_points(card, reward.points)
    verify_password(card_id=card.pk, password=password)
    return spend_points(
        card_id=card.pk,
        points=reward.points,
        idempotency_key=key,
        reason=_("Exchanged for %(item)s") % {"item": reward.item.name},
        by=actor.user,
    )
