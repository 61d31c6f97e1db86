"""Messages to consumers and what they asked for.

* The in-app inbox (always delivered; a badge counts the unread).
* What a consumer follows: categories or merchants within a distance of their places, and the
  activity range the system derives from their habits (`targeting.py`).
* Their preferences: quiet hours, a daily cap on promotional messages, which channels, and
  opt-outs (from everything promotional, or from one merchant).
* Broadcasts (a merchant's flash deal or offer) and one `Delivery` row per person and channel:
  unique, so a retried batch never sends twice, and a log of what happened to each message.
"""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField
from regulars.merchants.models import Category, Merchant


class InboxMessage(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox"
    )
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=200, blank=True)
    # Set on a shop's promotional message: the inbox offers "stop messages from this shop".
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # What caused it, so a retried task never sends the same message twice.
    dedupe_key = models.CharField(max_length=120, unique=True)
    created_at = ClockedDateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="inbox_user_unread")]

    def __str__(self) -> str:
        return self.title


class PlaceKind(models.TextChoices):
    HOME = "home", _("Home")
    WORK = "work", _("Work")
    OTHER = "other", _("Other")


class Place(models.Model):
    """A place the consumer chose (home, work): deals near it reach them."""

    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="places"
    )
    kind = models.CharField(
        _("place"), max_length=10, choices=PlaceKind.choices, default=PlaceKind.HOME
    )
    label = models.CharField(_("name"), max_length=40, blank=True)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))

    class Meta:
        indexes = [models.Index(fields=["lat", "lng"], name="place_position")]

    def __str__(self) -> str:
        return self.label or self.get_kind_display()


class Subscription(models.Model):
    """Follow a category (and its subcategories) or one merchant, within a distance."""

    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="subscriptions"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    merchant = models.ForeignKey(
        Merchant, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    radius_m = models.PositiveIntegerField(_("within (metres)"), default=2000)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(category__isnull=False) | models.Q(merchant__isnull=False),
                name="subscription_follows_something",
            ),
            models.UniqueConstraint(
                fields=["consumer", "category"],
                condition=models.Q(category__isnull=False),
                name="one_subscription_per_category",
            ),
            models.UniqueConstraint(
                fields=["consumer", "merchant"],
                condition=models.Q(merchant__isnull=False),
                name="one_subscription_per_merchant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.consumer_id} → {self.category or self.merchant} ({self.radius_m} m)"


class SearchPosition(models.Model):
    """Where a signed-in consumer searched from (sampled): one input of their activity range."""

    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    lat = models.FloatField()
    lng = models.FloatField()
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["consumer", "at"], name="search_position_time")]

    def __str__(self) -> str:
        return f"{self.consumer_id} {self.at:%Y-%m-%d}"


class ActivityRange(models.Model):
    """Where the consumer usually is, derived from their habits (see `targeting.py`)."""

    consumer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="activity_range"
    )
    lat = models.FloatField()
    lng = models.FloatField()
    radius_m = models.PositiveIntegerField()
    points = models.PositiveIntegerField()  # how many observations it rests on
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["lat", "lng"], name="activity_position")]

    def __str__(self) -> str:
        return f"{self.consumer_id}: {self.radius_m} m"


# Times of day as callables (see servicedesk.models.desk_opens: Django's W161 check).
def quiet_from_default() -> dt.time:
    return dt.time(22, 0)


def quiet_until_default() -> dt.time:
    return dt.time(8, 0)


class Preferences(models.Model):
    consumer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_preferences"
    )
    promotions = models.BooleanField(_("receive offers and flash deals"), default=True)
    push = models.BooleanField(_("as notifications on this phone"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    quiet_from = models.TimeField(_("quiet from"), default=quiet_from_default)
    quiet_until = models.TimeField(_("quiet until"), default=quiet_until_default)
    daily_cap = models.PositiveSmallIntegerField(_("at most this many offers a day"), default=3)
    use_activity_range = models.BooleanField(
        _("also use where I usually am (learned from my orders and searches)"), default=True
    )

    def __str__(self) -> str:
        return f"{self.consumer_id}"

    def quiet_ends(self, local_now: dt.datetime) -> dt.datetime:
        """When the quiet hours that hold `local_now` end (today's or tomorrow's `quiet_until`)."""
        end = local_now.replace(
            hour=self.quiet_until.hour, minute=self.quiet_until.minute, second=0, microsecond=0
        )
        return end if end > local_now else end + dt.timedelta(days=1)

    def is_quiet(self, local_time: dt.time) -> bool:
        """Quiet hours may wrap midnight (22:00–08:00)."""
        if self.quiet_from == self.quiet_until:
            return False
        if self.quiet_from < self.quiet_until:
            return self.quiet_from <= local_time < self.quiet_until
        return local_time >= self.quiet_from or local_time < self.quiet_until


class MerchantOptOut(models.Model):
    """“Stop messages from this shop” — the link at the foot of every promotional message."""

    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="+")
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["consumer", "merchant"], name="one_optout_per_shop")
        ]

    def __str__(self) -> str:
        return f"{self.consumer_id} ✕ {self.merchant_id}"


