from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OrdersConfig(AppConfig):
    name = "regulars.orders"
    label = "orders"
    verbose_name = _("Orders and reservations")

    def ready(self):
        from regulars.accounts.privacy import held_by, register_erasure_blocker

        from . import selectors
        from .models import Order, Reservation

        register_erasure_blocker(selectors.paid_order_left)
        held_by(Order, holder="consumer")
        held_by(Reservation, holder="consumer")
