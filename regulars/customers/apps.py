from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "regulars.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from regulars.accounts.privacy import erase_on_request, held_by
        from regulars.notifications import targeting
        from regulars.promotions import audiences

        from . import receivers  # noqa: F401
        from .audiences import SegmentAudience
        from .models import Customer
        from .services import flagged_people

        audiences.register(SegmentAudience())
        targeting.register_exclusion(flagged_people)
        # A shop keeps its books: the customer row stays, without who they were.
        erase_on_request(
            Customer,
            person="consumer",
            rule={"name": "", "phone": "", "birthday": None, "notes": "", "consent": False},
        )
        held_by(Customer, holder="consumer")
