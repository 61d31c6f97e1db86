"""Fan-out in batches on Celery. Every task is safe to run twice (see services)."""

import datetime as dt

from celery import shared_task

from regulars.core import clock

from . import services
from .models import Broadcast, BroadcastStatus

STALE_AFTER = dt.timedelta(minutes=10)


@shared_task(
    acks_late=True,
    long_work=True,
    autoretry_for=(ConnectionError,),
    retry_backoff=True,
    max_retries=5,
)
def deliver_batch(broadcast_id: int, consumer_ids: list[int]) -> int:
    return services.deliver_batch(broadcast_id=broadcast_id, consumer_ids=consumer_ids)


@shared_task(acks_late=True, long_work=True)
def send_broadcast(broadcast_id: int) -> int:
    """Fix the audience and queue one delivery task per batch. Returns the number of batches."""
    batches = services.start_broadcast(broadcast_id)
    for batch in batches:
        deliver_batch.delay(broadcast_id, batch)
    if not batches:
        services.finish_if_done(broadcast_id)
    return len(batches)


@shared_task
def send_due_broadcasts() -> int:
    """Every minute: start scheduled broadcasts whose time has come, and resume any that stopped
    half-way (a worker died): batches already delivered are skipped."""
    now = clock.now()
    due = list(
        Broadcast.objects.filter(status=BroadcastStatus.SCHEDULED, send_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    stalled = list(
        Broadcast.objects.filter(
            status=BroadcastStatus.SENDING, started_at__lt=now - STALE_AFTER
        ).values_list("pk", flat=True)
    )
    for broadcast_id in due + stalled:
        send_broadcast.delay(broadcast_id)
    return len(due) + len(stalled)


@shared_task
def send_deferred() -> int:
    """Every five minutes: push and SMS held back by quiet hours go out when those end."""
    return services.send_deferred()


@shared_task
def send_wechat_notice(message_id: int) -> str:
    return services.send_wechat_notice(message_id)
