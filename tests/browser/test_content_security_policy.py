"""The pages run under the Content-Security-Policy without a single violation: maps, charts,
htmx, the API docs — everything is a static script, nothing inline."""

import datetime as dt

import pytest

from regulars.core import clock
from tests.analytics.test_reports import visit
from tests.browser.conftest import shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_no_page_breaks_the_policy(browser, live_server, salon, settings):
    owner, store = salon[0], salon[1]
    person = make_person("13800006001", "常客")
    visit(salon, person, clock.today() - dt.timedelta(days=3), "csp")
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, locale="zh-CN", base_url=live_server.url
    )
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    answer = page.goto("/")
    policy = dict(
        directive.strip().split(" ", 1)
        for directive in answer.headers["content-security-policy"].split(";")
    )
    assert policy["script-src"] == "'self'" and policy["object-src"] == "'none'"
    page.goto(f"/stores/{store.pk}/")
    page.wait_for_load_state("networkidle")
    sign_in(page, owner.user.phone)
    page.goto("/console/reports/")
    page.wait_for_selector(".chart svg, .chart canvas")
    shoot(page, "csp-reports")
    page.goto("/api/docs")
    page.wait_for_selector("#swagger-ui .opblock")
    assert violations == []
    context.close()
