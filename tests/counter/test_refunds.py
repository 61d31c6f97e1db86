"""Refunds at the counter: whole or chosen lines, each tender back the way it came, points used
put back and points earned taken back (never below zero), the coupon given back with the whole
bill, all or nothing, once per key."""

import datetime as dt
import json
from decimal import Decimal

import pytest

from regulars.accounts.services import create_api_token
from regulars.audit.models import AuditEvent
from regulars.core import clock
from regulars.core.errors import DomainError, PermissionDenied
from regulars.counter import services as counter
from regulars.counter.models import BillRefund, RefundTender
from regulars.customers.models import Customer
from regulars.membership import services as cards
from regulars.membership.models import Card, ValueEntry
from regulars.promotions.models import Coupon, Redemption

from .test_bills import cashier_of, coupon, member  # noqa: F401 - shared fixtures

LineIn, TenderIn = counter.LineIn, counter.TenderIn


@pytest.fixture
def mixed_bill(salon, member, coupon):  # noqa: F811 - fixtures
    """Two haircuts and a wash for the 贵宾卡 member: member price, 满100减20, 300 points, ¥100
    from the card and ¥115.05 in cash (see test_bills for the arithmetic)."""
    owner, store, haircut, wash = salon
    return counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[LineIn(haircut.pk, 2), LineIn(wash.pk, 1)],
        coupon_code=coupon.code,
        points=300,
        tenders=[TenderIn("stored_value", "100"), TenderIn("cash", "115.05", given="120")],
        password="258036",
        idempotency_key="bill-r",
    )


def _coupon_of(bill) -> Coupon:
    return Redemption.objects.get(pk=bill.redemption_id).coupon


def _card(member):  # noqa: F811
    return Card.objects.get(pk=member.pk)


def test_a_whole_refund_puts_everything_back(salon, member, coupon, mixed_bill):  # noqa: F811
    owner = salon[0]
    refund = counter.refund_bill(
        actor=owner, bill_id=mixed_bill.pk, reason="顾客不满意", idempotency_key="r-1"
    )
    assert refund.amount == mixed_bill.total == Decimal("215.05")
    back = {tender.kind: tender.amount for tender in refund.tenders.all()}
    assert back == {"stored_value": Decimal("100.00"), "cash": Decimal("115.05")}
    card = _card(member)
    # The balance is what it was before the bill, paid-in and bonus as they were.
    assert (card.principal, card.bonus, card.balance) == (
        Decimal("200.00"),
        Decimal("0.00"),
        Decimal("200.00"),
    )
    # 300 points used come back, 430 earned go: the card is where it started.
    assert (refund.points_returned, refund.points_taken_back, refund.points_shortfall) == (
        300,
        430,
        0,
    )
    assert card.points == 1000
    # The coupon is usable again and its redemption no longer counts.
    assert refund.coupon_restored
    assert Coupon.objects.get(pk=coupon.pk).status == "claimed"
    assert Redemption.objects.get(pk=mixed_bill.redemption_id).reversed_at is not None
    # The directory takes the spend back.
    customer = Customer.objects.get(merchant=owner.merchant, consumer=member.consumer)
    assert customer.spend == Decimal("0.00")
    # The audit log has the refund, with its reason.
    logged = AuditEvent.objects.get(action="bill.refunded")
    assert logged.amount == Decimal("-215.05") and logged.detail["reason"] == "顾客不满意"
    with pytest.raises(DomainError) as again:
        counter.refund_bill(
            actor=owner, bill_id=mixed_bill.pk, reason="再退一次", idempotency_key="r-2"
        )
    assert again.value.code == "already_refunded"


