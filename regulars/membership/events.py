"""What the membership app tells others, sent by its services after the fact is written (inside
the same transaction, so a listener's writes commit or roll back with it)."""

from django.dispatch import Signal

# A person holds a card of the shop now (applied, given by staff, or an application approved:
# sent again then, with the card active): card=Card.
card_issued = Signal()

# A consumption recorded on a card, at the till or for an online order, or its void (a negative
# purchase whose `voids` is the original): purchase=Purchase.
card_purchase_recorded = Signal()

# A stored-value ledger row was appended: entry=ValueEntry. `written_by_statement=True` when the
# one-statement spend wrote it (its SPEND_COMPANIONS already wrote what must commit with it).
value_moved = Signal()

# A points ledger row was appended: entry=PointsEntry.
points_moved = Signal()

# A card was put in a tier by the shop's decision: decision=TierDecision.
tier_decided = Signal()
