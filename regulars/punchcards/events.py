"""What punch cards tell others (sent inside the write's transaction)."""

from django.dispatch import Signal

# The unused part of a card was given back: entry (a PunchEntry of kind refund, with its amount).
punch_card_refunded = Signal()
# The holder gave a transferable card to someone else: entry (a PunchEntry of kind transfer;
# the card already names the new holder), giver (the previous holder).
punch_card_transferred = Signal()
