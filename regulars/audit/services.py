"""Writing to the audit log. Receivers call `record`; where the request is, it says from where."""

from decimal import Decimal

from django.utils import timezone

from regulars.core.observability import BUSINESS_EVENTS, current_request
from regulars.core.throttle import client_address

from .models import AuditEvent


def _label(person) -> str:
    if person is None:
        return ""
    return f"{person} (#{person.pk})"[:120]


def record(
    *,
    action: str,
    merchant_id: int | None,
    actor=None,
    subject=None,
    summary: str = "",
    amount: Decimal | None = None,
    detail: dict | None = None,
) -> AuditEvent:
    """One line of the log. Without an `actor`, the signed-in person of the current request (a
    background task has none: its lines say "system")."""
    request = current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    event = AuditEvent(
        at=timezone.now(),
        merchant_id=merchant_id,
        actor_id=getattr(actor, "pk", None),
        actor_label=_label(actor),
        action=action,
        subject_type=subject._meta.label_lower[:40] if subject is not None else "",
        subject_id=getattr(subject, "pk", None),
        summary=(summary or "")[:300],
        amount=amount,
        detail=detail or {},
        address=client_address(request) if request is not None else "",
        user_agent=request.headers.get("User-Agent", "")[:200] if request is not None else "",
        request_id=getattr(request, "request_id", "") if request is not None else "",
    )
    event.save()
    BUSINESS_EVENTS.labels(action).inc()
    return event
