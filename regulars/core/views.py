"""Operations endpoints: liveness, health and metrics. No templates, no sessions."""

import ipaddress
import os
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from . import clock, embedded, observability

HEARTBEAT_STALE_SECONDS = 180  # the heartbeat task runs every minute


def livez(request):
    """The process answers: nothing else is touched (the load benchmark's hello-world)."""
    return HttpResponse("ok", content_type="text/plain")


def _database() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True, "ok"
    except Exception as error:  # noqa: BLE001 - any failure is what the check reports
        return False, f"error: {type(error).__name__}"


def _redis() -> tuple[bool, str]:
    if not settings.REDIS_URL:
        return True, "not used (embedded mode)"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1).ping()
        return True, "ok"
    except redis.RedisError as error:
        return False, f"error: {type(error).__name__}"


def _worker() -> tuple[bool, str]:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return _embedded_schedule()
    last = observability.last_heartbeat()
    if last is None:
        return False, "no heartbeat yet"
    age = int(time.time() - last)  # wall time, as the worker wrote it
    if age > HEARTBEAT_STALE_SECONDS:
        return False, f"last heartbeat {age} s ago"
    return True, f"ok ({age} s ago)"


def _embedded_schedule() -> tuple[bool, str]:
    """The embedded mode's worker is the web processes themselves; what can stop is the schedule
    (its holder renews its lease every tick)."""
    try:
        status = embedded.scheduler_status()
    except Exception as error:  # noqa: BLE001 - the database check says why
        return False, f"unknown: {type(error).__name__}"
    if status is None:
        return True, "in-process (embedded mode); the schedule has not started"
    age = int((clock.now() - status["renewed_at"]).total_seconds())
    if status["expires_at"] < clock.now():
        return False, f"the schedule stopped: last renewed {age} s ago by {status['holder']}"
    return True, f"in-process (embedded mode); schedule held by {status['holder']}, {age} s ago"


@never_cache
def healthz(request):
    """Database, Redis and a worker heartbeat: 200 when all answer, 503 and which one when not."""
    checks = {"database": _database(), "redis": _redis(), "worker": _worker()}
    healthy = all(ok for ok, _detail in checks.values())
    return JsonResponse(
        {
            "status": "ok" if healthy else "failing",
            "checks": {name: detail for name, (_ok, detail) in checks.items()},
        },
        status=200 if healthy else 503,
    )


def _may_read_metrics(request) -> bool:
    token = settings.REGULARS_METRICS_TOKEN
    if token:
        return request.headers.get("Authorization", "") == f"Bearer {token}"
    if "HTTP_X_FORWARDED_FOR" in request.META or "HTTP_X_FORWARDED_PROTO" in request.META:
        return False  # came through the reverse proxy: loopback is the proxy, not a local scraper
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
def metrics(request):
    """Prometheus exposition: from loopback, or anywhere with `REGULARS_METRICS_TOKEN`."""
    from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest

    if not _may_read_metrics(request):
        raise Http404
    registry = REGISTRY
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


FAVICON = Path(__file__).resolve().parent.parent / "static" / "favicon.ico"


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: answer it (it was a 15 KB 404)."""
    response = FileResponse(FAVICON.open("rb"), content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response
