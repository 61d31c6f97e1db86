"""The shop keeps its team: profiles, services, hours, photo; the calendar has a column each;
an order used in the shop records who served it."""

import datetime as dt

import pytest

from regulars.core.errors import DomainError
from regulars.merchants.services import HoursRange
from regulars.orders import services as orders
from regulars.orders.models import Order
from regulars.team import services as team
from regulars.team.models import TeamMember, WorkingHours
from tests.conftest import image_upload, make_merchant, make_store
from tests.team.conftest import at


def test_bad_profiles_are_refused_and_change_nothing(salon, crew):
    owner, store, haircut, _wash = salon
    jie, _mei, _dye = crew
    other = make_merchant("13900000099", name="别家")
    foreign = make_store(other, name="别家店")
    before = list(WorkingHours.objects.values_list("pk", flat=True))
    bad = [
        dict(name=""),
        dict(capacity=0),
        dict(capacity=51),
        dict(store_id=foreign.pk),
        dict(user_id=other.user.pk),
        dict(hours=[HoursRange(0, dt.time(12), dt.time(9))]),
        dict(
            hours=[HoursRange(0, dt.time(9), dt.time(12)), HoursRange(0, dt.time(11), dt.time(13))]
        ),
    ]
    for change in bad:
        data = dict(store_id=store.pk, name="阿杰改", item_ids=[haircut.pk], **{})
        data.update(change)
        with pytest.raises(DomainError):
            team.save_member(actor=owner, member_id=jie.pk, data=team.MemberInput(**data))
    jie.refresh_from_db()
    assert jie.name == "阿杰" and jie.capacity == 1
    assert list(WorkingHours.objects.values_list("pk", flat=True)) == before


def test_the_api_keeps_a_person_and_their_photo(client, salon, api_token):
    owner, store, haircut, _wash = salon
    headers = api_token(owner.user)
    made = client.post(
        "/api/v1/merchant/team-members",
        {
            "store_id": store.pk,
            "name": "Tony",
            "title": "首席发型师",
            "item_ids": [haircut.pk],
            "hours": [{"weekday": 5, "starts": "10:00", "ends": "20:00"}],
        },
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201, made.content
    member_id = made.json()["id"]
    assert made.json()["hours"] == [{"weekday": 5, "starts": "10:00", "ends": "20:00"}]
    photo = client.post(
        f"/api/v1/merchant/team-members/{member_id}/photo", {"image": image_upload()}, **headers
    )
    assert photo.status_code == 200 and photo.json()["photo_url"].endswith(".jpg")
    wrong = client.put(
        f"/api/v1/merchant/team-members/{member_id}",
        {"store_id": store.pk, "name": "Tony", "item_ids": [999999]},
        content_type="application/json",
        **headers,
    )
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "item_ids"
    assert TeamMember.objects.get(pk=member_id).items.count() == 1


def test_the_team_page_adds_a_person_with_hours(client, salon):
    owner, store, haircut, _wash = salon
    client.force_login(owner.user)
    answer = client.post(
        "/console/team/",
        {
            "store_id": store.pk,
            "name": "阿强",
            "title": "洗头师",
            "item_ids": [haircut.pk],
            "capacity": 1,
            "bookable": "on",
            "is_active": "on",
            "starts_2": "13:00",
            "ends_2": "21:00",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:3000]
    person = TeamMember.objects.get(name="阿强")
    assert [(h.weekday, h.starts, h.ends) for h in person.hours.all()] == [
        (2, dt.time(13), dt.time(21))
    ]
    half = client.post(
        "/console/team/",
        {"store_id": store.pk, "name": "半天", "capacity": 1, "starts_3": "13:00"},
    )
    assert half.status_code == 400 and not TeamMember.objects.filter(name="半天").exists()
    page = client.get("/console/team/").content.decode()
    assert "阿强" in page and "洗头师" in page


def test_the_calendar_has_a_column_per_person(client, salon, crew, tomorrow, consumer):
    owner, _store, haircut, _wash = salon
    jie, mei, _dye = crew
    orders.book(
        consumer=consumer, item_id=haircut.pk, starts_at=at(tomorrow, 11), served_by_id=mei.pk
    )
    client.force_login(owner.user)
    page = client.get(f"/console/reservations/?day={tomorrow:%Y-%m-%d}").content.decode()
    mei_lane = page.split(f'data-person="{mei.pk}"')[1].split("data-person=")[0]
    jie_lane = page.split(f'data-person="{jie.pk}"')[1].split("data-person=")[0]
    assert "11:00" in mei_lane and "11:00" not in jie_lane


def test_an_order_used_in_the_shop_records_who_served(salon, stylist, consumer):
    owner, store, haircut, _wash = salon
    order, _pay_url = orders.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="store"
    )
    with pytest.raises(DomainError):
        orders.confirm_consumption(
            actor=owner, code=order.code, collect_payment=True, served_by_id=999999
        )
    assert Order.objects.get(pk=order.pk).served_by is None
    orders.confirm_consumption(
        actor=owner, code=order.code, collect_payment=True, served_by_id=stylist.pk
    )
    assert Order.objects.get(pk=order.pk).served_by == stylist


def test_an_order_confirmed_by_a_linked_account_is_theirs(salon, consumer):
    owner, store, haircut, _wash = salon
    me = team.save_member(
        actor=owner,
        data=team.MemberInput(store_id=store.pk, name="老板", user_id=owner.user.pk),
    )
    order, _pay_url = orders.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="store"
    )
    orders.confirm_consumption(actor=owner, code=order.code, collect_payment=True)
    assert Order.objects.get(pk=order.pk).served_by == me
