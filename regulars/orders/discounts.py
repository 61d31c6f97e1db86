"""Discounts on an order: what other apps take off the bill (member-card points, coupons).

The orders app knows only this interface. A source registers itself at start-up and is asked,
for each order that names it:

* `quote(consumer=, store=, lines=, subtotal=, params=)` — before anything is written: check the
  request and say how much comes off (or raise a `DomainError` saying why not). It may commit
  side effects of its own that must survive a refusal, such as counting a wrong password.
* `apply(order=, quote=)` — inside the order's transaction: take what the discount costs the
  buyer (spend the points, use the coupon) with an idempotency key derived from the order, and
  return a reference to it. Raising here rolls the whole order back.
* `release(discount=)` — the order was cancelled, refunded or expired: give it back, once.
* `offer_for(consumer, merchant_id)` — a sentence for the checkout page when this buyer can use
  the source at this shop (e.g. how many points they hold), else None.

A source with `automatic = True` (the member price) is not named by the buyer: it is asked for
every order first, may answer None, and the sources the buyer named then quote on what is left.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Protocol

from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.orders.errors import Problem


@dataclass(frozen=True)
class Quote:
    source: str
    amount: Decimal
    label: str
    params: dict = field(default_factory=dict)


class DiscountSource(Protocol):
    key: str

    def quote(self, *, consumer, store, lines, subtotal: Decimal, params: dict) -> Quote: ...

    def apply(self, *, order, quote: Quote) -> str: ...

    def release(self, *, discount) -> None: ...

    def offer_for(self, consumer, merchant_id: int) -> str | None: ...


SOURCES: dict[str, DiscountSource] = {}


def register(source: DiscountSource) -> None:
    SOURCES[source.key] = source


def source(key: str) -> DiscountSource:
    try:
        return SOURCES[key]
    except KeyError:
        raise DomainError(
            _("This kind of discount is not available."), field="discounts", code=Problem.UNKNOWN
        ) from None


def requested(key: str) -> DiscountSource:
    """A source the buyer named: an automatic one cannot be asked for (nor twice)."""
    found = source(key)
    if getattr(found, "automatic", False):
        raise DomainError(
            _("This kind of discount is not available."), field="discounts", code=Problem.UNKNOWN
        )
    return found


def automatic_quotes(*, consumer, store, lines, subtotal: Decimal) -> list[Quote]:
    """What applies to this order by itself (the member price), before anything the buyer asks."""
    quotes = []
    for found in SOURCES.values():
        if getattr(found, "automatic", False):
            quote = found.quote(
                consumer=consumer, store=store, lines=lines, subtotal=subtotal, params={}
            )
            if quote is not None and quote.amount > 0:
                quotes.append(quote)
    return quotes


def offers_for(consumer, merchant_id: int) -> dict[str, str]:
    """What each source offers this buyer at this shop, for the checkout page."""
    found = {key: src.offer_for(consumer, merchant_id) for key, src in SOURCES.items()}
    return {key: text for key, text in found.items() if text}


def choices_for(key: str, consumer, merchant_id: int) -> list[tuple[str, str]]:
    """What the buyer can pick from a source at checkout (e.g. their coupons for this shop)."""
    found = SOURCES.get(key)
    pick = getattr(found, "choices_for", None)
    return pick(consumer, merchant_id) if pick else []
