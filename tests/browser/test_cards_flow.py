import re

import pytest
from playwright.sync_api import expect

from regulars.membership.models import Card
from tests.browser.conftest import shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_merchant, make_person, make_store, open_all_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_join_top_up_record_a_purchase_and_see_points(browser, live_server):
    owner = make_merchant("13900000091", name="洁丽洗衣", category="dry-cleaning")
    store = make_store(owner, name="洁丽洗衣（人民广场店）")
    open_all_week(owner, store)
    make_person("13800000091", "小陈")

    def context(locale):
        ctx = browser.new_context(
            viewport={"width": 390, "height": 844}, locale=locale, base_url=live_server.url
        )
        ctx.set_default_timeout(15_000)
        return ctx

    merchant_ctx, consumer_ctx = context("en-US"), context("zh-CN")
    merchant, consumer = merchant_ctx.new_page(), consumer_ctx.new_page()
    try:
        # The owner designs and publishes the card; the preview follows the typing.
        sign_in(merchant, "13900000091")
        merchant.goto("/console/card/")
        merchant.get_by_label("Card title").fill("洁丽会员卡")
        preview = merchant.locator("[data-card-preview]")
        expect(preview).to_have_attribute("data-drawn", "1")  # redrawn by the server
        assert preview.get_attribute("src").startswith("blob:")
        merchant.get_by_label("Gold").check()
        expect(preview).to_have_attribute("data-drawn", "2")
        merchant.get_by_label("Published: customers can join").check()
        shoot(merchant, "merchant-card-designer")
        merchant.get_by_role("button", name="Save").click()
        expect(merchant.locator(".messages")).to_contain_text("Card saved")

        # The consumer joins from the store page.
        sign_in(consumer, "13800000091")
        consumer.goto(f"/stores/{store.pk}/")
        consumer.get_by_role("button", name=re.compile("洁丽会员卡")).click()
        expect(consumer.locator("[data-points]")).to_have_text("0")
        number = consumer.locator("[data-card-number]").inner_text()

        # At the till the cashier opens the card by its number, tops up ¥500 and records ¥88.
        merchant.goto("/console/members/")
        merchant.get_by_role("textbox", name="Card number", exact=True).fill(number)
        merchant.get_by_role("button", name="Open card").click()
        merchant.get_by_role("button", name="Top up (paid at the counter)").click()
        merchant.get_by_label("Amount (¥)").fill("500")
        merchant.get_by_role("button", name="Confirm").click()
        expect(merchant.locator("[data-balance]")).to_have_text("¥550.00")
        merchant.get_by_role("button", name="Record a purchase").click()
        merchant.get_by_label("Amount (¥)").fill("88")
        merchant.get_by_label("What was bought").fill("大衣干洗")
        merchant.get_by_role("button", name="Confirm").click()
        expect(merchant.locator("[data-points]")).to_have_text("88")
        shoot(merchant, "merchant-till")

        # The consumer sees the points, the balance with its bonus, and the history.
        consumer.reload()
        expect(consumer.locator("[data-points]")).to_have_text("88")
        expect(consumer.locator("[data-balance]")).to_have_text("¥550.00")
        expect(consumer.locator("table.history")).to_contain_text("大衣干洗")
        # The card itself is a picture drawn from the design.
        face = consumer.locator("[data-card-image]")
        expect(face).to_be_visible()
        assert face.evaluate("img => img.complete && img.naturalWidth") == 856
        shoot(consumer, "consumer-card")
        assert Card.objects.get().points == 88
    finally:
        merchant_ctx.close()
        consumer_ctx.close()
