"""Discovery on a phone: a granted position is used at once, the Map tab shows the map, and the
map's buttons speak Chinese."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import shoot
from tests.conftest import make_merchant, make_store, open_all_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_granted_position_is_used_and_the_map_tab_shows_the_map(phone):
    owner = make_merchant("13900007001", name="街角洗衣")
    store = make_store(owner, name="街角洗衣", at=(31.2325, 121.4850))
    open_all_week(owner, store)
    phone.goto("/")
    # Position permission was granted before: the page searches around it by itself.
    phone.wait_for_url(re.compile(r"lat=31\.23"))
    expect(phone.locator(".result .name").first).to_have_text("街角洗衣")
    phone.get_by_role("tab", name="地图").click()
    expect(phone.locator("[data-panel=list]")).to_be_hidden()
    map_box = phone.locator("[data-results-map]")
    expect(map_box).to_be_visible()
    assert map_box.bounding_box()["y"] < 600  # where the list was, not below 20 results
    expect(phone.locator(".leaflet-control-zoom-in")).to_have_attribute("title", "放大")
    shoot(phone, "discovery-map-tab-phone")
