"""Booking a chosen person or anyone: each person has their own slots and capacity."""

import datetime as dt

import pytest

from regulars.core.errors import DomainError
from regulars.orders import selectors, services
from regulars.orders.models import Reservation
from regulars.team import services as team
from tests.conftest import make_person
from tests.team.conftest import at


def _places(item, day, served_by=None):
    return {
        slot.starts_at.hour: slot.remaining
        for slot in selectors.available_slots(item, day, served_by=served_by)
    }


def test_a_booking_for_a_chosen_person_takes_only_their_slot(salon, crew, tomorrow, consumer):
    _owner, _store, haircut, _wash = salon
    jie, mei, _dye = crew
    assert _places(haircut, tomorrow)[10] == 2  # both work at ten
    booked = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=at(tomorrow, 10), served_by_id=jie.pk
    )
    assert booked.served_by == jie
    assert _places(haircut, tomorrow, jie.pk)[10] == 0
    assert _places(haircut, tomorrow, mei.pk)[10] == 1
    assert _places(haircut, tomorrow)[10] == 1
    other = make_person("13800000771", "顾客二")
    with pytest.raises(DomainError) as refused:
        services.book(
            consumer=other, item_id=haircut.pk, starts_at=at(tomorrow, 10), served_by_id=jie.pk
        )
    assert refused.value.code == "slot_full"
    # "Anyone" finds the one still free at ten, then there is no one.
    anyone = services.book(consumer=other, item_id=haircut.pk, starts_at=at(tomorrow, 10))
    assert anyone.served_by == mei
    third = make_person("13800000772", "顾客三")
    with pytest.raises(DomainError) as full:
        services.book(consumer=third, item_id=haircut.pk, starts_at=at(tomorrow, 10))
    assert full.value.code == "slot_full"
    assert Reservation.objects.count() == 2


def test_a_person_works_only_their_hours(salon, crew, tomorrow, consumer):
    _owner, _store, haircut, _wash = salon
    _jie, mei, _dye = crew
    assert _places(haircut, tomorrow, mei.pk)[14] == 0  # mornings only
    with pytest.raises(DomainError) as refused:
        services.book(
            consumer=consumer, item_id=haircut.pk, starts_at=at(tomorrow, 14), served_by_id=mei.pk
        )
    assert refused.value.code == "bad_time"
    saturday = tomorrow + dt.timedelta(days=(5 - tomorrow.weekday()) % 7)
    assert _places(haircut, saturday, mei.pk)[10] == 0  # and not at weekends
    assert not Reservation.objects.exists()


def test_one_person_cannot_be_in_two_services_at_once(salon, crew, tomorrow, consumer):
    _owner, _store, haircut, _wash = salon
    jie, _mei, dye = crew
    services.book(
        consumer=consumer, item_id=dye.pk, starts_at=at(tomorrow, 15), served_by_id=jie.pk
    )
    assert _places(haircut, tomorrow, jie.pk)[15] == 0
    with pytest.raises(DomainError):
        services.book(
            consumer=make_person("13800000773"),
            item_id=haircut.pk,
            starts_at=at(tomorrow, 15),
            served_by_id=jie.pk,
        )


def test_cancelling_gives_the_person_back(salon, crew, tomorrow, consumer):
    _owner, _store, haircut, _wash = salon
    jie, _mei, _dye = crew
    booked = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=at(tomorrow, 16), served_by_id=jie.pk
    )
    services.cancel_reservation(consumer=consumer, reservation_id=booked.pk)
    assert _places(haircut, tomorrow, jie.pk)[16] == 1
    again = services.book(
        consumer=consumer, item_id=haircut.pk, starts_at=at(tomorrow, 16), served_by_id=jie.pk
    )
    assert again.served_by == jie


def test_a_person_who_does_not_perform_the_service_is_refused(salon, crew, tomorrow, consumer):
    owner, store, haircut, wash = salon
    _jie, mei, dye = crew
    with pytest.raises(DomainError) as refused:
        services.book(
            consumer=consumer, item_id=dye.pk, starts_at=at(tomorrow, 10), served_by_id=mei.pk
        )
    assert refused.value.code == "unknown_choice" and not Reservation.objects.exists()
    # Someone not published for booking cannot be chosen either.
    team.save_member(
        actor=owner,
        member_id=mei.pk,
        data=team.MemberInput(
            store_id=store.pk, name="小美", item_ids=[haircut.pk], bookable=False
        ),
    )
    with pytest.raises(DomainError):
        services.book(
            consumer=consumer, item_id=haircut.pk, starts_at=at(tomorrow, 10), served_by_id=mei.pk
        )


def test_booking_pages_and_api_offer_the_people(client, salon, crew, tomorrow, consumer):
    _owner, store, haircut, _wash = salon
    jie, mei, _dye = crew
    staff = client.get(f"/api/v1/discovery/stores/{store.pk}/staff").json()
    assert [p["name"] for p in staff] == ["阿杰", "小美"]
    assert staff[1]["hours"][0] == {"weekday": 0, "starts": "09:00", "ends": "12:00"}
    assert haircut.pk in staff[1]["item_ids"]
    slots = client.get(
        f"/api/v1/booking/items/{haircut.pk}/slots",
        {"date": f"{tomorrow:%Y-%m-%d}", "served_by_id": mei.pk},
    ).json()
    assert {s["starts_at"][11:16]: s["remaining"] for s in slots}["14:00"] == 0
    client.force_login(consumer)
    page = client.get(f"/book/{haircut.pk}/?date={tomorrow:%Y-%m-%d}&with={mei.pk}")
    assert page.status_code == 200
    assert "小美" in page.content.decode() and 'aria-current="true"' in page.content.decode()
    made = client.post(
        "/api/v1/reservations",
        {"item_id": haircut.pk, "starts_at": at(tomorrow, 11).isoformat(), "served_by_id": mei.pk},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert made.json()["served_by_name"] == "小美"
    store_page = client.get(f"/stores/{store.pk}/").content.decode()
    assert "data-team" in store_page and f"with={jie.pk}" in store_page
