"""Coupons through the pages and the API, with tenancy and roles."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.merchants import services as merchant_services
from regulars.promotions import services
from regulars.promotions.models import Campaign, Coupon, CouponStatus
from tests.conftest import make_person
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db


def campaign_post(**overrides):
    now = clock.localnow()
    body = {
        "name": "满100减20",
        "kind": "threshold",
        "amount": "20",
        "threshold": "100",
        "valid_from": f"{now - dt.timedelta(hours=1):%Y-%m-%dT%H:%M}",
        "valid_until": f"{now + dt.timedelta(days=30):%Y-%m-%dT%H:%M}",
        "stock": "50",
        "per_customer": "1",
        "claim_mode": "public",
        "audience": "anyone",
        "holdout_percent": "0",
    }
    body.update(overrides)
    return body


def test_the_owner_creates_previews_and_publishes_a_campaign(client, salon):
    owner = salon[0]
    client.force_login(owner.user)
    assert client.get("/console/campaigns/new/").status_code == 200
    preview = client.post("/console/campaigns/preview/", campaign_post())
    assert "¥20.00 off · on ¥100.00 or more" in preview.content.decode()
    refused = client.post("/console/campaigns/new/", campaign_post(threshold="10"))
    assert refused.status_code == 400 and "more than the amount off" in refused.content.decode()
    assert not Campaign.objects.exists()
    saved = client.post("/console/campaigns/new/", campaign_post())
    campaign = Campaign.objects.get()
    assert saved["Location"] == f"/console/campaigns/{campaign.pk}/"
    client.post(f"/console/campaigns/{campaign.pk}/action/", {"action": "publish"})
    campaign.refresh_from_db()
    assert campaign.published
    page = client.get(f"/console/campaigns/{campaign.pk}/").content.decode()
    assert 'id="campaign-chart"' in page and "echarts.min.js" in page
    listing = client.get("/console/campaigns/").content.decode()
    assert "满100减20" in listing and "0 / 50" in listing


def test_a_consumer_claims_on_the_store_page_and_sees_the_coupon(client, salon, consumer):
    owner, store, _haircut, _wash = salon
    campaign = make_campaign(owner)
    client.force_login(consumer)
    page = client.get(f"/stores/{store.pk}/").content.decode()
    assert "开业满减" in page and f"/coupons/claim/{campaign.pk}/" in page
    claimed = client.post(f"/coupons/claim/{campaign.pk}/", {"next": f"/stores/{store.pk}/"})
    coupon = Coupon.objects.get()
    assert claimed["Location"] == f"/me/coupons/{coupon.pk}/"
    shown = client.get(claimed["Location"]).content.decode()
    assert "data-coupon-code" in shown and coupon.code[:4] in shown
    coupon.refresh_from_db()
    assert coupon.viewed_at is not None
    again = client.post(
        f"/coupons/claim/{campaign.pk}/", {"next": "https://evil.example/"}, follow=True
    )
    assert again.redirect_chain[0][0] == "/me/coupons/"
    assert "the limit" in again.content.decode()


def test_a_consumer_adds_a_paper_code_and_uses_it_at_checkout(client, salon, consumer):
    owner, _store, haircut, _wash = salon
    campaign = make_campaign(
        owner, claim_mode="code", threshold="0", amount="15", kind="amount_off"
    )
    services.generate_codes(actor=owner, campaign_id=campaign.pk, count=5)
    code = Coupon.objects.filter(campaign=campaign).first().code
    client.force_login(consumer)
    wrong = client.post("/me/coupons/", {"code": "1234 5678 9012"})
    assert wrong.status_code == 400 and "check the digits" in wrong.content.decode()
    added = client.post("/me/coupons/", {"code": code})
    assert added.status_code == 302
    buy = client.get(f"/buy/{haircut.pk}/").content.decode()
    assert "开业满减" in buy
    client.post(
        f"/buy/{haircut.pk}/",
        {f"qty_{haircut.pk}": 1, "payment_method": "sandbox", "coupon": code},
    )
    order = consumer.orders.get()
    assert order.amount_due == Decimal("53.00")
    assert Coupon.objects.get(code=code).status == CouponStatus.USED


def test_the_cashier_redeems_at_the_till_and_sees_why_not(client, salon, consumer):
    owner, _store, _haircut, _wash = salon
    campaign = make_campaign(owner)
    coupon = services.claim(consumer=consumer, campaign_id=campaign.pk)
    cashier = make_person("13900000311", "收银员")
    invitation = merchant_services.invite_staff(actor=owner, contact=cashier.phone, role="cashier")
    merchant_services.accept_invitation(user=cashier, token=invitation.token)
    client.force_login(cashier)
    below = client.post("/console/coupons/redeem/", {"code": coupon.code, "bill": "80"})
    assert below.status_code == 400 and "at least ¥100.00" in below.content.decode()
    done = client.post(
        "/console/coupons/redeem/", {"code": coupon.code, "bill": "120"}, follow=True
    )
    assert "¥20.00 off, the customer pays ¥100.00" in done.content.decode()
    # A cashier redeems but may not design campaigns.
    assert client.get("/console/campaigns/new/").status_code == 302
    assert not Campaign.objects.exclude(pk=campaign.pk).exists()


def test_codes_export_as_csv_and_print_as_pdf(client, salon):
    owner = salon[0]
    campaign = make_campaign(owner, claim_mode="code")
    client.force_login(owner.user)
    client.post(f"/console/campaigns/{campaign.pk}/action/", {"action": "codes", "count": "20"})
    assert Coupon.objects.filter(campaign=campaign).count() == 20
    exported = client.get(f"/console/campaigns/{campaign.pk}/codes.csv")
    lines = b"".join(exported.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 21 and all(re.match(r"^\d{12},", line) for line in lines[1:])
    pdf = client.get(f"/console/campaigns/{campaign.pk}/codes.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")


def test_another_merchant_sees_nothing_of_the_campaign(client, salon, owner_b, api_token):
    campaign = make_campaign(salon[0])
    client.force_login(owner_b.user)
    assert client.get(f"/console/campaigns/{campaign.pk}/").status_code == 404
    assert client.post(
        f"/console/campaigns/{campaign.pk}/action/", {"action": "pause"}
    ).status_code in (302, 404)
    campaign.refresh_from_db()
    assert campaign.published
    headers = api_token(owner_b.user)
    assert client.get(f"/api/v1/merchant/campaigns/{campaign.pk}", **headers).status_code == 404
    assert (
        client.get(f"/api/v1/merchant/campaigns/{campaign.pk}/effect", **headers).status_code == 404
    )


def test_the_api_runs_a_campaign_end_to_end(client, salon, consumer, api_token):
    owner, store, _haircut, _wash = salon
    staff, buyer = api_token(owner.user), api_token(consumer)
    now = clock.now()
    created = client.post(
        "/api/v1/merchant/campaigns",
        {
            "name": "八折",
            "kind": "percent_off",
            "percent": 20,
            "cap": "30",
            "valid_from": (now - dt.timedelta(hours=1)).isoformat(),
            "valid_until": (now + dt.timedelta(days=7)).isoformat(),
            "stock": 10,
        },
        content_type="application/json",
        **staff,
    )
    assert created.status_code == 201, created.content
    campaign_id = created.json()["id"]
    assert created.json()["value_text"] == "20 percent off (up to ¥30.00)"
    client.post(
        f"/api/v1/merchant/campaigns/{campaign_id}/publish",
        {"published": True},
        content_type="application/json",
        **staff,
    )
    listed = client.get(f"/api/v1/stores/{store.pk}/campaigns")
    assert [c["id"] for c in listed.json()] == [campaign_id]
    coupon = client.post(f"/api/v1/campaigns/{campaign_id}/claim", **buyer).json()
    assert client.get(f"/api/v1/coupons/{coupon['id']}", **buyer).json()["status"] == "claimed"
    redeemed = client.post(
        "/api/v1/merchant/coupons/redeem",
        {"code": coupon["code"], "bill": "200"},
        content_type="application/json",
        **staff,
    )
    assert redeemed.status_code == 201 and redeemed.json()["discount"] == "30.00"
    again = client.post(
        "/api/v1/merchant/coupons/redeem",
        {"code": coupon["code"], "bill": "200"},
        content_type="application/json",
        **staff,
    )
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "used"
    effect = client.get(f"/api/v1/merchant/campaigns/{campaign_id}/effect", **staff).json()
    assert (effect["claimed"], effect["viewed"], effect["redeemed"]) == (1, 1, 1)
    assert effect["revenue"] == "170.00" and effect["redemption_rate"] == 1.0
    bad = client.post(
        "/api/v1/merchant/campaigns",
        {
            "name": "x",
            "kind": "percent_off",
            "percent": 0,
            "valid_from": now.isoformat(),
            "valid_until": (now + dt.timedelta(days=1)).isoformat(),
            "stock": 1,
        },
        content_type="application/json",
        **staff,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "percent"


def test_codes_through_the_api_and_the_page_with_a_big_batch_in_the_background(
    client, salon, owner_b, api_token, django_capture_on_commit_callbacks
):
    owner = salon[0]
    campaign = make_campaign(owner, claim_mode="code", stock=1)
    staff = api_token(owner.user)
    url = f"/api/v1/merchant/campaigns/{campaign.pk}/codes"
    small = client.post(url, {"count": 20}, content_type="application/json", **staff)
    assert small.status_code == 201, small.content
    assert small.json() | {"id": 0} == {
        "id": 0,
        "requested": 20,
        "generated": 20,
        "status": "done",
        "percent": 100,
    }
    big = client.post(url, {"count": 12_000}, content_type="application/json", **staff)
    assert big.status_code == 202 and big.json()["status"] == "running"
    batch_url = f"/api/v1/merchant/campaigns/{campaign.pk}/code-batches/{big.json()['id']}"
    assert client.get(batch_url, **staff).json()["generated"] == 0
    # Another merchant sees neither the batch nor the campaign.
    assert client.get(batch_url, **api_token(owner_b.user)).status_code == 404
    bad = client.post(url, {"count": 0}, content_type="application/json", **staff)
    assert bad.status_code == 400 and Coupon.objects.filter(campaign=campaign).count() == 20

    client.force_login(owner.user)
    page = client.get(f"/console/campaigns/{campaign.pk}/").content.decode()
    assert 'data-batch-status="running"' in page and "0 of 12000 codes" in page
    assert f'hx-get="/console/campaigns/{campaign.pk}/code-batches/"' in page
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(
            f"/console/campaigns/{campaign.pk}/action/", {"action": "codes", "count": "6000"}
        )
    assert answered.status_code == 302
    progress = client.get(f"/console/campaigns/{campaign.pk}/code-batches/").content.decode()
    assert "6000 codes generated" in progress and "20 codes generated" in progress
    assert Coupon.objects.filter(campaign=campaign).count() == 6020
