"""What operators watch: one structured log line per request, Prometheus metrics for requests,
tasks and business events, and a worker heartbeat for the health check.

Metrics are per process; under gunicorn or several Celery workers set `PROMETHEUS_MULTIPROC_DIR`
to an empty directory shared by the processes of one machine and `/metrics` adds them up
(README, "Security and reliability").
"""

import contextvars
import logging
import re
import time
import uuid

from django.core.cache import cache
from prometheus_client import Counter, Histogram

log = logging.getLogger("regulars.request")

REQUESTS = Counter(
    "regulars_http_requests_total",
    "HTTP requests answered, by method, route pattern and status code.",
    ["method", "route", "status"],
)
REQUEST_SECONDS = Histogram(
    "regulars_http_request_duration_seconds",
    "Time to answer a request, by route pattern.",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter(
    "regulars_tasks_total", "Background tasks finished, by task and outcome.", ["task", "outcome"]
)
TASK_SECONDS = Histogram("regulars_task_duration_seconds", "Time a task ran, by task.", ["task"])
BUSINESS_EVENTS = Counter(
    "regulars_business_events_total",
    "Value-moving and permission events (the audit log's actions), by action.",
    ["action"],
)

# The request being answered, for log lines and the audit log written deeper down.
current_request = contextvars.ContextVar("current_request", default=None)
current_request_id = contextvars.ContextVar("current_request_id", default="")

HEARTBEAT_KEY = "regulars:worker-heartbeat"

# A caller chooses the method it sends; as a label it would let anyone create series without end.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def method_label(method: str | None) -> str:
    return method if method in KNOWN_METHODS else "OTHER"


def request_id_of(request) -> str:
    """The caller's X-Request-Id when it looks like one (it is echoed and logged), else a new one."""
    given = request.headers.get("X-Request-Id", "")
    return given if REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


def route_of(request) -> str:
    """The URL pattern, not the path: `/api/v1/merchant/customers/{customer_id}` is one series."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "unmatched"
    return "/" + (match.route or match.view_name or "")


class RequestObservation:
    """Middleware: a request id, a JSON log line and the request metrics for every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_of(request)
        request.request_id = request_id
        request_token = current_request.set(request)
        id_token = current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(request_token)
            current_request_id.reset(id_token)
        elapsed = time.perf_counter() - started
        route = route_of(request)
        REQUESTS.labels(method_label(request.method), route, str(response.status_code)).inc()
        REQUEST_SECONDS.labels(route).observe(elapsed)
        response["X-Request-Id"] = request_id
        user = getattr(request, "user", None)
        log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 1),
                "user_id": user.pk if user is not None and user.is_authenticated else None,
            },
        )
        return response


class RequestIdFilter(logging.Filter):
    """Every log line written while answering a request carries that request's id."""

    def filter(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id.get()
        return True


def beat() -> None:
    """A worker says it is alive (every minute, from the beat schedule and at start-up).

    Liveness is elapsed wall time between processes, not a business date: the machine's clock,
    not `core.clock`, which a test may have pinned to another day."""
    cache.set(HEARTBEAT_KEY, time.time(), timeout=24 * 3600)


def last_heartbeat() -> float | None:
    return cache.get(HEARTBEAT_KEY)


def connect_task_signals() -> None:
    from celery.signals import task_postrun, task_prerun, worker_ready

    started: dict[str, float] = {}

    @task_prerun.connect(weak=False)
    def _task_started(task_id=None, task=None, **_kwargs):
        started[task_id] = time.perf_counter()

    @task_postrun.connect(weak=False)
    def _task_finished(task_id=None, task=None, state=None, **_kwargs):
        name = getattr(task, "name", "unknown")
        TASKS.labels(name, (state or "unknown").lower()).inc()
        began = started.pop(task_id, None)
        if began is not None:
            TASK_SECONDS.labels(name).observe(time.perf_counter() - began)

    @worker_ready.connect(weak=False)
    def _worker_ready(**_kwargs):
        beat()
