import datetime as dt

import pytest

from regulars.merchants.models import CatalogItem, HolidayClosure, OpeningHours, Photo, Store
from tests.conftest import image_upload

pytestmark = pytest.mark.django_db

STORE = {
    "name": "洁丽洗衣（人民广场店）",
    "category": "dry-cleaning",
    "address": "上海市黄浦区西藏中路1号",
    "lat": 31.2317,
    "lng": 121.4846,
    "district": "黄浦区",
    "phone": "021 6321 0000",
}


def test_owner_sets_up_a_store_through_the_api(client, owner_a, api_token):
    auth = api_token(owner_a.user)
    created = client.post("/api/v1/merchant/stores", STORE, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    store_id = created.json()["id"]
    assert created.json()["phone"] == "+862163210000"

    hours = client.put(
        f"/api/v1/merchant/stores/{store_id}/hours",
        {"hours": [{"weekday": d, "opens": "09:00", "closes": "21:00"} for d in range(7)]},
        content_type="application/json",
        **auth,
    )
    assert hours.status_code == 200 and len(hours.json()["hours"]) == 7

    item = client.post(
        f"/api/v1/merchant/stores/{store_id}/items",
        {"name": "羽绒服清洗", "price": "58.00", "buyable": True},
        content_type="application/json",
        **auth,
    )
    assert item.status_code == 201 and item.json()["price"] == "58.00"

    photo = client.post(
        f"/api/v1/merchant/stores/{store_id}/photos",
        {"kind": "storefront", "image": image_upload()},
        **auth,
    )
    assert photo.status_code == 201, photo.content
    assert photo.json()["thumbnail_url"].startswith("/media/thumbs/")

    public = client.get(f"/api/v1/discovery/stores/{store_id}").json()
    assert public["items"][0]["name"] == "羽绒服清洗"
    assert public["photos"][0]["kind"] == "storefront"


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/api/v1/merchant/stores", {**STORE, "lat": 91}, "lat"),
        ("/api/v1/merchant/stores", {**STORE, "category": "nope"}, "category"),
        ("/api/v1/merchant/stores", {**STORE, "lat": "north"}, "lat"),
    ],
)
def test_bad_store_input_gets_a_field_error_and_changes_nothing(
    client, owner_a, api_token, path, body, field
):
    response = client.post(path, body, content_type="application/json", **api_token(owner_a.user))
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"] == field
    assert not Store.objects.exists()


def test_hours_that_end_before_they_start_get_a_4xx_and_change_nothing(
    client, owner_a, store_a, api_token
):
    response = client.put(
        f"/api/v1/merchant/stores/{store_a.pk}/hours",
        {"hours": [{"weekday": 0, "opens": "18:00", "closes": "09:00"}]},
        content_type="application/json",
        **api_token(owner_a.user),
    )
    assert response.status_code == 400
    assert "later than opening" in response.json()["errors"][0]["message"]
    assert OpeningHours.objects.filter(store=store_a).count() == 7


def test_a_text_file_as_photo_gets_a_4xx(client, owner_a, store_a, api_token):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        f"/api/v1/merchant/stores/{store_a.pk}/photos",
        {
            "kind": "storefront",
            "image": SimpleUploadedFile("x.png", b"hello", content_type="image/png"),
        },
        **api_token(owner_a.user),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "image"
    assert not Photo.objects.exists()


def test_staff_of_merchant_b_get_404_on_merchant_a_and_change_nothing(
    client, owner_a, owner_b, store_a, api_token
):
    from regulars.merchants import services

    item = services.create_item(
        actor=owner_a, store_id=store_a.pk, data=services.ItemInput(name="衬衫", price="15")
    )
    closure = services.add_closure(
        actor=owner_a,
        store_id=store_a.pk,
        start_date=dt.date(2027, 1, 1),
        end_date=dt.date(2027, 1, 2),
    )
    photo = services.add_photo(
        actor=owner_a, store_id=store_a.pk, kind="storefront", upload=image_upload()
    )
    auth = api_token(owner_b.user)
    attempts = [
        ("get", f"/api/v1/merchant/stores/{store_a.pk}", None),
        ("put", f"/api/v1/merchant/stores/{store_a.pk}", STORE),
        ("put", f"/api/v1/merchant/stores/{store_a.pk}/hours", {"hours": []}),
        (
            "post",
            f"/api/v1/merchant/stores/{store_a.pk}/closures",
            {"start_date": "2027-01-01", "end_date": "2027-01-02"},
        ),
        ("delete", f"/api/v1/merchant/closures/{closure.pk}", None),
        ("post", f"/api/v1/merchant/stores/{store_a.pk}/items", {"name": "x", "price": "1"}),
        ("get", f"/api/v1/merchant/items/{item.pk}", None),
        ("put", f"/api/v1/merchant/items/{item.pk}", {"name": "x", "price": "1"}),
        ("delete", f"/api/v1/merchant/photos/{photo.pk}", None),
    ]
    for method, path, body in attempts:
        kwargs = {"content_type": "application/json"} if body is not None else {}
        response = (
            getattr(client, method)(path, body, **kwargs, **auth)
            if body is not None
            else getattr(client, method)(path, **auth)
        )
        assert response.status_code == 404, (method, path, response.status_code)
    store_a.refresh_from_db()
    assert store_a.name == "洁丽洗衣（南京东路店）"
    assert OpeningHours.objects.filter(store=store_a).count() == 7
    assert HolidayClosure.objects.filter(pk=closure.pk).exists()
    assert CatalogItem.objects.get(pk=item.pk).name == "衬衫"
    assert Photo.objects.filter(pk=photo.pk).exists()
    listed = client.get("/api/v1/merchant/stores", **auth).json()
    assert store_a.pk not in [s["id"] for s in listed]


