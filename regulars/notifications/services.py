"""Writes for messages: the inbox, what consumers follow and allow, broadcasts and their fan-out.

Fan-out is exactly-once per person and channel. A broadcast's audience is cut into batches; each
batch inserts its `Delivery` rows (unique per broadcast, person and channel, so a retried batch
inserts nothing new): an inbox row for everyone, a push row for those with a subscribed phone, an
SMS row for those who asked for SMS — each to be sent, or skipped with the reason.
* Inbox rows are decided and inserted by one set-based statement, and the messages written for
  exactly the rows it inserted, in the same transaction — a retry can neither lose nor double
  them;
* push and SMS rows are claimed (queued → sent) in a committed UPDATE *before* the provider is
  called, so a worker killed mid-batch may lose one external message but never sends it twice.
An interrupted broadcast stays "sending"; `send_due_broadcasts` picks it up again and the rows
already done are skipped.
"""

import datetime as dt
import hmac
import json
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.accounts import privacy
from regulars.accounts.models import ConsentPurpose
from regulars.core import clock, throttle
from regulars.core.errors import DomainError, NotFound, PermissionDenied
from regulars.core.geo import validate_position
from regulars.notifications.errors import Problem

from . import channels, sms, targeting, wechat_notices
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
    SmsMessage,
    SmsStatus,
    Subscription,
    WeChatBinding,
)

log = logging.getLogger(__name__)
MAX_PLACES = 5
MAX_SUBSCRIPTIONS = 30
MAX_RADIUS_M = 20_000
SEARCH_SAMPLE_MINUTES = 10


def notify(*, user, title: str, body: str = "", link: str = "", dedupe_key: str) -> bool:
    """Put a message in a person's inbox once per `dedupe_key`. Returns whether it was new. An
    order, booking or complaint message also goes to their WeChat if they asked for it there."""
    try:
        with transaction.atomic():
            message = InboxMessage.objects.create(
                user=user,
                title=title[:120],
                body=body,
                link=link[:200],
                dedupe_key=dedupe_key[:120],
            )
    except IntegrityError:
        return False
    if (
        wechat_notices.kind_of(message.dedupe_key)
        and wechat_notices.enabled()
        and WeChatBinding.objects.filter(consumer=user).exists()
    ):
        from .tasks import send_wechat_notice

        transaction.on_commit(lambda: send_wechat_notice.delay(message.pk))
    return True


def send_wechat_notice(message_id: int) -> str:
    """Send one inbox message to its person's WeChat: "sent", "skipped" (no longer bound or no
    template) or "unbound" (they stopped following the account: treated as opting out)."""
    message = InboxMessage.objects.filter(pk=message_id).select_related("user").first()
    kind = message and wechat_notices.kind_of(message.dedupe_key)
    binding = message and WeChatBinding.objects.filter(consumer_id=message.user_id).first()
    if not kind or binding is None:
        return "skipped"
    try:
        wechat_notices.send(
            openid=binding.openid,
            kind=kind,
            title=message.title,
            body=message.body,
            link=message.link,
        )
    except wechat_notices.NoticeError as error:
        log.warning("WeChat notice %s not sent: %s", message_id, error)
        if error.gone:
            unbind_wechat(consumer=message.user, source="wechat:unfollowed")
            return "unbound"
        return "skipped"
    return "sent"


def bind_wechat(*, consumer, openid: str, source: str = "wechat") -> WeChatBinding:
    """Send this person's order, booking and complaint notices to WeChat too (their consent
    recorded). One WeChat user belongs to one account: binding it elsewhere moves it."""
    with transaction.atomic():
        WeChatBinding.objects.filter(openid=openid).exclude(consumer=consumer).delete()
        binding, _created = WeChatBinding.objects.update_or_create(
            consumer=consumer, defaults={"openid": openid[:64]}
        )
        privacy.record_consent(
            user=consumer, purpose=ConsentPurpose.WECHAT, granted=True, source=source
        )
    return binding


def bind_wechat_by_code(*, consumer, code: str) -> WeChatBinding:
    """Bind the WeChat user whose silent-login `code` WeChat handed back."""
    from regulars.core import wechat

    try:
        openid = wechat.openid_from_code(
            settings.REGULARS_WECHATPAY_APPID, settings.REGULARS_WECHAT_APP_SECRET, code
        )
    except wechat.WeChatError as error:
        log.warning("WeChat login for notices refused: %s", error)
        raise DomainError(
            _("WeChat could not confirm who you are; try again."), code=Problem.WECHAT_REFUSED
        ) from None
    return bind_wechat(consumer=consumer, openid=openid, source="wechat:settings")


