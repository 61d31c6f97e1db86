import pytest
from playwright.sync_api import expect

from regulars.customers.models import Customer
from tests.browser.conftest import shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_merchant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FIRST = "姓名,手机,生日\n张三,13800000951,1990-05-20\n李四,12345,1988-01-01\n王五,13800000953,1990-13-40\n"
FIXED = "姓名,手机,生日\n李四,13800000952,1988-01-01\n王五,13800000953,1990-03-04\n"


def test_import_a_spreadsheet_see_the_bad_rows_fix_them_and_see_the_customers(
    browser, live_server, tmp_path
):
    make_merchant("13900000099", name="洁丽洗衣")
    first, fixed = tmp_path / "客户.csv", tmp_path / "客户-改正.csv"
    first.write_text(FIRST, encoding="utf-8")
    fixed.write_text(FIXED, encoding="utf-8")
    context = browser.new_context(
        viewport={"width": 1024, "height": 900}, locale="zh-CN", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "13900000099")
        page.goto("/console/customers/")
        page.get_by_role("link", name="导入").click()
        page.locator("input[type=file]").set_input_files(str(first))
        page.get_by_role("button", name="上传").click()
        expect(page.locator("[data-preview-counts]")).to_contain_text("1")
        expect(page.locator("[data-preview]")).to_contain_text("“12345” 不是手机号")
        shoot(page, "merchant-import-preview")
        page.get_by_role("button", name="导入 1 位客户").click()
        expect(page.locator("[data-row-errors]")).to_contain_text("3")
        expect(page.locator("[data-row-errors] tbody tr")).to_have_count(2)
        shoot(page, "merchant-import-errors")

        # The two rows are fixed in the file and it is imported again.
        page.get_by_role("link", name="导入另一个文件").click()
        page.locator("input[type=file]").set_input_files(str(fixed))
        page.get_by_role("button", name="上传").click()
        page.get_by_role("button", name="导入 2 位客户").click()
        expect(page.locator("[data-created]")).to_have_text("2")
        page.get_by_role("link", name="查看导入的客户").click()
        expect(page.locator("[data-customers]")).to_contain_text("张三")
        expect(page.locator("[data-customers]")).to_contain_text("李四")
        expect(page.locator("[data-customers]")).to_contain_text("王五")
        shoot(page, "merchant-customers")
        assert Customer.objects.count() == 3
    finally:
        context.close()
