"""Points for a catalogue item: online (an order paid with points) and at the till."""

from decimal import Decimal

import pytest

from regulars.core.errors import DomainError
from regulars.membership import services
from regulars.membership.models import PointsEntry
from regulars.merchants import services as merchant_services
from regulars.orders import services as order_services
from regulars.orders.models import OrderStatus, SettlementEntry
from tests.conftest import make_merchant, make_store

pytestmark = pytest.mark.django_db
PASSWORD = "258036"


@pytest.fixture
def rewarded(card, salon):
    owner, _store, haircut, wash = salon
    services.adjust_points(
        actor=owner, card_id=card.pk, delta=1000, reason="开业赠送", idempotency_key="gift"
    )
    reward = services.set_reward(actor=owner, item_id=wash.pk, points=800)
    card.refresh_from_db()
    return card, reward


def test_a_consumer_exchanges_points_for_a_service_and_uses_it_in_the_shop(
    rewarded, consumer, salon
):
    card, reward = rewarded
    order = services.exchange_reward(
        consumer=consumer, reward_id=reward.pk, password=PASSWORD, merchant_id=card.merchant_id
    )
    assert order.status == OrderStatus.PAID and order.amount_due == Decimal("0.00")
    card.refresh_from_db()
    assert card.points == 200
    order_services.confirm_consumption(actor=salon[0], code=order.code)
    assert SettlementEntry.objects.get(order=order).gross == Decimal("0.00")
    card.refresh_from_db()
    assert card.points == 200  # a free service earns nothing


def test_not_enough_points_or_a_wrong_password_exchanges_nothing(rewarded, consumer, salon):
    card, reward = rewarded
    with pytest.raises(DomainError, match="Wrong consumption password"):
        services.exchange_reward(
            consumer=consumer, reward_id=reward.pk, password="111111", merchant_id=card.merchant_id
        )
    services.set_reward(actor=salon[0], item_id=reward.item_id, points=1200)
    with pytest.raises(DomainError, match="not enough"):
        services.exchange_reward(
            consumer=consumer, reward_id=reward.pk, password=PASSWORD, merchant_id=card.merchant_id
        )
    card.refresh_from_db()
    assert card.points == 1000 and not card.consumer.orders.exists()


def test_a_cancelled_exchange_gives_the_points_back(rewarded, consumer):
    card, reward = rewarded
    order = services.exchange_reward(
        consumer=consumer, reward_id=reward.pk, password=PASSWORD, merchant_id=card.merchant_id
    )
    order_services.refund_order(consumer=consumer, order_id=order.pk)
    card.refresh_from_db()
    assert card.points == 1000


def test_a_withdrawn_reward_or_another_shops_service_is_refused(rewarded, consumer, salon):
    card, reward = rewarded
    other = make_merchant("13900000077", name="别家")
    other_item = merchant_services.create_item(
        actor=other,
        store_id=make_store(other).pk,
        data=merchant_services.ItemInput(name="别家服务", price="10", buyable=True),
    )
    with pytest.raises(DomainError, match="one of your services"):
        services.set_reward(actor=salon[0], item_id=other_item.pk, points=10)
    services.set_reward(actor=salon[0], item_id=reward.item_id, points=0)
    with pytest.raises(DomainError, match="not offered any more"):
        services.exchange_reward(
            consumer=consumer, reward_id=reward.pk, password=PASSWORD, merchant_id=card.merchant_id
        )


def test_the_cashier_redeems_a_reward_at_the_till(rewarded, salon, client):
    card, reward = rewarded
    owner = salon[0]
    client.force_login(owner.user)
    page = client.get(f"/console/members/{card.pk}/").content.decode()
    assert "精洗打蜡 for 800 points" in page
    refused = client.post(
        f"/console/members/{card.pk}/",
        {"action": "reward", "reward": reward.pk, "password": "000000", "idempotency_key": "k1"},
    )
    assert refused.status_code == 400 and "Wrong consumption password" in refused.content.decode()
    done = client.post(
        f"/console/members/{card.pk}/",
        {"action": "reward", "reward": reward.pk, "password": PASSWORD, "idempotency_key": "k2"},
    )
    assert done.status_code == 302
    again = client.post(
        f"/console/members/{card.pk}/",
        {"action": "reward", "reward": reward.pk, "password": PASSWORD, "idempotency_key": "k2"},
    )
    assert again.status_code == 302  # the same request again moves nothing
    card.refresh_from_db()
    assert card.points == 200
    assert (
        PointsEntry.objects.filter(card=card, delta=-800).get().reason == "Exchanged for 精洗打蜡"
    )


def test_the_owner_sets_rewards_on_the_tiers_page(client, program, salon):
    owner, _store, _haircut, wash = salon
    client.force_login(owner.user)
    saved = client.post("/console/card/tiers/", {"reward": "1", "item": wash.pk, "points": 500})
    assert saved.status_code == 302
    assert "500 points" in client.get("/console/card/tiers/").content.decode()
    refused = client.post("/console/card/tiers/", {"reward": "1", "item": wash.pk, "points": -5})
    assert refused.status_code == 400


def test_the_card_page_offers_rewards_and_exchanges_them(client, rewarded, consumer):
    card, reward = rewarded
    client.force_login(consumer)
    page = client.get(f"/me/cards/{card.pk}/").content.decode()
    assert "精洗打蜡" in page and "800 points" in page
    response = client.post(
        f"/me/cards/{card.pk}/rewards/{reward.pk}/exchange/", {"password": PASSWORD}
    )
    order = consumer.orders.get()
    assert response["Location"] == f"/me/orders/{order.pk}/"
    assert "800 points" in client.get(response["Location"]).content.decode()


def test_the_api_lists_exchanges_and_redeems_rewards(client, rewarded, consumer, salon, api_token):
    card, reward = rewarded
    listed = client.get(f"/api/v1/cards/{card.pk}/rewards", **api_token(consumer)).json()
    assert listed == [
        {
            "id": reward.pk,
            "item_id": reward.item_id,
            "item_name": "精洗打蜡",
            "price": str(reward.item.price),
            "points": 800,
            "online": True,
        }
    ]
    made = client.post(
        f"/api/v1/cards/{card.pk}/rewards/{reward.pk}/exchange",
        {"password": PASSWORD},
        content_type="application/json",
        **api_token(consumer),
    )
    assert made.status_code == 201 and made.json()["status"] == "paid"
    owner = salon[0]
    put = client.put(
        "/api/v1/merchant/card-program/rewards",
        {"item_id": reward.item_id, "points": 100},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert put.status_code == 200 and put.json()["points"] == 100
    redeemed = client.post(
        f"/api/v1/merchant/cards/{card.pk}/reward-redemptions",
        {"reward_id": reward.pk, "password": PASSWORD, "idempotency_key": "api-1"},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert redeemed.status_code == 201 and redeemed.json()["delta"] == -100
