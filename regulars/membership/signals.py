"""What the membership app tells others, sent by its services after the fact is written (inside
the same transaction, so a listener's writes commit or roll back with it)."""

from django.dispatch import Signal

# A person holds a card of the shop now (applied, or given by staff): card=Card.
card_issued = Signal()

# A consumption recorded on a card, at the till or for an online order, or its void (a negative
# purchase whose `voids` is the original): purchase=Purchase.
card_purchase_recorded = Signal()
