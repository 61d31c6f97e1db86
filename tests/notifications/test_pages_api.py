"""Message settings, following, opt-outs and flash deals through the pages and the API."""

import pytest

from regulars.merchants.models import Category
from regulars.notifications.models import (
    InboxMessage,
    MerchantOptOut,
    Place,
    Preferences,
    PushSubscription,
    Subscription,
)
from regulars.promotions.models import FlashDeal
from tests.conftest import PEOPLE_SQUARE, make_merchant, make_person, make_store

pytestmark = pytest.mark.django_db


def test_the_settings_page_saves_places_follows_and_quiet_hours(client, consumer):
    client.force_login(consumer)
    page = client.get("/me/messages/")
    assert page.status_code == 200 and "data-vapid-key" in page.content.decode()
    laundry = Category.objects.get(slug="laundry")
    assert (
        client.post(
            "/me/messages/", {"form": "follow", "category": laundry.pk, "radius_m": 2000}
        ).status_code
        == 302
    )
    added = client.post(
        "/me/messages/",
        {"form": "place", "kind": "home", "lat": PEOPLE_SQUARE[0], "lng": PEOPLE_SQUARE[1]},
    )
    assert added.status_code == 302
    bad = client.post("/me/messages/", {"form": "place", "kind": "home", "lat": 95, "lng": 0})
    assert bad.status_code == 400 and Place.objects.count() == 1
    saved = client.post(
        "/me/messages/",
        {
            "form": "preferences",
            "promotions": "on",
            "push": "on",
            "quiet_from": "21:30",
            "quiet_until": "07:30",
            "daily_cap": "2",
            "use_activity_range": "on",
        },
    )
    assert saved.status_code == 302
    prefs = Preferences.objects.get(consumer=consumer)
    assert (str(prefs.quiet_from), prefs.daily_cap) == ("21:30:00", 2)
    page = client.get("/me/messages/").content.decode()
    assert laundry.name in page and "2 km" in page


def test_follow_a_shop_from_its_page_and_stop_its_offers_from_the_inbox(client, consumer):
    owner = make_merchant("13900000601", name="洁丽洗衣")
    store = make_store(owner)
    client.force_login(consumer)
    assert "Follow: get this shop" in client.get(f"/stores/{store.pk}/").content.decode()
    client.post(f"/shops/{owner.merchant.pk}/follow/", {"next": f"/stores/{store.pk}/"})
    assert Subscription.objects.get(consumer=consumer).merchant_id == owner.merchant.pk
    assert "Following ✓" in client.get(f"/stores/{store.pk}/").content.decode()
    InboxMessage.objects.create(
        user=consumer, title="⚡", merchant=owner.merchant, dedupe_key="t1", link="/deals/1/"
    )
    assert "No more offers from 洁丽洗衣" in client.get("/me/inbox/").content.decode()
    client.post(f"/shops/{owner.merchant.pk}/stop-offers/")
    assert MerchantOptOut.objects.filter(consumer=consumer).exists()


def test_the_service_worker_is_served_from_the_root(client):
    response = client.get("/sw.js")
    assert response["Content-Type"] == "application/javascript"
    assert response["Service-Worker-Allowed"] == "/"
    assert "showNotification" in response.content.decode()


def test_push_subscriptions_from_the_page_and_the_api(client, consumer, api_token):
    client.force_login(consumer)
    body = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "BPk", "auth": "x1"}}
    assert (
        client.post("/me/messages/push/", body, content_type="application/json").status_code == 201
    )
    broken = client.post("/me/messages/push/", {"endpoint": ""}, content_type="application/json")
    assert broken.status_code == 400
    client.post(
        "/me/messages/push/",
        {"unsubscribe": "https://push.example/abc"},
        content_type="application/json",
    )
    assert not PushSubscription.objects.exists()
    headers = api_token(consumer)
    assert client.get("/api/v1/push/key").json()["public_key"]
    made = client.post(
        "/api/v1/me/push-subscriptions", body, content_type="application/json", **headers
    )
    assert made.status_code == 201 and PushSubscription.objects.count() == 1


