"""Load: the production server under a mixed load, against a Django hello-world on the same server.

    .venv/bin/python bench/load.py [--seconds 20] [--clients 6] [--workers 4] [--threads 4]

Starts `regulars serve` (gunicorn, gthread workers) on loopback with PostgreSQL (database
`regulars_load`, the demo city: --merchants/--consumers) and Redis, production settings
(REGULARS_DEBUG=0, collected static files, persistent database connections), then drives load
from --clients processes, each on its own keep-alive connection, for --seconds per phase:

  1. hello-world: GET /livez (Django answers "ok": routing, middleware, no database);
  2. the nearby page: GET /?lat=…&lng=… from where the shops are (the HTML page; anonymous pages
     are shared per ~100 m cell for a minute, so after a first visit a cell is served from Redis);
  3. the nearby page from random points (practically every request a new cell: no cache helps;
     most real visitors, who arrive from somewhere nobody searched from in the last minute);
  4. store pages of random shops (never cached: every one is computed);
  5. mixed: consumers browsing the nearby page (45 %) and store pages (35 %), cashiers redeeming
     coupon codes (10 %) and recording card purchases (10 %) through the API with bearer tokens.

Then the embedded mode (`--embedded` runs only this part): the same city on SQLite, no Redis,
`regulars serve` as the README's one-machine recipe starts it (two processes of four threads,
the embedded worker in each): hello-world, the mixed load, and writes alone (coupon redemptions
and card purchases from every client at once, so from several threads and processes); its line
reports the server log's "database is locked" count.

Each phase prints requests/s, p50 and p99 latency and errors (any answer ≥ 400 or a failed
connection) per kind of request. Then, against hello-world's throughput: the embedded mixed load,
the warm nearby page (bar 0.3), the store page (bar 0.1) and, on the last line, the cold nearby
page (bar 0.15, aim 0.3), with the errors of all phases (bar 0). The exit status is 1 if there
was an error.
"""

import argparse
import json
import multiprocessing
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/regulars_load")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
PORT = 8790


def environment(var_dir: Path) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=PG_URL,
        REDIS_URL=REDIS_URL,
        REGULARS_DEBUG="0",
        REGULARS_SECRET_KEY=env.get("REGULARS_SECRET_KEY") or secrets.token_urlsafe(50),
        REGULARS_ALLOWED_HOSTS="127.0.0.1",
        REGULARS_SSL_REDIRECT="0",
        REGULARS_SECURE_COOKIES="0",
        REGULARS_VAR_DIR=str(var_dir),
        REGULARS_DB_CONN_MAX_AGE="600",
        REGULARS_TILE_URL="",
        REGULARS_REQUEST_LOG_LEVEL="WARNING",
    )
    return env


def ensure_database() -> None:
    import psycopg

    admin = PG_URL.rsplit("/", 1)[0] + "/postgres"
    name = PG_URL.rsplit("/", 1)[1]
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def prepare(merchants: int, consumers: int, tills: int) -> dict:
    """The city (once), then fresh coupon codes and the cards cashiers will charge."""
    import django

    django.setup()
    from django.core.management import call_command

    from regulars.accounts.services import create_api_token
    from regulars.cli import collect_static_once
    from regulars.membership.models import Card
    from regulars.merchants.models import Merchant, Role, StaffMember, Store
    from regulars.merchants.permissions import StaffContext
    from regulars.promotions import services as promotions
    from regulars.promotions.models import Coupon

    call_command("migrate", interactive=False, verbosity=0)
    call_command("demo_city", merchants=merchants, consumers=consumers, if_empty=True, verbosity=0)
    collect_static_once()
    import datetime as dt

    from django.utils import timezone

    stores = list(Store.objects.filter(is_active=True).values_list("pk", "lat", "lng"))
    till_plans = []
    with_cards = Merchant.objects.filter(cards__isnull=False).distinct().order_by("pk")[: tills * 3]
    for merchant in with_cards:
        if Store.objects.filter(merchant=merchant, is_active=True).count() != 1:
            continue
        owner = StaffMember.objects.get(merchant=merchant, role=Role.OWNER).user
        actor = StaffContext(user=owner, merchant=merchant, role=Role.OWNER)
        now = timezone.now()
        campaign = promotions.save_campaign(
            actor=actor,
            data=promotions.CampaignInput(
                name=f"压测券 {now:%H%M%S}",
                kind="amount_off",
                amount=5,
                valid_from=now - dt.timedelta(minutes=1),
                valid_until=now + dt.timedelta(days=1),
                stock=1,
                claim_mode="code",
                per_customer=1,
            ),
        )
        promotions.set_published(actor=actor, campaign_id=campaign.pk, published=True)
        promotions.generate_codes(actor=actor, campaign_id=campaign.pk, count=3000)
        till_plans.append(
            {
                "token": create_api_token(user=owner, name="load benchmark"),
                "codes": list(
                    Coupon.objects.filter(campaign=campaign).values_list("code", flat=True)
                ),
                "cards": list(
                    Card.objects.filter(merchant=merchant).values_list("number", flat=True)
                ),
            }
        )
        if len(till_plans) == tills:
            break
    return {"stores": stores, "tills": till_plans}


