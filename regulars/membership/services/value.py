"""Stored value: top-ups (with their bonus), spends (one statement on PostgreSQL: decision
0010), refunds and voids, paying an order, and topping up online."""

import contextlib
from decimal import Decimal

import psycopg
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.membership.errors import Problem

from ..events import (
    value_moved,
)
from ..locks import lock_card
from ..models import (
    Card,
    CardProgram,
    CardStatus,
    ValueEntry,
    ValueKind,
)
from ..rules import bonus_brought_by
from .cards import consumer_card, verify_password
from .ledger import _active, _amount, _existing, _key

# ---- stored value -------------------------------------------------------------------------


def _value(
    card: Card,
    kind: str,
    principal: Decimal,
    bonus: Decimal,
    key: str,
    reason: str = "",
    by=None,
    voids=None,
) -> ValueEntry:
    entry = ValueEntry.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        kind=kind,
        principal_delta=principal,
        bonus_delta=bonus,
        reason=reason[:200],
        created_by=by,
        idempotency_key=key,
        voids=voids,
    )
    value_moved.send(sender=ValueEntry, entry=entry, written_by_statement=False)
    card.principal += principal
    card.bonus += bonus
    card.save(update_fields=["principal", "bonus", "updated_at"])
    return entry


def bonus_for(program: CardProgram, amount: Decimal) -> Decimal:
    rule = program.topup_rules.filter(pay__lte=amount).order_by("-pay").first()
    return rule.bonus if rule else Decimal("0.00")


@transaction.atomic
def top_up(*, card_id: int, amount, idempotency_key: str, by=None) -> ValueEntry:
    """Add stored value (paid at the counter or online); the best matching bonus rule applies."""
    key = _key(idempotency_key)
    if found := _existing(ValueEntry, key):
        return found
    amount = _amount(amount)
    card = lock_card(card_id, "program")
    if found := _existing(ValueEntry, key):  # a concurrent retry got the lock first
        return found
    _active(card)
    return _value(
        card, ValueKind.TOPUP, amount, bonus_for(card.program, amount), key, _("Top-up"), by
    )


def spend_value(
    *, card_id: int, amount, idempotency_key: str, reason: str = "", by=None
) -> ValueEntry:
    """Pay from the balance: principal first, then bonus. Never below zero. Password checked by caller."""
    key = _key(idempotency_key)
    amount = _amount(amount)
    if connection.vendor == "postgresql":
        return _spend_value_in_one_statement(card_id, amount, key, reason, by)
    with transaction.atomic():
        card = lock_card(card_id)
        # Looked up under the card's lock: of concurrent retries, the first writes, the rest find it.
        if found := _existing(ValueEntry, key):
            return found
        _active(card)
        _refuse_overspend(card.principal + card.bonus, amount)
        from_principal = min(card.principal, amount)
        return _value(
            card, ValueKind.SPEND, -from_principal, -(amount - from_principal), key, reason, by
        )


def _refuse_overspend(balance: Decimal, amount: Decimal) -> None:
    if balance < amount:
        raise DomainError(
            _("The balance is ¥%(balance)s, less than ¥%(amount)s.")
            % {"balance": balance, "amount": amount},
            field="amount",
            code=Problem.INSUFFICIENT_BALANCE,
        )


# The same spend as above, as one PostgreSQL statement (the hot path at a busy till): lock the
# card row, skip if the key was used, check the balance, append the entry, update the cached
# balances. Data-modifying CTEs run in one snapshot; FOR UPDATE re-reads the newest row version
# after waiting, so the balance checked is the balance written.


SPEND_SQL_TEMPLATE = """
WITH card AS (
    SELECT id, merchant_id, status, principal, bonus, number FROM membership_card WHERE id = %(card)s FOR UPDATE
), used AS (
    SELECT id FROM membership_valueentry WHERE idempotency_key = %(key)s
), entry AS (
    INSERT INTO membership_valueentry
        (merchant_id, card_id, kind, principal_delta, bonus_delta, reason, created_by_id, idempotency_key, created_at)
    SELECT merchant_id, id, 'spend', -LEAST(principal, %(amount)s), -(%(amount)s - LEAST(principal, %(amount)s)),
           %(reason)s, %(by)s, %(key)s, %(now)s
    FROM card
    WHERE NOT EXISTS (SELECT 1 FROM used) AND status = 'active' AND principal + bonus >= %(amount)s
    RETURNING id, principal_delta, bonus_delta, created_at
), moved AS (
    UPDATE membership_card SET principal = membership_card.principal + entry.principal_delta,
        bonus = membership_card.bonus + entry.bonus_delta, updated_at = %(now)s
    FROM entry WHERE membership_card.id = %(card)s
    RETURNING membership_card.id
){companions}
SELECT (SELECT id FROM used), entry.id, entry.principal_delta, entry.bonus_delta, entry.created_at,
       card.merchant_id, card.status, card.principal + card.bonus, (SELECT count(*) FROM moved),
       card.number
FROM card LEFT JOIN entry ON true
"""


