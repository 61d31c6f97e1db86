"""A real Celery worker on Redis, killed in the middle of a flash deal's fan-out and restarted:
every recipient has the message exactly once (PostgreSQL and Redis; CI has both)."""

import datetime as dt
import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.db import connection

from regulars.celery import app as celery_app
from regulars.core import clock
from regulars.merchants.models import Category
from regulars.notifications.models import Broadcast, BroadcastStatus, InboxMessage
from regulars.notifications.services import add_place, follow, save_preferences
from regulars.promotions import services
from tests.conftest import PEOPLE_SQUARE, make_merchant, make_person, make_store

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
REDIS = os.environ.get("REGULARS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


def redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(autouse=True)
def _postgres_and_redis(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("the worker needs a database another process can see (PostgreSQL)")
    if not redis_up():
        pytest.fail(f"Redis is not running at {REDIS}: `.ci/run` starts it")
    from regulars.merchants.categories import load_category_tree

    load_category_tree(Category)
    import redis

    redis.Redis.from_url(REDIS).flushdb()


class SlowSms(BaseHTTPRequestHandler):
    """An SMS provider that takes a while per message, so the fan-out is still running when
    the worker is killed."""

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(0.15)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        return


def start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "regulars",
            "worker",
            "--pool",
            "solo",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(os.environ.get("WORKER_LOG", os.devnull), "a"),  # noqa: SIM115
    )


def forget_connections() -> None:
    """Drop pooled broker connections made for the old broker URL (as Celery does after fork)."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def wait_for(condition, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_worker_killed_mid_fanout_and_restarted_delivers_each_message_exactly_once(settings):
    owner = make_merchant("13900000701", name="洁丽洗衣")
    store = make_store(owner)
    laundry = Category.objects.get(slug="laundry")
    people = []
    for i in range(40):
        person = make_person(f"138000007{i:02d}")
        add_place(consumer=person, kind="home", lat=PEOPLE_SQUARE[0], lng=PEOPLE_SQUARE[1])
        follow(consumer=person, category_id=laundry.pk, radius_m=2000)
        save_preferences(consumer=person, sms=True, quiet_from=dt.time(0), quiet_until=dt.time(0))
        people.append(person)

    sms = ThreadingHTTPServer(("127.0.0.1", 0), SlowSms)
    threading.Thread(target=sms.serve_forever, daemon=True).start()
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": REDIS,
        "REGULARS_FANOUT_BATCH": "5",
        "REGULARS_SMS_BACKEND": "http",
        "REGULARS_SMS_URL": f"http://127.0.0.1:{sms.server_port}/",
        "REGULARS_CLOCK_AT": clock.now().isoformat(),  # the worker lives on the test's day
    }
    worker = start_worker(env)
    conf = celery_app.conf
    saved = (conf.task_always_eager, conf.broker_url)
    conf.task_always_eager, conf.broker_url = False, REDIS
    forget_connections()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(settings, "REGULARS_FANOUT_BATCH", 5)
            deal = services.create_flash_deal(
                actor=owner,
                data=services.FlashDealInput(
                    store_id=store.pk,
                    name="快闪",
                    kind="amount_off",
                    amount=10,
                    stock=50,
                    duration_minutes=60,
                ),
            )
        # Kill the worker (no warm shutdown) once some, but not all, have their message.
        assert wait_for(lambda: InboxMessage.objects.count() >= 5)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
        delivered_before = InboxMessage.objects.count()
        assert delivered_before < 40
        assert Broadcast.objects.get(pk=deal.broadcast_id).status == BroadcastStatus.SENDING

        # Restarted; the periodic check finds the broadcast stalled and resumes it.
        Broadcast.objects.filter(pk=deal.broadcast_id).update(
            started_at=clock.now() - dt.timedelta(minutes=11)
        )
        worker = start_worker(env)
        celery_app.send_task("regulars.notifications.tasks.send_due_broadcasts")
        assert wait_for(
            lambda: Broadcast.objects.get(pk=deal.broadcast_id).status == BroadcastStatus.SENT,
            seconds=90,
        )
    finally:
        conf.task_always_eager, conf.broker_url = saved
        forget_connections()
        worker.kill()
        worker.wait(timeout=10)
        sms.shutdown()
    per_person = sorted(InboxMessage.objects.values_list("user_id", flat=True))
    assert per_person == sorted(person.pk for person in people)
