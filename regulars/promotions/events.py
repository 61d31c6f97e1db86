"""What promotions tells others, without depending on them."""

from django.dispatch import Signal

# Coupons reached people (claimed on the store page, claimed by code, issued to an audience):
# merchant_id=int, consumer_ids=list[int]. Sent once per hand-out, bulk or not.
coupons_received = Signal()

# A coupon was used, at the till or on an online order: redemption=Redemption.
coupon_redeemed = Signal()
