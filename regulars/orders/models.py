"""Reservations, orders, payments and settlement.

A service is bought like a commodity: order → paid → consumed in the store → completed. Every
row carries its merchant. Settlement entries are append-only: a correction is a new entry.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField, TimeStampedModel
from regulars.core.money import MoneyField
from regulars.merchants.models import CatalogItem, Merchant, Store
from regulars.team.models import TeamMember


class ReservationSlot(models.Model):
    """How many people are booked into one time slot of one service (the capacity counter);
    for a service performed by chosen people, one counter per person."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(CatalogItem, on_delete=models.CASCADE, related_name="slots")
    served_by = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    starts_at = models.DateTimeField()
    capacity = models.PositiveSmallIntegerField()
    booked = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("reservation slot")
        verbose_name_plural = _("reservation slots")
        constraints = [
            models.UniqueConstraint(
                fields=["item", "starts_at"],
                condition=models.Q(served_by__isnull=True),
                name="one_counter_per_slot",
            ),
            models.UniqueConstraint(
                fields=["item", "starts_at", "served_by"],
                condition=models.Q(served_by__isnull=False),
                name="one_counter_per_person_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(booked__lte=models.F("capacity")), name="slot_never_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.starts_at:%Y-%m-%d %H:%M} {self.booked}/{self.capacity}"


class ReservationStatus(models.TextChoices):
    REQUESTED = "requested", _("Waiting for the shop")
    CONFIRMED = "confirmed", _("Confirmed")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")
    COMPLETED = "completed", _("Completed")


class Reservation(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="reservations")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="reservations")
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="reservations")
    slot = models.ForeignKey(ReservationSlot, on_delete=models.PROTECT, related_name="reservations")
    # The person booked (chosen, or given when the consumer chose "anyone").
    served_by = models.ForeignKey(
        TeamMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reservations",
        verbose_name=_("with"),
    )
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reservations"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    party_size = models.PositiveSmallIntegerField(default=1)
    home_address = models.CharField(_("address for home service"), max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    status = models.CharField(
        max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.REQUESTED
    )
    decline_reason = models.CharField(_("reason"), max_length=200, blank=True)
    # Paid in advance with something prepaid ("punch:<card number>"; see `orders.prepaid`).
    prepaid_with = models.CharField(_("paid with"), max_length=40, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["merchant", "starts_at"], name="reservation_merchant_time"),
            models.Index(fields=["status", "starts_at"], name="reservation_status_time"),
            models.Index(fields=["served_by", "starts_at"], name="reservation_person_time"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {self.starts_at:%Y-%m-%d %H:%M} ({self.status})"

    @property
    def holds_capacity(self) -> bool:
        return self.status in (ReservationStatus.REQUESTED, ReservationStatus.CONFIRMED)


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Waiting for payment")
    PAID = "paid", _("Paid, ready to use")
    CONSUMED = "consumed", _("Used in the shop")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    EXPIRED = "expired", _("Expired and refunded")


# An order was a visit once it was used in the shop; paid but unused is not one yet.
USED_STATUSES = (OrderStatus.CONSUMED.value, OrderStatus.COMPLETED.value)


class Order(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="orders")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="orders")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.PENDING_PAYMENT
    )
    total = MoneyField()
    # Taken off the total by member-card points or coupons (see OrderDiscount); the buyer pays the rest.
    discount = MoneyField(default=Decimal("0"))
    payment_method = models.CharField(max_length=20)
    # The verification code the cashier scans or types: random, unique, with a check digit.
    code = models.CharField(max_length=12, unique=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    consumed_at = models.DateTimeField(null=True, blank=True)
    consumed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Who performed the service (their commission); set when the order is used in the shop.
    served_by = models.ForeignKey(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    completed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["merchant", "status", "created_at"], name="order_merchant_status"),
            # the console's list: a merchant's orders, newest first, a page at a time
            models.Index(fields=["merchant", "-created_at", "-id"], name="order_merchant_time"),
            models.Index(fields=["status", "expires_at"], name="order_status_expiry"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.store} {self.total} ({self.status})"

    @property
    def amount_due(self) -> Decimal:
        return self.total - self.discount


class OrderDiscount(models.Model):
    """One discount on an order, as its source (points, a coupon) applied it. Never updated: when
    the order is cancelled or refunded the source gives back what it took, keyed by this row."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    source = models.CharField(max_length=20)
    amount = MoneyField()
    label = models.CharField(max_length=120)
    reference = models.CharField(max_length=80)

    class Meta:
        verbose_name = _("order discount")
        verbose_name_plural = _("order discounts")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "source"], name="one_discount_per_source")
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.source} -{self.amount}"


class OrderLine(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(CatalogItem, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=80)
    unit_price = MoneyField()
    quantity = models.PositiveSmallIntegerField()
    amount = MoneyField()

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class PaymentStatus(models.TextChoices):
    STARTED = "started", _("Started")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    REFUNDED = "refunded", _("Refunded")


class Payment(TimeStampedModel):
    """Money coming in through a provider: for an order, or (no order) for another purpose that a
    listener of `payment_succeeded` fulfils, such as topping up a member card."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    payer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    purpose = models.CharField(max_length=40, default="order")
    return_url = models.CharField(max_length=200, blank=True)
    provider = models.CharField(max_length=20)
    amount = MoneyField()
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.STARTED
    )
    reference = models.CharField(max_length=64, unique=True)
    provider_transaction = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.provider} {self.reference} {self.amount} ({self.status})"


class PaymentEvent(models.Model):
    """Every provider callback, once: its event id is unique, so a replay changes nothing."""

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="events")
    provider = models.CharField(max_length=20)
    event_id = models.CharField(max_length=64)
    kind = models.CharField(max_length=30)
    payload = models.JSONField()
    received_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment event")
        verbose_name_plural = _("payment events")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="one_event_once")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.kind}"


class SettlementKind(models.TextChoices):
    SALE = "sale", _("Sale")


class SettlementEntry(models.Model):
    """What the platform owes a merchant for one confirmed order. Never updated or deleted."""

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="settlement")
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="settlement")
    kind = models.CharField(max_length=20, choices=SettlementKind.choices)
    gross = MoneyField()
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4)
    commission = MoneyField()
    net = MoneyField()
    idempotency_key = models.CharField(max_length=80, unique=True)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("settlement entry")
        verbose_name_plural = _("settlement entries")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["merchant", "created_at"], name="settlement_merchant_time")]

    def __str__(self) -> str:
        return f"{self.merchant} {self.kind} {self.net}"