# Statements that must commit with each spend (the audit line), written by the apps that own them
# as further data-modifying CTEs over `card` and `entry`: one statement, one round trip, no partial
# state. Each is (sql, params_for(by)) and its parameters are named by its owner's prefix.


SPEND_COMPANIONS: list[tuple[str, object]] = []


def _spend_sql() -> str:
    return SPEND_SQL_TEMPLATE.replace("{companions}", "".join(sql for sql, _p in SPEND_COMPANIONS))


def _spend_value_in_one_statement(
    card_id: int, amount: Decimal, key: str, reason: str, by
) -> ValueEntry:
    params = {
        "card": card_id,
        "key": key,
        "amount": amount,
        "reason": reason[:200],
        "by": getattr(by, "pk", None),
        "now": clock.now(),
    }
    for _sql, params_for in SPEND_COMPANIONS:
        params.update(params_for(by))
    # One statement is atomic by itself: outside a transaction it commits alone (no BEGIN/COMMIT
    # round trips); inside one, a savepoint keeps a lost race from aborting the caller's work.
    guard = transaction.atomic() if connection.in_atomic_block else contextlib.nullcontext()
    try:
        with guard, connection.wrap_database_errors:
            connection.ensure_connection()
            # Server-side parameters: psycopg prepares the statement once per connection.
            with psycopg.Cursor(connection.connection) as cursor:
                cursor.execute(_spend_sql(), params, prepare=settings.REGULARS_PREPARED_STATEMENTS)
                row = cursor.fetchone()
    except (IntegrityError, psycopg.errors.UniqueViolation):
        # A concurrent retry with this key committed first: return what it wrote.
        return ValueEntry.objects.get(idempotency_key=key)
    entry, written_now = _spent_entry(row, card_id, amount, key, reason, by)
    if written_now:
        # A row written by SQL is announced like any other; its companions already wrote what
        # they keep (`written_by_statement`), other listeners may still act.
        value_moved.send(sender=ValueEntry, entry=entry, written_by_statement=True)
    return entry


def _spent_entry(
    row, card_id: int, amount: Decimal, key: str, reason: str, by
) -> tuple[ValueEntry, bool]:
    """What the spend statement did: the entry it wrote (True), the earlier one with this key
    (False), or why it wrote nothing."""
    if row is None:
        raise NotFound(_("No such card."))
    (
        used_id,
        entry_id,
        principal_delta,
        bonus_delta,
        created_at,
        merchant_id,
        status,
        balance,
        _moved,
        number,
    ) = row
    if used_id:
        return ValueEntry.objects.get(pk=used_id), False
    if status != CardStatus.ACTIVE:
        raise DomainError(_("This card is not active."), code=Problem.INACTIVE_CARD)
    if entry_id is None:
        _refuse_overspend(balance, amount)
    # Built as a row read from the database is (Model.from_db: positional, no defaults computed):
    # this runs once per spend at every till, and keyword construction was a tenth of its time.
    # The card's other fields are deferred: read from the database if a listener asks for them.
    card = Card.from_db(
        connection.alias,
        ["id", "merchant_id", "number", "status"],
        [card_id, merchant_id, number, status],
    )
    row_of = {
        "id": entry_id,
        "merchant_id": merchant_id,
        "card_id": card_id,
        "kind": ValueKind.SPEND,
        "principal_delta": principal_delta,
        "bonus_delta": bonus_delta,
        "reason": reason[:200],
        "created_by_id": getattr(by, "pk", None),
        "voids_id": None,
        "idempotency_key": key,
        "created_at": created_at,
    }
    entry = ValueEntry.from_db(
        connection.alias, _ENTRY_COLUMNS, [row_of[name] for name in _ENTRY_COLUMNS]
    )
    # What the statement knows of the card and the person, so that listeners need not read them.
    entry._state.fields_cache["card"] = card
    if by is not None:
        entry._state.fields_cache["created_by"] = by
    return entry, True


_ENTRY_COLUMNS = [field.attname for field in ValueEntry._meta.concrete_fields]


