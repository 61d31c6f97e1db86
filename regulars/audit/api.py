"""The audit log for the owner's own tools (accounting exports, a SIEM)."""

from decimal import Decimal

from ninja import Router, Schema
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core.boundary import BusinessDate
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors
from .wording import describe

console = Router(tags=["console: audit"], auth=AUTH)


class AuditEventOut(Schema):
    id: int
    at: AwareDatetime
    actor_id: int | None
    actor_label: str
    action: str
    subject_type: str
    subject_id: int | None
    summary: str  # as written, for the record
    description: str  # the details worded in the request's language
    amount: Decimal | None
    detail: dict
    address: str
    request_id: str

    @staticmethod
    def resolve_description(event) -> str:
        return describe(event)


class AuditPageOut(Schema):
    count: int
    events: list[AuditEventOut]


@console.get("/audit", response=AuditPageOut)
def audit_log(
    request,
    action: str = "",
    since: BusinessDate | None = None,
    until: BusinessDate | None = None,
    offset: int = 0,
    limit: int = 100,
):
    """The merchant's audit log, newest first (owner only). `action` filters by prefix
    (`value.`, `points.`, `staff.` …); `limit` is at most 1,000."""
    actor = actor_for(request)
    actor.require(Action.VIEW_AUDIT_LOG)
    events = selectors.merchant_log(actor.merchant.pk, action=action, since=since, until=until)
    offset, limit = max(offset, 0), min(max(limit, 1), 1000)
    return {"count": events.count(), "events": list(events[offset : offset + limit])}