def test_refunds_of_chosen_lines_add_up_to_the_whole(salon, member, mixed_bill):  # noqa: F811
    owner = salon[0]
    haircuts, wash = list(mixed_bill.lines.all())
    first = counter.refund_bill(
        actor=owner,
        bill_id=mixed_bill.pk,
        lines=[counter.RefundLineIn(haircuts.pk, 1)],
        reason="少剪一位",
        idempotency_key="r-a",
    )
    # Half of the two haircuts' paid share, in money; nothing of the coupon comes back.
    assert first.amount == haircuts.paid / 2
    assert not first.coupon_restored
    assert _coupon_of(mixed_bill).status == "used"
    assert 0 < first.points_returned < 300 and 0 < first.points_taken_back < 430
    # The money goes back over the card and the cash in proportion to what each paid.
    shares = {t.kind: t.amount for t in first.tenders.all()}
    assert sum(shares.values()) == first.amount
    exact = first.amount * 100 / Decimal("215.05")
    assert abs(shares["stored_value"] - exact) <= Decimal("0.01")
    counter.refund_bill(
        actor=owner,
        bill_id=mixed_bill.pk,
        lines=[counter.RefundLineIn(haircuts.pk), counter.RefundLineIn(wash.pk)],
        reason="全部退",
        idempotency_key="r-b",
    )
    # Together the two refunds are exactly one whole refund.
    refunds = BillRefund.objects.filter(bill=mixed_bill)
    assert sum(r.amount for r in refunds) == mixed_bill.total
    assert sum(r.points_returned for r in refunds) == 300
    assert sum(r.points_taken_back for r in refunds) == 430
    by_tender = {}
    for tender in RefundTender.objects.filter(refund__bill=mixed_bill):
        by_tender[tender.kind] = by_tender.get(tender.kind, 0) + tender.amount
    assert by_tender == {"stored_value": Decimal("100.00"), "cash": Decimal("115.05")}
    card = _card(member)
    assert (card.balance, card.points) == (Decimal("200.00"), 1000)
    assert _coupon_of(mixed_bill).status == "claimed"


def test_earned_points_already_spent_are_a_shortfall(salon, member, mixed_bill):  # noqa: F811
    owner = salon[0]
    card = _card(member)
    cards.spend_points(card_id=card.pk, points=card.points - 100, idempotency_key="spent-them")
    refund = counter.refund_bill(
        actor=owner, bill_id=mixed_bill.pk, reason="退单", idempotency_key="r-short"
    )
    # 300 used come back first, then 430 earned go: the card held 400, so 30 are short.
    assert (refund.points_taken_back, refund.points_shortfall) == (400, 30)
    assert _card(member).points == 0


def test_an_expired_coupon_is_not_given_back(salon, member, coupon, mixed_bill):  # noqa: F811
    owner = salon[0]
    later = coupon.campaign.valid_until + dt.timedelta(days=1)
    with clock.pinned(later):
        refund = counter.refund_bill(
            actor=owner, bill_id=mixed_bill.pk, reason="过期后退款", idempotency_key="r-late"
        )
    assert not refund.coupon_restored
    assert Coupon.objects.get(pk=coupon.pk).status == "used"
    assert Redemption.objects.get(pk=mixed_bill.redemption_id).reversed_at is not None


@pytest.mark.parametrize(
    ("lines", "reason", "code"),
    [
        ([counter.RefundLineIn(999999)], "理由", "unknown_choice"),
        ("first×3", "理由", "out_of_range"),
        ("first×0", "理由", "out_of_range"),
        (None, "", "required"),
    ],
)
def test_a_refused_refund_changes_nothing(salon, member, mixed_bill, lines, reason, code):  # noqa: F811
    owner = salon[0]
    first = mixed_bill.lines.first()
    if isinstance(lines, str):
        lines = [counter.RefundLineIn(first.pk, int(lines[-1]))]
    before = (_card(member).balance, _card(member).points, ValueEntry.objects.count())
    with pytest.raises(DomainError) as refused:
        counter.refund_bill(
            actor=owner, bill_id=mixed_bill.pk, lines=lines, reason=reason, idempotency_key="r-x"
        )
    assert refused.value.code == code
    assert (_card(member).balance, _card(member).points, ValueEntry.objects.count()) == before
    assert not BillRefund.objects.exists()


