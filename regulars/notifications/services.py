"""Writes for messages: the inbox, what consumers follow and allow, broadcasts and their fan-out.

Fan-out is exactly-once per person and channel. A broadcast's audience is cut into batches; each
batch first inserts its `Delivery` rows with set-based SQL (unique per broadcast, person and
channel, so a retried batch inserts nothing new): an inbox row for everyone, a push row for those
with a subscribed phone, an SMS row for those who asked for SMS — each queued, or skipped with the
reason. Then it sends only rows still queued:
* inbox rows are written with their delivery marked sent in one transaction, under a unique
  dedupe key — a retry can neither lose nor double them;
* push and SMS rows are claimed (queued → sent) in a committed UPDATE *before* the provider is
  called, so a worker killed mid-batch may lose one external message but never sends it twice.
An interrupted broadcast stays "sending"; `send_due_broadcasts` picks it up again and the rows
already done are skipped.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError, NotFound
from regulars.core.geo import validate_position

from . import channels, targeting
from .models import (
    Broadcast,
    BroadcastStatus,
    Channel,
    Delivery,
    DeliveryStatus,
    InboxMessage,
    MerchantOptOut,
    Place,
    PlaceKind,
    Preferences,
    PushSubscription,
    SearchPosition,
    Subscription,
)

log = logging.getLogger(__name__)
MAX_PLACES = 5
MAX_SUBSCRIPTIONS = 30
MAX_RADIUS_M = 20_000
SEARCH_SAMPLE_MINUTES = 10


def notify(*, user, title: str, body: str = "", link: str = "", dedupe_key: str) -> bool:
    """Put a message in a person's inbox once per `dedupe_key`. Returns whether it was new."""
    try:
        with transaction.atomic():
            InboxMessage.objects.create(
                user=user,
                title=title[:120],
                body=body,
                link=link[:200],
                dedupe_key=dedupe_key[:120],
            )
    except IntegrityError:
        return False
    return True


def mark_read(*, user) -> int:
    return InboxMessage.objects.filter(user=user, read_at=None).update(read_at=timezone.now())


# ---- what a consumer follows and allows -------------------------------------------------------


def preferences_of(consumer) -> Preferences:
    found, _created = Preferences.objects.get_or_create(consumer=consumer)
    return found


def save_preferences(*, consumer, **values) -> Preferences:
    allowed = {
        "promotions",
        "push",
        "sms",
        "quiet_from",
        "quiet_until",
        "daily_cap",
        "use_activity_range",
    }
    unknown = set(values) - allowed
    if unknown:
        raise DomainError(_("Unknown setting."), field=sorted(unknown)[0])
    if "daily_cap" in values and not 0 <= int(values["daily_cap"]) <= 20:
        raise DomainError(_("Enter a daily limit from 0 to 20."), field="daily_cap")
    if values.get("sms") and not consumer.phone:
        raise DomainError(_("Add a mobile number to your account to get SMS."), field="sms")
    preferences = preferences_of(consumer)
    for key, value in values.items():
        setattr(preferences, key, value)
    preferences.save()
    return preferences


def _radius(radius_m) -> int:
    try:
        radius = int(radius_m)
    except (TypeError, ValueError):
        radius = 0
    if not 100 <= radius <= MAX_RADIUS_M:
        raise DomainError(_("Choose a distance from 100 m to 20 km."), field="radius_m")
    return radius


def add_place(*, consumer, kind: str, lat: float, lng: float, label: str = "") -> Place:
    if kind not in PlaceKind.values:
        raise DomainError(_("Choose home, work or other."), field="kind")
    validate_position(lat, lng)
    if Place.objects.filter(consumer=consumer).count() >= MAX_PLACES:
        raise DomainError(
            _("At most %(n)d places: remove one first.") % {"n": MAX_PLACES}, field="kind"
        )
    return Place.objects.create(
        consumer=consumer, kind=kind, lat=lat, lng=lng, label=(label or "").strip()[:40]
    )


def remove_place(*, consumer, place_id: int) -> None:
    if not Place.objects.filter(pk=place_id, consumer=consumer).delete()[0]:
        raise NotFound()


