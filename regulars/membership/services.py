"""Writes for member cards: programs and tiers, cards, passwords, points and stored value.

Value moves only here, each time as: lock the card (locks.py) → check → append ledger entries →
update the cached balances, in one transaction, under an idempotency key (a retried request finds
its entry and moves nothing).
"""

import contextlib
import datetime as dt
from decimal import Decimal, InvalidOperation

import psycopg
from django.contrib.auth.hashers import check_password, make_password
from django.db import IntegrityError, connection, models, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.accounts import services as account_services
from regulars.core import clock, codes
from regulars.core.errors import DomainError, NotFound
from regulars.core.images import jpeg_bytes, png_bytes, read_image
from regulars.core.money import to_money
from regulars.core.phones import normalize_phone
from regulars.merchants.permissions import Action, StaffContext

from . import rules
from .events import (
    card_issued,
    card_purchase_recorded,
    points_moved,
    tier_decided,
    value_moved,
)
from .locks import lock_card
from .models import (
    Card,
    CardProgram,
    CardStatus,
    PointsEntry,
    PointsKind,
    PrintedCard,
    Purchase,
    Reward,
    Tier,
    TierDecision,
    TopUpRule,
    ValueEntry,
    ValueKind,
)
from .rules import MemberPrice, bonus_brought_by, member_price  # noqa: F401 (callers' names)

MAX_PASSWORD_ATTEMPTS = 5
LOCKOUT = dt.timedelta(minutes=15)
DEFAULT_TIERS = [
    # name, rank, discount %, points per ¥, spend to qualify, within days
    ("普通卡", 1, "0", "1", "0", 365),
    ("银卡", 2, "0", "1.2", "3000", 180),
    ("金卡", 3, "5", "1.5", "5000", 365),
    ("贵宾卡", 4, "10", "2", "0", 365),  # the top tier by the merchant's decision only
]


_amount = rules.bill_amount


def _key(key: str) -> str:
    key = (key or "").strip()
    if not key or len(key) > 80:
        raise DomainError(
            _("Every request that moves value needs an idempotency key."), field="idempotency_key"
        )
    return key


# ---- programs -----------------------------------------------------------------------------


@transaction.atomic
def design_program(
    *,
    actor: StaffContext,
    title: str,
    subtitle: str = "",
    template: str = "classic",
    color: str = "#e8572a",
    text_color: str = "#ffffff",
    auto_approve: bool = True,
    points_per_yuan_off: int = 100,
    min_redeem_points: int = 100,
    max_redeem_percent: int = 50,
    points_round_nearest: bool = False,
    excluded_items=None,
    published: bool | None = None,
    logo=None,
    background=None,
) -> CardProgram:
    """Create or change the merchant's card design; the first save also creates default tiers."""
    actor.require(Action.DESIGN_CARDS)
    from .models import CardTemplate

    title = (title or "").strip()
    if not title or len(title) > 40:
        raise DomainError(_("Give the card a title of at most 40 characters."), field="title")
    if template not in CardTemplate.values:
        raise DomainError(_("Choose a template."), field="template")
    for field, value in (("color", color), ("text_color", text_color)):
        if not (
            len(value) == 7
            and value.startswith("#")
            and all(c in "0123456789abcdefABCDEF" for c in value[1:])
        ):
            raise DomainError(_("Colours look like #e8572a."), field=field)
    if not 1 <= int(points_per_yuan_off) <= 10000:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": 10000},
            field="points_per_yuan_off",
        )
    program, created = CardProgram.objects.get_or_create(
        merchant=actor.merchant, defaults={"title": title}
    )
    program.title, program.subtitle, program.template = title, subtitle.strip()[:60], template
    program.color, program.text_color, program.auto_approve = color, text_color, bool(auto_approve)
    program.points_per_yuan_off = int(points_per_yuan_off)
    if not 0 <= int(min_redeem_points) <= 1_000_000:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 0, "high": 1_000_000},
            field="min_redeem_points",
        )
    if not 1 <= int(max_redeem_percent) <= 100:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": 100}, field="max_redeem_percent"
        )
    program.min_redeem_points, program.max_redeem_percent = (
        int(min_redeem_points),
        int(max_redeem_percent),
    )
    program.points_round_nearest = bool(points_round_nearest)
    if published is not None:
        program.published = bool(published)
    if excluded_items is not None:
        from regulars.merchants.models import CatalogItem

        ids = [int(i) for i in excluded_items]
        own = CatalogItem.objects.filter(merchant=actor.merchant, pk__in=ids)
        if own.count() != len(set(ids)):
            raise DomainError(_("Choose services of your own shop."), field="excluded_items")
    _save_picture(program, "logo", logo, png_bytes, (256, 256), "png")
    _save_picture(program, "background", background, jpeg_bytes, (1200, 760), "jpg")
    program.save()
    if excluded_items is not None:
        program.excluded_items.set(own)
    if created:
        Tier.objects.bulk_create(
            Tier(
                merchant=actor.merchant,
                program=program,
                name=name,
                rank=rank,
                discount_percent=Decimal(discount),
                points_per_yuan=Decimal(points),
                qualify_spend=Decimal(spend),
                qualify_days=days,
            )
            for name, rank, discount, points, spend, days in DEFAULT_TIERS
        )
        TopUpRule.objects.create(
            merchant=actor.merchant, program=program, pay=Decimal("500"), bonus=Decimal("50")
        )
    return program