def test_console_pages_of_another_merchant_answer_404(client, owner_a, owner_b, store_a):
    client.force_login(owner_b.user)
    for url in (
        f"/console/stores/{store_a.pk}/",
        f"/console/stores/{store_a.pk}/hours/",
        f"/console/stores/{store_a.pk}/photos/",
        f"/console/stores/{store_a.pk}/items/",
        f"/console/stores/{store_a.pk}/items/new/",
    ):
        assert client.get(url).status_code == 404, url
    response = client.post(f"/console/stores/{store_a.pk}/", {**STORE, "name": "抢"})
    assert response.status_code == 404
    store_a.refresh_from_db()
    assert store_a.name != "抢"


def test_anonymous_api_calls_are_refused(client, store_a):
    assert client.get("/api/v1/merchant/stores").status_code == 401
    assert (
        client.post("/api/v1/merchant/stores", STORE, content_type="application/json").status_code
        == 401
    )


def test_session_api_calls_need_the_csrf_token(owner_a):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(owner_a.user)
    response = browser.post("/api/v1/merchant/stores", STORE, content_type="application/json")
    assert response.status_code in (401, 403)
    assert not Store.objects.exists()


def test_staff_invitation_through_the_api(client, owner_a, api_token):
    from regulars.accounts.services import sign_up
    from tests.conftest import PASSWORD

    invited = client.post(
        "/api/v1/merchant/staff/invitations",
        {"contact": "13700000001", "role": "cashier"},
        content_type="application/json",
        **api_token(owner_a.user),
    )
    assert invited.status_code == 201
    pending = client.get("/api/v1/merchant/staff/invitations", **api_token(owner_a.user)).json()
    assert [i["contact"] for i in pending] == ["+8613700000001"]
    cashier = sign_up(login="13700000001", password=PASSWORD)
    accepted = client.post(
        f"/api/v1/merchant/invitations/{invited.json()['token']}/accept", **api_token(cashier)
    )
    assert accepted.status_code == 200 and accepted.json()["role"] == "cashier"
    assert client.get("/api/v1/merchant/staff/invitations", **api_token(owner_a.user)).json() == []
    assert client.get("/api/v1/merchant/staff/invitations", **api_token(cashier)).status_code == 403
    # A cashier sees the stores but may not create one.
    assert client.get("/api/v1/merchant/stores", **api_token(cashier)).status_code == 200
    refused = client.post(
        "/api/v1/merchant/stores", STORE, content_type="application/json", **api_token(cashier)
    )
    assert refused.status_code == 403


def test_the_owner_sets_the_cancellation_and_validity_policies(client, owner_a, api_token):
    from regulars.merchants.models import Merchant

    auth = api_token(owner_a.user)
    body = {"name": "洁丽洗衣", "free_cancel_hours": 12, "order_validity_days": 30}
    response = client.put("/api/v1/merchant/me", body, content_type="application/json", **auth)
    assert response.status_code == 200 and response.json()["free_cancel_hours"] == 12
    refused = client.put(
        "/api/v1/merchant/me",
        {**body, "free_cancel_hours": 1000},
        content_type="application/json",
        **auth,
    )
    assert (
        refused.status_code == 400 and refused.json()["errors"][0]["field"] == "free_cancel_hours"
    )
    merchant = Merchant.objects.get(pk=owner_a.merchant.pk)
    assert (merchant.free_cancel_hours, merchant.order_validity_days) == (12, 30)
    client.force_login(owner_a.user)
    page = client.post(
        "/console/settings/",
        {"name": "洁丽洗衣", "free_cancel_hours": 6, "order_validity_days": 60},
    )
    assert page.status_code == 302
    assert Merchant.objects.get(pk=owner_a.merchant.pk).free_cancel_hours == 6
