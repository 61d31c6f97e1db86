"""Messages a merchant sends its customers, and the greetings sent for them on birthdays and
holidays.

The tables keep their names from before the customer app was split (`crm_*`, decision 0014).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core import clock
from regulars.customers.models import Customer
from regulars.merchants.models import Merchant


class OutreachKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    BIRTHDAY = "birthday", _("Birthday greeting")
    HOLIDAY = "holiday", _("Holiday greeting")


class Outreach(models.Model):
    """One message the merchant sent to customers (one, a list, a segment), or one day's
    birthday or holiday greetings, through the inbox, web push and SMS."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=OutreachKind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("message"), blank=True)
    audience = models.CharField(max_length=200)  # who, in words: "Segment: 高消费常客"
    recipients = models.PositiveIntegerField(default=0)
    without_app = models.PositiveIntegerField(default=0)  # known by phone only: not reached
    broadcast = models.ForeignKey(
        "notifications.Broadcast", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    campaign = models.ForeignKey(
        "promotions.Campaign", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    coupons = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        db_table = "crm_outreach"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class Greeting(models.Model):
    """A customer greeted for an occasion ("birthday-2026", "mid_autumn-2026"): once only."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="greetings")
    occasion = models.CharField(max_length=40)
    outreach = models.ForeignKey(Outreach, on_delete=models.CASCADE, related_name="greetings")

    class Meta:
        db_table = "crm_greeting"
        constraints = [
            models.UniqueConstraint(fields=["customer", "occasion"], name="one_greeting")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.occasion}"


class GreetingSettings(models.Model):
    """A merchant's birthday and holiday greetings (seed 001 appendix: birthdays 2–7 days
    before; the holidays of `holidays.py`), sent each morning by `send_greetings`."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="greeting_settings"
    )
    birthday_days = models.PositiveSmallIntegerField(
        _("send birthday greetings this many days before (0: none)"), default=0
    )
    birthday_title = models.CharField(_("birthday greeting"), max_length=120, blank=True)
    birthday_body = models.TextField(_("birthday message"), blank=True)
    birthday_campaign = models.ForeignKey(
        "promotions.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("with a coupon from"),
    )
    holidays = models.JSONField(default=list, blank=True)  # keys of holidays.HOLIDAYS
    holiday_campaign = models.ForeignKey(
        "promotions.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("holiday greetings come with a coupon from"),
    )

    def __str__(self) -> str:
        return str(self.merchant)
