"""A consumer buys a ten-wash card online on a phone and books a wash with a chosen person; the
cashier scans the card on the bill for that wash, the wallet shows nine left (in Chinese), and
the commission report shows the person's line."""

import re

import pytest
from playwright.sync_api import expect

from regulars.merchants import services as merchant_services
from regulars.orders.models import Reservation
from regulars.punchcards import services as punch
from regulars.punchcards.models import PunchCard
from regulars.team import services as team
from tests.browser.conftest import shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_merchant, make_person, make_store, open_all_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buy_online_use_at_the_counter_see_nine_left(browser, live_server):
    owner = make_merchant("13900000096", name="亮车坊", category="car-wash")
    store = make_store(owner, name="亮车坊（徐汇店）", category="car-wash")
    open_all_week(owner, store)
    wash = merchant_services.create_item(
        actor=owner,
        store_id=store.pk,
        data=merchant_services.ItemInput(
            name="精洗", price="40", duration_minutes=30, bookable=True
        ),
    )
    for name in ("阿明", "小李"):
        team.save_member(
            actor=owner,
            data=team.MemberInput(
                store_id=store.pk, name=name, title="洗车技师", item_ids=[wash.pk]
            ),
        )
    team.save_rule(actor=owner, data=team.RuleInput("default", "percent", "10"))
    punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="精洗10次卡", kind="uses", uses=10, price="300", valid_days=365, item_ids=[wash.pk]
        ),
    )
    make_person("13800000096", "车主小陈")

    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url
    )
    phone.add_cookies([{"name": "django_language", "value": "zh-hans", "url": live_server.url}])
    phone.set_default_timeout(15_000)
    consumer = phone.new_page()
    counter = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", base_url=live_server.url
    ).new_page()
    try:
        sign_in(consumer, "13800000096")
        consumer.goto(f"/stores/{store.pk}/")
        plans = consumer.locator("[data-punch-plans]")
        expect(plans).to_contain_text("精洗10次卡")
        plans.get_by_role("button", name="购买").click()
        consumer.get_by_role("button", name=re.compile("^支付")).click()
        consumer.wait_for_url("**/me/punch-cards/")
        expect(consumer.locator("[data-uses-left]")).to_have_text("剩余10次")
        held = PunchCard.objects.get()

        # A wash with 小李: her chip, then the first free time.
        consumer.goto(f"/book/{wash.pk}/")
        consumer.locator(".people").get_by_role("link", name=re.compile("小李")).click()
        expect(consumer.locator('.person[aria-current="true"]')).to_contain_text("小李")
        consumer.locator(".slot:not(.full)").first.click()
        consumer.get_by_role("button", name="预约这个时间").click()
        expect(consumer.locator("body")).to_contain_text("小李")
        booked = Reservation.objects.get()
        assert booked.served_by.name == "小李"
        shoot(consumer, "booked-with-a-person")

        # At the counter the cashier finds the card and rings the wash up on it, served by 小李.
        sign_in(counter, "13900000096")
        counter.goto("/console/punch-cards/use/")
        counter.get_by_label("Punch card number").fill(held.number)
        counter.get_by_role("button", name="Find").click()
        expect(counter.locator("[data-uses-left]")).to_have_text("10 uses left")
        counter.goto("/console/till/")
        line = counter.locator("[data-bill-line]").first
        line.get_by_label("Service or product").select_option(label="精洗 · ¥40.00")
        line.get_by_label("Served by").select_option(label="小李 · 洗车技师")
        line.get_by_label("Paid by punch card (number)").fill(held.number)
        counter.get_by_role("button", name=re.compile("Ring up")).click()
        expect(counter.locator("body")).to_contain_text("punch card")
        assert PunchCard.objects.get().uses_left == 9
        shoot(counter, "punch-card-used")

        counter.goto("/console/reports/commissions/")
        row = counter.locator("table.commissions tr", has_text="小李")
        expect(row).to_contain_text("¥4.00")
        expect(counter.locator("table.commissions tr", has_text="阿明")).to_contain_text("¥0.00")
        shoot(counter, "commission-report")

        consumer.goto("/me/punch-cards/")
        expect(consumer.locator("[data-uses-left]")).to_have_text("剩余9次")
        expect(consumer.locator("[data-punch-card]")).to_contain_text("精洗")
        shoot(consumer, "punch-card-wallet")
    finally:
        phone.close()
        counter.context.close()
