"""Read replicas: which reads reach a standby, proven from the servers' own statistics.

The routing rules are checked everywhere; the statistics need a real streaming replica, which
CI starts for its PostgreSQL pass (`.ci/replica`, REGULARS_REPLICA_URLS). Without one those
tests are skipped and say why.
"""

import time

import pytest
from django.db import connection, connections, transaction
from django.test import Client

from regulars.core import replicas
from regulars.merchants.models import Store

HAS_REPLICA = "replica1" in connections.settings and connection.vendor == "postgresql"
needs_replica = pytest.mark.skipif(
    not HAS_REPLICA, reason="needs PostgreSQL with a streaming replica (REGULARS_REPLICA_URLS)"
)


@pytest.fixture
def replica_reads_on(settings):
    settings.REGULARS_REPLICA_READS = True
    settings.REGULARS_REPLICA_CHECK_SECONDS = 0  # ask the replica's health at every read
    replicas.forget_health()
    yield settings
    replicas.forget_health()


def test_reads_stay_on_the_primary_outside_replica_views_and_writes_always_do(replica_reads_on):
    router = replicas.ReplicaRouter()
    assert router.db_for_read(Store) == "default"  # no view asked for a replica
    assert router.db_for_write(Store) == "default"
    assert router.allow_migrate("default", "merchants") is True
    assert router.allow_migrate("replica1", "merchants") is False


@pytest.mark.django_db
def test_a_visitor_who_just_wrote_is_pinned_to_the_primary(settings, client, salon, monkeypatch):
    if not HAS_REPLICA:  # without replicas nobody is pinned: there is nothing to pin away from
        monkeypatch.setattr(replicas, "replica_aliases", lambda: [])
        answer = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
        assert replicas.PIN_COOKIE not in answer.cookies
        monkeypatch.setattr(replicas, "replica_aliases", lambda: ["replica1"])
    answer = client.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
    pin = answer.cookies[replicas.PIN_COOKIE]
    assert int(pin["max-age"]) == settings.REGULARS_READ_YOUR_WRITES_SECONDS and pin["httponly"]
    assert replicas.wrote_recently(_request_with(Client(), pin.value))
    assert not replicas.wrote_recently(_request_with(Client(), ""))
    assert not replicas.wrote_recently(_request_with(Client(), "1000"))  # long expired
    assert not replicas.wrote_recently(_request_with(Client(), "garbage"))
    # Signed in, the pin follows the person to any client (an API token carries no cookie).
    owner = salon[0].user
    member = Client()
    member.force_login(owner)
    member.post("/")
    request = _request_with(Client(), "")
    request.user = owner
    assert replicas.wrote_recently(request)


def _request_with(client, pin: str):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    if pin:
        request.COOKIES[replicas.PIN_COOKIE] = pin
    request.user = AnonymousUser()
    return request


# ---- with a real streaming replica ----------------------------------------------------------


def _caught_up() -> None:
    """Wait until the replica has replayed everything the primary has written so far."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()")
        target = cursor.fetchone()[0]
    deadline = time.monotonic() + 10
    with connections["replica1"].cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            if cursor.fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the replica did not catch up within 10 s")


def _scans(alias: str, table: str) -> int:
    """Sequential plus index scans of `table` that server has counted (its own statistics)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT coalesce(seq_scan, 0) + coalesce(idx_scan, 0) FROM pg_stat_user_tables "
            "WHERE relname = %s",
            [table],
        )
        row = cursor.fetchone()
    return row[0] if row else 0


def _counted(request_pages) -> dict[str, int]:
    """How many scans of the store table each server counted while `request_pages` ran. Every
    connection is closed first and after: a server flushes a backend's statistics when it ends."""
    connections.close_all()
    before = {alias: _scans(alias, "merchants_store") for alias in ("default", "replica1")}
    connections.close_all()
    request_pages()
    connections.close_all()
    time.sleep(0.2)
    after = {alias: _scans(alias, "merchants_store") for alias in ("default", "replica1")}
    connections.close_all()
    return {alias: after[alias] - before[alias] for alias in after}


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_anonymous_store_pages_and_discovery_are_served_by_the_replica(
    replica_reads_on, seeded_categories, salon
):
    store = salon[1]
    _caught_up()
    visitor = Client()

    def browse():
        assert visitor.get(f"/stores/{store.pk}/").status_code == 200
        assert visitor.get("/", {"lat": store.lat, "lng": store.lng}).status_code == 200
        found = visitor.get(f"/api/v1/discovery/stores/{store.pk}")
        assert found.status_code == 200 and found.json()["name"] == store.name

    scans = _counted(browse)
    assert scans["replica1"] >= 3, scans
    assert scans["default"] == 0, scans


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_signed_in_pages_writes_and_transactions_stay_on_the_primary(
    replica_reads_on, seeded_categories, salon
):
    owner, store = salon[0], salon[1]
    _caught_up()
    member = Client()
    member.force_login(owner.user)

    def signed_in():  # a signed-in visitor's store page carries their own card and follows
        assert member.get(f"/stores/{store.pk}/").status_code == 200

    scans = _counted(signed_in)
    assert scans["default"] >= 1 and scans["replica1"] == 0, scans

    visitor = Client()

    def right_after_a_write():
        visitor.post("/accounts/login/", {"username": "nobody", "password": "wrong"})
        assert visitor.get(f"/stores/{store.pk}/").status_code == 200

    scans = _counted(right_after_a_write)
    assert scans["default"] >= 1 and scans["replica1"] == 0, scans

    with replicas.replica_reads(_request_with(Client(), "")):
        assert replicas.replica_for_read() == "replica1"
        with transaction.atomic():
            assert replicas.replica_for_read() is None
            assert Store.objects.get(pk=store.pk).name == store.name


@needs_replica
@pytest.mark.django_db(transaction=True, databases=["default", "replica1"])
def test_a_lagging_or_unreachable_replica_is_skipped(replica_reads_on, seeded_categories, salon):
    store = salon[1]
    _caught_up()
    visitor = Client()

    def browse():
        assert visitor.get(f"/stores/{store.pk}/").status_code == 200

    replica_reads_on.REGULARS_REPLICA_MAX_LAG_SECONDS = -1  # any lag at all is too much
    scans = _counted(browse)
    assert scans["default"] >= 1 and scans["replica1"] == 0, scans

    replica_reads_on.REGULARS_REPLICA_MAX_LAG_SECONDS = 5
    replicas.forget_health()
    port = connections["replica1"].settings_dict["PORT"]
    connections["replica1"].settings_dict["PORT"] = "1"  # nothing listens there
    try:
        connections.close_all()
        before = _scans("default", "merchants_store")
        connections["replica1"].close()
        browse()
        connections.close_all()
        time.sleep(0.2)
        assert _scans("default", "merchants_store") > before
    finally:
        connections["replica1"].close()
        connections["replica1"].settings_dict["PORT"] = port
        replicas.forget_health()
