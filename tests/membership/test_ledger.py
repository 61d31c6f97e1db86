import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.membership import selectors, services
from regulars.membership.models import Card, CardStatus, PointsEntry, ValueEntry

pytestmark = pytest.mark.django_db


def test_a_card_has_a_checked_random_number_and_starts_at_the_base_tier(card):
    from regulars.core import codes

    assert codes.is_well_formed(card.number)
    assert card.tier.name == "普通卡" and card.status == CardStatus.ACTIVE


def test_top_up_bonus_is_tracked_apart_and_refunds_return_principal_only(card):
    """Spent ¥480 of ¥500 paid in: ¥20 is refundable, and it takes back the ¥2 bonus it brought."""
    services.top_up(card_id=card.pk, amount="500", idempotency_key="t1")
    card.refresh_from_db()
    assert (card.principal, card.bonus) == (Decimal("500.00"), Decimal("50.00"))
    services.spend_value(card_id=card.pk, amount="480", idempotency_key="s1")
    card.refresh_from_db()
    assert (card.principal, card.bonus) == (Decimal("20.00"), Decimal("50.00"))
    with pytest.raises(DomainError, match="not refundable"):
        services.refund_value(card_id=card.pk, amount="30", idempotency_key="r1")
    services.refund_value(card_id=card.pk, amount="20", idempotency_key="r2")
    card.refresh_from_db()
    assert (card.principal, card.bonus) == (Decimal("0.00"), Decimal("48.00"))
    assert selectors.ledger_mismatches([card.pk]) == []


def test_refunding_a_top_up_takes_back_the_bonus_it_brought(card):
    services.top_up(card_id=card.pk, amount="500", idempotency_key="t1")  # + ¥50
    refund = services.refund_value(card_id=card.pk, amount="500", idempotency_key="r1")
    assert (refund.principal_delta, refund.bonus_delta) == (Decimal("-500.00"), Decimal("-50.00"))
    card.refresh_from_db()
    assert card.balance == Decimal("0.00")
    with pytest.raises(DomainError, match="less than"):
        services.spend_value(card_id=card.pk, amount="50", idempotency_key="s1")
    # Paid-in money is spent oldest first: refunding the newest ¥100, which brought no bonus,
    # leaves the bonus of the ¥500 spent before it.
    services.top_up(card_id=card.pk, amount="500", idempotency_key="t2")  # + ¥50 again
    services.spend_value(card_id=card.pk, amount="530", idempotency_key="s2")  # ¥30 of the bonus
    services.top_up(card_id=card.pk, amount="100", idempotency_key="t3")  # no bonus under ¥500
    services.refund_value(card_id=card.pk, amount="100", idempotency_key="r2")
    card.refresh_from_db()
    assert (card.principal, card.bonus) == (Decimal("0.00"), Decimal("20.00"))
    # Two ¥500 top-ups, one spent: refunding the other's ¥500 takes its ¥50, not more.
    for n in (4, 5):
        services.top_up(card_id=card.pk, amount="500", idempotency_key=f"t{n}")
    services.spend_value(card_id=card.pk, amount="500", idempotency_key="s3")
    refund = services.refund_value(card_id=card.pk, amount="500", idempotency_key="r3")
    assert refund.bonus_delta == Decimal("-50.00")
    card.refresh_from_db()
    assert (card.principal, card.bonus) == (Decimal("0.00"), Decimal("70.00"))
    assert selectors.ledger_mismatches([card.pk]) == []


def test_the_balance_never_goes_negative(card):
    services.top_up(card_id=card.pk, amount="100", idempotency_key="t1")
    with pytest.raises(DomainError, match="less than"):
        services.spend_value(card_id=card.pk, amount="100.01", idempotency_key="s1")
    assert ValueEntry.objects.filter(kind="spend").count() == 0


