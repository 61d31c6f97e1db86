import pytest
from django.contrib.auth import authenticate, get_user_model

from regulars.accounts.services import sign_up
from regulars.core.errors import DomainError
from tests.conftest import PASSWORD, api_sign_up

pytestmark = pytest.mark.django_db


def test_sign_up_with_a_mobile_number_stores_it_in_e164_and_signs_in_any_way_it_is_typed():
    user = sign_up(login="138 0013 8000", password=PASSWORD, display_name="小王")
    assert user.phone == "+8613800138000"
    for typed in ("13800138000", "+86 138-0013-8000", "+8613800138000"):
        assert authenticate(username=typed, password=PASSWORD) == user
    assert authenticate(username="13800138000", password="wrong-password") is None


def test_sign_up_with_email_is_case_insensitive_on_sign_in():
    user = sign_up(login="Wang@Example.com", password=PASSWORD)
    assert user.email == "wang@example.com"
    assert authenticate(username="WANG@example.com", password=PASSWORD) == user


def test_passwords_are_hashed_never_stored_plain():
    user = sign_up(login="13800138001", password=PASSWORD)
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("login", "password", "field"),
    [
        ("12345", PASSWORD, "login"),
        ("not-an-email@", PASSWORD, "login"),
        ("13800138002", "123", "password"),
        ("13800138002", "password", "password"),
    ],
)
def test_bad_sign_up_is_refused_with_the_field_and_creates_nobody(login, password, field):
    before = get_user_model().objects.count()
    with pytest.raises(DomainError) as refused:
        sign_up(login=login, password=password)
    assert refused.value.field == field
    assert get_user_model().objects.count() == before


def test_the_same_phone_cannot_sign_up_twice():
    sign_up(login="13800138003", password=PASSWORD)
    with pytest.raises(DomainError) as refused:
        sign_up(login="+86 13800138003", password=PASSWORD)
    assert refused.value.field == "login"


def test_api_sign_up_token_and_me(client, texts):
    response = api_sign_up(client, texts, "13800138004", display_name="李")
    assert response.status_code == 201
    token = response.json()["token"]
    me = client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert me.status_code == 200 and me.json()["phone"] == "+8613800138004"

    again = client.post(
        "/api/v1/auth/token",
        {"login": "13800138004", "password": PASSWORD},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["token"].startswith("rg_")
    wrong = client.post(
        "/api/v1/auth/token",
        {"login": "13800138004", "password": "nope"},
        content_type="application/json",
    )
    assert wrong.status_code == 400
    assert wrong.json()["errors"][0]["field"] == "password"
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION="Bearer rg_forged").status_code == 401

    assert (
        client.delete("/api/v1/auth/token", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 204
    )
    assert client.get("/api/v1/auth/me", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_sign_up_page_creates_a_signed_in_consumer(client, texts):
    form = {"login": "13800138005", "password": PASSWORD, "display_name": "张"}
    sent = client.post("/accounts/signup/", {**form, "action": "send_code"})
    page = sent.content.decode()
    assert sent.status_code == 200 and "138****8005" in page and 'value="13800138005"' in page
    without_code = client.post("/accounts/signup/", form)
    assert without_code.status_code == 200 and "Enter the code" in without_code.content.decode()
    code = texts.code_for("+8613800138005")
    response = client.post("/accounts/signup/", {**form, "code": code})
    assert response.status_code == 302
    assert client.get("/").context["user"].phone == "+8613800138005"


def test_sign_up_page_shows_the_error_next_to_the_field(client):
    response = client.post("/accounts/signup/", {"login": "12", "password": PASSWORD})
    assert response.status_code == 200
    assert "valid mobile number" in response.content.decode()
    assert get_user_model().objects.count() == 0


def test_sign_in_and_out_pages(client):
    sign_up(login="13800138006", password=PASSWORD)
    response = client.post("/accounts/login/", {"username": "13800138006", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"].is_authenticated
    client.post("/accounts/logout/")
    assert not client.get("/").context["user"].is_authenticated