def unbind_wechat(*, consumer, source: str = "settings") -> bool:
    """No more notices in WeChat (consent withdrawal recorded)."""
    with transaction.atomic():
        deleted, _rows = WeChatBinding.objects.filter(consumer=consumer).delete()
        if deleted:
            privacy.record_consent(
                user=consumer, purpose=ConsentPurpose.WECHAT, granted=False, source=source
            )
    return bool(deleted)


def notify_each(users, *, title: str, link: str, key: str) -> None:
    """Tell several staff the same thing, each once (`key` plus the person dedupes)."""
    for user in {user.pk: user for user in users if user}.values():
        notify(user=user, title=title, link=link, dedupe_key=f"{key}:{user.pk}")


def mark_read(*, user) -> int:
    return InboxMessage.objects.filter(user=user, read_at=None).update(read_at=clock.now())


# ---- what a consumer follows and allows -------------------------------------------------------


def preferences_of(consumer) -> Preferences:
    found, _created = Preferences.objects.get_or_create(consumer=consumer)
    return found


# Settings that are consents: each change is recorded with its time and purpose.
CONSENTS = {
    "promotions": ConsentPurpose.OFFERS,
    "push": ConsentPurpose.PUSH,
    "sms": ConsentPurpose.SMS,
    "use_activity_range": ConsentPurpose.LOCATION,
}


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
        raise DomainError(
            _("Unknown setting."), field=sorted(unknown)[0], code=Problem.UNKNOWN_CHOICE
        )
    if "daily_cap" in values and not 0 <= int(values["daily_cap"]) <= 20:
        raise DomainError(
            _("Enter a daily limit from 0 to 20."), field="daily_cap", code=Problem.OUT_OF_RANGE
        )
    if values.get("sms") and not consumer.phone:
        raise DomainError(
            _("Add a mobile number to your account to get SMS."), field="sms", code=Problem.REQUIRED
        )
    preferences = preferences_of(consumer)
    for key, value in values.items():
        if key in CONSENTS and bool(getattr(preferences, key)) != bool(value):
            privacy.record_consent(
                user=consumer, purpose=CONSENTS[key], granted=bool(value), source="settings"
            )
        setattr(preferences, key, value)
    preferences.save()
    return preferences


def _radius(radius_m) -> int:
    try:
        radius = int(radius_m)
    except (TypeError, ValueError):
        radius = 0
    if not 100 <= radius <= MAX_RADIUS_M:
        raise DomainError(
            _("Choose a distance from 100 m to 20 km."),
            field="radius_m",
            code=Problem.OUT_OF_RANGE,
        )
    return radius


def add_place(*, consumer, kind: str, lat: float, lng: float, label: str = "") -> Place:
    if kind not in PlaceKind.values:
        raise DomainError(
            _("Choose home, work or other."), field="kind", code=Problem.CHOICE_REQUIRED
        )
    validate_position(lat, lng)
    if Place.objects.filter(consumer=consumer).count() >= MAX_PLACES:
        raise DomainError(
            _("At most %(n)d places: remove one first.") % {"n": MAX_PLACES},
            field="kind",
            code=Problem.OUT_OF_RANGE,
        )
    return Place.objects.create(
        consumer=consumer, kind=kind, lat=lat, lng=lng, label=(label or "").strip()[:40]
    )


def remove_place(*, consumer, place_id: int) -> None:
    if not Place.objects.filter(pk=place_id, consumer=consumer).delete()[0]:
        raise NotFound()


