import re

import pytest

from tests.conftest import PEOPLE_SQUARE, make_merchant, make_store, open_all_week

pytestmark = pytest.mark.django_db


@pytest.fixture
def laundry(db):
    owner = make_merchant("13900000041")
    store = make_store(owner, name="人民广场干洗", at=PEOPLE_SQUARE)
    open_all_week(owner, store)
    return store


def test_the_first_visit_shows_stores_around_the_default_district(client, laundry):
    page = client.get("/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "人民广场干洗" in html
    assert 'value="huangpu" selected' in html


def test_a_shared_position_searches_around_it(client, laundry):
    far = client.get("/", {"lat": 31.40, "lng": 121.49})
    assert "人民广场干洗" not in far.content.decode()
    near = client.get(
        "/", {"lat": PEOPLE_SQUARE[0], "lng": PEOPLE_SQUARE[1], "category": "laundry"}
    )
    assert "人民广场干洗" in near.content.decode()


def test_bad_search_input_gets_a_400_with_the_reason(client, laundry):
    response = client.get("/", {"lat": 91, "lng": 121, "radius_m": 2000})
    assert response.status_code == 400
    assert "Latitude must be between" in response.content.decode()
    response = client.get("/", {"place": "atlantis"})
    assert response.status_code == 400


def test_the_store_page_shows_hours_services_and_map(client, laundry):
    from regulars.merchants import services
    from regulars.merchants.permissions import staff_context

    owner = staff_context(laundry.merchant.staff_roles.get().user)
    services.create_item(
        actor=owner, store_id=laundry.pk, data=services.ItemInput(name="大衣干洗", price="45")
    )
    html = client.get(f"/stores/{laundry.pk}/").content.decode()
    assert "大衣干洗" in html and "¥45.00" in html
    assert "08:00–22:00" in html
    assert f'data-lat="{laundry.lat:f}"' in html


def test_a_store_that_closed_down_is_gone(client, laundry):
    laundry.is_active = False
    laundry.save()
    assert client.get(f"/stores/{laundry.pk}/").status_code == 404
    assert client.get(f"/api/v1/discovery/stores/{laundry.pk}").status_code == 404


def test_nearby_api_returns_distances(client, laundry):
    response = client.get(
        "/api/v1/discovery/nearby",
        {"lat": PEOPLE_SQUARE[0], "lng": PEOPLE_SQUARE[1] + 0.01, "category": "laundry"},
    )
    assert response.status_code == 200
    body = response.json()
    assert body["results"][0]["name"] == "人民广场干洗"
    assert 900 < body["results"][0]["distance_m"] < 1000
    assert body["has_more"] is False and body["next_offset"] is None


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"lat": 91, "lng": 121}, "lat"),
        ({"lat": 31, "lng": 121, "radius_m": 1_000_000}, "radius_m"),
        ({"lat": 31, "lng": 121, "sort": "cheapest"}, "sort"),
        ({"lat": "north", "lng": 121}, "lat"),
    ],
)
def test_nearby_api_refuses_bad_input_with_field_errors(client, params, field):
    response = client.get("/api/v1/discovery/nearby", params)
    assert response.status_code in (400, 422)
    assert response.json()["errors"][0]["field"] == field


def test_categories_and_places_api(client):
    categories = client.get("/api/v1/discovery/categories").json()
    slugs = {c["slug"] for c in categories}
    assert {
        "dining",
        "laundry",
        "hair",
        "lodging",
        "public-services",
        "fitness",
        "car-services",
        "real-estate",
    } <= slugs
    bank = next(c for c in categories if c["slug"] == "bank")
    assert bank["discovery_only"] is True and bank["parent"] == "public-services"
    places = client.get("/api/v1/discovery/places").json()
    assert any(p["slug"] == "huangpu" and p["name_zh"] == "黄浦区" for p in places)


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/openapi.json").json()
    assert "/api/v1/discovery/nearby" in spec["paths"]
    docs = client.get("/api/docs")
    assert docs.status_code == 200
    assert "https://" not in docs.content.decode(), "the docs page must not load from a CDN"


def test_no_page_loads_anything_from_another_site(client, laundry):
    import re

    for url in ("/", f"/stores/{laundry.pk}/", "/accounts/login/", "/console/join/"):
        html = client.get(url).content.decode()
        # Nothing fetched from elsewhere (scripts, images, stylesheets, icons) ...
        assert not re.search(r'src="(https?:)?//', html), url
        assert not re.search(r'<link[^>]*href="(https?:)?//', html), url
        # ... and a link that leaves (a map app to navigate) opens apart from the page.
        for link in re.findall(r'<a [^>]*href="(?:https?:)?//[^>]*>', html):
            assert 'rel="noopener"' in link, link


def test_anonymous_neighbours_share_one_cached_page_without_each_others_position(
    client, laundry, django_assert_max_num_queries
):
    first = client.get("/", {"lat": "31.231712", "lng": "121.484633"})
    assert first.status_code == 200 and "人民广场干洗" in first.content.decode()
    # Someone 20 m away gets the same page from the cache: no search runs again.
    with django_assert_max_num_queries(0):
        second = client.get("/", {"lat": "31.231801", "lng": "121.484701"})
    html = second.content.decode()
    assert "人民广场干洗" in html
    # The page speaks of the ~100 m cell only: neither visitor's exact position is in it.
    assert "31.231712" not in html and "121.484633" not in html and "31.232" in html
    # The exact distance is shown by the phone, which knows the position (app.js).
    assert 'data-lat="' in html and 'data-msg-metres="' in html


