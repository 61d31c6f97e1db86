import datetime as dt
import math
import random
import re

import pytest
from django.db import connection

from regulars.core import geo
from regulars.core.errors import DomainError
from regulars.discovery.selectors import NearbyQuery, nearby_stores, nearest_store_ids
from regulars.merchants import services
from regulars.merchants.models import Store
from tests.conftest import PEOPLE_SQUARE, make_merchant, make_store, open_all_week, scatter_stores

pytestmark = pytest.mark.django_db


def _offset(at, north_m, east_m):
    import math

    lat = at[0] + north_m / geo.METERS_PER_DEGREE_LAT
    lng = at[1] + east_m / (geo.METERS_PER_DEGREE_LAT * math.cos(math.radians(at[0])))
    return lat, lng


@pytest.fixture
def street(db):
    """A laundry 300 m north, a barber 800 m east, a laundry 1.5 km south, a laundry 3 km west."""
    owner = make_merchant("13900000010", name="街坊")
    stores = {
        "near_laundry": make_store(
            owner, name="洁丽干洗", category="dry-cleaning", at=_offset(PEOPLE_SQUARE, 300, 0)
        ),
        "barber": make_store(
            owner, name="鑫安理发", category="barber", at=_offset(PEOPLE_SQUARE, 0, 800)
        ),
        "mid_laundry": make_store(
            owner,
            name="好邻居自助洗衣",
            category="self-service-laundry",
            at=_offset(PEOPLE_SQUARE, -1500, 0),
        ),
        "far_laundry": make_store(
            owner, name="远方洗衣", category="dry-cleaning", at=_offset(PEOPLE_SQUARE, 0, -3000)
        ),
    }
    for store in stores.values():
        open_all_week(owner, store)
    return owner, stores


def _names(page):
    return [found.store.name for found in page.results]


def test_nearest_first_within_the_radius_with_distances(street):
    page = nearby_stores(NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], radius_m=2000))
    assert _names(page) == ["洁丽干洗", "鑫安理发", "好邻居自助洗衣"]
    assert [round(f.distance_m, -1) for f in page.results] == [300, 800, 1500]


def test_a_top_category_includes_its_subcategories(street):
    page = nearby_stores(
        NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], radius_m=5000, category="laundry")
    )
    assert _names(page) == ["洁丽干洗", "好邻居自助洗衣", "远方洗衣"]
    sub = nearby_stores(
        NearbyQuery(
            lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], radius_m=5000, category="dry-cleaning"
        )
    )
    assert _names(sub) == ["洁丽干洗", "远方洗衣"]


def test_keyword_search_finds_chinese_text_in_names_and_services(street):
    owner, stores = street
    services.create_item(
        actor=owner,
        store_id=stores["barber"].pk,
        data=services.ItemInput(name="男士快剪", price="25"),
    )
    by_service = nearby_stores(NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], q="快剪"))
    assert _names(by_service) == ["鑫安理发"]
    by_name = nearby_stores(NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], q="洗衣"))
    assert _names(by_name) == ["好邻居自助洗衣"]


def test_open_now_respects_hours_and_holiday_closures(street):
    owner, stores = street
    services.set_opening_hours(
        actor=owner,
        store_id=stores["barber"].pk,
        ranges=[services.HoursRange(day, dt.time(14), dt.time(20)) for day in range(7)],
    )
    from django.utils import timezone

    noon = timezone.make_aware(dt.datetime(2026, 11, 23, 12, 0))
    services.add_closure(
        actor=owner,
        store_id=stores["near_laundry"].pk,
        start_date=noon.date(),
        end_date=noon.date(),
    )
    page = nearby_stores(
        NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], open_now=True), now=noon
    )
    assert _names(page) == ["好邻居自助洗衣"]
    everything = nearby_stores(NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1]), now=noon)
    assert [f.is_open for f in everything.results] == [False, False, True]


