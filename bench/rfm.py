"""RFM scores and churn flags for 10,000,000 orders of 1,000,000 customers: the project's code on
PostgreSQL against the same computation as one DuckDB query over the same orders, in one run.

    .venv/bin/pip install -e ".[bench]"      # DuckDB, the anchor
    .venv/bin/python bench/rfm.py [--customers 1000000] [--orders 10000000] [--merchants 1000]

Set-up (not timed): a database `regulars_rfm_bench` (recreated), M merchants with one store each,
N consumers (each a customer of one merchant) and the orders (used, over the last two years,
¥20–200), generated inside PostgreSQL. The same orders are copied into DuckDB.

Timed, the project, as it runs in production:
  * `customers.services.rebuild_directory()` — every customer's visits, spend, first and last visit
    from the orders (the repair path; in normal running these figures are kept up to date at each
    consumption, so the nightly job does not need it);
  * `customers.services.score_customers()` — the nightly job: RFM quintiles within each merchant, the
    named segment, the usual interval and the churn flag, written to the directory.
Timed, the anchor: one DuckDB query computing the same scores, segments and flags from the raw
orders into a table. The two results are compared (segment counts and churn flags must agree).

The last line prints the project's time (rebuild + scoring) divided by DuckDB's.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "regulars_rfm_bench"
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME

SEGMENT = """CASE
    WHEN r >= 4 AND f >= 4 THEN 'champions'
    WHEN r >= 4 AND visits = 1 THEN 'new'
    WHEN r >= 4 THEN 'potential'
    WHEN f >= 4 AND r = 3 THEN 'loyal'
    WHEN r <= 2 AND f >= 3 THEN 'at_risk'
    WHEN r <= 2 THEN 'hibernating'
    ELSE 'attention' END"""


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def setup_django() -> None:
    os.environ["DATABASE_URL"] = DB_URL.replace("postgresql://", "postgres://")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    import django

    django.setup()


def populate(merchants: int, customers: int, orders: int, now) -> None:
    from django.core.management import call_command
    from django.db import connection

    from regulars.core import geo
    from regulars.merchants.models import Category, Merchant, Store

    call_command("migrate", interactive=False, verbosity=0)
    category = Category.objects.get(slug="laundry")
    shops = Merchant.objects.bulk_create(
        [Merchant(name=f"bench shop {i}", category=category) for i in range(merchants)]
    )
    Store.objects.bulk_create(
        [
            Store(
                merchant=m,
                name=m.name,
                category=category,
                address="-",
                lat=31.2,
                lng=121.4,
                geocell=geo.FINE.cell(31.2, 121.4),
                geocell_coarse=geo.COARSE.cell(31.2, 121.4),
            )
            for m in shops
        ]
    )
    first_merchant = shops[0].pk
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_user (id, password, is_superuser, username, first_name, "
            "last_name, is_staff, is_active, date_joined, display_name) "
            "SELECT g, '!', false, 'u' || g, '', '', false, true, %s, '' "
            "FROM generate_series(1, %s) g",
            [now, customers],
        )
        cursor.execute("SELECT setseed(0.2026)")
        # Consumer g shops at merchant g mod M; a consumer's orders number about orders/customers.
        cursor.execute(
            f"""
            INSERT INTO orders_order (created_at, updated_at, merchant_id, store_id, consumer_id,
                status, total, discount, payment_method, code, paid_at, consumed_at,
                completed_at, expires_at)
            SELECT at, at, {first_merchant} + c %% %s, s.id, c, 'completed', price, 0, 'store',
                'B' || g, at, at, at, at + interval '90 days'
            FROM (
                SELECT g, 1 + floor(random() * %s)::int AS c,
                    %s - random() * interval '730 days' AS at,
                    round((20 + random() * 180)::numeric, 2) AS price
                FROM generate_series(1, %s) g
            ) o
            JOIN merchants_store s ON s.merchant_id = {first_merchant} + o.c %% %s
            """,
            [merchants, customers, now, orders, merchants],
        )
        cursor.execute("ANALYZE")


def score_in_shards(now, shards: int) -> None:
    """What the nightly task does with one Celery worker process per shard: each shard of
    merchants scored by `score_customers` on its own connection, side by side."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from regulars.customers import services as customer_services

    def one(shard: int) -> None:
        try:
            customer_services.score_customers(now=now, shard=(shard, shards))
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=shards) as pool:
        list(pool.map(one, range(shards)))


def analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE crm_customer")


def trade_for_a_day(now, orders: int, customers: int):
    """A day of trade, as the directory records it at each consumption (`record_visit`): a
    day's share of the orders lands on as many customers. Returns the next night's time."""
    import datetime as dt

    from django.db import connection

    tomorrow = now + dt.timedelta(days=1)
    per_day = orders // 730
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crm_customer SET visits = visits + 1, spend = spend + 88, "
            "last_seen_at = %s WHERE consumer_id IN "
            "(SELECT 1 + floor(random() * %s)::int FROM generate_series(1, %s))",
            [tomorrow - dt.timedelta(hours=3), customers, per_day],
        )
        # The orders too, so that DuckDB sees the same day.
        cursor.execute(
            "INSERT INTO orders_order (created_at, updated_at, merchant_id, store_id, "
            "consumer_id, status, total, discount, payment_method, code, paid_at, consumed_at, "
            "completed_at, expires_at) "
            "SELECT c.last_seen_at, c.last_seen_at, c.merchant_id, s.id, c.consumer_id, "
            "'completed', 88, 0, 'store', 'D' || (floor(extract(epoch from c.last_seen_at) / 86400)::int %% 100) || '-' || c.id, c.last_seen_at, c.last_seen_at, "
            "c.last_seen_at, c.last_seen_at + interval '90 days' "
            "FROM crm_customer c JOIN merchants_store s ON s.merchant_id = c.merchant_id "
            "WHERE c.last_seen_at = %s",
            [tomorrow - dt.timedelta(hours=3)],
        )
    return tomorrow


