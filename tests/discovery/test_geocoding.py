"""Address search against local fakes of AMap's and Tencent's geocoders (no network), and the
district list when they fail."""

import json
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.core.test_maps import REFERENCE, metres
from tests.fakes import serving

pytestmark = pytest.mark.django_db

KEY = "test-key"
(SHANGHAI_WGS, SHANGHAI_GCJ) = REFERENCE[0]


class FakeGeocoders(BaseHTTPRequestHandler):
    """AMap v3 and Tencent v1 as their documentation shows them: the key in the query string,
    a status field, positions in GCJ-02 ("lng,lat" for AMap)."""

    calls: list = []
    broken = False

    def do_GET(self):  # noqa: N802 (http.server's name)
        url = urlsplit(self.path)
        query = {name: values[0] for name, values in parse_qs(url.query).items()}
        FakeGeocoders.calls.append((url.path, query))
        if FakeGeocoders.broken:
            self.send_response(502)
            self.end_headers()
            return
        good_key = query.get("key") == KEY
        found = "浦东" in query.get("address", "")
        lat, lng = SHANGHAI_GCJ
        if url.path == "/v3/geocode/geo":
            answer = (
                {
                    "status": "1",
                    "info": "OK",
                    "geocodes": [
                        {"formatted_address": "上海市浦东新区", "location": f"{lng},{lat}"}
                    ]
                    if found
                    else [],
                }
                if good_key
                else {"status": "0", "info": "INVALID_USER_KEY", "infocode": "10001"}
            )
        elif url.path == "/ws/geocoder/v1/":
            answer = (
                {
                    "status": 0,
                    "message": "query ok",
                    "result": {"title": "浦东新区", "location": {"lat": lat, "lng": lng}},
                }
                if good_key and found
                else {"status": 311 if not good_key else 347, "message": "refused"}
            )
        else:
            answer = {}
        body = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake(settings):
    FakeGeocoders.calls, FakeGeocoders.broken = [], False
    with serving(FakeGeocoders) as url:
        settings.REGULARS_GEOCODER_URL = url
        settings.REGULARS_GEOCODER_KEY = KEY
        yield FakeGeocoders


@pytest.mark.parametrize("provider", ["amap", "tencent"])
def test_an_address_is_found_and_returned_in_wgs84(client, settings, fake, provider):
    settings.REGULARS_GEOCODER = provider
    answer = client.get("/api/v1/discovery/geocode", {"q": "浦东新区世纪大道", "city": "上海"})
    assert answer.status_code == 200
    place = answer.json()[0]
    assert place["source"] == provider
    assert metres((place["lat"], place["lng"]), SHANGHAI_WGS) < 0.05  # shifted back from GCJ-02
    assert fake.calls[0][1]["key"] == KEY
    # The same question again is answered from the cache: the provider bills per request.
    client.get("/api/v1/discovery/geocode", {"q": "浦东新区世纪大道", "city": "上海"})
    assert len(fake.calls) == 1


@pytest.mark.parametrize("provider", ["amap", "tencent"])
def test_a_refused_key_an_outage_or_no_match_fall_back_to_the_districts(
    client, settings, fake, provider
):
    settings.REGULARS_GEOCODER = provider
    settings.REGULARS_GEOCODER_KEY = "wrong"
    refused = client.get("/api/v1/discovery/geocode", {"q": "徐汇区 漕溪北路"}).json()
    assert [(p["name"], p["source"]) for p in refused] == [("徐汇区", "districts")]
    settings.REGULARS_GEOCODER_KEY = KEY
    fake.broken = True
    down = client.get("/api/v1/discovery/geocode", {"q": "Huangpu"}).json()
    assert [(p["name"], p["source"]) for p in down] == [("黄浦区", "districts")]
    fake.broken = False
    nothing = client.get("/api/v1/discovery/geocode", {"q": "火星基地"}).json()
    assert nothing == []


def test_without_a_provider_the_district_list_answers_and_callers_are_limited(client, settings):
    settings.REGULARS_GEOCODER = ""
    found = client.get("/api/v1/discovery/geocode", {"q": "静安"}).json()
    assert found[0]["name"] == "静安区" and found[0]["source"] == "districts"
    assert client.get("/api/v1/discovery/geocode", {"q": ""}).json() == []
    for _ in range(29):
        client.get("/api/v1/discovery/geocode", {"q": "静安"})
    assert client.get("/api/v1/discovery/geocode", {"q": "静安"}).status_code == 429
