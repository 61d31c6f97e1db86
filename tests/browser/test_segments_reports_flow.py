"""A merchant builds a segment and watches its count, then opens the reports."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from regulars.core import clock
from regulars.customers import services as customer_services
from regulars.customers.models import Customer, Segment
from tests.analytics.test_reports import visit
from tests.browser.conftest import open_from_menu, shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_build_a_segment_see_its_count_and_open_the_dashboard(browser, live_server, salon):
    owner = salon[0]
    today = clock.today()
    for n in range(4):  # regulars of the last months: they make the charts
        person = make_person(f"1380000{400 + n:04d}", f"常客{n}")
        for month in range(3):
            visit(salon, person, today - dt.timedelta(days=20 + 30 * month + n), f"v{n}{month}")
    for n, spend in enumerate([800, 650, 90]):
        Customer.objects.create(
            merchant=owner.merchant,
            name=f"导入{n}",
            phone=f"+86138000005{n:02d}",
            source="import",
            spend=Decimal(spend),
            visits=3,
        )
    customer_services.rebuild_directory()
    customer_services.score_customers()
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, owner.user.phone.removeprefix("+86"))
        page.goto("/console/customers/")
        total = page.locator("[data-total]")
        expect(total).to_contain_text("7")
        # Typing a criterion updates the count as the segment is being built.
        page.get_by_label("消费至少（元）").press_sequentially("500")
        expect(total).to_contain_text("2")
        page.get_by_label("到店至少（次）").press_sequentially("3")
        expect(total).to_contain_text("2")
        page.get_by_role("button", name="搜索").click()
        expect(page.locator("[data-customers] tbody tr")).to_have_count(2)
        page.get_by_placeholder("分群名称").fill("高消费常客")
        page.get_by_role("button", name="保存为客户分群").click()
        expect(page.locator("[data-segments]")).to_contain_text("高消费常客")
        expect(page.locator("[data-size]")).to_have_text("2")
        assert Segment.objects.get().rules == {"min_spend": "500", "min_visits": 3}
        shoot(page, "merchant-segment-saved")

        open_from_menu(page, "报表", "报表")
        expect(page.locator("h1")).to_have_text("报表")
        for key in ("growth", "cohorts", "churn", "segments", "services", "staff"):
            expect(page.locator(f'[data-report-chart="{key}"] svg')).to_have_count(1)
        expect(page.locator("[data-kpis]")).to_contain_text("活跃客户")
        shoot(page, "merchant-reports-dashboard")
        page.get_by_role("link", name="月报").click()
        expect(page.locator("[data-period]")).to_contain_text(f"{today:%Y-%m}-01")
        expect(page.locator('[data-report="services"] table')).to_contain_text("洗剪吹")
        shoot(page, "merchant-monthly-report")
    finally:
        context.close()
