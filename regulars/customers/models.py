"""The customer directory: each merchant's memory of the people who buy from it.

A `Customer` is a consumer as one merchant sees them (or someone the merchant knows only by
phone, from an import). Rows appear by themselves when someone orders, joins the card, claims a
coupon or reviews, and carry running figures (visits, spend, first and last visit) that the
merchant's own pages and later analyses read. Beside them: tags, the value ladder, imports,
saved segments, the risk list and who introduced whom.

The tables keep their names from before the customer app was split (`crm_*`, decision 0014).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core import clock
from regulars.core.models import ClockedDateTimeField, TimeStampedModel
from regulars.core.money import MoneyField
from regulars.merchants.models import Merchant


class Source(models.TextChoices):
    ORDER = "order", _("Online order")
    CARD = "card", _("Member card")
    COUPON = "coupon", _("Coupon")
    REVIEW = "review", _("Review")
    IMPORT = "import", _("Imported")
    MANUAL = "manual", _("Added by staff")
    COMPLAINT = "complaint", _("Complaint")


class Tag(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("tag"), max_length=20)

    class Meta:
        db_table = "crm_tag"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["merchant", "name"], name="one_tag_name")]

    def __str__(self) -> str:
        return self.name


class RfmSegment(models.TextChoices):
    CHAMPIONS = "champions", _("Champions")
    LOYAL = "loyal", _("Loyal")
    POTENTIAL = "potential", _("Potential loyalists")
    NEW = "new", _("New")
    AT_RISK = "at_risk", _("At risk")
    HIBERNATING = "hibernating", _("Hibernating")
    ATTENTION = "attention", _("Needs attention")


class ValueLevel(models.Model):
    """A step of the merchant's value ladder (diamond / platinum / gold / silver, or one to five
    stars): a customer whose spend reaches `min_spend` holds the level, upgraded automatically
    at the visit that crosses it (SPEC "value levels as banks use them")."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="value_levels")
    name = models.CharField(_("level"), max_length=20)
    min_spend = MoneyField(_("from a total spend of"))

    class Meta:
        db_table = "crm_valuelevel"
        ordering = ["min_spend", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="one_level_name"),
            models.UniqueConstraint(fields=["merchant", "min_spend"], name="one_level_threshold"),
        ]

    def __str__(self) -> str:
        return self.name


class DirectorySettings(models.Model):
    """The thresholds a merchant sets for its customer analyses (defaults follow the seeds), and
    what follows a visit: the referral coupon, the follow-up call. Greetings are the outreach
    app's (`GreetingSettings`), the desk's hours and limits the service desk's (`DeskSettings`)."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="directory_settings"
    )
    lapse_grace_days = models.PositiveSmallIntegerField(
        _("days past the usual interval before a customer counts as slipping away"), default=3
    )
    high_value_score = models.PositiveSmallIntegerField(
        _("spend score (1–5) from which a customer counts as high value"), default=4
    )
    high_loyalty_score = models.PositiveSmallIntegerField(
        _("visit-frequency score (1–5) from which a customer counts as loyal"), default=4
    )
    high_influence = models.PositiveSmallIntegerField(
        _("referrals plus reviews from which a customer counts as influential"), default=1
    )
    high_satisfaction = models.DecimalField(
        _("average rating from which a customer counts as satisfied"),
        max_digits=3,
        decimal_places=1,
        default=Decimal("4.0"),
    )
    follow_up_after_visit = models.BooleanField(
        _("call each customer back the day after an online order is used"), default=False
    )
    referral_campaign = models.ForeignKey(
        "promotions.Campaign",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("when someone brings a friend, both get a coupon from"),
    )

    class Meta:
        db_table = "crm_directorysettings"

    def __str__(self) -> str:
        return str(self.merchant)


class Customer(TimeStampedModel):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="customers")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customer_records",
    )
    name = models.CharField(_("name"), max_length=60, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    notes = models.TextField(_("notes"), blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    consent = models.BooleanField(_("agreed to receive offers"), default=False)
    consent_at = models.DateTimeField(null=True, blank=True)
    consent_purpose = models.CharField(max_length=100, blank=True)
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_customers",
        verbose_name=_("account manager"),
    )
    first_seen_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    visits = models.PositiveIntegerField(default=0)
    spend = MoneyField(default=Decimal("0"))
    # Scored nightly (`analytics.score_customers`): quintiles within the merchant, 5 = best.
    rfm_r = models.PositiveSmallIntegerField(default=0)
    rfm_f = models.PositiveSmallIntegerField(default=0)
    rfm_m = models.PositiveSmallIntegerField(default=0)
    rfm_segment = models.CharField(
        _("RFM segment"), max_length=12, choices=RfmSegment.choices, blank=True
    )
    usual_interval_days = models.FloatField(null=True, blank=True)
    churn_risk = models.BooleanField(_("slipping away"), default=False)
    value_level = models.ForeignKey(
        ValueLevel,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
        verbose_name=_("value level"),
    )
    referred_by = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referred",
        verbose_name=_("introduced by"),
    )
    # Also scored nightly: the inputs of the value × influence and satisfaction × loyalty matrices.
    referrals = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(default=0)
    satisfaction = models.FloatField(null=True, blank=True)  # average stars of their reviews
    # The latest relationship evaluation, kept on the archive (see `Evaluation`).
    relationship_grade = models.CharField(_("relationship grade"), max_length=1, blank=True)

    class Meta:
        db_table = "crm_customer"
        ordering = ["-last_seen_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "consumer"],
                condition=models.Q(consumer__isnull=False),
                name="one_customer_per_consumer",
            ),
            models.UniqueConstraint(
                fields=["merchant", "phone"],
                condition=~models.Q(phone=""),
                name="one_customer_per_phone",
            ),
        ]
        indexes = [
            models.Index(fields=["merchant", "last_seen_at"], name="customer_recency"),
            models.Index(fields=["merchant", "spend"], name="customer_spend"),
        ]

    def __str__(self) -> str:
        return self.name or self.phone or f"#{self.pk}"


class LevelChange(models.Model):
    """A customer moving up (or, after a void, down) the value ladder; shown on the timeline."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="level_changes")
    before = models.ForeignKey(ValueLevel, null=True, on_delete=models.SET_NULL, related_name="+")
    after = models.ForeignKey(ValueLevel, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(default=clock.now)

    class Meta:
        db_table = "crm_levelchange"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.before_id} → {self.after_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    RUNNING = "running", _("Importing")
    DONE = "done", _("Finished")
    UNDONE = "undone", _("Undone")


class CustomerImport(models.Model):
    """A spreadsheet of customers the merchant brought along: its columns mapped to fields,
    checked row by row, imported in the background, and undoable as a whole."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    filename = models.CharField(max_length=200)
    content = models.BinaryField()  # the file as uploaded (at most 5 MB), so any worker reads it
    mapping = models.JSONField(default=dict)  # field name → column index
    status = models.CharField(
        max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    # Good rows written so far (committed with them), so that an import whose worker died
    # resumes where it stopped; the heartbeat tells the periodic task it stalled.
    written_rows = models.PositiveIntegerField(default=0)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{"row": 3, "field": "phone", "message": "…"}]
    created_tags = models.JSONField(
        default=list
    )  # tag names that did not exist before: undo removes them
    created_at = ClockedDateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "crm_customerimport"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def error_rows(self) -> list[dict]:
        """The row errors with the column's name in the reader's language."""
        from .imports import FIELD_LABELS

        return [{**e, "label": FIELD_LABELS.get(e["field"], e["field"])} for e in self.errors]

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else 0


class ImportChange(models.Model):
    """What one import did to one customer: created it, or changed it (with the values before),
    so that undoing the import restores the directory exactly."""

    customer_import = models.ForeignKey(
        CustomerImport, on_delete=models.CASCADE, related_name="changes"
    )
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    created = models.BooleanField()
    before = models.JSONField(default=dict)

    class Meta:
        db_table = "crm_importchange"

    def __str__(self) -> str:
        return f"{self.customer_import_id}: {self.customer_id}"


class Segment(models.Model):
    """A saved, dynamic set of customers: the rules are kept, the members are found when asked
    (so a customer moves in and out by themselves). Usable as a campaign's audience."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="segments")
    name = models.CharField(_("name"), max_length=60)
    rules = models.JSONField(default=dict)  # the directory search's criteria
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        db_table = "crm_segment"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="one_segment_name")
        ]

    def __str__(self) -> str:
        return self.name


