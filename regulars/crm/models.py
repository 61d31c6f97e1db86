"""The customer directory: each merchant's memory of the people who buy from it.

A `Customer` is a consumer as one merchant sees them (or someone the merchant knows only by
phone, from an import). Rows appear by themselves when someone orders, joins the card, claims a
coupon or reviews, and carry running figures (visits, spend, first and last visit) that the
merchant's own pages and later analyses read.
"""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
        ordering = ["min_spend", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="one_level_name"),
            models.UniqueConstraint(fields=["merchant", "min_spend"], name="one_level_threshold"),
        ]

    def __str__(self) -> str:
        return self.name


class DirectorySettings(models.Model):
    """The thresholds a merchant sets for its customer analyses; defaults follow the seeds."""

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
    # Greetings (seed 001 appendix: birthdays 2–7 days before; the holidays of `holidays.py`).
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
    # The service desk: business hours in which stage limits run, and each stage's limit.
    desk_opens = models.TimeField(_("service desk opens"), default=dt.time(9, 0))
    desk_closes = models.TimeField(_("service desk closes"), default=dt.time(21, 0))
    stage_hours = models.JSONField(default=dict, blank=True)  # stage → business hours

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
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="one_segment_name")
        ]

    def __str__(self) -> str:
        return self.name


class TaskKind(models.TextChoices):
    HANDOVER = "handover", _("Introduce yourself (new account manager)")
    FOLLOW_UP = "follow_up", _("Follow-up call")
    VISIT = "visit", _("Visit")
    CALL = "call", _("Call")
    OTHER = "other", _("Other")


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To do")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Task(models.Model):
    """Something a staff member is to do for a customer by a date: a visit, a follow-up call,
    the first call of a new account manager. Done with an outcome and, for calls and visits,
    the customer's satisfaction (1–5)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="tasks")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="customer_tasks",
        verbose_name=_("for"),
    )
    kind = models.CharField(_("what"), max_length=12, choices=TaskKind.choices)
    title = models.CharField(_("task"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    outcome = models.TextField(_("outcome"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("customer's satisfaction (1–5)"), null=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = ClockedDateTimeField(auto_now_add=True)
    done_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)
    order = models.ForeignKey(  # the visit a follow-up call is about: its services are scored
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_scores = models.JSONField(default=dict, blank=True)  # service name → 1–5
    ticket = models.ForeignKey(  # the follow-up call after a complaint closed
        "Ticket", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["merchant", "assignee", "status", "due_at"], name="task_queue")
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def overdue(self) -> bool:
        return self.status == TaskStatus.OPEN and self.due_at < clock.now()


class OwnershipChange(models.Model):
    """Who looked after a customer before and after a reassignment, who decided it and why.
    Append-only: the audit trail of account management."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="ownership_changes"
    )
    before = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    after = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.before_id} → {self.after_id}"


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
        constraints = [
            models.UniqueConstraint(fields=["customer", "occasion"], name="one_greeting")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.occasion}"


class TicketStage(models.TextChoices):
    """Seed 004's complaint workflow, in order."""

    RECEIVE = "receive", _("Received")
    VERIFY = "verify", _("Verifying")
    REGISTER = "register", _("Registered")
    TRANSFER = "transfer", _("Transferred")
    COORDINATE = "coordinate", _("Coordinating")
    HANDLE = "handle", _("Handling")
    FEEDBACK = "feedback", _("Answering the customer")
    CLOSED = "closed", pgettext_lazy("complaints", "Closed")


class TicketCategory(models.TextChoices):
    SERVICE = "service", _("Service quality")
    STAFF = "staff", _("Staff attitude")
    PRICE = "price", _("Price or billing")
    HYGIENE = "hygiene", _("Hygiene or environment")
    BOOKING = "booking", _("Booking or waiting")
    CARD = "card", _("Member card, points or coupons")
    OTHER = "other", _("Other")


class TicketChannel(models.TextChoices):
    STORE_PAGE = "store_page", _("Store page")
    ORDER = "order", _("An order")
    STAFF = "staff", _("Taken by staff (phone, in person)")
    PUBLIC = "public", _("Public (review or social media)")


