"""PostGIS, used for nearby search when the PostgreSQL database has it.

`enable_postgis` adds a generated geography column and a GiST index on (category, position) to
the store table (the extension must be installable by the database user, or already created by
the administrator). Once the column exists, searches use PostGIS's nearest-neighbour index scan
unless REGULARS_GEO_INDEX=grid. The grid index stays in place either way, so a database can move
between the two without a migration of the data.
"""

from django.conf import settings
from django.db import connection

from regulars.core.replicas import reading_connection
from regulars.merchants.models import Store

POINT = "ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography"
DDL = [
    "CREATE EXTENSION IF NOT EXISTS postgis",
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE merchants_store ADD COLUMN IF NOT EXISTS geog geography(Point, 4326) "
    "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography) STORED",
    "CREATE INDEX IF NOT EXISTS store_cat_geog ON merchants_store USING gist (category_id, geog) "
    "WHERE is_active",
    "CREATE INDEX IF NOT EXISTS store_geog ON merchants_store USING gist (geog) WHERE is_active",
]


def available() -> bool:
    """Whether this PostgreSQL server can install PostGIS."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")
        return cursor.fetchone() is not None


def installed_in_database() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        return cursor.fetchone() is not None


def enable_postgis() -> None:
    with connection.cursor() as cursor:
        for statement in DDL:
            cursor.execute(statement)
    forget()


def _has_geography_column(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.columns "
            "WHERE table_name = 'merchants_store' AND column_name = 'geog' "
            "AND table_schema = current_schema()"
        )
        return cursor.fetchone() is not None


def in_use() -> bool:
    """PostGIS serves nearby search on this connection (checked once per connection)."""
    if connection.vendor != "postgresql" or settings.REGULARS_GEO_INDEX == "grid":
        return False
    reading = reading_connection(Store)  # the connection nearby search will run on
    reading.ensure_connection()
    raw = reading.connection
    cached = getattr(raw, "_regulars_postgis", None)
    if cached is None:
        cached = _has_geography_column(reading)
        raw._regulars_postgis = cached
    return cached


def forget() -> None:
    if connection.connection is not None and hasattr(connection.connection, "_regulars_postgis"):
        del connection.connection._regulars_postgis


def _category_filter(category_ids) -> tuple[str, list]:
    if not category_ids:
        return "", []
    return "s.category_id = ANY(%s::bigint[]) AND ", ["{" + ",".join(map(str, category_ids)) + "}"]


def candidates_sql(lat: float, lng: float, radius_m: float, category_ids) -> tuple[str, list]:
    """(id, squared metres) of active stores within the radius, by ST_DWithin on the index."""
    category_clause, category_params = _category_filter(category_ids)
    sql = (
        f"SELECT s.id AS id, ST_Distance(s.geog, {POINT}, false) ^ 2 AS d2 FROM merchants_store s "
        f"WHERE {category_clause}s.is_active AND ST_DWithin(s.geog, {POINT}, %s, false)"
    )
    return sql, [lng, lat, *category_params, lng, lat, float(radius_m)]


def nearest_sql(
    lat: float, lng: float, radius_m: float, category_ids, wanted: int
) -> tuple[str, list]:
    """A pure nearest-neighbour index scan, then the radius: PostGIS's fastest form for this."""
    category_clause, category_params = _category_filter(category_ids)
    sql = (
        f"SELECT id, d * d FROM (SELECT s.id AS id, s.geog <-> {POINT} AS d FROM merchants_store s "
        f"WHERE {category_clause}s.is_active ORDER BY d, s.id LIMIT %s) AS knn WHERE d <= %s"
    )
    return sql, [lng, lat, *category_params, wanted, float(radius_m)]
