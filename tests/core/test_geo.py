import math

from hypothesis import given, settings
from hypothesis import strategies as st

from regulars.core import geo


def _destination(lat, lng, distance_m, bearing_deg):
    """The point `distance_m` from (lat, lng) along a bearing, on the sphere."""
    d = distance_m / geo.EARTH_RADIUS_M
    b = math.radians(bearing_deg)
    p1, l1 = math.radians(lat), math.radians(lng)
    p2 = math.asin(math.sin(p1) * math.cos(d) + math.cos(p1) * math.sin(d) * math.cos(b))
    l2 = l1 + math.atan2(
        math.sin(b) * math.sin(d) * math.cos(p1), math.cos(d) - math.sin(p1) * math.sin(p2)
    )
    return math.degrees(p2), math.degrees(l2)


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-60, 60),
    lng=st.floats(-170, 170),
    radius=st.integers(50, geo.MAX_RADIUS_M),
    fraction=st.floats(0, 0.999),
    bearing=st.floats(0, 360),
)
def test_every_point_inside_the_circle_lies_in_a_covering_range(
    lat, lng, radius, fraction, bearing
):
    field, level = geo.level_for_radius(radius)
    point = _destination(lat, lng, radius * fraction, bearing)
    cell = level.cell(*point)
    ranges = level.covering_ranges(lat, lng, radius)
    assert any(first <= cell <= last for first, last in ranges), (point, cell, ranges)


def test_covering_ranges_stay_few_and_tight_for_a_2km_search():
    ranges = geo.FINE.covering_ranges(31.2317, 121.4846, 2000)
    # One range per 110 m row of the fine grid.
    assert len(ranges) <= 2 * 2000 / 111 + 2
    cells = sum(last - first + 1 for first, last in ranges)
    cell_area_km2 = (geo.FINE_STEP * 111.32) * (
        geo.FINE_STEP * 111.32 * math.cos(math.radians(31.23))
    )
    circle_km2 = math.pi * 2.0**2
    # The covered area hugs the circle: the index reads little beyond the radius.
    assert cells * cell_area_km2 < 1.15 * circle_km2


def test_haversine_matches_a_known_distance():
    # One degree of latitude on the mean sphere is 111.195 km.
    assert abs(geo.haversine_m(31.0, 121.0, 32.0, 121.0) - 111_195) < 5
