from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicedeskConfig(AppConfig):
    name = "regulars.servicedesk"
    label = "servicedesk"
    verbose_name = _("Service desk")

    def ready(self):
        from django.utils.translation import gettext_lazy as _lazy

        from . import knowledge, receivers  # noqa: F401
        from .models import TicketCategory

        knowledge.register_topics(_lazy("Complaints: %(c)s"), TicketCategory.choices)