def start_server(env: dict, log: Path, *options: str) -> subprocess.Popen:
    """`regulars serve` on the benchmark's port with the given gunicorn options, once it answers."""
    server = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "regulars"),
            "serve",
            "--bind",
            f"127.0.0.1:{PORT}",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    wait_until_up(server, log)
    return server


def wait_until_up(server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/livez", timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the server did not start; see {log}") from None
            time.sleep(0.3)


# ---- the load: one process per client, one keep-alive connection each -------------------------


def _requests_for(phase: str, plan: dict, client: int, rng: random.Random):
    """An endless stream of (kind, method, path, body, headers) for one client."""
    stores = plan["stores"]
    tills = plan["tills"]
    # Disjoint per client, and per phase: the writes phase must not find the mixed one's used.
    codes = [t["codes"][client :: plan["clients"]] for t in tills]
    codes = [
        mine[len(mine) // 2 :] if phase == "writes" else mine[: len(mine) // 2] for mine in codes
    ]

    def nearby():
        _pk, lat, lng = rng.choice(stores)
        return ("nearby page", "GET", f"/?lat={lat:.5f}&lng={lng:.5f}", None, {})

    def nearby_new_cell():
        # Anywhere within ~1.5 km of a shop: practically every request a cell not seen before,
        # so no cached page helps (the worst case).
        _pk, lat, lng = rng.choice(stores)
        lat += rng.uniform(-0.015, 0.015)
        lng += rng.uniform(-0.015, 0.015)
        return ("nearby, new cell", "GET", f"/?lat={lat:.6f}&lng={lng:.6f}", None, {})

    def store_page():
        return ("store page", "GET", f"/stores/{rng.choice(stores)[0]}/", None, {})

    def redeem():
        index = rng.randrange(len(tills))
        code = codes[index].pop() if codes[index] else None
        if code is None:
            return store_page()
        body = {"code": code, "bill": "60"}
        return ("coupon redemption", "POST", "/api/v1/merchant/coupons/redeem", body, index)

    def purchase():
        index = rng.randrange(len(tills))
        body = {
            "card_number": rng.choice(tills[index]["cards"]),
            "amount": "38.00",
            "description": "压测",
            "idempotency_key": uuid.uuid4().hex,
        }
        return ("card purchase", "POST", "/api/v1/merchant/card-purchases", body, index)

    mixed = [(nearby, 45), (store_page, 35), (redeem, 10), (purchase, 10)]
    writes = [(redeem, 50), (purchase, 50)]
    while True:
        if phase == "hello-world":
            yield ("hello-world", "GET", "/livez", None, {})
        elif phase == "nearby page":
            yield nearby()
        elif phase == "nearby, new cells":
            yield nearby_new_cell()
        elif phase == "store pages":
            yield store_page()
        else:
            weights = writes if phase == "writes" else mixed
            make = rng.choices([m for m, _w in weights], weights=[w for _m, w in weights])[0]
            kind, method, path, body, till = make()
            headers = {}
            if body is not None:
                headers = {
                    "Authorization": f"Bearer {tills[till]['token']}",
                    "Content-Type": "application/json",
                }
            yield (kind, method, path, body, headers)


def client_process(phase: str, plan: dict, client: int, seconds: float, results) -> None:
    import http.client

    rng = random.Random(client * 7919 + hash(phase) % 1000)
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    samples = []
    stream = _requests_for(phase, plan, client, rng)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        kind, method, path, body, headers = next(stream)
        payload = json.dumps(body) if body is not None else None
        started = time.perf_counter()
        try:
            connection.request(method, path, body=payload, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
            status = 0
        samples.append((kind, time.perf_counter() - started, status))
    results.put(samples)


def warm_client(plan: dict, client: int, clients: int) -> None:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
    for _pk, lat, lng in plan["stores"][client::clients]:
        connection.request("GET", f"/?lat={lat:.5f}&lng={lng:.5f}")
        connection.getresponse().read()


def warm_cells(plan: dict, clients: int) -> float:
    """Every shop's cell visited once, as a minute of a busy city would (the steady state)."""
    started = time.monotonic()
    processes = [
        multiprocessing.Process(target=warm_client, args=(plan, client, clients))
        for client in range(clients)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    return time.monotonic() - started


def run_phase(phase: str, plan: dict, clients: int, seconds: float) -> dict:
    results = multiprocessing.Queue()
    processes = [
        multiprocessing.Process(target=client_process, args=(phase, plan, client, seconds, results))
        for client in range(clients)
    ]
    for process in processes:
        process.start()
    samples = [sample for _ in processes for sample in results.get()]
    for process in processes:
        process.join()
    kinds = {}
    for kind, latency, status in samples:
        kinds.setdefault(kind, []).append((latency, status))
    report = {}
    for kind, rows in sorted(kinds.items()):
        latencies = sorted(latency for latency, _status in rows)
        report[kind] = {
            "requests": len(rows),
            "per_second": len(rows) / seconds,
            "p50_ms": statistics.median(latencies) * 1000,
            "p99_ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] * 1000,
            "errors": sum(1 for _latency, status in rows if status == 0 or status >= 400),
        }
    return report


def print_report(phase: str, report: dict) -> None:
    print(f"\n{phase}")
    print(f"  {'request':<20}{'requests':>9}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}")
    for kind, row in report.items():
        print(
            f"  {kind:<20}{row['requests']:>9}{row['per_second']:>9.1f}"
            f"{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}{row['errors']:>8}"
        )
    if len(report) > 1:
        total = sum(row["per_second"] for row in report.values())
        errors = sum(row["errors"] for row in report.values())
        print(f"  {'all':<20}{'':>9}{total:>9.1f}{'':>9}{'':>9}{errors:>8}")


def embedded_environment(var_dir: Path) -> dict:
    """The one-machine recipe: SQLite in the var directory, no Redis, production settings."""
    env = environment(var_dir)
    env.pop("REDIS_URL")
    env["DATABASE_URL"] = f"sqlite:///{var_dir / 'embedded.sqlite3'}"
    env["REGULARS_DB_CONN_MAX_AGE"] = "0"
    return env


def forget_a_city_of_another_size(database: Path, merchants: int) -> None:
    """The demo city is built only into an empty database: one of another size is removed."""
    import sqlite3

    if not database.exists():
        return
    try:
        with sqlite3.connect(database) as db:
            built = db.execute("SELECT count(*) FROM merchants_merchant").fetchone()[0]
    except sqlite3.Error:
        built = None
    if built != merchants:
        for leftover in database.parent.glob(database.name + "*"):
            leftover.unlink()


def run_embedded(args, var_dir: Path) -> int:
    """The embedded mode's phase; its last line is its figures (parsed by the full run)."""
    env = embedded_environment(var_dir)
    forget_a_city_of_another_size(var_dir / "embedded.sqlite3", args.merchants)
    os.environ.update(env)
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    started = time.monotonic()
    plan = prepare(args.merchants, args.consumers, args.tills)
    plan["clients"] = args.clients
    print(
        f"embedded mode prepared in {time.monotonic() - started:.0f} s: SQLite, no Redis, "
        f"regulars serve with its defaults (2 processes × 4 threads), {args.clients} clients",
        flush=True,
    )
    log = var_dir / "embedded-server.log"
    server = start_server(env, log)  # the recipe's defaults: no options
    try:
        run_phase("hello-world", plan, args.clients, 3)
        reports = {
            "embedded hello-world": run_phase("hello-world", plan, args.clients, args.seconds)
        }
        warm_cells(plan, args.clients)
        reports["embedded mixed"] = run_phase("mixed", plan, args.clients, args.seconds)
        reports["embedded writes"] = run_phase("writes", plan, args.clients, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    for phase, report in reports.items():
        print_report(phase, report)
    hello = reports["embedded hello-world"]["hello-world"]["per_second"]
    mixed = sum(row["per_second"] for row in reports["embedded mixed"].values())
    errors = sum(row["errors"] for report in reports.values() for row in report.values())
    writes = sum(row["per_second"] for row in reports["embedded writes"].values())
    locked = log.read_text(errors="replace").count("database is locked")
    print(
        f"\nembedded mixed load {mixed:.1f} req/s / hello-world {hello:.1f} req/s = "
        f"ratio {mixed / hello:.3f}; writes alone {writes:.1f} req/s; errors {errors}; "
        f'"database is locked" in the log: {locked}'
    )
    return 0 if errors == 0 and locked == 0 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--merchants", type=int, default=2000)
    parser.add_argument("--consumers", type=int, default=5000)
    parser.add_argument("--tills", type=int, default=10)
    parser.add_argument("--embedded", action="store_true", help="only the embedded mode's phase")
    args = parser.parse_args()

    var_dir = ROOT / "var" / "bench-load"
    var_dir.mkdir(parents=True, exist_ok=True)
    if args.embedded:
        return run_embedded(args, var_dir)
    # The embedded mode in a process of its own first (Django is set up once per process).
    embedded = subprocess.run(
        [sys.executable, __file__, "--embedded", *sys.argv[1:]],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    print(embedded.stdout, end="", flush=True)
    if embedded.returncode not in (0, 1):
        print(embedded.stderr[-3000:], file=sys.stderr)
        return 1
    embedded_line = embedded.stdout.strip().splitlines()[-1]

    env = environment(var_dir)
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
    ensure_database()
    started = time.monotonic()
    plan = prepare(args.merchants, args.consumers, args.tills)
    plan["clients"] = args.clients
    print(
        f"\nprepared in {time.monotonic() - started:.0f} s: {len(plan['stores'])} stores, "
        f"{len(plan['tills'])} tills with {sum(len(t['codes']) for t in plan['tills'])} codes; "
        f"gunicorn {args.workers} workers × {args.threads} threads, {args.clients} clients, "
        f"{os.cpu_count()} CPUs, {args.seconds:.0f} s per phase",
        flush=True,
    )
    server = start_server(
        env,
        var_dir / "server.log",
        *("--workers", str(args.workers), "--worker-class", "gthread"),
        *("--threads", str(args.threads), "--keep-alive", "30"),
    )
    try:
        run_phase("hello-world", plan, args.clients, 3)  # warm-up: workers, connections
        run_phase("nearby page", plan, args.clients, 3)
        reports = {"hello-world": run_phase("hello-world", plan, args.clients, args.seconds)}
        warmed = warm_cells(plan, args.clients)
        print(f"every shop's cell visited once in {warmed:.0f} s (cached for a minute)")
        for phase in ("nearby page", "nearby, new cells", "store pages"):
            reports[phase] = run_phase(phase, plan, args.clients, args.seconds)
        warm_cells(plan, args.clients)
        reports["mixed"] = run_phase("mixed", plan, args.clients, args.seconds)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    for phase, report in reports.items():
        print_report(phase, report)
    hello = reports["hello-world"]["hello-world"]["per_second"]
    nearby = reports["nearby page"]["nearby page"]["per_second"]
    cold = reports["nearby, new cells"]["nearby, new cell"]["per_second"]
    stores = reports["store pages"]["store page"]["per_second"]
    errors = sum(row["errors"] for report in reports.values() for row in report.values())
    errors += embedded.returncode  # the embedded phase's errors or "database is locked"
    print(f"\n{embedded_line}")
    print(
        f"warm nearby page {nearby:.1f} req/s / hello-world {hello:.1f} req/s = "
        f"ratio {nearby / hello:.2f} (bar 0.3)"
    )
    print(
        f"store page {stores:.1f} req/s / hello-world {hello:.1f} req/s = "
        f"ratio {stores / hello:.3f} (bar 0.1)"
    )
    print(
        f"cold nearby page {cold:.1f} req/s / hello-world {hello:.1f} req/s = "
        f"ratio {cold / hello:.3f} (bar 0.15); errors in all phases: {errors}"
    )
    return 0 if errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
