from celery import shared_task

from . import services


@shared_task
def remind_due_tasks() -> None:
    """Every fifteen minutes: remind staff of the customer tasks due within a day and of the
    commitments falling due within two."""
    services.remind_due_tasks()
    services.remind_commitments()
