"""A cashier on a phone runs the counter: finds the member, rings up three services with the
member price and a 满减 coupon, takes part from the card and the rest in cash, prints the
receipt; the owner refunds one line and closes the day."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from regulars.counter.models import Bill, BillRefund
from regulars.membership import services as cards
from regulars.membership.models import Card, Tier
from regulars.merchants import services as merchant_services
from regulars.merchants.models import Role, StaffMember
from regulars.promotions import services as coupons
from tests.browser.conftest import shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_merchant, make_person, make_store, open_all_week
from tests.promotions.conftest import make_campaign

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bill_at_the_counter_from_the_card_to_the_closed_day(browser, live_server):
    owner = make_merchant("13900000095", name="鑫安美发", category="hair-salon")
    store = make_store(owner, name="鑫安美发（南京东路店）", category="hair-salon")
    open_all_week(owner, store)
    for name, price in (("洗剪吹", "68"), ("精洗打蜡", "128.50"), ("头皮护理", "38")):
        merchant_services.create_item(
            actor=owner,
            store_id=store.pk,
            data=merchant_services.ItemInput(name=name, price=price),
        )
    program = cards.design_program(actor=owner, title="鑫安会员卡", published=True)
    regular = make_person("13800000095", "老顾客")
    card = cards.apply_for_card(consumer=regular, merchant_id=program.merchant_id)
    card.tier = Tier.objects.get(program=program, rank=4)  # 贵宾卡: 10% off
    card.save()
    cards.set_password(consumer=regular, card_id=card.pk, password="258036")
    cards.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    coupon = coupons.claim(
        consumer=regular,
        campaign_id=make_campaign(owner, amount="20", threshold="100").pk,
    )
    cashier = make_person("13700000095", "收银小王")
    StaffMember.objects.create(merchant=owner.merchant, user=cashier, role=Role.CASHIER)

    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, "13700000095")
        page.goto("/console/till/")
        page.get_by_label("Card number, phone, order or coupon code").fill(card.number)
        page.get_by_role("button", name="Find").click()
        expect(page.locator("[data-member]")).to_contain_text("贵宾卡")
        # Three services: a line each, the list price adding up as they are chosen.
        page.get_by_role("button", name="Add a line").click()
        page.get_by_role("button", name="Add a line").click()
        items = page.locator("[data-bill-item]")
        for index, label in enumerate(
            ("洗剪吹 · ¥68.00", "精洗打蜡 · ¥128.50", "头皮护理 · ¥38.00")
        ):
            items.nth(index).select_option(label=label)
        expect(page.locator("[data-bill-subtotal]")).to_have_text("234.50")
        page.get_by_label("Coupon code", exact=True).fill(coupon.code)
        # 234.50 − 10% (23.45) − 满100减20 = 191.05: ¥100 from the card, the rest in cash.
        page.get_by_label("From the card balance").fill("100")
        page.locator("[data-bill-cash]").fill("91.05")
        page.get_by_label("Handed over").fill("100")
        expect(page.locator("[data-bill-change]")).to_have_text("8.95")
        page.get_by_label("Consumption password (for the balance or points)").fill("258036")
        shoot(page, "counter-till")
        # The customer types the password and the cashier confirms with the keyboard's Enter.
        page.get_by_label("Consumption password (for the balance or points)").press("Enter")
        page.wait_for_url("**/console/bills/*/")
        expect(page.locator("[data-bill-total]")).to_have_text("¥191.05")
        expect(page.locator(".bill")).to_contain_text("Cash")
        shoot(page, "counter-bill")

        # The receipt for a 58 mm roll, with the QR code to the customer's page.
        page.get_by_role("link", name="Receipt 58 mm").click()
        expect(page.locator("pre.receipt-58")).to_contain_text("￥191.05")
        expect(page.locator(".receipt-qr img")).to_be_visible()
        shoot(page, "counter-receipt")

        # The customer did not want the scalp care: the owner refunds that line, on a phone too.
        bill_page = page.url.split("/receipt/")[0] + "/"
        page.context.clear_cookies()
        sign_in(page, "13900000095")
        page.goto(bill_page)
        page.locator("[data-refund-form] summary").click()
        page.get_by_label("How many 头皮护理 back").fill("1")
        page.get_by_label("Reason").fill("顾客不做头皮护理")
        page.get_by_role("button", name="Refund the chosen lines").click()
        expect(page.locator("[data-refunds]")).to_contain_text("顾客不做头皮护理")
        refund = BillRefund.objects.get()
        cash_back = refund.tenders.get(kind="cash").amount
        assert refund.amount == Bill.objects.get().lines.get(name="头皮护理").paid
        assert (
            Card.objects.get(pk=card.pk).balance
            == Decimal("0.00") + refund.tenders.get(kind="stored_value").amount
        )
        shoot(page, "counter-refund")

        # The day's close: the drawer holds the ¥91.05 taken in cash less the cash given back.
        page.goto("/console/close/")
        expected = Decimal("91.05") - cash_back
        expect(page.locator("[data-close-expected]")).to_have_text(f"¥{expected}")
        expect(page.locator("[data-close-refunds]")).to_have_text(f"−¥{refund.amount}")
        page.get_by_label("Cash counted").fill(str(expected))
        page.get_by_role("button", name="Close the day").click()
        expect(page.locator("[data-closed]")).to_contain_text("¥0.00")
        shoot(page, "counter-closed")
    finally:
        context.close()
