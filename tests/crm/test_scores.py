"""RFM quintiles within a merchant, named segments, usual interval and the churn warning."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from regulars.crm import services
from regulars.crm.models import Customer

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
    now = timezone.now()
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
    services.score_customers(now=now)
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
    now = timezone.now()
    customer(merchant, 70, visits=11, spend=500, first_days_ago=90, last_days_ago=20, now=now)
    customer(merchant, 71, visits=11, spend=500, first_days_ago=75, last_days_ago=5, now=now)
    services.score_customers(now=now)
    client.force_login(salon[0].user)
    page = client.get("/console/customers/", {"churn_risk": "true"}).content.decode()
    assert "客70" in page and "客71" not in page and "data-churn" in page
