"""Every page a merchant or a consumer can open, in both languages, in a real browser: it answers,
its title is plain text, every date input holds an ISO value the browser accepted, and nothing
is written to the console. Screenshots of each land in test-artifacts/pages/.

The pages are found from the URL configuration, not listed by hand, so a new page is swept
without anyone remembering to add it; the ids in its address come from a small demo city."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from playwright.sync_api import Error as PlaywrightError

from tests.browser.conftest import ARTIFACTS

pytestmark = [
    pytest.mark.browser,
    # The pages do not depend on the database engine; one sweep (on SQLite) is enough.
    pytest.mark.skipif(connection.vendor == "postgresql", reason="swept once, on SQLite"),
]

# Not pages: machine endpoints, downloads and actions that only take a POST.
NOT_PAGES = re.compile(
    r"^(api/|admin/|media/|livez|healthz|metrics|favicon|sw\.js|i18n/|accounts/logout/"
    r"|pay/sandbox/|accounts/privacy/my-data)|\.(csv|png|pdf|json)$"
)
ISO = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "datetime-local": re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}"),
}


def _routes(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def _ids(owner, consumer) -> dict[str, dict[str, object]]:
    """For each kind of id in an address, one the signed-in person may open: the console's
    from the demo owner's shop, the consumer's own from the demo consumer."""
    from regulars.counter.models import Bill
    from regulars.customers.models import Customer, CustomerImport
    from regulars.membership.models import Card
    from regulars.merchants.models import CatalogItem, StaffMember, Store
    from regulars.orders.models import Order, Reservation
    from regulars.promotions.models import Campaign, Coupon
    from regulars.relationships.models import CustomerEvent, Invitation, MaintenancePlan
    from regulars.servicedesk.models import Survey, Ticket

    merchant = StaffMember.objects.get(user=owner, role="owner").merchant

    def first(queryset):
        return queryset.order_by("pk").values_list("pk", flat=True).first()

    console = {
        "reservation_id": first(Reservation.objects.filter(store__merchant=merchant)),
        "card_id": first(Card.objects.filter(merchant=merchant)),
        "campaign_id": first(Campaign.objects.filter(merchant=merchant)),
        "customer_id": first(Customer.objects.filter(merchant=merchant, consumer__isnull=False)),
        "plan_id": first(MaintenancePlan.objects.filter(merchant=merchant)),
        "event_id": first(CustomerEvent.objects.filter(merchant=merchant)),
        "ticket_id": first(Ticket.objects.filter(merchant=merchant)),
        "import_id": first(CustomerImport.objects.filter(merchant=merchant)),
        "store_id": first(Store.objects.filter(merchant=merchant)),
        "item_id": first(CatalogItem.objects.filter(store__merchant=merchant)),
        "staff_member_id": first(StaffMember.objects.filter(merchant=merchant).exclude(user=owner)),
        "bill_id": first(Bill.objects.filter(merchant=merchant)),
        "kind": "weekly",
    }
    mine = {
        "reservation_id": first(Reservation.objects.filter(consumer=consumer)),
        "order_id": first(Order.objects.filter(consumer=consumer)),
        "ticket_id": first(Ticket.objects.filter(raised_by=consumer)),
        "survey_id": first(Survey.objects.filter(customer__consumer=consumer)),
        "invitation_id": first(Invitation.objects.filter(customer__consumer=consumer)),
        "card_id": first(Card.objects.filter(consumer=consumer)),
        "coupon_id": first(Coupon.objects.filter(consumer=consumer)),
        "bill_id": first(Bill.objects.filter(consumer=consumer)),
        "store_id": first(Store.objects.filter(is_active=True)),
        "item_id": first(CatalogItem.objects.filter(is_active=True, buyable=True)),
        "campaign_id": first(Campaign.objects.filter(published=True)),
    }
    return {"console": console, "mine": mine}


def _addresses(ids) -> list[tuple[str, str]]:
    """(who, path) for every page that can be opened with the ids at hand."""
    found = []
    for route in _routes(get_resolver().url_patterns):
        if NOT_PAGES.search(route):
            continue
        who = "console" if route.startswith(("console/", "operator/")) else "mine"
        path, missing = route, False
        for name in re.findall(r"<(?:\w+:)?(\w+)>", route):
            value = ids[who].get(name)
            if value is None:
                missing = True
                break
            path = re.sub(rf"<(?:\w+:)?{name}>", str(value), path)
        if not missing:
            found.append((who, "/" + path))
    return found


def _session_cookie(user, live_server, language: str) -> list[dict]:
    client = Client()
    client.force_login(user)
    return [
        {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url},
        {"name": "django_language", "value": language, "url": live_server.url},
    ]


def test_every_page_answers_with_a_plain_title_iso_dates_and_a_quiet_console(browser, live_server):
    call_command("demo_city", merchants=6, consumers=80, verbosity=0)
    users = get_user_model().objects
    people = {
        "console": users.get(phone="+8613900000001"),
        "mine": users.get(phone="+8613800000001"),
        "operator": users.get(username="admin"),
    }
    addresses = _addresses(_ids(people["console"], people["mine"]))
    assert len(addresses) > 60, addresses  # the sweep really covers the product
    problems, opened = [], 0
    for language, locale in (("zh-hans", "zh-CN"), ("en", "en-US")):
        found, count = _sweep(browser, live_server, addresses, people, language, locale)
        problems += found
        opened += count
    print(f"swept {opened} pages")
    assert opened > 100
    assert problems == []


def _sweep(browser, live_server, addresses, people, language, locale):
    shots = ARTIFACTS / "pages" / language
    shots.mkdir(parents=True, exist_ok=True)
    contexts = {}
    for who, width in (("console", 1200), ("mine", 390), ("operator", 1200)):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale=locale, base_url=live_server.url
        )
        context.add_cookies(_session_cookie(people[who], live_server, language))
        context.set_default_timeout(15_000)
        contexts[who] = context
    problems, opened = [], 0
    try:
        for area, path in addresses:
            who = "operator" if path.startswith("/operator/") else area
            page = contexts[who].new_page()
            errors = []
            page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error, e=errors: e.append(str(error)))
            try:
                answer = page.goto(path, wait_until="load")
            except PlaywrightError:  # an empty answer: ask again without a browser
                answer = contexts[who].request.get(path, max_redirects=0)
            if answer.status >= 500:
                problems.append(f"{language} {path}: {answer.status}")
            moved = not page.url.startswith(f"{live_server.url}{path}")
            if answer.status != 200 or moved or "<html" not in answer.text()[:500]:
                page.close()  # an action (POST only), a step that sends elsewhere, a fragment
                continue
            page.wait_for_timeout(150)  # scripts that draw charts and maps run after load
            opened += 1
            title = page.title()
            if re.search(r"[<>{}]|csrf", title, re.IGNORECASE) or not title.strip():
                problems.append(f"{language} {path}: title {title!r}")
            for kind, shown, written in page.eval_on_selector_all(
                "input[type=date], input[type=datetime-local]",
                "els => els.map(e => [e.type, e.value, e.getAttribute('value') || ''])",
            ):
                if written and (shown != written or not ISO[kind].fullmatch(written)):
                    problems.append(f"{language} {path}: {kind} holds {written!r}, shows {shown!r}")
            problems += [f"{language} {path}: console {text}" for text in errors]
            name = re.sub(r"[^a-z0-9]+", "-", path.strip("/").lower()) or "home"
            page.screenshot(path=str(shots / f"{who}-{name}.png"), full_page=True)
            page.close()
    finally:
        for context in contexts.values():
            context.close()
    return problems, opened
