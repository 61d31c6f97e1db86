"""Segments: saved rules with a live count, usable as a coupon campaign's audience."""

import pytest

from regulars.core.errors import DomainError
from regulars.customers import selectors as customer_selectors
from regulars.customers import services as customer_services
from regulars.customers.models import Customer, Segment
from regulars.promotions import services as coupons
from regulars.promotions.models import Coupon
from tests.conftest import make_person
from tests.customers.test_directory import buy_and_use
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db


def test_a_segment_keeps_its_rules_and_its_members_follow_the_facts(client, salon, consumer):
    owner = salon[0]
    buy_and_use(consumer, salon, "e1")
    newcomer = make_person("13800000961", "新客")
    coupons.claim(consumer=newcomer, campaign_id=make_campaign(owner).pk)
    client.force_login(owner.user)
    assert (
        "1 customer" in client.get("/console/customers/count/", {"min_visits": 1}).content.decode()
    )
    saved = client.post(
        "/console/customers/segments/save/?min_visits=1", {"segment_name": "回头客"}
    )
    assert saved.status_code == 302
    segment = Segment.objects.get()
    assert segment.rules == {"min_visits": 1}
    assert [c.consumer for c in customer_selectors.segment_members(segment)] == [consumer]
    buy_and_use(newcomer, salon, "e2")  # the newcomer comes back: now in the segment
    assert customer_selectors.segment_members(segment).count() == 2
    page = client.get("/console/customers/segments/").content.decode()
    assert "回头客" in page and "data-size>2<" in page
    with pytest.raises(DomainError, match="name"):
        customer_services.save_segment(actor=owner, name="", rules={})


def test_a_segment_as_a_coupon_audience(salon, consumer):
    owner = salon[0]
    buy_and_use(consumer, salon, "e1")
    stranger = make_person("13800000962")
    segment = customer_services.save_segment(actor=owner, name="买过的人", rules={"min_visits": 1})
    campaign = make_campaign(owner, audience="segment", audience_param=segment.pk)
    refused = pytest.raises(DomainError)
    with refused:
        coupons.claim(consumer=stranger, campaign_id=campaign.pk)
    assert refused.excinfo.value.code == "not_in_audience"
    assert coupons.claim(consumer=consumer, campaign_id=campaign.pk).consumer == consumer
    issued = make_campaign(
        owner, audience="segment", audience_param=segment.pk, claim_mode="issued"
    )
    assert coupons.issue(actor=owner, campaign_id=issued.pk).issued == 1
    assert Coupon.objects.get(campaign=issued).consumer == consumer
    with pytest.raises(DomainError, match="segments"):
        make_campaign(owner, audience="segment", audience_param=None)
    assert Customer.objects.filter(merchant=owner.merchant).count() == 1
