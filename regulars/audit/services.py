"""Writing to the audit log. Receivers call `record`; where the request is, it says from where."""

from decimal import Decimal

from regulars.core import clock
from regulars.core.observability import BUSINESS_EVENTS, current_request
from regulars.core.throttle import client_address

from .models import AuditEvent


def _label(person) -> str:
    if person is None:
        return ""
    return f"{person} (#{person.pk})"[:120]


def _context(actor) -> dict:
    """Who and from where: the actor given, else the signed-in person of the current request (a
    background task has none: its lines say "system")."""
    request = current_request.get()
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    return {
        "actor_id": getattr(actor, "pk", None),
        "actor_label": _label(actor),
        "address": client_address(request) if request is not None else "",
        "user_agent": request.headers.get("User-Agent", "")[:200] if request is not None else "",
        "request_id": getattr(request, "request_id", "") if request is not None else "",
    }


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
    """One line of the log."""
    event = AuditEvent(
        at=clock.now(),
        merchant_id=merchant_id,
        action=action,
        subject_type=subject._meta.label_lower[:40] if subject is not None else "",
        subject_id=getattr(subject, "pk", None),
        summary=(summary or "")[:300],
        amount=amount,
        detail=detail or {},
        **_context(actor),
    )
    event.save()
    BUSINESS_EVENTS.labels(action).inc()
    return event


# The audit line of a stored-value spend, written by the spend's own PostgreSQL statement (see
# `membership.services.SPEND_COMPANIONS`): the same columns `record` fills, from the statement's
# `card` and `entry` rows, so the line commits with the spend in one round trip.
SPEND_LINE_SQL = """, audit_line AS (
    INSERT INTO audit_auditevent (at, merchant_id, actor_id, actor_label, action, subject_type,
        subject_id, summary, amount, detail, address, user_agent, request_id)
    SELECT %(now)s, card.merchant_id, %(audit_actor_id)s, %(audit_actor_label)s, 'value.spend',
        'membership.valueentry', entry.id, left(btrim(card.number || ' ' || %(reason)s), 300),
        entry.principal_delta + entry.bonus_delta,
        jsonb_build_object('card_id', card.id, 'principal', entry.principal_delta::text,
            'bonus', entry.bonus_delta::text, 'idempotency_key', %(key)s::text),
        %(audit_address)s, %(audit_user_agent)s, %(audit_request_id)s
    FROM entry CROSS JOIN card
    RETURNING id
)"""


def spend_line_params(actor) -> dict:
    return {f"audit_{name}": value for name, value in _context(actor).items()}
