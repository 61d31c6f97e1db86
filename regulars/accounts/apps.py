from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "regulars.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from .models import ApiToken
        from .privacy import erase_on_request

        erase_on_request(ApiToken, person="user", rule="delete")
