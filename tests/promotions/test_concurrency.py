"""Stock and limits hold under real concurrency (PostgreSQL, real threads and connections)."""

import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection

from regulars.core.errors import DomainError
from regulars.promotions import services
from regulars.promotions.models import Campaign, Coupon
from tests.orders.test_concurrency import race
from tests.promotions.conftest import make_campaign

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers)")
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)


def pooled_race(count: int, connections: int, work) -> tuple[list, list]:
    """`count` calls of `work(i)` from `connections` threads (each its own database connection),
    all released together and each taking the next call as soon as it finished the last."""
    barrier = threading.Barrier(connections)
    pending = iter(range(count))
    lock = threading.Lock()
    wins, refusals, crashes = [], [], []

    def run():
        close_old_connections()
        try:
            barrier.wait()
            while True:
                with lock:
                    i = next(pending, None)
                if i is None:
                    return
                try:
                    result = work(i)
                    with lock:
                        wins.append(result)
                except DomainError as refusal:
                    with lock:
                        refusals.append(refusal)
                except Exception as crash:  # a 500 for a real user
                    with lock:
                        crashes.append(crash)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashes == [], crashes[:3]
    return wins, refusals


def test_a_thousand_concurrent_claims_on_a_stock_of_one_hundred_give_exactly_one_hundred(salon):
    campaign = make_campaign(salon[0], stock=100)
    User = get_user_model()
    User.objects.bulk_create(
        User(username=f"c{i}", phone=f"+86137{i:08d}", display_name=f"客{i}", password="!")
        for i in range(1000)
    )
    people = list(User.objects.filter(phone__startswith="+86137").order_by("pk"))
    wins, refusals = pooled_race(
        1000, 40, lambda i: services.claim(consumer=people[i], campaign_id=campaign.pk)
    )
    assert len(wins) == 100 and len(refusals) == 900
    assert {refusal.code for refusal in refusals} == {"sold_out"}
    assert Coupon.objects.filter(campaign=campaign).count() == 100
    assert Campaign.objects.get(pk=campaign.pk).claimed == 100


def test_one_person_pressing_claim_twenty_times_at_once_gets_their_limit(salon, consumer):
    campaign = make_campaign(salon[0], stock=100, per_customer=2)
    wins, refusals = race(20, lambda i: services.claim(consumer=consumer, campaign_id=campaign.pk))
    assert len(wins) == 2 and {refusal.code for refusal in refusals} == {"limit_reached"}
    assert Campaign.objects.get(pk=campaign.pk).claimed == 2


def test_two_cashiers_typing_the_same_code_use_it_once(salon, consumer):
    owner = salon[0]
    campaign = make_campaign(owner)
    coupon = services.claim(consumer=consumer, campaign_id=campaign.pk)
    wins, refusals = race(
        10, lambda i: services.redeem_at_till(actor=owner, code=coupon.code, bill="150")
    )
    assert len(wins) == 1 and {refusal.code for refusal in refusals} == {"used"}
