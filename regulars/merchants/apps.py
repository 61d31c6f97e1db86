from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MerchantsConfig(AppConfig):
    name = "regulars.merchants"
    label = "merchants"
    verbose_name = _("Merchants")

    def ready(self):
        from regulars.accounts.privacy import register_erasure_blocker

        from . import events, selectors  # noqa: F401

        register_erasure_blocker(selectors.staff_role_left)
