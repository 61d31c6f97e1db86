from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RelationshipsConfig(AppConfig):
    name = "regulars.relationships"
    label = "relationships"
    verbose_name = _("Customer relationships")

    def ready(self):
        from django.utils.translation import gettext_lazy as _lazy

        from regulars.servicedesk import knowledge

        from . import receivers  # noqa: F401
        from .models import TaskKind

        knowledge.register_topics(_lazy("Tasks: %(t)s"), TaskKind.choices)
