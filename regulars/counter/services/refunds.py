"""Refunding a bill at the counter, whole or for chosen lines (decision 0017).

What goes back is what was really paid for the lines: each line's paid share (after the member
price, the coupon and points) in money, and its points share as points. Money goes back the way
it came, in proportion over the bill's tenders (the card's balance, cash out of the drawer, a
payment made outside that the cashier reverses there). The points the bill earned are taken back
in proportion to the money; a card that has spent them gives back what it holds and the rest is
recorded as the shortfall. The coupon comes back only with the whole bill (a partial refund keeps
the coupon's part of the discount). A line a punch card paid gets its uses back on the card.
Every part is computed cumulatively over the bill's earlier
refunds, so several partial refunds end exactly where one whole refund would.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.core.money import to_money
from regulars.membership import services as cards
from regulars.merchants.permissions import Action, StaffContext
from regulars.promotions import services as coupons
from regulars.punchcards import services as punch_cards

from ..errors import Problem
from ..events import bill_refunded
from ..models import Bill, BillRefund, RefundLine, RefundTender, TenderKind
from .bills import checked_key, day_is_closed, in_proportion

ZERO = Decimal("0.00")


@dataclass
class RefundLineIn:
    line_id: int
    quantity: int | None = None  # None: all of the line not refunded yet


def _share(whole: Decimal, part: int, of: int) -> Decimal:
    """`part` of `of` units of an amount, in cents; all units give the amount exactly."""
    return whole if part >= of else to_money(whole * part / of)


def _floor_share(whole: int, part: Decimal, of: Decimal) -> int:
    return int((Decimal(whole) * part / of).to_integral_value(rounding=ROUND_FLOOR)) if of else 0


def refund_bill(
    *,
    actor: StaffContext,
    bill_id: int,
    reason: str,
    idempotency_key: str,
    lines: list[RefundLineIn] | None = None,
) -> BillRefund:
    """Give money back on a bill: the whole bill when no lines are named, else the lines (and
    quantities) chosen. Refused as a whole when any part is refused."""
    actor.require(Action.REFUND_BILLS)
    key = checked_key(idempotency_key)
    if found := _existing(actor.merchant, key):
        return found
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise DomainError(
            _("Say why the money goes back (at most 200 characters)."),
            field="reason",
            code=Problem.REQUIRED,
        )
    try:
        with transaction.atomic():
            return _refund(actor, bill_id, lines or [], reason, key, clock.now())
    except IntegrityError:
        # The same key sent twice at the same moment: the first refund stands.
        if found := _existing(actor.merchant, key):
            return found
        raise


def _existing(merchant, key: str) -> BillRefund | None:
    return BillRefund.objects.filter(merchant=merchant, idempotency_key=key).first()


def _chosen(bill: Bill, wanted: list[RefundLineIn], done: dict[int, int]) -> dict:
    """{line: quantity} to refund now, checked against what is left of each line."""
    lines = {line.pk: line for line in bill.lines.all()}
    if not wanted:
        chosen = {line: line.quantity - done.get(pk, 0) for pk, line in lines.items()}
        chosen = {line: count for line, count in chosen.items() if count > 0}
        if not chosen:
            raise DomainError(
                _("This bill has been refunded in full."), code=Problem.ALREADY_REFUNDED
            )
        return chosen
    chosen = {}
    for asked in wanted:
        line = lines.get(asked.line_id)
        if line is None or line in chosen:
            raise DomainError(
                _("Choose lines of this bill, each once."),
                field="lines",
                code=Problem.UNKNOWN_CHOICE,
            )
        left = line.quantity - done.get(line.pk, 0)
        count = left if asked.quantity is None else int(asked.quantity)
        if left <= 0:
            raise DomainError(
                _("%(name)s has been refunded already.") % {"name": line.name},
                field="lines",
                code=Problem.ALREADY_REFUNDED,
            )
        if not 1 <= count <= left:
            raise DomainError(
                _("%(name)s: refund from 1 to %(left)d.") % {"name": line.name, "left": left},
                field="quantity",
                code=Problem.OUT_OF_RANGE,
            )
        chosen[line] = count
    return chosen


def _refund(actor, bill_id, wanted, reason, key, now: dt.datetime) -> BillRefund:
    bill = (
        Bill.objects.filter(pk=bill_id, merchant=actor.merchant)
        .select_related("store", "card")
        .first()
    )
    if bill is None:
        raise NotFound()
    if day_is_closed(bill.store, now):
        raise DomainError(
            _("Today is closed at this store: refund tomorrow."),
            field="bill_id",
            code=Problem.DAY_CLOSED,
        )
    # The bill row serialises refunds of one bill: two at once cannot give back the same line.
    Bill.objects.select_for_update().filter(pk=bill.pk).first()
    earlier = BillRefund.objects.filter(bill=bill).aggregate(
        amount=Sum("amount"),
        points_returned=Sum("points_returned"),
        taken=Sum("points_taken_back"),
        short=Sum("points_shortfall"),
    )
    done_lines = RefundLine.objects.filter(line__bill=bill)
    done = dict(done_lines.values("line").annotate(n=Sum("quantity")).values_list("line", "n"))
    chosen = _chosen(bill, wanted, done)

    refund = BillRefund.objects.create(
        merchant=actor.merchant,
        store=bill.store,
        bill=bill,
        amount=ZERO,
        reason=reason,
        refunded_by=actor.user,
        idempotency_key=key,
    )
    refund_lines = []
    for line, count in chosen.items():
        before, after = done.get(line.pk, 0), done.get(line.pk, 0) + count
        refund_lines.append(
            RefundLine(
                refund=refund,
                line=line,
                quantity=count,
                amount=_share(line.paid, after, line.quantity)
                - _share(line.paid, before, line.quantity),
                points_off=_share(line.points_off, after, line.quantity)
                - _share(line.points_off, before, line.quantity),
            )
        )
    RefundLine.objects.bulk_create(refund_lines)
    for line, count in chosen.items():
        if line.punch_card_id:
            # A line a punch card paid: its uses go back on the card (no money was paid).
            punch_cards.return_uses(
                card_id=line.punch_card_id,
                uses=count,
                item_id=line.item_id,
                idempotency_key=f"refund:{refund.pk}:punch:{line.pk}",
                reason=_("Refund of bill %(number)s") % {"number": bill.number},
                by=actor.user,
            )
    refund.amount = sum((line.amount for line in refund_lines), ZERO)
    in_full = all(
        done.get(line.pk, 0) + chosen.get(line, 0) >= line.quantity for line in bill.lines.all()
    )
    _tenders_back(bill, refund, in_full)
    points_off_back = to_money(done_lines.aggregate(s=Sum("points_off"))["s"] or 0) + sum(
        (line.points_off for line in refund_lines), ZERO
    )
    _points_back(bill, refund, earlier, in_full, points_off_back)
    if in_full and bill.redemption_id:
        refund.coupon_restored = coupons.return_from_bill(redemption_id=bill.redemption_id)
    refund.save()
    bill_refunded.send(sender=BillRefund, refund=refund)
    return refund


def _tenders_back(bill: Bill, refund: BillRefund, in_full: bool) -> None:
    """The money back over the tenders, in proportion to what each has not given back yet."""
    tenders = list(bill.tenders.select_related("value_entry"))
    back_before = dict(
        RefundTender.objects.filter(tender__bill=bill)
        .values("tender")
        .annotate(s=Sum("amount"))
        .values_list("tender", "s")
    )
    left = [tender.amount - to_money(back_before.get(tender.pk) or 0) for tender in tenders]
    shares = left if in_full else in_proportion(refund.amount, left)
    label = _("Refund of bill %(number)s") % {"number": bill.number}
    for tender, share, remaining in zip(tenders, shares, left, strict=True):
        if share <= 0:
            continue
        entry = None
        if tender.kind == TenderKind.STORED_VALUE:
            # Paid-in and bonus go back in the proportion the payment took them.
            spent = tender.value_entry
            principal_before = -(tender.amount - remaining) * spent.principal_delta / tender.amount
            principal_after = -(tender.amount - remaining + share) * spent.principal_delta
            principal_after /= tender.amount
            principal = to_money(principal_after) - to_money(principal_before)
            entry = cards.return_value(
                card_id=bill.card_id,
                principal=principal,
                bonus=share - principal,
                idempotency_key=f"refund:{refund.pk}:value:{tender.pk}",
                reason=label,
                by=refund.refunded_by,
            )
        RefundTender.objects.create(
            refund=refund,
            tender=tender,
            kind=tender.kind,
            method=tender.method,
            amount=share,
            value_entry=entry,
        )


def _points_back(
    bill: Bill, refund: BillRefund, earlier: dict, in_full: bool, points_off_back: Decimal
) -> None:
    """The points the bill used come back; the points it earned go, never below zero."""
    if bill.card_id is None:
        return
    label = _("Refund of bill %(number)s") % {"number": bill.number}
    if bill.points_used:
        owed = (
            bill.points_used
            if in_full
            else _floor_share(bill.points_used, points_off_back, bill.points_value)
        )
        refund.points_returned = owed - (earlier["points_returned"] or 0)
        if refund.points_returned > 0:
            cards.give_back_points(
                card_id=bill.card_id,
                points=refund.points_returned,
                idempotency_key=f"refund:{refund.pk}:points",
                reason=label,
                by=refund.refunded_by,
            )
    if refund.amount <= 0 or not bill.purchase_id:
        return
    paid_back = to_money(earlier["amount"] or 0) + refund.amount
    owed = (
        bill.points_earned if in_full else _floor_share(bill.points_earned, paid_back, bill.total)
    )
    wanted = max(owed - (earlier["taken"] or 0) - (earlier["short"] or 0), 0)
    returned = cards.return_purchase(
        card_id=bill.card_id,
        amount=refund.amount,
        points=wanted,
        idempotency_key=f"refund:{refund.pk}:purchase",
        description=label,
        store_id=bill.store_id,
        by=refund.refunded_by,
    )
    refund.purchase = returned.purchase
    refund.points_taken_back, refund.points_shortfall = returned.points_taken, returned.points_short
