from decimal import Decimal

import pytest

from regulars.core.errors import DomainError
from regulars.membership import services
from regulars.orders import services as order_services
from regulars.orders.models import Order, OrderStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def funded(card):
    services.top_up(card_id=card.pk, amount="500", idempotency_key="fund")  # + ¥50 bonus
    return card


def place(consumer, salon, method="card", quantity=1):
    _owner, store, haircut, _wash = salon
    order, _ = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, quantity)], payment_method=method
    )
    return order


def test_an_order_paid_from_the_card_is_paid_and_the_balance_drops(funded, consumer, salon):
    order = place(consumer, salon)
    paid = services.pay_order(consumer=consumer, order_id=order.pk, password="258036")
    assert paid.status == OrderStatus.PAID
    funded.refresh_from_db()
    assert funded.balance == Decimal("482.00")
    again = services.pay_order
    with pytest.raises(DomainError):
        again(consumer=consumer, order_id=order.pk, password="258036")
    funded.refresh_from_db()
    assert funded.balance == Decimal("482.00")


def test_a_wrong_password_pays_nothing(funded, consumer, salon):
    order = place(consumer, salon)
    with pytest.raises(DomainError, match="Wrong consumption password"):
        services.pay_order(consumer=consumer, order_id=order.pk, password="000000")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT
    funded.refresh_from_db()
    assert funded.balance == Decimal("550.00")


def test_not_enough_balance_is_refused(funded, consumer, salon):
    order = place(consumer, salon, quantity=9)  # ¥612
    with pytest.raises(DomainError, match="less than"):
        services.pay_order(consumer=consumer, order_id=order.pk, password="258036")
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PENDING_PAYMENT


def test_a_refunded_card_order_returns_the_money_to_the_card(funded, consumer, salon):
    order = place(consumer, salon)
    services.pay_order(consumer=consumer, order_id=order.pk, password="258036")
    order_services.refund_order(consumer=consumer, order_id=order.pk)
    funded.refresh_from_db()
    assert funded.balance == Decimal("550.00") and funded.principal == Decimal("500.00")


def test_the_buy_page_offers_the_card_only_to_members(client, funded, consumer, salon):
    from tests.conftest import make_person

    _owner, _store, haircut, _wash = salon
    client.force_login(consumer)
    assert "Member card (balance ¥550.00)" in client.get(f"/buy/{haircut.pk}/").content.decode()
    response = client.post(
        f"/buy/{haircut.pk}/", {f"qty_{haircut.pk}": 1, "payment_method": "card"}
    )
    order = Order.objects.get()
    assert response["Location"] == f"/me/orders/{order.pk}/pay-with-card/"
    assert client.post(response["Location"], {"password": "258036"}).status_code == 302
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
    stranger = make_person("13800000121")
    client.force_login(stranger)
    assert "Member card" not in client.get(f"/buy/{haircut.pk}/").content.decode()
    refused = client.post(f"/buy/{haircut.pk}/", {f"qty_{haircut.pk}": 1, "payment_method": "card"})
    assert refused.status_code == 400
