"""The risk list: flagged customers are visible to staff and left out of every campaign."""

import pytest

from regulars.core.errors import DomainError, PermissionDenied
from regulars.customers import services as customer_services
from regulars.customers.models import Customer, RiskFlag
from regulars.merchants.models import Role
from regulars.merchants.permissions import StaffContext
from regulars.notifications import targeting
from regulars.promotions import services as coupons
from regulars.promotions.models import Coupon
from tests.conftest import make_person
from tests.customers.test_directory import buy_and_use
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def flagged(salon, consumer):
    owner = salon[0]
    buy_and_use(consumer, salon, "r1")
    customer = Customer.objects.get(consumer=consumer)
    customer_services.flag_customer(
        actor=owner, customer_id=customer.pk, reason="fraud", note="用他人的卡消费"
    )
    return customer


def test_a_flagged_customer_gets_no_coupon_and_no_flash_deal(salon, consumer, flagged):
    owner = salon[0]
    campaign = make_campaign(owner, name="全场满减")
    with pytest.raises(DomainError, match="not available to your account"):
        coupons.claim(consumer=consumer, campaign_id=campaign.pk)
    other = make_person("13800000981", "老实人")
    assert coupons.claim(consumer=other, campaign_id=campaign.pk)
    assert targeting.audience_ids(
        {"kind": "users", "ids": [consumer.pk, other.pk]}, merchant_id=owner.merchant.pk
    ) == [other.pk]
    # Another shop's offers still reach them: the list is this merchant's.
    assert targeting.audience_ids({"kind": "users", "ids": [consumer.pk]}, merchant_id=0) == [
        consumer.pk
    ]
    # Cleared, they are back.
    customer_services.clear_flag(actor=owner, customer_id=flagged.pk, note="误会")
    assert coupons.claim(consumer=consumer, campaign_id=campaign.pk)
    assert RiskFlag.objects.get().cleared_at is not None  # the history stays


def test_issuing_leaves_flagged_customers_out(salon, consumer, flagged):
    owner = salon[0]
    other = make_person("13800000982", "老顾客")
    campaign = make_campaign(
        owner,
        name="老客回馈",
        claim_mode="issued",
        audience="list",
        phones=[consumer.phone, other.phone],
    )
    coupons.issue(actor=owner, campaign_id=campaign.pk)
    assert list(Coupon.objects.filter(campaign=campaign).values_list("consumer_id", flat=True)) == [
        other.pk
    ]


def test_flagging_rules(salon, consumer, flagged):
    owner = salon[0]
    with pytest.raises(DomainError, match="already on the risk list"):
        customer_services.flag_customer(
            actor=owner, customer_id=flagged.pk, reason="abuse", note="x"
        )
    other = Customer.objects.create(merchant=owner.merchant, name="某", source="manual")
    with pytest.raises(DomainError, match="Choose a reason"):
        customer_services.flag_customer(actor=owner, customer_id=other.pk, reason="bad", note="x")
    with pytest.raises(DomainError, match="Say what happened"):
        customer_services.flag_customer(actor=owner, customer_id=other.pk, reason="abuse", note=" ")
    cashier = StaffContext(user=owner.user, merchant=owner.merchant, role=Role.CASHIER)
    with pytest.raises(PermissionDenied):
        customer_services.flag_customer(
            actor=cashier, customer_id=other.pk, reason="abuse", note="x"
        )
    account_manager = StaffContext(
        user=owner.user, merchant=owner.merchant, role=Role.ACCOUNT_MANAGER
    )
    with pytest.raises(PermissionDenied):
        customer_services.clear_flag(actor=account_manager, customer_id=flagged.pk)
    assert RiskFlag.objects.filter(cleared_at__isnull=True).count() == 1


def test_pages_and_api(client, salon, consumer, flagged, api_token, owner_b):
    owner = salon[0]
    client.force_login(owner.user)
    listed = client.get("/console/customers/", {"at_risk": "true"}).content.decode()
    assert "data-flagged" in listed and "小李" in listed
    profile = client.get(f"/console/customers/{flagged.pk}/").content.decode()
    assert "data-risk" in profile and "用他人的卡消费" in profile
    client.post(f"/console/customers/{flagged.pk}/risk/", {"clear": "1", "note": "已核实"})
    assert not RiskFlag.objects.filter(cleared_at__isnull=True).exists()
    made = client.post(
        f"/api/v1/merchant/customers/{flagged.pk}/risk-flag",
        {"reason": "abuse", "note": "辱骂店员"},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert made.status_code == 201
    hidden = client.post(
        f"/api/v1/merchant/customers/{flagged.pk}/risk-flag",
        {"reason": "abuse", "note": "x"},
        content_type="application/json",
        **api_token(owner_b.user),
    )
    assert hidden.status_code == 404
    found = client.get(
        "/api/v1/merchant/customers", {"at_risk": "true"}, **api_token(owner.user)
    ).json()
    assert [row["id"] for row in found] == [flagged.pk]
