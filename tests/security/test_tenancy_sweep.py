"""Tenancy sweep: every operation of the API (read from /api/openapi.json, so a new endpoint is
covered without editing this test) and every merchant console URL, called by the owner of
merchant B on merchant A's objects, answers 404 or 403 — and the database is unchanged."""

import json

import pytest
from django.core.management import call_command
from django.urls import get_resolver
from django.urls.resolvers import URLResolver

from regulars.accounts.services import create_api_token
from regulars.core import clock
from regulars.customers import models as customer_models
from regulars.merchants.models import Merchant, Role, StaffMember
from regulars.relationships import models as relationship_models
from regulars.servicedesk import models as desk_models

from . import sweep

pytestmark = pytest.mark.django_db(transaction=True)

# Operations open to anyone signed in, by design: a shop's public page, its reviews, claiming a
# public coupon, applying for its card, buying its punch card, opting out of its offers. Each is still checked to be
# something a consumer may do at any shop; nothing merchant-side belongs here.
PUBLIC = {
    ("GET", "/api/v1/discovery/stores/{store_id}"),
    ("GET", "/api/v1/discovery/stores/{store_id}/staff"),
    ("GET", "/api/v1/booking/items/{item_id}/slots"),
    ("GET", "/api/v1/stores/{store_id}/reviews"),
    ("GET", "/api/v1/stores/{store_id}/campaigns"),
    ("POST", "/api/v1/reviews/{review_id}/report"),
    ("POST", "/api/v1/merchants/{merchant_id}/cards"),
    ("POST", "/api/v1/campaigns/{campaign_id}/claim"),
    ("POST", "/api/v1/punch-card-plans/{punch_plan_id}/purchases"),
    ("POST", "/api/v1/me/opt-outs/{merchant_id}"),
    ("DELETE", "/api/v1/me/opt-outs/{merchant_id}"),
}


@pytest.fixture
def city(transactional_db):
    """The demo generator's city, small: merchant A is the first (with the richest history)."""
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)
    call_command("demo_city", merchants=3, consumers=40, verbosity=0)
    merchant_a, merchant_b = Merchant.objects.order_by("pk")[:2]
    _complete(merchant_a)
    owner_b = StaffMember.objects.get(merchant=merchant_b, role=Role.OWNER).user
    return merchant_a, merchant_b, owner_b


def _complete(merchant) -> None:
    """Objects the generator does not make, so that every path parameter has one of A's."""
    import datetime as dt

    from regulars.membership.models import CardProgram, Reward
    from regulars.merchants.models import CatalogItem, HolidayClosure, Photo, Store

    store = Store.objects.filter(merchant=merchant).first()
    item = CatalogItem.objects.filter(merchant=merchant).first()
    owner = StaffMember.objects.get(merchant=merchant, role=Role.OWNER).user
    customer = customer_models.Customer.objects.filter(merchant=merchant).first()
    today = clock.today()
    in_a_week = today + dt.timedelta(days=7)
    HolidayClosure.objects.get_or_create(
        merchant=merchant, store=store, start_date=today, end_date=today
    )
    if not Photo.objects.filter(merchant=merchant).exists():
        Photo.objects.create(
            merchant=merchant,
            store=store,
            kind="storefront",
            image="photos/sweep.png",
            thumbnail="thumbs/sweep.png",
            width=640,
            height=480,
        )
    program = CardProgram.objects.filter(merchant=merchant).first()
    if program and not Reward.objects.filter(program=program).exists():
        Reward.objects.create(merchant=merchant, program=program, item=item, points=100)
    relationship_models.Commitment.objects.create(
        merchant=merchant,
        customer=customer,
        promise="下周三前回电",
        promised_by=owner,
        due_on=in_a_week,
    )
    desk_models.CorrectiveAction.objects.create(
        merchant=merchant,
        month=today.replace(day=1),
        category="service",
        action="缩短等待",
        owner=owner,
        due_on=in_a_week,
    )
    relationship_models.MaintenancePlan.objects.create(
        merchant=merchant,
        customer=customer,
        methods="回访",
        measures="每月一次",
        owner=owner,
        proposed_by=owner,
    )
    from regulars.notifications.models import Subscription

    follower = customer_models.Customer.objects.filter(
        merchant=merchant, consumer__isnull=False
    ).first()
    Subscription.objects.get_or_create(consumer=follower.consumer, merchant=merchant)
    customer_models.CustomerImport.objects.create(
        merchant=merchant, created_by=owner, filename="customers.csv", content=b"name\n"
    )
    from regulars.promotions.models import Campaign, CodeBatch

    CodeBatch.objects.create(
        merchant=merchant,
        campaign=Campaign.objects.filter(merchant=merchant).first(),
        requested=10,
        made=10,
        status="done",
        created_by=owner,
        heartbeat_at=clock.now(),
    )


def _api_call(client, spec, method, path, operation, values, headers):
    url = path.format(**values)
    content_type, body = sweep.request_body(spec, operation)
    query = sweep.query_string(spec, operation)
    if query:
        from urllib.parse import urlencode

        url += "?" + urlencode(query)
    call = getattr(client, method.lower())
    if content_type == "multipart/form-data":
        return call(url, data=body, **headers)
    if content_type == "application/json":
        return call(url, data=json.dumps(body), content_type="application/json", **headers)
    return call(url, **headers)


def test_no_api_operation_reaches_another_merchants_objects(client, city):
    from regulars.api import api

    merchant_a, _merchant_b, owner_b = city
    spec = api.get_openapi_schema()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner_b)}"}
    before = sweep.database_fingerprint()
    swept, leaks = 0, []
    for method, path, operation, params in sweep.operations(spec):
        values = sweep.path_values(params, merchant_a, owner_b)
        if values is None or (method, path) in PUBLIC:
            continue
        answer = _api_call(client, spec, method, path, operation, values, headers)
        swept += 1
        if answer.status_code not in (403, 404):
            leaks.append(f"{method} {path} → {answer.status_code} {answer.content[:200]!r}")
    assert not leaks, "\n".join(leaks)
    assert swept >= 60
    assert sweep.changed_tables(before, sweep.database_fingerprint()) == []


def _console_routes():
    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            else:
                yield prefix + str(pattern.pattern)

    return [route for route in walk(get_resolver().url_patterns) if route.startswith("console/")]


def test_no_console_page_reaches_another_merchants_objects(client, city):
    import re

    merchant_a, _merchant_b, owner_b = city
    client.force_login(owner_b)
    before = sweep.database_fingerprint()
    swept, leaks = 0, []
    for route in _console_routes():
        params = re.findall(r"<(?:\w+:)?(\w+)>", route)
        values = sweep.path_values(params, merchant_a, owner_b)
        if values is None:
            continue
        url = "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m, v=values: str(v[m.group(1)]), route)
        for method in ("get", "post"):
            answer = getattr(client, method)(url)
            swept += 1
            if answer.status_code not in (403, 404, 405):
                leaks.append(f"{method.upper()} {url} ({route}) → {answer.status_code}")
    assert not leaks, "\n".join(leaks)
    assert swept >= 60
    assert sweep.changed_tables(before, sweep.database_fingerprint()) == []