def follow(
    *, consumer, radius_m, category_id: int | None = None, merchant_id: int | None = None
) -> Subscription:
    """Follow a category or a merchant within a distance (again: change the distance)."""
    from regulars.merchants.models import Category, Merchant

    radius = _radius(radius_m)
    if bool(category_id) == bool(merchant_id):
        raise DomainError(_("Follow a category or a shop."), field="category_id")
    if category_id and not Category.objects.filter(pk=category_id).exists():
        raise DomainError(_("No such category."), field="category_id")
    if merchant_id and not Merchant.objects.filter(pk=merchant_id, is_active=True).exists():
        raise DomainError(_("No such shop."), field="merchant_id")
    key = {"category_id": category_id} if category_id else {"merchant_id": merchant_id}
    existing = Subscription.objects.filter(consumer=consumer, **key).first()
    if existing is None and consumer.subscriptions.count() >= MAX_SUBSCRIPTIONS:
        raise DomainError(
            _("At most %(n)d subscriptions: remove one first.") % {"n": MAX_SUBSCRIPTIONS},
            field="category_id",
        )
    if existing:
        existing.radius_m = radius
        existing.save(update_fields=["radius_m"])
        return existing
    return Subscription.objects.create(consumer=consumer, radius_m=radius, **key)


def unfollow(*, consumer, subscription_id: int) -> None:
    if not Subscription.objects.filter(pk=subscription_id, consumer=consumer).delete()[0]:
        raise NotFound()


def opt_out_of_merchant(*, consumer, merchant_id: int) -> None:
    MerchantOptOut.objects.get_or_create(consumer=consumer, merchant_id=merchant_id)


def opt_back_in(*, consumer, merchant_id: int) -> None:
    MerchantOptOut.objects.filter(consumer=consumer, merchant_id=merchant_id).delete()


def record_search_position(*, consumer, lat: float, lng: float) -> bool:
    """Where a signed-in consumer searched from: one sample per 10 minutes feeds their activity
    range. Returns whether it was kept."""
    if consumer is None or not consumer.is_authenticated:
        return False
    since = timezone.now() - dt.timedelta(minutes=SEARCH_SAMPLE_MINUTES)
    if SearchPosition.objects.filter(consumer=consumer, at__gte=since).exists():
        return False
    SearchPosition.objects.create(consumer=consumer, lat=lat, lng=lng, at=timezone.now())
    return True


def subscribe_push(*, consumer, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """A browser agreed to notifications: keep its endpoint (moving it to this person)."""
    if not endpoint.startswith("https://") and not settings.DEBUG:
        raise DomainError(_("A push endpoint must use HTTPS."), field="endpoint")
    if not (endpoint and p256dh and auth) or len(endpoint) > 500:
        raise DomainError(_("The browser sent an incomplete subscription."), field="endpoint")
    found, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"consumer": consumer, "p256dh": p256dh, "auth": auth, "failures": 0},
    )
    return found


def unsubscribe_push(*, consumer, endpoint: str) -> None:
    PushSubscription.objects.filter(consumer=consumer, endpoint=endpoint).delete()


# ---- broadcasts -------------------------------------------------------------------------------


def schedule_broadcast(
    *,
    merchant_id: int,
    title: str,
    body: str,
    link: str,
    audience: dict,
    send_at: dt.datetime | None = None,
) -> Broadcast:
    """A message to an audience (see `targeting.audience_ids`), now or at `send_at`."""
    now = timezone.now()
    broadcast = Broadcast.objects.create(
        merchant_id=merchant_id,
        title=title[:120],
        body=body,
        link=link[:200],
        audience=audience,
        send_at=send_at or now,
    )
    if broadcast.send_at <= now:
        from .tasks import send_broadcast

        transaction.on_commit(lambda: send_broadcast.delay(broadcast.pk))
    return broadcast


def cancel_broadcast(*, merchant_id: int, broadcast_id: int) -> bool:
    return bool(
        Broadcast.objects.filter(
            pk=broadcast_id, merchant_id=merchant_id, status=BroadcastStatus.SCHEDULED
        ).update(status=BroadcastStatus.CANCELLED)
    )


def start_broadcast(broadcast_id: int) -> list[list[int]]:
    """Fix the audience and mark the broadcast sending; returns the batches to deliver. Calling it
    again for a broadcast already sending (an interrupted one) returns the same batches."""
    now = timezone.now()
    Broadcast.objects.filter(
        pk=broadcast_id, status=BroadcastStatus.SCHEDULED, send_at__lte=now
    ).update(status=BroadcastStatus.SENDING, started_at=now)
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    if broadcast.status != BroadcastStatus.SENDING:
        return []
    people = targeting.audience_ids(broadcast.audience, merchant_id=broadcast.merchant_id)
    Broadcast.objects.filter(pk=broadcast.pk).update(recipients=len(people))
    size = settings.REGULARS_FANOUT_BATCH
    return [people[start : start + size] for start in range(0, len(people), size)]


# Defaults for people who never opened their settings (the model's defaults, for SQL).
_DEFAULTS = Preferences()


