"""`regulars backup` and `regulars restore`: a round trip gives back exactly the ledgers, balances
and customers there were, on SQLite (online backup API) and PostgreSQL (pg_dump/pg_restore)."""

import pytest
from django.core.management import CommandError, call_command

from regulars.audit.models import AuditEvent
from regulars.customers.models import Customer
from regulars.membership import services as cards
from regulars.membership.models import Card, PointsEntry, Purchase, ValueEntry

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _categories(transactional_db):
    """Transactional tests flush the tables between tests, the seeded categories included."""
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)


def _fingerprint() -> dict:
    return {
        "value": list(
            ValueEntry.objects.order_by("id").values_list(
                "id", "card_id", "kind", "principal_delta", "bonus_delta", "idempotency_key"
            )
        ),
        "points": list(
            PointsEntry.objects.order_by("id").values_list(
                "id", "card_id", "kind", "delta", "idempotency_key"
            )
        ),
        "purchases": list(Purchase.objects.order_by("id").values_list("id", "amount", "card_id")),
        "balances": list(
            Card.objects.order_by("id").values_list("id", "number", "principal", "bonus", "points")
        ),
        "customers": list(
            Customer.objects.order_by("id").values_list("id", "name", "phone", "visits", "spend")
        ),
        "audit": AuditEvent.objects.count(),
    }


def test_a_backup_restores_exactly_what_there_was(card, salon, tmp_path):
    owner = salon[0]
    cards.till_top_up(actor=owner, card_id=card.pk, amount="500", idempotency_key="b-t1")
    cards.till_spend(
        actor=owner, card_id=card.pk, amount="123.45", password="258036", idempotency_key="b-s1"
    )
    cards.record_purchase(card_id=card.pk, amount="88", idempotency_key="b-p1", by=owner.user)
    before = _fingerprint()
    assert before["value"] and before["points"] and before["customers"]

    target = tmp_path / "regulars.backup"
    call_command("backup", str(target))
    assert target.stat().st_size > 0

    # Life goes on after the backup: more money moves, a customer is removed.
    cards.till_top_up(actor=owner, card_id=card.pk, amount="50", idempotency_key="b-t2")
    Customer.objects.filter(merchant=owner.merchant).delete()
    assert _fingerprint() != before

    call_command("restore", str(target), yes=True)
    assert _fingerprint() == before
    card.refresh_from_db()
    assert card.principal + card.bonus == sum(
        e.principal_delta + e.bonus_delta for e in ValueEntry.objects.filter(card=card)
    )
    # The restored database is usable: the next top-up lands on the restored balance.
    cards.till_top_up(actor=owner, card_id=card.pk, amount="10", idempotency_key="b-t3")


def test_restoring_something_that_is_not_a_backup_changes_nothing(card, tmp_path):
    before = _fingerprint()
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database")
    with pytest.raises(CommandError, match="not a"):
        call_command("restore", str(junk), yes=True)
    with pytest.raises(CommandError, match="No backup file"):
        call_command("restore", str(tmp_path / "missing"), yes=True)
    assert _fingerprint() == before
