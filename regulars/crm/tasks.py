from celery import shared_task

from . import services


@shared_task(acks_late=True)
def run_import(import_id: int) -> None:
    services.run_import(import_id)
