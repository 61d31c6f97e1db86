"""Faults in the middle of moving value: a database error after the first ledger row is written
leaves no partial rows, no changed balance and no audit line. (A worker killed mid-fan-out is
tests/notifications/test_worker.py; a payment callback replayed ten times,
tests/orders/test_api.py and test_concurrency.py.)"""

import pytest
from django.db import DatabaseError, connection
from django.db.models.signals import post_save

from regulars.audit.models import AuditEvent
from regulars.membership import services as cards
from regulars.membership.models import Card, PointsEntry, Purchase, ValueEntry


class _FailAfterWrite:
    """Raises a database error right after a row of `model` is written, like a connection lost
    between two statements of one transaction."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        post_save.connect(self._fail, sender=self.model, weak=False)
        return self

    def __exit__(self, *exc):
        post_save.disconnect(self._fail, sender=self.model)

    def _fail(self, **kwargs):
        raise DatabaseError("server closed the connection unexpectedly")


class _FailCardUpdate:
    """The database itself fails the card's balance update — after the ledger row of the same
    spend was written (on PostgreSQL, inside the one statement that does both)."""

    SQLITE = (
        "CREATE TRIGGER fault_card_update BEFORE UPDATE ON membership_card "
        "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
        "DROP TRIGGER fault_card_update",
    )
    POSTGRES = (
        "CREATE FUNCTION fault_card_update() RETURNS trigger AS $$ BEGIN "
        "RAISE EXCEPTION 'could not write block'; END $$ LANGUAGE plpgsql; "
        "CREATE TRIGGER fault_card_update BEFORE UPDATE ON membership_card "
        "FOR EACH ROW EXECUTE FUNCTION fault_card_update()",
        "DROP TRIGGER fault_card_update ON membership_card; DROP FUNCTION fault_card_update()",
    )

    def __enter__(self):
        create, self.drop = self.POSTGRES if connection.vendor == "postgresql" else self.SQLITE
        with connection.cursor() as cursor:
            cursor.execute(create)

    def __exit__(self, *exc):
        with connection.cursor() as cursor:
            cursor.execute(self.drop)


def _state(card):
    card = Card.objects.get(pk=card.pk)
    return (
        card.principal,
        card.bonus,
        card.points,
        ValueEntry.objects.filter(card=card).count(),
        PointsEntry.objects.filter(card=card).count(),
        Purchase.objects.filter(card=card).count(),
        AuditEvent.objects.count(),
    )


def test_a_database_error_in_the_middle_of_a_spend_leaves_nothing_behind(card, salon):
    owner = salon[0]
    cards.till_top_up(actor=owner, card_id=card.pk, amount="300", idempotency_key="f-top")
    before = _state(card)
    with _FailCardUpdate(), pytest.raises(DatabaseError):
        cards.till_spend(
            actor=owner, card_id=card.pk, amount="120", password="258036", idempotency_key="f-1"
        )
    assert _state(card) == before
    assert not ValueEntry.objects.filter(idempotency_key__endswith="f-1").exists()
    if connection.vendor != "postgresql":
        # On SQLite the spend is several ORM statements: fail right after the ledger row too.
        # (On PostgreSQL it is one statement with its audit line: there is no "after the row".)
        with _FailAfterWrite(ValueEntry), pytest.raises(DatabaseError):
            cards.till_spend(
                actor=owner,
                card_id=card.pk,
                amount="120",
                password="258036",
                idempotency_key="f-1",
            )
        assert _state(card) == before
    # The retry with the same key goes through once the database is back.
    cards.till_spend(
        actor=owner, card_id=card.pk, amount="120", password="258036", idempotency_key="f-1"
    )
    assert Card.objects.get(pk=card.pk).principal + Card.objects.get(pk=card.pk).bonus == 180


def test_a_database_error_while_awarding_points_undoes_the_purchase(card, salon):
    before = _state(card)
    with _FailAfterWrite(PointsEntry), pytest.raises(DatabaseError):
        cards.record_purchase(card_id=card.pk, amount="88", idempotency_key="f-p", by=salon[0].user)
    assert _state(card) == before
    cards.record_purchase(card_id=card.pk, amount="88", idempotency_key="f-p", by=salon[0].user)
    after = _state(card)
    assert after[5] == before[5] + 1 and after[2] > before[2]
