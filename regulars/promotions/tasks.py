from celery import shared_task

from . import targeting


@shared_task
def derive_activity_ranges() -> int:
    """Nightly: where each subscriber usually is, from the last 180 days of their habits."""
    return targeting.derive_activity_ranges()


@shared_task(acks_late=True, long_work=True)
def make_codes(batch_id: int) -> None:
    """A big batch of paper-coupon codes, chunk by chunk."""
    from . import services

    services.make_codes(batch_id)


@shared_task
def resume_stalled_code_batches() -> None:
    """Every five minutes: batches of codes whose process died carry on."""
    from . import services

    services.resume_stalled_batches()
