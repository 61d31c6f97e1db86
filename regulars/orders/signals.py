"""What the orders app tells others, without depending on them."""

from django.dispatch import Signal

# Sent once when an order's consumption is confirmed (by the cashier or the buyer): order=Order.
order_consumed = Signal()