def test_rating_sort_prefers_many_good_reviews_over_one_perfect_one(street):
    from regulars.merchants.ratings import shrunk_rating

    owner, stores = street
    Store.objects.filter(pk=stores["near_laundry"].pk).update(
        rating_avg=5, rating_count=1, rating_score=shrunk_rating(5, 1)
    )
    Store.objects.filter(pk=stores["mid_laundry"].pk).update(
        rating_avg=4.8, rating_count=300, rating_score=shrunk_rating(4.8, 300)
    )
    page = nearby_stores(
        NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], category="laundry", sort="rating")
    )
    assert _names(page)[0] == "好邻居自助洗衣"


def test_popularity_sort_and_pagination(street):
    owner, stores = street
    Store.objects.filter(pk=stores["mid_laundry"].pk).update(popularity=900)
    Store.objects.filter(pk=stores["barber"].pk).update(popularity=500)
    first = nearby_stores(
        NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], sort="popularity", limit=2)
    )
    assert _names(first) == ["好邻居自助洗衣", "鑫安理发"]
    assert first.has_more and first.next_offset == 2
    second = nearby_stores(
        NearbyQuery(
            lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], sort="popularity", limit=2, offset=2
        )
    )
    assert _names(second) == ["洁丽干洗"] and not second.has_more


def test_closed_down_stores_are_not_listed(street):
    owner, stores = street
    Store.objects.filter(pk=stores["near_laundry"].pk).update(is_active=False)
    page = nearby_stores(NearbyQuery(lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1]))
    assert "洁丽干洗" not in _names(page)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"lat": 91}, "lat"),
        ({"lng": 181}, "lng"),
        ({"radius_m": 1_000_000}, "radius_m"),
        ({"radius_m": 0}, "radius_m"),
        ({"category": "spaceships"}, "category"),
        ({"sort": "price"}, "sort"),
        ({"limit": 500}, "limit"),
        ({"q": "长" * 51}, "q"),
    ],
)
def test_impossible_searches_are_refused_naming_the_field(change, field):
    query = {"lat": 31.23, "lng": 121.48, **change}
    with pytest.raises(DomainError) as refused:
        nearby_stores(NearbyQuery(**query))
    assert refused.value.field == field


def test_matches_a_brute_force_scan_over_random_stores(db):
    rng = random.Random(5)
    owner = make_merchant("13900000011")
    scatter_stores(
        owner,
        [(31.23 + rng.uniform(-0.08, 0.08), 121.48 + rng.uniform(-0.08, 0.08)) for _ in range(400)],
    )
    for radius in (500, 2000, 7000):
        centre = (31.23 + rng.uniform(-0.03, 0.03), 121.48 + rng.uniform(-0.03, 0.03))
        expected = sorted(
            (geo.haversine_m(*centre, s.lat, s.lng), s.pk)
            for s in Store.objects.all()
            if geo.haversine_m(*centre, s.lat, s.lng) <= radius
        )[:100]
        page = nearby_stores(NearbyQuery(lat=centre[0], lng=centre[1], radius_m=radius, limit=100))
        # Exactly the great-circle answer: the same stores in the same order.
        assert [f.store.pk for f in page.results] == [pk for _m, pk in expected]


def test_the_nearby_query_reads_the_grid_index_not_the_whole_table(db):
    from regulars.demo.generator import store_points
    from regulars.discovery import spatial
    from regulars.merchants.selectors import category_nodes

    owner = make_merchant("13900000012")
    scatter_stores(owner, list(store_points(20000, seed=1)))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    ids = category_nodes()["dry-cleaning"].descendant_ids
    sql, params = spatial.candidates_sql(spatial.Circle(*PEOPLE_SQUARE, 600), ids)
    with connection.cursor() as cursor:
        prefix = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
        cursor.execute(f"{prefix}{sql} ORDER BY d2 LIMIT 21", params)
        plan = "\n".join(" ".join(str(part) for part in row) for row in cursor.fetchall())
    # One index range scan per grid row, answered from the index alone (no table reads).
    if connection.vendor == "postgresql":
        # Index-only once VACUUM has set the visibility map (a test transaction cannot VACUUM).
        assert re.search(r"(Index Only Scan using|Bitmap Index Scan on) store_cat_cell", plan), plan
        assert re.search(
            r"Index Cond: \(\(category_id = ANY .*\(geocell >= cell_range.lo\)", plan
        ), plan
    else:
        assert (
            "USING COVERING INDEX store_cat_cell (category_id=? AND geocell>? AND geocell<?)"
            in plan
        ), plan
    assert "Seq Scan" not in plan and "SCAN s" not in plan, plan
    found = nearest_store_ids(
        lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1], radius_m=2000, category="dry-cleaning"
    )
    assert 0 < len(found) <= 20
    distances = [d2 for _id, d2 in found]
    assert distances == sorted(distances)


