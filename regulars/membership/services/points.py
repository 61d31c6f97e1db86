"""Points: earned on purchases, spent, adjusted, expired; as money off an online order; and
exchanged for a catalogue item."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.core.money import to_money
from regulars.membership.errors import Problem
from regulars.merchants.permissions import Action, StaffContext

from ..events import (
    card_purchase_recorded,
    points_moved,
)
from ..locks import lock_card
from ..models import (
    Card,
    CardProgram,
    PointsEntry,
    PointsKind,
    Purchase,
    Reward,
)
from .cards import staff_card, verify_password
from .ledger import _active, _amount, _existing, _key
from .tiers import _upgrade_tier

# ---- points -------------------------------------------------------------------------------


def _end_of_next_year(moment: dt.datetime) -> dt.datetime:
    local = timezone.localtime(moment)
    return timezone.make_aware(dt.datetime(local.year + 2, 1, 1)) - dt.timedelta(microseconds=1)


def _require_points(card: Card, points: int) -> None:
    """Refuse to take more points than the card holds, saying how many it has."""
    if card.points < points:
        raise DomainError(
            _("The card has %(points)d points, not enough.") % {"points": card.points},
            field="points",
            code=Problem.INSUFFICIENT_POINTS,
        )


# Far beyond any real card, far below what the integer columns hold (2,147,483,647): a card that
# reached the column's limit could never earn again.


MAX_POINTS_MOVE = 10_000_000


MAX_CARD_POINTS = 1_000_000_000


def _bound_points(card: Card, delta: int, field: str = "points") -> None:
    if abs(delta) > MAX_POINTS_MOVE:
        raise DomainError(
            _("One entry moves at most %(n)s points.") % {"n": f"{MAX_POINTS_MOVE:,}"},
            field=field,
            code=Problem.TOO_MANY_POINTS,
        )
    if card.points + delta > MAX_CARD_POINTS:
        raise DomainError(
            _("A card holds at most %(n)s points.") % {"n": f"{MAX_CARD_POINTS:,}"},
            field=field,
            code=Problem.TOO_MANY_POINTS,
        )


def _points(
    card: Card,
    kind: str,
    delta: int,
    key: str,
    *,
    reason: str = "",
    by=None,
    purchase=None,
    expires_at=None,
    now=None,
) -> PointsEntry:
    _require_points(card, -delta)
    _bound_points(card, delta, "delta" if kind == PointsKind.ADJUST else "points")
    entry = PointsEntry.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        kind=kind,
        delta=delta,
        expires_at=expires_at,
        purchase=purchase,
        reason=reason[:200],
        created_by=by,
        idempotency_key=key,
        created_at=now or clock.now(),
    )
    points_moved.send(sender=PointsEntry, entry=entry)
    card.points += delta
    card.save(update_fields=["points", "updated_at"])
    return entry


def points_for(card: Card, amount: Decimal) -> int:
    """The tier's rule: points per ¥1 spent, rounded down (or to the nearest, as the program says)."""
    raw = amount * card.tier.points_per_yuan
    if card.program.points_round_nearest:
        return int(raw.quantize(Decimal("1"), rounding="ROUND_HALF_UP"))
    return int(raw)


def earning_amount(program: CardProgram, lines) -> Decimal:
    """The part of an order that earns points: lines of excluded services do not."""
    excluded = set(program.excluded_items.values_list("pk", flat=True))
    return sum((line.amount for line in lines if line.item_id not in excluded), Decimal("0.00"))


@transaction.atomic
def record_purchase(
    *,
    card_id: int,
    amount,
    idempotency_key: str,
    description: str = "",
    store_id=None,
    order=None,
    by=None,
    now: dt.datetime | None = None,
    earning_amount=None,
) -> Purchase:
    """A consumption on the card: points follow the tier's rules; the tier may go up."""
    key = _key(idempotency_key)
    if found := _existing(Purchase, key):
        return found
    now = now or clock.now()
    amount = _amount(amount)
    card = lock_card(card_id, "tier", "program")
    if found := _existing(Purchase, key):  # a concurrent retry got the lock first
        return found
    _active(card)
    purchase = Purchase.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        store_id=store_id,
        amount=amount,
        description=description[:200],
        order=order,
        recorded_by=by,
        idempotency_key=key,
    )
    card_purchase_recorded.send(sender=Purchase, purchase=purchase)
    earned = points_for(card, amount if earning_amount is None else to_money(earning_amount))
    if earned:
        expires = _end_of_next_year(now) if card.program.points_expire else None
        _points(
            card,
            PointsKind.EARN,
            earned,
            f"earn:{key}",
            purchase=purchase,
            expires_at=expires,
            by=by,
            now=now,
            reason=description,
        )
    _upgrade_tier(card, now)
    return purchase


