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


def test_an_online_top_up_credits_the_card_once_when_the_gateway_confirms(client, card, consumer):
    from regulars.orders import payments
    from regulars.orders import services as order_services
    from regulars.orders.models import Payment

    client.force_login(consumer)
    response = client.post(f"/me/cards/{card.pk}/top-up/", {"amount": "500"})
    payment = Payment.objects.get()
    assert response["Location"] == f"/pay/sandbox/{payment.reference}/"
    assert payment.order is None and payment.payer == consumer
    provider = payments.PROVIDERS["sandbox"]
    body = provider.callback_body(payment=payment, event_id="evt_topup")
    for _ in range(3):
        order_services.handle_callback(
            provider_key="sandbox", body=body, signature=provider.sign(body)
        )
    card.refresh_from_db()
    assert (card.principal, card.bonus) == (Decimal("500.00"), Decimal("50.00"))
    assert client.post(f"/me/cards/{card.pk}/top-up/", {"amount": "0"}).status_code == 302
    assert Payment.objects.count() == 1


def test_the_sandbox_gateway_page_tops_up_and_returns_to_the_card(
    client, card, consumer, django_capture_on_commit_callbacks
):
    from regulars.orders.models import Payment

    client.force_login(consumer)
    pay_url = client.post(f"/me/cards/{card.pk}/top-up/", {"amount": "100"})["Location"]
    assert client.get(pay_url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):  # the gateway's asynchronous callback
        back = client.post(pay_url, {"outcome": "pay"})
    assert back["Location"] == f"/me/cards/{card.pk}/"
    card.refresh_from_db()
    assert card.balance == Decimal("100.00")
    assert Payment.objects.get().status == "succeeded"


def test_a_gold_member_pays_the_member_price_online_and_at_the_till(client, salon, consumer):
    """The tier's discount is the member price: online it comes off the order by itself, at the
    till off the bill the cashier types; in Chinese it reads 95折."""
    from django.utils import translation

    from regulars.membership.models import Card, Tier

    owner, store, haircut, _wash = salon
    services.design_program(actor=owner, title="会员卡", published=True)
    card = services.apply_for_card(consumer=consumer, merchant_id=owner.merchant.pk)
    gold = Tier.objects.get(program=card.program, rank=3)
    Tier.objects.filter(pk=gold.pk).update(discount_percent=Decimal("5"))
    Card.objects.filter(pk=card.pk).update(tier=gold)
    order, _url = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="store"
    )
    assert (order.total, order.discount, order.amount_due) == (
        Decimal("68.00"),
        Decimal("3.40"),
        Decimal("64.60"),
    )
    [member_line] = order.discounts.all()
    assert member_line.source == "member" and gold.name in member_line.label
    # The buyer cannot ask for the member price a second time.
    with pytest.raises(DomainError):
        order_services.place_order(
            consumer=consumer,
            store_id=store.pk,
            lines=[(haircut.pk, 1)],
            payment_method="store",
            discounts={"member": {}},
        )
    purchase = services.till_record_purchase(
        actor=owner, number=card.number, amount="200", idempotency_key="gold-1"
    )
    assert purchase.amount == Decimal("190.00")
    listed = services.till_record_purchase(
        actor=owner,
        number=card.number,
        amount="200",
        idempotency_key="gold-2",
        apply_member_price=False,
    )
    assert listed.amount == Decimal("200.00")
    with translation.override("zh-hans"):
        client.force_login(owner.user)
        client.cookies["django_language"] = "zh-hans"
        page = client.get(f"/console/members/{card.pk}/").content.decode()
        assert "95折" in page
        design = client.get("/console/card/").content.decode()
        assert "95折" in design


def test_an_items_own_member_price_comes_off_an_online_order(salon, consumer):
    """A service's own member price (会员价) applies online too, for any card holder, even in a
    tier that takes nothing off; a buyer without a card pays the price."""
    from regulars.merchants.models import CatalogItem
    from tests.conftest import make_person

    owner, store, _haircut, wash = salon
    CatalogItem.objects.filter(pk=wash.pk).update(member_price=Decimal("99"))
    services.design_program(actor=owner, title="会员卡", published=True)
    services.apply_for_card(consumer=consumer, merchant_id=owner.merchant.pk)
    order, _url = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(wash.pk, 2)], payment_method="store"
    )
    assert (order.total, order.discount) == (Decimal("257.00"), Decimal("59.00"))
    stranger = make_person("13800000777", "路人")
    plain, _url = order_services.place_order(
        consumer=stranger, store_id=store.pk, lines=[(wash.pk, 1)], payment_method="store"
    )
    assert plain.discount == 0