def _save_picture(program: CardProgram, field: str, upload, encode, size, suffix: str) -> None:
    """Checked and re-encoded like every photo (type, size, pixels); replaces the old one."""
    from django.conf import settings
    from django.core.files.base import ContentFile

    if not upload:
        return
    try:
        image, _format = read_image(upload, settings.REGULARS_MAX_PHOTO_BYTES)
    except DomainError as error:
        raise DomainError(error.message, field=field) from None
    getattr(program, field).save(
        f"{program.merchant_id}-{field}.{suffix}", ContentFile(encode(image, size)), save=False
    )


def _program(merchant_id: int) -> CardProgram:
    program = CardProgram.objects.filter(
        merchant_id=merchant_id, published=True, merchant__is_active=True
    ).first()
    if program is None:
        raise DomainError(_("This shop has no member card yet."), code="no_program")
    return program


def _new_number() -> str:
    """Random, with a check digit, used by no card and no printed card."""
    for _attempt in range(10):
        number = codes.new_code()
        if (
            not Card.objects.filter(number=number).exists()
            and not PrintedCard.objects.filter(number=number).exists()
        ):
            return number
    raise RuntimeError("could not draw a unique card number")


MAX_PRINT_BATCH = 500


@transaction.atomic
def print_cards(*, actor: StaffContext, count: int) -> int:
    """Reserve `count` numbers for physical cards; returns the batch number (for its PDF)."""
    actor.require(Action.DESIGN_CARDS)
    program = CardProgram.objects.filter(merchant=actor.merchant).first()
    if program is None:
        raise DomainError(_("Design your member card first."), code="no_program")
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_PRINT_BATCH:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": MAX_PRINT_BATCH}, field="count"
        )
    batch = (
        PrintedCard.objects.filter(merchant=actor.merchant).aggregate(top=models.Max("batch"))[
            "top"
        ]
        or 0
    ) + 1
    PrintedCard.objects.bulk_create(
        PrintedCard(merchant=actor.merchant, program=program, number=_new_number(), batch=batch)
        for _ in range(count)
    )
    return batch


def _create_card(program: CardProgram, consumer, status: str, printed=None) -> Card:
    if Card.objects.filter(merchant=program.merchant, consumer=consumer).exists():
        raise DomainError(
            _("There is already a card of this shop for this person."), code="already_member"
        )
    card = Card.objects.create(
        merchant=program.merchant,
        program=program,
        consumer=consumer,
        number=printed.number if printed else _new_number(),
        tier=program.tiers.order_by("rank").first(),
        status=status,
    )
    if printed:
        PrintedCard.objects.filter(pk=printed.pk).update(card=card)
    card_issued.send(sender=Card, card=card)
    return card


