"""What the orders app tells others, without depending on them."""

from django.dispatch import Signal

# Sent once when an order's consumption is confirmed (by the cashier or the buyer): order=Order.
order_consumed = Signal()

# Sent once when a provider confirms a payment: payment=Payment (its purpose says what it was for).
payment_succeeded = Signal()

# Sent once per payment given back to the payer: payment=Payment, order=Order or None (a top-up),
# reason=why, when it was not the buyer asking (the money arrived after the order was gone).
payment_refunded = Signal()

# A settlement entry was written (a sale the platform settles with the merchant):
# entry=SettlementEntry.
settlement_recorded = Signal()
