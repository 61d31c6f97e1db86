"""What every move of value or points shares: the idempotency key, the amount, the active card."""

from django.utils.translation import gettext as _

from regulars.core.errors import DomainError
from regulars.membership.errors import Problem

from .. import rules
from ..models import (
    Card,
    CardStatus,
)

_amount = rules.bill_amount


def _key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 80:
        raise DomainError(
            _("Every request that moves value needs an idempotency key."),
            field="idempotency_key",
            code=Problem.REQUIRED,
        )
    return key


def _existing(model, key: str):
    return model.objects.filter(idempotency_key=key).first()


def _active(card: Card) -> None:
    if card.status != CardStatus.ACTIVE:
        raise DomainError(_("This card is not active."), code=Problem.INACTIVE_CARD)