@transaction.atomic
def apply_for_card(*, consumer, merchant_id: int) -> Card:
    program = _program(merchant_id)
    return _create_card(
        program, consumer, CardStatus.ACTIVE if program.auto_approve else CardStatus.PENDING
    )


@transaction.atomic
def issue_card(*, actor: StaffContext, phone: str, printed_number: str = "") -> Card:
    """Staff give a card to a customer by phone number (their account is created if needed),
    optionally the physical card in their hand (its printed number becomes the card's)."""
    actor.require(Action.ISSUE_CARDS)
    number = normalize_phone(phone)
    if number is None:
        raise DomainError(_("Enter a valid mobile number."), field="phone")
    consumer = account_services.account_for_phone(number)  # theirs once they prove the number
    printed = None
    if printed_number:
        printed = (
            PrintedCard.objects.select_for_update()
            .filter(merchant=actor.merchant, number=codes.normalize_code(printed_number), card=None)
            .first()
        )
        if printed is None:
            raise DomainError(
                _("No unused printed card of this shop has this number."), field="printed_number"
            )
    return _create_card(_program(actor.merchant.pk), consumer, CardStatus.ACTIVE, printed)


@transaction.atomic
def approve_card(*, actor: StaffContext, card_id: int) -> Card:
    actor.require(Action.ISSUE_CARDS)
    changed = Card.objects.filter(
        pk=card_id, merchant=actor.merchant, status=CardStatus.PENDING
    ).update(status=CardStatus.ACTIVE, updated_at=clock.now())
    if not changed:
        raise NotFound()
    return Card.objects.get(pk=card_id)


def staff_card(
    actor: StaffContext, *, card_id: int | None = None, number: str | None = None
) -> Card:
    cards = Card.objects.filter(merchant=actor.merchant)
    card = (
        cards.filter(pk=card_id).first()
        if card_id
        else cards.filter(number=codes.normalize_code(number)).first()
    )
    if card is None and card_id:
        raise NotFound(_("No member card of this shop has this number."))
    if card is None:
        raise DomainError(
            _("No member card of this shop has this number."), field="card", code="unknown_card"
        )
    return card


def consumer_card(consumer, card_id: int) -> Card:
    card = Card.objects.filter(pk=card_id, consumer=consumer).first()
    if card is None:
        raise NotFound()
    return card


# ---- consumption password -----------------------------------------------------------------


def set_password(*, consumer, card_id: int, password: str, current: str = "") -> None:
    """Six digits, stored hashed. Changing it needs the current one (or a reset by the shop)."""
    card = consumer_card(consumer, card_id)
    if not (len(password or "") == 6 and password.isdigit()):
        raise DomainError(_("The consumption password is 6 digits."), field="password")
    if len(set(password)) == 1 or password in "0123456789" or password in "9876543210":
        raise DomainError(_("Choose digits that are harder to guess."), field="password")
    if card.password_hash:
        verify_password(card_id=card.pk, password=current, field="current")
    Card.objects.filter(pk=card.pk).update(
        password_hash=make_password(password), updated_at=clock.now()
    )


def reset_password(*, actor: StaffContext, card_id: int) -> None:
    """The shop clears a forgotten password after checking the customer in person (verified channel)."""
    actor.require(Action.ISSUE_CARDS)
    card = staff_card(actor, card_id=card_id)
    Card.objects.filter(pk=card.pk).update(
        password_hash="", failed_password_attempts=0, locked_until=None
    )


