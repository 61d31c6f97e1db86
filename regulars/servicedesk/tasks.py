from celery import shared_task

from . import services


@shared_task
def escalate_overdue_tickets() -> None:
    """Every five minutes: complaints past their stage's limit go one level up."""
    services.escalate_overdue_tickets()
