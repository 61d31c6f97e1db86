"""Ringing up a bill at the counter, on the ledgers that exist.

The order is the one a cashier reads off a receipt: the list price of the lines; the member price
of the customer's tier; one coupon on what is left; points on what is left after that; and the
tenders pay the rest exactly (cash may be handed over in excess: the change is given back). The
whole bill — coupon used, points and balance spent, points earned, the visit — commits in one
transaction or not at all, and a retried submission with the same key finds its bill and moves
nothing.
"""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock, codes
from regulars.core.errors import DomainError
from regulars.core.money import CENT, to_money
from regulars.membership import services as cards
from regulars.membership.models import Card, PointsEntry, PointsKind
from regulars.merchants.models import CatalogItem, Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.promotions import services as coupons
from regulars.punchcards import selectors as punch_selectors
from regulars.punchcards import services as punch_cards
from regulars.punchcards.models import PunchPlan
from regulars.team.models import TeamMember

from .. import close
from ..errors import Problem
from ..events import bill_paid
from ..models import (
    DEFAULT_OUTSIDE_METHODS,
    Bill,
    BillLine,
    DailyClose,
    Tender,
    TenderKind,
    TillSettings,
)

MAX_LINES = 50
MAX_QUANTITY = 99
MAX_TENDERS = 5
MAX_BILL = Decimal("100000")


@dataclass
class LineIn:
    """A catalogue item, or (with `item_id` None) a line typed by a manager with its reason."""

    item_id: int | None = None
    quantity: int = 1
    served_by_id: int | None = None
    name: str = ""
    price: Decimal | str | None = None
    reason: str = ""
    plan_id: int | None = None  # a punch card sold at the counter (次卡), instead of an item
    punch_number: str = ""  # a held punch card that pays this service line, one use a unit


@dataclass
class TenderIn:
    kind: str
    amount: Decimal | str
    method: str = ""  # for money paid outside: which way (from the till's settings)
    reference: str = ""
    given: Decimal | str | None = None  # cash handed over, when more than the amount


@dataclass
class _Priced:
    """A line being priced: its list amount and the shares of each discount taken so far."""

    line: BillLine
    offs: dict = field(default_factory=dict)

    @property
    def left(self) -> Decimal:
        return self.line.amount - sum(self.offs.values(), Decimal("0"))


def outside_methods(merchant) -> list[str]:
    found = TillSettings.objects.filter(merchant=merchant).first()
    return (found.outside_methods if found and found.outside_methods else None) or list(
        DEFAULT_OUTSIDE_METHODS
    )


def save_till_settings(*, actor: StaffContext, outside_methods: list[str]) -> TillSettings:
    """The ways this shop is paid outside Regulars, as the cashier picks them."""
    actor.require(Action.MANAGE_STORES)
    names = []
    for name in outside_methods:
        name = (name or "").strip()
        if not name:
            continue
        if len(name) > 20:
            raise DomainError(
                _("A method's name has at most 20 characters."),
                field="outside_methods",
                code=Problem.TOO_LONG,
            )
        if name not in names:
            names.append(name)
    if not 1 <= len(names) <= 12:
        raise DomainError(
            _("Name between one and twelve ways of paying."),
            field="outside_methods",
            code=Problem.OUT_OF_RANGE,
        )
    found, _created = TillSettings.objects.get_or_create(merchant=actor.merchant)
    found.outside_methods = names
    found.save(update_fields=["outside_methods"])
    return found


def money_in(value, field_name: str) -> Decimal:
    try:
        amount = to_money(value)
    except (ArithmeticError, TypeError, ValueError):
        raise DomainError(
            _("Enter an amount like 50.00."), field=field_name, code=Problem.BAD_FORMAT
        ) from None
    if amount < 0 or amount > MAX_BILL:
        raise DomainError(
            _("The amount must be between 0 and 100,000."),
            field=field_name,
            code=Problem.OUT_OF_RANGE,
        )
    return amount