def verify_password(
    *, card_id: int, password: str, now: dt.datetime | None = None, field: str = "password"
) -> None:
    """Five wrong tries lock spending on the card for 15 minutes. Commits its own count."""
    now = now or clock.now()
    with transaction.atomic():
        card = Card.objects.select_for_update().get(pk=card_id)
        if card.locked_until and card.locked_until > now:
            minutes = int((card.locked_until - now).total_seconds() // 60) + 1
            raise DomainError(
                _("Too many wrong passwords. Try again in %(n)d minutes.") % {"n": minutes},
                field=field,
                code="locked",
            )
        if not card.password_hash:
            raise DomainError(
                _("Set a consumption password for this card first."),
                field=field,
                code="no_password",
            )
        if check_password(password or "", card.password_hash):
            if card.failed_password_attempts:
                Card.objects.filter(pk=card.pk).update(
                    failed_password_attempts=0, locked_until=None
                )
            return
        attempts = card.failed_password_attempts + 1
        locked_until = now + LOCKOUT if attempts >= MAX_PASSWORD_ATTEMPTS else None
        Card.objects.filter(pk=card.pk).update(
            failed_password_attempts=0 if locked_until else attempts, locked_until=locked_until
        )
    if locked_until:
        raise DomainError(
            _("Too many wrong passwords. Try again in %(n)d minutes.") % {"n": 15},
            field=field,
            code="locked",
        )
    raise DomainError(
        _("Wrong consumption password. %(n)d tries left.")
        % {"n": MAX_PASSWORD_ATTEMPTS - attempts},
        field=field,
        code="wrong_password",
    )


# ---- stored value -------------------------------------------------------------------------


def _existing(model, key: str):
    return model.objects.filter(idempotency_key=key).first()


def _active(card: Card) -> None:
    if card.status != CardStatus.ACTIVE:
        raise DomainError(_("This card is not active."), code="inactive_card")


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
            code="insufficient_balance",
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
                cursor.execute(_spend_sql(), params, prepare=True)
                row = cursor.fetchone()
    except (IntegrityError, psycopg.errors.UniqueViolation):
        # A concurrent retry with this key committed first: return what it wrote.
        return ValueEntry.objects.get(idempotency_key=key)
    entry = _spent_entry(row, card_id, amount, key, reason, by)
    if entry._state.adding:
        # A row written by SQL is announced like any other; its companions already wrote what
        # they keep (`written_by_statement`), other listeners may still act.
        entry._state.adding = False
        value_moved.send(sender=ValueEntry, entry=entry, written_by_statement=True)
    return entry


def _spent_entry(row, card_id: int, amount: Decimal, key: str, reason: str, by) -> ValueEntry:
    """What the spend statement did: the new entry, the earlier one with this key, or why not."""
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
        return ValueEntry.objects.get(pk=used_id)
    if status != CardStatus.ACTIVE:
        raise DomainError(_("This card is not active."), code="inactive_card")
    if entry_id is None:
        _refuse_overspend(balance, amount)
    return ValueEntry(
        id=entry_id,
        merchant_id=merchant_id,
        # What the statement knows of the card, so that listeners need not read it again.
        card=Card(pk=card_id, merchant_id=merchant_id, number=number, status=status),
        kind=ValueKind.SPEND,
        principal_delta=principal_delta,
        bonus_delta=bonus_delta,
        reason=reason[:200],
        created_by=by,
        idempotency_key=key,
        created_at=created_at,
    )


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
            code="insufficient_principal",
        )
    bonus_back = min(card.bonus, bonus_brought_by(card, amount))
    return _value(card, ValueKind.REFUND, -amount, -bonus_back, key, _("Refund"), by)


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
        raise DomainError(_("This entry was already voided."), code="already_voided")
    card = lock_card(original.card_id)
    if found := _existing(ValueEntry, key):  # a concurrent retry got the lock first
        return found
    if card.principal - original.principal_delta < 0 or card.bonus - original.bonus_delta < 0:
        raise DomainError(
            _("The money from this top-up has already been spent."), code="insufficient_balance"
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
            code="insufficient_points",
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
            code="too_many_points",
        )
    if card.points + delta > MAX_CARD_POINTS:
        raise DomainError(
            _("A card holds at most %(n)s points.") % {"n": f"{MAX_CARD_POINTS:,}"},
            field=field,
            code="too_many_points",
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


def _upgrade_tier(card: Card, now: dt.datetime) -> None:
    for tier in card.program.tiers.filter(rank__gt=card.tier.rank).order_by("-rank"):
        if _qualifies(card, tier, now):
            card.tier = tier
            card.save(update_fields=["tier", "updated_at"])
            return


@transaction.atomic
def void_purchase(*, actor: StaffContext, purchase_id: int, idempotency_key: str) -> Purchase:
    """Undo a consumption: a negative purchase and compensating points; nothing is edited."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    key = _key(idempotency_key)
    if found := _existing(Purchase, key):
        return found
    original = Purchase.objects.filter(pk=purchase_id, merchant=actor.merchant, voids=None).first()
    if original is None:
        raise NotFound()
    if Purchase.objects.filter(voids=original).exists():
        raise DomainError(_("This entry was already voided."), code="already_voided")
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


@transaction.atomic
def spend_points(
    *, card_id: int, points: int, idempotency_key: str, reason: str = "", by=None
) -> PointsEntry:
    key = _key(idempotency_key)
    if found := _existing(PointsEntry, key):
        return found
    if int(points) <= 0:
        raise DomainError(_("Enter how many points to use."), field="points")
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
        raise DomainError(_("Say why the points change."), field="reason")
    if not delta:
        raise DomainError(_("Enter how many points to add or remove."), field="delta")
    card = lock_card(staff_card(actor, card_id=card_id).pk)
    if found := _existing(PointsEntry, key):  # a concurrent retry got the lock first
        return found
    return _points(card, PointsKind.ADJUST, int(delta), key, reason=reason, by=actor.user)


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


# ---- the till: the same moves, checked against the staff member's role and shop -------------


def till_record_purchase(
    *,
    actor: StaffContext,
    number: str,
    amount,
    idempotency_key: str,
    description: str = "",
    apply_member_price: bool = True,
) -> Purchase:
    """At the till: scan or type the card number, enter the bill; the member pays the member
    price of their tier (unless the cashier says the bill already is one) and points follow."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    card = staff_card(actor, number=number)
    priced = member_price(card, amount) if apply_member_price else None
    if priced is not None and priced.off:
        description = f"{description} ({priced.label} −¥{priced.off})".strip()
    return record_purchase(
        card_id=card.pk,
        amount=priced.price if priced is not None else amount,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        description=description,
        by=actor.user,
    )


def till_top_up(*, actor: StaffContext, card_id: int, amount, idempotency_key: str) -> ValueEntry:
    """Money paid in at the counter."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    card = staff_card(actor, card_id=card_id)
    return top_up(
        card_id=card.pk,
        amount=amount,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        by=actor.user,
    )


def till_spend(
    *,
    actor: StaffContext,
    card_id: int,
    amount,
    password: str,
    idempotency_key: str,
    reason: str = "",
    apply_member_price: bool = True,
) -> ValueEntry:
    """Pay a bill from the card's balance at the member price; the customer types their
    consumption password."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    card = staff_card(actor, card_id=card_id)
    key = f"orders_console:{actor.merchant.pk}:{idempotency_key}"
    if found := _existing(ValueEntry, key):
        return found
    verify_password(card_id=card.pk, password=password)
    if apply_member_price:
        priced = member_price(card, amount)
        amount = priced.price
        if priced.off:
            reason = f"{reason} ({priced.label} −¥{priced.off})".strip()
    return spend_value(
        card_id=card.pk, amount=amount, idempotency_key=key, reason=reason, by=actor.user
    )


def redemption_value(program: CardProgram, points: int, bill=None) -> Decimal:
    """What `points` take off a bill under the program's rules: at least the minimum, at the
    program's rate, and no more than its share of the bill."""
    if points < program.min_redeem_points:
        raise DomainError(
            _("Use at least %(n)d points at a time.") % {"n": program.min_redeem_points},
            field="points",
            code="below_minimum",
        )
    value = to_money(Decimal(points) / program.points_per_yuan_off)
    if bill is not None:
        cap = to_money(_amount(bill, "amount") * program.max_redeem_percent / 100)
        if value > cap:
            raise DomainError(
                _("Points may pay at most %(p)d%% of the bill: ¥%(cap)s here.")
                % {"p": program.max_redeem_percent, "cap": cap},
                field="points",
                code="above_cap",
            )
    return value


def till_spend_points(
    *,
    actor: StaffContext,
    card_id: int,
    points: int,
    password: str,
    idempotency_key: str,
    bill=None,
) -> PointsEntry:
    """Points as money off at the program's rate, within its rules; the customer types their password."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    card = staff_card(actor, card_id=card_id)
    key = f"orders_console:{actor.merchant.pk}:{idempotency_key}"
    if found := _existing(PointsEntry, key):
        return found
    points = int(points or 0)
    value = redemption_value(card.program, points, bill)
    verify_password(card_id=card.pk, password=password)
    return spend_points(
        card_id=card.pk,
        points=points,
        idempotency_key=key,
        reason=_("¥%(value)s off at the counter") % {"value": value},
        by=actor.user,
    )


def till_void_value(*, actor: StaffContext, entry_id: int, idempotency_key: str) -> ValueEntry:
    actor.require(Action.ADJUST_CARD_BALANCES)
    return void_value(
        entry_id=entry_id,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        by=actor.user,
        merchant_id=actor.merchant.pk,
    )


# ---- tiers and top-up rules --------------------------------------------------------------


@transaction.atomic
def update_tier(
    *,
    actor: StaffContext,
    tier_id: int,
    name: str,
    discount_percent,
    points_per_yuan,
    benefits: str = "",
    qualify_spend=0,
    qualify_points: int = 0,
    qualify_days: int = 365,
) -> Tier:
    """A tier's perks and entry rule. Spend 0 on a tier above the first means: by decision only."""
    actor.require(Action.DESIGN_CARDS)
    tier = Tier.objects.filter(pk=tier_id, merchant=actor.merchant).first()
    if tier is None:
        raise NotFound()
    name = (name or "").strip()
    if not name or len(name) > 20:
        raise DomainError(_("Give the tier a name of at most 20 characters."), field="name")
    try:
        discount = Decimal(str(discount_percent))
        multiplier = Decimal(str(points_per_yuan))
        spend = Decimal(str(qualify_spend or 0))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter numbers."), field="discount_percent") from None
    if not Decimal("0") <= discount < Decimal("100"):
        raise DomainError(_("The discount is between 0 and 99.99 %."), field="discount_percent")
    if not Decimal("0") <= multiplier <= Decimal("100"):
        raise DomainError(_("Points per ¥1 are between 0 and 100."), field="points_per_yuan")
    if spend < 0:
        raise DomainError(_("The amount cannot be negative."), field="qualify_spend")
    if not 1 <= int(qualify_days) <= 3650:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": 3650}, field="qualify_days"
        )
    if not 0 <= int(qualify_points or 0) <= 100_000_000:
        raise DomainError(_("The points cannot be negative."), field="qualify_points")
    tier.qualify_points = int(qualify_points or 0)
    tier.name, tier.discount_percent, tier.points_per_yuan = name, discount, multiplier
    tier.benefits, tier.qualify_spend, tier.qualify_days = (
        (benefits or "").strip()[:200],
        to_money(spend),
        int(qualify_days),
    )
    tier.save()
    return tier


