"""Paying part of an online order with member-card points."""

import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.membership import services
from regulars.membership.models import PointsEntry
from regulars.orders import services as order_services
from regulars.orders.models import Order, OrderStatus, SettlementEntry
from tests.orders.test_orders import pay_by_sandbox

pytestmark = pytest.mark.django_db
PASSWORD = "258036"


@pytest.fixture
def rich(card, salon):
    services.adjust_points(
        actor=salon[0], card_id=card.pk, delta=5000, reason="开业赠送", idempotency_key="gift"
    )
    card.refresh_from_db()
    return card


def place(consumer, salon, points=None, password=PASSWORD, method="sandbox"):
    _owner, store, haircut, _wash = salon
    discounts = {"points": {"points": points, "password": password}} if points else {}
    return order_services.place_order(
        consumer=consumer,
        store_id=store.pk,
        lines=[(haircut.pk, 1)],
        payment_method=method,
        discounts=discounts,
    )


def test_points_take_money_off_and_the_buyer_pays_the_rest(rich, consumer, salon):
    order, pay_url = place(consumer, salon, points=3000)  # 100 points = ¥1: ¥30 off ¥68
    assert (order.total, order.discount, order.amount_due) == (
        Decimal("68.00"),
        Decimal("30.00"),
        Decimal("38.00"),
    )
    assert order.payments.get().amount == Decimal("38.00")
    rich.refresh_from_db()
    assert rich.points == 2000
    pay_by_sandbox(order)
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    order_services.confirm_receipt(consumer=consumer, order_id=order.pk)
    # The merchant's sale is what the buyer paid; points are earned on it too, not on ¥68.
    assert SettlementEntry.objects.get(order=order).gross == Decimal("38.00")
    rich.refresh_from_db()
    assert rich.points == 2000 + 38


def test_points_above_the_programs_cap_are_refused_and_nothing_changes(rich, consumer, salon):
    with pytest.raises(DomainError, match="at most 50") as refused:
        place(consumer, salon, points=4000)  # ¥40 off a ¥68 bill: over half
    assert refused.value.code == "above_cap"
    assert not Order.objects.exists()
    rich.refresh_from_db()
    assert rich.points == 5000


def test_below_the_minimum_or_more_than_held_is_refused(rich, consumer, salon):
    with pytest.raises(DomainError, match="at least 100"):
        place(consumer, salon, points=50)
    services.adjust_points(
        actor=salon[0], card_id=rich.pk, delta=-4900, reason="更正", idempotency_key="fix"
    )
    with pytest.raises(DomainError, match="not enough"):
        place(consumer, salon, points=3000)
    assert not Order.objects.exists()


def test_a_wrong_password_places_no_order_but_counts_towards_the_lockout(rich, consumer, salon):
    with pytest.raises(DomainError, match="Wrong consumption password"):
        place(consumer, salon, points=1000, password="000000")
    assert not Order.objects.exists()
    rich.refresh_from_db()
    assert rich.points == 5000 and rich.failed_password_attempts == 1


@pytest.mark.parametrize("how", ["refund", "cancel", "stale"])
def test_points_come_back_when_the_order_is_not_used(rich, consumer, salon, how):
    order, pay_url = place(consumer, salon, points=2000)
    if how == "refund":
        pay_by_sandbox(order)
        order_services.refund_order(consumer=consumer, order_id=order.pk)
    elif how == "cancel":
        order_services.cancel_order(consumer=consumer, order_id=order.pk)
    else:
        order_services.expire_orders(now=clock.now() + dt.timedelta(days=1))
        order_services.expire_orders(now=clock.now() + dt.timedelta(days=2))  # once only
    rich.refresh_from_db()
    assert rich.points == 5000
    assert [entry.delta for entry in PointsEntry.objects.filter(card=rich)] == [5000, -2000, 2000]


def test_points_covering_the_whole_bill_make_the_order_paid_at_once(rich, consumer, salon):
    program = rich.program
    program.max_redeem_percent = 100
    program.save()
    order, pay_url = place(consumer, salon, points=6800 - 1900)  # ¥49 of ¥68
    assert order.status == OrderStatus.PENDING_PAYMENT and pay_url
    services.adjust_points(
        actor=salon[0], card_id=rich.pk, delta=6700, reason="活动", idempotency_key="more"
    )
    paid, pay_url = place(consumer, salon, points=6800)
    assert paid.status == OrderStatus.PAID and pay_url is None and paid.amount_due == 0


def test_the_buy_page_offers_points_and_uses_them(client, rich, consumer, salon):
    _owner, _store, haircut, _wash = salon
    client.force_login(consumer)
    page = client.get(f"/buy/{haircut.pk}/").content.decode()
    assert "You have 5000 points" in page
    refused = client.post(
        f"/buy/{haircut.pk}/",
        {f"qty_{haircut.pk}": 1, "payment_method": "sandbox", "points": 1000},
    )
    assert refused.status_code == 400 and "Wrong consumption password" in refused.content.decode()
    placed = client.post(
        f"/buy/{haircut.pk}/",
        {
            f"qty_{haircut.pk}": 1,
            "payment_method": "sandbox",
            "points": 1000,
            "points_password": PASSWORD,
        },
    )
    assert placed.status_code == 302
    order = Order.objects.get()
    assert order.amount_due == Decimal("58.00")
    page = client.get(f"/me/orders/{order.pk}/").content.decode()
    assert "1000 points" in page and "¥58.00" in page


def test_the_api_takes_points(client, rich, consumer, salon, api_token):
    _owner, store, haircut, _wash = salon
    response = client.post(
        "/api/v1/orders",
        {
            "store_id": store.pk,
            "lines": [{"item_id": haircut.pk, "quantity": 1}],
            "points": {"points": 1500, "password": PASSWORD},
        },
        content_type="application/json",
        **api_token(consumer),
    )
    assert response.status_code == 201, response.content
    body = response.json()["order"]
    assert body["amount_due"] == "53.00"
    assert body["discounts"] == [{"source": "points", "label": "1500 points", "amount": "15.00"}]
    refused = client.post(
        "/api/v1/orders",
        {
            "store_id": store.pk,
            "lines": [{"item_id": haircut.pk, "quantity": 1}],
            "points": {"points": 4000, "password": PASSWORD},
        },
        content_type="application/json",
        **api_token(consumer),
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "points"
