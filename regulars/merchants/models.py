"""Merchants, their stores, opening hours, photos, staff and catalogue.

Every merchant-owned row carries `merchant` so that merchant-side queries stay inside one
merchant (and can later be sharded by it).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField, TimeStampedModel
from regulars.core.money import MoneyField


class Category(models.Model):
    """Operator-managed, hierarchical. Public services are for discovery only."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    slug = models.SlugField(unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60)
    discovery_only = models.BooleanField(
        _("discovery only"),
        default=False,
        help_text=_("Stores in this category accept no reservation or online purchase."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def is_discovery_only(self) -> bool:
        node = self
        while node is not None:
            if node.discovery_only:
                return True
            node = node.parent
        return False


class Merchant(TimeStampedModel):
    name = models.CharField(_("merchant name"), max_length=80)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="merchants")
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    # The platform's commission on confirmed orders (settlement arrives with orders).
    commission_rate = models.DecimalField(max_digits=5, decimal_places=4, default=Decimal("0.0300"))
    free_cancel_hours = models.PositiveSmallIntegerField(
        _("free cancellation until (hours before)"), default=2
    )
    order_validity_days = models.PositiveSmallIntegerField(_("orders valid for (days)"), default=90)
    is_active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("merchant")
        verbose_name_plural = _("merchants")

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    MANAGER = "manager", _("Manager")
    CASHIER = "cashier", _("Cashier")
    ACCOUNT_MANAGER = "account_manager", _("Account manager")


class StaffMember(TimeStampedModel):
    """A person's role at a merchant: what they may see and do there."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="staff_roles")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "user"], name="one_staff_role_per_merchant")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant} ({self.role})"


class StaffInvitation(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="invitations")
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    token = models.CharField(max_length=64, unique=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    @property
    def contact(self) -> str:
        return self.phone or self.email


class Store(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="stores")
    name = models.CharField(_("store name"), max_length=80)
    # No index of its own: the (category, geocell) indexes below lead with it.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="stores", db_index=False
    )
    district = models.CharField(_("district"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    # Grid cells of the position (see regulars.core.geo); kept in step by services.
    geocell = models.BigIntegerField(editable=False)
    geocell_coarse = models.BigIntegerField(editable=False)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    description = models.TextField(_("description"), blank=True)
    features = models.CharField(_("features"), max_length=200, blank=True)
    is_active = models.BooleanField(_("open for business"), default=True)
    rating_avg = models.DecimalField(max_digits=3, decimal_places=2, default=Decimal("0"))
    rating_count = models.PositiveIntegerField(default=0)
    # The shrunk (Bayesian) rating used for sorting: few reviews pull toward the city mean.
    rating_score = models.FloatField(default=0.0)
    popularity = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        # Covering indexes for nearby search (regulars.core.geo): a search reads positions,
        # status and ids from the index alone, one range scan per grid row.
        indexes = [
            models.Index(
                fields=["category", "geocell", "lat", "lng", "is_active", "id"],
                name="store_cat_cell",
            ),
            models.Index(
                fields=["geocell", "lat", "lng", "is_active", "id"],
                name="store_cell",
            ),
            models.Index(
                fields=["category", "geocell_coarse", "lat", "lng", "is_active", "id"],
                name="store_cat_coarse",
            ),
            models.Index(
                fields=["geocell_coarse", "lat", "lng", "is_active", "id"],
                name="store_coarse",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(models.Model):
    """One opening range on one weekday; a day may have several (lunch and dinner)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta:
        ordering = ["weekday", "opens"]
        indexes = [models.Index(fields=["store", "weekday"], name="hours_store_day")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="hours_close_after_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class HolidayClosure(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField(_("from"))
    end_date = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=100, blank=True)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__gte=models.F("start_date")),
                name="closure_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.start_date}–{self.end_date} {self.note}".strip()


class CatalogItem(TimeStampedModel):
    """A service or product a store sells, with its price."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="items")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(_("name"), max_length=80)
    description = models.TextField(_("description"), blank=True)
    # The part of the menu it is listed under (洗护, 染烫…); commission rules can follow it.
    section = models.CharField(_("menu section"), max_length=40, blank=True)
    price = MoneyField(_("price"))
    # What a member card holder pays instead (会员价); a tier's discount applies when it is lower.
    member_price = MoneyField(_("member price"), null=True, blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), null=True, blank=True)
    bookable = models.BooleanField(_("can be booked online"), default=False)
    slot_capacity = models.PositiveSmallIntegerField(_("people per time slot"), default=1)
    home_service = models.BooleanField(_("served at the customer's address"), default=False)
    buyable = models.BooleanField(_("can be bought online"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("service or product")
        verbose_name_plural = _("services and products")

    def __str__(self) -> str:
        return self.name


class PhotoKind(models.TextChoices):
    STOREFRONT = "storefront", _("Storefront")
    ENVIRONMENT = "environment", _("Environment")
    EQUIPMENT = "equipment", _("Equipment")
    ITEM = "item", _("Service or product")


class Photo(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="photos")
    item = models.ForeignKey(
        CatalogItem, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=PhotoKind.choices)
    image = models.ImageField(upload_to="photos/%Y/%m/")
    thumbnail = models.ImageField(upload_to="thumbs/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    caption = models.CharField(_("caption"), max_length=100, blank=True)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"
