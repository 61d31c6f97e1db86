"""The grid-index query behind nearby search (see regulars.core.geo for the index design).

`candidates_sql` is the one place that turns a circle into SQL: the circle's grid rows become cell
ranges, and each range is one range scan of the covering (category, cell, lat, lng, is_active, id)
index that never reads the table. PostgreSQL gets the ranges as two arrays and a LATERAL join
(short, prepared-once SQL); SQLite, which has neither, gets a small UNION ALL table of ranges,
which its planner joins the same way. Distances are equirectangular squared metres.

`nearest` answers "the k nearest within r" without reading everything within r: it starts with a
radius that should hold about k stores given the local density of that category (from a density
map kept in memory), and doubles the radius only when too few were found. Any store outside the
searched radius is farther than every store inside it, so a full answer at a small radius is exact.
The index is read with the flat distance and a bound on its error; the great circle (the sphere
PostGIS uses for geography) decides what is inside and in which order, so both find the same
stores in the same order even at the edge of the radius.
"""

import functools
import math
import time
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connection

from regulars.core import geo
from regulars.core.replicas import reading_connection
from regulars.merchants.models import Store

from . import postgis

DENSITY_TTL_S = 900
ALL_CATEGORIES = 0
SAFETY = 2.0  # start a little wider than the density predicts, so one query usually suffices
MIN_START_RADIUS_M = 40


@dataclass(frozen=True)
class Circle:
    lat: float
    lng: float
    radius_m: float

    @property
    def weights(self) -> tuple[float, float]:
        """Squared metres per squared degree of latitude and of longitude, at this latitude."""
        ky = geo.METERS_PER_DEGREE_LAT
        kx = geo.METERS_PER_DEGREE_LAT * math.cos(math.radians(self.lat))
        return ky * ky, kx * kx


DISTANCE_SQL = "(s.lat - %s) * (s.lat - %s) * %s + (s.lng - %s) * (s.lng - %s) * %s"


@functools.lru_cache(maxsize=64)
def _postgresql_sql(field: str, by_category: bool) -> str:
    category_clause = "s.category_id = ANY(%s::bigint[]) AND " if by_category else ""
    # LATERAL (fenced by OFFSET 0 so it is not flattened) makes each range its own index-only
    # range scan; a plain join lets the planner trade them for a bitmap scan of the category.
    # The text depends only on its arguments, so psycopg prepares it once per connection.
    return (
        f"SELECT id, d2, lat, lng FROM (SELECT s.id AS id, {DISTANCE_SQL} AS d2, s.lat, s.lng "
        "FROM unnest(%s::bigint[], %s::bigint[]) AS cell_range(lo, hi) CROSS JOIN LATERAL ("
        f"SELECT s.id, s.lat, s.lng FROM merchants_store s WHERE {category_clause}"
        f"s.{field} >= cell_range.lo AND s.{field} <= cell_range.hi AND s.is_active "
        "OFFSET 0) AS s) AS found WHERE d2 <= %s"
    )


@functools.lru_cache(maxsize=512)
def _sqlite_sql(field: str, ranges: int, categories: int) -> str:
    rows = " UNION ALL ".join(["SELECT %s AS lo, %s AS hi"] + ["SELECT %s, %s"] * (ranges - 1))
    category_clause = (
        f"s.category_id IN ({', '.join(['%s'] * categories)}) AND " if categories else ""
    )
    return (
        f"SELECT id, d2, lat, lng FROM (SELECT s.id AS id, {DISTANCE_SQL} AS d2, s.lat, s.lng "
        f"FROM ({rows}) AS cell_range JOIN merchants_store s "
        f"ON s.{field} >= cell_range.lo AND s.{field} <= cell_range.hi "
        f"WHERE {category_clause}s.is_active) AS found WHERE d2 <= %s"
    )


