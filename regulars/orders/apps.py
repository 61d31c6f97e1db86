from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "regulars.orders"
    label = "orders"
    verbose_name = _("Orders and reservations")

    def ready(self):
        from regulars.accounts.privacy import register_erasure_blocker

        from . import selectors

        register_erasure_blocker(selectors.paid_order_left)
