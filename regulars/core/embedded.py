"""The embedded mode's own worker: the schedule and long work, inside the web process.

Without REDIS_URL there is no Celery worker and no beat. `regulars serve` (and so `regulars
demo`) then starts this runtime in each web process (`start()`, from the gunicorn hooks in
`regulars/serving.py`):

- **Long work** — an import, a broadcast's fan-out, a batch of codes: tasks declared with
  ``long_work=True`` that a request queues with ``.delay()`` go to a small thread pool instead
  of running inside the request, which returns at once; the pages follow the progress the task
  saves. A task queued from inside the pool runs there and then (the pool's threads are the
  workers; nothing waits for anything).
- **The schedule** — the same ``CELERY_BEAT_SCHEDULE`` and task functions `regulars worker
  --beat` runs. Exactly one process per database runs it: the one holding the `SchedulerLease`
  row, renewed every tick; if it dies, another process takes over when the lease runs out.
  Each job's last start is kept (`ScheduledRun`), so a run missed while the machine was off is
  caught up once at start, not once per miss.

Outside `start()` (management commands, tests, the worker under Redis) nothing changes: Celery
runs tasks eagerly in the embedded mode and on workers under Redis.
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import os
import socket
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor

from celery import current_app
from celery.schedules import crontab
from celery.schedules import schedule as every
from django.db import IntegrityError, close_old_connections, connections, transaction
from django.db.models import Q

from . import clock
from .models import ScheduledRun, SchedulerLease

log = logging.getLogger("regulars.embedded")

LEASE_NAME = "beat"
TICK_SECONDS = 15.0
# A holder renews every tick; a lease four ticks old belongs to a process that stopped.
LEASE_SECONDS = 60.0

_pool: ThreadPoolExecutor | None = None
_scheduler: Scheduler | None = None
_scheduler_thread: threading.Thread | None = None
_stop = threading.Event()
_inside = threading.local()


def holder_name() -> str:
    """This process, as the lease names it: readable in the database, unique per start."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# ---- long work -------------------------------------------------------------------------------


def running() -> bool:
    return _pool is not None


def takes(task) -> bool:
    """Does this process's pool take the task instead of the caller's thread?"""
    return (
        _pool is not None
        and getattr(task, "long_work", False)
        and not getattr(_inside, "active", False)
    )


def submit(task_name: str, args, kwargs) -> Future:
    """Run a task in the pool (it must be running)."""
    assert _pool is not None, "start() the embedded runtime first"
    return _pool.submit(_run_task, task_name, tuple(args or ()), dict(kwargs or {}))


def _run_task(task_name: str, args: tuple, kwargs: dict) -> None:
    """One task in a pool thread, with its own database connection, closed afterwards (a thread
    that keeps a SQLite handle keeps a read snapshot and the file open)."""
    _inside.active = True
    close_old_connections()
    try:
        current_app.tasks[task_name].apply(args=args, kwargs=kwargs, throw=True)
    except Exception:
        log.exception("background task %s failed", task_name)
    finally:
        _inside.active = False
        connections.close_all()


# ---- the schedule ----------------------------------------------------------------------------


def _as_schedule(value):
    if isinstance(value, int | float):
        return every(dt.timedelta(seconds=value))
    if isinstance(value, dt.timedelta):
        return every(value)
    return value


