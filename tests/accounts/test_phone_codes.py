"""Phones are proved with a texted code before they are trusted: sign-up, sign-in by code,
password reset; what shops filed under a number is the person's only once they proved it."""

import datetime as dt
import json

import pytest

from regulars.accounts.models import PhoneCode, User
from regulars.core import clock
from regulars.customers.models import Customer
from regulars.membership import services as cards
from tests.conftest import PASSWORD, api_sign_up, make_person

pytestmark = pytest.mark.django_db


def ask(client, phone, purpose="sign_up", address="10.0.0.1"):
    return client.post(
        "/api/v1/auth/phone-codes",
        json.dumps({"phone": phone, "purpose": purpose}),
        content_type="application/json",
        REMOTE_ADDR=address,
    )


def sign_up(client, phone, code):
    return client.post(
        "/api/v1/auth/signup",
        json.dumps({"login": phone, "password": PASSWORD, "code": code}),
        content_type="application/json",
    )


def error_code(answer) -> str:
    return answer.json()["errors"][0]["code"]


def test_a_phone_signs_up_only_with_its_code(client, texts):
    assert ask(client, "13800007001").status_code == 202
    code = texts.code_for("+8613800007001")
    assert len(code) == 6 and code.isdigit()
    stored = PhoneCode.objects.get()
    assert code not in stored.code_hash  # only a keyed hash is kept
    assert error_code(sign_up(client, "13800007001", "")) == "code_required"
    wrong = "000000" if code != "000000" else "111111"
    assert error_code(sign_up(client, "13800007001", wrong)) == "wrong_code"
    assert error_code(sign_up(client, "13800007002", code)) == "code_expired"  # another phone
    assert not User.objects.exists()
    made = sign_up(client, "13800007001", code)
    assert made.status_code == 201 and made.json()["user"]["phone_verified"] is True
    assert User.objects.get().phone_verified_at is not None
    # A code is good once: a second account cannot be made with it (and the phone is taken).
    assert sign_up(client, "13800007001", code).status_code == 400


def test_five_wrong_tries_burn_the_code_and_it_expires_after_five_minutes(client, texts):
    ask(client, "13800007003")
    code = texts.code_for("+8613800007003")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        assert error_code(sign_up(client, "13800007003", wrong)) == "wrong_code"
    assert error_code(sign_up(client, "13800007003", code)) == "code_locked"
    clock.advance(dt.timedelta(minutes=2))  # past the one-a-minute limit
    assert ask(client, "13800007003").status_code == 202
    fresh = texts.code_for("+8613800007003")
    clock.advance(dt.timedelta(minutes=5, seconds=1))
    assert error_code(sign_up(client, "13800007003", fresh)) == "code_expired"
    assert not User.objects.exists()


def test_codes_are_limited_per_number_and_per_address(client, texts):
    assert ask(client, "13800007004").status_code == 202
    again = ask(client, "13800007004")
    assert again.status_code == 429 and "minute" in again.json()["errors"][0]["message"]
    for n in range(20):
        assert ask(client, f"138000071{n:02d}", address="10.9.0.1").status_code == 202
    assert ask(client, "13800007199", address="10.9.0.1").status_code == 429
    assert ask(client, "13800007199", address="10.9.0.2").status_code == 202


def test_asking_for_a_code_tells_nobody_whether_a_number_is_registered(client, texts):
    make_person("13800007005", "已注册")
    registered = ask(client, "13800007005")
    unknown = ask(client, "13800007006")
    assert registered.status_code == unknown.status_code == 202
    assert registered.json() | {"sent_to": ""} == unknown.json() | {"sent_to": ""}
    # The owner of the registered number is told to sign in; no code exists for it.
    to, text = texts.sent[0]
    assert to == "+8613800007005" and "already has an account" in text
    assert not PhoneCode.objects.filter(phone="+8613800007005").exists()
    # Sign-in and reset codes go only to numbers with an account, with the same answer.
    for purpose in ("sign_in", "reset"):
        assert ask(client, "13800007007", purpose=purpose).status_code == 202
        clock.advance(dt.timedelta(minutes=1))
    assert not PhoneCode.objects.filter(phone="+8613800007007").exists()


def test_a_card_a_shop_issued_waits_for_the_owner_of_the_number(client, texts, salon):
    owner = salon[0]
    cards.design_program(actor=owner, title="会员卡", published=True)
    card = cards.issue_card(actor=owner, phone="13800007008")
    answer = api_sign_up(client, texts, "13800007008", display_name="真主人")
    assert answer.status_code == 201, answer.content
    person = User.objects.get(phone="+8613800007008")
    assert person.pk == card.consumer_id and person.display_name == "真主人"
    token = answer.json()["token"]
    wallet = client.get("/api/v1/cards", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [c["id"] for c in wallet] == [card.pk]


def test_sign_in_by_code_and_reset_the_password(client, texts):
    make_person("13800007009", "忘了密码")
    ask(client, "13800007009", purpose="sign_in")
    signed = client.post(
        "/api/v1/auth/token-by-code",
        json.dumps({"phone": "138 0000 7009", "code": texts.code_for("+8613800007009")}),
        content_type="application/json",
    )
    assert signed.status_code == 200 and signed.json()["token"].startswith("rg_")
    clock.advance(dt.timedelta(minutes=2))
    ask(client, "13800007009", purpose="reset")
    reset = client.post(
        "/api/v1/auth/password-reset",
        json.dumps(
            {
                "phone": "+8613800007009",
                "code": texts.code_for("+8613800007009"),
                "password": "a-New-passphrase-77",
            }
        ),
        content_type="application/json",
    )
    assert reset.status_code == 204
    old = client.post(
        "/api/v1/auth/token",
        json.dumps({"login": "13800007009", "password": PASSWORD}),
        content_type="application/json",
    )
    new = client.post(
        "/api/v1/auth/token",
        json.dumps({"login": "13800007009", "password": "a-New-passphrase-77"}),
        content_type="application/json",
    )
    assert old.status_code == 400 and new.status_code == 200


def test_the_pages_sign_in_by_code_and_reset(client, texts):
    make_person("13800007010", "页面")
    login_page = client.get("/accounts/login/").content.decode()
    assert "/accounts/login/code/" in login_page and "/accounts/password/reset/" in login_page
    sent = client.post("/accounts/login/code/", {"phone": "13800007010", "action": "send_code"})
    assert sent.status_code == 200 and "138****7010" in sent.content.decode()
    code = texts.code_for("+8613800007010")
    signed = client.post("/accounts/login/code/", {"phone": "13800007010", "code": code})
    assert signed.status_code == 302
    assert client.get("/").context["user"].phone == "+8613800007010"


def test_what_shops_filed_under_a_number_needs_the_number_proved(client, texts, salon):
    """Someone who signed up as a number without proving it cannot download or erase what a
    shop filed under it; once they prove it with a code, it is theirs."""
    owner = salon[0]
    Customer.objects.create(
        merchant=owner.merchant, phone="+8613800007011", name="王女士", notes="只有店里知道"
    )
    claimant = make_person("13800007011", "冒名者", verified=False)
    client.force_login(claimant)
    data = client.get("/accounts/privacy/my-data.json").content.decode()
    assert "只有店里知道" not in data
    ask(client, "13800007011", purpose="sign_in")
    client.post(
        "/api/v1/auth/token-by-code",
        json.dumps({"phone": "13800007011", "code": texts.code_for("+8613800007011")}),
        content_type="application/json",
    )
    assert "只有店里知道" in client.get("/accounts/privacy/my-data.json").content.decode()
