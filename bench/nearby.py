"""Nearby-search latency: the project's own selector against plain PostGIS, same points, one run.

    .venv/bin/python bench/nearby.py [--stores 1000000] [--queries 400]

Loads `--stores` points of the generated city (regulars.demo.generator.store_points) into
  * the project's store table on PostgreSQL (database `regulars_bench`),
  * the project's store table on SQLite (var/bench-nearby.sqlite3),
  * a plain PostGIS table: a geography column and a composite GiST index on (category_id, geog)
    through btree_gist, queried in two forms: ST_DWithin + ORDER BY geog <-> point LIMIT 20 (the
    usual one), and a pure KNN scan then a radius filter (often faster). PostGIS gets its own
    connection with server-side parameters, so its statements are prepared,
then times the same queries (2 km radius, one subcategory, the 20 nearest, centres drawn from
the city's own density), each query through every PostgreSQL method back to back. JIT is off on
both sides (an OLTP setting; see regulars/settings.py). Tables are kept between runs and rebuilt
only when they differ. Needs PostgreSQL with PostGIS (apt-get install postgresql-15-postgis-3).
The last line prints the ratio of p99 latencies (project on PostgreSQL / the faster PostGIS form)
and how many queries any method answered with other stores or another order than PostGIS (the
exit status is 1 if any did).
"""

import argparse
import itertools
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
    # The project's own grid index is measured, even where the database also has PostGIS.
    os.environ["REGULARS_GEO_INDEX"] = "grid"
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
        and sample.pk == 1
        and Store.objects.order_by("-id").values_list("id", flat=True).first() == count
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
        # Explicit ids, 1 to count, in both databases: the methods' answers are compared by id,
        # and a table refilled after TRUNCATE would otherwise number on from its sequence.
        columns = (
            "id, merchant_id, name, category_id, district, address, lat, lng, geocell, "
            "geocell_coarse, "
            "phone, description, features, is_active, rating_avg, rating_count, rating_score, "
            "popularity, created_at, updated_at"
        )

        def rows():
            for i, (lat, lng, slug) in enumerate(store_points(count, seed=SEED)):
                yield (
                    i + 1,
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
            marks = ", ".join(["%s"] * 20)
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
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('merchants_store', 'id'), %s)", [count]
            )
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
            cursor.execute("SELECT count(*), max(id) FROM bench_postgis_stores")
            if tuple(cursor.fetchone()) == (count, count):  # the same stores, by id
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


def time_interleaved(
    calls: dict, work, warmup: int = 50
) -> dict[str, tuple[list[float], list[list[int]]]]:
    """Each query runs through every method back to back, in rotating order, so that they share
    cache conditions and none always goes first."""
    names = list(calls)
    for lat, lng, slug in work[:warmup]:
        for call in calls.values():
            call(lat, lng, slug)
    results = {name: ([], []) for name in calls}
    for index, (lat, lng, slug) in enumerate(work):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            started = time.perf_counter()
            found = calls[name](lat, lng, slug)
            results[name][0].append((time.perf_counter() - started) * 1000)
            results[name][1].append(found)
    return results


def project_call():
    from regulars.discovery.selectors import nearest_store_ids

    def call(lat, lng, slug):
        found = nearest_store_ids(lat=lat, lng=lng, radius_m=RADIUS_M, category=slug, limit=20)
        return [(store_id, d2**0.5) for store_id, d2 in found]

    return call


# Both forms measure on the sphere (`<->` on geography does; ST_DWithin is told to with `false`),
# the earth model of the project (regulars.core.geo), so all methods must find the same stores
# in the same order. Each answer is (id, metres); stores at the very same position may come in
# either order (breaking ties by id would cost PostGIS its index order); see `same`.
POSTGIS_FORMS = {
    # The form the issue names: ST_DWithin to bound, KNN to order.
    "PostGIS ST_DWithin + KNN <->": (
        "SELECT id, geog <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)::geography "
        "FROM bench_postgis_stores WHERE category_id = %(c)s::bigint "
        "AND ST_DWithin(geog, ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)::geography, %(r)s, false) "
        "ORDER BY geog <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)::geography LIMIT 20"
    ),
    # Often faster: a pure KNN index scan, then drop what lies beyond the radius.
    "PostGIS KNN <-> then radius filter": (
        "SELECT id, d FROM (SELECT id, geog <-> ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)::geography AS d "
        "FROM bench_postgis_stores WHERE category_id = %(c)s::bigint ORDER BY d LIMIT 20) AS knn "
        "WHERE d <= %(r)s"
    ),
}


