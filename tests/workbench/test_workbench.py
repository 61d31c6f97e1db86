"""The workbench (the console's home): what the shop has to do today, by role, in a fixed number
of queries; and the grouped menu a phone can use."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from regulars.accounts.services import create_api_token
from regulars.core import clock
from regulars.counter import services as counter
from regulars.customers.models import Customer
from regulars.merchants.models import Role, StaffMember
from regulars.orders import services as order_services
from regulars.relationships.services import create_task
from regulars.servicedesk import services as desk
from tests.conftest import make_person
from tests.orders.test_orders import pay_by_sandbox


def _local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def _cash_bill(owner, item, key, count=1):
    return counter.ring_up(
        actor=owner,
        lines=[counter.LineIn(item.pk, count)],
        tenders=[counter.TenderIn("cash", str(item.price * count))],
        idempotency_key=key,
    )


@pytest.fixture
def busy_day(salon, consumer):
    """Monday 2026-11-23 noon: bills today and a week ago, a booking waiting, a paid order, a
    complaint due, a task due, a birthday on Thursday and a regular slipping away."""
    owner, store, haircut, wash = salon
    with clock.pinned(_local(2026, 11, 16, 15, 0)):
        _cash_bill(owner, haircut, "last-week")  # ¥68
    _cash_bill(owner, haircut, "today-1", 2)  # ¥136
    _cash_bill(owner, wash, "today-2")  # ¥128.50
    order_services.book(consumer=consumer, item_id=haircut.pk, starts_at=_local(2026, 11, 24, 10))
    order, _url = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(wash.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order, event_id="wb-order")
    desk.open_ticket(
        merchant=owner.merchant,
        consumer=consumer,
        channel="store_page",
        category="service",
        subject="等太久",
        description="预约了还等了半小时",
        store_id=store.pk,
    )
    customer = Customer.objects.get(merchant=owner.merchant, consumer=consumer)
    create_task(
        actor=owner,
        customer_id=customer.pk,
        kind="call",
        title="回访小李",
        due_at=_local(2026, 11, 23, 17, 0),
    )
    Customer.objects.create(
        merchant=owner.merchant, name="寿星周女士", source="manual", birthday=dt.date(1990, 11, 26)
    )
    Customer.objects.create(
        merchant=owner.merchant, name="下月生日", source="manual", birthday=dt.date(1990, 12, 30)
    )
    Customer.objects.create(
        merchant=owner.merchant,
        name="老顾客王先生",
        source="manual",
        churn_risk=True,
        spend=Decimal("3200"),
    )
    return salon


def test_the_owner_sees_the_whole_day(client, busy_day):
    owner = busy_day[0]
    client.force_login(owner.user)
    page = client.get("/console/").content.decode()
    # Takings: ¥264.50 today against ¥68.00 a week ago, a chart and the change.
    assert "¥264.50" in page and "¥68.00" in page
    assert "289% more than the same day last week" in page
    assert 'href="/console/till/"' in page and "data-open-till" in page
    for part, text in (
        ("data-bookings", "洗剪吹"),
        ("data-orders", "¥128.50"),
        ("data-complaints", "等太久"),
        ("data-tasks", "回访小李"),
        ("data-birthdays", "寿星周女士"),
        ("data-churn", "老顾客王先生"),
    ):
        section = page[page.index(part) :]
        assert text in section[: section.index("</section>")], part
    assert "下月生日" not in page


def test_a_cashier_sees_the_counter_but_not_birthdays_or_reports(client, busy_day):
    owner = busy_day[0]
    cashier = make_person("13700000321", "收银小刘")
    StaffMember.objects.create(merchant=owner.merchant, user=cashier, role=Role.CASHIER)
    client.force_login(cashier)
    page = client.get("/console/").content.decode()
    assert "data-takings" in page and "data-bookings" in page
    assert "data-birthdays" not in page and "寿星周女士" not in page
    # The menu shows only pages the role may open.
    assert 'href="/console/till/"' in page
    assert 'href="/console/reports/"' not in page and 'href="/console/audit/"' not in page


def test_the_workbench_costs_the_same_queries_with_more_rows(client, busy_day):
    owner, store, haircut, _wash = busy_day
    client.force_login(owner.user)
    client.get("/console/")
    with CaptureQueriesContext(connection) as few:
        client.get("/console/")
    for index in range(8):
        _cash_bill(owner, haircut, f"more-{index}")
        Customer.objects.create(
            merchant=owner.merchant, name=f"流失{index}", source="manual", churn_risk=True
        )
    with CaptureQueriesContext(connection) as many:
        page = client.get("/console/").content.decode()
    assert len(many) == len(few)
    assert '<span class="count">9</span>' in page  # the churn count, beyond the five shown


def test_birthdays_cross_the_new_year(client, salon):
    owner = salon[0]
    Customer.objects.create(
        merchant=owner.merchant, name="元旦生日", source="manual", birthday=dt.date(1988, 1, 2)
    )
    client.force_login(owner.user)
    with clock.pinned(_local(2026, 12, 29, 9, 0)):
        page = client.get("/console/").content.decode()
    assert "元旦生日" in page and "01-02" in page


def test_the_menu_groups_the_console_in_six(client, salon):
    owner = salon[0]
    client.force_login(owner.user)
    client.cookies["django_language"] = "zh-hans"
    page = client.get("/console/till/").content.decode()
    start = page.index("data-console-nav")
    nav = page[start : page.index("</nav>", start)]
    for group in ("前台", "会员", "营销", "客户", "报表", "设置"):
        assert f"<summary>{group}</summary>" in nav
    # The page shown marks its group and its link.
    assert 'class="nav-group current"' in nav and 'aria-current="page"' in nav
    assert client.get("/console/stores/").status_code == 200
    # A page under another link's address marks its own link only, in the page's language.
    client.cookies["django_language"] = "en"
    page = client.get(reverse("customers:imports")).content.decode()
    start = page.index("data-console-nav")
    nav = page[start : page.index("</nav>", start)]
    assert nav.count('aria-current="page"') == 1
    assert re.search(r'aria-current="page">Import customers<', nav)


def test_the_api_gives_the_same_day(client, busy_day):
    owner = busy_day[0]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    day = client.get("/api/v1/merchant/workbench", **headers).json()
    assert day["today"] == "2026-11-23"
    assert (day["takings"]["today"], day["takings"]["same_day_last_week"]) == ("264.50", "68.00")
    assert day["takings"]["change_percent"] == 289
    assert day["bookings_to_confirm"]["count"] == 1
    assert day["birthdays"]["rows"][0] == {
        "id": day["birthdays"]["rows"][0]["id"],
        "title": "寿星周女士",
        "when": "2026-11-26",
    }
    assert day["slipping_away"]["rows"][0]["title"] == "老顾客王先生"
    cashier = make_person("13700000322", "收银小赵")
    StaffMember.objects.create(merchant=owner.merchant, user=cashier, role=Role.CASHIER)
    seen = client.get(
        "/api/v1/merchant/workbench",
        HTTP_AUTHORIZATION=f"Bearer {create_api_token(user=cashier)}",
    ).json()
    assert seen["birthdays"] is None and seen["takings"] is not None
