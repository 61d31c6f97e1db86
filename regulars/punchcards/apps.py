from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PunchcardsConfig(AppConfig):
    name = "regulars.punchcards"
    label = "punchcards"
    verbose_name = _("Punch cards")

    def ready(self):
        from regulars.accounts.privacy import held_by
        from regulars.orders import discounts, prepaid

        from . import receivers, selectors  # noqa: F401
        from .models import PunchCard

        held_by(PunchCard, holder="consumer")
        prepaid.register(selectors.owed_as_prepaid)
        from .discounts import PunchCardBookingPayer, PunchCardDiscount

        discounts.register(PunchCardDiscount())
        prepaid.register_booking_payer(PunchCardBookingPayer())
