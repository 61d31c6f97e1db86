"""Value levels, thresholds, the two matrices, referrals, habits, next offer and lifetime value."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from regulars.core import clock
from regulars.core.errors import DomainError, PermissionDenied
from regulars.customers import behaviour
from regulars.customers import services as customer_services
from regulars.customers.models import Customer, LevelChange, ValueLevel
from regulars.merchants.models import Role
from regulars.merchants.permissions import StaffContext
from regulars.orders import services as order_services
from regulars.orders.models import Order
from regulars.outreach import services as outreach_services
from regulars.promotions.models import Campaign
from regulars.relationships import selectors as relationship_selectors
from regulars.reviews.models import Review
from tests.conftest import make_person
from tests.customers.test_directory import buy_and_use
from tests.customers.test_scores import customer as scored_customer
from tests.orders.test_orders import pay_by_sandbox
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db

METALS = [
    ("银卡", Decimal("100")),
    ("金卡", Decimal("200")),
    ("白金卡", Decimal("500")),
]


def test_a_visit_that_crosses_a_threshold_upgrades_at_once(salon, consumer):
    owner = salon[0]
    customer_services.save_value_levels(actor=owner, levels=METALS)
    buy_and_use(consumer, salon, "v1")  # ¥68
    found = Customer.objects.get(consumer=consumer)
    assert found.value_level is None
    buy_and_use(consumer, salon, "v2")  # ¥136: silver
    found.refresh_from_db()
    assert found.value_level.name == "银卡"
    buy_and_use(consumer, salon, "v3")  # ¥204: gold
    found.refresh_from_db()
    assert found.value_level.name == "金卡"
    moves = [(c.before and c.before.name, c.after.name) for c in found.level_changes.all()]
    assert moves == [("银卡", "金卡"), (None, "银卡")]
    assert any("金卡" in event.what for event in relationship_selectors.timeline(found))


def test_changing_the_ladder_places_everyone_again_and_keeps_history(salon):
    owner = salon[0]
    now = clock.now()
    big = scored_customer(
        owner.merchant, 1, visits=3, spend=450, first_days_ago=30, last_days_ago=1, now=now
    )
    small = scored_customer(
        owner.merchant, 2, visits=1, spend=90, first_days_ago=3, last_days_ago=3, now=now
    )
    customer_services.save_value_levels(actor=owner, levels=METALS)
    big.refresh_from_db(), small.refresh_from_db()
    assert (big.value_level.name, small.value_level) == ("金卡", None)
    gold = big.value_level_id
    # Swap the thresholds of two kept levels and drop one: no collision, gold keeps its id.
    customer_services.save_value_levels(
        actor=owner, levels=[("金卡", Decimal("80")), ("银卡", Decimal("50"))]
    )
    big.refresh_from_db(), small.refresh_from_db()
    assert big.value_level_id == gold and small.value_level.name == "金卡"
    assert not ValueLevel.objects.filter(name="白金卡").exists()


@pytest.mark.parametrize(
    "levels, field_message",
    [
        ([("金", Decimal("1")), ("金", Decimal("2"))], "own name"),
        ([("金", Decimal("1")), ("银", Decimal("1"))], "same spend"),
        ([("金", Decimal("-1"))], "0 or more"),
        ([(f"L{i}", Decimal(i)) for i in range(9)], "At most 8"),
        ([("名" * 21, Decimal("1"))], "20 characters"),
    ],
)
def test_bad_ladders_are_refused_and_change_nothing(salon, levels, field_message):
    owner = salon[0]
    customer_services.save_value_levels(actor=owner, levels=METALS)
    with pytest.raises(DomainError, match=field_message):
        customer_services.save_value_levels(actor=owner, levels=levels)
    assert [(v.name, v.min_spend) for v in ValueLevel.objects.all()] == METALS


def test_a_cashier_cannot_change_levels_or_thresholds(client, salon):
    owner = salon[0]
    cashier = StaffContext(user=owner.user, merchant=owner.merchant, role=Role.CASHIER)
    with pytest.raises(PermissionDenied):
        customer_services.save_value_levels(actor=cashier, levels=METALS)
    with pytest.raises(PermissionDenied):
        customer_services.save_directory_settings(
            actor=cashier,
            lapse_grace_days=1,
            high_value_score=4,
            high_loyalty_score=4,
            high_influence=1,
            high_satisfaction=Decimal("4"),
        )
    assert not ValueLevel.objects.exists()


def test_the_merchant_sets_the_churn_grace(client, salon):
    owner = salon[0]
    now = clock.now()
    # Every 7 days, silent for 12 days: 5 past the cycle.
    weekly = scored_customer(
        owner.merchant, 3, visits=8, spend=500, first_days_ago=61, last_days_ago=12, now=now
    )
    customer_services.score_customers(now=now)
    weekly.refresh_from_db()
    assert weekly.churn_risk  # default grace: 3 days
    client.force_login(owner.user)
    response = client.post(
        "/console/customers/settings/",
        {
            "form": "thresholds",
            "lapse_grace_days": "7",
            "high_value_score": "4",
            "high_loyalty_score": "4",
            "high_influence": "1",
            "high_satisfaction": "4.0",
        },
    )
    assert response.status_code == 302
    weekly.refresh_from_db()
    assert not weekly.churn_risk
    refused = client.post(
        "/console/customers/settings/",
        {
            "form": "thresholds",
            "lapse_grace_days": "-1",
            "high_value_score": "9",
            "high_loyalty_score": "4",
            "high_influence": "1",
            "high_satisfaction": "4.0",
        },
    )
    assert refused.status_code == 400
    assert behaviour.settings_of(owner.merchant).lapse_grace_days == 7


def test_the_ladder_page_with_a_preset(client, salon):
    owner = salon[0]
    client.force_login(owner.user)
    page = client.get("/console/customers/settings/?preset=metals").content.decode()
    assert 'value="Diamond"' in page or 'value="钻石卡"' in page or "Diamond" in page
    posted = client.post(
        "/console/customers/settings/",
        {"form": "levels", "name_0": "银卡", "min_spend_0": "500", "name_1": "金卡"},
    )
    assert posted.status_code == 400  # gold has no threshold
    assert "Give the spend that reaches this level." in posted.content.decode()
    assert not ValueLevel.objects.exists()
    saved = client.post(
        "/console/customers/settings/",
        {
            "form": "levels",
            "name_0": "银卡",
            "min_spend_0": "500",
            "name_1": "金卡",
            "min_spend_1": "2000",
        },
    )
    assert saved.status_code == 302
    assert list(ValueLevel.objects.values_list("name", flat=True)) == ["银卡", "金卡"]


def _matrix_customer(merchant, n, *, m, f, referrals=0, reviews=0, satisfaction=None):
    return Customer.objects.create(
        merchant=merchant,
        name=f"矩{n}",
        source="import",
        rfm_m=m,
        rfm_f=f,
        referrals=referrals,
        reviews=reviews,
        satisfaction=satisfaction,
    )


def test_the_matrices_count_and_filter_customers(client, salon, owner_b):
    merchant = salon[0].merchant
    _matrix_customer(merchant, 1, m=5, f=5, referrals=2, satisfaction=4.5)  # deepen, apostle
    _matrix_customer(merchant, 2, m=4, f=1, satisfaction=2.0)  # maintain, defector
    _matrix_customer(merchant, 3, m=2, f=4, reviews=1, satisfaction=3.0)  # develop, hostage
    _matrix_customer(merchant, 4, m=1, f=1, satisfaction=5.0)  # let go, mercenary
    _matrix_customer(merchant, 5, m=1, f=1)  # let go, unrated
    _matrix_customer(owner_b.merchant, 6, m=5, f=5, referrals=9, satisfaction=5.0)
    found = behaviour.matrices(merchant)
    assert [c.count for c in found.value] == [1, 1, 1, 2]
    assert [c.count for c in found.loyalty] == [1, 1, 1, 1, 1]
    assert found.total == 5 and found.value[3].share == 40.0
    client.force_login(salon[0].user)
    page = client.get("/console/customers/value/").content.decode()
    assert 'data-cell="deepen"' in page and "Keep and deepen" in page
    listed = client.get("/console/customers/", {"quadrant": "hostages"}).content.decode()
    assert "矩3" in listed and "矩1" not in listed and "矩6" not in listed
    stricter = customer_services.save_directory_settings(
        actor=salon[0],
        lapse_grace_days=3,
        high_value_score=5,
        high_loyalty_score=4,
        high_influence=3,
        high_satisfaction=Decimal("4.5"),
    )
    assert stricter.high_influence == 3
    # Scoring recomputes referrals and reviews from the facts, so set them again.
    Customer.objects.filter(name="矩1").update(referrals=3, satisfaction=4.5, rfm_m=5, rfm_f=5)
    assert [c.count for c in behaviour.matrices(merchant).value][0] == 1


def test_a_customer_file_places_each_customer_where_the_matrices_count_them(salon):
    """The customer file reads the quadrants on the loaded row; the matrices and the directory's
    filter ask the database. Both readings agree on every customer, thresholds' edges included."""
    merchant = salon[0].merchant
    thresholds = behaviour.settings_of(merchant)
    edge_m, edge_f = thresholds.high_value_score, thresholds.high_loyalty_score
    edge_s = float(thresholds.high_satisfaction)
    shapes = [
        dict(m=edge_m, f=edge_f, referrals=thresholds.high_influence, satisfaction=edge_s),
        dict(m=edge_m - 1, f=edge_f - 1, reviews=thresholds.high_influence - 1, satisfaction=1.0),
        dict(m=0, f=0),
        dict(m=5, f=edge_f, satisfaction=edge_s - 0.01),
        dict(m=edge_m, f=0, referrals=1, reviews=thresholds.high_influence, satisfaction=5.0),
    ]
    for number, shape in enumerate(shapes, start=1):
        _matrix_customer(merchant, number, **shape)
    conditions = behaviour.quadrant_conditions(thresholds)
    for customer in Customer.objects.filter(merchant=merchant):
        asked = {
            key
            for key, condition in conditions.items()
            if behaviour.with_influence(Customer.objects.filter(pk=customer.pk))
            .filter(condition)
            .exists()
        }
        assert behaviour.quadrant_keys_of(customer, thresholds) == asked, customer.name
        assert len(asked) == 2


