"""The service desk's settings: its hours, in which stage limits run, and each stage's limit."""

import datetime as dt

from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.merchants.permissions import Action, StaffContext
from regulars.servicedesk.errors import Problem

from ..selectors import desk_settings_of
from .tickets import STAGE_HOURS


def save_desk_settings(
    *, actor: StaffContext, opens: dt.time, closes: dt.time, stage_hours: dict[str, float]
):
    """The service desk's hours (in which stage limits run) and each stage's limit in hours."""
    actor.require(Action.CONFIGURE_CUSTOMERS)
    if opens >= closes:
        raise DomainError(
            _("The desk closes after it opens."), field="closes", code=Problem.BAD_TIME
        )
    unknown = set(stage_hours) - set(STAGE_HOURS)
    if unknown:
        raise DomainError(_("Unknown stage."), field="stage_hours", code=Problem.UNKNOWN_CHOICE)
    if any(not 0 < float(hours) <= 720 for hours in stage_hours.values()):
        raise DomainError(
            _("Each limit is more than 0 and at most 720 hours."),
            field="stage_hours",
            code=Problem.OUT_OF_RANGE,
        )
    found = desk_settings_of(actor.merchant)
    found.opens, found.closes = opens, closes
    found.stage_hours = {stage: float(hours) for stage, hours in stage_hours.items()}
    found.save()
    return found
