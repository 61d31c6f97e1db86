from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PromotionsConfig(AppConfig):
    name = "regulars.promotions"
    label = "promotions"
    verbose_name = _("Coupons")

    def ready(self):
        from regulars.orders import discounts

        from .discounts import CouponDiscount

        discounts.register(CouponDiscount())