def is_due(value, last_run_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Is a schedule entry due at `now`, given when it last started?

    A job never run before: an interval job runs at once (its sweeps are safe at any time), a
    job at a time of day (crontab) waits for its next time, as Celery's beat does. After that,
    Celery's own schedule objects decide, read on our clock."""
    schedule = _as_schedule(value)
    if last_run_at is None:
        return not isinstance(schedule, crontab)
    on_our_clock = copy.copy(schedule)
    on_our_clock.nowfun = lambda: now
    return bool(on_our_clock.is_due(last_run_at).is_due)


class Scheduler:
    """The beat schedule run by whichever process holds the lease."""

    def __init__(
        self,
        schedule: dict,
        *,
        holder: str | None = None,
        submit_job=None,
        lease_seconds: float = LEASE_SECONDS,
    ):
        self.schedule = schedule
        self.holder = holder or holder_name()
        self.lease = dt.timedelta(seconds=lease_seconds)
        self._submit_job = submit_job or _submit_scheduled
        self._in_flight: set[str] = set()
        self._lock = threading.Lock()

    def holds_lease(self, now: dt.datetime) -> bool:
        """Take or renew the lease; False while another living process holds it."""
        mine = Q(holder=self.holder) | Q(expires_at__lt=now)
        with transaction.atomic():
            taken = (
                SchedulerLease.objects.filter(name=LEASE_NAME)
                .filter(mine)
                .update(holder=self.holder, expires_at=now + self.lease, renewed_at=now)
            )
        if taken:
            return True
        try:
            with transaction.atomic():
                SchedulerLease.objects.create(
                    name=LEASE_NAME, holder=self.holder, expires_at=now + self.lease, renewed_at=now
                )
        except IntegrityError:
            return False  # someone else's, and alive
        return True

    def release(self) -> None:
        """Let another process take over at once (a clean shutdown)."""
        SchedulerLease.objects.filter(name=LEASE_NAME, holder=self.holder).delete()

    def tick(self) -> list[str]:
        """Start every due job not still running from an earlier tick. Returns their names."""
        now = clock.now()
        if not self.holds_lease(now):
            return []
        last_runs = dict(ScheduledRun.objects.values_list("name", "last_run_at"))
        started = []
        for name, entry in self.schedule.items():
            with self._lock:
                if name in self._in_flight:
                    continue
            last = last_runs.get(name)
            if last is None and not is_due(entry["schedule"], None, now):
                # A job at a time of day starts counting from its first sight.
                ScheduledRun.objects.get_or_create(name=name, defaults={"last_run_at": now})
                continue
            if not is_due(entry["schedule"], last, now):
                continue
            ScheduledRun.objects.update_or_create(name=name, defaults={"last_run_at": now})
            with self._lock:
                self._in_flight.add(name)
            self._submit_job(self, name, entry)
            started.append(name)
        return started

    def finished(self, name: str) -> None:
        with self._lock:
            self._in_flight.discard(name)


def _submit_scheduled(scheduler: Scheduler, name: str, entry: dict) -> None:
    def run():
        try:
            _run_task(entry["task"], entry.get("args", ()), entry.get("kwargs", {}))
        finally:
            scheduler.finished(name)

    if _pool is None:
        run()
    else:
        _pool.submit(run)


def _loop(scheduler: Scheduler, tick_seconds: float) -> None:
    while True:
        try:
            scheduler.tick()
        except Exception:
            log.exception("the embedded schedule's tick failed; trying again next tick")
        finally:
            connections.close_all()
        if _stop.wait(tick_seconds):
            break
    try:
        scheduler.release()
    finally:
        connections.close_all()


# ---- the runtime -----------------------------------------------------------------------------


def start(*, threads: int | None = None, tick_seconds: float | None = None) -> None:
    """Start the pool and the scheduler thread in this process (idempotent)."""
    global _pool, _scheduler, _scheduler_thread
    from django.conf import settings

    if _pool is not None:
        return
    current_app.loader.import_default_modules()  # every app's tasks.py: the schedule names them
    threads = threads or settings.REGULARS_BACKGROUND_THREADS
    tick_seconds = tick_seconds or settings.REGULARS_SCHEDULER_TICK_SECONDS
    _stop.clear()
    _pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="regulars-background")
    _scheduler = Scheduler(settings.CELERY_BEAT_SCHEDULE)
    _scheduler_thread = threading.Thread(
        target=_loop, args=(_scheduler, tick_seconds), name="regulars-schedule", daemon=True
    )
    _scheduler_thread.start()
    log.info(
        "embedded worker started: %d background threads, schedule tick %.0f s, holder %s",
        threads,
        tick_seconds,
        _scheduler.holder,
    )


def stop(*, wait: bool = True) -> None:
    """Stop taking work; with `wait`, let running work finish (what is cut short resumes)."""
    global _pool, _scheduler, _scheduler_thread
    _stop.set()
    if _scheduler_thread is not None:
        _scheduler_thread.join(timeout=30)
    if _pool is not None:
        _pool.shutdown(wait=wait, cancel_futures=True)
    _pool = _scheduler = _scheduler_thread = None


def current_holder() -> str | None:
    """This process's name on the lease while its runtime runs."""
    return _scheduler.holder if _scheduler is not None else None


def scheduler_status() -> dict | None:
    """Who holds the schedule and when it last renewed (for /healthz), or None if nobody has."""
    lease = SchedulerLease.objects.filter(name=LEASE_NAME).first()
    if lease is None:
        return None
    return {"holder": lease.holder, "renewed_at": lease.renewed_at, "expires_at": lease.expires_at}
