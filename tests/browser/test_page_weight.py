"""What the anonymous discovery page costs a phone with an empty cache: at most 200 KB over the
wire, the map library fetched only when the map is shown, pages compressed."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import make_merchant, make_store, open_all_week

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 200 * 1024


def test_the_discovery_page_fits_a_phone_budget(phone):
    for n in range(12):
        owner = make_merchant(f"139000071{n:02d}", name=f"街角洗衣{n}")
        store = make_store(owner, name=f"街角洗衣{n}号店", at=(31.2320 + n / 2000, 121.4850))
        open_all_week(owner, store)
    # Everything the phone downloads, from the first request, as the network counts it (bytes
    # on the wire, compressed where the server compressed). The page finds the position and
    # loads the results for it: both count.
    urls: dict[str, str] = {}
    fetched: dict[str, int] = {}
    devtools = phone.context.new_cdp_session(phone)
    devtools.send("Network.enable")
    devtools.on(
        "Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"])
    )

    def finished(event):
        url = urls.get(event["requestId"], event["requestId"])
        fetched[url] = fetched.get(url, 0) + int(event["encodedDataLength"])

    devtools.on("Network.loadingFinished", finished)
    phone.goto("/")
    phone.wait_for_url(re.compile(r"lat=31\.23"))
    expect(phone.locator(".result .name").first).to_be_visible()
    phone.wait_for_load_state("networkidle")
    total = sum(fetched.values())
    print(f"discovery page on a phone: {total} bytes in {len(fetched)} requests")
    assert total <= BUDGET, sorted(fetched.items(), key=lambda kv: -kv[1])[:8]
    assert not any("leaflet" in url for url in fetched), "the map library loaded with the list"
    # The map tab fetches it, and the map works.
    phone.get_by_role("tab", name="地图").click()
    expect(phone.locator(".leaflet-marker-icon").first).to_be_visible()
    phone.wait_for_load_state("networkidle")
    assert any("leaflet" in url for url in fetched)


def test_pages_are_compressed(client, db):
    answer = client.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert answer.status_code == 200 and answer["Content-Encoding"] == "gzip"
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200