def test_referrals_and_reviews_are_counted_and_circles_refused(salon, consumer):
    owner, store = salon[0], salon[1]
    buy_and_use(consumer, salon, "r1")
    host = Customer.objects.get(consumer=consumer)
    friend = Customer.objects.create(merchant=owner.merchant, name="朋友", source="manual")
    edit = dict(
        name="朋友", birthday=None, tags=[], notes="", consent=False, account_manager_id=None
    )
    customer_services.update_customer(
        actor=owner, customer_id=friend.pk, referred_by_id=host.pk, **edit
    )
    with pytest.raises(DomainError, match="introduced by someone they introduced"):
        customer_services.update_customer(
            actor=owner, customer_id=host.pk, referred_by_id=friend.pk, **{**edit, "name": "主"}
        )
    with pytest.raises(DomainError):
        customer_services.update_customer(
            actor=owner, customer_id=friend.pk, referred_by_id=friend.pk, **edit
        )
    stranger = Customer.objects.create(merchant=make_merchant_b(), name="外", source="manual")
    with pytest.raises(DomainError, match="one of your customers"):
        customer_services.update_customer(
            actor=owner, customer_id=friend.pk, referred_by_id=stranger.pk, **edit
        )
    Review.objects.create(merchant=owner.merchant, store=store, author=consumer, stars=4, text="好")
    Review.objects.create(
        merchant=owner.merchant, store=store, author=consumer, stars=2, text="一般", hidden=True
    )
    customer_services.score_customers()
    host.refresh_from_db(), friend.refresh_from_db()
    assert (host.referrals, host.reviews, host.satisfaction) == (1, 1, 4.0)
    assert friend.referred_by_id == host.pk and host.referred_by_id is None


