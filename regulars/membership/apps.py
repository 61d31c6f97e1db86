from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "regulars.membership"
    label = "membership"
    verbose_name = _("Member cards")

    def ready(self):
        from regulars.accounts.privacy import held_by, register_erasure_blocker
        from regulars.orders import discounts, payments

        from . import receivers, selectors  # noqa: F401
        from .models import Card
        from .payments import CardProvider, MemberPriceDiscount, PointsDiscount, RewardDiscount

        payments.register(CardProvider())
        discounts.register(PointsDiscount())
        discounts.register(RewardDiscount())
        discounts.register(MemberPriceDiscount())
        register_erasure_blocker(selectors.stored_value_left)
        held_by(Card, holder="consumer")