ESCALATION_LEVELS = (
    _("Agent"),
    _("Supervisor"),
    _("Manager"),
    _("Owner"),
)


class Ticket(models.Model):
    """A complaint or request. Whoever first takes it owns it until it is closed (首问负责);
    each stage has a time limit in business hours, and a breach escalates it."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    number = models.CharField(max_length=12, unique=True)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="tickets"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    store = models.ForeignKey(
        "merchants.Store", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    channel = models.CharField(_("came in by"), max_length=12, choices=TicketChannel.choices)
    category = models.CharField(_("category"), max_length=10, choices=TicketCategory.choices)
    subject = models.CharField(_("subject"), max_length=120)
    description = models.TextField(_("what happened"))
    stage = models.CharField(
        max_length=10, choices=TicketStage.choices, default=TicketStage.RECEIVE
    )
    owner = models.ForeignKey(  # the first to take it: accountable until it closes
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    handler = models.ForeignKey(  # who works on it now (after a transfer)
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalation = models.PositiveSmallIntegerField(default=0)  # index in ESCALATION_LEVELS
    stage_due_at = models.DateTimeField()
    opened_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField(_("answer to the customer"), blank=True)
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)  # follow-up call
    no_score_reason = models.CharField(max_length=200, blank=True)  # the call had no score

    class Meta:
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["stage", "stage_due_at"], name="ticket_due")]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def overdue(self) -> bool:
        return self.stage != TicketStage.CLOSED and self.stage_due_at < clock.now()

    @property
    def escalation_label(self) -> str:
        return str(ESCALATION_LEVELS[min(self.escalation, len(ESCALATION_LEVELS) - 1)])


TICKET_EVENT_KINDS = {
    "open": _("Opened"),
    "take": _("Taken"),
    "stage": _("Stage done"),
    "escalate": _("Escalated"),
    "follow_up": _("Follow-up call"),
}


class TicketEvent(models.Model):
    """The ticket's history, append-only: stages, transfers, escalations, notes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=clock.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(max_length=10, choices=TicketStage.choices)
    kind = models.CharField(max_length=10)  # stage, transfer, escalate, note, follow_up
    note = models.TextField(blank=True)
    on_time = models.BooleanField(null=True)  # for a stage left: within its limit?

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.kind} {self.stage}"

    @property
    def kind_label(self) -> str:
        return str(TICKET_EVENT_KINDS.get(self.kind, self.kind))


class ArticleKind(models.TextChoices):
    SCRIPT = "script", _("Call script (话术)")
    STANDARD = "standard", _("Service standard")
    ANSWER = "answer", _("Answer to a common question")