def make_merchant_b():
    from tests.conftest import make_merchant

    return make_merchant("13900000999", name="别家").merchant


def test_habits_next_offer_and_lifetime_value(client, salon, consumer):
    owner, _store, haircut, wash = salon
    campaign = make_campaign(owner, name="精洗立减", item_ids=[wash.pk])
    # Two other customers had a haircut and a wash; ours only haircuts, on Saturday mornings.
    for n, login in enumerate(["13800000071", "13800000072"]):
        other = make_person(login, f"邻{n}")
        buy_and_use(other, salon, f"o{n}")
        order, _url = order_services.place_order(
            consumer=other, store_id=salon[1].pk, lines=[(wash.pk, 1)], payment_method="sandbox"
        )
        pay_by_sandbox(order, event_id=f"w{n}")
        order_services.confirm_consumption(actor=owner, code=order.code)
    saturday = timezone.make_aware(dt.datetime(2026, 10, 3, 10, 0))
    for week in range(3):
        order = buy_and_use(consumer, salon, f"h{week}")
        Order.objects.filter(pk=order.pk).update(consumed_at=saturday + dt.timedelta(days=7 * week))
    found = Customer.objects.get(consumer=consumer)
    habits = behaviour.preferences(found)
    assert habits.services == [("洗剪吹", 3)]
    assert (habits.weekday, habits.weekday_share) == ("Saturdays", 100)
    assert (habits.daypart, habits.daypart_share) == ("morning", 100)
    offer = behaviour.next_offer(found)
    assert (offer.item_name, offer.reason, offer.buyers) == ("精洗打蜡", "similar", 2)
    assert offer.campaign_id == campaign.pk
    # ¥204 over 3 visits a week apart: ¥68 × 52.14 a year × 10 years (seed's 90% retention).
    Customer.objects.filter(pk=found.pk).update(usual_interval_days=7.0)
    found.refresh_from_db()
    value = behaviour.lifetime_value(found)
    assert value.average_ticket == Decimal("68.00") and value.yearly_visits == Decimal("52.14")
    assert value.retention == Decimal("0.9") and not value.retention_measured
    assert value.estimate == Decimal("35455.20")
    client.force_login(owner.user)
    page = client.get(f"/console/customers/{found.pk}/").content.decode()
    assert "精洗打蜡" in page and "精洗立减" in page and "¥35455.20" in page
    assert "Saturdays" in page
    # The ranking is kept a while, but the campaign is looked up live ...
    Campaign.objects.filter(pk=campaign.pk).update(published=False)
    assert behaviour.next_offer(found).campaign_id is None
    # ... and the customer's own next visit asks again: they have had everything now.
    order, _url = order_services.place_order(
        consumer=consumer, store_id=salon[1].pk, lines=[(wash.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order, event_id="w-mine")
    order_services.confirm_consumption(actor=owner, code=order.code)
    found.refresh_from_db()
    assert behaviour.next_offer(found) is None


def test_lifetime_value_uses_measured_retention(salon):
    merchant = salon[0].merchant
    now = clock.now()
    assert behaviour.yearly_retention(merchant.pk, now) == (Decimal("0.9"), False)
    # 20 customers visited in the year before last; 15 came back last year: 75% retention.
    people = [make_person(f"1380001{n:04d}", f"回{n}") for n in range(20)]
    for n, person in enumerate(people):
        _consumed_order(salon, person, now - dt.timedelta(days=500), f"a{n}")
        if n < 15:
            _consumed_order(salon, person, now - dt.timedelta(days=100), f"b{n}")
    assert behaviour.yearly_retention(merchant.pk, now) == (Decimal("0.750"), True)


def _consumed_order(salon, person, at, event):
    order = buy_and_use(person, salon, event)
    Order.objects.filter(pk=order.pk).update(consumed_at=at)
    return order


def test_level_changes_are_logged_once(salon):
    owner = salon[0]
    now = clock.now()
    scored_customer(
        owner.merchant, 9, visits=3, spend=450, first_days_ago=30, last_days_ago=1, now=now
    )
    customer_services.save_value_levels(actor=owner, levels=METALS)
    customer_services.score_customers()
    customer_services.score_customers()
    assert LevelChange.objects.count() == 1


def test_the_api_for_levels_thresholds_matrices_and_insights(client, salon, consumer, api_token):
    owner = salon[0]
    headers = api_token(owner.user)
    buy_and_use(consumer, salon, "api1")
    put = client.put(
        "/api/v1/merchant/value-levels",
        [{"name": "银卡", "min_spend": "50"}, {"name": "金卡", "min_spend": "500"}],
        content_type="application/json",
        **headers,
    )
    assert put.status_code == 200
    assert [(x["name"], x["holders"]) for x in put.json()] == [("银卡", 1), ("金卡", 0)]
    bad = client.put(
        "/api/v1/merchant/value-levels",
        [{"name": "银卡", "min_spend": "50"}, {"name": "银卡", "min_spend": "60"}],
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and ValueLevel.objects.count() == 2
    knobs = client.get("/api/v1/merchant/customer-thresholds", **headers).json()
    assert knobs["lapse_grace_days"] == 3
    refused = client.put(
        "/api/v1/merchant/customer-thresholds",
        {**knobs, "high_satisfaction": "9"},
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400
    cells = client.get("/api/v1/merchant/customer-matrices", **headers).json()
    assert cells["total"] == 1 and len(cells["satisfaction_by_loyalty"]) == 5
    found = Customer.objects.get(consumer=consumer)
    listed = client.get("/api/v1/merchant/customers", {"quadrant": "unrated"}, **headers).json()
    assert [row["id"] for row in listed] == [found.pk] and listed[0]["value_level"] == "银卡"
    wrong = client.get("/api/v1/merchant/customers", {"quadrant": "nope"}, **headers)
    assert wrong.status_code == 422
    seen = client.get(f"/api/v1/merchant/customers/{found.pk}/insights", **headers).json()
    assert seen["preferred_services"] == [{"name": "洗剪吹", "count": 1}]
    assert seen["next_offer"] is None  # nobody has bought anything else yet
    assert seen["lifetime_value"]["average_ticket"] == "68.00"


def test_messages_from_the_shop_are_on_the_timeline(salon, consumer):
    from regulars.notifications.models import InboxMessage

    buy_and_use(consumer, salon, "m1")
    found = Customer.objects.get(consumer=consumer)
    InboxMessage.objects.create(
        user=consumer, merchant=salon[0].merchant, title="周末洗剪吹八折", dedupe_key="t1"
    )
    InboxMessage.objects.create(user=consumer, title="别家的消息", dedupe_key="t2")
    shown = [
        event.what for event in relationship_selectors.timeline(found) if event.kind == "message"
    ]
    assert shown == ["周末洗剪吹八折 · not read yet"]


def test_bringing_a_friend_rewards_both_once(salon, consumer):
    from regulars.customers.models import ReferralReward
    from regulars.promotions.models import Coupon

    owner = salon[0]
    gift = make_campaign(
        owner, name="老带新礼券", claim_mode="issued", kind="amount_off", amount="20"
    )
    outreach_services.save_greetings(
        actor=owner,
        birthday_days=0,
        birthday_title="",
        birthday_body="",
        birthday_campaign_id=None,
        holidays=[],
        holiday_campaign_id=None,
        referral_campaign_id=gift.pk,
    )
    buy_and_use(consumer, salon, "ref1")
    host = Customer.objects.get(consumer=consumer)
    friend_person = make_person("13800000991", "新朋友")
    buy_and_use(friend_person, salon, "ref2")
    friend = Customer.objects.get(consumer=friend_person)
    edit = dict(
        name="新朋友", birthday=None, tags=[], notes="", consent=False, account_manager_id=None
    )
    customer_services.update_customer(
        actor=owner, customer_id=friend.pk, referred_by_id=host.pk, **edit
    )
    customer_services.update_customer(
        actor=owner, customer_id=friend.pk, referred_by_id=host.pk, **edit
    )
    reward = ReferralReward.objects.get()
    assert (reward.referrer, reward.referred, reward.coupons) == (host, friend, 2)
    assert set(Coupon.objects.filter(campaign=gift).values_list("consumer_id", flat=True)) == {
        consumer.pk,
        friend_person.pk,
    }