@transaction.atomic
def set_topup_rules(*, actor: StaffContext, rules: list[tuple]) -> list[TopUpRule]:
    """Replace the top-up bonus rules (充500送50 …); the largest rule a top-up reaches applies."""
    actor.require(Action.DESIGN_CARDS)
    program = CardProgram.objects.filter(merchant=actor.merchant).first()
    if program is None:
        raise DomainError(_("Design your member card first."), code="no_program")
    parsed = []
    for pay, bonus in rules:
        pay, bonus = _amount(pay, "pay"), to_money(bonus or 0)
        if bonus < 0 or bonus > pay:
            raise DomainError(
                _("The bonus must be between 0 and the top-up amount."), field="bonus"
            )
        parsed.append((pay, bonus))
    if len({pay for pay, _bonus in parsed}) != len(parsed):
        raise DomainError(_("Each top-up amount may appear once."), field="pay")
    TopUpRule.objects.filter(program=program).delete()
    return TopUpRule.objects.bulk_create(
        TopUpRule(merchant=actor.merchant, program=program, pay=pay, bonus=bonus)
        for pay, bonus in sorted(parsed)
    )


# ---- paying an order with the card ---------------------------------------------------------


def pay_order(*, consumer, order_id: int, password: str):
    """Pay an online order from the member card the buyer holds at that shop."""
    from regulars.orders import services as order_services
    from regulars.orders.models import OrderStatus
    from regulars.orders.selectors import consumer_order

    order = consumer_order(consumer, order_id)
    if order.status != OrderStatus.PENDING_PAYMENT or order.payment_method != "card":
        raise DomainError(_("This order is not waiting for a card payment."), code="wrong_state")
    card = Card.objects.filter(merchant_id=order.merchant_id, consumer=consumer).first()
    if card is None:
        raise DomainError(_("You have no member card at this shop."), code="no_card")
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