@pytest.mark.parametrize("sort", ["distance", "rating"])
def test_a_store_just_inside_the_radius_is_found_and_order_follows_the_exact_distance(db, sort):
    """One earth model: a store 1,998.5 m away (great-circle) is inside a 2 km search, and 100.2 m
    sorts before 100.4 m (whole metres would call them equal)."""
    from regulars.core import geo

    owner = make_merchant("13900000888", name="边缘洗衣")
    lat0, lng0 = PEOPLE_SQUARE
    per_degree = geo.EARTH_RADIUS_M * math.pi / 180
    edge = make_store(owner, name="边缘店", at=(lat0 + 1998.5 / per_degree, lng0))
    assert 1998.4 < geo.haversine_m(lat0, lng0, edge.lat, edge.lng) < 1998.6
    make_store(owner, name="远一点", at=(lat0 + 100.4 / per_degree, lng0))  # created first
    make_store(owner, name="近一点", at=(lat0 - 100.2 / per_degree, lng0))
    page = nearby_stores(NearbyQuery(lat=lat0, lng=lng0, radius_m=2000, sort=sort))
    names = [found.store.name for found in page.results]
    assert "边缘店" in names
    if sort == "distance":
        assert names[:2] == ["近一点", "远一点"]
        assert [f.distance_m for f in page.results[:2]] == [100, 100]


def _at_great_circle_distance(centre, metres: float, bearing: float):
    """The position `metres` away along `bearing` (radians from north) on the sphere."""
    lat0, lng0 = centre
    k = geo.METERS_PER_DEGREE_LAT
    low, high = 0.9 * metres, 1.1 * metres
    for _ in range(100):
        flat = (low + high) / 2
        lat = lat0 + flat * math.cos(bearing) / k
        lng = lng0 + flat * math.sin(bearing) / (k * math.cos(math.radians(lat0)))
        if geo.haversine_m(lat0, lng0, lat, lng) < metres:
            low = flat
        else:
            high = flat
    return lat, lng


def test_the_edge_of_the_radius_is_decided_on_the_sphere_as_postgis_does(db):
    """Where the index's flat distance and the great circle disagree, the great circle wins:
    PostGIS (geography, sphere) finds the same stores."""
    owner = make_merchant("13900000889", name="边界洗衣")
    centre = PEOPLE_SQUARE
    k = geo.METERS_PER_DEGREE_LAT
    inside = _at_great_circle_distance(centre, 1999.95, math.radians(45))
    outside = _at_great_circle_distance(centre, 2000.05, math.radians(135))

    def flat_m(at):
        dy = (at[0] - centre[0]) * k
        dx = (at[1] - centre[1]) * k * math.cos(math.radians(centre[0]))
        return math.hypot(dx, dy)

    # The flat measure alone would get both wrong.
    assert flat_m(inside) > 2000 and flat_m(outside) < 2000
    kept = make_store(owner, name="圆内", at=inside)
    make_store(owner, name="圆外", at=outside)
    found = nearest_store_ids(lat=centre[0], lng=centre[1], radius_m=2000, category=None)
    assert [store_id for store_id, _d2 in found] == [kept.pk]
    assert abs(math.sqrt(found[0][1]) - 1999.95) < 1e-3
    page = nearby_stores(NearbyQuery(lat=centre[0], lng=centre[1], radius_m=2000))
    assert _names(page) == ["圆内"]
