"""Writes for corrective actions from the monthly complaint analysis."""

import datetime as dt

from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action, StaffContext
from regulars.servicedesk.errors import Problem

from ..models import CorrectiveAction, TicketCategory


def plan_corrective_action(
    *,
    actor: StaffContext,
    month: dt.date,
    category: str,
    action: str,
    owner_id: int,
    due_on: dt.date,
):
    actor.require(Action.ASSIGN_CUSTOMERS)
    if category not in TicketCategory.values:
        raise DomainError(_("Choose a category."), field="category", code=Problem.CHOICE_REQUIRED)
    action = (action or "").strip()
    if not action or len(action) > 300:
        raise DomainError(
            _("Say what will change (at most 300 characters)."),
            field="action",
            code=Problem.TOO_LONG,
        )
    if owner_id not in merchant_selectors.active_staff_ids(actor.merchant):
        raise DomainError(
            _("Choose an active member of your staff."),
            field="owner_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    if due_on < clock.today():
        raise DomainError(_("The date has passed."), field="due_on", code=Problem.BAD_TIME)
    return CorrectiveAction.objects.create(
        merchant=actor.merchant,
        month=month.replace(day=1),
        category=category,
        action=action,
        owner_id=owner_id,
        due_on=due_on,
    )


def finish_corrective_action(*, actor: StaffContext, action_id: int, result: str):
    actor.require(Action.VIEW_CUSTOMERS)
    found = CorrectiveAction.objects.filter(pk=action_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    if found.owner_id != actor.user.pk:
        actor.require(Action.ASSIGN_CUSTOMERS)
    if found.done_at:
        raise DomainError(_("This action is already done."), code=Problem.WRONG_STATE)
    result = (result or "").strip()
    if not result:
        raise DomainError(_("Say what changed."), field="result", code=Problem.REQUIRED)
    found.result, found.done_at = result[:300], clock.now()
    found.save(update_fields=["result", "done_at"])
    return found
