"""Relationship maintenance in the browser: handing over a departing manager's customers,
a birthday greeting, and a message to a segment that shows on each timeline."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from regulars.core import clock
from regulars.customers import services as customer_services
from regulars.customers.models import Customer
from regulars.outreach import services as outreach_services
from regulars.servicedesk import services as desk_services
from tests.browser.conftest import shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_merchant, make_person
from tests.relationships.test_account_managers import hire

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def page_for(browser, live_server, locale="en-US", width=1100):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale=locale, base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    return context, context.new_page()


def test_a_departing_managers_customers_are_handed_over_with_tasks(browser, live_server):
    owner = make_merchant("13900000701", name="鑫安美发", category="hair-salon")
    leaving = hire(owner, "13900000702", "老张")
    taking = hire(owner, "13900000703", "小陈")
    for n in range(3):
        Customer.objects.create(
            merchant=owner.merchant,
            name=f"老张的客户{n}",
            source="manual",
            spend=Decimal(100 * n),
            account_manager=leaving.user,
        )
    context, page = page_for(browser, live_server)
    try:
        sign_in(page, "13900000701")
        page.goto("/console/staff/")
        page.get_by_role("link", name="Hand over customers").click()
        page.get_by_label("Hand over the customers of").select_option(label="老张 (3 customers)")
        page.get_by_label("小陈 (0 customers)").check()
        page.get_by_label("Reason").fill("离职")
        page.get_by_label("Then end their access (they are leaving)").check()
        shoot(page, "merchant-hand-over")
        page.get_by_role("button", name="Hand over").click()
        expect(page.locator(".messages")).to_contain_text("3 customers handed over")
        expect(page.locator("[data-task]")).to_have_count(3)
        expect(page.locator("[data-tasks]")).to_contain_text("for 小陈")
        page.goto("/console/staff/")
        expect(page.locator("table.list")).to_contain_text("Inactive")

        # The new account manager sees the tasks, calls one customer and logs how it went.
        sign_in(page, "13900000703")
        page.goto("/console/tasks/")
        expect(page.locator("[data-task]")).to_have_count(3)
        first = page.locator("[data-task]").first
        first.get_by_label("How it went").fill("已电话联系，约了下周")
        first.get_by_label("Customer's satisfaction").select_option(label="★★★★")
        first.get_by_role("button", name="Done").click()
        expect(page.locator("[data-task]")).to_have_count(2)
        shoot(page, "account-manager-tasks")
        customer = Customer.objects.filter(tasks__status="done").get()
        assert customer.account_manager_id == taking.user.pk
        page.goto(f"/console/customers/{customer.pk}/")
        expect(page.locator("[data-timeline]")).to_contain_text("已电话联系")
        expect(page.locator("[data-timeline]")).to_contain_text("老张 → 小陈")
    finally:
        context.close()
    assert not Customer.objects.filter(account_manager=leaving.user).exists()


def test_a_birthday_greeting_goes_out_the_configured_days_before(browser, live_server):
    shop = make_merchant("13900000711", name="洁丽洗衣")
    fan = make_person("13800000711", "小吴")
    today = clock.today()
    owner_context, owner = page_for(browser, live_server)
    fan_context, phone = page_for(browser, live_server, locale="zh-CN", width=390)
    try:
        sign_in(owner, "13900000711")
        owner.goto("/console/customers/greetings/")
        owner.get_by_label("Birthday greetings").select_option(label="3 days before")
        owner.get_by_label("Title (empty: “Happy birthday from” the shop)").fill(
            "生日快乐！到店洗衣九折"
        )
        owner.get_by_label("Mid-Autumn Festival", exact=False).check()
        owner.get_by_role("button", name="Save").click()
        expect(owner.locator(".messages")).to_contain_text("Greetings saved")
        shoot(owner, "merchant-greetings")
        Customer.objects.create(
            merchant=shop.merchant,
            consumer=fan,
            name="小吴",
            phone=fan.phone,
            source="card",
            birthday=(today + dt.timedelta(days=3)).replace(year=1995),
        )
        assert (
            outreach_services.send_greetings(today=today + dt.timedelta(days=1)) == 0
        )  # two days before
        assert outreach_services.send_greetings(today=today) == 1  # three days before: now

        sign_in(phone, "13800000711")
        phone.goto("/me/inbox/")
        expect(phone.locator("[data-message]").first).to_contain_text("生日快乐！到店洗衣九折")
        shoot(phone, "consumer-birthday-greeting")
        owner.goto("/console/customers/messages/")
        expect(owner.locator("[data-outreach]")).to_contain_text("Birthday greeting")
    finally:
        owner_context.close()
        fan_context.close()


def test_a_segment_receives_an_offer_and_it_shows_on_each_timeline(browser, live_server):
    owner = make_merchant("13900000721", name="鑫安美发", category="hair-salon")
    people = [make_person(f"1380000072{n}", f"熟客{n}") for n in range(3)]
    for n, person in enumerate(people):
        Customer.objects.create(
            merchant=owner.merchant,
            consumer=person,
            name=person.display_name,
            phone=person.phone,
            source="order",
            spend=Decimal(300 if n < 2 else 50),
            visits=3,
        )
    customer_services.save_segment(actor=owner, name="老顾客", rules={"min_spend": "200"})
    context, page = page_for(browser, live_server, locale="zh-CN")
    try:
        sign_in(page, "13900000721")
        page.goto("/console/customers/segments/")
        page.locator("[data-message-segment]").click()
        expect(page.locator("[data-reach]")).to_contain_text("2")
        page.get_by_label("标题").fill("老顾客专享：烫发立减50")
        page.get_by_label("消息", exact=True).fill("本月有效")
        page.get_by_role("button", name="发送").click()
        expect(page.locator("[data-outreach]")).to_contain_text("老顾客专享")
        shoot(page, "merchant-segment-message")
        for person in people:
            customer = Customer.objects.get(consumer=person)
            page.goto(f"/console/customers/{customer.pk}/")
            timeline = page.locator("[data-timeline]")
            if person in people[:2]:
                expect(timeline).to_contain_text("老顾客专享：烫发立减50")
            else:
                expect(timeline).not_to_contain_text("老顾客专享")
    finally:
        context.close()


def test_a_complaint_passes_its_stages_escalates_closes_and_is_followed_up(
    browser, live_server, salon
):
    from regulars.servicedesk.models import Ticket

    owner, store = salon[0], salon[1]
    make_person("13800000731", "小周")
    fan_context, phone = page_for(browser, live_server, locale="zh-CN", width=390)
    desk_context, desk = page_for(browser, live_server)
    try:
        # The consumer complains from the store page.
        sign_in(phone, "13800000731")
        phone.goto(f"/stores/{store.pk}/")
        phone.locator("[data-complain]").click()
        phone.get_by_label("投诉类别").select_option(label="员工态度")
        phone.get_by_label("主题").fill("等了四十分钟")
        phone.get_by_label("发生了什么").fill("预约了两点，三点才开始剪")
        phone.get_by_role("button", name="发送").click()
        expect(phone.locator("[data-stage]")).to_have_text("已受理")

        # The owner takes it (and owns it), and moves it along.
        sign_in(desk, owner.user.phone.removeprefix("+86"))
        desk.goto("/console/tickets/")
        desk.get_by_role("link", name=Ticket.objects.get().number).click()
        desk.get_by_role("button", name="Take it (you will own it until it is closed)").click()
        expect(desk.locator("[data-owner]")).to_have_text(str(owner.user))
        for note in ("Called the customer", "Checked the booking log: 58 minutes late"):
            desk.get_by_label("What was done").fill(note)
            desk.locator("[data-advance] button").click()
        expect(desk.locator("[data-stage]")).to_have_text("Registered")

        # Nobody moves it in time: it breaches its limit and escalates.
        ticket = Ticket.objects.get()
        desk_services.escalate_overdue_tickets(now=ticket.stage_due_at + dt.timedelta(minutes=1))
        desk.reload()
        expect(desk.locator("[data-escalation]")).to_have_text("Supervisor")
        shoot(desk, "merchant-complaint-escalated")
        for _stage in ("transfer", "coordinate", "handle"):
            desk.locator("[data-advance] button").click()
        desk.get_by_label("Answer to the customer").fill(
            "Sorry for the wait: your next cut is on us."
        )
        desk.locator("[data-advance] button").click()
        expect(desk.locator("[data-stage]")).to_have_text("Answering the customer")

        # It does not close without the follow-up call's result.
        expect(desk.locator("[data-advance] button")).to_have_text(
            "Record the follow-up call and close"
        )
        desk.locator("[data-advance] button").click()
        expect(desk.locator("[data-advance] [role=alert]").first).to_contain_text("satisfaction")
        expect(desk.locator("[data-stage]")).to_have_text("Answering the customer")

        # The follow-up call, recorded from the task list, closes it with the customer's score.
        desk.goto("/console/tasks/")
        call = desk.locator("[data-task]").filter(has_text="Follow-up call on complaint")
        call.get_by_label("How it went").fill("Happy with the free cut")
        call.get_by_label("Customer's satisfaction").select_option(label="★★★★★")
        call.get_by_role("button", name="Done").click()
        desk.goto(f"/console/tickets/{ticket.pk}/")
        expect(desk.locator("[data-ticket-satisfaction]")).to_have_text("5/5")
        expect(desk.locator("[data-stage]")).to_have_text("Closed")
        shoot(desk, "merchant-complaint-closed")

        phone.goto("/me/complaints/")
        phone.get_by_role("link", name="等了四十分钟").click()
        expect(phone.locator("[data-answer]")).to_contain_text("your next cut is on us")
        shoot(phone, "consumer-complaint-answered")
    finally:
        fan_context.close()
        desk_context.close()