def till_refund(*, actor: StaffContext, card_id: int, amount, idempotency_key: str) -> ValueEntry:
    """Give paid-in money back at the counter; the bonus it brought goes with it."""
    actor.require(Action.ADJUST_CARD_BALANCES)
    card = staff_card(actor, card_id=card_id)
    return refund_value(
        card_id=card.pk,
        amount=amount,
        idempotency_key=f"orders_console:{actor.merchant.pk}:{idempotency_key}",
        by=actor.user,
    )


def _qualifies(card: Card, tier: Tier, now: dt.datetime) -> bool:
    """The first tier is everyone's; an automatic tier needs its spend or its points within its
    period; a tier given by decision is never reached by itself."""
    if tier.rank == 1:
        return True
    if not tier.automatic:
        return False
    since = now - dt.timedelta(days=tier.qualify_days)
    if tier.qualify_spend > 0:
        spent = Purchase.objects.filter(card=card, created_at__gte=since).aggregate(
            total=Sum("amount")
        )["total"]
        if (spent or Decimal("0")) >= tier.qualify_spend:
            return True
    if tier.qualify_points > 0:
        earned = PointsEntry.objects.filter(
            card=card, kind=PointsKind.EARN, created_at__gte=since
        ).aggregate(total=Sum("delta"))["total"]
        if (earned or 0) >= tier.qualify_points:
            return True
    return False


