import pytest

from regulars.core import clock
from regulars.merchants import services as merchant_services
from regulars.orders import services
from tests.conftest import make_store
from tests.orders.conftest import MONDAY_9AM, SUNDAY_NOON

pytestmark = pytest.mark.django_db


def test_booking_pages_need_a_sign_in(client, salon):
    _owner, _store, haircut, _wash = salon
    response = client.get(f"/book/{haircut.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_full_slot_is_refused_on_the_page_with_the_reason(client, salon, consumer):
    _owner, _store, haircut, _wash = salon
    haircut.slot_capacity = 1
    haircut.save()
    from tests.conftest import make_person

    services.book(
        consumer=make_person("13800000091"),
        item_id=haircut.pk,
        starts_at=MONDAY_9AM,
        now=SUNDAY_NOON,
    )
    client.force_login(consumer)
    response = client.post(
        f"/book/{haircut.pk}/?date=2026-11-30",
        {"starts_at": MONDAY_9AM.isoformat(), "party_size": 1},
    )
    # The slot is full, or (run after 30 Nov 2026) already past: either way a clear refusal.
    assert response.status_code == 400
    assert not consumer.reservations.exists()


def test_public_service_pages_explain_why_they_take_no_bookings(client, salon, consumer):
    owner, _store, _haircut, _wash = salon
    bank = make_store(owner, name="银行", category="bank")
    item = merchant_services.create_item(
        actor=owner, store_id=bank.pk, data=merchant_services.ItemInput(name="开户", price="0")
    )
    client.force_login(consumer)
    for url in (f"/book/{item.pk}/", f"/buy/{item.pk}/"):
        html = client.get(url).content.decode()
        assert "public service" in html and "<form" not in html.split("<main")[1].split("</main>")[
            0
        ].replace('action="/i18n/setlang/"', "")


def test_reminders_land_in_the_inbox_with_an_unread_badge(client, salon, consumer):
    owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    services.confirm_reservation(actor=owner, reservation_id=booking.pk)
    services.send_due_reminders(now=SUNDAY_NOON)
    client.force_login(consumer)
    home = client.get("/").content.decode()
    assert 'class="badge unread-count"' in home
    inbox = client.get("/me/inbox/").content.decode()
    assert "Reminder: 洗剪吹" in inbox and "confirmed your booking" in inbox
    assert 'class="badge unread-count"' not in client.get("/").content.decode()


def test_the_desk_pages_render_for_staff_and_refuse_strangers(client, salon, consumer, owner_b):
    owner, _store, haircut, _wash = salon
    services.book(consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON)
    client.force_login(owner.user)
    week = client.get("/console/reservations/?day=2026-11-30&view=week").content.decode()
    assert "洗剪吹" in week and "小李" in week
    for url in (
        "/console/orders/",
        "/console/cashier/",
        "/console/settlement/",
        "/console/reviews/",
    ):
        assert client.get(url).status_code == 200, url
    client.force_login(owner_b.user)
    assert (
        "洗剪吹"
        not in client.get("/console/reservations/?day=2026-11-30&view=week").content.decode()
    )


def test_the_settlement_csv_lists_the_months_entries(client, salon, consumer):

    from tests.orders.test_orders import pay_by_sandbox

    owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    services.confirm_consumption(actor=owner, code=order.code)
    client.force_login(owner.user)
    today = clock.today()
    response = client.get(f"/console/settlement/{today.year}-{today.month}.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert response["Content-Type"].startswith("text/csv")
    assert f"{order.pk},68.00,0.0300,2.04,65.96" in body


def test_operators_see_what_is_owed_and_hide_reviews_in_the_admin(
    client, salon, consumer, django_user_model
):
    from regulars.reviews import services as review_services
    from regulars.reviews.models import Review

    _owner, store, _haircut, _wash = salon
    review = review_services.post_review(author=consumer, store_id=store.pk, stars=1, text="广告")
    operator = django_user_model.objects.create_superuser("ops", "ops@example.com", "pw-ops-12345")
    client.force_login(operator)
    assert client.get("/operator/settlement/").status_code == 200
    response = client.post(
        "/admin/reviews/review/", {"action": "hide", "_selected_action": [review.pk]}
    )
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).hidden
    store.refresh_from_db()
    assert store.rating_count == 0
    client.force_login(consumer)
    assert client.get("/operator/settlement/").status_code == 302


def test_one_order_can_hold_several_services(client, salon, consumer):
    from regulars.orders.models import Order

    _owner, _store, haircut, wash = salon
    client.force_login(consumer)
    page = client.get(f"/buy/{haircut.pk}/").content.decode()
    assert "洗剪吹" in page and "精洗打蜡" in page
    response = client.post(
        f"/buy/{haircut.pk}/",
        {f"qty_{haircut.pk}": 2, f"qty_{wash.pk}": 1, "payment_method": "store"},
    )
    order = Order.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/me/orders/{order.pk}/"
    assert str(order.total) == "264.50" and order.lines.count() == 2
    nothing = client.post(
        f"/buy/{haircut.pk}/",
        {f"qty_{haircut.pk}": 0, f"qty_{wash.pk}": 0, "payment_method": "store"},
    )
    assert nothing.status_code == 400 and Order.objects.count() == 1


def test_the_operators_payables_are_exact_paged_by_month_and_downloadable(
    client, salon, consumer, monkeypatch
):
    import datetime as dt
    from decimal import Decimal

    from regulars.accounts.models import User
    from regulars.core import clock
    from regulars.orders import views
    from regulars.orders.models import SettlementEntry
    from tests.conftest import make_merchant

    owner, store, haircut, _wash = salon
    others = [make_merchant(f"1390000090{n}", name=f"店{n}") for n in range(2)]
    orders = []
    for _ in range(4):
        order, _url = services.place_order(
            consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="store"
        )
        orders.append(order)
    last_month = clock.now() - dt.timedelta(days=40)
    amounts = [
        ("1.10", salon[0].merchant),
        ("2.20", salon[0].merchant),
        ("3.30", salon[0].merchant),
    ]
    for (amount, merchant), order in zip(amounts, orders, strict=False):
        SettlementEntry.objects.create(
            merchant=merchant,
            order=order,
            kind="sale",
            gross=Decimal(amount),
            commission_rate=Decimal("0.0500"),
            commission=Decimal("0.01"),
            net=Decimal(amount) - Decimal("0.01"),
            idempotency_key=f"t-{order.pk}",
        )
    for n, other in enumerate(others):
        entry = SettlementEntry.objects.create(
            merchant=other.merchant,
            order=orders[3] if n == 0 else orders[0],
            kind="sale",
            gross=Decimal("10.00"),
            commission_rate=Decimal("0.0500"),
            commission=Decimal("0.50"),
            net=Decimal("9.50"),
            idempotency_key=f"o-{n}",
        )
        SettlementEntry.objects.filter(pk=entry.pk).update(created_at=last_month)
    operator = User.objects.create_user(username="ops", password="x", is_staff=True)
    client.force_login(operator)
    page = client.get("/operator/settlement/").content.decode()
    assert "¥6.57" in page and "6.5700000" not in page and "¥6.60" in page  # 6.60 − 0.03
    assert "data-payables-total>¥25.57" in page
    monkeypatch.setattr(views, "PAYABLES_PER_PAGE", 2)
    first = client.get("/operator/settlement/").content.decode()
    assert first.count("data-payable>") == 2 and "data-next-page" in first
    second = client.get("/operator/settlement/", {"page": 2}).content.decode()
    assert second.count("data-payable>") == 1
    this_month = f"{clock.today():%Y-%m}"
    only_now = client.get("/operator/settlement/", {"month": this_month}).content.decode()
    assert only_now.count("data-payable>") == 1
    csv_answer = client.get("/operator/settlement/", {"format": "csv", "month": this_month})
    text = b"".join(csv_answer.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].endswith(",3,6.60,0.03,6.57")
    bad = client.get("/operator/settlement/", {"month": "2026-13"})
    assert bad.status_code == 200 and bad.content.decode().count("data-payable>") == 2


def test_the_orders_list_comes_in_pages_of_fifty_with_fixed_statements(client, salon, consumer):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from regulars.core import clock
    from regulars.orders.models import Order, OrderLine

    owner, store, haircut, _wash = salon
    now = clock.now()
    orders = Order.objects.bulk_create(
        Order(
            merchant=owner.merchant,
            store=store,
            consumer=consumer,
            total="68",
            payment_method="store",
            code=f"{n:012d}",
            expires_at=now + dt.timedelta(days=30),
        )
        for n in range(55)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            merchant=owner.merchant,
            order=order,
            item=haircut,
            name=haircut.name,
            unit_price="68",
            quantity=1,
            amount="68",
        )
        for order in orders
    )
    client.force_login(owner.user)
    with CaptureQueriesContext(connection) as full:
        first = client.get("/console/orders/").content.decode()
    assert first.count("洗剪吹 × 1") == 50 and "data-next-page" in first
    with CaptureQueriesContext(connection) as short:
        second = client.get("/console/orders/?page=2").content.decode()
    assert second.count("洗剪吹 × 1") == 5 and "data-next-page" not in second
    assert len(full) == len(short)
    assert client.get("/console/orders/?status=nonsense&page=x").status_code == 200