def test_a_retried_request_with_the_same_key_moves_value_once(card):
    first = services.top_up(card_id=card.pk, amount="100", idempotency_key="same")
    again = services.top_up(card_id=card.pk, amount="100", idempotency_key="same")
    assert first.pk == again.pk
    services.spend_value(card_id=card.pk, amount="30", idempotency_key="pay-1")
    services.spend_value(card_id=card.pk, amount="30", idempotency_key="pay-1")
    card.refresh_from_db()
    assert card.balance == Decimal("70.00")


def test_a_vip_earns_more_points_than_a_regular_card_for_the_same_spend(card, vip_card):
    services.record_purchase(card_id=card.pk, amount="200", idempotency_key="p1")
    services.record_purchase(card_id=vip_card.pk, amount="200", idempotency_key="p2")
    card.refresh_from_db()
    vip_card.refresh_from_db()
    assert (card.points, vip_card.points) == (200, 400)


def test_spending_enough_upgrades_the_tier_automatically(card):
    services.record_purchase(card_id=card.pk, amount="3200", idempotency_key="big")
    card.refresh_from_db()
    assert card.tier.name == "银卡"


def test_a_void_compensates_and_never_edits(card, salon):
    owner = salon[0]
    purchase = services.record_purchase(card_id=card.pk, amount="88", idempotency_key="p1")
    services.void_purchase(actor=owner, purchase_id=purchase.pk, idempotency_key="v1")
    card.refresh_from_db()
    assert card.points == 0
    assert list(PointsEntry.objects.filter(card=card).values_list("kind", "delta")) == [
        ("earn", 88),
        ("void", -88),
    ]
    with pytest.raises(DomainError, match="already voided"):
        services.void_purchase(actor=owner, purchase_id=purchase.pk, idempotency_key="v2")


def test_points_expire_at_the_end_of_the_following_year_oldest_first(card):
    early = timezone.make_aware(dt.datetime(2025, 3, 1))
    late = timezone.make_aware(dt.datetime(2026, 6, 1))
    services.record_purchase(card_id=card.pk, amount="100", idempotency_key="p-2025", now=early)
    services.record_purchase(card_id=card.pk, amount="50", idempotency_key="p-2026", now=late)
    services.spend_points(card_id=card.pk, points=30, idempotency_key="use")  # from the 2025 lot
    assert (
        services.expire_points(card_id=card.pk, now=timezone.make_aware(dt.datetime(2026, 12, 31)))
        is None
    )
    expired = services.expire_points(
        card_id=card.pk, now=timezone.make_aware(dt.datetime(2027, 1, 1, 0, 1))
    )
    assert expired.delta == -70
    card.refresh_from_db()
    assert card.points == 50


def test_five_wrong_passwords_lock_spending_for_fifteen_minutes(card):
    now = clock.now()
    for tries_left in (4, 3, 2, 1):
        with pytest.raises(DomainError, match=f"{tries_left} tries left"):
            services.verify_password(card_id=card.pk, password="000000", now=now)
    with pytest.raises(DomainError) as locked:
        services.verify_password(card_id=card.pk, password="000000", now=now)
    assert locked.value.code == "locked"
    with pytest.raises(DomainError) as still:
        services.verify_password(
            card_id=card.pk, password="258036", now=now + dt.timedelta(minutes=14)
        )
    assert still.value.code == "locked"
    services.verify_password(card_id=card.pk, password="258036", now=now + dt.timedelta(minutes=16))


def test_passwords_are_hashed_and_weak_ones_refused(card, consumer):
    stored = Card.objects.get(pk=card.pk).password_hash
    assert "258036" not in stored and stored
    with pytest.raises(DomainError):
        services.set_password(
            consumer=consumer, card_id=card.pk, password="111111", current="258036"
        )
    with pytest.raises(DomainError):
        services.set_password(
            consumer=consumer, card_id=card.pk, password="12345a", current="258036"
        )
    with pytest.raises(DomainError):
        services.set_password(
            consumer=consumer, card_id=card.pk, password="147036", current="000000"
        )