def postgis_calls() -> dict:
    """PostGIS at its best: its own connection, server-side parameters, prepared statements."""
    import psycopg

    from regulars.merchants.selectors import category_nodes

    nodes = category_nodes()
    conn = psycopg.connect(
        PG_URL.replace("postgres://", "postgresql://"), autocommit=True, options="-c jit=off"
    )
    # As autovacuum would have by now: statistics and the visibility map for index-only scans.
    conn.execute("VACUUM ANALYZE merchants_store")
    conn.execute("VACUUM ANALYZE bench_postgis_stores")

    def make(sql):
        def call(lat, lng, slug):
            rows = conn.execute(sql, {"c": nodes[slug].id, "x": lng, "y": lat, "r": RADIUS_M})
            return [tuple(row) for row in rows]

        return call

    return {name: make(sql) for name, sql in POSTGIS_FORMS.items()}


def same(answer, reference) -> bool:
    """The same stores, nearest first, each place in the list at the same distance (to the
    millimetre: the two sphere radii differ in the ninth digit), so the order is the same up to
    stores at the very same position."""
    in_order = all(a[1] <= b[1] + 1e-6 for a, b in itertools.pairwise(answer))
    return (
        in_order
        and {store_id for store_id, _m in answer} == {store_id for store_id, _m in reference}
        and len(answer) == len(reference)
        and all(abs(a[1] - b[1]) <= 1e-3 for a, b in zip(answer, reference, strict=True))
    )


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=1000, method="inclusive")[int(q * 10) - 1]
        if len(values) > 1
        else values[0]
    )


def sqlite_worker(stores: int, queries: int) -> None:
    setup_django(f"sqlite:///{SQLITE_PATH}")
    load_stores(stores)
    timings, found = time_interleaved({"sqlite": project_call()}, workload(queries))["sqlite"]
    print(json.dumps({"timings": timings, "found": found}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stores", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--sqlite-worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.sqlite_worker:
        sqlite_worker(args.stores, args.queries)
        return 0

    ensure_pg_database()
    setup_django(PG_URL)
    load_stores(args.stores)
    load_postgis(args.stores)
    work = workload(args.queries)
    project = "project selector on PostgreSQL"
    results = time_interleaved({**postgis_calls(), project: project_call()}, work)
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
    results["project selector on SQLite"] = (payload["timings"], payload["found"])

    print(
        f"# {args.stores:,} stores, {args.queries} queries, radius {RADIUS_M} m, the 20 nearest of one subcategory"
    )
    reference = next(iter(results.values()))[1]
    p99 = {}
    differing = 0
    for name, (timings, found) in results.items():
        agree = sum(same(a, b) for a, b in zip(found, reference, strict=True))
        differing += len(found) - agree
        p99[name] = percentile(timings, 99)
        print(
            f"{name:38s} p50 {percentile(timings, 50):6.3f} ms  p99 {p99[name]:6.3f} ms  "
            f"mean rows {statistics.mean(map(len, found)):4.1f}  "
            f"same stores in the same order as PostGIS {agree}/{len(found)}"
        )
    best_postgis = min(POSTGIS_FORMS, key=lambda name: p99[name])
    print(
        f"SQLite p99 / best PostGIS p99: {p99['project selector on SQLite'] / p99[best_postgis]:.2f}"
    )
    print(
        f"project p99 {p99[project]:.3f} ms / PostGIS p99 {p99[best_postgis]:.3f} ms ({best_postgis}) "
        f"= ratio {p99[project] / p99[best_postgis]:.2f}; queries answered differently: {differing}"
    )
    return 0 if differing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
