from celery import shared_task


@shared_task
def expire_punch_cards() -> int:
    """Daily: cards past their last valid day close, their unused uses written off."""
    from . import services

    return services.expire_cards()
