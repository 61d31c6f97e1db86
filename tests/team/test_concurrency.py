"""Eight consumers booking the same stylist at the same moment: one gets her, and with "anyone"
two people give exactly two bookings (PostgreSQL: real concurrent transactions)."""

import pytest

from regulars.orders import services
from regulars.orders.models import Reservation
from tests.conftest import make_person

# The PostgreSQL-only guard (autouse) and the starting gate, shared with the orders races.
from tests.orders.test_concurrency import _postgres_only, race  # noqa: F401
from tests.team.conftest import at

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_eight_bookings_of_one_person_at_once_give_one(salon, crew, tomorrow):
    _owner, _store, haircut, _wash = salon
    jie, _mei, _dye = crew
    people = [make_person(f"1380000090{i}") for i in range(8)]
    wins, refusals = race(
        8,
        lambda i: services.book(
            consumer=people[i], item_id=haircut.pk, starts_at=at(tomorrow, 10), served_by_id=jie.pk
        ),
    )
    assert len(wins) == 1 and len(refusals) == 7
    assert {r.code for r in refusals} == {"slot_full"}
    assert Reservation.objects.filter(served_by=jie).count() == 1


def test_eight_bookings_of_anyone_give_one_per_person(salon, crew, tomorrow):
    _owner, _store, haircut, _wash = salon
    jie, mei, _dye = crew
    people = [make_person(f"1380000091{i}") for i in range(8)]
    wins, refusals = race(
        8,
        lambda i: services.book(consumer=people[i], item_id=haircut.pk, starts_at=at(tomorrow, 10)),
    )
    assert len(wins) == 2 and len(refusals) == 6
    assert sorted(r.served_by_id for r in Reservation.objects.all()) == sorted([jie.pk, mei.pk])
