from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "regulars.promotions"
    label = "promotions"
    verbose_name = _("Coupons")

    def ready(self):
        from regulars.accounts.privacy import held_by
        from regulars.orders import discounts

        from .discounts import CouponDiscount
        from .models import Coupon

        discounts.register(CouponDiscount())
        held_by(Coupon, holder="consumer")
