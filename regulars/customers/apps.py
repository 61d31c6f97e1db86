from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "regulars.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from regulars.notifications import targeting
        from regulars.promotions import audiences

        from . import receivers  # noqa: F401
        from .audiences import SegmentAudience
        from .services import flagged_people

        audiences.register(SegmentAudience())
        targeting.register_exclusion(flagged_people)
