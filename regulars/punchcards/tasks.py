from celery import shared_task


@shared_task
def expire_punch_cards() -> int:
    """Daily: cards past their last valid day close, their unused uses written off."""
    from . import services

    return services.expire_cards()


@shared_task
def remind_expiring_punch_cards() -> int:
    """Daily: one reminder a week before a card with something left ends."""
    from . import services

    return services.remind_expiring()
