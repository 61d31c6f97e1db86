"""What punch cards tell others (sent inside the write's transaction)."""

from django.dispatch import Signal

# The unused part of a card was given back: entry (a PunchEntry of kind refund, with its amount).
punch_card_refunded = Signal()
