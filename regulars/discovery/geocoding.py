"""Address search: text in, positions (WGS-84) out, for placing a store or searching near an
address. An adapter asks Gaode/AMap or Tencent's web-service geocoder (`REGULARS_GEOCODER`,
`REGULARS_GEOCODER_KEY`); both answer in GCJ-02, converted here. Without a provider, or when it
fails (network, quota, a refused key), the local district list answers, so the feature never
breaks: it only becomes coarser.

Answers are cached for a day per query (providers bill per request and addresses do not move),
and each caller's address is limited to 30 searches a minute (the endpoint is public).
"""

import hashlib
import logging
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache

from regulars.core import throttle
from regulars.core.maps import gcj02_to_wgs84

from .city import DISTRICTS

log = logging.getLogger(__name__)

SEARCHES_PER_ADDRESS = throttle.Limit("geocode", 30, 60)
CACHE_SECONDS = 24 * 3600
TIMEOUT_SECONDS = 3
MAX_RESULTS = 5
DEFAULT_URLS = {"amap": "https://restapi.amap.com", "tencent": "https://apis.map.qq.com"}


@dataclass(frozen=True)
class FoundPlace:
    name: str
    lat: float  # WGS-84
    lng: float
    source: str  # "amap", "tencent" or "districts"


class ProviderRefused(Exception):
    """The provider answered, but with an error status (bad key, quota, nothing understood)."""


def search(query: str, city: str = "", *, caller: str = "") -> list[FoundPlace]:
    """Places matching `query` (at most five), best first."""
    query, city = query.strip()[:120], city.strip()[:40]
    if not query:
        return []
    if caller:
        throttle.take(SEARCHES_PER_ADDRESS, caller, field="q")
    provider = settings.REGULARS_GEOCODER
    if provider:
        asked = hashlib.sha256(f"{city}\n{query}".encode()).hexdigest()
        key = f"geocode:{provider}:{asked}"
        found = cache.get(key)
        if found is not None:
            return found or districts(query)
        try:
            found = ADAPTERS[provider](query, city)
        except (requests.RequestException, ValueError, KeyError, ProviderRefused) as error:
            log.warning("geocoder %s failed; answering from districts: %s", provider, error)
        else:
            cache.set(key, found, CACHE_SECONDS)
            if found:
                return found
    return districts(query)


def districts(query: str) -> list[FoundPlace]:
    """The local fallback: districts whose name is in the query or contains it."""
    lowered = query.lower()
    matches = [
        district
        for district in DISTRICTS
        for name in (district.name_zh, district.name_zh.removesuffix("区"), district.name_en)
        if name and (name.lower() in lowered or lowered in name.lower())
    ]
    unique = list(dict.fromkeys(matches))[:MAX_RESULTS]
    return [FoundPlace(d.name_zh, d.lat, d.lng, "districts") for d in unique]


def _get(provider: str, path: str, params: dict) -> dict:
    base = settings.REGULARS_GEOCODER_URL or DEFAULT_URLS[provider]
    response = requests.get(
        f"{base.rstrip('/')}{path}",
        params={**params, "key": settings.REGULARS_GEOCODER_KEY},
        timeout=TIMEOUT_SECONDS,
    )
    response.raise_for_status()
    return response.json()


def _amap(query: str, city: str) -> list[FoundPlace]:
    """AMap web service v3 geocode: `status` "1" is success; `location` is "lng,lat" (GCJ-02)."""
    answer = _get("amap", "/v3/geocode/geo", {"address": query, "city": city, "output": "JSON"})
    if answer.get("status") != "1":
        raise ProviderRefused(f"{answer.get('infocode')} {answer.get('info')}")
    found = []
    for place in answer.get("geocodes", [])[:MAX_RESULTS]:
        lng, lat = (float(part) for part in place["location"].split(","))
        lat, lng = gcj02_to_wgs84(lat, lng)
        found.append(FoundPlace(place.get("formatted_address") or query, lat, lng, "amap"))
    return found


def _tencent(query: str, city: str) -> list[FoundPlace]:
    """Tencent WebService geocoder v1: `status` 0 is success; one result, location in GCJ-02."""
    params = {"address": f"{city}{query}" if city and city not in query else query}
    answer = _get("tencent", "/ws/geocoder/v1/", params)
    if answer.get("status") != 0:
        raise ProviderRefused(f"{answer.get('status')} {answer.get('message')}")
    result = answer["result"]
    lat, lng = gcj02_to_wgs84(float(result["location"]["lat"]), float(result["location"]["lng"]))
    return [FoundPlace(result.get("title") or query, lat, lng, "tencent")]


ADAPTERS = {"amap": _amap, "tencent": _tencent}
