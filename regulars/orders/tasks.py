from celery import shared_task


@shared_task
def deliver_sandbox_callback(body: str, signature: str) -> str:
    """The sandbox gateway's asynchronous notification, delivered as a real gateway's would be."""
    from . import services

    return services.handle_callback(provider_key="sandbox", body=body.encode(), signature=signature)


@shared_task
def send_reservation_reminders() -> int:
    from . import services

    return services.send_due_reminders()


@shared_task
def reconcile_payments() -> dict:
    """Ask the providers about payments never confirmed here; report mismatches (daily)."""
    from . import services

    found = services.reconcile_payments()
    return {"asked": found.asked, "completed": found.completed, "mismatches": found.mismatches}


@shared_task
def expire_orders() -> dict:
    from . import services

    return services.expire_orders()
