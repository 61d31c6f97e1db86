"""Welcome gifts: opening a card (开卡礼) and a first visit (新人礼) give what the shop set — a
coupon, points, a punch card — once per person."""

import json

import pytest

from regulars.accounts.services import create_api_token
from regulars.core.errors import DomainError
from regulars.customers import services
from regulars.customers.models import GiftGiven
from regulars.membership import services as cards
from regulars.membership.models import Card
from regulars.orders import services as order_services
from regulars.promotions.models import Coupon
from regulars.punchcards import services as punch
from regulars.punchcards.models import PunchCard
from tests.conftest import make_merchant
from tests.orders.test_orders import pay_by_sandbox
from tests.promotions.conftest import make_campaign


@pytest.fixture
def gifts(salon):
    owner, store, haircut, wash = salon
    cards.design_program(actor=owner, title="会员卡", published=True)
    plan = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="体验洗车卡", kind="uses", uses=1, price="40", valid_days=30, item_ids=[wash.pk]
        ),
    )
    services.save_gift(actor=owner, occasion="card_opened", points=200, punch_plan_id=plan.pk)
    welcome = make_campaign(owner, amount="10", claim_mode="issued")
    services.save_gift(actor=owner, occasion="first_visit", campaign_id=welcome.pk)
    return welcome


def test_opening_a_card_gives_points_and_a_punch_card_once(salon, gifts, consumer):
    owner = salon[0]
    card = cards.apply_for_card(consumer=consumer, merchant_id=owner.merchant.pk)
    assert Card.objects.get(pk=card.pk).points == 200
    assert PunchCard.objects.get(consumer=consumer).plan.name == "体验洗车卡"
    # Once per person: a card given again (after its holder left and came back) gives nothing.
    services.give_welcome_gift(
        merchant_id=owner.merchant.pk, consumer=consumer, occasion="card_opened"
    )
    assert Card.objects.get(pk=card.pk).points == 200 and PunchCard.objects.count() == 1


def test_the_first_visit_gives_the_welcome_coupon_once(salon, gifts, consumer):
    owner, store, haircut, wash = salon
    for n in range(2):
        order, _url = order_services.place_order(
            consumer=consumer, store_id=store.pk, lines=[(wash.pk, 1)], payment_method="sandbox"
        )
        pay_by_sandbox(order, event_id=f"gift-{n}")
        order_services.confirm_consumption(actor=owner, code=order.code)
    assert Coupon.objects.filter(campaign=gifts, consumer=consumer).count() == 1
    assert GiftGiven.objects.filter(consumer=consumer, occasion="first_visit").count() == 1


def test_gift_settings_refuse_what_is_not_the_shops(client, salon, gifts):
    owner = salon[0]
    stranger = make_merchant("13900000778", name="别家店")
    theirs = make_campaign(stranger, amount="5", claim_mode="issued")
    with pytest.raises(DomainError) as refused:
        services.save_gift(actor=owner, occasion="first_visit", campaign_id=theirs.pk)
    assert refused.value.field == "campaign_id"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    listed = client.get("/api/v1/merchant/welcome-gifts", **headers).json()
    assert [g["occasion"] for g in listed] == ["card_opened", "first_visit"]
    assert listed[0]["points"] == 200
    saved = client.put(
        "/api/v1/merchant/welcome-gifts",
        json.dumps({"occasion": "first_visit", "points": 50, "is_active": True}),
        content_type="application/json",
        **headers,
    )
    assert saved.status_code == 200 and saved.json()["campaign_id"] is None
    client.force_login(owner.user)
    page = client.get("/console/customers/welcome-gifts/").content.decode()
    assert 'data-gift="card_opened"' in page and 'data-gift="first_visit"' in page
