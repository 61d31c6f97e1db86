import pytest

from regulars.orders import payments
from regulars.orders.models import Order, OrderStatus, PaymentEvent
from tests.orders.conftest import MONDAY_9AM

pytestmark = pytest.mark.django_db


def test_the_sandbox_callback_endpoint_pays_once_for_ten_replays(
    client, salon, consumer, api_token
):
    _owner, store, haircut, _wash = salon
    placed = client.post(
        "/api/v1/orders",
        {
            "store_id": store.pk,
            "lines": [{"item_id": haircut.pk, "quantity": 1}],
            "payment_method": "sandbox",
        },
        content_type="application/json",
        **api_token(consumer),
    )
    assert placed.status_code == 201, placed.content
    order = Order.objects.get(pk=placed.json()["order"]["id"])
    assert placed.json()["pay_url"].startswith("/pay/sandbox/")
    provider = payments.PROVIDERS["sandbox"]
    body = provider.callback_body(payment=order.payments.get(), event_id="evt_http")
    answers = [
        client.post(
            "/api/v1/payments/sandbox/callback",
            body,
            content_type="application/json",
            HTTP_X_SIGNATURE=provider.sign(body),
        ).json()["result"]
        for _ in range(10)
    ]
    assert answers == ["applied"] + ["duplicate"] * 9
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and PaymentEvent.objects.count() == 1
    forged = client.post(
        "/api/v1/payments/sandbox/callback",
        body,
        content_type="application/json",
        HTTP_X_SIGNATURE="bad",
    )
    assert forged.status_code == 400

    mine = client.get(f"/api/v1/orders/{order.pk}", **api_token(consumer)).json()
    assert mine["status"] == "paid" and mine["qr_svg"].startswith("data:image/svg+xml")


def test_booking_through_the_api_and_the_desk(client, salon, consumer, api_token):
    from regulars.core import clock
    from tests.orders.conftest import SUNDAY_NOON

    clock.pin(SUNDAY_NOON, tick=False)
    owner, _store, haircut, _wash = salon
    free = client.get(f"/api/v1/booking/items/{haircut.pk}/slots", {"date": "2026-11-30"}).json()
    assert free[0]["remaining"] == 2
    booked = client.post(
        "/api/v1/reservations",
        {"item_id": haircut.pk, "starts_at": MONDAY_9AM.isoformat(), "party_size": 2},
        content_type="application/json",
        **api_token(consumer),
    )
    assert booked.status_code == 201, booked.content
    again = client.post(
        "/api/v1/reservations",
        {"item_id": haircut.pk, "starts_at": MONDAY_9AM.isoformat()},
        content_type="application/json",
        **api_token(consumer),
    )
    assert again.status_code == 400 and again.json()["errors"][0]["code"] == "slot_full"
    reservation_id = booked.json()["id"]
    desk = client.get(
        "/api/v1/merchant/reservations", {"start": "2026-11-30"}, **api_token(owner.user)
    ).json()
    assert [r["id"] for r in desk] == [reservation_id]
    declined = client.post(
        f"/api/v1/merchant/reservations/{reservation_id}/decline",
        {"reason": "停电"},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert declined.json()["status"] == "declined"


def test_the_cashier_endpoint_refuses_with_reasons(client, salon, consumer, api_token):
    owner, store, haircut, _wash = salon
    placed = client.post(
        "/api/v1/orders",
        {"store_id": store.pk, "lines": [{"item_id": haircut.pk}], "payment_method": "store"},
        content_type="application/json",
        **api_token(consumer),
    ).json()
    code = placed["order"]["code"]
    unpaid = client.post(
        "/api/v1/merchant/orders/consume",
        {"code": code},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert unpaid.status_code == 400 and "not paid" in unpaid.json()["errors"][0]["message"]
    taken = client.post(
        "/api/v1/merchant/orders/consume",
        {"code": code, "collect_payment": True},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert taken.status_code == 200 and taken.json()["status"] == "consumed"
    again = client.post(
        "/api/v1/merchant/orders/consume",
        {"code": code},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert again.json()["errors"][0]["code"] == "already_used"
    statements = client.get("/api/v1/merchant/settlement", **api_token(owner.user)).json()
    assert statements[0]["gross"] == "68.00" and statements[0]["net"] == "65.96"


def test_public_service_stores_refuse_orders_through_the_api(client, salon, consumer, api_token):
    from regulars.merchants import services as merchant_services
    from tests.conftest import make_store

    owner, _store, _haircut, _wash = salon
    bank = make_store(owner, name="银行", category="bank")
    item = merchant_services.create_item(
        actor=owner, store_id=bank.pk, data=merchant_services.ItemInput(name="x", price="1")
    )
    refused = client.post(
        "/api/v1/orders",
        {"store_id": bank.pk, "lines": [{"item_id": item.pk}], "payment_method": "store"},
        content_type="application/json",
        **api_token(consumer),
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "discovery_only"
