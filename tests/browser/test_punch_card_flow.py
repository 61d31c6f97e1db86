"""A consumer buys a ten-wash card online on a phone, the cashier scans it and takes one use, and
the wallet shows nine left (in Chinese)."""

import re

import pytest
from playwright.sync_api import expect

from regulars.merchants import services as merchant_services
from regulars.punchcards import services as punch
from regulars.punchcards.models import PunchCard
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
        data=merchant_services.ItemInput(name="精洗", price="40"),
    )
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

        sign_in(counter, "13900000096")
        counter.goto("/console/punch-cards/use/")
        counter.get_by_label("Punch card number").fill(held.number)
        counter.get_by_role("button", name="Find").click()
        expect(counter.locator("[data-uses-left]")).to_have_text("10 uses left")
        counter.get_by_role("button", name="Take one use").click()
        expect(counter.locator("[data-uses-left]")).to_have_text("9 uses left")
        shoot(counter, "punch-card-used")

        consumer.reload()
        expect(consumer.locator("[data-uses-left]")).to_have_text("剩余9次")
        expect(consumer.locator("[data-punch-card]")).to_contain_text("精洗")
        shoot(consumer, "punch-card-wallet")
    finally:
        phone.close()
        counter.context.close()