class RiskReason(models.TextChoices):
    ABUSE = "abuse", _("Abusive to staff or other customers")
    FRAUD = "fraud", _("Fraud or payment abuse")
    COMPLAINTS = "complaints", _("Repeated unjustified complaints")
    COUPONS = "coupons", _("Coupon or points abuse")
    OTHER = "other", _("Other")


class RiskFlag(models.Model):
    """A customer on the merchant's risk list (seed 004): visible to staff, left out of every
    campaign and flash deal until cleared. Kept when cleared, so the history stays."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="risk_flags")
    reason = models.CharField(_("reason"), max_length=12, choices=RiskReason.choices)
    note = models.CharField(_("what happened"), max_length=300)
    flagged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    flagged_at = models.DateTimeField(default=clock.now)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    clear_note = models.CharField(max_length=300, blank=True)

    class Meta:
        db_table = "crm_riskflag"
        ordering = ["-flagged_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_open_risk_flag",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.reason}"


class ReferralReward(models.Model):
    """Both sides of an introduction rewarded (seed 001 appendix), once per new customer."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    referrer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    referred = models.OneToOneField(
        Customer, on_delete=models.CASCADE, related_name="referral_reward"
    )
    campaign = models.ForeignKey(
        "promotions.Campaign", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    coupons = models.PositiveSmallIntegerField(default=0)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        db_table = "crm_referralreward"

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}"


class GiftOccasion(models.TextChoices):
    CARD_OPENED = "card_opened", _("Opening a member card (开卡礼)")
    FIRST_VISIT = "first_visit", _("A customer's first visit (新人礼)")


class WelcomeGift(models.Model):
    """What the shop gives, once per person, when they open a card or first visit: a coupon (of
    a campaign the shop issues), points (to their member card), a punch card — any of them."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    occasion = models.CharField(max_length=12, choices=GiftOccasion.choices)
    campaign = models.ForeignKey(
        "promotions.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    points = models.PositiveIntegerField(_("points"), default=0)
    punch_plan = models.ForeignKey(
        "punchcards.PunchPlan", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(_("on"), default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["merchant", "occasion"], name="one_gift_per_occasion")
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.occasion}"


class GiftGiven(models.Model):
    """A welcome gift given: at most one per person, shop and occasion."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    occasion = models.CharField(max_length=12, choices=GiftOccasion.choices)
    given_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["merchant", "consumer", "occasion"], name="one_gift_per_person"
            )
        ]

    def __str__(self) -> str:
        return f"{self.merchant_id} {self.consumer_id} {self.occasion}"
