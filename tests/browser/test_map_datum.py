"""The browser's maps convert at their edge: GCJ-02 for AMap/Tencent tiles, WGS-84 everywhere
else. app.js's conversion equals regulars/core/maps.py's on the published reference points, and
a pin dropped on a GCJ-02 map is saved in WGS-84."""

import pytest

from regulars.core import maps
from tests.browser.test_orders_flow import sign_in
from tests.core.test_maps import REFERENCE, metres

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_pages_maps_convert_like_the_server(desktop, live_server, salon, settings):
    settings.REGULARS_MAP = maps.resolve_map_setup("osm", tile_url="", datum="gcj02")
    store = salon[1]
    desktop.goto(f"/stores/{store.pk}/")
    desktop.wait_for_function("window.regularsMapDatum !== undefined")
    for wgs, gcj in REFERENCE:
        shifted = desktop.evaluate("(p) => window.regularsMapDatum.toMap(p[0], p[1])", list(wgs))
        assert metres(shifted, gcj) < 0.01
        assert metres(shifted, maps.wgs84_to_gcj02(*wgs)) < 1e-6
        back = desktop.evaluate("(p) => window.regularsMapDatum.fromMap(p[0], p[1])", list(gcj))
        assert metres(back, wgs) < 0.05


def test_a_pin_dropped_on_a_gcj02_map_is_stored_in_wgs84(desktop, live_server, salon, settings):
    settings.REGULARS_MAP = maps.resolve_map_setup("osm", tile_url="", datum="gcj02")
    owner, store = salon[0], salon[1]
    sign_in(desktop, owner.user.phone)
    desktop.goto(f"/console/stores/{store.pk}/")
    desktop.wait_for_selector("[data-pin-map] .leaflet-marker-icon")
    desktop.locator("[data-pin-map]").click(position={"x": 300, "y": 100})
    lat = float(desktop.locator("input[name=lat]").input_value())
    lng = float(desktop.locator("input[name=lng]").input_value())
    # The pin sits where the click landed, on the GCJ-02 map; the form holds its WGS-84 origin.
    pin = desktop.evaluate(
        "() => { const p = window.regularsPin.marker.getLatLng(); return [p.lat, p.lng]; }"
    )
    assert metres((lat, lng), pin) > 100
    assert metres((lat, lng), maps.gcj02_to_wgs84(*pin)) < 0.2
    desktop.locator("#store-form button.primary").click()
    desktop.wait_for_load_state()
    store.refresh_from_db()
    assert metres((store.lat, store.lng), (lat, lng)) < 0.2
