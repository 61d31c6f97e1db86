"""Member cards in the orders app (registered at start-up): stored value as a payment provider,
points as a discount source."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from regulars.core.errors import DomainError
from regulars.membership.errors import Problem
from regulars.orders.discounts import Quote


class CardProvider:
    """Pays from the buyer's member card at the order's shop, with the consumption password.

    Settles at once (no redirect, no callback); a refund voids the card payment, so the money
    returns to the card as it was (paid-in and bonus)."""

    key = "card"
    title = _lazy("Member card stored value")
    online = False

    def available(self) -> bool:
        return True

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

    def parse_callback(self, body: bytes, headers):
        raise DomainError(_("Card payments have no callback."), code=Problem.NO_CALLBACK)

    def refund(self, payment) -> None:
        from .models import ValueEntry
        from .services import void_value

        entry = ValueEntry.objects.get(idempotency_key=payment.reference)
        void_value(entry_id=entry.pk, idempotency_key=f"refund:{payment.reference}")


class PointsDiscount:
    """Points as money off an online order at the program's rate, within its minimum and cap; the
    buyer types the consumption password. Spent when the order is placed, returned if it is
    cancelled, refunded or expires."""

    key = "points"

    def quote(self, *, consumer, store, lines, subtotal, params) -> Quote:
        from .services import quote_order_points

        card, points, value = quote_order_points(
            consumer=consumer,
            merchant_id=store.merchant_id,
            subtotal=subtotal,
            points=params.get("points"),
            password=params.get("password", ""),
        )
        return Quote(
            source=self.key,
            amount=value,
            label=_("%(points)d points") % {"points": points},
            params={"card_id": card.pk, "points": points},
        )

    def apply(self, *, order, quote: Quote) -> str:
        from .services import spend_order_points

        entry = spend_order_points(
            order=order,
            card_id=quote.params["card_id"],
            points=quote.params["points"],
            purpose=self.key,
        )
        return entry.idempotency_key

    def offer_for(self, consumer, merchant_id: int) -> str | None:
        from .models import Card, CardStatus

        card = (
            Card.objects.select_related("program")
            .filter(consumer=consumer, merchant_id=merchant_id, status=CardStatus.ACTIVE)
            .first()
        )
        if card is None or card.points < card.program.min_redeem_points:
            return None
        program = card.program
        return _(
            "You have %(points)d points: %(rate)d points take ¥1 off, from %(min)d points, "
            "up to %(cap)d percent of the bill."
        ) % {
            "points": card.points,
            "rate": program.points_per_yuan_off,
            "min": program.min_redeem_points,
            "cap": program.max_redeem_percent,
        }

    def release(self, *, discount) -> None:
        from .services import return_order_points

        return_order_points(order_id=discount.order_id, reference=discount.reference)


class RewardDiscount(PointsDiscount):
    """A rewarded service (see `Reward`) in an online order, paid with its points."""

    key = "reward"

    def quote(self, *, consumer, store, lines, subtotal, params) -> Quote:
        from .services import quote_reward

        card, reward = quote_reward(
            consumer=consumer,
            merchant_id=store.merchant_id,
            lines=lines,
            reward_id=params.get("reward_id"),
            password=params.get("password", ""),
        )
        return Quote(
            source=self.key,
            amount=reward.item.price,
            label=_("%(item)s for %(points)d points")
            % {"item": reward.item.name, "points": reward.points},
            params={"card_id": card.pk, "points": reward.points},
        )

    def offer_for(self, consumer, merchant_id: int) -> str | None:
        return None  # offered on the card page, not at checkout


class MemberPriceDiscount:
    """The member price online: the buyer's card at the shop takes its tier's discount off the
    order by itself (nothing to ask, nothing to spend, nothing to give back)."""

    key = "member"
    automatic = True

    def quote(self, *, consumer, store, lines, subtotal, params) -> Quote | None:
        from .models import Card, CardStatus
        from .rules import member_price_of_lines

        card = (
            Card.objects.select_related("tier")
            .filter(consumer=consumer, merchant_id=store.merchant_id, status=CardStatus.ACTIVE)
            .first()
        )
        if card is None or subtotal <= 0:
            return None
        priced = member_price_of_lines(card, lines)
        if not priced.off:
            return None
        return Quote(
            source=self.key,
            amount=priced.off,
            label=_("Member price: %(tier)s") % {"tier": priced.label},
        )

    def apply(self, *, order, quote: Quote) -> str:
        return ""

    def release(self, *, discount) -> None:
        """Nothing was taken from the buyer."""

    def offer_for(self, consumer, merchant_id: int) -> str | None:
        return None
