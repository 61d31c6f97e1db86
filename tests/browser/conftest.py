"""Playwright driving Debian's chromium against the live test server."""

import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian's chromium is missing: `./dev test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous, so Django's async-safety guard is told so.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()
    os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


@pytest.fixture
def phone(browser, live_server):
    """A phone-sized page at People's Square that shares its position, speaking Chinese."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        geolocation={"latitude": 31.2317, "longitude": 121.4846},
        permissions=["geolocation"],
        locale="zh-CN",
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def desktop(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1200, "height": 900},
        geolocation={"latitude": 31.2290, "longitude": 121.4550},
        permissions=["geolocation"],
        locale="en-US",
        base_url=live_server.url,
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    """Transactional tests flush the tables between tests, the seeded categories included."""
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)


def open_from_menu(page, group: str, link: str) -> None:
    """Open a console page the way staff do: its group in the menu, then its link."""
    menu = page.locator("[data-console-nav]")
    menu.locator("summary", has_text=group).click()
    menu.get_by_role("link", name=link, exact=True).click()