def candidates_sql(circle: Circle, category_ids: tuple[int, ...] | None) -> tuple[str, list]:
    """SQL selecting (id, d2, ...) of active stores within the circle, unordered, and its params."""
    if postgis.in_use():
        return postgis.candidates_sql(circle.lat, circle.lng, circle.radius_m, category_ids)
    return grid_candidates_sql(circle, category_ids)


def grid_candidates_sql(circle: Circle, category_ids: tuple[int, ...] | None) -> tuple[str, list]:
    """(id, d2, lat, lng) of active stores within the circle by the grid index, and its params."""
    field, level = geo.level_for_radius(circle.radius_m)
    ranges = level.covering_ranges(circle.lat, circle.lng, circle.radius_m)
    ky2, kx2 = circle.weights
    params: list = [circle.lat, circle.lat, ky2, circle.lng, circle.lng, kx2]
    if connection.vendor == "postgresql":
        sql = _postgresql_sql(field, bool(category_ids))
        # Arrays travel as their text form: cheaper to send than element-by-element binary.
        params += [
            "{" + ",".join(str(lo) for lo, _hi in ranges) + "}",
            "{" + ",".join(str(hi) for _lo, hi in ranges) + "}",
        ]
        if category_ids:
            params.append("{" + ",".join(map(str, category_ids)) + "}")
    else:
        sql = _sqlite_sql(field, len(ranges), len(category_ids or ()))
        params += [bound for pair in ranges for bound in pair]
        params += list(category_ids or ())
    return sql, [*params, float(circle.radius_m) ** 2]


def _run(sql: str, params: list) -> list[tuple]:
    connection = reading_connection(Store)  # a replica inside discovery's views, if healthy
    connection.ensure_connection()
    if connection.vendor == "postgresql":
        # Server-side parameters let psycopg prepare this statement once per connection and
        # skip parsing and planning afterwards; Django's own cursors bind on the client.
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params, prepare=settings.REGULARS_PREPARED_STATEMENTS)
            return cursor.fetchall()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_density: tuple[float, dict[tuple[int, int], int]] | None = None


def density_map() -> dict[tuple[int, int], int]:
    """Active stores per (category, coarse cell), and per cell for all categories together.

    Kept in process memory for a quarter of an hour: it only steers where a search starts, so a
    stale map costs at most one more query, never a wrong answer.
    """
    global _density
    if _density is None or _density[0] < time.monotonic():
        rows = _run(
            "SELECT category_id, geocell_coarse, COUNT(*) FROM merchants_store "
            "WHERE is_active GROUP BY category_id, geocell_coarse",
            [],
        )
        found: dict[tuple[int, int], int] = {}
        for category, cell, count in rows:
            found[(category, cell)] = count
            found[(ALL_CATEGORIES, cell)] = found.get((ALL_CATEGORIES, cell), 0) + count
        _density = (time.monotonic() + DENSITY_TTL_S, found)
    return _density[1]


def forget_density() -> None:
    global _density
    _density = None


def start_radius(lat: float, lng: float, category_ids, wanted: int, radius_m: float) -> float:
    """The radius expected to hold `wanted` stores, from the coarse cells around the point.

    The denser of the point's own cell and its 3×3 neighbourhood wins: crowded centres are
    usually crowded right where people search.
    """
    density = density_map()
    keys = category_ids or (ALL_CATEGORIES,)
    row, col = geo.COARSE.row(lat), geo.COARSE.col(lng)
    centre = row * geo.COLUMNS_PER_ROW + col
    around = [centre + dr * geo.COLUMNS_PER_ROW + dc for dr in (-1, 0, 1) for dc in (-1, 0, 1)]
    cell_m = geo.COARSE_STEP * geo.METERS_PER_DEGREE_LAT
    cell_area_m2 = cell_m * cell_m * math.cos(math.radians(lat))
    own = sum(density.get((c, centre), 0) for c in keys) / cell_area_m2
    neighbourhood = sum(density.get((c, cell), 0) for c in keys for cell in around) / (
        9 * cell_area_m2
    )
    per_m2 = max(own, neighbourhood)
    if per_m2 == 0:
        return radius_m
    guess = SAFETY * math.sqrt(wanted / (math.pi * per_m2))
    return min(radius_m, max(MIN_START_RADIUS_M, guess))