def export_orders(path: Path) -> None:
    from django.db import connection

    with (
        connection.cursor() as cursor,
        path.open("wb") as out,
        cursor.cursor.copy(
            "COPY (SELECT merchant_id, consumer_id, consumed_at, total - discount "
            "FROM orders_order WHERE status IN ('consumed', 'completed')) "
            "TO STDOUT WITH (FORMAT csv)"
        ) as copy,
    ):
        for chunk in copy:
            out.write(chunk)


def duckdb_scores(con, now) -> float:
    """The anchor: the whole computation as one query, best of three."""
    query = f"""
        CREATE OR REPLACE TABLE scores AS
        WITH customers AS (
            SELECT merchant_id, consumer_id, COUNT(*) AS visits, SUM(amount) AS spend,
                MIN(seen_at) AS first_at, MAX(seen_at) AS last_at
            FROM orders GROUP BY merchant_id, consumer_id
        ), scored AS (
            SELECT *,
                NTILE(5) OVER (PARTITION BY merchant_id ORDER BY last_at, consumer_id) AS r,
                NTILE(5) OVER (PARTITION BY merchant_id ORDER BY visits, consumer_id) AS f,
                NTILE(5) OVER (PARTITION BY merchant_id ORDER BY spend, consumer_id) AS m,
                CASE WHEN visits >= 2
                    THEN epoch(last_at - first_at) / 86400.0 / (visits - 1) END AS interval_days
            FROM customers
        )
        SELECT merchant_id, consumer_id, r, f, m, {SEGMENT} AS segment, interval_days,
            COALESCE(epoch(TIMESTAMPTZ '{now.isoformat()}' - last_at) / 86400.0
                > interval_days + 3, false) AS churn_risk
        FROM scored
    """
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        con.execute(query)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--merchants", type=int, default=1000)
    parser.add_argument(
        "--shards", type=int, default=os.cpu_count() or 2, help="scoring shards run side by side"
    )
    args = parser.parse_args()
    try:
        import duckdb
    except ImportError:
        sys.exit('DuckDB is the anchor: .venv/bin/pip install -e ".[bench]"')
    recreate_database()
    setup_django()
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from regulars.customers.models import Customer

    now = timezone.now()
    started = time.perf_counter()
    populate(args.merchants, args.customers, args.orders, now)
    print(
        f"set-up: {args.orders:,} orders of {args.customers:,} customers at "
        f"{args.merchants:,} merchants in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    from regulars.customers import services as customer_services

    started = time.perf_counter()
    count = customer_services.rebuild_directory()
    rebuild = time.perf_counter() - started
    print(f"project: directory rebuilt from the orders: {count:,} customers in {rebuild:.2f} s")
    analyze()
    started = time.perf_counter()
    customer_services.score_customers(now=now)
    first = time.perf_counter() - started
    print(f"project: first scoring (every customer written): {first:.2f} s", flush=True)
    tomorrow = trade_for_a_day(now, args.orders, args.customers)
    analyze()  # as autovacuum would have done overnight
    started = time.perf_counter()
    score_in_shards(tomorrow, args.shards)
    scoring = time.perf_counter() - started
    print(f"project: the next night's scores and churn flags: {scoring:.2f} s", flush=True)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.csv"
        export_orders(path)
        con = duckdb.connect()
        con.execute(
            "CREATE TABLE orders AS SELECT * FROM read_csv(?, header = false, columns = "
            "{'merchant_id': 'BIGINT', 'consumer_id': 'BIGINT', 'seen_at': 'TIMESTAMPTZ', "
            "'amount': 'DECIMAL(12,2)'})",
            [str(path)],
        )
    anchor = duckdb_scores(con, tomorrow)
    print(f"DuckDB: the same from the raw orders in one query: {anchor:.2f} s (best of 3)")

    # Both must have found the same thing.
    ours = dict(Customer.objects.values_list("rfm_segment").annotate(n=Count("id")))
    theirs = dict(con.execute("SELECT segment, COUNT(*) FROM scores GROUP BY segment").fetchall())
    churn_ours = Customer.objects.filter(churn_risk=True).count()
    churn_theirs = con.execute("SELECT COUNT(*) FROM scores WHERE churn_risk").fetchone()[0]
    agree = ours == theirs and churn_ours == churn_theirs
    print(f"segments {ours}; slipping away {churn_ours:,}; DuckDB agrees: {agree}")
    if not agree:
        print(f"DuckDB: segments {theirs}; slipping away {churn_theirs:,}")
    connection.close()
    print(
        f"from the orders: project rebuild + first scoring {rebuild + first:.2f} s / "
        f"DuckDB {anchor:.2f} s: ratio {(rebuild + first) / anchor:.2f}"
    )
    print(f"nightly: project {scoring:.2f} s / DuckDB {anchor:.2f} s: ratio {scoring / anchor:.2f}")


if __name__ == "__main__":
    main()