def test_signed_in_searches_are_their_own(client, laundry, consumer):
    from regulars.notifications.models import SearchPosition

    client.force_login(consumer)
    answer = client.get("/", {"lat": "31.231712", "lng": "121.484633"})
    assert answer.status_code == 200 and consumer.shown_name in answer.content.decode()
    assert SearchPosition.objects.filter(consumer=consumer).exists()


def test_the_shared_page_carries_no_token_and_the_language_switch_still_works(client, laundry):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    page = browser.get("/", {"lat": "31.2317", "lng": "121.4846"})
    assert "csrfmiddlewaretoken" not in page.content.decode()
    assert "csrftoken" not in page.cookies
    switched = browser.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert switched.status_code == 302 and switched.cookies["django_language"].value == "en"
    english = browser.get("/", {"lat": "31.2317", "lng": "121.4846"}).content.decode()
    assert "Nearby" in english or "Use my location" in english


def test_a_new_edited_or_closed_store_shows_at_once_on_the_shared_page(
    client, laundry, django_capture_on_commit_callbacks
):
    from regulars.merchants import services as merchant_services
    from regulars.merchants.models import StaffMember
    from regulars.merchants.permissions import StaffContext
    from tests.conftest import make_store

    where = {"lat": "31.231712", "lng": "121.484633"}
    assert "新开洗衣" not in client.get("/", where).content.decode()  # now cached
    staff_member = (
        StaffMember.objects.filter(merchant=laundry.merchant).select_related("user").first()
    )
    owner = StaffContext(user=staff_member.user, merchant=laundry.merchant, role=staff_member.role)
    with django_capture_on_commit_callbacks(execute=True):
        opened = make_store(owner, name="新开洗衣", at=(31.2318, 121.4847))
    assert "新开洗衣" in client.get("/", where).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        data = merchant_services.StoreInput(
            name="新开洗衣（改名）",
            category="dry-cleaning",
            address=opened.address,
            lat=opened.lat,
            lng=opened.lng,
            district=opened.district,
        )
        merchant_services.update_store(actor=owner, store_id=opened.pk, data=data)
    assert "新开洗衣（改名）" in client.get("/", where).content.decode()


def test_the_browser_finds_its_icon(client):
    answer = client.get("/favicon.ico")
    assert answer.status_code == 200 and answer["Content-Type"] == "image/x-icon"
    assert b"".join(answer.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert 'rel="icon"' in client.get("/").content.decode()


def test_the_store_page_shows_the_card_its_visitor_holds_instead_of_join(client, laundry, consumer):
    from regulars.membership import services as cards
    from regulars.merchants.models import StaffMember
    from regulars.merchants.permissions import StaffContext

    staff_member = StaffMember.objects.filter(merchant=laundry.merchant).first()
    owner = StaffContext(user=staff_member.user, merchant=laundry.merchant, role=staff_member.role)
    cards.design_program(actor=owner, title="洁丽会员卡", published=True)
    client.force_login(consumer)
    before = client.get(f"/stores/{laundry.pk}/").content.decode()
    assert "membership/join" not in before and "/cards/join/" in before
    card = cards.apply_for_card(consumer=consumer, merchant_id=laundry.merchant_id)
    after = client.get(f"/stores/{laundry.pk}/").content.decode()
    assert "/cards/join/" not in after and f"/me/cards/{card.pk}/" in after


def test_staff_are_invited_as_cashiers_unless_chosen_otherwise(client, owner_a):
    client.force_login(owner_a.user)
    page = client.get("/console/staff/").content.decode()
    assert 'value="cashier" selected' in page


def test_the_directory_value_ladder_is_not_named_like_the_card_tiers(client, owner_a):
    client.cookies["django_language"] = "zh-hans"
    client.force_login(owner_a.user)
    page = client.get("/console/customers/settings/", {"preset": "metals"}).content.decode()
    assert "金牌客户" in page and 'value="金卡"' not in page


def test_result_rows_and_chips_escape_what_shops_and_visitors_type(client, laundry):
    """Rows and chips are written in Python (decision 0024): a shop's name and address, and
    whatever a visitor puts in the address bar, come out as text, never as markup."""
    owner = make_merchant("13900000042")
    make_store(owner, name="<b>粗体</b>洗衣", at=(PEOPLE_SQUARE[0] + 0.001, PEOPLE_SQUARE[1]))
    page = client.get(
        "/",
        {"lat": PEOPLE_SQUARE[0], "lng": PEOPLE_SQUARE[1], "q": "", "offset": "0", "x": '"><i>'},
    )
    html = page.content.decode()
    assert "&lt;b&gt;粗体&lt;/b&gt;洗衣" in html and "<b>粗体</b>" not in html
    assert '"><i>' not in html
    # A chip keeps the search (position, radius…), chooses its category, starts at page one.
    chips = re.findall(r'<a class="chip" href="\?([^"]+)">', html)
    kept = next(c for c in chips if "category=laundry" in c).replace("&amp;", "&")
    assert "category=laundry" in kept and "offset" not in kept
    assert f"lat={PEOPLE_SQUARE[0]:.3f}" in kept and "radius_m=2000" in kept
