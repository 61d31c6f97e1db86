"""Read replicas: which reads may be served by a PostgreSQL standby, and which must not.

`REGULARS_REPLICA_URLS` adds the aliases `replica1`, `replica2`… (settings.py). Only views that
say so read from them (`reads_from_replica`: discovery, anonymous store pages, reports and
analytics), and even then a read goes to the primary when
- it runs inside a transaction (what a transaction reads must be what it writes against);
- the visitor wrote something in the last REGULARS_READ_YOUR_WRITES_SECONDS (a cookie, and for
  signed-in people a cache key, set by `ReadYourWrites` after every unsafe request), so nobody
  misses their own change on the next page;
- it reads sessions (a session is written on sign-in and read on the very next request);
- no replica is healthy: each one's replay lag is asked at most every
  REGULARS_REPLICA_CHECK_SECONDS, and one that lags more than REGULARS_REPLICA_MAX_LAG_SECONDS
  or does not answer is skipped until the next check.
Writes always go to the primary. Celery tasks and every other view never see a replica.
"""

import contextlib
import contextvars
import functools
import itertools
import logging
import time

from django.conf import settings
from django.db import DatabaseError, connections

from regulars.core import clock

log = logging.getLogger("regulars.replicas")

PIN_COOKIE = "regulars_primary"
_replica_reads: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "regulars_replica_reads", default=False
)
_health: dict[str, tuple[float, bool]] = {}  # alias → (checked at, monotonic; usable)
_turn = itertools.count()

# Zero while the standby has replayed all it received (an idle primary sends nothing, so the
# last replayed transaction's age would overstate the lag) and on a server not in recovery;
# NULL while a standby that has replayed nothing yet catches up (not usable: lag unknown).
_LAG_SQL = """
SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0
            WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()) END
"""


def replica_aliases() -> list[str]:
    return [alias for alias in connections.settings if alias.startswith("replica")]


class ReplicaRouter:
    """Django's database router: reads inside `reads_from_replica` to a healthy replica, every
    other read and every write to the primary."""

    def db_for_read(self, model, **hints):
        if model._meta.app_label == "sessions":
            return "default"
        return replica_for_read() or "default"

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"  # a replica receives the primary's schema by replication


def reading_connection(model):
    """The connection a hand-written read of `model`'s table uses: the one the router picks for
    the ORM, so statements written in SQL follow the same rules."""
    from django.db import router

    return connections[router.db_for_read(model)]


def replica_for_read() -> str | None:
    """The replica this read may use now, or None for the primary."""
    if not _replica_reads.get() or not settings.REGULARS_REPLICA_READS:
        return None
    aliases = replica_aliases()
    if not aliases or connections["default"].in_atomic_block:
        return None
    start = next(_turn)
    for offset in range(len(aliases)):
        alias = aliases[(start + offset) % len(aliases)]
        if _usable(alias):
            return alias
    return None


def _usable(alias: str) -> bool:
    checked_at, usable = _health.get(alias, (float("-inf"), False))
    if time.monotonic() - checked_at < settings.REGULARS_REPLICA_CHECK_SECONDS:
        return usable
    usable = False
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(_LAG_SQL)
            lag = cursor.fetchone()[0]
        usable = lag is not None and float(lag) <= settings.REGULARS_REPLICA_MAX_LAG_SECONDS
        if not usable:
            log.warning("replica %s lags %s s: reads go to the primary", alias, lag)
    except DatabaseError as error:
        log.warning("replica %s unreachable (%s): reads go to the primary", alias, error)
        connections[alias].close()
    _health[alias] = (time.monotonic(), usable)
    return usable


def forget_health() -> None:
    """Ask every replica again on the next read (tests, and after a failover)."""
    _health.clear()


@contextlib.contextmanager
def replica_reads(request, *, anonymous_only: bool = False):
    """Within this block, this request's reads may be served by a replica (GET and HEAD only;
    not for a visitor who just wrote; with `anonymous_only`, not for a signed-in one). Permission
    checks belong before it: they read what was just granted or taken away."""
    if (
        request.method not in ("GET", "HEAD")
        or (anonymous_only and request.user.is_authenticated)
        or wrote_recently(request)
    ):
        yield
        return
    token = _replica_reads.set(True)
    try:
        yield
    finally:
        _replica_reads.reset(token)


def reads_from_replica(view=None, *, anonymous_only: bool = False):
    """A view whose reads run inside `replica_reads` (rendering included)."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            with replica_reads(request, anonymous_only=anonymous_only):
                return view(request, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def wrote_recently(request) -> bool:
    """Whether this visitor changed something within the read-your-writes window."""
    try:
        if float(request.COOKIES.get(PIN_COOKIE, "0")) > clock.real_now().timestamp():
            return True
    except ValueError:
        pass
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        from django.core.cache import cache

        return cache.get(_pin_key(user.pk)) is not None
    return False


def _pin_key(user_id: int) -> str:
    return f"replicas:primary-pin:{user_id}"


class ReadYourWrites:
    """After an unsafe request (a write, or an attempt), keep the visitor's reads on the
    primary for a while: a cookie for browsers, a cache key for signed-in people on any client
    (API tokens carry no cookie)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method in ("GET", "HEAD", "OPTIONS") or not replica_aliases():
            return response
        seconds = settings.REGULARS_READ_YOUR_WRITES_SECONDS
        response.set_cookie(
            PIN_COOKIE,
            f"{clock.real_now().timestamp() + seconds:.0f}",
            max_age=seconds,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            from django.core.cache import cache

            cache.set(_pin_key(user.pk), 1, seconds)
        return response