def _ids(column: str, ids: list[int]) -> tuple[str, list]:
    """`column` is one of `ids`: an array parameter on PostgreSQL, a list elsewhere."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(ids)]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", list(ids)


def _quiet_sql() -> str:
    """Whether the local time (the parameter) falls in the person's quiet hours (may wrap
    midnight, e.g. 22:00–08:00); equal ends mean no quiet hours."""
    start = f"COALESCE(p.quiet_from, '{_DEFAULTS.quiet_from:%H:%M:%S}')"
    end = f"COALESCE(p.quiet_until, '{_DEFAULTS.quiet_until:%H:%M:%S}')"
    return (
        f"(CASE WHEN {start} = {end} THEN 0 WHEN {start} < {end} "
        f"THEN (CASE WHEN %s >= {start} AND %s < {end} THEN 1 ELSE 0 END) "
        f"ELSE (CASE WHEN %s >= {start} OR %s < {end} THEN 1 ELSE 0 END) END) = 1"
    )


def _plan(broadcast: Broadcast, consumer_ids: list[int], now: dt.datetime) -> None:
    """Insert who gets what on which channel, and why not — opted out, daily cap reached, quiet
    hours — as set-based statements (a batch of thousands is three INSERTs). Rows that exist
    already (a retried batch) are left as they are."""
    local = timezone.localtime(now)
    day_start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    clock = f"{local:%H:%M:%S}"
    who, who_params = _ids("u.id", consumer_ids)
    inbox_sql = f"""
        INSERT INTO {Delivery._meta.db_table}
            (broadcast_id, consumer_id, channel, status, reason, created_at)
        SELECT %s, planned.id, 'inbox',
               CASE WHEN planned.reason = '' THEN 'queued' ELSE 'skipped' END,
               planned.reason, %s
        FROM (
            SELECT u.id,
                CASE
                    WHEN NOT COALESCE(p.promotions, %s) OR o.id IS NOT NULL THEN 'opted_out'
                    WHEN (SELECT COUNT(*) FROM {Delivery._meta.db_table} AS d
                          WHERE d.consumer_id = u.id AND d.channel = 'inbox'
                            AND d.status = 'sent' AND d.created_at >= %s
                            AND d.broadcast_id <> %s) >= COALESCE(p.daily_cap, %s)
                        THEN 'daily_cap'
                    ELSE ''
                END AS reason
            FROM {get_user_model()._meta.db_table} AS u
            LEFT JOIN {Preferences._meta.db_table} AS p ON p.consumer_id = u.id
            LEFT JOIN {MerchantOptOut._meta.db_table} AS o
                ON o.consumer_id = u.id AND o.merchant_id = %s
            WHERE {who}
        ) AS planned
        WHERE 1 = 1  -- SQLite needs a WHERE before an upsert's ON CONFLICT
        ON CONFLICT (broadcast_id, consumer_id, channel) DO NOTHING
    """
    inbox_params = [
        broadcast.pk,
        now,
        _DEFAULTS.promotions,
        day_start,
        broadcast.pk,
        _DEFAULTS.daily_cap,
        broadcast.merchant_id,
        *who_params,
    ]
    inbox_rows, inbox_params_in = _ids("d.consumer_id", consumer_ids)
    quiet = _quiet_sql()
    quiet_params = [clock, clock, clock, clock]
    follow_on = f"""
        INSERT INTO {Delivery._meta.db_table}
            (broadcast_id, consumer_id, channel, status, reason, created_at)
        SELECT d.broadcast_id, d.consumer_id, %s,
               CASE WHEN d.status = 'skipped' OR {quiet} THEN 'skipped' ELSE 'queued' END,
               CASE WHEN d.status = 'skipped' THEN d.reason
                    WHEN {quiet} THEN 'quiet_hours' ELSE '' END,
               %s
        FROM {Delivery._meta.db_table} AS d
        JOIN {get_user_model()._meta.db_table} AS u ON u.id = d.consumer_id
        LEFT JOIN {Preferences._meta.db_table} AS p ON p.consumer_id = d.consumer_id
        WHERE d.broadcast_id = %s AND d.channel = 'inbox' AND {inbox_rows} AND {{condition}}
        ON CONFLICT (broadcast_id, consumer_id, channel) DO NOTHING
    """
    has_device = (
        f"COALESCE(p.push, %s) AND EXISTS (SELECT 1 FROM {PushSubscription._meta.db_table} "
        "AS s WHERE s.consumer_id = d.consumer_id)"
    )
    has_phone = "COALESCE(p.sms, %s) AND u.phone IS NOT NULL AND u.phone <> ''"
    with connection.cursor() as cursor:
        cursor.execute(inbox_sql, inbox_params)
        for channel, condition, default in (
            (Channel.PUSH, has_device, _DEFAULTS.push),
            (Channel.SMS, has_phone, _DEFAULTS.sms),
        ):
            cursor.execute(
                follow_on.format(condition=condition),
                [channel, *quiet_params, *quiet_params, now, broadcast.pk]
                + inbox_params_in
                + [default],
            )


def deliver_batch(*, broadcast_id: int, consumer_ids: list[int]) -> int:
    """Deliver one batch; safe to run again. Returns how many inbox messages it added."""
    broadcast = Broadcast.objects.select_related("merchant").get(pk=broadcast_id)
    now = timezone.now()
    with transaction.atomic():
        _plan(broadcast, consumer_ids, now)
        added = _deliver_inbox(broadcast, consumer_ids, now)
    queued = Delivery.objects.filter(
        broadcast=broadcast, consumer_id__in=consumer_ids, status=DeliveryStatus.QUEUED
    )
    for delivery in queued.filter(channel=Channel.PUSH):
        _deliver_push(broadcast, delivery)
    for delivery in queued.filter(channel=Channel.SMS).select_related("consumer"):
        _deliver_sms(broadcast, delivery)
    finish_if_done(broadcast_id)
    return added


def _deliver_inbox(broadcast: Broadcast, consumer_ids: list[int], now: dt.datetime) -> int:
    """The queued inbox rows of the batch become messages, once (unique dedupe key), and are
    marked sent in the same transaction."""
    rows, rows_params = _ids("d.consumer_id", consumer_ids)
    queued = f"d.broadcast_id = %s AND d.channel = 'inbox' AND d.status = 'queued' AND {rows}"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {InboxMessage._meta.db_table}
                (user_id, title, body, link, merchant_id, dedupe_key, created_at)
            SELECT d.consumer_id, %s, %s, %s, %s, %s || d.consumer_id, %s
            FROM {Delivery._meta.db_table} AS d
            WHERE {queued}
            ON CONFLICT (dedupe_key) DO NOTHING
            """,
            [
                broadcast.title,
                broadcast.body,
                broadcast.link,
                broadcast.merchant_id,
                f"broadcast:{broadcast.pk}:",
                now,
                broadcast.pk,
                *rows_params,
            ],
        )
        added = cursor.rowcount
        cursor.execute(
            f"UPDATE {Delivery._meta.db_table} SET status = 'sent', sent_at = %s "
            f"WHERE id IN (SELECT d.id FROM {Delivery._meta.db_table} AS d WHERE {queued})",
            [now, broadcast.pk, *rows_params],
        )
    return added


