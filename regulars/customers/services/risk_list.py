"""Writes for the risk list."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.customers.errors import Problem
from regulars.merchants.permissions import Action, StaffContext

from ..models import RiskFlag, RiskReason
from .directory import customer_of


def flag_customer(*, actor: StaffContext, customer_id: int, reason: str, note: str):
    """Put a customer on the risk list: staff see why, and no campaign reaches them."""
    actor.require(Action.EDIT_CUSTOMERS)
    customer = customer_of(actor, customer_id)
    if reason not in RiskReason.values:
        raise DomainError(_("Choose a reason."), field="reason", code=Problem.CHOICE_REQUIRED)
    note = (note or "").strip()
    if not note or len(note) > 300:
        raise DomainError(
            _("Say what happened (at most 300 characters)."), field="note", code=Problem.TOO_LONG
        )
    try:
        with transaction.atomic():
            return RiskFlag.objects.create(
                merchant=actor.merchant,
                customer=customer,
                reason=reason,
                note=note,
                flagged_by=actor.user,
            )
    except IntegrityError:
        raise DomainError(
            _("This customer is already on the risk list."), code=Problem.WRONG_STATE
        ) from None


def clear_flag(*, actor: StaffContext, customer_id: int, note: str = ""):
    """Take a customer off the risk list (the flag stays in their history)."""
    actor.require(Action.ASSIGN_CUSTOMERS)
    customer = customer_of(actor, customer_id)
    cleared = RiskFlag.objects.filter(customer=customer, cleared_at__isnull=True).update(
        cleared_at=clock.now(), cleared_by=actor.user, clear_note=(note or "").strip()[:300]
    )
    if not cleared:
        raise DomainError(_("This customer is not on the risk list."), code=Problem.WRONG_STATE)


def flagged_people(merchant_id: int):
    """The consumers on the merchant's risk list (registered as an offer exclusion)."""
    return RiskFlag.objects.filter(
        merchant_id=merchant_id, cleared_at__isnull=True, customer__consumer__isnull=False
    ).values_list("customer__consumer_id", flat=True)
