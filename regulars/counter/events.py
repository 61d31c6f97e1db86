"""What the counter tells others (sent inside the bill's transaction)."""

from django.dispatch import Signal

# A bill was rung up and paid: bill.
bill_paid = Signal()

# Money given back on a bill: refund (a BillRefund, with its lines and tenders).
bill_refunded = Signal()
