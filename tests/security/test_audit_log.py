"""The audit log: value moves and permission changes are recorded with who, when, what and from
where; the log cannot be changed; only the owner sees it; it downloads as CSV."""

import json

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from regulars.audit.models import AuditEvent
from regulars.merchants import services as merchant_services
from regulars.merchants.models import Role, StaffMember
from regulars.relationships import services as relationship_services
from tests.conftest import make_person


def _post(client, path, body, headers, address="198.51.100.7"):
    return client.post(
        path,
        data=json.dumps(body),
        content_type="application/json",
        REMOTE_ADDR=address,
        HTTP_USER_AGENT="till-tablet/2.1",
        **headers,
    )


def test_a_top_up_and_a_payment_are_logged_with_who_and_where(client, card, salon, api_token):
    owner = salon[0]
    headers = api_token(owner.user)
    assert (
        _post(
            client,
            f"/api/v1/merchant/cards/{card.pk}/top-ups",
            {"amount": "200", "idempotency_key": "t1"},
            headers,
        ).status_code
        == 201
    )
    assert (
        _post(
            client,
            f"/api/v1/merchant/cards/{card.pk}/payments",
            {"amount": "35.50", "password": "258036", "idempotency_key": "p1"},
            headers,
        ).status_code
        == 201
    )
    topup = AuditEvent.objects.get(action="value.topup")
    spend = AuditEvent.objects.get(action="value.spend")
    assert topup.merchant_id == owner.merchant.pk == spend.merchant_id
    assert topup.actor_id == owner.user.pk and str(topup.amount) == "200.00"
    assert str(spend.amount) == "-35.50"
    assert topup.address == "198.51.100.7" and topup.user_agent == "till-tablet/2.1"
    assert topup.request_id and topup.at is not None
    # A retried request (same idempotency key) moved nothing, so it logs nothing either.
    _post(
        client,
        f"/api/v1/merchant/cards/{card.pk}/top-ups",
        {"amount": "200", "idempotency_key": "t1"},
        headers,
    )
    assert AuditEvent.objects.filter(action="value.topup").count() == 1


