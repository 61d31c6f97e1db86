"""Looking after customers over time: account managers and their tasks, promises made to a
customer, relationship evaluations and the maintenance plans that follow them, customer events.

The tables keep their names from before the customer app was split (`crm_*`, decision 0014).
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core import clock
from regulars.core.models import ClockedDateTimeField
from regulars.core.money import MoneyField
from regulars.customers.models import Customer, Segment
from regulars.merchants.models import Merchant


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
        "servicedesk.Ticket",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )

    class Meta:
        db_table = "crm_task"
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
        db_table = "crm_ownershipchange"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.before_id} → {self.after_id}"


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
        db_table = "crm_commitment"
        ordering = ["status", "due_on", "id"]

    def __str__(self) -> str:
        return self.promise

    @property
    def overdue(self) -> bool:
        return self.status == CommitmentStatus.OPEN and self.due_on < clock.today()


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
        db_table = "crm_customerevent"
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
        db_table = "crm_invitation"
        ordering = ["customer__name", "id"]
        constraints = [models.UniqueConstraint(fields=["event", "customer"], name="one_invitation")]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.customer_id}"


class Indicator(models.Model):
    """One indicator of the merchant's relationship evaluation, with its weight (seed 001
    appendix: 客户关系评估表 — indicator, weight, score, grade)."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("indicator"), max_length=40)
    weight = models.PositiveSmallIntegerField(_("weight"))

    class Meta:
        db_table = "crm_indicator"
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
        db_table = "crm_evaluation"
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
        db_table = "crm_maintenanceplan"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.methods