def follow(
    *,
    consumer,
    radius_m,
    category_id: int | None = None,
    merchant_id: int | None = None,
    category: str | None = None,
) -> Subscription:
    """Follow a category (by id, or by the slug the categories API lists) or a merchant within a
    distance (again: change the distance)."""
    from regulars.merchants.models import Category, Merchant

    if category:
        found = Category.objects.filter(slug=category.strip()).values_list("pk", flat=True).first()
        if found is None:
            raise DomainError(_("No such category."), field="category", code=Problem.UNKNOWN_CHOICE)
        if category_id and category_id != found:
            raise DomainError(
                _("Follow a category or a shop."), field="category", code=Problem.REQUIRED
            )
        category_id = found
    radius = _radius(radius_m)
    if bool(category_id) == bool(merchant_id):
        raise DomainError(
            _("Follow a category or a shop."), field="category_id", code=Problem.REQUIRED
        )
    if category_id and not Category.objects.filter(pk=category_id).exists():
        raise DomainError(_("No such category."), field="category_id", code=Problem.UNKNOWN_CHOICE)
    if merchant_id and not Merchant.objects.filter(pk=merchant_id, is_active=True).exists():
        raise DomainError(_("No such shop."), field="merchant_id", code=Problem.UNKNOWN_CHOICE)
    key = {"category_id": category_id} if category_id else {"merchant_id": merchant_id}
    existing = Subscription.objects.filter(consumer=consumer, **key).first()
    if existing is None and consumer.subscriptions.count() >= MAX_SUBSCRIPTIONS:
        raise DomainError(
            _("At most %(n)d subscriptions: remove one first.") % {"n": MAX_SUBSCRIPTIONS},
            field="category_id",
            code=Problem.OUT_OF_RANGE,
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
    from regulars.merchants.models import Merchant

    if not Merchant.objects.filter(pk=merchant_id).exists():
        raise NotFound(_("No such shop."))
    _opt_out, created = MerchantOptOut.objects.get_or_create(
        consumer=consumer, merchant_id=merchant_id
    )
    if created:
        privacy.record_consent(
            user=consumer,
            purpose=ConsentPurpose.SHOP_OFFERS,
            granted=False,
            source="shop page",
            merchant_id=merchant_id,
        )


def opt_back_in(*, consumer, merchant_id: int) -> None:
    if MerchantOptOut.objects.filter(consumer=consumer, merchant_id=merchant_id).delete()[0]:
        privacy.record_consent(
            user=consumer,
            purpose=ConsentPurpose.SHOP_OFFERS,
            granted=True,
            source="shop page",
            merchant_id=merchant_id,
        )


def record_search_position(*, consumer, lat: float, lng: float) -> bool:
    """Where a signed-in consumer searched from: one sample per 10 minutes feeds their activity
    range. Returns whether it was kept."""
    if consumer is None or not consumer.is_authenticated:
        return False
    since = clock.now() - dt.timedelta(minutes=SEARCH_SAMPLE_MINUTES)
    if SearchPosition.objects.filter(consumer=consumer, at__gte=since).exists():
        return False
    SearchPosition.objects.create(consumer=consumer, lat=lat, lng=lng, at=clock.now())
    return True


def subscribe_push(*, consumer, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """A browser agreed to notifications: keep its endpoint (moving it to this person)."""
    if not endpoint.startswith("https://") and not settings.DEBUG:
        raise DomainError(
            _("A push endpoint must use HTTPS."), field="endpoint", code=Problem.BAD_FORMAT
        )
    if (
        not (endpoint and p256dh and auth)
        or len(endpoint) > 500
        or len(p256dh) > 200
        or len(auth) > 100
    ):
        raise DomainError(
            _("The browser sent an incomplete subscription."),
            field="endpoint",
            code=Problem.BAD_FORMAT,
        )
    found, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"consumer": consumer, "p256dh": p256dh, "auth": auth, "failures": 0},
    )
    return found


def unsubscribe_push(*, consumer, endpoint: str) -> None:
    PushSubscription.objects.filter(consumer=consumer, endpoint=endpoint).delete()


# ---- broadcasts -------------------------------------------------------------------------------


BROADCASTS_PER_HOUR = throttle.Limit("broadcasts", attempts=20, window_seconds=60 * 60)


