"""Health, metrics and structured logs: what an operator's monitoring reads."""

import json
import logging
import time

import pytest

from regulars.core import observability


@pytest.mark.django_db
def test_healthz_reports_each_dependency(client):
    answer = client.get("/healthz")
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "worker"}
    assert body["checks"]["database"] == "ok"


@pytest.mark.django_db
def test_healthz_fails_when_workers_stop_beating(client, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["worker"] == "no heartbeat yet"
    observability.beat()
    assert client.get("/healthz").status_code == 200
    from django.core.cache import cache

    cache.set(observability.HEARTBEAT_KEY, time.time() - 600)
    answer = client.get("/healthz")
    assert answer.status_code == 503 and "600 s ago" in answer.json()["checks"]["worker"]


@pytest.mark.django_db
def test_healthz_fails_when_redis_is_unreachable(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["redis"].startswith("error")


@pytest.mark.django_db
def test_healthz_fails_when_the_database_is_down(client, monkeypatch):
    from django.db import connection

    def broken(*args, **kwargs):
        raise connection.Database.OperationalError("server closed the connection")

    monkeypatch.setattr(connection, "cursor", broken)
    answer = client.get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["database"] == "error: OperationalError"


def _sample(text: str, name: str, **labels) -> float:
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith(f"{name}{{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name}{{{wanted}}} not exposed")


@pytest.mark.django_db
def test_metrics_count_requests_by_route_and_tasks(client, owner_a):
    def scrape():
        return client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()

    before = scrape()
    route = "/api/v1/discovery/categories"
    try:
        start = _sample(before, "regulars_http_requests_total", route=route, status="200")
    except AssertionError:
        start = 0
    for _ in range(3):
        assert client.get("/api/v1/discovery/categories").status_code == 200
    after = scrape()
    counted = _sample(after, "regulars_http_requests_total", route=route, status="200")
    assert counted == start + 3
    assert "regulars_http_request_duration_seconds_bucket" in after
    # A task run (eagerly here) is counted as well.
    from regulars.core.tasks import heartbeat

    heartbeat.delay()
    assert _sample(scrape(), "regulars_tasks_total", task="regulars.core.tasks.heartbeat") >= 1


@pytest.mark.django_db
def test_metrics_are_not_public(client, settings):
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    # Through a reverse proxy on the same machine the peer is loopback: still not public.
    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 404
    settings.REGULARS_METRICS_TOKEN = "s3cret"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    # Through a reverse proxy on the same machine the peer is loopback: still not public.
    proxied = client.get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert proxied.status_code == 404
    answer = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret")
    assert answer.status_code == 200


@pytest.mark.django_db
def test_each_request_logs_one_json_line_with_its_request_id(client, caplog):
    from pythonjsonlogger.json import JsonFormatter

    formatter = JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
        rename_fields={"levelname": "level", "name": "logger"},
    )
    with caplog.at_level(logging.INFO, logger="regulars.request"):
        answer = client.get("/livez", HTTP_X_REQUEST_ID="req-42")
    assert answer["X-Request-Id"] == "req-42"
    [record] = [r for r in caplog.records if r.name == "regulars.request"]
    line = json.loads(formatter.format(record))
    assert line["request_id"] == "req-42"
    assert line["status"] == 200 and line["route"] == "/livez" and line["method"] == "GET"
    assert line["level"] == "INFO" and line["duration_ms"] >= 0


@pytest.mark.django_db
def test_with_redis_down_pages_render_limits_hold_and_health_names_redis(client, settings):
    """Redis refuses connections: pages answer from the database, sign-in limits keep counting
    in memory, and /healthz says 503 naming Redis."""
    from tests.conftest import PASSWORD, make_person

    dead = "redis://127.0.0.1:1/0"
    settings.REDIS_URL = dead
    settings.CACHES = {
        "default": {"BACKEND": "regulars.core.cache.ResilientRedisCache", "LOCATION": dead}
    }
    make_person("13800004444")
    assert client.get("/").status_code == 200
    assert client.get("/", {"lat": "31.2317", "lng": "121.4846"}).status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    signed_in = client.post("/accounts/login/", {"username": "13800004444", "password": PASSWORD})
    assert signed_in.status_code == 302
    client.logout()
    for _ in range(5):
        client.post("/accounts/login/", {"username": "13800004444", "password": "wrong-guess"})
    locked = client.post("/accounts/login/", {"username": "13800004444", "password": PASSWORD})
    assert locked.status_code != 302  # the lockout still holds without Redis
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["checks"]["redis"].startswith("error")


@pytest.mark.django_db
def test_a_made_up_method_does_not_make_a_new_metrics_series(client):
    from regulars.core import observability

    client.generic("BREW", "/livez")
    client.generic("GET", "/livez", HTTP_X_REQUEST_ID="bad id\twith spaces")
    methods = {
        sample.labels["method"]
        for metric in observability.REQUESTS.collect()
        for sample in metric.samples
    }
    assert "BREW" not in methods and "OTHER" in methods
    answer = client.get("/livez", HTTP_X_REQUEST_ID="bad id with spaces")
    assert answer["X-Request-Id"] != "bad id with spaces" and len(answer["X-Request-Id"]) == 32


@pytest.mark.django_db
def test_healthz_tells_who_holds_the_embedded_schedule_and_fails_when_it_stopped(client):
    import datetime as dt

    from regulars.core import clock
    from regulars.core.models import SchedulerLease

    def worker():
        answer = client.get("/healthz")
        return answer.status_code, answer.json()["checks"]["worker"]

    status, detail = worker()
    assert status == 200 and "has not started" in detail  # management commands, tests
    now = clock.now()
    SchedulerLease.objects.create(
        name="beat",
        holder="shop-box:4242:ab12",
        renewed_at=now,
        expires_at=now + dt.timedelta(seconds=60),
    )
    status, detail = worker()
    assert status == 200 and "schedule held by shop-box:4242:ab12" in detail
    SchedulerLease.objects.filter(name="beat").update(
        renewed_at=now - dt.timedelta(minutes=5), expires_at=now - dt.timedelta(minutes=4)
    )
    status, detail = worker()
    assert status == 503 and "the schedule stopped" in detail and "300 s ago" in detail