def test_manual_adjustment_needs_a_reason_and_is_audited(card, salon):
    owner = salon[0]
    with pytest.raises(DomainError, match="why"):
        services.adjust_points(
            actor=owner, card_id=card.pk, delta=100, reason="", idempotency_key="a1"
        )
    entry = services.adjust_points(
        actor=owner, card_id=card.pk, delta=100, reason="生日赠送", idempotency_key="a2"
    )
    assert entry.created_by == owner.user and entry.reason == "生日赠送"


def test_other_merchants_cannot_find_the_card(card, owner_b):
    with pytest.raises(DomainError, match="No member card"):
        services.staff_card(owner_b, number=card.number)


def test_liability_is_what_the_merchant_owes(card, vip_card, salon):
    services.top_up(card_id=card.pk, amount="500", idempotency_key="t1")
    services.top_up(card_id=vip_card.pk, amount="100", idempotency_key="t2")
    owed = selectors.liability(salon[0].merchant)
    assert (owed.cards, owed.principal, owed.bonus, owed.total) == (
        2,
        Decimal("600.00"),
        Decimal("50.00"),
        Decimal("650.00"),
    )


def test_a_confirmed_online_order_credits_the_buyers_card_once(card, salon, consumer):
    from regulars.orders import services as order_services
    from tests.orders.test_orders import pay_by_sandbox

    owner, store, haircut, _wash = salon
    order, _ = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 2)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    order_services.confirm_consumption(actor=owner, code=order.code)
    card.refresh_from_db()
    assert card.points == 136
    assert card.purchases.get().order == order


def test_period_end_moves_a_card_down_when_spending_no_longer_qualifies(card):
    later = clock.now() + dt.timedelta(days=200)
    services.record_purchase(card_id=card.pk, amount="3200", idempotency_key="big")
    card.refresh_from_db()
    assert card.tier.name == "银卡"
    assert services.review_tiers() == 0  # still within the 180-day window
    assert services.review_tiers(now=later) == 1
    card.refresh_from_db()
    assert card.tier.name == "普通卡"


def test_a_tier_given_by_decision_is_kept(vip_card):
    assert services.review_tiers(now=clock.now() + dt.timedelta(days=900)) == 0
    vip_card.refresh_from_db()
    assert vip_card.tier.name == "贵宾卡"


def test_the_daily_expiry_expires_due_points_on_every_card(card):
    early = timezone.make_aware(dt.datetime(2025, 3, 1))
    services.record_purchase(card_id=card.pk, amount="40", idempotency_key="p", now=early)
    assert services.expire_all_points(now=timezone.make_aware(dt.datetime(2027, 1, 2))) == 1
    card.refresh_from_db()
    assert card.points == 0


def test_points_redeem_at_the_rate_above_the_minimum_and_below_the_cap(card, salon):
    owner = salon[0]
    services.record_purchase(card_id=card.pk, amount="1000", idempotency_key="p")  # 1000 points
    with pytest.raises(DomainError, match="at least 100"):
        services.till_spend_points(
            actor=owner, card_id=card.pk, points=50, password="258036", idempotency_key="a"
        )
    with pytest.raises(DomainError, match="at most 50%"):
        services.till_spend_points(
            actor=owner,
            card_id=card.pk,
            points=800,
            password="258036",
            idempotency_key="b",
            bill="10",
        )
    entry = services.till_spend_points(
        actor=owner, card_id=card.pk, points=500, password="258036", idempotency_key="c", bill="10"
    )
    assert entry.delta == -500 and "¥5.00 off" in entry.reason
    card.refresh_from_db()
    assert card.points == 500


