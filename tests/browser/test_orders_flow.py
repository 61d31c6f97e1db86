import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from regulars.core import clock
from regulars.merchants import services as merchant_services
from regulars.orders.models import Order, OrderStatus, Reservation, ReservationStatus
from regulars.reviews.models import Review
from tests.browser.conftest import shoot
from tests.conftest import PASSWORD, make_merchant, make_person, make_store, open_all_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, login):
    page.goto("/accounts/login/")
    page.locator("main input[name=username]").fill(login)
    page.locator("main input[name=password]").fill(PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(re.compile(r"/$"))


def test_book_confirm_pay_consume_and_review(browser, live_server):
    salon_owner = make_merchant("13900000081", name="鑫安美发", category="hair-salon")
    salon = make_store(salon_owner, name="鑫安美发（南京东路店）", category="hair-salon")
    open_all_week(salon_owner, salon, opens=dt.time(0, 0), closes=dt.time(23, 59))
    merchant_services.create_item(
        actor=salon_owner,
        store_id=salon.pk,
        data=merchant_services.ItemInput(
            name="男士快剪", price="30", duration_minutes=60, bookable=True
        ),
    )
    wash_owner = make_merchant("13900000082", name="洁亮洗车", category="car-wash")
    wash = make_store(wash_owner, name="洁亮洗车（人民广场店）", category="car-wash")
    open_all_week(wash_owner, wash)
    merchant_services.create_item(
        actor=wash_owner,
        store_id=wash.pk,
        data=merchant_services.ItemInput(name="标准洗车", price="38", buyable=True),
    )
    make_person("13800000081", "小王")

    def context(locale):
        ctx = browser.new_context(
            viewport={"width": 390, "height": 844}, locale=locale, base_url=live_server.url
        )
        ctx.set_default_timeout(15_000)
        return ctx

    consumer_ctx, salon_ctx, wash_ctx = context("zh-CN"), context("zh-CN"), context("en-US")
    consumer, salon_desk, cashier = (
        consumer_ctx.new_page(),
        salon_ctx.new_page(),
        wash_ctx.new_page(),
    )
    try:
        # The consumer books tomorrow's first haircut slot.
        sign_in(consumer, "13800000081")
        consumer.goto(f"/stores/{salon.pk}/")
        consumer.get_by_role("link", name="预约", exact=True).click()
        tomorrow = clock.today() + dt.timedelta(days=1)
        consumer.goto(consumer.url.split("?")[0] + f"?date={tomorrow:%Y-%m-%d}")
        consumer.locator(".slot").first.click()
        shoot(consumer, "consumer-booking")
        consumer.get_by_role("button", name="预约这个时间").click()
        expect(consumer.locator(".badge.status-requested")).to_have_text("等待店家确认")
        reservation = Reservation.objects.get()

        # The salon confirms it from the reservations calendar.
        sign_in(salon_desk, "13900000081")
        salon_desk.goto(f"/console/reservations/?day={tomorrow:%Y-%m-%d}")
        salon_desk.get_by_role("button", name="确认", exact=True).click()
        expect(salon_desk.locator(".booking .badge")).to_have_text("已确认")
        reservation.refresh_from_db()
        assert reservation.status == ReservationStatus.CONFIRMED
        consumer.reload()
        expect(consumer.locator(".badge.status-confirmed")).to_have_text("已确认")

        # The consumer buys a car wash and pays through the sandbox gateway.
        consumer.goto(f"/stores/{wash.pk}/")
        consumer.get_by_role("link", name="购买", exact=True).click()
        consumer.get_by_role("button", name="提交订单").click()
        consumer.get_by_role("button", name=re.compile("^支付")).click()
        expect(consumer.locator(".badge.status-paid")).to_have_text("已支付，待使用")
        code = consumer.locator("[data-order-code]").inner_text()
        shoot(consumer, "consumer-order-qr")

        # The car wash's cashier types the code.
        sign_in(cashier, "13900000082")
        cashier.goto("/console/cashier/")
        cashier.get_by_label("Order code").fill(code)
        cashier.get_by_role("button", name="Confirm consumption").click()
        expect(cashier.locator(".messages")).to_contain_text("Confirmed")
        order = Order.objects.get()
        assert order.status == OrderStatus.CONSUMED

        # The consumer reviews the used order and sees the verified badge on the store page.
        consumer.reload()
        consumer.get_by_role("link", name="写点评").click()
        consumer.locator("label").filter(has_text="★★★★★").first.click()
        consumer.get_by_label("您的点评").fill("洗得很干净，服务热情")
        consumer.get_by_role("button", name="发布点评").click()
        expect(consumer.locator(".review").first).to_contain_text("洗得很干净")
        expect(consumer.locator(".review .badge.verified")).to_have_text("消费后点评")
        shoot(consumer, "consumer-verified-review")
        assert Review.objects.get().verified
    finally:
        for ctx in (consumer_ctx, salon_ctx, wash_ctx):
            ctx.close()
