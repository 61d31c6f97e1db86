"""Stored-value spends per second with 16 concurrent clients, against pgbench's TPC-B-like script.

    .venv/bin/python bench/ledger.py [--clients 16] [--seconds 15] [--cards 1000]

Both run on the same PostgreSQL database (`regulars_ledger_bench`, recreated each run) in the same
run: first pgbench (`pgbench -i -s 16`, then its built-in TPC-B-like transaction with the same
number of clients), then 16 processes spending ¥1 at a time from random cards through the
project's own service (`membership.services.spend_value`: card row lock, balance check,
append-only ledger entry with an idempotency key, cached balance update, one transaction). The
last line prints spends/s divided by pgbench's tps.
"""

import argparse
import multiprocessing
import os
import random
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
ADMIN_URL = os.environ.get("BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = "regulars_ledger_bench"
DB_URL = ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


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


def prepare_cards(count: int) -> list[int]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from regulars.membership import services
    from regulars.membership.models import Card
    from regulars.merchants.models import Category, Merchant, Role, StaffMember
    from regulars.merchants.permissions import StaffContext

    call_command("migrate", interactive=False, verbosity=0)
    User = get_user_model()
    owner = User.objects.create(username="bench-owner")
    merchant = Merchant.objects.create(name="bench", category=Category.objects.get(slug="laundry"))
    StaffMember.objects.create(merchant=merchant, user=owner, role=Role.OWNER)
    actor = StaffContext(user=owner, merchant=merchant, role=Role.OWNER)
    services.design_program(actor=actor, title="bench card", published=True)
    people = User.objects.bulk_create(User(username=f"bench-{i}") for i in range(count))
    ids = []
    for person in people:
        card = services.apply_for_card(consumer=person, merchant_id=merchant.pk)
        services.top_up(card_id=card.pk, amount="100000", idempotency_key=f"fund-{card.pk}")
        ids.append(card.pk)
    assert Card.objects.count() == count
    return ids


def client(worker: int, card_ids: list[int], seconds: float, start_at: float, results) -> None:
    setup_django()
    from django.db import connection

    from regulars.membership import services

    connection.ensure_connection()
    rng = random.Random(worker)
    done = 0
    while time.time() < start_at:
        time.sleep(0.001)
    stop = start_at + seconds
    while time.time() < stop:
        services.spend_value(
            card_id=rng.choice(card_ids), amount="1", idempotency_key=f"bench-{worker}-{done}"
        )
        done += 1
    results.put(done)


def run_pgbench(clients: int, seconds: int) -> float:
    env = {**os.environ, "PGHOST": "127.0.0.1", "PGUSER": "postgres"}
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", "16", DB_NAME], check=True, env=env, capture_output=True
    )
    out = subprocess.run(
        [
            "pgbench",
            "-c",
            str(clients),
            "-j",
            str(min(clients, os.cpu_count() or 2)),
            "-T",
            str(seconds),
            DB_NAME,
        ],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    return float(re.search(r"tps = ([\d.]+)", out).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--cards", type=int, default=1000)
    args = parser.parse_args()

    recreate_database()
    setup_django()
    card_ids = prepare_cards(args.cards)
    from django.db import connections

    connections.close_all()
    tps = run_pgbench(args.clients, args.seconds)
    print(f"pgbench TPC-B-like, {args.clients} clients, {args.seconds}s: {tps:.0f} tps", flush=True)

    results = multiprocessing.Queue()
    start_at = time.time() + 3
    workers = [
        multiprocessing.Process(target=client, args=(w, card_ids, args.seconds, start_at, results))
        for w in range(args.clients)
    ]
    for worker in workers:
        worker.start()
    total = sum(results.get() for _ in workers)
    for worker in workers:
        worker.join()
    spends = total / args.seconds

    setup_django()
    from regulars.membership.selectors import ledger_mismatches

    assert ledger_mismatches() == [], "cached balances must equal the ledgers"
    print(
        f"Regulars spend_value, {args.clients} clients, {args.seconds}s: {spends:.0f} spends/s (ledgers verified)"
    )
    print(f"spends/s {spends:.0f} / pgbench tps {tps:.0f} = ratio {spends / tps:.2f}")


if __name__ == "__main__":
    multiprocessing.set_start_method("fork")
    main()