def test_role_changes_and_departures_are_logged(salon):
    owner = salon[0]
    person = make_person("13800007777", "小李")
    invitation = merchant_services.invite_staff(actor=owner, contact=person.phone, role="cashier")
    staff_member = merchant_services.accept_invitation(user=person, token=invitation.token)
    merchant_services.change_staff_role(
        actor=owner, staff_member_id=staff_member.pk, role=Role.MANAGER
    )
    merchant_services.change_staff_role(
        actor=owner, staff_member_id=staff_member.pk, role=Role.MANAGER, is_active=False
    )
    actions = list(
        AuditEvent.objects.filter(merchant_id=owner.merchant.pk, subject_id=staff_member.pk)
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["staff.added", "staff.role", "staff.deactivated"]
    role = AuditEvent.objects.get(action="staff.role")
    assert role.detail["before"] == "cashier" and role.detail["after"] == "manager"


def test_the_log_cannot_be_changed(salon):
    owner = salon[0]
    make_person("13800007778")
    event = AuditEvent.objects.filter(merchant_id=owner.merchant.pk).first()
    assert event is not None  # the owner's own staff role was logged
    with pytest.raises(ValueError):
        event.summary = "nothing happened"
        event.save()
    with pytest.raises(ValueError):
        event.delete()
    # Below the model, the database refuses as well.
    with (
        pytest.raises((DatabaseError, IntegrityError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditevent SET summary = 'x' WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.summary != "x"


def test_only_the_owner_reads_the_log_and_downloads_it(client, card, salon, api_token):
    from regulars.membership import services as cards

    owner = salon[0]
    cards.till_top_up(actor=owner, card_id=card.pk, amount="88", idempotency_key="k1")
    manager = make_person("13800007779")
    StaffMember.objects.create(merchant=owner.merchant, user=manager, role=Role.MANAGER)
    assert client.get("/api/v1/merchant/audit", **api_token(manager)).status_code == 403
    answer = client.get("/api/v1/merchant/audit?action=value.", **api_token(owner.user))
    assert answer.status_code == 200
    body = answer.json()
    assert body["count"] == 1 and body["events"][0]["amount"] == "88.00"

    client.force_login(owner.user)
    page = client.get("/console/audit/")
    assert page.status_code == 200 and "88.00" in page.content.decode()
    csv_answer = client.get("/console/audit.csv?action=value.")
    text = b"".join(csv_answer.streaming_content).decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("time,who,action")
    assert len(lines) == 2 and "value.topup" in lines[1] and "88.00" in lines[1]

    client.force_login(manager)
    assert client.get("/console/audit/").status_code == 302  # refused, back to the console


def test_another_merchant_sees_none_of_it(client, card, salon, owner_b, api_token):
    from regulars.membership import services as cards

    cards.till_top_up(actor=salon[0], card_id=card.pk, amount="88", idempotency_key="k2")
    body = client.get("/api/v1/merchant/audit", **api_token(owner_b.user)).json()
    assert all(event["action"].startswith("staff.") for event in body["events"])
    assert not any("88" in (event["amount"] or "") for event in body["events"])


def test_a_hand_over_is_logged_once_with_every_move(salon):
    from regulars.customers.models import Customer

    owner = salon[0]
    leaving = make_person("13800007780", "老王")
    staying = make_person("13800007781", "小张")
    for person in (leaving, staying):
        StaffMember.objects.create(merchant=owner.merchant, user=person, role=Role.ACCOUNT_MANAGER)
    customers = [
        Customer.objects.create(merchant=owner.merchant, name=f"客{i}", account_manager=leaving)
        for i in range(3)
    ]
    relationship_services.reassign_customers(
        actor=owner, from_user_id=leaving.pk, to_user_ids=[staying.pk], reason="离职"
    )
    event = AuditEvent.objects.get(action="customers.reassigned")
    assert event.actor_id == owner.user.pk and event.detail["count"] == 3
    assert {m["customer_id"] for m in event.detail["moves"]} == {c.pk for c in customers}


def test_a_bad_filter_is_explained_and_shows_nothing(client, card, salon):
    from regulars.membership import services as cards

    owner = salon[0]
    cards.till_top_up(actor=owner, card_id=card.pk, amount="66", idempotency_key="k-bad")
    client.force_login(owner.user)
    client.cookies["django_language"] = "en"
    page = client.get("/console/audit/?since=2026-12-01&until=2026-11-01").content.decode()
    assert "The start date is after the end date." in page and "66.00" not in page


def test_the_details_read_in_the_owners_language_whoever_wrote_them(client, salon, consumer):
    """Lines are written by workers in no particular language; an owner reading in Chinese sees
    roles, providers, refund reasons and settlements in Chinese, in the page and the CSV."""
    from django.utils import translation

    from regulars.audit.models import AuditAction
    from regulars.orders import services as order_services
    from tests.orders.test_orders import pay_by_sandbox
    from tests.orders.test_payment_trust import online_order

    owner = salon[0]
    with translation.override("en"):  # as a worker would write them
        helper = make_person("13800007781", "小美")
        invitation = merchant_services.invite_staff(
            actor=owner, contact=helper.phone, role=Role.CASHIER
        )
        staff_member = merchant_services.accept_invitation(user=helper, token=invitation.token)
        merchant_services.change_staff_role(
            actor=owner, staff_member_id=staff_member.pk, role=Role.MANAGER
        )
        order = online_order(consumer, salon)
        order_services.cancel_order(consumer=consumer, order_id=order.pk)
        pay_by_sandbox(order, event_id="evt_late_zh")
    role_line = AuditEvent.objects.get(action=AuditAction.STAFF_ROLE)
    assert "Cashier" in role_line.summary  # written in English
    client.force_login(owner.user)
    page = client.get("/console/audit/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "小美：收银员 → 店长" in page
    assert "订单已不再等待付款" in page and "no longer waiting" not in page
    assert "沙箱" in page and "Sandbox" not in page
    csv_answer = client.get("/console/audit.csv", HTTP_ACCEPT_LANGUAGE="zh-Hans")
    text = b"".join(csv_answer.streaming_content).decode("utf-8-sig")
    assert "小美：收银员 → 店长" in text and "员工角色变更" in text
