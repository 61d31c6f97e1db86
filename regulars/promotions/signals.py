"""What promotions tells others, without depending on them."""

from django.dispatch import Signal

# Coupons reached people without a model save per coupon (issued in bulk, claimed by code):
# merchant_id=int, consumer_ids=list[int].
coupons_received = Signal()
