from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PunchcardsConfig(AppConfig):
    name = "regulars.punchcards"
    label = "punchcards"
    verbose_name = _("Punch cards")

    def ready(self):
        from regulars.accounts.privacy import held_by

        from . import receivers  # noqa: F401
        from .models import PunchCard

        held_by(PunchCard, holder="consumer")