def in_proportion(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """Share `total` by the weights, in cents that add up exactly (largest remainder: the cents
    left over go to the parts the rounding cut most). No part exceeds its weight when the total
    does not exceed their sum."""
    base = sum(weights, Decimal("0"))
    if total <= 0 or base <= 0:
        return [Decimal("0.00") for _weight in weights]
    cents = int(total / CENT)
    exact = [weight / base * cents for weight in weights]
    shares = [int(x) for x in exact]
    for index in sorted(range(len(weights)), key=lambda i: exact[i] - shares[i], reverse=True)[
        : cents - sum(shares)
    ]:
        shares[index] += 1
    return [Decimal(share) * CENT for share in shares]


def spread(total: Decimal, priced: list[_Priced], name: str) -> None:
    """Share a discount over the lines by what is left of each."""
    shares = in_proportion(total, [p.left for p in priced])
    for p, share in zip(priced, shares, strict=True):
        p.offs[name] = share


def _lines(actor: StaffContext, store: Store, lines: list[LineIn]) -> list[BillLine]:
    if not 1 <= len(lines) <= MAX_LINES:
        raise DomainError(
            _("A bill has from 1 to %(n)d lines.") % {"n": MAX_LINES},
            field="lines",
            code=Problem.OUT_OF_RANGE,
        )
    team = set(
        TeamMember.objects.filter(merchant=actor.merchant, is_active=True).values_list(
            "pk", flat=True
        )
    )
    wanted = {line.item_id for line in lines if line.item_id}
    items = {
        item.pk: item
        for item in CatalogItem.objects.filter(pk__in=wanted, store=store, is_active=True)
    }
    plans = {
        plan.pk: plan
        for plan in PunchPlan.objects.filter(
            merchant=actor.merchant, is_active=True, pk__in={ln.plan_id for ln in lines}
        )
    }
    built = []
    for line in lines:
        quantity = int(line.quantity or 0)
        if not 1 <= quantity <= MAX_QUANTITY:
            raise DomainError(
                _("A quantity from 1 to %(n)d.") % {"n": MAX_QUANTITY},
                field="quantity",
                code=Problem.OUT_OF_RANGE,
            )
        if line.served_by_id and line.served_by_id not in team:
            raise DomainError(
                _("Choose an active member of your team."),
                field="served_by_id",
                code=Problem.UNKNOWN_CHOICE,
            )
        plan = None
        if line.plan_id:
            plan = plans.get(line.plan_id)
            if plan is None:
                raise DomainError(
                    _("Choose a punch card your shop sells."),
                    field="plan_id",
                    code=Problem.UNKNOWN_CHOICE,
                )
            name, price, reason = plan.name, plan.price, ""
        elif line.item_id:
            item = items.get(line.item_id)
            if item is None:
                raise DomainError(
                    _("Choose services this store sells."),
                    field="item_id",
                    code=Problem.UNKNOWN_CHOICE,
                )
            name, price, reason = item.name, item.price, ""
        else:
            actor.require(Action.ADD_MANUAL_LINES)
            name, reason = (line.name or "").strip(), (line.reason or "").strip()
            if not name or len(name) > 80:
                raise DomainError(
                    _("Name the line (at most 80 characters)."),
                    field="name",
                    code=Problem.REQUIRED,
                )
            if not reason or len(reason) > 200:
                raise DomainError(
                    _("Say why this line is typed rather than chosen from the catalogue."),
                    field="reason",
                    code=Problem.REQUIRED,
                )
            price = money_in(line.price, "price")
            if price <= 0:
                raise DomainError(
                    _("Enter the line's price."), field="price", code=Problem.OUT_OF_RANGE
                )
        punch_number = (line.punch_number or "").strip()
        if punch_number and not line.item_id:
            raise DomainError(
                _("A punch card pays for a service line."),
                field="punch_number",
                code=Problem.UNKNOWN_CHOICE,
            )
        built.append(
            BillLine(
                item=items.get(line.item_id) if line.item_id else None,
                name=name,
                quantity=quantity,
                unit_price=price,
                amount=to_money(price * quantity),
                served_by_id=line.served_by_id or None,
                manual_reason=reason,
                punch_plan=plan,
            )
        )
        built[-1].punch_number = punch_number  # used once the bill has its number
    if sum((line.amount for line in built), Decimal("0")) > MAX_BILL:
        raise DomainError(
            _("A bill is at most ¥100,000."), field="lines", code=Problem.OUT_OF_RANGE
        )
    return built


def _tenders(merchant, tenders: list[TenderIn], card: Card | None) -> list[Tender]:
    # No tender at all is right for a bill that discounts and points pay in full; otherwise
    # the tenders fail to add up to the bill, below.
    if len(tenders) > MAX_TENDERS:
        raise DomainError(
            _("Pay with at most five tenders."), field="tenders", code=Problem.OUT_OF_RANGE
        )
    methods = outside_methods(merchant)
    built = []
    for tender in tenders:
        if tender.kind not in TenderKind.values:
            raise DomainError(
                _("Choose how it is paid."), field="kind", code=Problem.CHOICE_REQUIRED
            )
        amount = money_in(tender.amount, "amount")
        if amount <= 0:
            raise DomainError(
                _("Each tender pays more than nothing."),
                field="amount",
                code=Problem.OUT_OF_RANGE,
            )
        given, change = None, Decimal("0.00")
        if tender.kind == TenderKind.STORED_VALUE and card is None:
            raise DomainError(
                _("Scan the member's card to pay from its balance."),
                field="kind",
                code=Problem.NO_CARD,
            )
        if tender.kind == TenderKind.CASH and tender.given not in (None, ""):
            given = money_in(tender.given, "given")
            if given < amount:
                raise DomainError(
                    _("The cash handed over is less than this tender."),
                    field="given",
                    code=Problem.OUT_OF_RANGE,
                )
            change = given - amount
        method, reference = "", ""
        if tender.kind == TenderKind.OUTSIDE:
            method, reference = (tender.method or "").strip(), (tender.reference or "").strip()
            if method not in methods:
                raise DomainError(
                    _("Choose one of the ways this shop is paid."),
                    field="method",
                    code=Problem.UNKNOWN_CHOICE,
                )
            if len(reference) > 64:
                raise DomainError(
                    _("A reference has at most 64 characters."),
                    field="reference",
                    code=Problem.TOO_LONG,
                )
        built.append(
            Tender(
                kind=tender.kind,
                method=method,
                amount=amount,
                given=given,
                change=change,
                reference=reference,
            )
        )
    return built


def checked_key(idempotency_key: str) -> str:
    key = (idempotency_key or "").strip()
    if not key or len(key) > 80:
        raise DomainError(
            _("Every request that moves value needs an idempotency key."),
            field="idempotency_key",
            code=Problem.REQUIRED,
        )
    return key


def _existing(merchant, key: str) -> Bill | None:
    return Bill.objects.filter(merchant=merchant, idempotency_key=key).first()


def ring_up(
    *,
    actor: StaffContext,
    lines: list[LineIn],
    tenders: list[TenderIn],
    idempotency_key: str,
    store_id: int | None = None,
    card_id: int | None = None,
    coupon_code: str = "",
    points: int = 0,
    password: str = "",
    corrects_day: dt.date | None = None,
    correction_note: str = "",
    now: dt.datetime | None = None,
) -> Bill:
    """One bill at the counter, paid in full. Refused as a whole when any part is refused. A bill
    that corrects a closed day names that day and says why (the closed day itself stays as it
    was counted)."""
    actor.require(Action.USE_TILL)
    key = checked_key(idempotency_key)
    if found := _existing(actor.merchant, key):
        return found
    card = cards.staff_card(actor, card_id=card_id) if card_id else None
    if card is not None and (
        int(points or 0) > 0 or any(t.kind == TenderKind.STORED_VALUE for t in tenders)
    ):
        # Checked before the bill's transaction: a wrong password counts even though the bill
        # is refused (five wrong ones lock the card), as at every other till.
        cards.verify_password(card_id=card.pk, password=password or "")
    try:
        with transaction.atomic():
            return _ring_up(
                actor,
                key=key,
                lines=lines,
                tenders=tenders,
                store_id=store_id,
                card=card,
                coupon_code=(coupon_code or "").strip(),
                points=int(points or 0),
                correction=(corrects_day, (correction_note or "").strip()),
                now=now or clock.now(),
            )
    except IntegrityError:
        # The same key rung up at the same moment (a double tap): the first bill stands.
        if found := _existing(actor.merchant, key):
            return found
        raise


def close_day(
    *,
    actor: StaffContext,
    cash_counted,
    store_id: int | None = None,
    day: dt.date | None = None,
    note: str = "",
) -> DailyClose:
    """The cashier counts the drawer at the end of the day: the difference with what the bills
    say it should hold is recorded with the day's figures, and the day takes no more bills."""
    actor.require(Action.USE_TILL)
    store = store_of(actor, store_id)
    today = clock.today()
    day = day or today
    if day > today:
        raise DomainError(
            _("A day is closed once it has begun."), field="day", code=Problem.BAD_TIME
        )
    counted = money_in(cash_counted, "cash_counted")
    note = (note or "").strip()
    if len(note) > 200:
        raise DomainError(_("At most 200 characters."), field="note", code=Problem.TOO_LONG)
    with transaction.atomic():
        # The store row serialises closing against ringing up (a bill checks the close first).
        Store.objects.select_for_update().get(pk=store.pk)
        if DailyClose.objects.filter(store=store, day=day).exists():
            raise DomainError(
                _("This day is already closed."), field="day", code=Problem.ALREADY_CLOSED
            )
        figures = close.figures(actor.merchant, day, store)
        expected = figures["cash_expected"]
        if counted != expected and not note:
            raise DomainError(
                _("The drawer is ¥%(diff)s off: say why.") % {"diff": counted - expected},
                field="note",
                code=Problem.REQUIRED,
            )
        return DailyClose.objects.create(
            merchant=actor.merchant,
            store=store,
            day=day,
            cash_expected=expected,
            cash_counted=counted,
            difference=counted - expected,
            note=note,
            figures=figures,
            closed_by=actor.user,
        )


def store_of(actor: StaffContext, store_id: int | None) -> Store:
    stores = Store.objects.filter(merchant=actor.merchant, is_active=True)
    if store_id is None and stores.count() == 1:
        return stores.get()
    found = stores.filter(pk=store_id).first() if store_id else None
    if found is None:
        raise DomainError(
            _("Choose one of your stores."), field="store_id", code=Problem.UNKNOWN_CHOICE
        )
    return found


def day_is_closed(store: Store, now: dt.datetime) -> bool:
    """Whether the store's day of `now` is closed, after waiting for a close in progress (the
    store row serialises closing against ringing up and refunding)."""
    Store.objects.select_for_update().filter(pk=store.pk).first()
    return DailyClose.objects.filter(store=store, day=timezone.localdate(now)).exists()


def _check_correction(store: Store, correction: tuple, today: dt.date) -> None:
    day, note = correction
    if day is None:
        if note:
            raise DomainError(
                _("Name the closed day this bill corrects."),
                field="corrects_day",
                code=Problem.REQUIRED,
            )
        return
    if day >= today or not DailyClose.objects.filter(store=store, day=day).exists():
        raise DomainError(
            _("A correction is for an earlier day that was closed at this store."),
            field="corrects_day",
            code=Problem.NOT_CLOSED,
        )
    if not note or len(note) > 200:
        raise DomainError(
            _("Say what the correction is for (at most 200 characters)."),
            field="correction_note",
            code=Problem.REQUIRED,
        )


def _ring_up(actor, *, key, lines, tenders, store_id, card, coupon_code, points, correction, now):
    store = store_of(actor, store_id)
    if day_is_closed(store, now):
        raise DomainError(
            _("Today is closed at this store: ring it up tomorrow with a note."),
            field="store_id",
            code=Problem.DAY_CLOSED,
        )
    if card is not None and card.status != "active":
        raise DomainError(_("This card is not active."), field="card_id", code=Problem.WRONG_STATE)
    _check_correction(store, correction, timezone.localdate(now))
    built_lines = _lines(actor, store, lines)
    built_tenders = _tenders(actor.merchant, tenders, card)
    if points and card is None:
        raise DomainError(
            _("Scan the member's card to use points."), field="points", code=Problem.NO_CARD
        )
    if points < 0:
        raise DomainError(
            _("Enter how many points to use."), field="points", code=Problem.OUT_OF_RANGE
        )
    # The bill row comes first: a second submission with the same key waits on it and fails.
    bill = Bill.objects.create(
        merchant=actor.merchant,
        store=store,
        number=_number(),
        card=card,
        consumer=card.consumer if card else None,
        cashier=actor.user,
        corrects_day=correction[0],
        correction_note=correction[1] if correction[0] else "",
        idempotency_key=key,
    )
    bill.subtotal = sum((line.amount for line in built_lines), Decimal("0"))
    # Lines paid by punch cards first: covered whole, they take no other discount.
    bill.punch_value = _use_punch_cards(bill, built_lines, card, actor)
    priced = [
        _Priced(line, {"punch": line.amount if line.punch_card_id else Decimal("0.00")})
        for line in built_lines
    ]
    unpunched = [p for p in priced if not p.line.punch_card_id]

    for p in priced:
        p.offs["member"] = Decimal("0.00")
    if card is not None and unpunched:
        # Line by line: a service's own member price or the tier's discount (rules.py).
        member = cards.member_price_of_lines(card, [p.line for p in unpunched])
        bill.member_savings, bill.member_label = member.off, member.label
        for p, off in zip(unpunched, member.offs, strict=True):
            p.offs["member"] = off

    after_member = bill.subtotal - bill.punch_value - bill.member_savings
    if coupon_code:
        redemption = coupons.redeem_at_till(
            actor=actor,
            code=coupon_code,
            bill=after_member,
            store_id=store.pk,
            item_ids={p.line.item_id for p in unpunched if p.line.item_id},
        )
        bill.redemption, bill.coupon_discount = redemption, redemption.discount
    spread(bill.coupon_discount, priced, "coupon")

    if points:
        bill.points_value = cards.redemption_value(
            card.program, points, after_member - bill.coupon_discount
        )
        cards.spend_points(
            card_id=card.pk,
            points=points,
            idempotency_key=f"bill:{bill.pk}:points",
            reason=_("Bill %(number)s") % {"number": bill.number},
            by=actor.user,
        )
        bill.points_used = points
    spread(bill.points_value, priced, "points")

    bill.total = (
        bill.subtotal
        - bill.punch_value
        - bill.member_savings
        - bill.coupon_discount
        - bill.points_value
    )
    paid = sum((tender.amount for tender in built_tenders), Decimal("0"))
    if paid != bill.total:
        raise DomainError(
            _("The tenders pay ¥%(paid)s; the bill is ¥%(total)s.")
            % {"paid": paid, "total": bill.total},
            field="tenders",
            code=Problem.TENDERS_DO_NOT_ADD_UP,
        )

    for p in priced:
        line = p.line
        line.bill = bill
        line.member_off, line.coupon_off, line.points_off, line.punch_off = (
            p.offs["member"],
            p.offs["coupon"],
            p.offs["points"],
            p.offs["punch"],
        )
        line.paid = p.left
    BillLine.objects.bulk_create(built_lines)
    _issue_punch_cards(bill, built_lines, card, actor)

    for index, tender in enumerate(built_tenders):
        tender.bill = bill
        if tender.kind == TenderKind.STORED_VALUE:
            tender.value_entry = cards.spend_value(
                card_id=card.pk,
                amount=tender.amount,
                idempotency_key=f"bill:{bill.pk}:value:{index}",
                reason=_("Bill %(number)s") % {"number": bill.number},
                by=actor.user,
            )
    Tender.objects.bulk_create(built_tenders)

    if card is not None and bill.total > 0:
        # The visit and the points: earned on what was paid, by the tier's rule.
        bill.purchase = cards.record_purchase(
            card_id=card.pk,
            amount=bill.total,
            idempotency_key=f"bill:{bill.pk}:purchase",
            description=_("Bill %(number)s") % {"number": bill.number},
            store_id=store.pk,
            by=actor.user,
            now=now,
        )
        bill.points_earned = (
            PointsEntry.objects.filter(purchase=bill.purchase, kind=PointsKind.EARN)
            .values_list("delta", flat=True)
            .first()
            or 0
        )
    bill.save()
    bill_paid.send(sender=Bill, bill=bill)
    return bill


def _use_punch_cards(bill: Bill, lines: list[BillLine], card, actor) -> Decimal:
    """One use per unit of each line a punch card pays, under keys of this bill: a refusal (used
    up, expired, not covered, over the day's cap) refuses the whole bill. A card that may not be
    given to someone else pays only for its holder's bill."""
    covered = Decimal("0.00")
    for index, line in enumerate(lines):
        if not line.punch_number:
            continue
        held = punch_selectors.card_at_till(actor.merchant, line.punch_number)
        if held is None:
            raise DomainError(
                _("No punch card of this shop has this number."),
                field="punch_number",
                code=Problem.UNKNOWN_CHOICE,
            )
        if card is not None and held.consumer_id != card.consumer_id and not held.plan.transferable:
            raise DomainError(
                _("This punch card belongs to someone else and cannot be given."),
                field="punch_number",
                code=Problem.WRONG_STATE,
            )
        for unit in range(line.quantity):
            punch_cards.use(
                actor=actor,
                number=held.number,
                item_id=line.item_id,
                idempotency_key=f"bill:{bill.pk}:punch-use:{index}:{unit}",
            )
        line.punch_card = held
        covered += line.amount
    return covered


def _issue_punch_cards(bill: Bill, lines: list[BillLine], card, actor) -> None:
    """Punch cards sold on the bill go to its member, one per unit, valid from now."""
    sold = [line for line in lines if line.punch_plan_id]
    if not sold:
        return
    if card is None:
        raise DomainError(
            _("Scan the member's card: a punch card is sold to a member."),
            field="card_id",
            code=Problem.NO_CARD,
        )
    for index, line in enumerate(sold):
        for unit in range(line.quantity):
            punch_cards.issue_card(
                plan=line.punch_plan,
                consumer=card.consumer,
                price_paid=to_money(line.paid / line.quantity),
                idempotency_key=f"bill:{bill.pk}:punch:{index}:{unit}",
                sold_on=_("Bill %(number)s") % {"number": bill.number},
                by=actor.user,
            )


def _number() -> str:
    """A bill number a cashier can read out: the date and six random digits."""
    today = clock.today()
    for _attempt in range(10):
        number = f"{today:%y%m%d}{codes.new_code(6)}"
        if not Bill.objects.filter(number=number).exists():
            return number
    raise DomainError(_("Try again."), code=Problem.BUSY)
