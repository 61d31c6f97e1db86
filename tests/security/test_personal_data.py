"""A consumer downloads everything held about them, and can have it erased: personal fields
anonymised, the shops' ledgers and statistics unchanged. Consents carry time and purpose."""

import json

import pytest

from regulars.accounts.models import ConsentRecord, User
from regulars.audit.models import AuditEvent
from regulars.customers.models import Customer
from regulars.membership import services as cards
from regulars.membership.models import Card, ValueEntry
from regulars.notifications import services as messages
from regulars.notifications.models import Place
from tests.conftest import PASSWORD


@pytest.fixture
def regular(card, salon, consumer):
    """A consumer with a card (topped up and spent to zero), a place, a shop's notes on them."""
    owner = salon[0]
    cards.till_top_up(actor=owner, card_id=card.pk, amount="100", idempotency_key="pd-t")
    cards.till_spend(
        actor=owner, card_id=card.pk, amount="100", password="258036", idempotency_key="pd-s"
    )
    messages.add_place(consumer=consumer, kind="home", lat=31.23, lng=121.47, label="家")
    Customer.objects.filter(consumer=consumer).update(
        name="王小明", birthday="1990-05-01", notes="喜欢靠窗的位置"
    )
    return consumer


def test_the_download_holds_everything_about_me_and_no_secrets(client, regular, card):
    client.force_login(regular)
    answer = client.get("/accounts/privacy/my-data.json")
    assert answer.status_code == 200
    assert "attachment" in answer["Content-Disposition"]
    data = json.loads(answer.content)
    assert data["account"]["phone"] == regular.phone
    assert "password" not in data["account"]
    tables = data["tables"]
    assert [c["number"] for c in tables["membership.card"]] == [card.number]
    assert "password_hash" not in tables["membership.card"][0]
    assert {e["kind"] for e in tables["membership.valueentry"]} == {"topup", "spend"}
    assert tables["notifications.place"][0]["label"] == "家"
    assert tables["customers.customer"][0]["notes"] == "喜欢靠窗的位置"
    assert tables["accounts.consentrecord"][0]["purpose"] == "account"
    assert AuditEvent.objects.filter(action="privacy.export", actor_id=regular.pk).exists()


def test_the_api_gives_the_same_data(client, regular, api_token):
    body = client.get("/api/v1/me/personal-data", **api_token(regular)).json()
    assert body["account"]["id"] == regular.pk and "membership.valueentry" in body["tables"]


def test_erasure_anonymises_me_and_keeps_the_books(client, regular, card, salon):
    merchant_id = salon[0].merchant.pk
    ledger_before = list(
        ValueEntry.objects.filter(card=card).values_list("kind", "principal_delta", "bonus_delta")
    )
    customer_before = Customer.objects.get(consumer=regular, merchant_id=merchant_id)
    client.force_login(regular)
    page = client.post("/accounts/privacy/erase/", {"password": PASSWORD, "confirm": "on"})
    assert page.status_code == 302
    person = User.objects.get(pk=regular.pk)
    assert person.phone is None and person.email is None and person.display_name == ""
    assert not person.is_active and not person.has_usable_password()
    assert not Place.objects.filter(consumer=person).exists()
    customer = Customer.objects.get(pk=customer_before.pk)
    assert customer.name == "" and customer.phone == "" and customer.birthday is None
    assert customer.notes == ""
    # The shop's numbers are untouched: visits, spend, the card and its ledger.
    assert (customer.visits, customer.spend) == (customer_before.visits, customer_before.spend)
    assert Card.objects.filter(pk=card.pk, consumer=person).exists()
    assert (
        list(
            ValueEntry.objects.filter(card=card).values_list(
                "kind", "principal_delta", "bonus_delta"
            )
        )
        == ledger_before
    )
    assert "_auth_user_id" not in client.session
    assert client.post("/accounts/login/", {"username": regular.phone, "password": PASSWORD})
    assert AuditEvent.objects.filter(action="privacy.erasure").exists()


def test_erasure_is_refused_while_a_card_still_holds_money(
    client, card, salon, consumer, api_token
):
    cards.till_top_up(actor=salon[0], card_id=card.pk, amount="50", idempotency_key="pd-left")
    headers = api_token(consumer)
    answer = client.post(
        "/api/v1/me/erasure",
        data=json.dumps({"password": PASSWORD}),
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["code"] == "value_outstanding"
    consumer.refresh_from_db()
    assert consumer.is_active and consumer.phone
    wrong = client.post(
        "/api/v1/me/erasure",
        data=json.dumps({"password": "not-it"}),
        content_type="application/json",
        **headers,
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "password"


def test_consents_are_recorded_with_time_and_purpose(client, consumer, salon, api_token):
    messages.save_preferences(consumer=consumer, promotions=False)
    messages.save_preferences(consumer=consumer, promotions=False)  # no change, no new record
    messages.opt_out_of_merchant(consumer=consumer, merchant_id=salon[0].merchant.pk)
    records = list(ConsentRecord.objects.filter(user=consumer).order_by("id"))
    assert [(r.purpose, r.granted) for r in records] == [
        ("account", True),
        ("offers", False),
        ("shop_offers", False),
    ]
    assert records[2].merchant_id == salon[0].merchant.pk and records[1].at is not None
    body = client.get("/api/v1/me/consents", **api_token(consumer)).json()
    assert [c["purpose"] for c in body] == ["shop_offers", "offers", "account"]
    client.force_login(consumer)
    client.cookies["django_language"] = "en"
    page = client.get("/accounts/privacy/").content.decode()
    assert "Offers from one shop" in page and "Withdrawn" in page


def test_every_link_to_a_person_is_placed_as_subject_or_staff():
    from django.apps import apps

    from regulars.accounts import privacy

    assert not privacy.SUBJECT_FIELDS & privacy.STAFF_FIELDS
    unplaced = sorted(
        f"{model._meta.label_lower}.{field.name}"
        for model in apps.get_models()
        if model.__module__.startswith("regulars.")
        for field in model._meta.concrete_fields
        if field.is_relation
        and field.related_model is User
        and field.name not in privacy.SUBJECT_FIELDS | privacy.STAFF_FIELDS
    )
    assert unplaced == []


def test_a_staff_members_download_carries_no_customer_of_theirs(client, regular, salon):
    from regulars.merchants.models import Role, StaffMember
    from tests.conftest import make_person

    manager = make_person("13800005555", "客户经理")
    StaffMember.objects.create(merchant=salon[0].merchant, user=manager, role=Role.ACCOUNT_MANAGER)
    Customer.objects.filter(consumer=regular).update(account_manager=manager)
    client.force_login(manager)
    data = json.loads(client.get("/accounts/privacy/my-data.json").content)
    assert "customers.customer" not in data["tables"]
    assert "喜欢靠窗的位置" not in json.dumps(data, ensure_ascii=False)
    assert [m["role"] for m in data["tables"]["merchants.staffmember"]] == ["account_manager"]
