"""Writes for punch cards: the shop's plans, a card issued when one is sold (a bill line at the
counter), and a use scanned at the counter. Every change to a card is a ledger entry under an
idempotency key; a use locks the card row, so concurrent scans take the last use once."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.accounts.models import User
from regulars.core import clock, codes
from regulars.core.errors import DomainError, NotFound
from regulars.core.money import to_money
from regulars.core.phones import masked_phone, normalize_phone
from regulars.merchants.models import CatalogItem
from regulars.merchants.permissions import Action, StaffContext

from .errors import Problem
from .events import punch_card_refunded, punch_card_transferred
from .models import PlanKind, PunchCard, PunchCardStatus, PunchEntry, PunchKind, PunchPlan

PUNCH_PURPOSE = "punch"  # a payment's purpose: "punch:<plan id>", a card bought online
MAX_USES = 1000
REMIND_DAYS = 7  # a reminder this many days before the last valid day
MAX_VALID_DAYS = 3 * 366
MAX_PRICE = Decimal("100000")


@dataclass
class PlanInput:
    name: str
    kind: str
    price: Decimal | str
    valid_days: int | str
    item_ids: list[int] = field(default_factory=list)
    uses: int | str | None = None
    daily_cap: int | str | None = None
    transferable: bool = False
    is_active: bool = True


def _whole(value, name: str, low: int, high: int, *, optional: bool = False) -> int | None:
    if value in (None, "") and optional:
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Enter a whole number."), field=name, code=Problem.BAD_FORMAT) from None
    if not low <= number <= high:
        raise DomainError(
            _("Enter a number from %(low)d to %(high)d.") % {"low": low, "high": high},
            field=name,
            code=Problem.OUT_OF_RANGE,
        )
    return number


def save_plan(*, actor: StaffContext, data: PlanInput, plan_id: int | None = None) -> PunchPlan:
    """Add or change a plan. A change applies to cards sold afterwards; cards already held keep
    the uses and validity they were sold with."""
    actor.require(Action.MANAGE_CATALOGUE)
    plan = PunchPlan(merchant=actor.merchant)
    if plan_id is not None:
        plan = PunchPlan.objects.filter(pk=plan_id, merchant=actor.merchant).first()
        if plan is None:
            raise NotFound()
    name = (data.name or "").strip()
    if not name or len(name) > 60:
        raise DomainError(
            _("Name the plan (at most 60 characters)."), field="name", code=Problem.REQUIRED
        )
    if data.kind not in PlanKind.values:
        raise DomainError(
            _("Choose a number of uses, a period or a package."),
            field="kind",
            code=Problem.CHOICE_REQUIRED,
        )
    try:
        price = to_money(data.price)
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(
            _("Enter a price like 300.00."), field="price", code=Problem.BAD_FORMAT
        ) from None
    if not 0 < price <= MAX_PRICE:
        raise DomainError(
            _("The price must be between 0.01 and 100,000."),
            field="price",
            code=Problem.OUT_OF_RANGE,
        )
    plan.name, plan.kind, plan.price = name, data.kind, price
    plan.valid_days = _whole(data.valid_days, "valid_days", 1, MAX_VALID_DAYS)
    if data.kind == PlanKind.USES:
        plan.uses = _whole(data.uses, "uses", 1, MAX_USES)
        plan.daily_cap = None
    elif data.kind == PlanKind.PACKAGE:
        plan.uses, plan.daily_cap = len({int(pk) for pk in data.item_ids or []}), None
    else:
        plan.uses = None
        plan.daily_cap = _whole(data.daily_cap, "daily_cap", 1, 20, optional=True)
    plan.transferable, plan.is_active = bool(data.transferable), bool(data.is_active)
    wanted = {int(pk) for pk in data.item_ids or []}
    items = list(CatalogItem.objects.filter(merchant=actor.merchant, pk__in=wanted))
    if not items or len(items) != len(wanted):
        raise DomainError(
            _("Choose the services of your shop the card covers."),
            field="item_ids",
            code=Problem.UNKNOWN_CHOICE,
        )
    with transaction.atomic():
        plan.save()
        plan.items.set(items)
    return plan


def _key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise DomainError(
            _("Every request that moves value needs an idempotency key."),
            field="idempotency_key",
            code=Problem.REQUIRED,
        )
    return key


def _merchant_key(actor: StaffContext, idempotency_key: str) -> str:
    """A key a client chose, made the shop's own: two shops may both send "1" (keys are unique
    across the ledger)."""
    key = (idempotency_key or "").strip()
    if not key or len(key) > 60:
        raise DomainError(
            _("Every request that moves value needs an idempotency key (at most 60 characters)."),
            field="idempotency_key",
            code=Problem.REQUIRED,
        )
    return f"m{actor.merchant.pk}:{key}"


def _new_number() -> str:
    for _attempt in range(10):
        number = codes.new_code(12)
        if not PunchCard.objects.filter(number=number).exists():
            return number
    raise DomainError(_("Try again."), code=Problem.WRONG_STATE)


def valid_until(plan: PunchPlan, bought: dt.datetime) -> dt.datetime:
    """The end of the last valid day, in the shop's time zone: a card sold today for 30 days is
    good through the 30th day from today."""
    last_day = timezone.localdate(bought) + dt.timedelta(days=plan.valid_days - 1)
    zone = timezone.get_current_timezone()
    return dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)


def issue_card(
    *,
    plan: PunchPlan,
    consumer,
    price_paid: Decimal,
    idempotency_key: str,
    sold_on: str = "",
    by=None,
) -> PunchCard:
    """A card sold (inside the sale's transaction): the plan's uses and validity from now."""
    key = _key(idempotency_key)
    if found := PunchEntry.objects.filter(idempotency_key=key).select_related("card").first():
        return found.card
    now = clock.now()
    card = PunchCard.objects.create(
        merchant_id=plan.merchant_id,
        plan=plan,
        consumer=consumer,
        number=_new_number(),
        uses_left=plan.uses if plan.kind != PlanKind.PERIOD else None,
        price_paid=price_paid,
        expires_at=valid_until(plan, now),
        sold_on=sold_on[:40],
    )
    PunchEntry.objects.create(
        merchant_id=plan.merchant_id,
        card=card,
        kind=PunchKind.BUY,
        delta=plan.uses or 0,
        reason=sold_on[:200],
        created_by=by,
        idempotency_key=key,
    )
    return card


def use(*, actor: StaffContext, number: str, item_id: int, idempotency_key: str) -> PunchEntry:
    """One use of a held card for a service it covers, scanned or typed at the counter. Refused
    when the card is used up, expired, refunded, over today's cap, or the service is not covered;
    a retry with the same key finds the first use."""
    actor.require(Action.USE_TILL)
    key = _merchant_key(actor, idempotency_key)
    if found := PunchEntry.objects.filter(idempotency_key=key, merchant=actor.merchant).first():
        return found
    held = PunchCard.objects.filter(merchant=actor.merchant, number=codes.normalize_code(number))
    return _take_one_use(held, item_id, key, by=actor.user)


def _take_one_use(held, item_id: int, key: str, *, by, reason: str = "") -> PunchEntry:
    """Lock the card, check it, take one use (a period card records the visit): the row lock and
    the check constraint keep uses from going below zero however many scans race."""
    now = clock.now()
    with transaction.atomic():
        card = held.select_for_update(of=("self",)).select_related("plan").first()
        if card is None:
            raise NotFound(_("No punch card of this shop has this number."))
        if found := PunchEntry.objects.filter(idempotency_key=key).first():
            return found  # a concurrent retry got the lock first
        _check_usable(card, item_id, now)
        if card.plan.kind != PlanKind.PERIOD:
            card.uses_left -= 1
            if card.uses_left == 0:
                card.status = PunchCardStatus.USED_UP
            card.save(update_fields=["uses_left", "status"])
        return PunchEntry.objects.create(
            merchant_id=card.merchant_id,
            card=card,
            kind=PunchKind.USE,
            delta=-1 if card.plan.kind != PlanKind.PERIOD else 0,
            item_id=item_id,
            reason=reason[:200],
            created_by=by,
            idempotency_key=key,
        )


def use_online(
    *, consumer, merchant_id: int, number: str, item_id: int, idempotency_key: str, reason: str
) -> PunchEntry:
    """One use of the consumer's own card for an order or a booking at its shop (the key names
    the order or booking, so a retry takes nothing more)."""
    key = _key(idempotency_key)
    if found := PunchEntry.objects.filter(idempotency_key=key).first():
        return found
    held = PunchCard.objects.filter(
        merchant_id=merchant_id, consumer=consumer, number=codes.normalize_code(number)
    )
    return _take_one_use(held, item_id, key, by=consumer, reason=reason)


def give_back_online(*, key_prefix: str, reason: str) -> int:
    """Put back every use an order or booking took (its keys start with `key_prefix`): it was
    cancelled, declined, refunded or expired. Once: each give-back has its own key."""
    given = 0
    for entry in PunchEntry.objects.filter(
        idempotency_key__startswith=key_prefix, kind=PunchKind.USE
    ).order_by("pk"):
        back = return_uses(
            card_id=entry.card_id,
            uses=-entry.delta,
            idempotency_key=f"back:{entry.idempotency_key}"[:80],
            reason=reason,
            item_id=entry.item_id,
        )
        given += back.delta
    return given


def _check_usable(card: PunchCard, item_id: int, now: dt.datetime) -> None:
    if card.status == PunchCardStatus.REFUNDED:
        raise DomainError(
            _("This punch card was refunded."), field="number", code=Problem.WRONG_STATE
        )
    if card.status == PunchCardStatus.EXPIRED or now >= card.expires_at:
        raise DomainError(
            _("This punch card expired on %(day)s.") % {"day": f"{card.last_day:%Y-%m-%d}"},
            field="number",
            code=Problem.EXPIRED,
        )
    if not card.plan.items.filter(pk=item_id).exists():
        raise DomainError(
            _("This card does not cover that service."),
            field="item_id",
            code=Problem.NOT_COVERED,
        )
    if card.plan.kind != PlanKind.PERIOD and card.uses_left <= 0:
        raise DomainError(
            _("Every use of this card is taken."), field="number", code=Problem.NO_USES_LEFT
        )
    if card.plan.kind == PlanKind.PACKAGE:
        taken = -sum(
            PunchEntry.objects.filter(
                card=card, item_id=item_id, kind__in=[PunchKind.USE, PunchKind.RETURN]
            ).values_list("delta", flat=True)
        )
        if taken >= 1:
            raise DomainError(
                _("This package's service was used already."),
                field="item_id",
                code=Problem.ALREADY_USED,
            )
    if card.plan.daily_cap:
        start = dt.datetime.combine(
            timezone.localdate(now), dt.time.min, tzinfo=timezone.get_current_timezone()
        )
        today = PunchEntry.objects.filter(card=card, kind=PunchKind.USE, created_at__gte=start)
        if today.count() >= card.plan.daily_cap:
            raise DomainError(
                _("This card is used %(n)d times a day at most: come back tomorrow.")
                % {"n": card.plan.daily_cap},
                field="number",
                code=Problem.DAILY_CAP,
            )


def expire_cards(*, now: dt.datetime | None = None) -> int:
    """The daily task: cards past their validity close, their unused uses written off."""
    now = now or clock.now()
    expired = 0
    for card_id in PunchCard.objects.filter(
        status=PunchCardStatus.ACTIVE, expires_at__lte=now
    ).values_list("pk", flat=True):
        with transaction.atomic():
            card = PunchCard.objects.select_for_update().get(pk=card_id)
            if card.status != PunchCardStatus.ACTIVE:
                continue
            PunchEntry.objects.create(
                merchant_id=card.merchant_id,
                card=card,
                kind=PunchKind.EXPIRE,
                delta=-(card.uses_left or 0),
                idempotency_key=f"expire:{card.pk}",
            )
            card.uses_left = 0 if card.uses_left is not None else None
            card.status = PunchCardStatus.EXPIRED
            card.save(update_fields=["uses_left", "status"])
            expired += 1
    return expired


def refund_card(*, actor: StaffContext, card_id: int, reason: str, idempotency_key: str):
    """Give back the unused part of a card (handed over at the counter) and close it. Audited."""
    actor.require(Action.REFUND_BILLS)
    key = _merchant_key(actor, idempotency_key)
    if found := PunchEntry.objects.filter(idempotency_key=key, merchant=actor.merchant).first():
        return found
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise DomainError(
            _("Say why the money goes back (at most 200 characters)."),
            field="reason",
            code=Problem.REQUIRED,
        )
    now = clock.now()
    with transaction.atomic():
        card = (
            PunchCard.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(merchant=actor.merchant, pk=card_id)
            .first()
        )
        if card is None:
            raise NotFound()
        if card.status != PunchCardStatus.ACTIVE or now >= card.expires_at:
            raise DomainError(
                _("Only an active card can be refunded."),
                field="card_id",
                code=Problem.WRONG_STATE,
            )
        entry = PunchEntry.objects.create(
            merchant_id=card.merchant_id,
            card=card,
            kind=PunchKind.REFUND,
            delta=-(card.uses_left or 0),
            amount=card.unused_value(now),
            reason=reason,
            created_by=actor.user,
            idempotency_key=key,
        )
        card.uses_left = 0 if card.uses_left is not None else None
        card.status = PunchCardStatus.REFUNDED
        card.save(update_fields=["uses_left", "status"])
        punch_card_refunded.send(sender=PunchEntry, entry=entry)
        return entry


def remind_expiring(*, now: dt.datetime | None = None) -> int:
    """The daily task: a card with something left whose last day is within a week gets one
    reminder in its holder's inbox."""
    from regulars.notifications.services import notify

    now = now or clock.now()
    due = PunchCard.objects.filter(
        status=PunchCardStatus.ACTIVE,
        expires_at__gt=now,
        expires_at__lte=now + dt.timedelta(days=REMIND_DAYS),
    ).select_related("plan", "merchant", "consumer")
    sent = 0
    for card in due:
        if card.uses_left == 0:
            continue
        last_day = card.last_day
        left = (
            _("%(n)d uses left") % {"n": card.uses_left}
            if card.uses_left is not None
            else _("unlimited uses")
        )
        if notify(
            user=card.consumer,
            title=_("Your %(plan)s at %(shop)s ends on %(day)s")
            % {"plan": card.plan.name, "shop": card.merchant.name, "day": f"{last_day:%Y-%m-%d}"},
            body=left,
            link="/me/punch-cards/",
            dedupe_key=f"punch-card:{card.pk}:expiry",
        ):
            sent += 1
    return sent


def transfer(*, consumer, card_id: int, to_phone: str, idempotency_key: str) -> PunchEntry:
    """The holder gives a transferable card, with what is left on it, to someone who has signed
    up with that phone number and proved it. Recorded on the card's history and audited."""
    if not PunchCard.objects.filter(pk=card_id, consumer=consumer).exists():
        raise NotFound()  # not theirs (or given away already): nothing to say about it
    key = f"transfer:{int(card_id)}:{_key(idempotency_key)}"[:80]
    if found := PunchEntry.objects.filter(idempotency_key=key, card__pk=card_id).first():
        return found
    phone = normalize_phone(to_phone)
    receiver = (
        User.objects.filter(phone=phone, phone_verified_at__isnull=False, is_active=True).first()
        if phone
        else None
    )
    if receiver is None:
        raise DomainError(
            _("No one has signed up with this mobile number yet: ask them to sign up first."),
            field="to_phone",
            code=Problem.UNKNOWN_CHOICE,
        )
    if receiver.pk == consumer.pk:
        raise DomainError(
            _("The card is yours already."), field="to_phone", code=Problem.UNKNOWN_CHOICE
        )
    now = clock.now()
    with transaction.atomic():
        card = (
            PunchCard.objects.select_for_update(of=("self",))
            .select_related("plan")
            .filter(pk=card_id, consumer=consumer)
            .first()
        )
        if card is None:
            raise NotFound()
        if not card.plan.transferable:
            raise DomainError(
                _("This punch card cannot be given to someone else."),
                field="card_id",
                code=Problem.WRONG_STATE,
            )
        if card.status != PunchCardStatus.ACTIVE or now >= card.expires_at:
            raise DomainError(
                _("Only an active card can be given away."),
                field="card_id",
                code=Problem.WRONG_STATE,
            )
        card.consumer = receiver
        card.save(update_fields=["consumer"])
        entry = PunchEntry.objects.create(
            merchant_id=card.merchant_id,
            card=card,
            kind=PunchKind.TRANSFER,
            delta=0,
            reason=f"{masked_phone(consumer.phone or '')} → {masked_phone(receiver.phone)}",
            created_by=consumer,
            idempotency_key=key,
        )
        punch_card_transferred.send(sender=PunchEntry, entry=entry, giver=consumer)
        return entry


