"""Races decided by the database: real threads against PostgreSQL."""

import threading

import pytest
from django.db import close_old_connections, connection

from regulars.core.errors import DomainError
from regulars.orders import services
from regulars.orders.models import Order, OrderStatus, Reservation, ReservationSlot, SettlementEntry
from tests.conftest import make_person
from tests.orders.conftest import MONDAY_9AM, SUNDAY_NOON
from tests.orders.test_orders import pay_by_sandbox

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrency needs PostgreSQL (SQLite serialises writers)")
    # Transactional tests flush every table between tests, the seeded categories included.
    from regulars.merchants.categories import load_category_tree
    from regulars.merchants.models import Category

    load_category_tree(Category)


def race(count: int, work) -> tuple[list, list]:
    """Run `work(i)` in `count` threads released at the same instant."""
    barrier = threading.Barrier(count)
    wins, refusals, crashes = [], [], []
    lock = threading.Lock()

    def run(i):
        close_old_connections()
        try:
            barrier.wait()
            result = work(i)
            with lock:
                wins.append(result)
        except DomainError as refusal:
            with lock:
                refusals.append(refusal)
        except Exception as crash:  # anything else would be a 500 for a real user
            with lock:
                crashes.append(crash)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashes == [], crashes
    return wins, refusals


def test_twenty_bookings_race_for_a_five_person_slot_and_exactly_five_win(salon):
    owner, _store, haircut, _wash = salon
    haircut.slot_capacity = 5
    haircut.save()
    people = [make_person(f"1370000{i:04d}") for i in range(20)]
    wins, refusals = race(
        20,
        lambda i: services.book(
            consumer=people[i], item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
        ),
    )
    assert len(wins) == 5 and len(refusals) == 15
    assert all(r.code == "slot_full" for r in refusals)
    assert Reservation.objects.count() == 5
    assert ReservationSlot.objects.get().booked == 5


def test_two_cashiers_scan_the_same_code_and_exactly_one_succeeds(salon, consumer):
    owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    for _attempt in range(3):  # several rounds: a lucky interleaving must not pass by chance
        wins, refusals = race(
            2, lambda i: services.confirm_consumption(actor=owner, code=order.code)
        )
        assert len(wins) + len(refusals) == 2
        if _attempt == 0:
            assert len(wins) == 1 and len(refusals) == 1
            assert refusals[0].code == "already_used"
        else:
            assert wins == []
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CONSUMED
    assert SettlementEntry.objects.filter(order=order).count() == 1


def test_ten_concurrent_replays_of_a_payment_callback_pay_once(salon, consumer):
    _owner, store, haircut, _wash = salon
    order, _ = services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    results, refusals = race(10, lambda i: pay_by_sandbox(order, event_id="evt_same"))
    assert refusals == []
    assert sorted(results) == ["applied"] + ["duplicate"] * 9
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID
