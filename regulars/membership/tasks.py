from celery import shared_task


@shared_task
def expire_card_points() -> int:
    from . import services

    return services.expire_all_points()


@shared_task
def review_card_tiers() -> int:
    from . import services

    return services.review_tiers()
