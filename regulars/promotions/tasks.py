from celery import shared_task

from . import targeting


@shared_task
def derive_activity_ranges() -> int:
    """Nightly: where each subscriber usually is, from the last 180 days of their habits."""
    return targeting.derive_activity_ranges()
