"""Punch cards: a plan sold at the counter as a bill line, its uses taken one by one and never
below zero, a period card's daily cap, expiry, and the consumer's wallet."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db.models import Sum

from regulars.accounts.services import create_api_token
from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.counter import services as counter
from regulars.punchcards import services as punch
from regulars.punchcards.models import PunchCard, PunchEntry
from tests.counter.test_bills import member  # noqa: F401 - shared fixture

WASH_CARD = "洗车10次卡"


@pytest.fixture
def plan(salon):
    owner, store, haircut, wash = salon
    return punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name=WASH_CARD, kind="uses", uses=10, price="300", valid_days=90, item_ids=[wash.pk]
        ),
    )


def _sell(owner, member, plan, key="sell"):  # noqa: F811
    bill = counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[counter.LineIn(None, 1, plan_id=plan.pk)],
        tenders=[counter.TenderIn("cash", "270")],  # the 贵宾卡's 10% off ¥300
        idempotency_key=key,
    )
    return bill, PunchCard.objects.get(consumer=member.consumer, plan=plan)


def test_ten_uses_sold_at_the_counter_ten_taken_the_eleventh_refused(salon, member, plan):  # noqa: F811
    owner, store, haircut, wash = salon
    bill, held = _sell(owner, member, plan)
    assert bill.lines.get().punch_plan_id == plan.pk and held.uses_left == 10
    assert held.price_paid == Decimal("270.00") and bill.number in held.sold_on
    for n in range(10):
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key=f"use-{n}")
    held.refresh_from_db()
    assert (held.uses_left, held.status) == (0, "used_up")
    with pytest.raises(DomainError) as refused:
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="use-11")
    assert refused.value.code in ("no_uses_left", "wrong_state")
    # The ledger adds up to what the card shows: +10 bought, ten −1 uses.
    assert PunchEntry.objects.filter(card=held).aggregate(s=Sum("delta"))["s"] == 0
    # A retried scan takes nothing more.
    again = punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="use-9")
    assert again.kind == "use" and PunchEntry.objects.filter(card=held, kind="use").count() == 10


def test_refusals_not_covered_walk_in_and_expired(salon, member, plan):  # noqa: F811
    owner, store, haircut, wash = salon
    with pytest.raises(DomainError) as walk_in:
        counter.ring_up(
            actor=owner,
            lines=[counter.LineIn(None, 1, plan_id=plan.pk)],
            tenders=[counter.TenderIn("cash", "300")],
            idempotency_key="walk-in",
        )
    assert walk_in.value.code == "no_card" and not PunchCard.objects.exists()
    _bill, held = _sell(owner, member, plan)
    with pytest.raises(DomainError) as haircut_refused:
        punch.use(actor=owner, number=held.number, item_id=haircut.pk, idempotency_key="hc")
    assert haircut_refused.value.code == "not_covered"
    # Valid 90 days from purchase: the 90th day still works, the 91st does not.
    last_day = clock.now() + dt.timedelta(days=89)
    with clock.pinned(last_day):
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="d90")
    with clock.pinned(last_day + dt.timedelta(days=1)):
        with pytest.raises(DomainError) as late:
            punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="d91")
        assert late.value.code == "expired"
        # The daily task (in the beat schedule) writes the card off.
        from django.conf import settings

        from regulars.punchcards.tasks import expire_punch_cards

        scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
        assert "regulars.punchcards.tasks.expire_punch_cards" in scheduled
        assert expire_punch_cards() == 1
    held.refresh_from_db()
    assert (held.status, held.uses_left) == ("expired", 0)
    assert PunchEntry.objects.filter(card=held).aggregate(s=Sum("delta"))["s"] == 0


def test_a_period_card_keeps_its_daily_cap(salon, member):  # noqa: F811
    owner, store, haircut, wash = salon
    monthly = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="洗车月卡",
            kind="period",
            daily_cap=1,
            price="199",
            valid_days=30,
            item_ids=[wash.pk],
        ),
    )
    counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[counter.LineIn(None, 1, plan_id=monthly.pk)],
        tenders=[counter.TenderIn("cash", "179.10")],
        idempotency_key="month",
    )
    held = PunchCard.objects.get(plan=monthly)
    assert held.uses_left is None
    punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="m-1")
    with pytest.raises(DomainError) as capped:
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="m-2")
    assert capped.value.code == "daily_cap"
    with clock.pinned(clock.now() + dt.timedelta(days=1)):
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="m-3")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"uses": 0}, "uses"),
        ({"price": "0"}, "price"),
        ({"valid_days": 0}, "valid_days"),
        ({"item_ids": []}, "item_ids"),
        ({"kind": "forever"}, "kind"),
    ],
)
def test_a_bad_plan_is_refused_and_saves_nothing(client, salon, change, field):
    owner, store, haircut, wash = salon
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    body = {
        "name": WASH_CARD,
        "kind": "uses",
        "uses": 10,
        "price": "300",
        "valid_days": 90,
        "item_ids": [wash.pk],
        **change,
    }
    answer = client.post(
        "/api/v1/merchant/punch-card-plans",
        json.dumps(body),
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 400, answer.content
    assert answer.json()["errors"][0]["field"] == field
    assert client.get("/api/v1/merchant/punch-card-plans", **headers).json() == []


def test_the_api_and_pages_from_plan_to_wallet(client, salon, member, plan):  # noqa: F811
    owner, store, haircut, wash = salon
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    listed = client.get("/api/v1/merchant/punch-card-plans", **headers).json()
    assert listed[0]["name"] == WASH_CARD and listed[0]["item_ids"] == [wash.pk]
    _bill, held = _sell(owner, member, plan)
    used = client.post(
        f"/api/v1/merchant/punch-cards/{held.pk}/uses",
        json.dumps({"item_id": wash.pk, "idempotency_key": "api-1"}),
        content_type="application/json",
        **headers,
    )
    assert used.status_code == 201 and used.json()["uses_left"] == 9
    found = client.get(f"/api/v1/merchant/punch-cards?number={held.number}", **headers).json()
    assert found["id"] == held.pk and found["uses_left"] == 9
    mine = client.get(
        "/api/v1/punch-cards",
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=member.consumer)}",
    ).json()
    assert mine[0]["uses_left"] == 9 and [e["kind"] for e in mine[0]["history"]] == ["use", "buy"]
    # The cashier's page: scan, take one use.
    client.force_login(owner.user)
    page = client.get(f"/console/punch-cards/use/?number={held.number}").content.decode()
    assert "data-punch-card" in page and "9" in page
    done = client.post(
        "/console/punch-cards/use/", {"number": held.number, "item_id": wash.pk, "key": "page-1"}
    )
    assert done.status_code == 302
    held.refresh_from_db()
    assert held.uses_left == 8
    # The store page offers the plan; the member's wallet shows 8 left.
    assert WASH_CARD in client.get(f"/stores/{store.pk}/").content.decode()
    client.force_login(member.consumer)
    wallet = client.get("/me/punch-cards/").content.decode()
    assert WASH_CARD in wallet and "8 uses left" in wallet


def test_the_console_page_adds_a_plan(client, salon):
    owner, store, haircut, wash = salon
    client.force_login(owner.user)
    answer = client.post(
        "/console/punch-cards/",
        {
            "name": "剪发5次卡",
            "kind": "uses",
            "uses": "5",
            "price": "300",
            "valid_days": "180",
            "item_ids": [str(haircut.pk)],
        },
    )
    assert answer.status_code == 302
    assert "剪发5次卡" in client.get("/console/punch-cards/").content.decode()


def test_the_unused_part_is_refunded_pro_rata_and_audited(client, salon, member, plan):  # noqa: F811
    """¥270 paid for 10 washes, 3 used: ¥189 back (7/10), the card closed, the audit log has it;
    what the shop owes on punch cards falls to nothing."""
    from regulars.audit.models import AuditEvent
    from regulars.punchcards import selectors

    owner, store, haircut, wash = salon
    _bill, held = _sell(owner, member, plan)
    for n in range(3):
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key=f"u{n}")
    owed = selectors.liability(owner.merchant)
    assert (owed.cards, owed.uses_left, owed.value) == (1, 7, Decimal("189.00"))
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    answer = client.post(
        f"/api/v1/merchant/punch-cards/{held.pk}/refunds",
        json.dumps({"reason": "搬家了", "idempotency_key": "refund-1"}),
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 201, answer.content
    assert answer.json() == {
        "card_id": held.pk,
        "amount": "189.00",
        "uses_taken": 7,
        "reason": "搬家了",
    }
    held.refresh_from_db()
    assert (held.status, held.uses_left) == ("refunded", 0)
    assert PunchEntry.objects.filter(card=held).aggregate(s=Sum("delta"))["s"] == 0
    assert AuditEvent.objects.get(action="punchcard.refund").amount == Decimal("-189.00")
    assert client.get("/api/v1/merchant/punch-card-liability", **headers).json() == {
        "cards": 0,
        "uses_left": 0,
        "value": "0.00",
    }
    with pytest.raises(DomainError) as again:
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="after")
    assert again.value.code == "wrong_state"


def test_a_period_card_refunds_by_whole_days_left(salon, member):  # noqa: F811
    owner, store, haircut, wash = salon
    monthly = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="洗车月卡", kind="period", price="300", valid_days=30, item_ids=[wash.pk]
        ),
    )
    counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[counter.LineIn(None, 1, plan_id=monthly.pk)],
        tenders=[counter.TenderIn("cash", "270")],
        idempotency_key="month",
    )
    held = PunchCard.objects.get(plan=monthly)
    # Ten days in: the last day is day 30, so 19 whole days are left of 30.
    with clock.pinned(clock.now() + dt.timedelta(days=10)):
        entry = punch.refund_card(
            actor=owner, card_id=held.pk, reason="出国", idempotency_key="month-back"
        )
    assert entry.amount == Decimal("171.00")  # 270 × 19 / 30


def test_one_reminder_a_week_before_the_last_day(salon, member, plan):  # noqa: F811
    from regulars.notifications.models import InboxMessage

    owner = salon[0]
    _bill, held = _sell(owner, member, plan)
    assert punch.remind_expiring() == 0  # 90 days ahead: nothing yet
    with clock.pinned(clock.now() + dt.timedelta(days=84)):
        assert punch.remind_expiring() == 1
        assert punch.remind_expiring() == 0  # once
    message = InboxMessage.objects.get(dedupe_key=f"punch-card:{held.pk}:expiry")
    assert message.user == member.consumer
    assert WASH_CARD in message.title and "10" in message.body


def test_a_punch_card_pays_a_line_of_a_bill_and_a_refund_gives_the_use_back(
    client,
    salon,
    member,  # noqa: F811
    plan,
):
    """The member's wash is paid by the card (one use), the haircut beside it in cash at the
    member price; refunding the wash line puts the use back; a used-up card refuses the bill."""
    owner, store, haircut, wash = salon
    _sale, held = _sell(owner, member, plan)
    bill = counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[
            counter.LineIn(wash.pk, 1, punch_number=held.number),
            counter.LineIn(haircut.pk, 1),
        ],
        tenders=[counter.TenderIn("cash", "61.20")],  # the haircut less 10%; the wash is covered
        idempotency_key="punched",
    )
    assert (bill.punch_value, bill.member_savings, bill.total) == (
        Decimal("128.50"),
        Decimal("6.80"),
        Decimal("61.20"),
    )
    washed = bill.lines.get(item=wash)
    assert (washed.punch_card_id, washed.punch_off, washed.paid) == (
        held.pk,
        Decimal("128.50"),
        Decimal("0.00"),
    )
    held.refresh_from_db()
    assert held.uses_left == 9
    counter.refund_bill(
        actor=owner,
        bill_id=bill.pk,
        lines=[counter.RefundLineIn(washed.pk)],
        reason="没洗成",
        idempotency_key="punch-back",
    )
    held.refresh_from_db()
    assert held.uses_left == 10
    assert PunchEntry.objects.filter(card=held).aggregate(s=Sum("delta"))["s"] == 10
    # Used up: a bill that wants one more use is refused whole, the cash line with it.
    PunchCard.objects.filter(pk=held.pk).update(uses_left=0, status="used_up")
    with pytest.raises(DomainError) as refused:
        counter.ring_up(
            actor=owner,
            card_id=member.pk,
            lines=[counter.LineIn(wash.pk, 1, punch_number=held.number)],
            tenders=[],
            idempotency_key="one-too-many",
        )
    assert refused.value.code == "no_uses_left"
    assert not bill.__class__.objects.filter(idempotency_key="one-too-many").exists()


def test_someone_elses_card_that_may_not_be_given_is_refused(salon, member, plan, card):  # noqa: F811
    owner, store, haircut, wash = salon
    _sale, held = _sell(owner, member, plan)
    with pytest.raises(DomainError) as refused:
        counter.ring_up(
            actor=owner,
            card_id=card.pk,  # another member of the shop
            lines=[counter.LineIn(wash.pk, 1, punch_number=held.number)],
            tenders=[],
            idempotency_key="not-mine",
        )
    assert refused.value.code == "wrong_state"
    held.refresh_from_db()
    assert held.uses_left == 10


def test_a_card_bought_online_is_issued_once_when_the_gateway_confirms(client, salon, plan):
    """The store page's Buy goes to the payment provider; the confirmed payment issues the card
    once (a replayed callback changes nothing), at the price paid, in the buyer's wallet."""
    from regulars.orders import payments
    from regulars.orders import services as order_services
    from regulars.orders.models import Payment
    from tests.conftest import make_person

    owner, store, haircut, wash = salon
    buyer = make_person("13800000888", "网上买卡")
    client.force_login(buyer)
    page = client.get(f"/stores/{store.pk}/").content.decode()
    assert f'action="/punch-cards/{plan.pk}/buy/"' in page
    answer = client.post(f"/punch-cards/{plan.pk}/buy/")
    payment = Payment.objects.get()
    assert answer["Location"] == f"/pay/sandbox/{payment.reference}/"
    assert (payment.amount, payment.purpose) == (Decimal("300.00"), f"punch:{plan.pk}")
    assert not PunchCard.objects.exists()  # nothing before the money arrives
    provider = payments.PROVIDERS["sandbox"]
    body = provider.callback_body(payment=payment, event_id="evt_punch")
    for _ in range(3):
        order_services.handle_callback(
            provider_key="sandbox", body=body, signature=provider.sign(body)
        )
    held = PunchCard.objects.get()
    assert (held.consumer, held.uses_left, held.price_paid) == (buyer, 10, Decimal("300.00"))
    assert "10 uses left" in client.get("/me/punch-cards/").content.decode()
    # The API starts the same purchase.
    started = client.post(
        f"/api/v1/punch-card-plans/{plan.pk}/purchases",
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=buyer)}",
    )
    assert started.status_code == 201 and "/pay/sandbox/" in started.json()["pay_url"]


