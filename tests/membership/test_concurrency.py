import pytest
from django.db import connection

from regulars.membership import selectors, services
from regulars.membership.models import Card, ValueEntry
from tests.orders.test_concurrency import race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers)")
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)


def test_fifty_simultaneous_ten_yuan_spends_against_one_hundred_exactly_ten_succeed(card):
    services.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    wins, refusals = race(
        50,
        lambda i: services.spend_value(card_id=card.pk, amount="10", idempotency_key=f"spend-{i}"),
    )
    assert len(wins) == 10 and len(refusals) == 40
    assert {r.code for r in refusals} == {"insufficient_balance"}
    assert Card.objects.get(pk=card.pk).balance == 0
    assert selectors.ledger_mismatches([card.pk]) == []


def test_the_same_request_retried_concurrently_moves_value_once(card):
    services.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    wins, refusals = race(
        8,
        lambda i: services.spend_value(card_id=card.pk, amount="10", idempotency_key="one-payment"),
    )
    assert refusals == [] and len({entry.pk for entry in wins}) == 1
    assert ValueEntry.objects.filter(kind="spend").count() == 1
    assert Card.objects.get(pk=card.pk).balance == 90
