"""The service desk: complaints and their stages, the knowledge base, satisfaction surveys
and the corrective actions that come out of the monthly complaint analysis.

The tables keep their names from before the customer app was split (`crm_*`, decision 0014).
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from regulars.core import clock
from regulars.core.models import ClockedDateTimeField
from regulars.customers.models import Customer
from regulars.merchants.models import Merchant


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
        db_table = "crm_ticket"
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
        db_table = "crm_ticketevent"
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
        db_table = "crm_article"
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title


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
        db_table = "crm_survey"
        ordering = ["-sent_at", "-id"]
        indexes = [models.Index(fields=["merchant", "answered_at"], name="survey_answers")]

    def __str__(self) -> str:
        return f"{self.merchant_id}: {self.consumer_id}"


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
        db_table = "crm_correctiveaction"
        ordering = ["done_at", "due_on", "id"]

    def __str__(self) -> str:
        return self.action

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.due_on < clock.today()


# Times of day as callables: Django's check warns (fields.W161) about a fixed time default in
# the ten seconds around that time of day, which made `check --deploy` fail at 09:00:00 UTC.
def desk_opens() -> dt.time:
    return dt.time(9, 0)


def desk_closes() -> dt.time:
    return dt.time(21, 0)


class DeskSettings(models.Model):
    """The service desk's business hours, in which stage limits run, and each stage's limit in
    business hours (`services.STAGE_HOURS` for a stage left out)."""

    merchant = models.OneToOneField(
        Merchant, on_delete=models.CASCADE, related_name="desk_settings"
    )
    opens = models.TimeField(_("service desk opens"), default=desk_opens)
    closes = models.TimeField(_("service desk closes"), default=desk_closes)
    stage_hours = models.JSONField(default=dict, blank=True)  # stage → business hours

    def __str__(self) -> str:
        return str(self.merchant)
