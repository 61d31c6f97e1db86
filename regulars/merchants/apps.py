from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "regulars.merchants"
    label = "merchants"
    verbose_name = _("Merchants")

    def ready(self):
        from . import signals  # noqa: F401
