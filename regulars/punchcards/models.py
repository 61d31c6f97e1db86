"""Punch cards (次卡/计次卡 and 期限卡): prepaid visits to a shop's services.

A plan is what the shop sells: N uses of one service or a set of services ("10 washes for
¥300"), or unlimited uses within a period with an optional daily cap ("unlimited for 3 months,
once a day"), valid for so many days from purchase. A held card is one customer's copy, with a
number to scan; every change to it is an entry in an append-only ledger under an idempotency key,
and the uses left kept on the card always equal the sum of its entries.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField, TimeStampedModel
from regulars.core.money import MoneyField
from regulars.merchants.models import CatalogItem, Merchant


class PlanKind(models.TextChoices):
    USES = "uses", _("A number of uses (次卡)")
    PERIOD = "period", _("Unlimited within a period (期限卡)")
    PACKAGE = "package", _("A package: each of its services once (套餐)")


class PunchPlan(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="punch_plans")
    name = models.CharField(_("name"), max_length=60)
    kind = models.CharField(_("kind"), max_length=10, choices=PlanKind.choices)
    uses = models.PositiveIntegerField(_("uses"), null=True, blank=True)  # for USES
    daily_cap = models.PositiveSmallIntegerField(_("uses a day at most"), null=True, blank=True)
    price = MoneyField(_("price"))
    valid_days = models.PositiveIntegerField(_("valid for (days from purchase)"))
    transferable = models.BooleanField(_("may be given to someone else"), default=False)
    items = models.ManyToManyField(CatalogItem, related_name="punch_plans")
    is_active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        ordering = ["-is_active", "price", "id"]

    def __str__(self) -> str:
        return self.name


class PunchCardStatus(models.TextChoices):
    ACTIVE = "active", _("In use")
    USED_UP = "used_up", _("Used up")
    EXPIRED = "expired", _("Expired")
    REFUNDED = "refunded", _("Refunded")


class PunchCard(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(PunchPlan, on_delete=models.PROTECT, related_name="cards")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="punch_cards"
    )
    number = models.CharField(max_length=12, unique=True)  # scanned or typed at the counter
    uses_left = models.IntegerField(null=True, blank=True)  # None: unlimited within the period
    price_paid = MoneyField()
    expires_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=PunchCardStatus.choices, default=PunchCardStatus.ACTIVE
    )
    sold_on = models.CharField(max_length=40, blank=True)  # "bill 261123123456"
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            # The last line of defence for "never below zero", under concurrent scans too.
            models.CheckConstraint(
                condition=models.Q(uses_left__isnull=True) | models.Q(uses_left__gte=0),
                name="punch_uses_never_negative",
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} {self.number}"

    def services_left(self) -> list:
        """For a package, the services not used yet (from the card's entries, read along)."""
        taken: dict[int, int] = {}
        for entry in self.entries.all():
            if entry.item_id and entry.kind in (PunchKind.USE, PunchKind.RETURN):
                taken[entry.item_id] = taken.get(entry.item_id, 0) - entry.delta
        return [item for item in self.plan.items.all() if taken.get(item.pk, 0) < 1]

    def services_to_choose(self) -> list:
        """What the cashier may take a use for: a package's services not used yet, else all."""
        if self.plan.kind == PlanKind.PACKAGE:
            return self.services_left()
        return list(self.plan.items.all())

    def unused_value(self, now: dt.datetime) -> Decimal:
        """What the unused part is worth, pro rata, rounded down to the cent: a card of N uses,
        the price paid × uses left ÷ N; a period card, × whole days left after today ÷ the days
        it was sold for. Nothing once expired, used up or refunded. README, "Punch cards"."""
        if self.status != PunchCardStatus.ACTIVE or now >= self.expires_at:
            return Decimal("0.00")
        if self.plan.kind != PlanKind.PERIOD:
            left, whole = Decimal(self.uses_left), Decimal(self.plan.uses or 1)
        else:
            left = Decimal(max((self.last_day - timezone.localdate(now)).days, 0))
            whole = Decimal(self.plan.valid_days)
        return (self.price_paid * left / whole).quantize(Decimal("0.01"), rounding="ROUND_DOWN")

    @property
    def last_day(self):
        """The last day it can be used (it is good until that day ends, in the shop's zone)."""
        return timezone.localdate(self.expires_at) - dt.timedelta(days=1)


class PunchKind(models.TextChoices):
    BUY = "buy", _("Bought")
    USE = "use", _("Used")
    EXPIRE = "expire", _("Expired")
    REFUND = "refund", _("Refunded")
    RETURN = "return", _("Given back by a bill refund")
    TRANSFER = "transfer", _("Given to someone else")


class PunchEntry(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    card = models.ForeignKey(PunchCard, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=10, choices=PunchKind.choices)
    delta = models.IntegerField(default=0)  # uses added (buy) or taken (use: −1); 0 for a period
    amount = MoneyField(null=True, blank=True)  # money handed back (refund)
    item = models.ForeignKey(
        CatalogItem, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80, unique=True)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["card", "kind", "created_at"], name="punch_use_day")]

    def __str__(self) -> str:
        return f"{self.card_id} {self.kind} {self.delta}"
