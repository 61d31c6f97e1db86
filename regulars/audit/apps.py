from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "regulars.audit"
    label = "audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from regulars.membership import services as membership

        from . import receivers  # noqa: F401
        from .services import SPEND_LINE_SQL, spend_line_params

        if all(sql != SPEND_LINE_SQL for sql, _params in membership.SPEND_COMPANIONS):
            membership.SPEND_COMPANIONS.append((SPEND_LINE_SQL, spend_line_params))
