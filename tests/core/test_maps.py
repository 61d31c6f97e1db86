"""Chinese maps: GCJ-02 against published reference points, providers, links to map apps."""

import math

import pytest

from regulars.core import maps

# Published reference pairs (WGS-84 → GCJ-02), as the open eviltransform implementations test
# them: Shanghai, Shenzhen, Beijing.
REFERENCE = [
    ((31.1774276, 121.5272106), (31.17530398364597, 121.531541859215)),
    ((22.543847, 113.912316), (22.540796131694766, 113.9171764808363)),
    ((39.911954, 116.377817), (39.91334545536069, 116.38404722455657)),
]


def metres(a, b) -> float:
    lat = math.radians((a[0] + b[0]) / 2)
    return math.hypot((a[0] - b[0]) * 111_320, (a[1] - b[1]) * 111_320 * math.cos(lat))


@pytest.mark.parametrize(("wgs", "gcj"), REFERENCE)
def test_wgs84_shifts_onto_the_published_gcj02_points_and_back(wgs, gcj):
    shifted = maps.wgs84_to_gcj02(*wgs)
    assert metres(shifted, gcj) < 0.01  # the same polynomial: equal to the centimetre
    assert 100 < metres(wgs, gcj) < 700  # what an unconverted pin would be off by
    assert metres(maps.gcj02_to_wgs84(*gcj), wgs) < 0.05


def test_outside_china_nothing_moves():
    for point in ((51.5007, -0.1246), (35.6812, 139.7671), (-33.8568, 151.2153)):
        assert maps.wgs84_to_gcj02(*point) == point
        assert maps.gcj02_to_wgs84(*point) == point


def test_providers_carry_their_datum_key_and_tile_origins():
    amap = maps.resolve_map_setup("amap")
    assert amap.datum == "gcj02" and "AutoNavi" in amap.attribution
    assert maps.tile_origins(amap) == ["https://*.is.autonavi.com"]
    tencent = maps.resolve_map_setup("tencent")
    assert tencent.datum == "gcj02" and "{-y}" in tencent.tile_url  # TMS rows counted upward
    with pytest.raises(ValueError, match="REGULARS_MAP_KEY"):
        maps.resolve_map_setup("tianditu")
    tianditu = maps.resolve_map_setup("tianditu", "k&y")
    assert tianditu.datum == "wgs84" and "tk=k%26y" in tianditu.tile_url
    assert "cva_w" in tianditu.labels_url and "tk=k%26y" in tianditu.labels_url
    assert maps.tile_origins(tianditu) == ["https://*.tianditu.gov.cn"]
    assert maps.tile_origins(maps.resolve_map_setup("osm")) == ["https://tile.openstreetmap.org"]
    own = maps.resolve_map_setup("osm", tile_url="https://tiles.example.cn/{z}/{x}/{y}.png")
    assert maps.tile_origins(own) == ["https://tiles.example.cn"]
    assert maps.tile_origins(maps.resolve_map_setup("osm", tile_url="")) == []
    with pytest.raises(ValueError, match="REGULARS_MAP_PROVIDER"):
        maps.resolve_map_setup("baidu")
    with pytest.raises(ValueError, match="REGULARS_MAP_DATUM"):
        maps.resolve_map_setup("osm", tile_url="", datum="bd09")


def test_navigate_links_open_map_apps_at_the_store_provider_first(settings):
    settings.REGULARS_MAP_PROVIDER = "tencent"
    links = maps.navigate_links(31.2317, 121.4846, "洁丽洗衣 & 干洗")
    assert [str(link.label) for link in links] == ["Tencent Maps", "Gaode (AMap)", "OpenStreetMap"]
    tencent, amap, osm = (link.url for link in links)
    assert "coord%3A31.231700%2C121.484600" in tencent and "coord_type=1" in tencent
    assert "position=121.484600%2C31.231700" in amap and "coordinate=wgs84" in amap
    assert "%26" in amap  # the name is encoded, not cut at its "&"
    assert "to=31.231700%2C121.484600" in osm


@pytest.mark.django_db
def test_the_store_page_and_api_offer_navigation(client, salon):
    store = salon[1]
    page = client.get(f"/stores/{store.pk}/").content.decode()
    assert "data-navigate" in page and "uri.amap.com/marker" in page
    assert 'data-map-datum="wgs84"' in page
    found = client.get(f"/api/v1/discovery/stores/{store.pk}").json()
    assert [link["label"] for link in found["navigate"]][0] == "OpenStreetMap"
