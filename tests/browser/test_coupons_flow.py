import re

import pytest
from playwright.sync_api import expect

from regulars.promotions.models import Coupon
from tests.browser.conftest import open_from_menu, shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_merchant, make_person, make_store, open_all_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def redeem_at_till(merchant, code: str, bill: str) -> None:
    """The cashier opens the coupon till, types the code and the bill, and confirms."""
    if not merchant.url.endswith("/console/coupons/redeem/"):
        merchant.goto("/console/coupons/redeem/")
    merchant.get_by_label("Coupon code", exact=True).fill(code)
    merchant.get_by_label("Bill the coupon applies to (¥)").fill(bill)
    merchant.get_by_role("button", name="Use the coupon").click()


def open_campaign(merchant, name: str) -> None:
    open_from_menu(merchant, "Marketing", "Campaigns")
    merchant.get_by_role("link", name=name).click()


def test_design_claim_redeem_and_see_the_effect(browser, live_server):
    owner = make_merchant("13900000095", name="洁丽洗衣", category="dry-cleaning")
    store = make_store(owner, name="洁丽洗衣（人民广场店）")
    open_all_week(owner, store)
    make_person("13800000095", "小周")

    def context(locale):
        ctx = browser.new_context(
            viewport={"width": 390, "height": 844}, locale=locale, base_url=live_server.url
        )
        ctx.set_default_timeout(15_000)
        return ctx

    merchant_ctx, consumer_ctx = context("en-US"), context("zh-CN")
    merchant, consumer = merchant_ctx.new_page(), consumer_ctx.new_page()
    try:
        # The owner designs a 满100减20 coupon; the preview follows the form.
        sign_in(merchant, "13900000095")
        merchant.goto("/console/campaigns/new/")
        merchant.get_by_label("Name", exact=True).fill("开业满减")
        merchant.get_by_label("Amount off (¥)").fill("20")
        merchant.get_by_label("Minimum spend (¥)").fill("100")
        expect(merchant.locator("#coupon-preview .coupon-value")).to_have_text(
            "¥20.00 off · on ¥100.00 or more"
        )
        merchant.get_by_label("Total coupons").fill("30")
        shoot(merchant, "merchant-campaign-designer")
        merchant.get_by_role("button", name="Save").click()
        expect(merchant.locator(".messages")).to_contain_text("Campaign saved")
        merchant.get_by_role("button", name="Publish").click()

        # A consumer claims it on the store page and opens it.
        sign_in(consumer, "13800000095")
        consumer.goto(f"/stores/{store.pk}/")
        expect(consumer.locator("[data-campaigns]")).to_contain_text("开业满减")
        consumer.locator("[data-campaigns]").get_by_role("button", name="领取").click()
        expect(consumer.locator("[data-coupon-code]")).to_be_visible()
        shoot(consumer, "consumer-coupon")
        code = consumer.locator("[data-coupon-code]").inner_text()

        # The cashier types the code and the bill; a bill below the threshold is refused.
        redeem_at_till(merchant, code, "80")
        expect(merchant.locator(".error, .form-error")).to_contain_text("at least ¥100.00")
        redeem_at_till(merchant, code, "128")
        expect(merchant.locator(".messages")).to_contain_text("the customer pays ¥108.00")

        # The campaign page shows the redemption, and the charts are drawn.
        open_campaign(merchant, "开业满减")
        expect(merchant.locator("[data-redeemed]")).to_have_text("1")
        expect(merchant.locator("[data-revenue]")).to_have_text("¥108.00")
        expect(merchant.locator('[data-chart="funnel"] svg')).to_be_visible()
        shoot(merchant, "merchant-campaign-effect")

        consumer.goto("/me/coupons/")
        expect(consumer.locator(".coupon-link").first).to_contain_text(re.compile("已使用"))
        assert Coupon.objects.get().status == "used"
    finally:
        merchant_ctx.close()
        consumer_ctx.close()


def test_an_empty_pie_says_nothing_yet_instead_of_fifty_fifty(desktop, salon):
    from tests.promotions.conftest import make_campaign

    owner = salon[0]
    campaign = make_campaign(owner, name="空活动", amount="10", threshold="50")
    sign_in(desktop, owner.user.phone)
    desktop.goto(f"/console/campaigns/{campaign.pk}/")
    desktop.wait_for_load_state("load")  # the charts are drawn on the window's load event
    chart = desktop.locator('[data-chart="customers"]')
    expect(chart.locator("svg")).to_have_count(1, timeout=15_000)
    expect(chart).to_contain_text("Nothing yet.")
    assert chart.locator("path[fill]").count() <= 1  # no slices drawn
