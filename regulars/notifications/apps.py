from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "regulars.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from regulars.accounts.privacy import erase_on_request
        from regulars.accounts.services import register_text_sender

        from . import checks, models, sms  # noqa: F401  (checks registers itself)

        # Codes that prove a phone leave through the configured SMS provider, at once.
        register_text_sender(lambda **message: sms.send(sms.Sms(**message)))
        # Where a person lives and searches, their devices and inbox are only about them.
        for model, person in (
            (models.Place, "consumer"),
            (models.Subscription, "consumer"),
            (models.SearchPosition, "consumer"),
            (models.ActivityRange, "consumer"),
            (models.PushSubscription, "consumer"),
            (models.InboxMessage, "user"),
            (models.Preferences, "consumer"),
            (models.WeChatBinding, "consumer"),
        ):
            erase_on_request(model, person=person, rule="delete")
