from celery import shared_task

from . import services


@shared_task
def send_greetings() -> None:
    """Every morning: birthday and holiday greetings."""
    services.send_greetings()
