"""Map providers, the two datums Chinese maps use, and links that open a map app at a store.

Positions are stored in WGS-84 (what phones' GPS reports and OpenStreetMap and Tianditu draw in).
Gaode/AMap and Tencent draw their tiles in GCJ-02, the datum Chinese law requires of published
maps: a position drawn on their tiles unshifted lands 100–700 m off. The conversion lives here
for the server (tests, links, geocoder answers) and in app.js for the maps in the browser, which
convert at the map's edge only: what is drawn is shifted to GCJ-02, what is picked on the map is
shifted back, and everything else (forms, the API, the database) stays WGS-84.

The GCJ-02 offset is the published obfuscation polynomial (Krasovsky ellipsoid constants) used
by every open implementation; its inverse has no closed form and is found by iteration.
"""

import math
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext_lazy as _

# Krasovsky 1940: semi-major axis and first eccentricity squared, as the GCJ-02 polynomial uses.
_A = 6378245.0
_EE = 0.00669342162296594323


def outside_china(lat: float, lng: float) -> bool:
    """GCJ-02 shifts only inside the rectangle around China; elsewhere it equals WGS-84."""
    return not (72.004 <= lng <= 137.8347 and 0.8293 <= lat <= 55.8271)


def _offset(lat: float, lng: float) -> tuple[float, float]:
    x, y = lng - 105.0, lat - 35.0
    waves = (20.0 * math.sin(6.0 * x * math.pi) + 20.0 * math.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    d_lat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * math.sqrt(abs(x))
    d_lat += waves
    d_lat += (20.0 * math.sin(y * math.pi) + 40.0 * math.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    d_lat += (160.0 * math.sin(y / 12.0 * math.pi) + 320 * math.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    d_lng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * math.sqrt(abs(x))
    d_lng += waves
    d_lng += (20.0 * math.sin(x * math.pi) + 40.0 * math.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    d_lng += (
        (150.0 * math.sin(x / 12.0 * math.pi) + 300.0 * math.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    )
    rad_lat = lat / 180.0 * math.pi
    magic = 1 - _EE * math.sin(rad_lat) ** 2
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * math.sqrt(magic)) * math.pi)
    d_lng = (d_lng * 180.0) / (_A / math.sqrt(magic) * math.cos(rad_lat) * math.pi)
    return d_lat, d_lng


def wgs84_to_gcj02(lat: float, lng: float) -> tuple[float, float]:
    if outside_china(lat, lng):
        return lat, lng
    d_lat, d_lng = _offset(lat, lng)
    return lat + d_lat, lng + d_lng


def gcj02_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """The WGS-84 position that GCJ-02 shifts onto (lat, lng), to ~1 cm (the shift varies by a
    few metres per kilometre, so a handful of fixed-point steps converge)."""
    if outside_china(lat, lng):
        return lat, lng
    guess_lat, guess_lng = lat, lng
    for _step in range(30):
        shifted_lat, shifted_lng = wgs84_to_gcj02(guess_lat, guess_lng)
        miss_lat, miss_lng = lat - shifted_lat, lng - shifted_lng
        guess_lat, guess_lng = guess_lat + miss_lat, guess_lng + miss_lng
        if abs(miss_lat) < 1e-10 and abs(miss_lng) < 1e-10:
            break
    return guess_lat, guess_lng


# ---- tile providers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MapProvider:
    key: str
    label: str
    tile_url: str  # Leaflet's template: {s} subdomain, {z}/{x}/{y}, {-y} for TMS rows, {k} key
    subdomains: str
    attribution: str
    datum: str  # "wgs84" or "gcj02": what the tiles are drawn in
    needs_key: bool = False
    labels_url: str = ""  # a second, transparent layer with place names (Tianditu)


PROVIDERS = {
    provider.key: provider
    for provider in (
        MapProvider(
            "osm",
            "OpenStreetMap",
            "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "",
            "&copy; OpenStreetMap contributors",
            "wgs84",
        ),
        MapProvider(
            "amap",
            "高德地图 AMap",
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
            "&x={x}&y={y}&z={z}",
            "1234",
            "&copy; 高德地图 AutoNavi",
            "gcj02",
        ),
        MapProvider(
            "tencent",
            "腾讯地图 Tencent",
            "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&styleid=1000&scene=0",
            "0123",
            "&copy; 腾讯地图 Tencent",
            "gcj02",
        ),
        MapProvider(
            "tianditu",
            "天地图 Tianditu",
            "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=vec&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            "&TILECOL={x}&tk={k}",
            "01234567",
            "&copy; 天地图 Tianditu",
            "wgs84",  # CGCS2000 differs from WGS-84 by centimetres
            needs_key=True,
            labels_url="https://t{s}.tianditu.gov.cn/cva_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            "&VERSION=1.0.0&LAYER=cva&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}"
            "&TILEROW={y}&TILECOL={x}&tk={k}",
        ),
    )
}


@dataclass(frozen=True)
class MapSetup:
    """What the browser's maps need: tiles (empty: markers on a plain background), their
    subdomains, attribution, datum and an optional labels layer."""

    tile_url: str
    subdomains: str
    attribution: str
    datum: str
    labels_url: str = ""


def resolve_map_setup(
    provider: str,
    key: str = "",
    tile_url: str | None = None,
    subdomains: str = "abc",
    attribution: str = "",
    datum: str = "wgs84",
) -> MapSetup:
    """The provider's tiles with its key filled in; an explicit `tile_url` (a tile server of
    one's own, or empty for none) overrides them. Read once by settings.py from
    `REGULARS_MAP_PROVIDER`, `REGULARS_MAP_KEY` and the `REGULARS_TILE_*` variables."""
    if provider not in PROVIDERS:
        raise ValueError(
            f"REGULARS_MAP_PROVIDER={provider!r}: choose one of {', '.join(PROVIDERS)}"
        )
    if datum not in ("wgs84", "gcj02"):
        raise ValueError(f"REGULARS_MAP_DATUM={datum!r}: choose wgs84 or gcj02")
    if tile_url is not None:
        return MapSetup(tile_url, subdomains, attribution, datum)
    chosen = PROVIDERS[provider]
    if chosen.needs_key and not key:
        raise ValueError(f"REGULARS_MAP_PROVIDER={provider}: set REGULARS_MAP_KEY to its key")
    key = quote(key, safe="")
    return MapSetup(
        chosen.tile_url.replace("{k}", key),
        chosen.subdomains,
        attribution or chosen.attribution,
        chosen.datum,
        chosen.labels_url.replace("{k}", key),
    )


def tile_origins(setup: MapSetup) -> list[str]:
    """The origins the tiles come from, for the Content-Security-Policy: https://t{s}.x → *.x."""
    from urllib.parse import urlsplit

    origins = []
    for url in filter(None, (setup.tile_url, setup.labels_url)):
        parts = urlsplit(url.replace("{s}", "0"))
        if not parts.scheme or not parts.netloc:
            continue
        host = parts.netloc
        if "{s}" in url.split("/")[2]:
            host = "*." + host.split(".", 1)[1]
        origins.append(f"{parts.scheme}://{host}")
    return sorted(set(origins))


# ---- navigation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class NavigateLink:
    label: str
    url: str


def navigate_links(lat: float, lng: float, name: str) -> list[NavigateLink]:
    """Links that open a map app (or its web page) with the store marked, ready to navigate.
    AMap and Tencent are told the position is WGS-84 and shift it themselves; the configured
    provider's app comes first."""
    links = {
        "amap": NavigateLink(
            _("Gaode (AMap)"),
            "https://uri.amap.com/marker?"
            + urlencode(
                {
                    "position": f"{lng:.6f},{lat:.6f}",
                    "name": name,
                    "coordinate": "wgs84",
                    "callnative": "1",
                    "src": "regulars",
                }
            ),
        ),
        "tencent": NavigateLink(
            _("Tencent Maps"),
            "https://apis.map.qq.com/uri/v1/marker?"
            + urlencode(
                {
                    "marker": f"coord:{lat:.6f},{lng:.6f};title:{name}",
                    "coord_type": "1",  # 1: GPS (WGS-84)
                    "referer": "regulars",
                }
            ),
        ),
        "osm": NavigateLink(
            _("OpenStreetMap"),
            "https://www.openstreetmap.org/directions?"
            + urlencode({"to": f"{lat:.6f},{lng:.6f}"})
            + f"#map=17/{lat:.6f}/{lng:.6f}",
        ),
    }
    first = settings.REGULARS_MAP_PROVIDER
    order = [first, *(key for key in ("amap", "tencent", "osm") if key != first)]
    return [links[key] for key in order if key in links]
