"""Writes for commitments."""

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.services import customer_of
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications import services as notifications
from regulars.relationships.errors import Problem

from ..models import Commitment, CommitmentStatus

COMMITMENT_NOTICE_DAYS = 2  # the one who promised is reminded two days before it falls due


def promise(
    *,
    actor: StaffContext,
    customer_id: int,
    what: str,
    due_on: dt.date,
    promised_by_id: int | None = None,
):
    """Record a commitment made to a customer."""
    actor.require(Action.EDIT_CUSTOMERS)
    customer = customer_of(actor, customer_id)
    what = (what or "").strip()
    if not what or len(what) > 200:
        raise DomainError(
            _("Say what was promised (at most 200 characters)."),
            field="what",
            code=Problem.TOO_LONG,
        )
    if due_on < clock.today():
        raise DomainError(_("The date has passed."), field="due_on", code=Problem.BAD_TIME)
    promised_by_id = promised_by_id or actor.user.pk
    if promised_by_id not in merchant_selectors.active_staff_ids(actor.merchant):
        raise DomainError(
            _("Choose an active member of your staff."),
            field="promised_by_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    return Commitment.objects.create(
        merchant=actor.merchant,
        customer=customer,
        promise=what,
        promised_by_id=promised_by_id,
        due_on=due_on,
    )


def settle_commitment(*, actor: StaffContext, commitment_id: int, kept: bool, outcome: str = ""):
    """Kept, or not kept and why (the why is required: it is what the shop learns from)."""
    actor.require(Action.EDIT_CUSTOMERS)
    with transaction.atomic():
        found = (
            Commitment.objects.select_for_update()
            .filter(pk=commitment_id, merchant=actor.merchant)
            .first()
        )
        if found is None:
            raise NotFound()
        if found.status != CommitmentStatus.OPEN:
            raise DomainError(_("This commitment is already settled."), code=Problem.WRONG_STATE)
        outcome = (outcome or "").strip()
        if not kept and not outcome:
            raise DomainError(_("Say why it was not kept."), field="outcome", code=Problem.REQUIRED)
        found.status = CommitmentStatus.KEPT if kept else CommitmentStatus.BROKEN
        found.outcome, found.settled_at = outcome[:300], clock.now()
        found.save(update_fields=["status", "outcome", "settled_at"])
    return found


def remind_commitments(*, today: dt.date | None = None) -> int:
    """Periodic: whoever promised is told, once, two days before the commitment falls due."""
    today = today or clock.today()
    due = Commitment.objects.filter(
        status=CommitmentStatus.OPEN,
        reminded_at__isnull=True,
        due_on__lte=today + dt.timedelta(days=COMMITMENT_NOTICE_DAYS),
    ).select_related("customer", "promised_by")
    sent = 0
    for found in due[:1000]:
        notifications.notify_each(
            [found.promised_by],
            title=_("Promised to %(customer)s by %(date)s: %(what)s")
            % {"customer": found.customer, "date": f"{found.due_on:%m-%d}", "what": found.promise},
            link=f"/console/customers/{found.customer_id}/",
            key=f"commitment:{found.pk}",
        )
        Commitment.objects.filter(pk=found.pk).update(reminded_at=clock.now())
        sent += 1
    return sent
