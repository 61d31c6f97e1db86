"""Cards: printing numbered cards, issuing and approving them, finding one, and the consumption
password that guards spending from it."""

import datetime as dt

from django.contrib.auth.hashers import check_password, make_password
from django.db import models, transaction
from django.utils.translation import gettext as _

from regulars.accounts import services as account_services
from regulars.core import clock, codes
from regulars.core.errors import DomainError, NotFound
from regulars.core.phones import normalize_phone
from regulars.membership.errors import Problem
from regulars.merchants.permissions import Action, StaffContext

from ..events import (
    card_issued,
)
from ..models import (
    Card,
    CardProgram,
    CardStatus,
    PrintedCard,
)

MAX_PASSWORD_ATTEMPTS = 5


LOCKOUT = dt.timedelta(minutes=15)


def _program(merchant_id: int) -> CardProgram:
    program = CardProgram.objects.filter(
        merchant_id=merchant_id, published=True, merchant__is_active=True
    ).first()
    if program is None:
        raise DomainError(_("This shop has no member card yet."), code=Problem.NO_PROGRAM)
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
        raise DomainError(_("Design your member card first."), code=Problem.NO_PROGRAM)
    try:
        count = int(count)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_PRINT_BATCH:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": 1, "high": MAX_PRINT_BATCH},
            field="count",
            code=Problem.OUT_OF_RANGE,
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
            _("There is already a card of this shop for this person."), code=Problem.ALREADY_MEMBER
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
        raise DomainError(_("Enter a valid mobile number."), field="phone", code=Problem.BAD_FORMAT)
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
                _("No unused printed card of this shop has this number."),
                field="printed_number",
                code=Problem.UNKNOWN_CHOICE,
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
    card = Card.objects.get(pk=card_id)
    card_issued.send(sender=Card, card=card)  # active now: what follows a new card follows
    return card


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
            _("No member card of this shop has this number."),
            field="card",
            code=Problem.UNKNOWN_CARD,
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
        raise DomainError(
            _("The consumption password is 6 digits."), field="password", code=Problem.BAD_FORMAT
        )
    if len(set(password)) == 1 or password in "0123456789" or password in "9876543210":
        raise DomainError(
            _("Choose digits that are harder to guess."),
            field="password",
            code=Problem.WEAK_PASSWORD,
        )
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
                code=Problem.LOCKED,
            )
        if not card.password_hash:
            raise DomainError(
                _("Set a consumption password for this card first."),
                field=field,
                code=Problem.NO_PASSWORD,
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
            code=Problem.LOCKED,
        )
    raise DomainError(
        _("Wrong consumption password. %(n)d tries left.")
        % {"n": MAX_PASSWORD_ATTEMPTS - attempts},
        field=field,
        code=Problem.WRONG_PASSWORD,
    )
