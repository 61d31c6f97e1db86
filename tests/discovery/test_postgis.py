"""PostGIS serves nearby search when the database has it, with the same answers as the grid."""

import os
import random

import pytest
from django.db import connection

from regulars.discovery import postgis, spatial
from regulars.discovery.selectors import NearbyQuery, nearby_stores
from tests.conftest import make_merchant, scatter_stores

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_postgis():
    if connection.vendor != "postgresql":
        pytest.skip("PostGIS is a PostgreSQL extension")
    if not postgis.available():
        if os.environ.get("CI"):
            pytest.fail("CI installs PostGIS (postgresql-NN-postgis-3): it is missing")
        pytest.skip("this PostgreSQL server has no PostGIS")
    postgis.enable_postgis()
    yield
    postgis.forget()


def test_postgis_and_the_grid_agree_on_the_nearest_stores(with_postgis):
    rng = random.Random(11)
    owner = make_merchant("13900000031")
    scatter_stores(
        owner,
        [(31.23 + rng.uniform(-0.05, 0.05), 121.48 + rng.uniform(-0.05, 0.05)) for _ in range(600)],
    )
    assert postgis.in_use()
    categories = (owner.merchant.category_id,)
    for _ in range(20):
        lat, lng = 31.23 + rng.uniform(-0.03, 0.03), 121.48 + rng.uniform(-0.03, 0.03)
        by_postgis = spatial.nearest(lat, lng, 2000, categories, 20, engine="postgis")
        by_grid = spatial.nearest(lat, lng, 2000, categories, 20, engine="grid")
        # Same stores in the same order, up to ties within a metre on the rim.
        assert [i for i, _ in by_postgis][:15] == [i for i, _ in by_grid][:15]
        for (_a, d_postgis), (_b, d_grid) in zip(by_postgis, by_grid, strict=False):
            assert abs(d_postgis**0.5 - d_grid**0.5) < 5

    page = nearby_stores(NearbyQuery(lat=31.23, lng=121.48, radius_m=1000, q="店1"))
    assert page.results and all("店1" in found.store.name for found in page.results)