@transaction.atomic
def void_purchase(*, actor: StaffContext, purchase_id: int, idempotency_key: str) -> Purchase:
    """Undo a consumption: a negative purchase and compensating points; nothing is edited."""
    actor.require(Action.USE_TILL)
    key = _key(idempotency_key)
    if found := _existing(Purchase, key):
        return found
    original = Purchase.objects.filter(pk=purchase_id, merchant=actor.merchant, voids=None).first()
    if original is None:
        raise NotFound()
    if Purchase.objects.filter(voids=original).exists():
        raise DomainError(_("This entry was already voided."), code=Problem.ALREADY_VOIDED)
    card = lock_card(original.card_id, "tier")
    if found := _existing(Purchase, key):  # a concurrent retry got the lock first
        return found
    void = Purchase.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        store_id=original.store_id,
        amount=-original.amount,
        description=_("Void"),
        voids=original,
        recorded_by=actor.user,
        idempotency_key=key,
    )
    card_purchase_recorded.send(sender=Purchase, purchase=void)
    earned = sum(
        original.points_entries.filter(kind=PointsKind.EARN).values_list("delta", flat=True)
    )
    if earned:
        _points(
            card,
            PointsKind.VOID,
            -earned,
            f"void:{key}",
            purchase=void,
            by=actor.user,
            reason=_("Void"),
        )
    return void


@dataclass(frozen=True)
class PurchaseReturned:
    """A consumption given back: the negative purchase, and the earned points taken back (as far
    as the card still holds them) with what could not be taken."""

    purchase: Purchase
    points_taken: int
    points_short: int


@transaction.atomic
def return_purchase(
    *,
    card_id: int,
    amount: Decimal,
    points: int,
    idempotency_key: str,
    description: str,
    store_id=None,
    by=None,
) -> PurchaseReturned:
    """Part or all of a consumption refunded: a negative purchase (visits, spend and value levels
    read it) and the points it earned taken back, never below zero: what the card no longer holds
    is the shortfall, recorded by the caller. The tier stays (the review decides on it)."""
    key = _key(idempotency_key)
    card = lock_card(card_id, "tier")
    if found := _existing(Purchase, key):
        taken = -sum(found.points_entries.values_list("delta", flat=True))
        return PurchaseReturned(found, taken, max(int(points) - taken, 0))
    purchase = Purchase.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        store_id=store_id,
        amount=-to_money(amount),
        description=description[:200],
        recorded_by=by,
        idempotency_key=key,
    )
    card_purchase_recorded.send(sender=Purchase, purchase=purchase)
    taken = min(int(points), max(card.points, 0))
    if taken:
        _points(
            card,
            PointsKind.VOID,
            -taken,
            f"void:{key}",
            purchase=purchase,
            by=by,
            reason=description,
        )
    return PurchaseReturned(purchase, taken, int(points) - taken)


@transaction.atomic
def give_back_points(
    *, card_id: int, points: int, idempotency_key: str, reason: str, by=None
) -> PointsEntry:
    """Points a bill used, put back on the card by a refund (they expire as newly earned ones)."""
    key = _key(idempotency_key)
    if found := _existing(PointsEntry, key):
        return found
    card = lock_card(card_id, "program")
    if found := _existing(PointsEntry, key):  # a concurrent retry got the lock first
        return found
    now = clock.now()
    return _points(
        card,
        PointsKind.VOID,
        int(points),
        key,
        reason=reason,
        by=by,
        expires_at=_end_of_next_year(now) if card.program.points_expire else None,
        now=now,
    )


@transaction.atomic
def spend_points(
    *, card_id: int, points: int, idempotency_key: str, reason: str = "", by=None
) -> PointsEntry:
    key = _key(idempotency_key)
    if found := _existing(PointsEntry, key):
        return found
    if int(points) <= 0:
        raise DomainError(_("Enter how many points to use."), field="points", code=Problem.REQUIRED)
    card = lock_card(card_id)
    if found := _existing(PointsEntry, key):  # a concurrent retry got the lock first
        return found
    _active(card)
    return _points(card, PointsKind.SPEND, -int(points), key, reason=reason, by=by)


