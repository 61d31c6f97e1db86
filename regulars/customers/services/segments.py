"""Writes for segments."""

from django.utils.translation import gettext as _

from regulars.core.errors import DomainError, NotFound
from regulars.customers.errors import Problem
from regulars.merchants.permissions import Action, StaffContext

from ..models import Segment
from ..selectors import Filters


def save_segment(*, actor: StaffContext, name: str, rules: dict):
    """Keep the current search as a named segment (saving again under a name replaces it)."""
    actor.require(Action.EDIT_CUSTOMERS)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise DomainError(
            _("Give the segment a name of at most 60 characters."),
            field="name",
            code=Problem.TOO_LONG,
        )
    try:
        cleaned = Filters.from_rules(rules).to_rules()
    except (TypeError, ValueError, ArithmeticError):
        raise DomainError(
            _("These criteria cannot be saved."), field="rules", code=Problem.BAD_FORMAT
        ) from None
    segment, _created = Segment.objects.update_or_create(
        merchant=actor.merchant,
        name=name,
        defaults={"rules": cleaned, "created_by": actor.user},
    )
    return segment


def delete_segment(*, actor: StaffContext, segment_id: int) -> None:
    actor.require(Action.EDIT_CUSTOMERS)
    if not Segment.objects.filter(pk=segment_id, merchant=actor.merchant).delete()[0]:
        raise NotFound()
