"""Stored value as a payment provider for orders (registered with the orders app at start-up)."""

from django.utils.translation import gettext as _

from regulars.core.errors import DomainError


class CardProvider:
    """Pays from the buyer's member card at the order's shop, with the consumption password.

    Settles at once (no redirect, no callback); a refund voids the card payment, so the money
    returns to the card as it was (paid-in and bonus)."""

    key = "card"
    online = False

    def choice_for(self, user, merchant_id: int) -> str | None:
        from .models import Card, CardStatus

        card = Card.objects.filter(
            consumer=user, merchant_id=merchant_id, status=CardStatus.ACTIVE
        ).first()
        if card is None:
            return None
        return _("Member card (balance ¥%(balance)s)") % {"balance": card.balance}

    def start(self, payment) -> None:
        return None

    def parse_callback(self, body: bytes, signature: str):
        raise DomainError(_("Card payments have no callback."), code="no_callback")

    def refund(self, payment) -> None:
        from .models import ValueEntry
        from .services import void_value

        entry = ValueEntry.objects.get(idempotency_key=payment.reference)
        void_value(entry_id=entry.pk, idempotency_key=f"refund:{payment.reference}")
