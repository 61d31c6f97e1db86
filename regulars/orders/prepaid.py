"""Prepaid value a shop owes its customers besides stored value: apps that sell something
paid in advance (punch cards) register what is still owed, and the members page and the
liability report show it beside stored value. A registry, because those apps sit beside
membership in the layers and may not import it."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Owed:
    key: str  # stable, for API clients: "punch_cards"
    label: str
    cards: int
    value: Decimal
    detail: str = ""  # "37 uses left"


_SOURCES: list[Callable[[object], Owed]] = []


def register(source: Callable[[object], Owed]) -> None:
    if source not in _SOURCES:
        _SOURCES.append(source)


def owed_besides_stored_value(merchant) -> list[Owed]:
    return [source(merchant) for source in _SOURCES]


# ---- a booking paid in advance --------------------------------------------------------------
# A consumer booking a service may pay for the visit with something prepaid (one use of a punch
# card). The payer takes it when the booking is made (two bookings cannot both take the last
# use) and gives it back if the shop declines or the consumer cancels; a visit served or missed
# keeps it, as the shop's terms say.


class BookingPayer:
    key = ""

    def choices_for(self, consumer, item) -> list[tuple[str, str]]:
        return []

    def hold(self, *, reservation, choice: str) -> str:
        raise NotImplementedError

    def release(self, *, reservation) -> None:
        raise NotImplementedError


BOOKING_PAYERS: dict[str, BookingPayer] = {}


def register_booking_payer(payer: BookingPayer) -> None:
    BOOKING_PAYERS[payer.key] = payer


def booking_choices(consumer, item) -> list[tuple[str, str]]:
    """What this consumer could pay the booking with ("punch:<number>", label)."""
    return [
        (f"{payer.key}:{value}", label)
        for payer in BOOKING_PAYERS.values()
        for value, label in payer.choices_for(consumer, item)
    ]


def payer_of(prepaid_with: str) -> tuple[BookingPayer | None, str]:
    key, _sep, value = (prepaid_with or "").partition(":")
    return BOOKING_PAYERS.get(key), value
