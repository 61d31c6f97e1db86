"""A cashier on a phone runs the counter: finds the member, rings up three services with the
member price and a 满减 coupon, takes part from the card and the rest in cash, prints the
receipt, and closes the day."""

import pytest
from playwright.sync_api import expect

from regulars.membership import services as cards
from regulars.membership.models import Tier
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
        page.get_by_label("Member card number or phone").fill(card.number)
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
        page.get_by_label("Coupon code").fill(coupon.code)
        # 234.50 − 10% (23.45) − 满100减20 = 191.05: ¥100 from the card, the rest in cash.
        page.get_by_label("From the card balance").fill("100")
        page.locator("[data-bill-cash]").fill("91.05")
        page.get_by_label("Handed over").fill("100")
        expect(page.locator("[data-bill-change]")).to_have_text("8.95")
        page.get_by_label("Consumption password (for the balance or points)").fill("258036")
        shoot(page, "counter-till")
        print(
            "VALID",
            page.evaluate(
                "[...document.querySelectorAll('[data-bill] input, [data-bill] select')].filter(e => !e.checkValidity()).map(e => e.name + '=' + e.value + ':' + e.validationMessage)"
            ),
        )
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

        # The day's close: the drawer should hold the ¥91.05 taken in cash.
        page.goto("/console/close/")
        expect(page.locator("[data-close-expected]")).to_have_text("¥91.05")
        page.get_by_label("Cash counted").fill("91.05")
        page.get_by_role("button", name="Close the day").click()
        expect(page.locator("[data-closed]")).to_contain_text("¥0.00")
        shoot(page, "counter-closed")
    finally:
        context.close()