def test_a_package_is_consumed_service_by_service(client, salon, member):  # noqa: F811
    """套餐: a haircut and a wash for ¥150, each once, in any order; a service used twice is
    refused; refunding the bill line that used one puts that service back."""
    owner, store, haircut, wash = salon
    package = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="洗剪吹+精洗套餐",
            kind="package",
            price="150",
            valid_days=60,
            item_ids=[haircut.pk, wash.pk],
        ),
    )
    assert package.uses == 2
    counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[counter.LineIn(None, 1, plan_id=package.pk)],
        tenders=[counter.TenderIn("cash", "135")],
        idempotency_key="package",
    )
    held = PunchCard.objects.get(plan=package)
    bill = counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[counter.LineIn(wash.pk, 1, punch_number=held.number)],
        tenders=[],
        idempotency_key="package-wash",
    )
    with pytest.raises(DomainError) as twice:
        punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="wash-2")
    assert twice.value.code == "already_used"
    client.force_login(owner.user)
    page = client.get(f"/console/punch-cards/use/?number={held.number}").content.decode()
    assert "data-services-left" in page and f'<option value="{haircut.pk}">' in page
    assert f'<option value="{wash.pk}">' not in page
    counter.refund_bill(actor=owner, bill_id=bill.pk, reason="没洗", idempotency_key="package-back")
    punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="wash-3")
    punch.use(actor=owner, number=held.number, item_id=haircut.pk, idempotency_key="cut-1")
    held.refresh_from_db()
    assert (held.uses_left, held.status) == (0, "used_up")


