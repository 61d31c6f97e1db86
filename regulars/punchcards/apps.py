from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PunchcardsConfig(AppConfig):
    name = "regulars.punchcards"
    label = "punchcards"
    verbose_name = _("Punch cards")
