import pytest
from playwright.sync_api import expect

from regulars.merchants.models import Category
from regulars.notifications import services as messages
from tests.browser.conftest import shoot
from tests.browser.test_coupons_flow import open_campaign, redeem_at_till
from tests.browser.test_orders_flow import sign_in
from tests.conftest import PEOPLE_SQUARE, make_merchant, make_person, make_store, open_all_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_flash_deal_reaches_a_nearby_follower_who_claims_it_and_the_cashier_redeems_it(
    browser, live_server
):
    owner = make_merchant("13900000097", name="洁丽洗衣", category="dry-cleaning")
    store = make_store(owner, name="洁丽洗衣（人民广场店）")
    open_all_week(owner, store)
    fan = make_person("13800000097", "小吴")
    messages.add_place(
        consumer=fan, kind="home", lat=PEOPLE_SQUARE[0] + 0.005, lng=PEOPLE_SQUARE[1]
    )
    messages.follow(
        consumer=fan, category_id=Category.objects.get(slug="laundry").pk, radius_m=2000
    )

    def context(locale):
        ctx = browser.new_context(
            viewport={"width": 390, "height": 844}, locale=locale, base_url=live_server.url
        )
        ctx.set_default_timeout(15_000)
        return ctx

    merchant_ctx, consumer_ctx = context("en-US"), context("zh-CN")
    merchant, consumer = merchant_ctx.new_page(), consumer_ctx.new_page()
    try:
        # The owner sends a one-hour flash deal to followers nearby.
        sign_in(merchant, "13900000097")
        merchant.goto("/console/campaigns/flash/")
        merchant.get_by_label("Name", exact=True).fill("午间快闪：洗衣立减15")
        merchant.get_by_label("Amount off (¥)").fill("15")
        merchant.get_by_label("How many").fill("10")
        shoot(merchant, "merchant-flash-deal")
        merchant.get_by_role("button", name="Send the flash deal").click()
        expect(merchant.locator("[data-flash]")).to_contain_text("Sent")
        expect(merchant.locator("[data-delivery-log]")).to_contain_text("Inbox")

        # The follower has it in the inbox (with the unread badge), opens it and claims.
        sign_in(consumer, "13800000097")
        expect(consumer.locator("header")).to_contain_text("1")
        consumer.goto("/me/inbox/")
        message = consumer.locator("[data-message]").first
        expect(message).to_contain_text("午间快闪")
        shoot(consumer, "consumer-inbox-flash-deal")
        message.locator("a.body").click()
        expect(consumer.locator("[data-deal]")).to_contain_text("剩余 10 份")
        consumer.get_by_role("button", name="领取").click()
        code = consumer.locator("[data-coupon-code]").inner_text()

        # The cashier redeems it; the campaign page shows the redemption.
        redeem_at_till(merchant, code, "60")
        expect(merchant.locator(".messages")).to_contain_text("¥15.00 off")
        open_campaign(merchant, "午间快闪：洗衣立减15")
        expect(merchant.locator("[data-redeemed]")).to_have_text("1")
        expect(merchant.locator("[data-claimed]")).to_have_text("1")
        shoot(merchant, "merchant-flash-deal-effect")
    finally:
        merchant_ctx.close()
        consumer_ctx.close()
