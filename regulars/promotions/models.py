"""Coupon campaigns and their coupons.

A campaign says what a coupon is worth, where and when it applies, how many there are and who may
have one. Each coupon is one row with a random, check-digited code; its life is
unclaimed (paper codes) → claimed → used, and a refunded order returns it to claimed. Each use is
a `Redemption` row (never edited; a return marks it reversed) so the campaign's effect —
revenue, discount cost, new versus returning customers — is read from facts.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField, TimeStampedModel
from regulars.core.money import MoneyField
from regulars.merchants.models import CatalogItem, Merchant, Store


class CouponKind(models.TextChoices):
    AMOUNT_OFF = "amount_off", _("Amount off")
    PERCENT_OFF = "percent_off", _("Percent off")
    THRESHOLD = "threshold", _("Spend threshold (满减)")
    FREE_ITEM = "free_item", _("Free service")
    POINTS_EXCHANGE = "points_exchange", _("Exchanged for points")


class ClaimMode(models.TextChoices):
    PUBLIC = "public", _("Anyone claims it on the store page")
    ISSUED = "issued", _("The shop issues it to customers")
    CODE = "code", _("Printed or shared codes, entered by the customer or the cashier")


class Campaign(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="campaigns")
    name = models.CharField(_("name"), max_length=60)
    description = models.CharField(_("conditions shown to customers"), max_length=200, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=CouponKind.choices)
    amount = MoneyField(_("amount off (¥)"), default=Decimal("0"))
    percent = models.PositiveSmallIntegerField(_("percent off"), default=0)
    cap = MoneyField(_("at most (¥)"), default=Decimal("0"))
    threshold = MoneyField(_("minimum spend (¥)"), default=Decimal("0"))
    free_item = models.ForeignKey(
        CatalogItem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("free service"),
    )
    points_price = models.PositiveIntegerField(_("points to exchange"), default=0)
    items = models.ManyToManyField(
        CatalogItem, blank=True, related_name="+", verbose_name=_("applies to services")
    )
    stores = models.ManyToManyField(
        Store, blank=True, related_name="+", verbose_name=_("valid in stores")
    )
    valid_from = models.DateTimeField(_("valid from"))
    valid_until = models.DateTimeField(_("valid until"))
    valid_days = models.PositiveSmallIntegerField(
        _("or valid for days after claiming"), null=True, blank=True
    )
    stock = models.PositiveIntegerField(_("total coupons"))
    claimed = models.PositiveIntegerField(default=0)  # changed only by conditional UPDATE
    per_customer = models.PositiveSmallIntegerField(_("per customer"), default=1)
    # Who may have one: a key of `audiences.AUDIENCES` (other apps add theirs, e.g. segments),
    # with what it needs in the fields below or in `audience_params`.
    audience = models.CharField(_("audience"), max_length=20, default="anyone")
    audience_params = models.JSONField(default=dict, blank=True)
    audience_tiers = models.ManyToManyField(
        "membership.Tier", blank=True, related_name="+", verbose_name=_("tiers")
    )
    audience_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("customer list")
    )
    claim_mode = models.CharField(
        _("how customers get it"),
        max_length=20,
        choices=ClaimMode.choices,
        default=ClaimMode.PUBLIC,
    )
    holdout_percent = models.PositiveSmallIntegerField(_("holdout share (percent)"), default=0)
    published = models.BooleanField(_("published"), default=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(claimed__lte=models.F("stock")), name="campaign_within_stock"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CouponStatus(models.TextChoices):
    UNCLAIMED = "unclaimed", _("Not claimed yet")
    CLAIMED = "claimed", _("Ready to use")
    USED = "used", _("Used")


class Coupon(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="coupons")
    code = models.CharField(max_length=12, unique=True)
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="coupons",
    )
    status = models.CharField(max_length=20, choices=CouponStatus.choices)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    viewed_at = models.DateTimeField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-claimed_at", "-id"]
        indexes = [
            models.Index(fields=["consumer", "status"], name="coupon_consumer_status"),
            models.Index(fields=["campaign", "status"], name="coupon_campaign_status"),
        ]

    def __str__(self) -> str:
        return self.code


class Redemption(models.Model):
    """One use of a coupon: at the till or on an online order. Reversed (not deleted) when the
    order is refunded and the coupon returned."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="redemptions")
    coupon = models.ForeignKey(Coupon, on_delete=models.CASCADE, related_name="redemptions")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    store = models.ForeignKey(
        Store, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bill = MoneyField()
    discount = MoneyField()
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returning_customer = models.BooleanField(default=False)
    # A coupon used at the till is a visit of its own unless the same customer's card purchase
    # records the same occasion (within SAME_OCCASION either way): see promotions/visits.py.
    is_visit = models.BooleanField(default=False)
    created_at = ClockedDateTimeField(auto_now_add=True)
    reversed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["campaign", "created_at"], name="redemption_campaign")]

    def __str__(self) -> str:
        return f"{self.coupon} −{self.discount}"

    @property
    def revenue(self) -> Decimal:
        return self.bill - self.discount


class Holdout(models.Model):
    """A member of the campaign's audience deliberately left out, to measure the uplift."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="holdouts")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "consumer"], name="one_holdout_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}: {self.consumer_id}"


class FlashTarget(models.TextChoices):
    NEARBY = "nearby", _("People nearby who follow this kind of shop or this shop")
    LIST = "list", _("A customer list")


class FlashDeal(models.Model):
    """瞬时优惠: a short-lived coupon with little stock, pushed at once or at a set time."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="flash_deals")
    campaign = models.OneToOneField(Campaign, on_delete=models.CASCADE, related_name="flash")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    target = models.CharField(max_length=10, choices=FlashTarget.choices)
    broadcast = models.OneToOneField(
        "notifications.Broadcast", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.campaign)


class CodeBatchStatus(models.TextChoices):
    RUNNING = "running", _("Generating")
    DONE = "done", _("Done")


class CodeBatch(models.Model):
    """A request for paper-coupon codes. Up to 100,000 at a time, so a big one is made in the
    background chunk by chunk (`services.codes`), its progress saved after each; a small one is
    made at once. A chunk commits whole or not at all, so a batch cut short carries on exactly
    where it stopped."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="code_batches")
    requested = models.PositiveIntegerField()
    made = models.PositiveIntegerField(default=0)
    status = models.CharField(
        max_length=10, choices=CodeBatchStatus.choices, default=CodeBatchStatus.RUNNING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.made}/{self.requested} codes for {self.campaign_id}"

    @property
    def percent(self) -> int:
        return 100 if not self.requested else int(100 * self.made / self.requested)