class Article(models.Model):
    """The shop's shared know-how (seed 001 appendix: the best call scripts are kept for
    everyone): searchable, and shown beside the calls and complaints they help with."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ArticleKind.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"))
    # Where it helps: a complaint category or a task kind (empty: everywhere).
    topic = models.CharField(_("helps with"), max_length=12, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = ClockedDateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


class CommitmentStatus(models.TextChoices):
    OPEN = "open", _("Promised")
    KEPT = "kept", _("Kept")
    BROKEN = "broken", _("Not kept")


class Commitment(models.Model):
    """Something promised to a customer (seed 003: which commitments were kept): what, by
    whom, by when, and whether it was kept and why not."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="commitments")
    promise = models.CharField(_("what was promised"), max_length=200)
    promised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("promised by"),
    )
    due_on = models.DateField(_("by"))
    status = models.CharField(
        max_length=8, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )
    outcome = models.CharField(_("how it ended (why, if not kept)"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    settled_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["status", "due_on", "id"]

    def __str__(self) -> str:
        return self.promise

    @property
    def overdue(self) -> bool:
        return self.status == CommitmentStatus.OPEN and self.due_on < clock.today()


class Survey(models.Model):
    """A satisfaction survey after a visit: how likely to recommend the shop (NPS, 0–10) and
    how satisfied with this visit (CSAT, 1–5), answered once by the customer."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="surveys")
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="surveys"
    )
    order = models.OneToOneField(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sent_at = models.DateTimeField(default=clock.now)
    answered_at = models.DateTimeField(null=True, blank=True)
    recommend = models.PositiveSmallIntegerField(
        _("how likely are you to recommend us to a friend (0–10)?"), null=True
    )
    satisfied = models.PositiveSmallIntegerField(
        _("how satisfied were you with this visit (1–5)?"), null=True
    )
    comment = models.CharField(_("anything we should know?"), max_length=500, blank=True)
    item_scores = models.JSONField(default=dict, blank=True)  # service name → 1–5

    class Meta:
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["merchant", "answered_at"], name="survey_answers")]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.consumer_id}"


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

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.referred_id}"


class CustomerEvent(models.Model):
    """A member day, a tasting, a lecture, a thank-you party (seed 001 appendix): theme, date,
    place, the gift, and invitees taken from a segment."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    theme = models.CharField(_("theme"), max_length=120)
    starts_at = models.DateTimeField(_("when"))
    place = models.CharField(_("where"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    gift = models.CharField(_("gift for those who come"), max_length=120, blank=True)
    segment = models.ForeignKey(
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-starts_at", "-id"]

    def __str__(self) -> str:
        return self.theme


class Rsvp(models.TextChoices):
    PENDING = "pending", _("Not answered")
    YES = "yes", _("Coming")
    NO = "no", _("Not coming")


class Invitation(models.Model):
    event = models.ForeignKey(CustomerEvent, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="invitations")
    rsvp = models.CharField(max_length=8, choices=Rsvp.choices, default=Rsvp.PENDING)
    responded_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(default=False)
    gift_given = models.BooleanField(default=False)

    class Meta:
        ordering = ["customer__name", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="one_invitation")]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.customer_id}"


class CorrectiveAction(models.Model):
    """What the shop will change because of a month's complaints (seed 004: the monthly
    complaint analysis with corrective actions tracked to the end)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month analysed
    category = models.CharField(_("about"), max_length=10, choices=TicketCategory.choices)
    action = models.CharField(_("what we will change"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("who"),
    )
    due_on = models.DateField(_("by"))
    done_at = models.DateTimeField(null=True, blank=True)
    result = models.CharField(_("result"), max_length=300, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return self.action

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.due_on < clock.today()


class Indicator(models.Model):
    """One indicator of the merchant's relationship evaluation, with its weight (seed 001
    appendix: 客户关系评估表 — indicator, weight, score, grade)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("indicator"), max_length=40)
    weight = models.PositiveSmallIntegerField(_("weight"))

    class Meta:
        ordering = ["-weight", "id"]
        constraints = [
            models.UniqueConstraint(fields=["merchant", "name"], name="one_indicator_name")
        ]

    def __str__(self) -> str:
        return self.name


class Decision(models.TextChoices):
    IMPROVE = "improve", _("Improve the relationship")
    MAINTAIN = "maintain", _("Maintain the relationship")
    END = "end", _("End the effort")


class Evaluation(models.Model):
    """A relationship evaluation of one customer: each indicator scored 1–5, the weighted
    total (0–100), the grade and the decision, kept on the customer's archive."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="evaluations")
    scores = models.JSONField()  # {indicator name: score 1–5}, as weighted at the time
    weights = models.JSONField()  # {indicator name: weight}
    total = models.PositiveSmallIntegerField()
    grade = models.CharField(max_length=1)
    decision = models.CharField(max_length=8, choices=Decision.choices)
    note = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.grade}"


class PlanStatus(models.TextChoices):
    PROPOSED = "proposed", _("Waiting for approval")
    APPROVED = "approved", _("Approved: in progress")
    REJECTED = "rejected", _("Not approved")
    CLOSED = "closed", _("Closed with a summary")


class MaintenancePlan(models.Model):
    """How the shop will keep a customer (seed 001 appendix: methods, measures, owner, cost),
    approved by a manager, carried out, then closed with a summary."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.CASCADE, related_name="plans"
    )
    segment = models.ForeignKey(  # a plan for a whole segment instead of one customer
        Segment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    methods = models.CharField(_("methods (visits, calls, offers…)"), max_length=300)
    measures = models.TextField(_("measures"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("carried out by"),
    )
    cost = MoneyField(_("budget (¥)"), default=Decimal("0"))
    status = models.CharField(
        max_length=10, choices=PlanStatus.choices, default=PlanStatus.PROPOSED
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(default=clock.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.methods
