import datetime as dt

import pytest

from regulars.core.errors import DomainError, NotFound
from regulars.merchants import services as merchant_services
from regulars.merchants.models import Role
from regulars.merchants.permissions import StaffContext
from regulars.notifications.models import InboxMessage
from regulars.orders import selectors, services
from regulars.orders.models import ReservationSlot, ReservationStatus
from tests.conftest import make_person, make_store
from tests.orders.conftest import MONDAY_9AM, SUNDAY_NOON

pytestmark = pytest.mark.django_db


def test_slots_follow_the_opening_hours_and_the_service_duration(salon):
    _owner, _store, haircut, _wash = salon
    slots = selectors.available_slots(haircut, MONDAY_9AM.date(), now=SUNDAY_NOON)
    assert [f"{s.starts_at:%H:%M}" for s in slots] == [f"{h:02d}:00" for h in range(9, 21)]
    assert all(s.remaining == 2 for s in slots)
    # Past slots are not offered.
    later = selectors.available_slots(
        haircut, MONDAY_9AM.date(), now=MONDAY_9AM.replace(hour=15, minute=30)
    )
    assert f"{later[0].starts_at:%H:%M}" == "16:00"


def test_holiday_closures_leave_no_slots(salon):
    owner, store, haircut, _wash = salon
    merchant_services.add_closure(
        actor=owner, store_id=store.pk, start_date=MONDAY_9AM.date(), end_date=MONDAY_9AM.date()
    )
    assert selectors.available_slots(haircut, MONDAY_9AM.date(), now=SUNDAY_NOON) == []


def test_booking_takes_capacity_and_a_full_slot_is_refused(salon, consumer):
    _owner, _store, haircut, _wash = salon
    first = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    assert first.status == ReservationStatus.REQUESTED
    services.book(
        consumer=make_person("13800000062"),
        item_id=haircut.pk,
        starts_at=MONDAY_9AM,
        now=SUNDAY_NOON,
    )
    with pytest.raises(DomainError, match="full"):
        services.book(
            consumer=make_person("13800000063"),
            item_id=haircut.pk,
            starts_at=MONDAY_9AM,
            now=SUNDAY_NOON,
        )
    assert ReservationSlot.objects.get().booked == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"starts_at": MONDAY_9AM.replace(minute=30)}, "not one of the shop's slots"),
        ({"starts_at": MONDAY_9AM.replace(hour=21)}, "not one of the shop's slots"),
        ({"party_size": 3}, "at most 2 people"),
        ({"party_size": 0}, "between 1 and"),
        ({"now": MONDAY_9AM.replace(hour=10)}, "already started"),
    ],
)
def test_impossible_bookings_are_refused_and_take_nothing(salon, consumer, change, message):
    _owner, _store, haircut, _wash = salon
    kwargs = {
        "consumer": consumer,
        "item_id": haircut.pk,
        "starts_at": MONDAY_9AM,
        "now": SUNDAY_NOON,
        **change,
    }
    with pytest.raises(DomainError, match=message):
        services.book(**kwargs)
    assert not consumer.reservations.exists()
    assert sum(ReservationSlot.objects.values_list("booked", flat=True)) == 0


def test_public_services_take_no_reservations(salon, consumer):
    owner, _store, _haircut, _wash = salon
    bank = make_store(owner, name="工商银行", category="bank")
    item = merchant_services.create_item(
        actor=owner, store_id=bank.pk, data=merchant_services.ItemInput(name="开户", price="0")
    )
    item.bookable, item.duration_minutes = True, 30  # even if it were flagged somehow
    item.save()
    with pytest.raises(DomainError, match="public service"):
        services.book(consumer=consumer, item_id=item.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON)


def test_the_merchant_confirms_and_the_consumer_is_told(salon, consumer):
    owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    services.confirm_reservation(actor=owner, reservation_id=booking.pk)
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.CONFIRMED
    assert InboxMessage.objects.filter(user=consumer, title__contains="confirmed").exists()
    with pytest.raises(DomainError, match="already"):
        services.confirm_reservation(actor=owner, reservation_id=booking.pk)


def test_declining_needs_a_reason_and_frees_the_place(salon, consumer):
    owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, party_size=2, now=SUNDAY_NOON
    )
    with pytest.raises(DomainError, match="why"):
        services.decline_reservation(actor=owner, reservation_id=booking.pk, reason=" ")
    services.decline_reservation(actor=owner, reservation_id=booking.pk, reason="师傅请假")
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.DECLINED and booking.decline_reason == "师傅请假"
    assert ReservationSlot.objects.get().booked == 0


def test_cancellation_is_free_until_the_merchants_cutoff(salon, consumer):
    _owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    with pytest.raises(DomainError, match="2 hours before"):
        services.cancel_reservation(
            consumer=consumer, reservation_id=booking.pk, now=MONDAY_9AM - dt.timedelta(hours=1)
        )
    services.cancel_reservation(
        consumer=consumer, reservation_id=booking.pk, now=MONDAY_9AM - dt.timedelta(hours=3)
    )
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.CANCELLED
    assert ReservationSlot.objects.get().booked == 0


def test_someone_else_cannot_cancel_my_booking(salon, consumer):
    _owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    with pytest.raises(NotFound):
        services.cancel_reservation(
            consumer=make_person("13800000064"), reservation_id=booking.pk, now=SUNDAY_NOON
        )


def test_no_show_only_after_the_slot_started(salon, consumer):
    owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    services.confirm_reservation(actor=owner, reservation_id=booking.pk)
    with pytest.raises(DomainError):
        services.mark_no_show(actor=owner, reservation_id=booking.pk, now=SUNDAY_NOON)
    services.mark_no_show(
        actor=owner, reservation_id=booking.pk, now=MONDAY_9AM + dt.timedelta(minutes=20)
    )
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.NO_SHOW


def test_reminders_go_out_once_for_tomorrows_confirmed_bookings(salon, consumer):
    owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    assert services.send_due_reminders(now=SUNDAY_NOON) == 0  # not confirmed yet
    services.confirm_reservation(actor=owner, reservation_id=booking.pk)
    assert services.send_due_reminders(now=SUNDAY_NOON) == 1
    assert services.send_due_reminders(now=SUNDAY_NOON) == 0
    assert InboxMessage.objects.filter(user=consumer, title__startswith="Reminder").count() == 1


def test_other_merchants_cannot_touch_a_reservation(salon, consumer, owner_b):
    _owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    with pytest.raises(NotFound):
        services.confirm_reservation(actor=owner_b, reservation_id=booking.pk)
    booking.refresh_from_db()
    assert booking.status == ReservationStatus.REQUESTED


def test_cashiers_handle_bookings(salon, consumer):
    owner, _store, haircut, _wash = salon
    booking = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=MONDAY_9AM, now=SUNDAY_NOON
    )
    cashier = StaffContext(user=owner.user, merchant=owner.merchant, role=Role.CASHIER)
    services.confirm_reservation(actor=cashier, reservation_id=booking.pk)