@transaction.atomic
def refund_value(*, card_id: int, amount, idempotency_key: str, by=None) -> ValueEntry:
    """Give paid-in money back. The bonus is never paid out, and the bonus that the refunded money
    brought goes with it (as far as it is left). Spending uses the oldest paid-in money first, so
    what is refunded is the newest: a ¥500 refund right after a ¥500 (+¥50) top-up takes the ¥50
    back; refunding a ¥100 top-up that brought nothing takes nothing. README, "Stored value"."""
    key = _key(idempotency_key)
    if found := _existing(ValueEntry, key):
        return found
    amount = _amount(amount)
    card = lock_card(card_id)
    if found := _existing(ValueEntry, key):  # a concurrent retry got the lock first
        return found
    if card.principal < amount:
        raise DomainError(
            _("Only ¥%(principal)s of paid-in money can be refunded (bonus is not refundable).")
            % {"principal": card.principal},
            field="amount",
            code=Problem.INSUFFICIENT_PRINCIPAL,
        )
    bonus_back = min(card.bonus, bonus_brought_by(card, amount))
    return _value(card, ValueKind.REFUND, -amount, -bonus_back, key, _("Refund"), by)


@transaction.atomic
def return_value(
    *, card_id: int, principal: Decimal, bonus: Decimal, idempotency_key: str, reason: str, by=None
) -> ValueEntry:
    """Put money a bill took from the card back on it (a bill refunded at the counter): the
    paid-in and bonus parts as the caller splits them, so bonus never turns into paid-in money.
    A card that is frozen or cancelled still gets its money back."""
    key = _key(idempotency_key)
    if found := _existing(ValueEntry, key):
        return found
    if principal < 0 or bonus < 0 or principal + bonus <= 0:
        raise DomainError(_("Nothing to put back."), field="amount", code=Problem.OUT_OF_RANGE)
    card = lock_card(card_id)
    if found := _existing(ValueEntry, key):  # a concurrent retry got the lock first
        return found
    return _value(card, ValueKind.RETURN, principal, bonus, key, reason, by)


@transaction.atomic
def void_value(
    *, entry_id: int, idempotency_key: str, by=None, merchant_id: int | None = None
) -> ValueEntry:
    """Undo a top-up or payment with a compensating entry; the original stays as it was."""
    key = _key(idempotency_key)
    if found := _existing(ValueEntry, key):
        return found
    original = ValueEntry.objects.filter(
        pk=entry_id, **({"merchant_id": merchant_id} if merchant_id else {})
    ).first()
    if original is None:
        raise NotFound()
    if original.kind == ValueKind.VOID or ValueEntry.objects.filter(voids=original).exists():
        raise DomainError(_("This entry was already voided."), code=Problem.ALREADY_VOIDED)
    card = lock_card(original.card_id)
    if found := _existing(ValueEntry, key):  # a concurrent retry got the lock first
        return found
    if card.principal - original.principal_delta < 0 or card.bonus - original.bonus_delta < 0:
        raise DomainError(
            _("The money from this top-up has already been spent."),
            code=Problem.INSUFFICIENT_BALANCE,
        )
    return _value(
        card,
        ValueKind.VOID,
        -original.principal_delta,
        -original.bonus_delta,
        key,
        _("Void"),
        by,
        original,
    )


# ---- paying an order with the card ---------------------------------------------------------


def pay_order(*, consumer, order_id: int, password: str):
    """Pay an online order from the member card the buyer holds at that shop."""
    from regulars.orders import services as order_services
    from regulars.orders.models import OrderStatus
    from regulars.orders.selectors import consumer_order

    order = consumer_order(consumer, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != "card":
        raise DomainError(
            _("This order is not waiting for a card payment."), code=Problem.WRONG_STATE
        )
    card = Card.objects.filter(merchant_id=order.merchant_id, consumer=consumer).first()
    if card is None:
        raise DomainError(_("You have no member card at this shop."), code=Problem.NO_CARD)
    verify_password(card_id=card.pk, password=password)
    entry = spend_value(
        card_id=card.pk,
        amount=order.amount_due,
        idempotency_key=f"order-pay:{order.pk}",
        reason=_("Order %(n)d") % {"n": order.pk},
    )
    return order_services.record_external_payment(
        order_id=order.pk, provider_key="card", reference=entry.idempotency_key
    )


# ---- topping up online through the payment interface -------------------------------------


TOPUP_PURPOSE = "card_topup"


def start_online_top_up(*, consumer, card_id: int, amount) -> str:
    """Start paying `amount` into the card online; the card is credited when the provider confirms."""
    from regulars.orders import services as order_services

    card = consumer_card(consumer, card_id)
    _active(card)
    amount = _amount(amount)
    return order_services.start_payment(
        payer=consumer,
        merchant_id=card.merchant_id,
        amount=amount,
        purpose=f"{TOPUP_PURPOSE}:{card.pk}",
        return_url=f"/me/cards/{card.pk}/",
    )


def credit_online_top_up(payment) -> ValueEntry | None:
    """The provider confirmed a top-up payment: credit the card once (keyed by the payment)."""
    kind, _sep, card_id = payment.purpose.partition(":")
    if kind != TOPUP_PURPOSE or not card_id.isdigit():
        return None
    return top_up(
        card_id=int(card_id), amount=payment.amount, idempotency_key=f"payment:{payment.reference}"
    )
