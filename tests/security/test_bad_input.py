"""Bad input answers 4xx with the documented error shape, changes nothing, and never a 500:
NUL characters, integers no column holds, naive datetimes, absurd dates, out-of-range positions,
over-long keys. Run on SQLite and PostgreSQL (PostgreSQL is the one that refused NUL)."""

import json

import pytest
from django.test import Client

from regulars.membership.models import PointsEntry
from regulars.notifications.models import Place, PushSubscription

pytestmark = pytest.mark.django_db

NUL = "\x00"


def api_errors(answer) -> list[dict]:
    assert answer["Content-Type"].startswith("application/json"), answer.content[:200]
    return answer.json()["errors"]


def post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", **headers)


def test_a_nul_character_is_refused_everywhere_with_400(client):
    page = client.get("/", {"q": f"洗衣{NUL}", "lat": "31.23", "lng": "121.47"})
    assert page.status_code == 400 and "NUL" in page.content.decode()
    answer = client.get("/api/v1/discovery/nearby", {"lat": "31.23", "lng": "121.47", "q": NUL})
    assert answer.status_code == 400 and api_errors(answer)[0]["code"] == "nul"
    signup = post_json(client, "/api/v1/auth/signup", {"login": "1380000" + NUL, "password": "x"})
    assert signup.status_code == 400 and api_errors(signup)[0]["code"] == "nul"
    form = client.post("/accounts/login/", {"username": f"a{NUL}", "password": "x"})
    assert form.status_code == 400


def test_integers_no_column_holds_are_refused(client, card, salon, api_token):
    owner = salon[0]
    answer = post_json(
        client,
        f"/api/v1/merchant/cards/{card.pk}/points-adjustments",
        {"delta": 2**31, "reason": "x", "idempotency_key": "big"},
        **api_token(owner.user),
    )
    assert answer.status_code == 400 and api_errors(answer)[0]["code"] == "too_large"
    assert not PointsEntry.objects.filter(card=card).exists()


def test_points_moves_and_balances_are_bounded(card, salon):
    from regulars.core.errors import DomainError
    from regulars.membership import services

    owner = salon[0]
    with pytest.raises(DomainError, match="at most"):
        services.adjust_points(
            actor=owner, card_id=card.pk, delta=2**31 - 1, reason="x", idempotency_key="k1"
        )
    for n in range(3):  # the largest allowed adjustments, until the card is full
        services.adjust_points(
            actor=owner, card_id=card.pk, delta=10_000_000, reason="x", idempotency_key=f"ok{n}"
        )
    card.refresh_from_db()
    assert card.points == 30_000_000
    # Earning still works: nothing on the card overflowed.
    services.record_purchase(card_id=card.pk, amount="100", idempotency_key="buy")


def test_absurd_dates_are_400_not_500(client, salon, api_token):
    owner, _store, haircut, _wash = salon
    for day in ("9999-12-31", "2026-13-01", "99999-01-01"):
        slots = client.get(f"/api/v1/booking/items/{haircut.pk}/slots", {"date": day})
        assert 400 <= slots.status_code < 500, (day, slots.status_code)
        api_errors(slots)
        report = client.get(
            "/api/v1/merchant/reports/weekly", {"date": day}, **api_token(owner.user)
        )
        assert 400 <= report.status_code < 500, (day, report.status_code)
        api_errors(report)
    client.force_login(owner.user)
    for query in ("month=2026-13", "month=99999-01", "month=9999-12", "date=9999-12-31"):
        for url in ("/console/reports/monthly/", "/console/settlement/", "/console/reports/"):
            page = client.get(f"{url}?{query}")
            assert page.status_code < 500, (url, query, page.status_code)


def test_a_datetime_without_a_time_zone_is_refused(client, salon, consumer, api_token):
    _owner, _store, haircut, _wash = salon
    answer = post_json(
        client,
        "/api/v1/reservations",
        {"item_id": haircut.pk, "starts_at": "2026-11-30T09:00:00", "party_size": 1},
        **api_token(consumer),
    )
    assert answer.status_code == 422, answer.content
    assert api_errors(answer)[0]["field"] == "starts_at"


def test_positions_and_keys_out_of_range(client, consumer, api_token):
    auth = api_token(consumer)
    far = post_json(client, "/api/v1/me/places", {"kind": "home", "lat": 91, "lng": 121}, **auth)
    assert far.status_code in (400, 422) and api_errors(far)
    huge_key = post_json(
        client,
        "/api/v1/me/push-subscriptions",
        {
            "endpoint": "https://push.example/" + "a" * 600,
            "keys": {"p256dh": "k" * 5000, "auth": "a"},
        },
        **auth,
    )
    assert huge_key.status_code in (400, 422) and api_errors(huge_key)
    assert not Place.objects.exists() and not PushSubscription.objects.exists()
    long_email = post_json(
        client,
        "/api/v1/auth/signup",
        {"login": "x" * 300 + "@example.com", "password": "a-Good-passphrase-42"},
    )
    assert long_email.status_code in (400, 422) and api_errors(long_email)


def test_an_unexpected_api_error_is_json(client, monkeypatch):
    from regulars.discovery import api as discovery_api

    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(discovery_api.selectors, "nearby_stores", broken)
    quiet = Client(raise_request_exception=False)
    answer = quiet.get("/api/v1/discovery/nearby", {"lat": "31.23", "lng": "121.47"})
    assert answer.status_code == 500
    assert api_errors(answer)[0]["code"] == "server_error"


def test_a_wrong_date_on_a_page_is_a_form_error(client, salon):
    owner = salon[0]
    client.force_login(owner.user)
    page = client.get("/console/reservations/", {"day": "9999-12-31"})
    assert page.status_code == 200


def test_an_order_with_thousands_of_lines_is_refused(client, salon, consumer, api_token):
    _owner, store, haircut, _wash = salon
    answer = post_json(
        client,
        "/api/v1/orders",
        {
            "store_id": store.pk,
            "lines": [{"item_id": haircut.pk, "quantity": 1}] * 5000,
            "payment_method": "store",
        },
        **api_token(consumer),
    )
    assert answer.status_code == 400 and api_errors(answer)[0]["field"] == "lines"