def return_uses(
    *, card_id: int, uses: int, idempotency_key: str, reason: str, by=None, item_id=None
):
    """Uses a refunded bill line took, put back on the card (a used-up card is active again).
    A card that has since expired or been refunded only records it: nothing is left to give."""
    key = _key(idempotency_key)
    with transaction.atomic():
        card = PunchCard.objects.select_for_update(of=("self",)).select_related("plan")
        card = card.get(pk=card_id)
        if found := PunchEntry.objects.filter(idempotency_key=key).first():
            return found
        open_card = card.status in (PunchCardStatus.ACTIVE, PunchCardStatus.USED_UP)
        delta = int(uses) if open_card and card.uses_left is not None else 0
        if delta:
            card.uses_left += delta
            card.status = PunchCardStatus.ACTIVE
            card.save(update_fields=["uses_left", "status"])
        return PunchEntry.objects.create(
            merchant_id=card.merchant_id,
            card=card,
            kind=PunchKind.RETURN,
            delta=delta,
            item_id=item_id,
            reason=reason[:200],
            created_by=by,
            idempotency_key=key,
        )


def start_online_purchase(*, consumer, plan_id: int) -> str:
    """Start paying for a plan online; the card is issued when the provider confirms."""
    from regulars.orders import services as order_services

    plan = PunchPlan.objects.filter(pk=plan_id, is_active=True, merchant__is_active=True).first()
    if plan is None:
        raise NotFound(_("This punch card is not on sale."))
    return order_services.start_payment(
        payer=consumer,
        merchant_id=plan.merchant_id,
        amount=plan.price,
        purpose=f"{PUNCH_PURPOSE}:{plan.pk}",
        return_url="/me/punch-cards/",
    )


def issue_paid_online(payment) -> PunchCard | None:
    """The provider confirmed a punch card bought online: issue it once (keyed by the payment),
    at the plan as it stands (a plan taken off sale meanwhile is still honoured: it was paid)."""
    kind, _sep, plan_id = payment.purpose.partition(":")
    if kind != PUNCH_PURPOSE or not plan_id.isdigit():
        return None
    plan = PunchPlan.objects.filter(pk=int(plan_id), merchant_id=payment.merchant_id).first()
    if plan is None:
        return None
    return issue_card(
        plan=plan,
        consumer=payment.payer,
        price_paid=payment.amount,
        idempotency_key=f"payment:{payment.reference}",
        sold_on=f"{payment.provider} {payment.reference}",
    )