def test_the_api_manages_preferences_places_and_subscriptions(client, consumer, api_token):
    headers = api_token(consumer)
    put = client.put(
        "/api/v1/me/message-preferences",
        {"daily_cap": 5, "quiet_from": "23:00:00", "quiet_until": "07:00:00"},
        content_type="application/json",
        **headers,
    )
    assert put.status_code == 200 and put.json()["daily_cap"] == 5
    too_many = client.put(
        "/api/v1/me/message-preferences",
        {"daily_cap": 99},
        content_type="application/json",
        **headers,
    )
    assert too_many.status_code == 400
    place = client.post(
        "/api/v1/me/places",
        {"kind": "work", "lat": 31.23, "lng": 121.47},
        content_type="application/json",
        **headers,
    )
    assert place.status_code == 201
    follow = client.post(
        "/api/v1/me/subscriptions",
        {"category_id": Category.objects.get(slug="laundry").pk, "radius_m": 50},
        content_type="application/json",
        **headers,
    )
    assert follow.status_code == 400 and follow.json()["errors"][0]["field"] == "radius_m"
    stranger = make_person("13800000602")
    assert (
        client.delete(f"/api/v1/me/places/{place.json()['id']}", **api_token(stranger)).status_code
        == 404
    )


def test_the_console_creates_a_flash_deal_and_shows_its_delivery_log(
    client, django_capture_on_commit_callbacks
):
    owner = make_merchant("13900000603", name="洁丽洗衣")
    store = make_store(owner)
    fan = make_person("13800000604")
    Place.objects.create(consumer=fan, lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1])
    Subscription.objects.create(consumer=fan, merchant=owner.merchant, radius_m=1000)
    client.force_login(owner.user)
    assert client.get("/console/campaigns/flash/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        made = client.post(
            "/console/campaigns/flash/",
            {
                "store": store.pk,
                "name": "午间快闪",
                "kind": "amount_off",
                "amount": "10",
                "stock": "5",
                "duration_minutes": "60",
                "target": "nearby",
            },
        )
    deal = FlashDeal.objects.get()
    assert made["Location"] == f"/console/campaigns/{deal.campaign_id}/"
    page = client.get(made["Location"]).content.decode()
    log = page.split("data-delivery-log", 1)[1].split("</table>", 1)[0]
    assert "Inbox" in log and "Sent" in log
    assert InboxMessage.objects.filter(user=fan).count() == 1
    client.force_login(fan)
    deal_page = client.get(f"/deals/{deal.campaign_id}/").content.decode()
    assert "5 left" in deal_page and "午间快闪" in deal_page


def test_stopping_offers_from_a_shop_that_does_not_exist_is_a_404(client, consumer, api_token):
    client.force_login(consumer)
    assert client.post("/shops/999999/stop-offers/").status_code == 404
    assert client.post("/me/messages/junk/1/remove/").status_code == 404
    response = client.post("/api/v1/me/opt-outs/999999", **api_token(consumer))
    assert response.status_code == 404
    assert not MerchantOptOut.objects.exists()


def test_a_category_is_followed_by_the_slug_the_api_lists(client, consumer, api_token):
    auth = api_token(consumer)
    slugs = [c["slug"] for c in client.get("/api/v1/discovery/categories").json()]
    assert "laundry" in slugs or slugs
    slug = "laundry" if "laundry" in slugs else slugs[0]
    made = client.post(
        "/api/v1/me/subscriptions",
        {"category": slug, "radius_m": 1500},
        content_type="application/json",
        **auth,
    )
    assert made.status_code == 201, made.content
    assert made.json()["category"] == slug and made.json()["category_id"]
    unknown = client.post(
        "/api/v1/me/subscriptions",
        {"category": "no-such-trade"},
        content_type="application/json",
        **auth,
    )
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "category"
