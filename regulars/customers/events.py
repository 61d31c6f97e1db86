"""What the directory tells others, without depending on them."""

from django.dispatch import Signal

# Sent after customers change account manager: merchant_id, changed_by (a user), reason, and
# moves, a list of (customer_id, before_user_id, after_user_id).
customers_reassigned = Signal()
