"""RFM quintiles within a merchant, named segments, usual interval and the churn warning."""

import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.customers import selectors as customer_selectors
from regulars.customers import services as customer_services
from regulars.customers import tasks as customer_tasks
from regulars.customers.models import Customer

pytestmark = pytest.mark.django_db


def customer(merchant, n, *, visits, spend, first_days_ago, last_days_ago, now):
    return Customer.objects.create(
        merchant=merchant,
        name=f"客{n}",
        phone=f"+861380000{n:04d}",
        source="import",
        visits=visits,
        spend=Decimal(spend),
        first_seen_at=now - dt.timedelta(days=first_days_ago),
        last_seen_at=now - dt.timedelta(days=last_days_ago),
    )


def test_quintiles_segments_and_churn(salon, owner_b):
    merchant = salon[0].merchant
    now = clock.now()
    # Ten customers: the higher the number, the more recent, frequent and valuable.
    rows = [
        customer(
            merchant,
            n,
            visits=n + 1,
            spend=100 * (n + 1),
            first_days_ago=200,
            last_days_ago=100 - 10 * n,
            now=now,
        )
        for n in range(10)
    ]
    # Every 7 days for 7 weeks, silent for 20 days now: slipping away.
    weekly = customer(
        merchant, 50, visits=8, spend=500, first_days_ago=69, last_days_ago=20, now=now
    )
    # Every 7 days, last seen 5 days ago: fine.
    fine = customer(merchant, 51, visits=8, spend=500, first_days_ago=54, last_days_ago=5, now=now)
    other_shop = customer(
        owner_b.merchant, 60, visits=1, spend=5, first_days_ago=1, last_days_ago=1, now=now
    )
    never = Customer.objects.create(merchant=merchant, name="没来过", source="coupon")
    customer_services.score_customers(now=now)
    for row in [*rows, weekly, fine, other_shop, never]:
        row.refresh_from_db()
    assert (rows[-1].rfm_r, rows[-1].rfm_f, rows[-1].rfm_m) == (5, 5, 5)
    assert rows[-1].rfm_segment == "champions"
    assert (rows[0].rfm_r, rows[0].rfm_segment) == (1, "hibernating")
    assert weekly.usual_interval_days == pytest.approx(7.0)
    assert weekly.churn_risk and not fine.churn_risk
    # Quintiles are within each merchant: alone in its shop, the other customer is in the first.
    assert other_shop.rfm_r == 1
    assert (never.rfm_r, never.rfm_segment, never.churn_risk) == (0, "", False)


def test_the_directory_filters_on_segment_and_churn(client, salon):
    merchant = salon[0].merchant
    now = clock.now()
    customer(merchant, 70, visits=11, spend=500, first_days_ago=90, last_days_ago=20, now=now)
    customer(merchant, 71, visits=11, spend=500, first_days_ago=75, last_days_ago=5, now=now)
    customer_services.score_customers(now=now)
    client.force_login(salon[0].user)
    page = client.get("/console/customers/", {"churn_risk": "true"}).content.decode()
    assert "客70" in page and "客71" not in page and "data-churn" in page


def test_key_accounts_are_the_few_who_bring_eighty_percent(client, salon, owner_b):
    merchant = salon[0].merchant
    now = clock.now()
    # Two big spenders (¥4,000 each) and eight small ones (¥250 each): ¥10,000 in all.
    for n in range(10):
        spend = 4000 if n < 2 else 250
        customer(
            merchant, 80 + n, visits=2, spend=spend, first_days_ago=9, last_days_ago=1, now=now
        )
    customer(
        owner_b.merchant, 99, visits=1, spend=90000, first_days_ago=1, last_days_ago=1, now=now
    )

    key = customer_selectors.key_accounts(merchant)
    shown = customer_selectors.customers_in_order(merchant, key.key_ids)
    assert [c.name for c in shown] == ["客80", "客81"]
    assert (key.customer_share, key.revenue_share) == (20.0, 80.0)
    assert key.pareto[-1] == (100.0, 100.0)
    client.force_login(salon[0].user)
    page = client.get("/console/customers/key-accounts/").content.decode()
    assert "2 of 10 paying customers (20.0 percent) bring 80.0 percent" in page
    assert 'id="pareto-chart"' in page


def test_key_accounts_come_fifty_a_page_biggest_first(client, salon):
    merchant = salon[0].merchant
    now = clock.now()
    # One giant (¥100,000) and 80 at ¥5,000: ¥500,000; the giant and 60 others make the 80 %.
    customer(merchant, 500, visits=9, spend=100000, first_days_ago=9, last_days_ago=1, now=now)
    for n in range(80):
        customer(
            merchant, 600 + n, visits=1, spend=5000, first_days_ago=9, last_days_ago=1, now=now
        )
    assert customer_selectors.key_accounts(merchant).key_count == 61
    client.force_login(salon[0].user)
    first = client.get("/console/customers/key-accounts/").content.decode()
    assert first.count("<tr><td><a href=") == 50
    assert first.index("客500") < first.index("客600") and "data-next-page" in first
    second = client.get("/console/customers/key-accounts/", {"page": 2}).content.decode()
    assert second.count("<tr><td><a href=") == 11
    assert "客500" not in second and "客659" in second and "客660" not in second


def test_scoring_in_shards_gives_the_same_scores(salon, owner_b, settings):

    now = clock.now()
    for merchant in (salon[0].merchant, owner_b.merchant):
        for n in range(7):
            customer(
                merchant,
                merchant.pk * 100 + n,
                visits=n + 1,
                spend=50 * (n + 1),
                first_days_ago=90,
                last_days_ago=60 - 7 * n,
                now=now,
            )
    customer_services.score_customers(now=now)
    whole = list(
        Customer.objects.order_by("pk").values_list("rfm_r", "rfm_f", "rfm_m", "churn_risk")
    )
    Customer.objects.update(rfm_r=0, rfm_f=0, rfm_m=0, rfm_segment="", churn_risk=False)
    settings.REGULARS_SCORING_SHARDS = 2
    customer_tasks.score_customers()  # the nightly task: one shard task per half of the merchants
    sharded = list(
        Customer.objects.order_by("pk").values_list("rfm_r", "rfm_f", "rfm_m", "churn_risk")
    )
    assert sharded == whole and any(r for r, *_rest in whole)
