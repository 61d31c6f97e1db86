"""The daily close: the day's figures reproduce from the raw rows, the drawer is counted, the
difference kept, and a closed day takes no more bills."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection

from regulars.accounts.services import create_api_token
from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.counter import services as counter
from regulars.counter.models import DailyClose
from regulars.membership import services as cards

LineIn, TenderIn = counter.LineIn, counter.TenderIn


@pytest.fixture
def day(salon, card, stylist):
    """Three bills: a member paying part from the card, a walk-in in cash, one by WeChat."""
    owner, store, haircut, wash = salon
    cards.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    counter.ring_up(
        actor=owner,
        card_id=card.pk,
        lines=[LineIn(haircut.pk, 1, served_by_id=stylist.pk)],
        tenders=[TenderIn("stored_value", "50"), TenderIn("cash", "18", given="20")],
        password="258036",
        idempotency_key="d-1",
    )
    counter.ring_up(
        actor=owner,
        lines=[LineIn(wash.pk, 2)],
        tenders=[TenderIn("cash", "257")],
        idempotency_key="d-2",
    )
    counter.ring_up(
        actor=owner,
        lines=[LineIn(haircut.pk, 1)],
        tenders=[TenderIn("outside", "68", method="微信支付", reference="4200")],
        idempotency_key="d-3",
    )
    return salon


def _independent_sums() -> dict:
    """The same figures by plain SQL over the rows, not through the close's own code."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), SUM(total) FROM counter_bill")
        count, takings = cursor.fetchone()
        cursor.execute("SELECT SUM(amount) FROM counter_tender WHERE kind = 'cash'")
        (cash,) = cursor.fetchone()
    return {"bills": count, "takings": Decimal(str(takings)), "cash": Decimal(str(cash))}


