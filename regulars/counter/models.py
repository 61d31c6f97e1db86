"""The counter (收银台): one bill for everything a customer pays at the till.

A bill has lines from the catalogue (or typed by a manager, with a reason), the member price of
the customer's tier, at most one coupon and some points taken off, and the tenders that paid the
rest: the card's balance, cash, or methods paid outside Regulars (WeChat, Alipay, a bank card, a
platform voucher) with their reference. Each line keeps its share of every discount, so a refund
or a commission later reads what was really paid for it.
"""

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField
from regulars.core.money import MoneyField
from regulars.merchants.models import Merchant, Store

# What a shop can take outside Regulars until it names its own (the till's settings).
DEFAULT_OUTSIDE_METHODS = ["微信支付", "支付宝", "银行卡", "美团券", "抖音券"]


class TenderKind(models.TextChoices):
    STORED_VALUE = "stored_value", _("Card balance")
    CASH = "cash", _("Cash")
    OUTSIDE = "outside", _("Paid outside")


class Bill(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("bill number"), max_length=16, unique=True)
    card = models.ForeignKey(
        "membership.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="bills"
    )
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    cashier = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subtotal = MoneyField(_("list price"), default=0)
    member_label = models.CharField(max_length=40, blank=True)  # "金卡 95折"
    member_savings = MoneyField(_("member price saves"), default=0)
    redemption = models.OneToOneField(
        "promotions.Redemption",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="counter_bill",
    )
    coupon_discount = MoneyField(_("coupon"), default=0)
    punch_value = MoneyField(_("punch cards cover"), default=0)  # lines paid by a punch card
    points_used = models.PositiveIntegerField(_("points used"), default=0)
    points_value = MoneyField(_("points take off"), default=0)
    total = MoneyField(_("to pay"), default=0)
    points_earned = models.PositiveIntegerField(_("points earned"), default=0)
    purchase = models.OneToOneField(
        "membership.Purchase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="counter_bill",
    )
    # A late correction of a closed day, rung up on a later day: which day, and why.
    corrects_day = models.DateField(_("corrects the closed day"), null=True, blank=True)
    correction_note = models.CharField(_("correction"), max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=80)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "idempotency_key"], name="one_bill_per_key")
        ]
        indexes = [
            models.Index(fields=["merchant", "created_at"], name="bill_day"),
            models.Index(fields=["store", "created_at"], name="bill_store_day"),
        ]

    def __str__(self) -> str:
        return self.number


class BillLine(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="lines")
    item = models.ForeignKey(
        "merchants.CatalogItem", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("service or product"), max_length=80)
    quantity = models.PositiveSmallIntegerField(_("quantity"), default=1)
    unit_price = MoneyField(_("unit price"))
    amount = MoneyField(_("list amount"))  # unit price × quantity
    # The line's share of each discount, in cents that add up to the bill's (largest remainder).
    member_off = MoneyField(default=0)
    coupon_off = MoneyField(default=0)
    points_off = MoneyField(default=0)
    paid = MoneyField(_("paid"))  # amount minus the three shares
    # Who performed it: a person on the team (their commission), not necessarily a console user.
    served_by = models.ForeignKey(
        "team.TeamMember", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    manual_reason = models.CharField(max_length=200, blank=True)  # a line typed, not chosen
    # A punch card sold on this line (one card per unit), issued to the bill's member.
    punch_plan = models.ForeignKey(
        "punchcards.PunchPlan", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A line paid by one use of a punch card per unit (its whole list amount is covered).
    punch_card = models.ForeignKey(
        "punchcards.PunchCard", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    punch_off = MoneyField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.name} × {self.quantity}"


class Tender(models.Model):
    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="tenders")
    kind = models.CharField(max_length=16, choices=TenderKind.choices)
    method = models.CharField(max_length=20, blank=True)  # how it was paid outside
    amount = MoneyField()
    given = MoneyField(null=True, blank=True)  # cash handed over
    change = MoneyField(default=0)
    reference = models.CharField(max_length=64, blank=True)  # the outside payment's number
    value_entry = models.OneToOneField(
        "membership.ValueEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount}"


class BillRefund(models.Model):
    """Money given back on a bill, whole or for chosen lines: each tender back the way it came,
    the points the bill used put back, the points it earned taken back (never below zero: what
    the card no longer held is the shortfall), and the coupon given back when the whole bill is.
    Appended, never edited; a retried request with the same key refunds once."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, related_name="refunds")
    amount = MoneyField(_("money back"))
    points_returned = models.PositiveIntegerField(_("points put back"), default=0)
    points_taken_back = models.PositiveIntegerField(_("earned points taken back"), default=0)
    points_shortfall = models.PositiveIntegerField(_("earned points already spent"), default=0)
    coupon_restored = models.BooleanField(_("coupon given back"), default=False)
    purchase = models.OneToOneField(
        "membership.Purchase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="counter_refund",
    )
    reason = models.CharField(_("reason"), max_length=200)
    refunded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "idempotency_key"], name="one_refund_per_key"
            )
        ]
        indexes = [models.Index(fields=["store", "created_at"], name="refund_store_day")]

    def __str__(self) -> str:
        return f"{self.bill_id} −{self.amount}"


class RefundLine(models.Model):
    refund = models.ForeignKey(BillRefund, on_delete=models.CASCADE, related_name="lines")
    line = models.ForeignKey(BillLine, on_delete=models.PROTECT, related_name="refunded")
    quantity = models.PositiveSmallIntegerField()
    amount = MoneyField()  # the part of the line's paid share given back
    points_off = MoneyField(default=0)  # the part of its points share (given back as points)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.line_id} × {self.quantity}"


class RefundTender(models.Model):
    refund = models.ForeignKey(BillRefund, on_delete=models.CASCADE, related_name="tenders")
    tender = models.ForeignKey(Tender, on_delete=models.PROTECT, related_name="refunded")
    kind = models.CharField(max_length=16, choices=TenderKind.choices)
    method = models.CharField(max_length=20, blank=True)
    amount = MoneyField()
    value_entry = models.OneToOneField(
        "membership.ValueEntry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} −{self.amount}"


class TillSettings(models.Model):
    """What a shop takes at its counter besides the card balance and cash."""

    merchant = models.OneToOneField(Merchant, on_delete=models.CASCADE, related_name="till")
    outside_methods = models.JSONField(default=list, blank=True)

    def __str__(self) -> str:
        return str(self.merchant)


class DailyClose(models.Model):
    """A store's day closed at the counter: the cash the drawer should hold, what the cashier
    counted, and the difference; with the day's figures as they stood. A closed day takes no
    more bills (corrections go to the next day, with a reference)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    cash_expected = MoneyField(_("cash expected"))
    cash_counted = MoneyField(_("cash counted"))
    difference = MoneyField(_("difference"))  # counted minus expected
    note = models.CharField(_("note"), max_length=200, blank=True)
    figures = models.JSONField(default=dict, encoder=DjangoJSONEncoder)  # as they were at close
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-day", "store_id"]
        constraints = [
            models.UniqueConstraint(fields=["store", "day"], name="one_close_per_store_day")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.day}"