@transaction.atomic
def adjust_points(
    *, actor: StaffContext, card_id: int, delta: int, reason: str, idempotency_key: str
) -> PointsEntry:
    """A manual correction by staff, with a reason: who, when and why stay on the ledger."""
    actor.require(Action.ADJUST_CARD_BALANCES)
    key = _key(idempotency_key)
    if found := _existing(PointsEntry, key):
        return found
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the points change."), field="reason", code=Problem.REQUIRED)
    if not delta:
        raise DomainError(
            _("Enter how many points to add or remove."), field="delta", code=Problem.REQUIRED
        )
    card = lock_card(staff_card(actor, card_id=card_id).pk)
    if found := _existing(PointsEntry, key):  # a concurrent retry got the lock first
        return found
    return _points(card, PointsKind.ADJUST, int(delta), key, reason=reason, by=actor.user)


@transaction.atomic
def give_points(*, card_id: int, points: int, idempotency_key: str, reason: str) -> PointsEntry:
    """Points the shop gives by a rule it set (a welcome gift), not by a person's decision."""
    key = _key(idempotency_key)
    card = lock_card(card_id, "program")
    if found := _existing(PointsEntry, key):
        return found
    now = clock.now()
    return _points(
        card,
        PointsKind.ADJUST,
        int(points),
        key,
        reason=reason,
        expires_at=_end_of_next_year(now) if card.program.points_expire else None,
        now=now,
    )


def expiring_points(card: Card, at: dt.datetime) -> int:
    """Points earned in lots that expire by `at`, not yet used: spending uses the oldest first."""
    # Insertion order (the card lock serialises writers), whatever clock each entry carries.
    entries = list(PointsEntry.objects.filter(card=card).order_by("id"))
    lots = []  # [expires_at, remaining]
    for entry in entries:
        if entry.delta > 0:
            lots.append([entry.expires_at, entry.delta])
            continue
        debit = -entry.delta
        for lot in sorted(lots, key=lambda lot: (lot[0] is None, lot[0] or at)):
            take = min(lot[1], debit)
            lot[1] -= take
            debit -= take
            if not debit:
                break
    return sum(remaining for expires, remaining in lots if expires is not None and expires <= at)


@transaction.atomic
def expire_points(*, card_id: int, now: dt.datetime | None = None) -> PointsEntry | None:
    now = now or clock.now()
    card = lock_card(card_id, "program")
    due = expiring_points(card, now)
    if not due:
        return None
    return _points(
        card,
        PointsKind.EXPIRE,
        -due,
        f"expire:{card.pk}:{now:%Y%m%d%H%M%S%f}",
        reason=_("Expired"),
        now=now,
    )


def redemption_value(program: CardProgram, points: int, bill=None) -> Decimal:
    """What `points` take off a bill under the program's rules: at least the minimum, at the
    program's rate, and no more than its share of the bill."""
    if points < program.min_redeem_points:
        raise DomainError(
            _("Use at least %(n)d points at a time.") % {"n": program.min_redeem_points},
            field="points",
            code=Problem.BELOW_MINIMUM,
        )
    value = to_money(Decimal(points) / program.points_per_yuan_off)
    if bill is not None:
        cap = to_money(_amount(bill, "amount") * program.max_redeem_percent / 100)
        if value > cap:
            raise DomainError(
                _("Points may pay at most %(p)d%% of the bill: ¥%(cap)s here.")
                % {"p": program.max_redeem_percent, "cap": cap},
                field="points",
                code=Problem.ABOVE_CAP,
            )
    return value


def expire_all_points(*, now: dt.datetime | None = None) -> int:
    """Daily: expire what is due on every card holding points. Returns how many cards changed."""
    changed = 0
    for card_id in Card.objects.filter(points__gt=0).values_list("pk", flat=True):
        if expire_points(card_id=card_id, now=now):
            changed += 1
    return changed


