"""The rules of value on a member card that are not ledger writes: what a member pays (the
tier's member price) and how much bonus a refund of paid-in money takes back. `services` applies
them inside its transactions; the till, online orders and refunds all read them from here."""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.core.money import discount_text, to_money
from regulars.membership.errors import Problem

from .models import Card, CardStatus, ValueEntry, ValueKind

MAX_AMOUNT = Decimal("100000")


def bill_amount(value, field: str = "amount") -> Decimal:
    """A bill or payment in yuan, between ¥0.01 and ¥100,000."""
    try:
        amount = to_money(value)
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(
            _("Enter an amount like 50.00."), field=field, code=Problem.BAD_FORMAT
        ) from None
    if amount <= 0 or amount > MAX_AMOUNT:
        raise DomainError(
            _("The amount must be between 0.01 and 100,000."),
            field=field,
            code=Problem.OUT_OF_RANGE,
        )
    return amount


@dataclass(frozen=True)
class MemberPrice:
    """What a bill costs this card's holder: the tier's discount taken off (会员价)."""

    bill: Decimal
    off: Decimal
    label: str  # "金卡 95折" / "Gold 5% off", empty without a discount
    offs: tuple = ()  # each line's part of `off`, when priced line by line

    @property
    def price(self) -> Decimal:
        return self.bill - self.off


def _percent_off(card: Card) -> Decimal:
    if not card.tier_id or card.status != CardStatus.ACTIVE:
        return Decimal("0")
    return card.tier.discount_percent


def member_price_label(card: Card) -> str:
    """ "金卡 95折" for a card whose tier takes something off, else empty."""
    percent = _percent_off(card)
    return f"{card.tier.name} {discount_text(percent)}" if percent > 0 else ""


def member_price(card: Card, bill) -> MemberPrice:
    bill = bill_amount(bill)
    percent = _percent_off(card)
    off = to_money(bill * percent / 100) if percent > 0 else Decimal("0.00")
    return MemberPrice(bill, off, member_price_label(card))


def member_price_of_lines(card: Card, lines) -> MemberPrice:
    """The member price line by line (`lines`: objects with `item`, `quantity` and `amount`): a
    service with its own member price (会员价) costs that, unless the tier's discount takes off
    more; every other line takes the tier's discount. A card that is not active gets nothing."""
    percent = _percent_off(card)
    active = card.status == CardStatus.ACTIVE
    offs, own_price = [], False
    for line in lines:
        by_tier = to_money(line.amount * percent / 100) if percent > 0 else Decimal("0.00")
        item = getattr(line, "item", None)
        if active and item is not None and item.member_price is not None:
            by_item = max((item.price - item.member_price) * line.quantity, Decimal("0.00"))
            if by_item > by_tier:
                own_price = True
                offs.append(min(to_money(by_item), line.amount))
                continue
        offs.append(by_tier)
    label = member_price_label(card)
    if own_price:
        label = f"{label} · {_('member prices')}" if label else _("Member prices")
    total = sum((line.amount for line in lines), Decimal("0.00"))
    return MemberPrice(total, sum(offs, Decimal("0.00")), label, tuple(offs))


def bonus_brought_by(card: Card, paid_in: Decimal) -> Decimal:
    """The bonus that the newest `paid_in` of the card's paid-in money brought with it.

    Replays the card's ledger as slices of paid-in money, oldest first, each with the bonus per
    yuan of its top-up: payments take from the oldest slices, refunds from the newest, a voided
    top-up removes what is left of its slice; money a void or a bill refund puts back counts as
    bonus-free."""
    slices: list[list] = []  # [yuan left, bonus per yuan, top-up entry id]
    for entry in ValueEntry.objects.filter(card=card).order_by("pk"):
        paid = entry.principal_delta
        if entry.kind == ValueKind.TOPUP and paid > 0:
            slices.append([paid, entry.bonus_delta / paid, entry.pk])
        elif entry.kind == ValueKind.VOID and paid < 0:
            slices = [piece for piece in slices if piece[2] != entry.voids_id]
        elif paid > 0:
            slices.insert(0, [paid, Decimal("0"), None])
        elif entry.kind == ValueKind.SPEND:
            _take_paid_in(slices, -paid, newest_first=False)
        elif entry.kind == ValueKind.REFUND:
            _take_paid_in(slices, -paid, newest_first=True)
    return to_money(_take_paid_in(slices, paid_in, newest_first=True))


def _take_paid_in(slices: list[list], amount: Decimal, *, newest_first: bool) -> Decimal:
    """Take `amount` from the slices; returns the bonus it brought."""
    bonus = Decimal("0")
    order = reversed(slices) if newest_first else iter(slices)
    for piece in order:
        if amount <= 0:
            break
        taken = min(piece[0], amount)
        piece[0] -= taken
        amount -= taken
        bonus += taken * piece[1]
    slices[:] = [piece for piece in slices if piece[0] > 0]
    return bonus
