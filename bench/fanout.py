"""A flash deal to 1,000,000 subscribers: audience selection plus inbox delivery, against
PostgreSQL's COPY of the same number of inbox rows, in the same run.

    .venv/bin/python bench/fanout.py [--subscribers 1000000] [--batch 10000]

Set-up (not timed): a database `regulars_fanout_bench` (recreated), one laundry, and N consumers
who each follow the laundry category within 3 km of a home scattered within 2 km of the store.

Timed, the project: `targeting.audience_ids` (the nearby query: subscriptions joined to places in
a bounding box, exact distance check) and `services.deliver_batch` for every batch (set-based
INSERTs of the delivery log and the inbox messages, marking them sent) — what the Celery tasks
run, here in one process.

Timed, the anchor: `COPY notifications_inboxmessage FROM STDIN` of N rows (the same columns) into
the same database, after the project's rows were deleted. The last line prints
project rows/s divided by COPY rows/s.
"""

import argparse
import math
import os
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "regulars_fanout_bench"
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME
STORE = (31.2317, 121.4846)


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}"')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def setup_django(batch: int) -> None:
    os.environ["DATABASE_URL"] = DB_URL.replace("postgresql://", "postgres://")
    os.environ["REGULARS_FANOUT_BATCH"] = str(batch)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    import django

    django.setup()


def populate(count: int) -> int:
    """N consumers with a home near the store following laundries; returns the merchant id."""
    from django.core.management import call_command
    from django.db import connection

    from regulars.merchants.models import Category, Merchant

    call_command("migrate", interactive=False, verbosity=0)
    laundry = Category.objects.get(slug="laundry")
    merchant = Merchant.objects.create(name="bench laundry", category=laundry)
    rng = random.Random(7)
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(
            "COPY accounts_user (id, password, is_superuser, username, first_name, last_name, "
            "email, is_staff, is_active, date_joined, display_name, phone) FROM STDIN"
        ) as copy:
            for i in range(1, count + 1):
                copy.write_row(
                    (
                        i,
                        "!",
                        False,
                        f"u{i}",
                        "",
                        "",
                        f"u{i}@bench",
                        False,
                        True,
                        "2026-01-01 00:00:00+00",
                        "",
                        None,
                    )
                )
        with raw.copy(
            "COPY notifications_place (consumer_id, kind, label, lat, lng) FROM STDIN"
        ) as copy:
            for i in range(1, count + 1):
                distance, angle = 2000 * math.sqrt(rng.random()), rng.random() * 2 * math.pi
                copy.write_row(
                    (
                        i,
                        "home",
                        "",
                        STORE[0] + distance * math.sin(angle) / 110_574.0,
                        STORE[1]
                        + distance
                        * math.cos(angle)
                        / (111_320.0 * math.cos(math.radians(STORE[0]))),
                    ),
                )
        with raw.copy(
            "COPY notifications_subscription (consumer_id, category_id, radius_m, created_at) "
            "FROM STDIN"
        ) as copy:
            for i in range(1, count + 1):
                copy.write_row((i, laundry.pk, 3000, "2026-01-01 00:00:00+00"))
        cursor.execute("SELECT setval('accounts_user_id_seq', %s)", [count])
        cursor.execute("ANALYZE")
    return merchant.pk


def run_project(merchant_id: int) -> tuple[int, float]:
    from regulars.merchants.models import Category
    from regulars.notifications import services, targeting
    from regulars.notifications.models import Broadcast, BroadcastStatus

    laundry = Category.objects.get(slug="laundry")
    audience = {
        "kind": "nearby",
        "lat": STORE[0],
        "lng": STORE[1],
        "category_ids": [laundry.pk],
        "merchant_id": merchant_id,
    }
    broadcast = Broadcast.objects.create(
        merchant_id=merchant_id,
        title="⚡ 洗衣立减15",
        body="until 20:00",
        link="/deals/1/",
        audience=audience,
        send_at="2026-01-01T00:00:00+00:00",
    )
    started = time.perf_counter()
    batches = services.start_broadcast(broadcast.pk)
    for batch in batches:
        services.deliver_batch(broadcast_id=broadcast.pk, consumer_ids=batch)
    elapsed = time.perf_counter() - started
    done = Broadcast.objects.get(pk=broadcast.pk)
    assert done.status == BroadcastStatus.SENT, done.status
    assert targeting  # imported for the reader: audience_ids is what start_broadcast runs
    return done.recipients, elapsed


def run_copy(count: int) -> float:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM notifications_inboxmessage")
        raw = cursor.cursor
        started = time.perf_counter()
        with raw.copy(
            "COPY notifications_inboxmessage (user_id, title, body, link, merchant_id, dedupe_key, "
            "created_at) FROM STDIN"
        ) as copy:
            for i in range(1, count + 1):
                copy.write_row(
                    (
                        i,
                        "⚡ 洗衣立减15",
                        "until 20:00",
                        "/deals/1/",
                        None,
                        f"copy:{i}",
                        "2026-01-01 00:00:00+00",
                    )
                )
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    recreate_database()
    setup_django(args.batch)
    print(f"populating {args.subscribers:,} subscribers…", flush=True)
    merchant_id = populate(args.subscribers)
    recipients, project_seconds = run_project(merchant_id)
    assert recipients == args.subscribers, recipients
    copy_seconds = run_copy(recipients)
    project_rate = recipients / project_seconds
    copy_rate = recipients / copy_seconds
    print(
        f"project: {recipients:,} recipients selected and delivered in {project_seconds:.1f} s "
        f"= {project_rate:,.0f} rows/s"
    )
    print(f"COPY:    {recipients:,} inbox rows in {copy_seconds:.1f} s = {copy_rate:,.0f} rows/s")
    print(f"ratio project/COPY = {project_rate / copy_rate:.2f}")


if __name__ == "__main__":
    main()
