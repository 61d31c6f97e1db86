"""The embedded mode's own worker: scheduled work and long work without Redis or a command run
by hand (`regulars/core/embedded.py`)."""

import datetime as dt
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from celery.schedules import crontab
from django.test import Client
from django.utils import timezone

from regulars.core import clock, embedded
from regulars.core.models import ScheduledRun, SchedulerLease
from regulars.customers import services as customer_services
from regulars.customers.models import Customer, CustomerImport, ImportStatus
from regulars.customers.services.importing import IMPORT_CHUNK
from regulars.orders import services as order_services
from regulars.orders.models import Order, OrderStatus, PaymentStatus
from regulars.outreach import services as outreach_services
from regulars.outreach.models import Greeting
from regulars.servicedesk import services as desk_services
from regulars.servicedesk.models import Ticket
from tests.customers.test_directory import buy_and_use
from tests.orders.test_orders import pay_by_sandbox

NINE = crontab(hour=9, minute=0)


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def wait_for(condition, *, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the embedded worker did not do it in time")
        time.sleep(0.05)


@pytest.fixture
def seeded(transactional_db):
    """Transactional tests flush every table between tests, the seeded categories included."""
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)


@pytest.fixture
def runtime():
    """The embedded worker as `regulars serve` starts it, ticking fast; stopped afterwards."""
    started = []

    def start():
        embedded.start(threads=2, tick_seconds=0.1)
        started.append(True)

    yield start
    if started:
        embedded.stop(wait=True)


# ---- when a job is due -------------------------------------------------------------------------


def test_an_interval_job_is_due_once_its_interval_has_passed():
    now = local(2026, 11, 23, 12, 0)
    assert embedded.is_due(300, None, now)  # never run: at once
    assert not embedded.is_due(300, now - dt.timedelta(seconds=299), now)
    assert embedded.is_due(300, now - dt.timedelta(seconds=301), now)


def test_a_job_at_nine_catches_up_a_missed_morning_once():
    # Started at noon after the machine was off since yesterday: this morning's run is owed.
    assert embedded.is_due(NINE, local(2026, 11, 22, 10, 0), local(2026, 11, 23, 12, 0))
    # Run at noon: nothing more is owed until tomorrow at nine.
    assert not embedded.is_due(NINE, local(2026, 11, 23, 12, 0), local(2026, 11, 23, 23, 0))
    assert embedded.is_due(NINE, local(2026, 11, 23, 12, 0), local(2026, 11, 24, 9, 1))
    # Never run: it waits for its time rather than greeting people at three in the morning.
    assert not embedded.is_due(NINE, None, local(2026, 11, 23, 3, 0))


# ---- one scheduler per database ----------------------------------------------------------------


@pytest.mark.django_db
def test_only_the_lease_holder_runs_the_schedule_and_another_takes_over_when_it_stops():
    ran: list[tuple[str, str]] = []

    def record(scheduler, name, entry):
        ran.append((scheduler.holder, name))
        scheduler.finished(name)

    schedule = {"sweep": {"task": "regulars.core.tasks.heartbeat", "schedule": 60}}
    first = embedded.Scheduler(schedule, holder="web-1", submit_job=record, lease_seconds=60)
    second = embedded.Scheduler(schedule, holder="web-2", submit_job=record, lease_seconds=60)
    assert first.tick() == ["sweep"]
    assert second.tick() == []  # the first holds the lease
    clock.advance(dt.timedelta(seconds=61))
    assert first.tick() == ["sweep"]  # renewed: still the first
    assert second.tick() == []
    # The first process dies (stops renewing): once its lease runs out, the second takes over.
    clock.advance(dt.timedelta(seconds=61))
    assert second.tick() == ["sweep"]
    assert first.tick() == []
    assert ran == [("web-1", "sweep"), ("web-1", "sweep"), ("web-2", "sweep")]
    assert SchedulerLease.objects.get().holder == "web-2"
    second.release()  # a clean stop hands over at once
    assert first.tick() == []  # ran a minute ago: holds the lease, nothing due
    assert SchedulerLease.objects.get().holder == "web-1"


