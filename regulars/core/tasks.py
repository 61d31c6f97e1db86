from celery import shared_task

from . import observability


@shared_task
def heartbeat() -> None:
    """Proves that beat, the broker and a worker all work (read by /healthz)."""
    observability.beat()
