"""Behind PgBouncer in transaction mode (REGULARS_PGBOUNCER=1, CI's pooled pass) the product
really talks to the pooler and prepares nothing a later transaction's server connection would
lack; talking to PostgreSQL itself, the hot spend statement is prepared once per connection."""

import pytest
from django.conf import settings
from django.db import connection, transaction

from regulars.discovery import selectors as discovery
from regulars.membership import services

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql(seeded_categories):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements and poolers are PostgreSQL's")


def test_the_pooler_sits_between_and_nothing_is_prepared_for_later(card, salon):
    if not settings.REGULARS_PGBOUNCER:
        pytest.skip("needs PostgreSQL behind PgBouncer (REGULARS_PGBOUNCER=1)")
    with connection.cursor() as cursor:
        cursor.execute("SELECT inet_server_port()")
        server_port = cursor.fetchone()[0]
    assert str(server_port) != str(connection.settings_dict["PORT"])  # PgBouncer answered
    assert connection.settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True
    services.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    store = salon[1]
    with transaction.atomic():  # one transaction: one server connection to look at
        for n in range(7):  # psycopg would prepare on its own after five executions
            services.spend_value(card_id=card.pk, amount="1", idempotency_key=f"spend-{n}")
            discovery.nearby_stores(discovery.NearbyQuery(lat=store.lat, lng=store.lng))
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            assert cursor.fetchone()[0] == 0
    card.refresh_from_db()
    assert card.balance == 93


def test_without_a_pooler_the_spend_is_prepared_once_per_connection(settings, card):
    """The counterpart: talking to PostgreSQL itself, the one-statement spend is parsed and
    planned once per connection and reused."""
    if settings.REGULARS_PGBOUNCER:
        pytest.skip("behind PgBouncer nothing is prepared")
    services.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    with transaction.atomic():
        for n in range(3):
            services.spend_value(card_id=card.pk, amount="1", idempotency_key=f"spend-{n}")
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE NOT from_sql")
            assert cursor.fetchone()[0] == 1
