"""Brute force and abuse: sign-in lockout, code guessing, reviews and messages are rate limited,
and each refusal says when to try again."""

import json

import pytest

from regulars.core import codes
from regulars.core.throttle import RateLimited
from regulars.notifications import services as messages
from tests.conftest import PASSWORD, api_sign_up, make_person


def _sign_in(client, login, password, address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/token",
        data=json.dumps({"login": login, "password": password}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_account_even_for_the_right_one(client):
    make_person("13800001111")
    for attempt in range(4):
        answer = _sign_in(client, "13800001111", "wrong-guess")
        assert answer.status_code == 400, attempt
    locked = _sign_in(client, "13800001111", "wrong-guess")
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= 15 * 60
    error = locked.json()["errors"][0]
    assert error["code"] == "rate_limited" and "minute" in error["message"]
    # The right password is refused as well until the window passes: the attacker learns nothing.
    assert _sign_in(client, "13800001111", PASSWORD).status_code == 429
    # Another person's account from the same address is not locked.
    make_person("13800002222")
    assert _sign_in(client, "13800002222", PASSWORD).status_code == 200


@pytest.mark.django_db
def test_a_successful_sign_in_forgives_earlier_mistakes(client):
    make_person("13800001111")
    for _ in range(4):
        _sign_in(client, "13800001111", "wrong-guess")
    assert _sign_in(client, "13800001111", PASSWORD).status_code == 200
    for _ in range(4):
        assert _sign_in(client, "13800001111", "wrong-guess").status_code == 400


@pytest.mark.django_db
def test_one_address_trying_many_accounts_is_stopped(client):
    for n in range(50):
        _sign_in(client, f"1380000{n:04d}", "whatever-1", address="10.9.9.9")
    answer = _sign_in(client, "13800009999", "whatever-1", address="10.9.9.9")
    assert answer.status_code == 429
    assert _sign_in(client, "13800009999", "whatever-1", address="10.1.1.1").status_code == 400


@pytest.mark.django_db
def test_the_sign_in_page_shows_the_lockout(client):
    make_person("13800001111")
    for _ in range(5):
        page = client.post("/accounts/login/", {"username": "13800001111", "password": "nope"})
    assert page.status_code == 200
    assert "Too many wrong passwords" in page.content.decode() or "密码错误次数过多" in (
        page.content.decode()
    )
    page = client.post("/accounts/login/", {"username": "13800001111", "password": PASSWORD})
    assert page.status_code == 200 and "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_ups_from_one_address_are_limited(client, texts):
    for n in range(10):
        answer = api_sign_up(client, texts, f"1390000{n:04d}", REMOTE_ADDR="10.2.2.2")
        assert answer.status_code == 201
    answer = client.post(
        "/api/v1/auth/signup",
        data=json.dumps({"login": "13900009999", "password": PASSWORD}),
        content_type="application/json",
        REMOTE_ADDR="10.2.2.2",
    )
    assert answer.status_code == 429


@pytest.mark.django_db
def test_guessing_coupon_codes_stops_after_ten_misses(client, consumer, api_token):
    headers = api_token(consumer)

    def claim(code):
        return client.post(
            "/api/v1/coupons/claim-code",
            data=json.dumps({"code": code}),
            content_type="application/json",
            **headers,
        )

    # Typos (a wrong check digit) never reach the lookup, so they are not counted as guesses.
    for _ in range(5):
        good = codes.new_code()
        typo = good[:-1] + str((int(good[-1]) + 1) % 10)
        assert claim(typo).json()["errors"][0]["code"] == "bad_code"
    for _ in range(10):
        assert claim(codes.new_code()).status_code in (400, 404)
    answer = claim(codes.new_code())
    assert answer.status_code == 429 and answer.json()["errors"][0]["field"] == "code"


@pytest.mark.django_db
def test_a_cashier_typing_unknown_order_codes_is_slowed_down(client, salon):
    from regulars.orders import services as orders

    owner = salon[0]
    for _ in range(10):
        with pytest.raises(Exception) as refused:
            orders.confirm_consumption(actor=owner, code=codes.new_code())
        assert not isinstance(refused.value, RateLimited)
    with pytest.raises(RateLimited):
        orders.confirm_consumption(actor=owner, code=codes.new_code())


@pytest.mark.django_db
def test_a_shop_sending_many_messages_in_an_hour_is_told_to_wait(owner_a):
    for n in range(messages.BROADCASTS_PER_HOUR.attempts):
        messages.schedule_broadcast(
            merchant_id=owner_a.merchant.pk, title=f"t{n}", body="", link="", audience={}
        )
    with pytest.raises(RateLimited) as refused:
        messages.schedule_broadcast(
            merchant_id=owner_a.merchant.pk, title="one more", body="", link="", audience={}
        )
    assert refused.value.retry_after <= 3600
    from regulars.notifications.models import Broadcast

    assert not Broadcast.objects.filter(title="one more").exists()


@pytest.mark.django_db
def test_the_admin_sign_in_is_locked_out_too_and_still_needs_an_operator(client):
    from django.core.cache import cache

    operator = make_person("13800003333")
    operator.is_staff = True
    operator.save()
    for _ in range(5):
        client.post("/admin/login/", {"username": "13800003333", "password": "nope"})
    page = client.post("/admin/login/", {"username": "13800003333", "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert "Too many wrong passwords" in page.content.decode() or "密码错误次数过多" in (
        page.content.decode()
    )
    cache.clear()  # the window has passed
    client.post("/admin/login/", {"username": "13800003333", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(operator.pk)
    client.logout()
    make_person("13800004444")  # right password, but not an operator
    client.post("/admin/login/", {"username": "13800004444", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lockout_counts_the_account_however_its_number_is_typed(client):
    make_person("13800000005")
    for spelling in ("13800000005", "+8613800000005", "138 0000 0005", "+86 138-0000-0005"):
        _sign_in(client, spelling, "wrong-guess")
    _sign_in(client, "13800000005", "wrong-guess")
    for spelling in ("+8613800000005", "138 0000 0005", "13800000005"):
        assert _sign_in(client, spelling, PASSWORD).status_code == 429, spelling


@pytest.mark.django_db
def test_a_huge_login_is_refused_and_makes_no_huge_key(client):
    from django.core.cache import cache

    seen = []
    original = cache.incr

    def recording_incr(key, *args, **kwargs):
        seen.append(key)
        return original(key, *args, **kwargs)

    cache.incr = recording_incr
    try:
        answer = _sign_in(client, "1" * 2_000_000, "wrong-guess")
    finally:
        cache.incr = original
    assert answer.status_code == 400
    assert seen and max(len(key) for key in seen) < 200


@pytest.mark.django_db
def test_forwarded_for_trusts_only_the_hops_our_proxies_added(client, settings):
    """Behind one proxy, the client is the right-most hop: a forged left part changes nothing."""
    settings.REGULARS_TRUST_X_FORWARDED_FOR = 1
    make_person("13800001111")
    for n in range(50):
        client.post(
            "/api/v1/auth/token",
            data=json.dumps({"login": f"1380000{n:04d}", "password": "whatever-1"}),
            content_type="application/json",
            REMOTE_ADDR="10.0.0.2",  # the proxy
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}, 203.0.113.7",  # forged hop, then the real one
        )
    blocked = client.post(
        "/api/v1/auth/token",
        data=json.dumps({"login": "13800001111", "password": PASSWORD}),
        content_type="application/json",
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="192.0.2.1, 203.0.113.7",
    )
    assert blocked.status_code == 429
    # Two proxies: the second hop from the right.
    from django.test import RequestFactory

    from regulars.core.throttle import client_address

    settings.REGULARS_TRUST_X_FORWARDED_FOR = 2
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.7, 10.0.0.9"
    )
    assert client_address(request) == "203.0.113.7"
    settings.REGULARS_TRUST_X_FORWARDED_FOR = 0
    assert client_address(request) == "10.0.0.2"


@pytest.mark.django_db
def test_asking_whether_phones_are_registered_is_limited(client):
    make_person("13800001111")
    answers = [
        client.post(
            "/api/v1/auth/signup",
            data=json.dumps({"login": "13800001111", "password": PASSWORD}),
            content_type="application/json",
            REMOTE_ADDR="10.7.7.7",
        ).status_code
        for _ in range(31)
    ]
    assert answers[:30] == [400] * 30 and answers[30] == 429
