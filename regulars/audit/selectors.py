"""Reading the audit log: one merchant's lines, newest first, filtered as the owner asks."""

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from .models import AuditEvent


def merchant_log(
    merchant_id: int,
    *,
    action: str = "",
    actor_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.filter(merchant_id=merchant_id)
    if action:
        events = events.filter(action__startswith=action)
    if actor_id:
        events = events.filter(actor_id=actor_id)
    zone = timezone.get_current_timezone()
    if since:
        events = events.filter(at__gte=dt.datetime.combine(since, dt.time.min, zone))
    if until:
        events = events.filter(
            at__lt=dt.datetime.combine(until, dt.time.min, zone) + dt.timedelta(days=1)
        )
    return events.order_by("-at", "-id")


def action_groups() -> list[tuple[str, str]]:
    """Prefixes an owner filters by: value, points, payments…"""
    from django.utils.translation import gettext as _

    return [
        ("value.", _("Stored value")),
        ("points.", _("Points")),
        ("card.", _("Card purchases")),
        ("coupon.", _("Coupons")),
        ("payment.", _("Payments")),
        ("settlement", _("Settlement")),
        ("staff.", _("Staff and roles")),
        ("customers.", _("Customer ownership")),
        ("privacy.", _("Personal data")),
    ]