def test_the_figures_reproduce_from_the_rows(client, day):
    owner = day[0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    figures = client.get("/api/v1/merchant/daily-close?date=2026-11-23", **headers).json()
    raw = _independent_sums()
    assert figures["bills"] == raw["bills"] == 3
    assert Decimal(figures["takings"]) == raw["takings"] == Decimal("393.00")
    assert Decimal(figures["cash_expected"]) == raw["cash"] == Decimal("275.00")
    assert figures["by_tender"] == {
        "cash": "275.00",
        "stored_value": "50.00",
        "outside:微信支付": "68.00",
    }
    assert figures["stored_value_sold"] == {"paid_in": "100.00", "bonus": "0.00"}
    assert figures["stored_value_spent"] == {"paid_in": "50.00", "bonus": "0.00"}
    assert figures["by_service"]["精洗打蜡"] == {"quantity": 2, "paid": "257.00"}
    assert figures["points_issued"] == 68 and figures["closed"] is None


def test_closing_records_the_difference_and_locks_the_day(client, day):
    owner, store, haircut, _wash = day
    with pytest.raises(DomainError) as refused:
        counter.close_day(actor=owner, cash_counted="270")  # ¥5 short, no word why
    assert refused.value.code == "required"
    closed = counter.close_day(actor=owner, cash_counted="270", note="找零多给了5元")
    assert (closed.cash_expected, closed.difference) == (Decimal("275.00"), Decimal("-5.00"))
    with pytest.raises(DomainError) as again:
        counter.close_day(actor=owner, cash_counted="275")
    assert again.value.code == "already_closed"
    with pytest.raises(DomainError) as late:
        counter.ring_up(
            actor=owner,
            lines=[LineIn(haircut.pk, 1)],
            tenders=[TenderIn("cash", "68")],
            idempotency_key="late",
        )
    assert late.value.code == "day_closed"
    with pytest.raises(DomainError) as ahead:
        counter.close_day(actor=owner, cash_counted="0", day=clock.today() + dt.timedelta(days=1))
    assert ahead.value.code == "bad_time"
    assert DailyClose.objects.count() == 1


def test_the_page_and_the_api_close_the_day(client, day):
    owner = day[0]
    client.force_login(owner.user)
    page = client.get("/console/close/").content.decode()
    print(page[page.find("<main") :][:3000])
    assert "¥393.00" in page and "¥275.00" in page
    done = client.post("/console/close/", {"cash_counted": "275"})
    assert done.status_code == 302
    shown = client.get(done["Location"]).content.decode()
    assert "data-closed" in shown
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    again = client.post(
        "/api/v1/merchant/daily-close",
        json.dumps({"cash_counted": "275"}),
        content_type="application/json",
        **headers,
    )
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "already_closed"
    read = client.get("/api/v1/merchant/daily-close?date=2026-11-23", **headers).json()
    assert read["closed"]["difference"] == "0.00" and read["takings"] == "393.00"


def test_a_late_correction_goes_to_the_next_day_naming_the_closed_one(day):
    owner, store, haircut, _wash = day
    today = clock.today()
    with pytest.raises(DomainError) as not_closed:
        counter.ring_up(
            actor=owner,
            lines=[LineIn(haircut.pk, 1)],
            tenders=[TenderIn("cash", "68")],
            corrects_day=today - dt.timedelta(days=1),
            correction_note="漏记一单",
            idempotency_key="fix-0",
        )
    assert not_closed.value.code == "not_closed"
    counter.close_day(actor=owner, cash_counted="275")
    with clock.pinned(clock.now() + dt.timedelta(days=1)):
        with pytest.raises(DomainError) as no_note:
            counter.ring_up(
                actor=owner,
                lines=[LineIn(haircut.pk, 1)],
                tenders=[TenderIn("cash", "68")],
                corrects_day=today,
                idempotency_key="fix-1",
            )
        assert no_note.value.field == "correction_note"
        fixed = counter.ring_up(
            actor=owner,
            lines=[LineIn(haircut.pk, 1)],
            tenders=[TenderIn("cash", "68")],
            corrects_day=today,
            correction_note="昨天漏记的洗剪吹",
            idempotency_key="fix-2",
        )
    assert (fixed.corrects_day, fixed.correction_note) == (today, "昨天漏记的洗剪吹")
    # The closed day stays as it was counted.
    assert DailyClose.objects.get(day=today).figures["bills"] == 3


def test_refunds_reproduce_from_the_rows_and_leave_the_drawer(client, day):
    """A walk-in's cash bill refunded in part and the member's bill in full: the close shows the
    refunds by tender, the net takings, the paid-in money back on the card, and the drawer holds
    the cash taken less the cash handed back — each equal to a plain SQL sum over the rows."""
    owner = day[0]
    walk_in = counter.ring_up(
        actor=owner,
        lines=[LineIn(day[3].pk, 1), LineIn(day[2].pk, 1)],
        tenders=[TenderIn("cash", "196.50")],
        idempotency_key="d-4",
    )
    counter.refund_bill(
        actor=owner,
        bill_id=walk_in.pk,
        lines=[counter.RefundLineIn(walk_in.lines.last().pk)],
        reason="没做",
        idempotency_key="r-4",
    )
    member_bill = walk_in.__class__.objects.get(idempotency_key="d-1")
    counter.refund_bill(
        actor=owner, bill_id=member_bill.pk, reason="投诉退款", idempotency_key="r-1"
    )
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    figures = client.get("/api/v1/merchant/daily-close?date=2026-11-23", **headers).json()
    with connection.cursor() as cursor:
        cursor.execute("SELECT SUM(amount) FROM counter_tender WHERE kind = 'cash'")
        (cash_in,) = cursor.fetchone()
        cursor.execute("SELECT SUM(amount) FROM counter_refundtender WHERE kind = 'cash'")
        (cash_out,) = cursor.fetchone()
        cursor.execute("SELECT COUNT(*), SUM(amount) FROM counter_billrefund")
        refunds, refunded = cursor.fetchone()
        cursor.execute(
            "SELECT SUM(principal_delta), SUM(bonus_delta) FROM membership_valueentry"
            " WHERE kind = 'return'"
        )
        paid_in_back, bonus_back = cursor.fetchone()
    assert figures["refunds"]["count"] == refunds == 2
    # ¥68 (the haircut line) and the member's ¥68 bill.
    assert Decimal(figures["refunds"]["amount"]) == Decimal(str(refunded)) == Decimal("136.00")
    assert figures["refunds"]["by_tender"] == {"cash": "86.00", "stored_value": "50.00"}
    assert Decimal(figures["net_takings"]) == Decimal("589.50") - Decimal("136.00")
    assert figures["stored_value_returned"] == {
        "paid_in": str(Decimal(str(paid_in_back)).quantize(Decimal("0.01"))),
        "bonus": str(Decimal(str(bonus_back)).quantize(Decimal("0.01"))),
    }
    expected = Decimal(str(cash_in)) - Decimal(str(cash_out))
    assert Decimal(figures["cash_expected"]) == expected == Decimal("385.50")