def record_order(*, card: Card, order) -> Purchase | None:
    """An online order on the card: what the buyer paid is recorded; excluded services and the
    part paid with points or coupons earn nothing. An order paid wholly with points or coupons
    is on the card's history already (the points it took) and adds no purchase."""
    if order.amount_due <= 0:
        return None
    lines = list(order.lines.all())
    return record_purchase(
        card_id=card.pk,
        amount=order.amount_due,
        earning_amount=min(earning_amount(card.program, lines), order.amount_due),
        idempotency_key=f"order:{order.pk}",
        description=", ".join(line.name for line in lines),
        store_id=order.store_id,
        order=order,
    )


# ---- points as money off an online order (a discount source of the orders app) ----------


def _order_card(consumer, merchant_id: int) -> Card:
    card = (
        Card.objects.select_related("program", "tier")
        .filter(merchant_id=merchant_id, consumer=consumer)
        .first()
    )
    if card is None:
        raise DomainError(
            _("You have no member card at this shop."), field="points", code=Problem.NO_CARD
        )
    _active(card)
    return card


def quote_order_points(*, consumer, merchant_id: int, subtotal: Decimal, points, password: str):
    """How much `points` take off an order of `subtotal` at this shop; checks the password."""
    try:
        points = int(points or 0)
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter how many points to use."), field="points", code=Problem.REQUIRED
        ) from None
    if points <= 0:
        raise DomainError(_("Enter how many points to use."), field="points", code=Problem.REQUIRED)
    card = _order_card(consumer, merchant_id)
    value = redemption_value(card.program, points, subtotal)
    _require_points(card, points)
    verify_password(card_id=card.pk, password=password, field="points_password")
    return card, points, value


def spend_order_points(*, order, card_id: int, points: int, purpose: str = "points") -> PointsEntry:
    return spend_points(
        card_id=card_id,
        points=points,
        idempotency_key=f"order-{purpose}:{order.pk}",
        reason=_("Order %(n)d") % {"n": order.pk},
    )


@transaction.atomic
def return_order_points(*, order_id: int, reference: str) -> PointsEntry | None:
    """The order was cancelled or refunded: the points come back (a new entry, never an edit)."""
    spent = PointsEntry.objects.filter(idempotency_key=reference).first()
    if spent is None:
        return None
    key = f"return:{reference}"
    if found := _existing(PointsEntry, key):
        return found
    card = lock_card(spent.card_id)
    if found := _existing(PointsEntry, key):  # a concurrent retry got the lock first
        return found
    now = clock.now()
    return _points(
        card,
        PointsKind.VOID,
        -spent.delta,
        key,
        reason=_("Order %(n)d cancelled or refunded") % {"n": order_id},
        expires_at=_end_of_next_year(now) if card.program.points_expire else None,
        now=now,
    )


def _reward(merchant_id: int, reward_id) -> Reward:
    reward = (
        Reward.objects.select_related("item", "item__store")
        .filter(pk=reward_id, merchant_id=merchant_id, is_active=True, item__is_active=True)
        .first()
    )
    if reward is None:
        raise DomainError(
            _("This reward is not offered any more."), field="reward", code=Problem.UNKNOWN_REWARD
        )
    return reward


def quote_reward(*, consumer, merchant_id: int, lines, reward_id, password: str):
    """Points for one unit of a rewarded service in an online order; checks the password."""
    reward = _reward(merchant_id, reward_id)
    if not any(line.item.pk == reward.item_id for line in lines):
        raise DomainError(
            _("Put the rewarded service in the order."), field="reward", code=Problem.NOT_IN_ORDER
        )
    card = _order_card(consumer, merchant_id)
    _require_points(card, reward.points)
    verify_password(card_id=card.pk, password=password, field="points_password")
    return card, reward


def exchange_reward(*, consumer, reward_id: int, password: str, merchant_id: int):
    """Online: the points buy an order for the service, paid at once; its code is shown in the
    shop like any order's. Cancelling or refunding it returns the points."""
    from regulars.orders import services as order_services

    reward = _reward(merchant_id, reward_id)
    if not reward.item.buyable:
        raise DomainError(
            _("Ask for this reward at the shop's counter."),
            field="reward",
            code=Problem.AT_THE_SHOP,
        )
    order, _pay_url = order_services.place_order(
        consumer=consumer,
        store_id=reward.item.store_id,
        lines=[(reward.item_id, 1)],
        payment_method="store",
        discounts={"reward": {"reward_id": reward.pk, "password": password}},
    )
    return order