@transaction.atomic
def set_card_tier(*, actor: StaffContext, card_id: int, tier_id: int, reason: str) -> TierDecision:
    """Put a card in a tier by the shop's decision (owner or manager), with the reason; it stays
    there until someone decides otherwise (the periodic review leaves tiers given by decision
    alone)."""
    actor.require(Action.DECIDE_CARD_TIERS)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Say why the card moves to this tier."), field="reason")
    card = lock_card(staff_card(actor, card_id=card_id).pk, "tier")
    tier = Tier.objects.filter(pk=tier_id, program_id=card.program_id).first()
    if tier is None:
        raise DomainError(_("Choose one of your program's tiers."), field="tier_id")
    if tier.pk == card.tier_id:
        raise DomainError(_("The card is already in this tier."), field="tier_id")
    decision = TierDecision.objects.create(
        merchant_id=card.merchant_id,
        card=card,
        from_tier=card.tier,
        to_tier=tier,
        reason=reason[:200],
        decided_by=actor.user,
    )
    tier_decided.send(sender=TierDecision, decision=decision)
    card.tier = tier
    card.save(update_fields=["tier", "updated_at"])
    return decision


def review_tiers(*, now: dt.datetime | None = None) -> int:
    """Period end: a card whose recent spending no longer reaches its automatic tier moves down to
    the highest tier it still qualifies for; tiers given by decision — a tier that is never
    reached by itself, or the tier the shop last put the card in — are left alone. Returns moves."""
    now = now or clock.now()
    moved = 0
    automatic = Q(tier__qualify_spend__gt=0) | Q(tier__qualify_points__gt=0)
    reviewed = Card.objects.filter(automatic, tier__rank__gt=1).exclude(
        tier_decisions__to_tier=F("tier")
    )
    for card_id in reviewed.values_list("pk", flat=True).distinct():
        with transaction.atomic():
            card = lock_card(card_id, "tier", "program")
            tiers = card.program.tiers.filter(rank__lte=card.tier.rank).order_by("-rank")
            target = next(tier for tier in tiers if _qualifies(card, tier, now))
            if target.pk != card.tier_id:
                card.tier = target
                card.save(update_fields=["tier", "updated_at"])
                moved += 1
    return moved


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
            _("You have no member card at this shop."), field="points", code="no_card"
        )
    _active(card)
    return card


