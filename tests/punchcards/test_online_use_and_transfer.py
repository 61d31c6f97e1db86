"""A punch card used online (an order, a booking) and given to someone else; what is owed on
punch cards beside stored value."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db.models import Sum

from regulars.audit.models import AuditEvent
from regulars.core.errors import DomainError
from regulars.orders import services as orders
from regulars.orders.models import Order, Reservation
from regulars.punchcards import services as punch
from regulars.punchcards.models import PunchCard, PunchEntry
from tests.conftest import make_person
from tests.team.conftest import at

CUT_CARD = "剪发3次卡"


@pytest.fixture
def held(salon, consumer):
    """The consumer holds a transferable card of three haircuts, bought for ¥180."""
    owner, store, haircut, wash = salon
    plan = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name=CUT_CARD,
            kind="uses",
            uses=3,
            price="180",
            valid_days=90,
            item_ids=[haircut.pk],
            transferable=True,
        ),
    )
    return punch.issue_card(
        plan=plan, consumer=consumer, price_paid=Decimal("180"), idempotency_key="sold"
    )


def _left(card) -> int:
    return PunchCard.objects.get(pk=card.pk).uses_left


def test_an_order_paid_with_the_card_takes_uses_and_gives_them_back(salon, consumer, held):
    owner, store, haircut, wash = salon
    order, pay_url = orders.place_order(
        consumer=consumer,
        store_id=store.pk,
        lines=[(haircut.pk, 2)],
        payment_method="store",
        discounts={"punch": {"number": held.number}},
    )
    assert pay_url is None and order.status == "paid" and order.amount_due == 0
    assert order.discount == Decimal("136.00") and _left(held) == 1
    orders.refund_order(consumer=consumer, order_id=order.pk)
    assert _left(held) == 3
    assert PunchEntry.objects.filter(card=held).aggregate(s=Sum("delta"))["s"] == 3
    # The wash is not covered: it stays to pay, the haircut comes off.
    mixed, _url = orders.place_order(
        consumer=consumer,
        store_id=store.pk,
        lines=[(haircut.pk, 1), (wash.pk, 1)],
        payment_method="store",
        discounts={"punch": {"number": held.number}},
    )
    assert mixed.amount_due == Decimal("128.50") and _left(held) == 2
    orders.cancel_order(consumer=consumer, order_id=mixed.pk)
    assert _left(held) == 3


def test_an_order_with_a_card_that_is_not_theirs_is_refused_whole(salon, held):
    _owner, store, haircut, _wash = salon
    stranger = make_person("13800000881")
    with pytest.raises(DomainError) as refused:
        orders.place_order(
            consumer=stranger,
            store_id=store.pk,
            lines=[(haircut.pk, 1)],
            payment_method="store",
            discounts={"punch": {"number": held.number}},
        )
    assert refused.value.code == "unknown_choice"
    assert not Order.objects.exists() and _left(held) == 3


def test_the_buy_page_offers_the_card(client, salon, consumer, held):
    _owner, store, haircut, _wash = salon
    client.force_login(consumer)
    page = client.get(f"/buy/{haircut.pk}/").content.decode()
    assert CUT_CARD in page and "punch_card" in page
    done = client.post(
        f"/buy/{haircut.pk}/",
        {f"qty_{haircut.pk}": "1", "payment_method": "store", "punch_card": held.number},
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    assert Order.objects.get().status == "paid" and _left(held) == 2


def test_a_booking_paid_with_the_card_holds_a_use_until_cancelled(salon, consumer, held):
    owner, _store, haircut, _wash = salon
    tomorrow = at(dt.date(2026, 11, 24), 15)
    booked = orders.book(
        consumer=consumer,
        item_id=haircut.pk,
        starts_at=tomorrow,
        prepaid_with=f"punch:{held.number}",
    )
    assert booked.prepaid_with == f"punch:{held.number}" and _left(held) == 2
    orders.cancel_reservation(consumer=consumer, reservation_id=booked.pk)
    assert _left(held) == 3
    again = orders.book(
        consumer=consumer,
        item_id=haircut.pk,
        starts_at=tomorrow,
        prepaid_with=f"punch:{held.number}",
    )
    orders.decline_reservation(actor=owner, reservation_id=again.pk, reason="师傅请假")
    assert _left(held) == 3
    served = orders.book(
        consumer=consumer,
        item_id=haircut.pk,
        starts_at=tomorrow,
        prepaid_with=f"punch:{held.number}",
    )
    orders.confirm_reservation(actor=owner, reservation_id=served.pk)
    assert _left(held) == 2  # served or missed, the visit is used
    with pytest.raises(DomainError):
        orders.book(
            consumer=consumer,
            item_id=haircut.pk,
            starts_at=at(dt.date(2026, 11, 24), 16),
            prepaid_with="punch:000000000000",
        )
    assert Reservation.objects.filter(status__in=["requested", "confirmed"]).count() == 1


def test_a_card_given_to_someone_else(client, salon, consumer, held, api_token):
    owner, _store, _haircut, _wash = salon
    friend = make_person("13800000882", "朋友")
    unverified = make_person("13800000883", verified=False)
    for phone in ("13800000883", "not a phone", "13800000884", consumer.phone):
        with pytest.raises(DomainError):
            punch.transfer(consumer=consumer, card_id=held.pk, to_phone=phone, idempotency_key="t")
    assert PunchCard.objects.get(pk=held.pk).consumer == consumer
    given = client.post(
        f"/api/v1/punch-cards/{held.pk}/transfers",
        {"to_phone": "138 0000 0882", "idempotency_key": "gift-1"},
        content_type="application/json",
        **api_token(consumer),
    )
    assert given.status_code == 201, given.content
    assert PunchCard.objects.get(pk=held.pk).consumer == friend
    assert given.json()["history"][0]["kind"] == "transfer"
    assert AuditEvent.objects.filter(action="punchcard.transfer").count() == 1
    # The giver cannot give it again; the receiver sees it in their wallet.
    again = client.post(
        f"/api/v1/punch-cards/{held.pk}/transfers",
        {"to_phone": "13800000882", "idempotency_key": "gift-2"},
        content_type="application/json",
        **api_token(consumer),
    )
    assert again.status_code == 404
    client.force_login(friend)
    assert CUT_CARD in client.get("/me/punch-cards/").content.decode()
    assert unverified.pk  # never the receiver


def test_a_card_that_is_not_transferable_stays(salon, consumer, held):
    owner, _store, haircut, _wash = salon
    held.plan.transferable = False
    held.plan.save()
    make_person("13800000885")
    with pytest.raises(DomainError) as refused:
        punch.transfer(
            consumer=consumer, card_id=held.pk, to_phone="13800000885", idempotency_key="x"
        )
    assert refused.value.code == "wrong_state"


def test_what_is_owed_on_punch_cards_shows_beside_stored_value(client, salon, held, api_token):
    owner = salon[0]
    answer = client.get("/api/v1/merchant/cards/liability", **api_token(owner.user))
    owed = {row["key"]: row for row in answer.json()["prepaid"]}
    assert Decimal(owed["punch_cards"]["value"]) == Decimal("180.00")
    assert owed["punch_cards"]["cards"] == 1
    client.force_login(owner.user)
    page = client.get("/console/members/").content.decode()
    assert 'data-prepaid="punch_cards"' in page and "¥180.00" in page


def test_the_customer_file_lists_their_punch_cards(client, salon, consumer, held):
    from regulars.customers.models import Customer

    owner = salon[0]
    customer, _new = Customer.objects.get_or_create(
        merchant=owner.merchant, consumer=consumer, defaults={"name": "顾客"}
    )
    client.force_login(owner.user)
    page = client.get(f"/console/customers/{customer.pk}/").content.decode()
    assert "data-customer-punch-cards" in page and CUT_CARD in page
    assert f"/console/punch-cards/use/?number={held.number}" in page


def test_garbage_on_the_wallet_and_use_pages_is_refused_not_a_crash(client, salon, consumer, held):
    owner = salon[0]
    client.force_login(consumer)
    for junk in ("abc", "", "9" * 30):
        answer = client.post("/me/punch-cards/", {"card_id": junk, "to_phone": "13800000882"})
        assert answer.status_code == 404
    client.force_login(owner.user)
    used = client.post(
        "/console/punch-cards/use/", {"number": held.number, "item_id": "x", "key": "k1"}
    )
    assert used.status_code in (200, 400) and _left(held) == 3