def test_excluded_services_earn_no_points_and_rounding_follows_the_program(card, salon, consumer):
    from regulars.orders import services as order_services
    from tests.orders.test_orders import pay_by_sandbox

    owner, store, haircut, wash = salon
    services.design_program(
        actor=owner,
        title="鑫安会员卡",
        excluded_items=[wash.pk],
        points_round_nearest=True,
        published=True,
    )
    order, _ = order_services.place_order(
        consumer=consumer,
        store_id=store.pk,
        lines=[(haircut.pk, 1), (wash.pk, 1)],
        payment_method="sandbox",
    )
    pay_by_sandbox(order)
    order_services.confirm_consumption(actor=owner, code=order.code)
    card.refresh_from_db()
    assert card.points == 68  # only the haircut earns
    assert str(card.purchases.get().amount) == "196.50"  # the whole order is on the record
    services.record_purchase(card_id=card.pk, amount="10.60", idempotency_key="round")
    card.refresh_from_db()
    assert card.points == 68 + 11


def test_only_own_services_can_be_excluded(program, owner_b):
    from regulars.merchants import services as merchant_services
    from tests.conftest import make_store

    other_store = make_store(owner_b, name="别家", category="barber")
    foreign = merchant_services.create_item(
        actor=owner_b,
        store_id=other_store.pk,
        data=merchant_services.ItemInput(name="x", price="1"),
    )
    owner = program.merchant.staff_roles.get().user
    from regulars.merchants.permissions import staff_context

    with pytest.raises(DomainError, match="your own shop"):
        services.design_program(actor=staff_context(owner), title="卡", excluded_items=[foreign.pk])


def test_a_tier_can_be_reached_by_points_earned(card, salon):
    from regulars.membership.models import Tier

    owner = salon[0]
    gold = Tier.objects.get(program=card.program, rank=3)
    services.update_tier(
        actor=owner,
        tier_id=gold.pk,
        name="金卡",
        discount_percent="5",
        points_per_yuan="1.5",
        qualify_spend="0",
        qualify_points=500,
        qualify_days=365,
    )
    services.adjust_points(
        actor=owner, card_id=card.pk, delta=900, reason="活动", idempotency_key="adj"
    )
    services.record_purchase(card_id=card.pk, amount="100", idempotency_key="p1")
    card.refresh_from_db()
    assert card.tier.name == "普通卡"  # adjustments do not count, only points earned by spending
    services.record_purchase(card_id=card.pk, amount="400", idempotency_key="p2")
    card.refresh_from_db()
    assert card.tier.name == "金卡"


def test_a_decided_tier_holds_until_its_last_day_then_the_review_may_move_it(card, salon):
    owner = salon[0]
    gold = card.program.tiers.get(name="金卡")
    last_day = clock.today() + dt.timedelta(days=30)
    with pytest.raises(DomainError) as refused:
        services.set_card_tier(
            actor=owner,
            card_id=card.pk,
            tier_id=gold.pk,
            reason="开业答谢",
            until=clock.today() - dt.timedelta(days=1),
        )
    assert refused.value.code == "bad_time"
    decision = services.set_card_tier(
        actor=owner, card_id=card.pk, tier_id=gold.pk, reason="开业答谢", until=last_day
    )
    assert decision.until == last_day
    assert services.review_tiers(now=clock.now() + dt.timedelta(days=30)) == 0  # its last day
    assert Card.objects.get(pk=card.pk).tier_id == gold.pk
    assert services.review_tiers(now=clock.now() + dt.timedelta(days=31)) == 1  # it has ended
    assert Card.objects.get(pk=card.pk).tier.name == "普通卡"


def test_put_decides_the_tier_with_its_last_day(client, card, salon):
    from regulars.accounts.services import create_api_token

    owner = salon[0]
    gold = card.program.tiers.get(name="金卡")
    answer = client.put(
        f"/api/v1/merchant/cards/{card.pk}/tier",
        {"tier_id": gold.pk, "reason": "补偿投诉", "until": "2026-12-31"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=owner.user)}",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["until"] == "2026-12-31" and answer.json()["to_tier"] == "金卡"