def test_a_cashier_may_not_refund_and_a_retry_refunds_once(salon, mixed_bill):
    with pytest.raises(PermissionDenied):
        counter.refund_bill(
            actor=cashier_of(salon), bill_id=mixed_bill.pk, reason="想退", idempotency_key="c-1"
        )
    owner = salon[0]
    first = counter.refund_bill(
        actor=owner, bill_id=mixed_bill.pk, reason="重复提交", idempotency_key="twice"
    )
    again = counter.refund_bill(
        actor=owner, bill_id=mixed_bill.pk, reason="重复提交", idempotency_key="twice"
    )
    assert first.pk == again.pk and BillRefund.objects.count() == 1


def test_a_closed_day_takes_no_refund(salon, mixed_bill):
    owner = salon[0]
    counter.close_day(actor=owner, cash_counted="115.05")
    with pytest.raises(DomainError) as refused:
        counter.refund_bill(actor=owner, bill_id=mixed_bill.pk, reason="晚了", idempotency_key="z")
    assert refused.value.code == "day_closed"
    # The next day it goes through, on that day's figures.
    with clock.pinned(clock.now() + dt.timedelta(days=1)):
        refund = counter.refund_bill(
            actor=owner, bill_id=mixed_bill.pk, reason="次日退", idempotency_key="z2"
        )
        figures = counter.close_day(actor=owner, cash_counted="0", note="退现")
    assert refund.amount == Decimal("215.05")
    assert figures.figures["refunds"]["amount"] == Decimal("215.05")
    assert figures.cash_expected == Decimal("-115.05")


def test_the_api_refunds_a_line_and_shows_it_on_the_bill(client, salon, mixed_bill):
    owner = salon[0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    wash = mixed_bill.lines.last()
    answer = client.post(
        f"/api/v1/merchant/bills/{mixed_bill.pk}/refunds",
        json.dumps({"lines": [{"line_id": wash.pk}], "reason": "没洗", "idempotency_key": "api"}),
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 201, answer.content
    assert Decimal(answer.json()["amount"]) == wash.paid
    shown = client.get(f"/api/v1/merchant/bills/{mixed_bill.pk}", **headers).json()
    assert Decimal(shown["refunded"]) == wash.paid and len(shown["refunds"]) == 1
    refused = client.post(
        f"/api/v1/merchant/bills/{mixed_bill.pk}/refunds",
        json.dumps({"lines": [{"line_id": wash.pk}], "reason": "再退", "idempotency_key": "api2"}),
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "already_refunded"


def test_the_bill_page_refunds_a_line_and_the_member_sees_it(client, salon, member, mixed_bill):  # noqa: F811
    owner = salon[0]
    client.force_login(owner.user)
    page = client.get(f"/console/bills/{mixed_bill.pk}/").content.decode()
    assert "data-refund-form" in page
    haircuts = mixed_bill.lines.first()
    nothing = client.post(
        f"/console/bills/{mixed_bill.pk}/refund/", {"reason": "退", "key": "p-0", "chosen": "1"}
    )
    assert nothing.status_code == 400 and not BillRefund.objects.exists()
    done = client.post(
        f"/console/bills/{mixed_bill.pk}/refund/",
        {f"qty_{haircuts.pk}": "1", "reason": "少剪一位", "key": "p-1", "chosen": "1"},
    )
    assert done.status_code == 302
    shown = client.get(done["Location"]).content.decode()
    assert "data-refunds" in shown and "少剪一位" in shown
    receipt = client.get(f"/api/v1/merchant/bills/{mixed_bill.pk}/receipt?format=text&width=58")
    assert any(line.startswith(("Refund", "退款")) for line in receipt.json()["lines"])
    client.force_login(member.consumer)
    mine = client.get(f"/me/bills/{mixed_bill.pk}/").content.decode()
    assert "少剪一位" in mine