@pytest.mark.django_db
def test_a_job_still_running_is_not_started_again():
    started: list[str] = []
    schedule = {"sweep": {"task": "regulars.core.tasks.heartbeat", "schedule": 60}}
    scheduler = embedded.Scheduler(
        schedule, holder="web-1", submit_job=lambda s, name, e: started.append(name)
    )
    scheduler.tick()
    clock.advance(dt.timedelta(minutes=5))
    assert scheduler.tick() == []  # the first run has not finished
    scheduler.finished("sweep")
    assert scheduler.tick() == ["sweep"]
    assert started == ["sweep", "sweep"]


@pytest.mark.django_db
def test_a_missed_run_is_caught_up_once_not_once_per_miss():
    started: list[str] = []

    def record(scheduler, name, entry):
        started.append(name)
        scheduler.finished(name)

    schedule = {"greetings": {"task": "regulars.outreach.tasks.send_greetings", "schedule": NINE}}
    # The machine was off for three days.
    ScheduledRun.objects.create(name="greetings", last_run_at=clock.now() - dt.timedelta(days=3))
    scheduler = embedded.Scheduler(schedule, holder="web-1", submit_job=record)
    assert scheduler.tick() == ["greetings"]
    assert scheduler.tick() == []
    assert started == ["greetings"]
    assert ScheduledRun.objects.get().last_run_at == pytest.approx(
        clock.now(), abs=dt.timedelta(seconds=1)
    )


# ---- a merchant's day, unattended --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_without_redis_orders_expire_birthdays_are_greeted_and_complaints_escalate(
    seeded, salon, consumer, runtime
):
    """Nothing is run by hand: the embedded worker finds the work on its schedule."""
    owner, store, haircut, _wash = salon
    unused, _url = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(unused, event_id="unused")
    Order.objects.filter(pk=unused.pk).update(expires_at=clock.now() - dt.timedelta(hours=1))

    buy_and_use(consumer, salon, "visit")
    Customer.objects.filter(consumer=consumer).update(birthday=dt.date(1990, 11, 26))
    outreach_services.save_greetings(
        actor=owner,
        birthday_days=3,
        birthday_title="生日快乐！",
        birthday_body="",
        birthday_campaign_id=None,
        holidays=[],
        holiday_campaign_id=None,
    )
    # The machine was off yesterday and this morning: this morning's greetings are owed.
    ScheduledRun.objects.create(name="greetings", last_run_at=clock.now() - dt.timedelta(days=1))

    complaint = desk_services.open_ticket(
        merchant=owner.merchant,
        consumer=consumer,
        channel="store_page",
        category="service",
        subject="等了一小时",
        description="预约了还要等",
        now=clock.now() - dt.timedelta(days=2),
    )

    runtime()
    wait_for(lambda: Order.objects.get(pk=unused.pk).status == OrderStatus.EXPIRED)
    assert unused.payments.get().status == PaymentStatus.REFUNDED
    wait_for(lambda: Greeting.objects.filter(occasion="birthday-2026").exists())
    wait_for(lambda: Ticket.objects.get(pk=complaint.pk).escalation == 1)

    # A restart: the greeting is not sent again, the complaint not escalated again.
    embedded.stop(wait=True)
    embedded.start(threads=2, tick_seconds=0.1)
    restarted = embedded.current_holder()
    wait_for(lambda: SchedulerLease.objects.filter(holder=restarted).exists())
    time.sleep(0.5)  # several ticks
    assert Greeting.objects.filter(occasion="birthday-2026").count() == 1
    assert Ticket.objects.get(pk=complaint.pk).escalation == 1


# ---- long work leaves the request --------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_an_import_runs_in_the_background_and_the_request_returns_at_once(
    seeded, salon, runtime, monkeypatch
):
    owner = salon[0]
    runtime()
    release = threading.Event()
    ran_in: list[str] = []
    real_run = customer_services.run_import

    def held_import(import_id):
        ran_in.append(threading.current_thread().name)
        release.wait(10)  # the import is "long": the page must not wait for it
        real_run(import_id)

    monkeypatch.setattr(customer_services, "run_import", held_import)
    sheet = "姓名,手机\n" + "".join(f"客人{n},1380013{n:04d}\n" for n in range(30))
    job = customer_services.start_import(
        actor=owner, filename="customers.csv", content=sheet.encode()
    )
    customer_services.set_mapping(actor=owner, import_id=job.pk, mapping={"name": 0, "phone": 1})

    browser = Client()
    browser.force_login(owner.user)
    answered = time.monotonic()
    response = browser.post(f"/api/v1/merchant/customer-imports/{job.pk}/run")
    answered = time.monotonic() - answered
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "running"
    assert answered < 5
    wait_for(lambda: ran_in)
    assert ran_in[0].startswith("regulars-background")
    assert CustomerImport.objects.get(pk=job.pk).status == ImportStatus.RUNNING
    release.set()
    wait_for(lambda: CustomerImport.objects.get(pk=job.pk).status == ImportStatus.DONE)
    assert Customer.objects.filter(merchant=owner.merchant, source="import").count() == 30


