"""Nearby-search latency: the project's own selector against plain PostGIS, same points, one run.

    .venv/bin/python bench/nearby.py [--stores 1000000] [--queries 400]

Loads `--stores` points of the generated city (regulars.demo.generator.store_points) into
  * the project's store table on PostgreSQL (database `regulars_bench`),
  * the project's store table on SQLite (var/bench-nearby.sqlite3),
  * a plain PostGIS table with the best-known form for this query: a geography column and a
    composite GiST index on (category_id, geog) through btree_gist, queried with
    ST_DWithin + ORDER BY geog <-> point LIMIT 20,
then times the same random queries (2 km radius, one subcategory, the 20 nearest, centres drawn
from the city's own density) against each. Tables are kept between runs and rebuilt only when the
count differs. Needs PostgreSQL with PostGIS (Debian: apt-get install postgresql-15-postgis-3).
The last line prints the ratio of p99 latencies, project on PostgreSQL / PostGIS.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/regulars_bench")
SQLITE_PATH = ROOT / "var" / "bench-nearby.sqlite3"
RADIUS_M = 2000
SEED = 2026


def setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def ensure_pg_database() -> None:
    import psycopg

    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def load_stores(count: int) -> None:
    """Fill the project's store table with `count` generated stores (skipped when already there)."""
    from django.db import connection, transaction

    from regulars.core import geo
    from regulars.demo.generator import store_points
    from regulars.merchants.models import Category, Merchant, Store

    sample = Store.objects.order_by("id").first()
    if (
        Store.objects.count() == count
        and sample
        and sample.geocell == geo.FINE.cell(sample.lat, sample.lng)
    ):
        return
    started = time.monotonic()
    categories = {c.slug: c.pk for c in Category.objects.all()}
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE merchants_store CASCADE"
                if connection.vendor == "postgresql"
                else "DELETE FROM merchants_store"
            )
        merchant = Merchant.objects.first() or Merchant.objects.create(
            name="bench", category_id=categories["noodles"]
        )
        columns = (
            "merchant_id, name, category_id, district, address, lat, lng, geocell, geocell_coarse, "
            "phone, description, features, is_active, rating_avg, rating_count, rating_score, "
            "popularity, created_at, updated_at"
        )

        def rows():
            for i, (lat, lng, slug) in enumerate(store_points(count, seed=SEED)):
                yield (
                    merchant.pk,
                    f"店{i}",
                    categories[slug],
                    "",
                    "上海",
                    lat,
                    lng,
                    geo.FINE.cell(lat, lng),
                    geo.COARSE.cell(lat, lng),
                    "",
                    "",
                    "",
                    True,
                    0,
                    0,
                    0.0,
                    0,
                    "2026-01-01T00:00:00+00:00",
                    "2026-01-01T00:00:00+00:00",
                )

        if connection.vendor == "postgresql":
            with (
                connection.cursor() as cursor,
                cursor.connection.cursor().copy(
                    f"COPY merchants_store ({columns}) FROM STDIN"
                ) as copy,
            ):
                for row in rows():
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * 19)
            batch = []
            with connection.cursor() as cursor:
                for row in rows():
                    batch.append(row)
                    if len(batch) == 20000:
                        cursor.executemany(
                            f"INSERT INTO merchants_store ({columns}) VALUES ({marks})", batch
                        )
                        batch = []
                if batch:
                    cursor.executemany(
                        f"INSERT INTO merchants_store ({columns}) VALUES ({marks})", batch
                    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"# loaded {count:,} stores into {connection.vendor} in {time.monotonic() - started:.0f}s",
        flush=True,
    )


