"""Punch cards on online orders (the orders app's discount source "punch") and bookings (its
booking payer "punch").

The buyer names one of their cards at the shop; each unit of a service it covers takes one use
when the order is placed (so two orders cannot spend the same last use), and the uses go back
when the order is cancelled, refunded or expires. What comes off is those lines' value after
the member price (the share of what is left to pay)."""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regulars.core import clock, codes
from regulars.core.errors import DomainError
from regulars.core.money import to_money
from regulars.orders import prepaid
from regulars.orders.discounts import Quote

from .errors import Problem
from .models import PlanKind, PunchCard, PunchCardStatus, PunchEntry, PunchKind

KEY = "punch"


def order_key_prefix(order_id: int) -> str:
    return f"punch-order:{order_id}:"


def _usable_cards(consumer, merchant_id: int):
    return (
        PunchCard.objects.filter(
            consumer=consumer,
            merchant_id=merchant_id,
            status=PunchCardStatus.ACTIVE,
            expires_at__gt=clock.now(),
        )
        .select_related("plan")
        .prefetch_related("plan__items")
    )


def _covered_units(card: PunchCard, lines) -> list[tuple[int, int]]:
    """(item id, units) the card pays for, line by line, as far as its uses go."""
    covered_items = {item.pk for item in card.plan.items.all()}
    left = card.uses_left
    if card.plan.kind == PlanKind.PACKAGE:
        used = set(
            PunchEntry.objects.filter(card=card, kind=PunchKind.USE).values_list(
                "item_id", flat=True
            )
        )
        covered_items -= used
    units = []
    for line in lines:
        if line.item.pk not in covered_items:
            continue
        take = line.quantity
        if card.plan.kind == PlanKind.PACKAGE:
            take = 1
        if left is not None:
            take = min(take, left)
            left -= take
        if take > 0:
            units.append((line.item.pk, take))
    return units


class PunchCardDiscount:
    key = KEY

    def quote(self, *, consumer, store, lines, subtotal, params) -> Quote:
        number = codes.normalize_code(str(params.get("number", "")))
        card = _usable_cards(consumer, store.merchant_id).filter(number=number).first()
        if card is None:
            raise DomainError(
                _("Choose one of your punch cards at this shop that is still valid."),
                field="punch_card",
                code=Problem.UNKNOWN_CHOICE,
            )
        units = _covered_units(card, lines)
        if not units:
            raise DomainError(
                _("This card does not cover these services (or has no uses left)."),
                field="punch_card",
                code=Problem.NOT_COVERED,
            )
        prices = {line.item.pk: line.item.price for line in lines}
        covered = sum((prices[item_id] * n for item_id, n in units), Decimal("0"))
        total = sum((line.amount for line in lines), Decimal("0"))
        # The member price came off first: the card pays the covered lines' share of the rest.
        amount = min(to_money(covered * subtotal / total) if total else Decimal("0"), subtotal)
        return Quote(
            source=self.key,
            amount=amount,
            label=_("Punch card %(name)s") % {"name": card.plan.name},
            params={"number": card.number, "units": units},
        )

    def apply(self, *, order, quote: Quote) -> str:
        from .services import use_online

        for item_id, count in quote.params["units"]:
            for n in range(count):
                use_online(
                    consumer=order.consumer,
                    merchant_id=order.merchant_id,
                    number=quote.params["number"],
                    item_id=item_id,
                    idempotency_key=f"{order_key_prefix(order.pk)}{item_id}:{n}",
                    reason=f"order {order.code}",
                )
        return f"punch:{quote.params['number']}"

    def release(self, *, discount) -> None:
        from .services import give_back_online

        give_back_online(
            key_prefix=order_key_prefix(discount.order_id), reason=f"order {discount.order_id}"
        )

    def offer_for(self, consumer, merchant_id: int) -> str | None:
        return None  # offered as a choice at checkout (`choices_for`)

    def choices_for(self, consumer, merchant_id: int) -> list[tuple[str, str]]:
        return [(card.number, _label(card)) for card in _usable_cards(consumer, merchant_id)]


def _label(card: PunchCard) -> str:
    if card.uses_left is None:
        return _("%(name)s · until %(day)s") % {
            "name": card.plan.name,
            "day": f"{card.last_day:%Y-%m-%d}",
        }
    return ngettext("%(name)s · %(n)d use left", "%(name)s · %(n)d uses left", card.uses_left) % {
        "name": card.plan.name,
        "n": card.uses_left,
    }


def booking_key_prefix(reservation_id: int) -> str:
    return f"punch-booking:{reservation_id}:"


class PunchCardBookingPayer(prepaid.BookingPayer):
    """A booking paid with the consumer's punch card: one use a person, taken when booked."""

    key = KEY

    def choices_for(self, consumer, item) -> list[tuple[str, str]]:
        if consumer is None or not consumer.is_authenticated:
            return []
        return [
            (card.number, _label(card))
            for card in _usable_cards(consumer, item.merchant_id).filter(plan__items=item)
        ]

    def hold(self, *, reservation, choice: str) -> str:
        from .services import use_online

        for n in range(reservation.party_size):
            use_online(
                consumer=reservation.consumer,
                merchant_id=reservation.merchant_id,
                number=choice,
                item_id=reservation.item_id,
                idempotency_key=f"{booking_key_prefix(reservation.pk)}{n}",
                reason=f"booking {reservation.pk}",
            )
        return choice

    def release(self, *, reservation) -> None:
        from .services import give_back_online

        give_back_online(
            key_prefix=booking_key_prefix(reservation.pk), reason=f"booking {reservation.pk}"
        )