def schedule_broadcast(
    *,
    merchant_id: int,
    title: str,
    body: str,
    link: str,
    audience: dict,
    send_at: dt.datetime | None = None,
    valid_until: dt.datetime | None = None,
) -> Broadcast:
    """A message to an audience (see `targeting.audience_ids`), now or at `send_at`.

    Each one may go out by SMS, which costs the merchant and annoys people when overdone: a
    merchant schedules at most `BROADCASTS_PER_HOUR` (a typo fixed and resent still fits)."""
    throttle.take(
        BROADCASTS_PER_HOUR,
        f"merchant:{merchant_id}",
        message=_("Your shop has sent many messages in the last hour."),
    )
    now = clock.now()
    broadcast = Broadcast.objects.create(
        merchant_id=merchant_id,
        title=title[:120],
        body=body,
        link=link[:200],
        audience=audience,
        send_at=send_at or now,
        valid_until=valid_until,
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
    now = clock.now()
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


def _batch(ids: list[int]) -> tuple[str, list]:
    """The batch's ids as a relation `batch(id)` to join with: an array on PostgreSQL (a join,
    not `= ANY(array)`, which is searched linearly per row), a JSON list on SQLite."""
    if connection.vendor == "postgresql":
        # As an array literal: adapting a list of 10,000 ints element by element costs more
        # than the insert it feeds.
        return "unnest(%s::bigint[]) AS batch(id)", ["{" + ",".join(map(str, map(int, ids))) + "}"]
    return "(SELECT value AS id FROM json_each(%s)) AS batch", [json.dumps(list(ids))]


def _deliver_inbox(broadcast: Broadcast, consumer_ids: list[int], now: dt.datetime) -> list:
    """One statement decides each person's inbox delivery — sent, or skipped because they opted
    out or reached their daily cap — and inserts its log row; a second writes the messages for
    exactly the rows the first one inserted. A retried batch conflicts on every row, inserts
    nothing and so writes no message twice. Returns the ids that were sent to now."""
    local = timezone.localtime(now)
    # Raw SQL gets the database's own datetime format: on SQLite, naive UTC text as the ORM stores
    # it (an aware local midnight would compare as text against UTC and miss the hours after it).
    day_start = connection.ops.adapt_datetimefield_value(
        local.replace(hour=0, minute=0, second=0, microsecond=0)
    )
    batch, batch_params = _batch(consumer_ids)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Delivery._meta.db_table}
                (broadcast_id, consumer_id, channel, status, reason, created_at, sent_at)
            SELECT %s, planned.id, 'inbox',
                   CASE WHEN planned.reason = '' THEN 'sent' ELSE 'skipped' END,
                   planned.reason, %s,
                   CASE WHEN planned.reason = '' THEN %s END
            FROM (
                SELECT u.id,
                    CASE
                        WHEN NOT COALESCE(p.promotions, %s) OR o.id IS NOT NULL THEN 'opted_out'
                        WHEN COALESCE(today.sent, 0) >= COALESCE(p.daily_cap, %s)
                            THEN 'daily_cap'
                        ELSE ''
                    END AS reason
                FROM (SELECT batch.id FROM {batch}) AS u
                LEFT JOIN {Preferences._meta.db_table} AS p ON p.consumer_id = u.id
                LEFT JOIN {MerchantOptOut._meta.db_table} AS o
                    ON o.consumer_id = u.id AND o.merchant_id = %s
                LEFT JOIN (
                    SELECT d.consumer_id, COUNT(*) AS sent
                    FROM {batch}
                    JOIN {Delivery._meta.db_table} AS d ON d.consumer_id = batch.id
                    WHERE d.channel = 'inbox' AND d.status = 'sent'
                      AND d.created_at >= %s AND d.broadcast_id <> %s
                    GROUP BY d.consumer_id
                ) AS today ON today.consumer_id = u.id
            ) AS planned
            WHERE 1 = 1  -- SQLite needs a WHERE before an upsert's ON CONFLICT
            ON CONFLICT (broadcast_id, consumer_id, channel) DO NOTHING
            RETURNING consumer_id, status
            """,
            [
                broadcast.pk,
                now,
                now,
                _DEFAULTS.promotions,
                _DEFAULTS.daily_cap,
                *batch_params,
                broadcast.merchant_id,
                *batch_params,
                day_start,
                broadcast.pk,
            ],
        )
        decided = cursor.fetchall()
        sent = [person for person, status in decided if status == DeliveryStatus.SENT]
        if decided:
            Broadcast.objects.filter(pk=broadcast.pk).update(planned=F("planned") + len(decided))
        if sent:
            recipients, recipients_params = _batch(sent)
            cursor.execute(
                f"""
                INSERT INTO {InboxMessage._meta.db_table}
                    (user_id, title, body, link, merchant_id, dedupe_key, created_at)
                SELECT batch.id, %s, %s, %s, %s, %s || batch.id, %s
                FROM {recipients}
                """,
                [
                    broadcast.title,
                    broadcast.body,
                    broadcast.link,
                    broadcast.merchant_id,
                    f"broadcast:{broadcast.pk}:",
                    now,
                    *recipients_params,
                ],
            )
    return sent


def _plan_external(broadcast: Broadcast, consumer_ids: list[int], now: dt.datetime) -> int:
    """Push rows for people with a subscribed phone who allow push, SMS rows for people who
    asked for SMS and have a number: queued, skipped for the inbox's reason, or — in their quiet
    hours — deferred to the end of them while the message is still worth sending (else skipped).
    Returns how many rows it planned."""
    local_now = timezone.localtime(now)
    local_time = local_now.time()
    batch, batch_params = _batch(consumer_ids)
    preferences = {
        p.consumer_id: p
        for p in Preferences.objects.raw(
            f"SELECT p.* FROM {batch} JOIN {Preferences._meta.db_table} AS p "
            "ON p.consumer_id = batch.id",
            batch_params,
        )
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT s.consumer_id FROM {batch} "
            f"JOIN {PushSubscription._meta.db_table} AS s ON s.consumer_id = batch.id",
            batch_params,
        )
        with_device = {row[0] for row in cursor.fetchall()}
    asked_sms = [person for person in consumer_ids if (preferences.get(person) or _DEFAULTS).sms]
    with_phone = set(
        get_user_model()
        .objects.filter(pk__in=asked_sms)
        .exclude(phone="")
        .exclude(phone__isnull=True)
        .values_list("pk", flat=True)
    )
    candidates = {
        Channel.PUSH: [p for p in with_device if (preferences.get(p) or _DEFAULTS).push],
        Channel.SMS: list(with_phone),
    }
    people = set(candidates[Channel.PUSH]) | set(candidates[Channel.SMS])
    if not people:
        return 0
    inbox = dict(
        Delivery.objects.filter(
            broadcast=broadcast, channel=Channel.INBOX, consumer_id__in=people
        ).values_list("consumer_id", "reason")
    )
    rows = []
    for channel, chosen in candidates.items():
        for person in chosen:
            settings_of_person = preferences.get(person) or _DEFAULTS
            reason = inbox.get(person, "")
            if not reason and settings_of_person.is_quiet(local_time):
                ends = settings_of_person.quiet_ends(local_now)
                if broadcast.valid_until is None or ends < broadcast.valid_until:
                    rows.append(_row(broadcast, person, channel, "", not_before=ends))
                    continue
                reason = "quiet_hours"
            rows.append(_row(broadcast, person, channel, reason))
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


def _row(broadcast, person: int, channel: str, reason: str, not_before=None) -> Delivery:
    if not_before is not None:
        status = DeliveryStatus.DEFERRED
    else:
        status = DeliveryStatus.SKIPPED if reason else DeliveryStatus.QUEUED
    return Delivery(
        broadcast=broadcast,
        consumer_id=person,
        channel=channel,
        status=status,
        reason=reason,
        not_before=not_before,
    )


def send_deferred(*, now: dt.datetime | None = None, limit: int = 5000) -> int:
    """Periodic: push and SMS held back by quiet hours go out once those end, if the message is
    still valid then (else they are recorded as not sent for quiet hours). Returns how many went."""
    now = now or clock.now()
    due = list(
        Delivery.objects.filter(status=DeliveryStatus.DEFERRED, not_before__lte=now)
        .select_related("broadcast__merchant", "consumer")
        .order_by("not_before", "id")[:limit]
    )
    sent = 0
    for delivery in due:
        broadcast = delivery.broadcast
        if broadcast.valid_until is not None and now >= broadcast.valid_until:
            Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DEFERRED).update(
                status=DeliveryStatus.SKIPPED, reason="quiet_hours"
            )
            continue
        woke = Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.DEFERRED).update(
            status=DeliveryStatus.QUEUED
        )
        if not woke:  # another worker took it
            continue
        delivery.status = DeliveryStatus.QUEUED
        if delivery.channel == Channel.PUSH:
            _deliver_push(broadcast, delivery)
        else:
            _deliver_sms(broadcast, delivery)
        sent += 1
    return sent


def deliver_batch(*, broadcast_id: int, consumer_ids: list[int]) -> int:
    """Deliver one batch; safe to run again. Returns how many inbox messages it added."""
    broadcast = Broadcast.objects.select_related("merchant").get(pk=broadcast_id)
    now = clock.now()
    with transaction.atomic():
        sent = _deliver_inbox(broadcast, consumer_ids, now)
        external = _plan_external(broadcast, consumer_ids, now)
    if external or _has_queued(broadcast):  # a retried batch may find rows left queued
        queued = Delivery.objects.filter(
            broadcast=broadcast, consumer_id__in=consumer_ids, status=DeliveryStatus.QUEUED
        )
        for delivery in queued.filter(channel=Channel.PUSH):
            _deliver_push(broadcast, delivery)
        for delivery in queued.filter(channel=Channel.SMS).select_related("consumer"):
            _deliver_sms(broadcast, delivery)
    finish_if_done(broadcast_id)
    return len(sent)


def _claim(delivery: Delivery) -> bool:
    """Mark it sent before calling the provider: at most once, whatever happens next."""
    return bool(
        Delivery.objects.filter(pk=delivery.pk, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SENT, sent_at=clock.now()
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
    message = sms.Sms(
        to=delivery.consumer.phone,
        text=text[:300],
        message_id=f"d{delivery.pk}",
        kind="offer",
        params={"shop": broadcast.merchant.name, "title": broadcast.title, "body": broadcast.body},
    )
    try:
        sms.send(message)
    except channels.ChannelError as error:
        log.warning("sms %s failed: %s", delivery.pk, error)
        _failed(delivery, "sms_failed")


def record_sms(message: "sms.Sms", *, provider: str, reference: str) -> None:
    """Log a text a provider accepted, for its receipt (once per message id)."""
    from regulars.accounts.services import masked_phone

    SmsMessage.objects.get_or_create(
        message_id=message.message_id,
        defaults={
            "kind": message.kind,
            "provider": provider,
            "reference": reference[:64],
            "to_masked": masked_phone(message.to)[:20],
        },
    )


def apply_sms_receipts(*, provider: str, token: str, body: bytes) -> int:
    """Apply a provider's delivery reports; returns how many changed a message. The push carries
    no signature of its own, so its URL carries a secret (`REGULARS_SMS_RECEIPT_TOKEN`). A report
    is final: a replayed or contradicting one changes nothing. A flash deal's text that was not
    delivered marks its delivery failed."""
    expected = settings.REGULARS_SMS_RECEIPT_TOKEN
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        raise PermissionDenied(_("Unknown receipt address."))
    try:
        receipts = sms.parse_receipts(provider, body)
    except (ValueError, UnicodeDecodeError) as error:
        raise DomainError(
            _("Not a delivery report: %(error)s") % {"error": error}, code=Problem.BAD_RECEIPT
        ) from None
    changed = 0
    for receipt in receipts:
        found = SmsMessage.objects.filter(provider=provider, status=SmsStatus.SENT)
        if receipt.message_id:
            found = found.filter(message_id=receipt.message_id)
        else:
            found = found.filter(reference=receipt.reference)
        message = found.first()
        if message is None or not receipt.reference and not receipt.message_id:
            continue
        status = SmsStatus.DELIVERED if receipt.delivered else SmsStatus.FAILED
        if not SmsMessage.objects.filter(pk=message.pk, status=SmsStatus.SENT).update(
            status=status, error=receipt.error[:120], reported_at=clock.now()
        ):
            continue
        changed += 1
        delivery_id = message.message_id.removeprefix("d")
        if not receipt.delivered and message.message_id.startswith("d") and delivery_id.isdigit():
            Delivery.objects.filter(pk=int(delivery_id), channel=Channel.SMS).update(
                status=DeliveryStatus.FAILED, reason="sms_undelivered"
            )
    return changed


def _has_queued(broadcast: Broadcast) -> bool:
    return Delivery.objects.filter(broadcast=broadcast, status=DeliveryStatus.QUEUED).exists()


def finish_if_done(broadcast_id: int) -> bool:
    """Sent once every person's inbox delivery is decided and no push or SMS is waiting."""
    broadcast = Broadcast.objects.get(pk=broadcast_id)
    if broadcast.planned >= broadcast.recipients and not _has_queued(broadcast):
        return bool(
            Broadcast.objects.filter(pk=broadcast_id, status=BroadcastStatus.SENDING).update(
                status=BroadcastStatus.SENT, finished_at=clock.now()
            )
        )
    return False
