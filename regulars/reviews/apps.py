from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReviewsConfig(AppConfig):
    name = "regulars.reviews"
    label = "reviews"
    verbose_name = _("Reviews")

    def ready(self) -> None:
        from regulars.accounts.privacy import erase_on_request, held_by

        from .models import Review

        erase_on_request(Review, person="author", rule={"text": ""})
        held_by(Review, holder="author")