@pytest.mark.django_db(transaction=True)
def test_an_import_cut_short_by_a_killed_process_carries_on_after_a_restart(seeded, salon, runtime):
    """A process running an import is killed (SIGKILL) after some chunks: on the next start the
    schedule's sweep finds the import stalled and finishes it from where it stopped, every row
    exactly once."""
    owner = salon[0]
    rows = 8 * IMPORT_CHUNK
    sheet = "姓名,手机\n" + "".join(f"客人{n},138{n:08d}\n" for n in range(rows))
    job = customer_services.start_import(
        actor=owner, filename="customers.csv", content=sheet.encode()
    )
    customer_services.set_mapping(actor=owner, import_id=job.pk, mapping={"name": 0, "phone": 1})
    CustomerImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, heartbeat_at=clock.now()
    )
    worker = subprocess.Popen(
        [sys.executable, "-c", RUN_IMPORT, str(job.pk)],
        cwd=ROOT,
        env={
            **os.environ,
            "DATABASE_URL": _this_database_url(),
            "REDIS_URL": "",
            clock.PIN_ENVIRONMENT_VARIABLE: clock.now().isoformat(),  # the test's day
        },
        stderr=subprocess.PIPE,
    )
    try:
        wait_for(lambda: CustomerImport.objects.get(pk=job.pk).written_rows > 0, seconds=60)
    finally:
        worker.kill()
        _out, err = worker.communicate(timeout=30)
    cut_short = CustomerImport.objects.get(pk=job.pk)
    assert cut_short.status == ImportStatus.RUNNING, err.decode()[-2000:]
    assert 0 < cut_short.written_rows < rows

    clock.advance(dt.timedelta(minutes=11))  # long enough to count as stalled
    runtime()  # the restart
    wait_for(lambda: CustomerImport.objects.get(pk=job.pk).status == ImportStatus.DONE, seconds=90)
    done = CustomerImport.objects.get(pk=job.pk)
    assert (done.created_count, done.written_rows, done.processed_rows) == (rows, rows, rows)
    assert Customer.objects.filter(merchant=owner.merchant).count() == rows


ROOT = Path(__file__).resolve().parent.parent.parent
RUN_IMPORT = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regulars.settings")
import django
django.setup()
from regulars.customers.services import run_import
run_import(int(sys.argv[1]))
"""


def _this_database_url() -> str:
    """The test database, for a second process to work on."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_the_long_work_is_declared_so():
    """What leaves the request under `regulars serve`: removing `long_work` from one of these
    would put a city's fan-out back inside a merchant's click."""
    from celery import current_app

    current_app.loader.import_default_modules()
    long_work = sorted(
        name for name, task in current_app.tasks.items() if getattr(task, "long_work", False)
    )
    assert long_work == [
        "regulars.customers.tasks.run_import",
        "regulars.customers.tasks.score_customers",
        "regulars.customers.tasks.score_shard",
        "regulars.notifications.tasks.deliver_batch",
        "regulars.notifications.tasks.send_broadcast",
        "regulars.promotions.tasks.make_codes",
    ]


@pytest.mark.django_db(transaction=True)
def test_a_fan_out_runs_in_the_background_and_its_batches_with_it(runtime, monkeypatch):
    from regulars.notifications import services as notification_services
    from regulars.notifications import tasks as notification_tasks

    runtime()
    threads: list[str] = []
    monkeypatch.setattr(
        notification_services, "start_broadcast", lambda broadcast_id: [[1], [2], [3]]
    )
    monkeypatch.setattr(
        notification_services,
        "deliver_batch",
        lambda broadcast_id, consumer_ids: threads.append(threading.current_thread().name) or 1,
    )
    queued = notification_tasks.send_broadcast.delay(7)
    assert queued.result(timeout=10) is None  # the pool's future: the caller did not run it
    # The three batches ran in the same background thread, one after another.
    assert len(threads) == 3 and len(set(threads)) == 1
    assert threads[0].startswith("regulars-background")
