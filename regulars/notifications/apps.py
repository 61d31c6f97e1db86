from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "regulars.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from regulars.accounts.services import register_text_sender

        from .channels import sms_gateway

        # Codes that prove a phone leave through the configured SMS provider, at once.
        register_text_sender(lambda **message: sms_gateway().send(**message))
