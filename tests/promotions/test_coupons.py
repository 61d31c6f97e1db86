"""Coupon rules: value, conditions, claiming, issuing, redeeming, and every refusal's reason."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction

from regulars.core import clock, codes
from regulars.core.errors import DomainError
from regulars.membership import services as cards
from regulars.membership.models import Tier
from regulars.orders import services as order_services
from regulars.promotions import selectors, services
from regulars.promotions.locks import lock_campaign
from regulars.promotions.models import Coupon, CouponStatus, Redemption
from regulars.promotions.services import codes as code_batches
from tests.conftest import make_person, make_store
from tests.orders.test_orders import pay_by_sandbox
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db


def refusal(call) -> DomainError:
    with pytest.raises(DomainError) as refused:
        call()
    return refused.value


def test_a_threshold_coupon_takes_twenty_off_a_hundred_and_refuses_less(
    salon, consumer, threshold_campaign
):
    owner = salon[0]
    coupon = services.claim(consumer=consumer, campaign_id=threshold_campaign.pk)
    assert codes.is_well_formed(coupon.code) and coupon.status == CouponStatus.CLAIMED
    below = refusal(lambda: services.redeem_at_till(actor=owner, code=coupon.code, bill="99.99"))
    assert below.code == "below_threshold" and "¥100.00" in below.message
    used = services.redeem_at_till(actor=owner, code=coupon.code, bill="128")
    assert (used.discount, used.revenue) == (Decimal("20.00"), Decimal("108.00"))
    again = refusal(lambda: services.redeem_at_till(actor=owner, code=coupon.code, bill="128"))
    assert again.code == "used" and "already used" in again.message


def test_percent_off_is_capped_and_amount_off_never_exceeds_the_bill(salon, consumer):
    owner = salon[0]
    percent = make_campaign(owner, kind="percent_off", percent=20, cap="30", threshold="0")
    assert services.discount_for(percent, Decimal("100")) == Decimal("20.00")
    assert services.discount_for(percent, Decimal("500")) == Decimal("30.00")
    amount = make_campaign(owner, kind="amount_off", amount="50", threshold="0")
    assert services.discount_for(amount, Decimal("35")) == Decimal("35")


def test_every_refusal_says_why(salon, consumer, owner_b):
    owner, store, _haircut, _wash = salon
    later = make_campaign(
        owner,
        valid_from=clock.now() + dt.timedelta(days=2),
        valid_until=clock.now() + dt.timedelta(days=9),
    )
    coupon = services.claim(consumer=consumer, campaign_id=later.pk)
    early = refusal(lambda: services.redeem_at_till(actor=owner, code=coupon.code, bill="200"))
    assert early.code == "not_started"
    second_store = make_store(owner, name="鑫安美发（静安店）")
    only_second = make_campaign(owner, store_ids=[second_store.pk])
    coupon = services.claim(consumer=consumer, campaign_id=only_second.pk)
    wrong = refusal(
        lambda: services.redeem_at_till(
            actor=owner, code=coupon.code, bill="200", store_id=store.pk
        )
    )
    assert wrong.code == "wrong_store"
    assert refusal(lambda: services.redeem_at_till(actor=owner, code="123", bill="1")).code == (
        "bad_code"
    )
    other_shop = refusal(
        lambda: services.redeem_at_till(actor=owner_b, code=coupon.code, bill="200")
    )
    assert other_shop.code == "unknown"
    limit = refusal(lambda: services.claim(consumer=consumer, campaign_id=only_second.pk))
    assert limit.code == "limit_reached"
    scarce = make_campaign(owner, stock=1)
    services.claim(consumer=make_person("13800000301"), campaign_id=scarce.pk)
    assert refusal(lambda: services.claim(consumer=consumer, campaign_id=scarce.pk)).code == (
        "sold_out"
    )


def test_an_expired_coupon_is_refused_with_its_date(salon, consumer):
    owner = salon[0]
    campaign = make_campaign(owner, valid_days=3)
    coupon = services.claim(consumer=consumer, campaign_id=campaign.pk)
    assert coupon.valid_until - coupon.claimed_at == dt.timedelta(days=3)
    Coupon.objects.filter(pk=coupon.pk).update(valid_until=clock.now() - dt.timedelta(minutes=1))
    expired = refusal(lambda: services.redeem_at_till(actor=owner, code=coupon.code, bill="200"))
    assert expired.code == "expired" and "expired on" in expired.message


def test_a_gold_only_coupon_is_refused_to_a_regular_member_with_the_reason(salon, consumer):
    owner = salon[0]
    program = cards.design_program(actor=owner, title="鑫安会员卡", published=True)
    gold = Tier.objects.get(program=program, name="金卡")
    cards.apply_for_card(consumer=consumer, merchant_id=program.merchant_id)
    gold_only = make_campaign(owner, audience="tiers", tier_ids=[gold.pk])
    refused = refusal(lambda: services.claim(consumer=consumer, campaign_id=gold_only.pk))
    assert refused.code == "tier_not_eligible"
    assert refused.message == "This coupon is for 金卡 members only."
    vip = make_person("13800000302")
    card = cards.apply_for_card(consumer=vip, merchant_id=program.merchant_id)
    card.tier = gold
    card.save()
    assert services.claim(consumer=vip, campaign_id=gold_only.pk).consumer == vip


def test_issuing_to_a_customer_list_holds_out_a_random_share(salon):
    owner = salon[0]
    people = [make_person(f"1380000040{i}") for i in range(10)]
    campaign = make_campaign(
        owner,
        audience="list",
        phones=[person.phone for person in people],
        claim_mode="issued",
        holdout_percent=30,
    )
    result = services.issue(actor=owner, campaign_id=campaign.pk)
    assert (result.issued, result.held_out) == (7, 3)
    holders = set(Coupon.objects.filter(campaign=campaign).values_list("consumer_id", flat=True))
    held = set(campaign.holdouts.values_list("consumer_id", flat=True))
    assert holders.isdisjoint(held) and len(holders | held) == 10
    again = services.issue(actor=owner, campaign_id=campaign.pk)
    assert again.issued == 0 and Coupon.objects.filter(campaign=campaign).count() == 7
    # Two of the seven come and spend; the held-out three do not: the uplift is positive.
    for person in list(Coupon.objects.filter(campaign=campaign))[:2]:
        services.redeem_at_till(actor=owner, code=person.code, bill="150")
    effect = selectors.campaign_effect(campaign)
    assert (effect.issued, effect.claimed, effect.redeemed) == (7, 7, 2)
    assert effect.revenue == Decimal("260.00") and effect.discount_cost == Decimal("40.00")


def test_unknown_phones_in_a_customer_list_are_named(salon):
    refused = refusal(
        lambda: make_campaign(salon[0], audience="list", phones=["13800000999", "hello"])
    )
    assert refused.field == "phones" and "13800000999" in refused.message


def test_paper_codes_are_unique_checked_and_claimable_or_redeemable_at_the_till(salon, consumer):
    owner = salon[0]
    campaign = make_campaign(owner, claim_mode="code", stock=1)
    batch = services.generate_codes(actor=owner, campaign_id=campaign.pk, count=3000)
    assert (batch.made, batch.status) == (3000, "done")  # one chunk: made at once
    all_codes = list(Coupon.objects.filter(campaign=campaign).values_list("code", flat=True))
    assert len(set(all_codes)) == 3000 and all(codes.is_well_formed(c) for c in all_codes)
    campaign.refresh_from_db()
    assert campaign.stock == 3000
    mine = services.claim_code(consumer=consumer, code=codes.grouped(all_codes[0]))
    assert mine.consumer == consumer and mine.status == CouponStatus.CLAIMED
    taken = refusal(
        lambda: services.claim_code(consumer=make_person("13800000303"), code=all_codes[0])
    )
    assert taken.code == "not_yours"
    walk_in = services.redeem_at_till(actor=owner, code=all_codes[1], bill="120")
    assert walk_in.consumer is None and walk_in.discount == Decimal("20.00")
    effect = selectors.campaign_effect(campaign)
    assert (effect.issued, effect.claimed, effect.redeemed) == (3000, 2, 1)


def test_one_hundred_thousand_codes_in_one_go(salon, django_capture_on_commit_callbacks):
    owner = salon[0]
    campaign = make_campaign(owner, claim_mode="code", stock=1)
    with django_capture_on_commit_callbacks(execute=True):
        batch = services.generate_codes(actor=owner, campaign_id=campaign.pk, count=100_000)
    batch.refresh_from_db()
    assert (batch.made, batch.status) == (100_000, "done")
    assert Coupon.objects.filter(campaign=campaign).values("code").distinct().count() == 100_000
    too_many = refusal(
        lambda: services.generate_codes(actor=owner, campaign_id=campaign.pk, count=100_001)
    )
    assert too_many.field == "count"


def test_a_big_batch_goes_to_the_background_and_a_batch_cut_short_carries_on_once(
    salon, django_capture_on_commit_callbacks
):
    """More than one chunk: the request only records the batch. A process that died after two
    chunks left it "generating"; the sweep finishes it from there, no code made twice."""
    owner = salon[0]
    campaign = make_campaign(owner, claim_mode="code", stock=1)
    chunk = services.CODE_CHUNK
    batch = services.generate_codes(actor=owner, campaign_id=campaign.pk, count=3 * chunk + 7)
    assert (batch.made, batch.status) == (0, "running")  # the task waits for the commit
    assert not Coupon.objects.filter(campaign=campaign).exists()
    # Two chunks made, then the process died.
    with transaction.atomic():
        locked = lock_campaign(campaign.pk, merchant_id=owner.merchant.pk)
        for _ in range(2):
            code_batches._make_chunk(locked, batch)
    assert Coupon.objects.filter(campaign=campaign).count() == 2 * chunk
    # A second request must count what the first still owes against the stock limit.
    refused = refusal(
        lambda: services.generate_codes(
            actor=owner, campaign_id=campaign.pk, count=1_000_000 - 2 * chunk
        )
    )
    assert refused.field == "count"
    assert services.resume_stalled_batches(now=clock.now() + dt.timedelta(minutes=5)) == []
    with django_capture_on_commit_callbacks(execute=True):
        later = clock.now() + dt.timedelta(minutes=11)
        assert services.resume_stalled_batches(now=later) == [batch.pk]
    services.make_codes(batch.pk)  # delivered twice: the second run finds nothing left to make
    batch.refresh_from_db()
    assert (batch.made, batch.status) == (3 * chunk + 7, "done")
    made = Coupon.objects.filter(campaign=campaign)
    assert made.count() == made.values("code").distinct().count() == 3 * chunk + 7
    campaign.refresh_from_db()
    assert campaign.stock == 3 * chunk + 7


def test_a_coupon_on_an_online_order_and_back_when_refunded(salon, consumer, threshold_campaign):
    _owner, store, haircut, _wash = salon
    coupon = services.claim(consumer=consumer, campaign_id=threshold_campaign.pk)
    order, _url = order_services.place_order(
        consumer=consumer,
        store_id=store.pk,
        lines=[(haircut.pk, 2)],  # ¥136
        payment_method="sandbox",
        discounts={"coupon": {"code": coupon.code}},
    )
    assert (order.discount, order.amount_due) == (Decimal("20.00"), Decimal("116.00"))
    coupon.refresh_from_db()
    assert coupon.status == CouponStatus.USED
    pay_by_sandbox(order)
    order_services.refund_order(consumer=consumer, order_id=order.pk)
    coupon.refresh_from_db()
    assert coupon.status == CouponStatus.CLAIMED
    assert Redemption.objects.get().reversed_at is not None
    assert selectors.campaign_effect(threshold_campaign).redeemed == 0
    small = refusal(
        lambda: order_services.place_order(
            consumer=consumer,
            store_id=store.pk,
            lines=[(haircut.pk, 1)],  # ¥68 < ¥100
            payment_method="sandbox",
            discounts={"coupon": {"code": coupon.code}},
        )
    )
    assert small.code == "below_threshold"
    stranger = refusal(
        lambda: order_services.place_order(
            consumer=make_person("13800000304"),
            store_id=store.pk,
            lines=[(haircut.pk, 2)],
            payment_method="sandbox",
            discounts={"coupon": {"code": coupon.code}},
        )
    )
    assert stranger.code == "not_yours"


def test_a_free_item_coupon_needs_the_item_in_the_order(salon, consumer):
    owner, store, haircut, wash = salon
    campaign = make_campaign(owner, kind="free_item", free_item_id=wash.pk, threshold="0")
    coupon = services.claim(consumer=consumer, campaign_id=campaign.pk)
    missing = refusal(
        lambda: order_services.place_order(
            consumer=consumer,
            store_id=store.pk,
            lines=[(haircut.pk, 1)],
            payment_method="sandbox",
            discounts={"coupon": {"code": coupon.code}},
        )
    )
    assert missing.code == "not_applicable"
    order, _url = order_services.place_order(
        consumer=consumer,
        store_id=store.pk,
        lines=[(haircut.pk, 1), (wash.pk, 1)],
        payment_method="sandbox",
        discounts={"coupon": {"code": coupon.code}},
    )
    assert order.discount == wash.price


def test_a_points_exchange_coupon_costs_points(salon, consumer):
    owner = salon[0]
    cards.design_program(actor=owner, title="鑫安会员卡", published=True)
    card = cards.apply_for_card(consumer=consumer, merchant_id=owner.merchant.pk)
    campaign = make_campaign(owner, kind="points_exchange", points_price=500, threshold="0")
    poor = refusal(lambda: services.claim(consumer=consumer, campaign_id=campaign.pk))
    assert poor.code == "insufficient_points" and not Coupon.objects.exists()
    cards.adjust_points(actor=owner, card_id=card.pk, delta=800, reason="活动", idempotency_key="g")
    services.claim(consumer=consumer, campaign_id=campaign.pk)
    card.refresh_from_db()
    assert card.points == 300


def test_new_and_returning_customers_are_told_apart(salon, consumer, threshold_campaign):
    owner, store, haircut, _wash = salon
    regular = make_person("13800000305")
    order, _url = order_services.place_order(
        consumer=regular, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    order_services.confirm_consumption(actor=owner, code=order.code)  # paid alone is no visit
    for person in (consumer, regular):
        coupon = services.claim(consumer=person, campaign_id=threshold_campaign.pk)
        services.redeem_at_till(actor=owner, code=coupon.code, bill="100")
    effect = selectors.campaign_effect(threshold_campaign)
    assert (effect.new_customers, effect.returning_customers) == (1, 1)


def test_viewing_is_counted_once(salon, consumer, threshold_campaign):
    coupon = services.claim(consumer=consumer, campaign_id=threshold_campaign.pk)
    first = services.mark_viewed(consumer=consumer, coupon_id=coupon.pk).viewed_at
    assert services.mark_viewed(consumer=consumer, coupon_id=coupon.pk).viewed_at == first
    assert selectors.campaign_effect(threshold_campaign).viewed == 1


def test_bad_campaigns_are_refused_and_nothing_is_saved(salon, owner_b):
    from regulars.promotions.models import Campaign

    owner, _store, _haircut, wash = salon
    cases = [
        ({"kind": "threshold", "threshold": "10", "amount": "20"}, "threshold"),
        ({"kind": "percent_off", "percent": 0}, "percent"),
        ({"kind": "amount_off", "amount": "0"}, "amount"),
        ({"stock": 0}, "stock"),
        (
            {"valid_from": clock.now(), "valid_until": clock.now() - dt.timedelta(1)},
            "valid_until",
        ),
        ({"kind": "free_item", "free_item_id": None}, "free_item_id"),
        ({"audience": "tiers", "tier_ids": []}, "tier_ids"),
    ]
    for fields, field in cases:
        assert refusal(lambda fields=fields: make_campaign(owner, **fields)).field == field
    other_store = make_store(owner_b)
    assert refusal(lambda: make_campaign(owner, store_ids=[other_store.pk])).field == "item_ids"
    assert not Campaign.objects.exists()


def issued_with_holdout(owner, people, **fields):
    """A campaign issued to these people, half of them held out at random."""
    campaign = make_campaign(
        owner,
        audience="list",
        phones=[person.phone for person in people],
        claim_mode="issued",
        holdout_percent=50,
        **fields,
    )
    services.issue(actor=owner, campaign_id=campaign.pk)
    return campaign


def test_the_holdout_uplift_compares_visits_and_spend_with_a_confidence_interval(salon):
    owner, store, haircut, _wash = salon
    people = [make_person(f"1380000050{i}") for i in range(10)]
    campaign = issued_with_holdout(owner, people)
    treated = set(Coupon.objects.filter(campaign=campaign).values_list("consumer_id", flat=True))
    # Every treated customer comes once and spends ¥68; the held-out ones stay away.
    for person in people:
        if person.pk in treated:
            order, _url = order_services.place_order(
                consumer=person,
                store_id=store.pk,
                lines=[(haircut.pk, 1)],
                payment_method="sandbox",
            )
            pay_by_sandbox(order, event_id=f"evt-{order.pk}")
            order_services.confirm_consumption(actor=owner, code=order.code)
    uplift = selectors.campaign_effect(campaign).uplift
    assert (uplift.treated, uplift.holdout) == (5, 5)
    assert uplift.visits_diff == 1.0 and uplift.revenue_diff == 68.0
    low, high = uplift.revenue_ci
    assert low <= 68.0 <= high
    # Without a holdout there is nothing to compare against.
    assert selectors.campaign_effect(make_campaign(owner)).uplift is None


def test_a_coupon_used_at_the_till_is_a_visit_in_the_uplift_and_the_interval_is_welchs_t(salon):
    """A treated customer who only redeemed at the till (no card purchase) visited. With groups
    this small the 95 % interval uses Welch's t (here 4.30 at 2 degrees of freedom), not 1.96."""
    owner, _store, _haircut, _wash = salon
    people = [make_person(f"1380000060{i}") for i in range(6)]
    campaign = issued_with_holdout(owner, people, kind="amount_off", threshold=0)
    issued = list(Coupon.objects.filter(campaign=campaign).order_by("id"))
    assert len(issued) == 3
    bills = ["80", "100", "130"]  # spend 60, 80, 110 after ¥20 off
    for coupon, bill in zip(issued, bills, strict=True):
        redemption = services.redeem_at_till(actor=owner, code=coupon.code, bill=bill)
        assert redemption.is_visit
    uplift = selectors.campaign_effect(campaign).uplift
    assert uplift.visits_diff == 1.0
    assert uplift.revenue_diff == pytest.approx(250 / 3)
    # Treated spends 60, 80, 110 (sd 25.17), the holdout all 0: df = 2, t = 4.303.
    margin = 4.302653 * 25.166114784235834 / 3**0.5
    assert uplift.revenue_ci[0] == pytest.approx(250 / 3 - margin, rel=1e-4)
    assert uplift.revenue_ci[1] == pytest.approx(250 / 3 + margin, rel=1e-4)