def quote_order_points(*, consumer, merchant_id: int, subtotal: Decimal, points, password: str):
    """How much `points` take off an order of `subtotal` at this shop; checks the password."""
    try:
        points = int(points or 0)
    except (TypeError, ValueError):
        raise DomainError(_("Enter how many points to use."), field="points") from None
    if points <= 0:
        raise DomainError(_("Enter how many points to use."), field="points")
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


# ---- points for a catalogue item ------------------------------------------------------------


@transaction.atomic
def set_reward(*, actor: StaffContext, item_id: int, points: int | None) -> Reward | None:
    """Offer one of the shop's services for `points`; no points (or 0) withdraws the offer."""
    from regulars.merchants.models import CatalogItem

    actor.require(Action.DESIGN_CARDS)
    program = _program(actor.merchant.pk)
    item = CatalogItem.objects.filter(pk=item_id, merchant=actor.merchant).first()
    if item is None:
        raise DomainError(_("Choose one of your services."), field="item", code="unknown_item")
    points = int(points or 0)
    if points < 0 or points > 10_000_000:
        raise DomainError(_("Enter a number of points from 1 to 10,000,000."), field="points")
    if not points:
        Reward.objects.filter(program=program, item=item).update(is_active=False)
        return None
    reward, _created = Reward.objects.update_or_create(
        program=program,
        item=item,
        defaults={"merchant": actor.merchant, "points": points, "is_active": True},
    )
    return reward


def _reward(merchant_id: int, reward_id) -> Reward:
    reward = (
        Reward.objects.select_related("item", "item__store")
        .filter(pk=reward_id, merchant_id=merchant_id, is_active=True, item__is_active=True)
        .first()
    )
    if reward is None:
        raise DomainError(
            _("This reward is not offered any more."), field="reward", code="unknown_reward"
        )
    return reward


def till_redeem_reward(
    *, actor: StaffContext, card_id: int, reward_id: int, password: str, idempotency_key: str
) -> PointsEntry:
    """At the till: the customer has the service for points, with their password."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    card = staff_card(actor, card_id=card_id)
    key = f"orders_console:{actor.merchant.pk}:{idempotency_key}"
    if found := _existing(PointsEntry, key):
        return found
    reward = _reward(actor.merchant.pk, reward_id)
    _require_points(card, reward.points)
    verify_password(card_id=card.pk, password=password)
    return spend_points(
        card_id=card.pk,
        points=reward.points,
        idempotency_key=key,
        reason=_("Exchanged for %(item)s") % {"item": reward.item.name},
        by=actor.user,
    )


def quote_reward(*, consumer, merchant_id: int, lines, reward_id, password: str):
    """Points for one unit of a rewarded service in an online order; checks the password."""
    reward = _reward(merchant_id, reward_id)
    if not any(line.item.pk == reward.item_id for line in lines):
        raise DomainError(
            _("Put the rewarded service in the order."), field="reward", code="not_in_order"
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
            _("Ask for this reward at the shop's counter."), field="reward", code="at_the_shop"
        )
    order, _pay_url = order_services.place_order(
        consumer=consumer,
        store_id=reward.item.store_id,
        lines=[(reward.item_id, 1)],
        payment_method="store",
        discounts={"reward": {"reward_id": reward.pk, "password": password}},
    )
    return order