def load_postgis(count: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        cursor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        cursor.execute("SELECT to_regclass('bench_postgis_stores')")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT count(*) FROM bench_postgis_stores")
            if cursor.fetchone()[0] == count:
                return
            cursor.execute("DROP TABLE bench_postgis_stores")
        started = time.monotonic()
        cursor.execute(
            "CREATE TABLE bench_postgis_stores AS SELECT id, category_id, "
            "ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography AS geog FROM merchants_store"
        )
        cursor.execute("ALTER TABLE bench_postgis_stores ADD PRIMARY KEY (id)")
        cursor.execute(
            "CREATE INDEX bench_postgis_cat_geog ON bench_postgis_stores USING gist (category_id, geog)"
        )
        cursor.execute("VACUUM ANALYZE bench_postgis_stores")
        print(f"# built the PostGIS table in {time.monotonic() - started:.0f}s", flush=True)


def workload(queries: int) -> list[tuple[float, float, str]]:
    """Query centres where people are (the city's own density) and a subcategory each."""
    from regulars.demo.generator import store_points

    return list(store_points(queries, seed=SEED + 1))


def time_calls(call, work, warmup: int = 40) -> list[float]:
    for lat, lng, slug in work[:warmup]:
        call(lat, lng, slug)
    timings = []
    for lat, lng, slug in work:
        started = time.perf_counter()
        call(lat, lng, slug)
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def project_timings(work) -> tuple[list[float], list[int]]:
    from regulars.discovery.selectors import nearest_store_ids

    counts = []

    def call(lat, lng, slug):
        found = nearest_store_ids(lat=lat, lng=lng, radius_m=RADIUS_M, category=slug, limit=20)
        counts.append(len(found))

    timings = time_calls(call, work)
    return timings, counts[-len(work) :]


def postgis_timings(work) -> tuple[list[float], list[int]]:
    from django.db import connection

    from regulars.merchants.selectors import category_nodes

    nodes = category_nodes()
    counts = []
    sql = (
        "SELECT id FROM bench_postgis_stores "
        "WHERE category_id = %s::bigint AND ST_DWithin(geog, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s) "
        "ORDER BY geog <-> ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography LIMIT 20"
    )
    with connection.cursor() as cursor:

        def call(lat, lng, slug):
            cursor.execute(sql, [nodes[slug].id, lng, lat, RADIUS_M, lng, lat])
            counts.append(len(cursor.fetchall()))

        timings = time_calls(call, work)
    return timings, counts[-len(work) :]


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]
        if len(values) > 1
        else values[0]
    )


def sqlite_worker(stores: int, queries: int) -> None:
    setup_django(f"sqlite:///{SQLITE_PATH}")
    load_stores(stores)
    timings, counts = project_timings(workload(queries))
    print(json.dumps({"timings": timings, "counts": counts}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument("--sqlite-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sqlite_worker:
        sqlite_worker(args.stores, args.queries)
        return

    ensure_pg_database()
    setup_django(PG_URL)
    load_stores(args.stores)
    load_postgis(args.stores)
    work = workload(args.queries)
    results = {}
    results["PostGIS (ST_DWithin + <->, GiST on category+geog)"] = postgis_timings(work)
    results["project selector on PostgreSQL"] = project_timings(work)
    sqlite = subprocess.run(
        [
            sys.executable,
            __file__,
            "--sqlite-worker",
            "--stores",
            str(args.stores),
            "--queries",
            str(args.queries),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in sqlite.stdout.splitlines():
        if line.startswith("#"):
            print(line)
    payload = json.loads(sqlite.stdout.splitlines()[-1])
    results["project selector on SQLite"] = (payload["timings"], payload["counts"])

    print(
        f"# {args.stores:,} stores, {args.queries} queries, radius {RADIUS_M} m, 20 nearest of one subcategory"
    )
    reference_counts = results["PostGIS (ST_DWithin + <->, GiST on category+geog)"][1]
    for name, (timings, counts) in results.items():
        agree = sum(a == b for a, b in zip(counts, reference_counts, strict=True))
        print(
            f"{name:52s} p50 {percentile(timings, 50):7.3f} ms  p99 {percentile(timings, 99):7.3f} ms  "
            f"mean rows {statistics.mean(counts):5.1f}  same count as PostGIS {agree}/{len(counts)}"
        )
    postgis_p99 = percentile(results["PostGIS (ST_DWithin + <->, GiST on category+geog)"][0], 99)
    sqlite_p99 = percentile(results["project selector on SQLite"][0], 99)
    project_p99 = percentile(results["project selector on PostgreSQL"][0], 99)
    print(f"SQLite p99 / PostGIS p99: {sqlite_p99 / postgis_p99:.2f}")
    print(
        f"project p99 {project_p99:.3f} ms / PostGIS p99 {postgis_p99:.3f} ms = ratio {project_p99 / postgis_p99:.2f}"
    )


if __name__ == "__main__":
    main()