def test_two_shops_may_send_the_same_key(salon, member, plan):  # noqa: F811
    """Idempotency keys are the shop's own: another shop's "1" is not this shop's retry."""
    from tests.conftest import make_merchant, make_person, make_store

    owner, store, haircut, wash = salon
    _bill, held = _sell(owner, member, plan)
    other = make_merchant("13900000555", name="别家洗车", category="car-wash")
    other_store = make_store(other, name="别家洗车店", category="car-wash")
    from regulars.merchants import services as merchant_services

    other_wash = merchant_services.create_item(
        actor=other,
        store_id=other_store.pk,
        data=merchant_services.ItemInput(name="普洗", price="30"),
    )
    other_plan = punch.save_plan(
        actor=other,
        data=punch.PlanInput(
            name="普洗5次卡",
            kind="uses",
            uses=5,
            price="120",
            valid_days=30,
            item_ids=[other_wash.pk],
        ),
    )
    theirs = punch.issue_card(
        plan=other_plan,
        consumer=make_person("13800000555", "别家客人"),
        price_paid=Decimal("120"),
        idempotency_key="other-sale",
    )
    mine = punch.use(actor=owner, number=held.number, item_id=wash.pk, idempotency_key="1")
    other_use = punch.use(
        actor=other, number=theirs.number, item_id=other_wash.pk, idempotency_key="1"
    )
    assert mine.pk != other_use.pk and other_use.card_id == theirs.pk
    theirs.refresh_from_db()
    assert theirs.uses_left == 4
