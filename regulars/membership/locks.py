"""The row locks membership takes, in one place so that concurrency is visible in review.

Every write that moves points or stored value locks the card row first (SELECT ... FOR UPDATE)
and then checks and changes the cached balances and appends the ledger entry in the same
transaction. One lock per card, always taken first: no deadlocks between two cards' writes.
"""

from .models import Card


def lock_card(card_id: int, *related: str) -> Card:
    """Lock one card row, and only that row: related rows the caller needs are read along, not
    locked (`of=("self",)`); locking the merchant row would serialise every card of a shop."""
    cards = Card.objects.select_for_update(of=("self",))
    if related:
        cards = cards.select_related(*related)
    return cards.get(pk=card_id)