def _claim(delivery: Delivery) -> bool:
    """Mark it sent before calling the provider: at most once, whatever happens next."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENT, sent_at=timezone.now()
        )
    )


def _failed(delivery: Delivery, reason: str) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED, reason=reason[:40])


def _payload(broadcast: Broadcast) -> dict:
    return {"title": broadcast.title, "body": broadcast.body, "url": broadcast.link}


def _deliver_push(broadcast: Broadcast, delivery: Delivery) -> None:
    if not _claim(delivery):
        return
    reached = False
    for device in PushSubscription.objects.filter(consumer_id=delivery.consumer_id):
        try:
            channels.send_push(device, _payload(broadcast))
            reached = True
        except channels.ChannelError as error:
            log.warning("push to %s failed: %s", device.pk, error)
            if error.gone:
                device.delete()
            else:
                PushSubscription.objects.filter(pk=device.pk).update(failures=device.failures + 1)
    if not reached:
        _failed(delivery, "push_failed")


def _deliver_sms(broadcast: Broadcast, delivery: Delivery) -> None:
    if not _claim(delivery):
        return
    text = f"【{broadcast.merchant.name}】{broadcast.title} {broadcast.body}".strip()
    text += " " + _("Reply TD to stop.")
    try:
        channels.sms_gateway().send(
            to=delivery.consumer.phone, text=text[:300], message_id=f"d{delivery.pk}"
        )
    except channels.ChannelError as error:
        log.warning("sms %s failed: %s", delivery.pk, error)
        _failed(delivery, "sms_failed")


def finish_if_done(broadcast_id: int) -> bool:
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    planned = Delivery.objects.filter(broadcast=broadcast, channel=Channel.INBOX).count()
    pending = Delivery.objects.filter(broadcast=broadcast, status=DeliveryStatus.QUEUED).exists()
    if planned >= broadcast.recipients and not pending:
        return bool(
            Broadcast.objects.filter(pk=broadcast_id, status=BroadcastStatus.SENDING).update(
                status=BroadcastStatus.SENT, finished_at=timezone.now()
            )
        )
    return False