def edge_slack_m(lat: float, distance_m: float) -> float:
    """How far the flat (equirectangular) distance may stray from the great circle's at this
    distance and latitude: a bound about five times the worst error found numerically (at every
    latitude within 75 degrees, up to 50 km), so searching this much farther never misses a store."""
    flat = distance_m / geo.EARTH_RADIUS_M
    return distance_m * (abs(math.tan(math.radians(lat))) * flat + flat * flat) + 1e-3


EXTRA_ROWS = 4  # read a few rows past the wanted ones, to prove the great-circle order


def _on_the_sphere(lat: float, lng: float, rows, radius_m: float) -> list[tuple[int, float]]:
    """The rows within the radius on the sphere, nearest first, as (id, squared metres).

    geo.haversine_m, unrolled with the centre's terms computed once: this runs for every row of
    every nearby search."""
    radians = math.radians
    sin, cos, asin, sqrt = math.sin, math.cos, math.asin, math.sqrt
    lat1, lng1 = radians(lat), radians(lng)
    cos1 = cos(lat1)
    diameter = 2 * geo.EARTH_RADIUS_M
    exact = []
    for store_id, _flat_d2, store_lat, store_lng in rows:
        lat2 = radians(store_lat)
        half_dlat = sin((lat2 - lat1) / 2)
        half_dlng = sin((radians(store_lng) - lng1) / 2)
        a = half_dlat * half_dlat + cos1 * cos(lat2) * half_dlng * half_dlng
        metres = diameter * asin(min(1.0, sqrt(a)))
        if metres <= radius_m:
            exact.append((metres, store_id))
    exact.sort()
    return [(store_id, metres * metres) for metres, store_id in exact]


def nearest(
    lat: float, lng: float, radius_m: float, category_ids, wanted: int, *, engine: str | None = None
) -> list[tuple[int, float]]:
    """The `wanted` nearest active stores within `radius_m` on the sphere, as (id, squared
    metres), nearest first: the same stores, in the same order, as PostGIS finds with its sphere.

    The index is searched with the flat distance a little beyond each radius (`edge_slack_m`), and
    the great circle decides; a few rows more than wanted show that no store left unread could be
    nearer than the last one kept (else more are read). `engine` is "grid" or "postgis"; by
    default PostGIS when the database has it (postgis.py).
    """
    if engine == "postgis" or (engine is None and postgis.in_use()):
        return _run(*postgis.nearest_sql(lat, lng, radius_m, category_ids, wanted))
    radius = start_radius(lat, lng, category_ids, wanted, radius_m)
    limit = wanted + EXTRA_ROWS
    while True:
        reach = radius + edge_slack_m(lat, radius)
        sql, params = grid_candidates_sql(Circle(lat, lng, reach), category_ids)
        rows = _run(f"{sql} ORDER BY d2, id LIMIT %s", [*params, limit])
        exact = _on_the_sphere(lat, lng, rows, radius)
        if len(rows) == limit:
            # Read to the limit: unread stores are at least this far on the flat measure.
            unread_from = math.sqrt(rows[-1][1])
            if len(exact) < wanted or (
                math.sqrt(exact[wanted - 1][1]) + edge_slack_m(lat, unread_from) >= unread_from
            ):
                limit *= 2
                continue
            return exact[:wanted]
        if len(exact) >= wanted or radius >= radius_m:
            return exact[:wanted]
        # Too few: the density found here says how far to look (at least twice as far).
        grow = SAFETY * math.sqrt(wanted / max(len(exact), 1))
        radius = min(radius_m, radius * max(2.0, grow))