class PushSubscription(models.Model):
    """A browser's Web Push endpoint and keys (RFC 8030 / 8291)."""

    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(max_length=500, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = ClockedDateTimeField(auto_now_add=True)
    failures = models.PositiveSmallIntegerField(default=0)

    def __str__(self) -> str:
        return self.endpoint[:60]


class BroadcastStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    CANCELLED = "cancelled", _("Cancelled")


class Broadcast(models.Model):
    """One message from a merchant to an audience, sent now or at a set time, in batches."""

    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="broadcasts")
    title = models.CharField(max_length=120)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=200, blank=True)
    # How the audience is found: {"kind": "nearby", "lat", "lng", "category_ids", ...} or
    # {"kind": "users", "ids": [...]}; see `targeting.audience_ids`.
    audience = models.JSONField(default=dict)
    send_at = models.DateTimeField()
    # After this the message is worth nothing (a flash deal's end): nothing waits past it.
    valid_until = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=20, choices=BroadcastStatus.choices, default=BroadcastStatus.SCHEDULED
    )
    recipients = models.PositiveIntegerField(default=0)
    # People whose inbox delivery is decided (sent or skipped); counted by each batch as it goes.
    planned = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-send_at", "-id"]
        indexes = [models.Index(fields=["status", "send_at"], name="broadcast_due")]

    def __str__(self) -> str:
        return self.title


class Channel(models.TextChoices):
    INBOX = "inbox", _("Inbox")
    PUSH = "push", _("Notification")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Not sent")
    DEFERRED = "deferred", _("Waiting for the end of quiet hours")


class SkipReason(models.TextChoices):
    OPTED_OUT = "opted_out", _("opted out")
    DAILY_CAP = "daily_cap", _("daily limit reached")
    QUIET_HOURS = "quiet_hours", _("quiet hours")
    PUSH_FAILED = "push_failed", _("push service refused")
    SMS_FAILED = "sms_failed", _("SMS provider refused")


class Delivery(models.Model):
    """What happened to one broadcast for one person on one channel. Unique per triple.

    A high-volume log (a flash deal to a million people writes a million rows): its foreign keys
    are not enforced by the database — checking two per row would double the cost of a fan-out
    — while Django still cascades deletes, and rows are only ever written by the fan-out, for
    people and broadcasts it has just read."""

    broadcast = models.ForeignKey(
        Broadcast, on_delete=models.CASCADE, related_name="deliveries", db_constraint=False
    )
    consumer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    reason = models.CharField(max_length=40, blank=True)
    created_at = ClockedDateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Deferred by the person's quiet hours: goes out then (`send_deferred`), if still worth it.
    not_before = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["broadcast", "consumer", "channel"], name="one_delivery_per_channel"
            )
        ]
        indexes = [
            models.Index(fields=["consumer", "created_at"], name="delivery_consumer_day"),
            # Only the few rows still waiting for a provider: finding them stays cheap.
            models.Index(
                fields=["broadcast"],
                condition=models.Q(status="queued"),
                name="delivery_queued",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.broadcast_id} → {self.consumer_id} {self.channel} {self.status}"


class SmsStatus(models.TextChoices):
    SENT = "sent", _("Accepted by the provider")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Not delivered")


class SmsMessage(models.Model):
    """One text accepted by a provider (Aliyun, Tencent), kept for its delivery receipt and for
    support ("did the code arrive?"). The number is stored masked: the log says which message,
    not whose phone."""

    message_id = models.CharField(max_length=40, unique=True)  # ours: OutId / SessionContext
    kind = models.CharField(max_length=20)
    provider = models.CharField(max_length=10)
    reference = models.CharField(max_length=64, blank=True)  # BizId / SerialNo
    to_masked = models.CharField(max_length=20)
    status = models.CharField(max_length=10, choices=SmsStatus.choices, default=SmsStatus.SENT)
    error = models.CharField(max_length=120, blank=True)
    sent_at = ClockedDateTimeField(auto_now_add=True)
    reported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["provider", "reference"], name="sms_provider_reference")]

    def __str__(self) -> str:
        return f"{self.message_id} {self.kind} {self.status}"


class WeChatBinding(models.Model):
    """A person's OpenID at the platform's WeChat official account, given when they asked for
    notices in WeChat (their consent is recorded with it); deleting it stops the notices."""

    consumer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="wechat_binding"
    )
    openid = models.CharField(max_length=64, unique=True)
    bound_at = ClockedDateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.consumer_id} ↔ WeChat"
