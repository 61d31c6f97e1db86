"""Messages to a customer, a segment or a search; birthday and holiday greetings."""

import datetime as dt

import pytest

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.customers import services as customer_services
from regulars.customers.models import Customer
from regulars.notifications.models import InboxMessage
from regulars.outreach import holidays
from regulars.outreach import selectors as outreach_selectors
from regulars.outreach import services as outreach_services
from regulars.outreach.models import Greeting, Outreach
from regulars.promotions.models import Coupon
from regulars.relationships import selectors as relationship_selectors
from tests.conftest import make_person
from tests.customers.test_directory import buy_and_use
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db


@pytest.fixture
def regulars(salon, django_capture_on_commit_callbacks):
    people = [make_person(f"1380000{700 + n:04d}", f"熟客{n}") for n in range(3)]
    for n, person in enumerate(people):
        buy_and_use(person, salon, f"o{n}")
    return people


def inbox(person) -> list[str]:
    """The shop's messages to this person (not the survey invitations their visits brought)."""
    return list(
        InboxMessage.objects.filter(user=person)
        .exclude(link__startswith="/me/surveys/")
        .values_list("title", flat=True)
    )


def test_a_segment_receives_a_message_and_it_is_on_each_timeline(
    salon, regulars, django_capture_on_commit_callbacks
):
    owner = salon[0]
    Customer.objects.filter(consumer=regulars[2]).update(spend=999)
    segment = customer_services.save_segment(actor=owner, name="高消费", rules={"min_spend": "500"})
    with django_capture_on_commit_callbacks(execute=True):
        sent = outreach_services.send_message(
            actor=owner, title="新品烫发八折", body="本周末", segment_id=segment.pk
        )
    assert (sent.recipients, sent.audience) == (1, "Segment: 高消费")
    assert inbox(regulars[2]) == ["新品烫发八折"] and inbox(regulars[0]) == []
    found = Customer.objects.get(consumer=regulars[2])
    assert any(
        "新品烫发八折" in e.what
        for e in relationship_selectors.timeline(found)
        if e.kind == "message"
    )


def test_bad_messages_are_refused(salon, regulars, owner_b):
    owner = salon[0]
    with pytest.raises(DomainError, match="title"):
        outreach_services.send_message(actor=owner, title=" ", body="", customer_ids=[1])
    with pytest.raises(DomainError, match="No customer"):
        outreach_services.send_message(
            actor=owner, title="x", body="", rules={"min_spend": "99999"}
        )
    theirs = Customer.objects.create(merchant=owner_b.merchant, name="别家客", source="manual")
    with pytest.raises(DomainError, match="No customer"):
        outreach_services.send_message(actor=owner, title="x", body="", customer_ids=[theirs.pk])
    with pytest.raises(DomainError, match="not passed"):
        outreach_services.send_message(
            actor=owner,
            title="x",
            body="",
            rules={},
            send_at=clock.now() - dt.timedelta(days=1),
        )
    assert not Outreach.objects.exists()


def test_a_birthday_greeting_goes_out_the_configured_days_before_with_a_coupon(
    salon, regulars, django_capture_on_commit_callbacks
):
    owner = salon[0]
    today = dt.date(2026, 11, 23)
    Customer.objects.filter(consumer=regulars[0]).update(birthday=dt.date(1990, 11, 26))
    Customer.objects.filter(consumer=regulars[1]).update(birthday=dt.date(1992, 11, 27))
    gift = make_campaign(
        owner, name="生日礼券", claim_mode="issued", kind="amount_off", amount="30"
    )
    outreach_services.save_greetings(
        actor=owner,
        birthday_days=3,
        birthday_title="生日快乐！",
        birthday_body="送您一张30元券",
        birthday_campaign_id=gift.pk,
        holidays=[],
        holiday_campaign_id=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outreach_services.send_greetings(today=today) == 1
        assert outreach_services.send_greetings(today=today) == 0  # once per birthday
    assert inbox(regulars[0]) == ["生日快乐！"] and inbox(regulars[1]) == []
    assert Coupon.objects.get(campaign=gift).consumer == regulars[0]
    with django_capture_on_commit_callbacks(execute=True):
        outreach_services.send_greetings(today=today + dt.timedelta(days=1))
    assert inbox(regulars[1]) == ["生日快乐！"]
    assert Greeting.objects.filter(occasion="birthday-2026").count() == 2


def test_holiday_greetings_follow_the_chinese_calendar(
    salon, regulars, django_capture_on_commit_callbacks
):
    owner = salon[0]
    assert holidays.BY_KEY["spring_festival"].date_in(2027) == dt.date(2027, 2, 6)
    assert holidays.BY_KEY["mid_autumn"].date_in(2026) == dt.date(2026, 9, 25)
    assert holidays.birthday_in(dt.date(2000, 2, 29), 2027) == dt.date(2027, 2, 28)
    outreach_services.save_greetings(
        actor=owner,
        birthday_days=0,
        birthday_title="",
        birthday_body="",
        birthday_campaign_id=None,
        holidays=["spring_festival", "national_day"],
        holiday_campaign_id=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outreach_services.send_greetings(today=dt.date(2027, 2, 5)) == 0
        assert outreach_services.send_greetings(today=dt.date(2027, 2, 6)) == 3
    assert inbox(regulars[1]) == ["Spring Festival · 鑫安美发"]


def test_bad_greeting_settings_change_nothing(salon):
    owner = salon[0]
    for kwargs, message in (
        ({"birthday_days": 1}, "2 to 7"),
        ({"birthday_days": 9}, "2 to 7"),
        ({"holidays": ["christmas"]}, "Unknown holiday"),
        ({"birthday_campaign_id": 999999}, "issued campaigns"),
    ):
        values = {
            "birthday_days": 3,
            "birthday_title": "",
            "birthday_body": "",
            "birthday_campaign_id": None,
            "holidays": [],
            "holiday_campaign_id": None,
            **kwargs,
        }
        with pytest.raises(DomainError, match=message):
            outreach_services.save_greetings(actor=owner, **values)
    assert outreach_selectors.greeting_settings_of(owner.merchant).birthday_days == 0


def test_pages_and_api(client, salon, regulars, api_token, django_capture_on_commit_callbacks):
    owner = salon[0]
    client.force_login(owner.user)
    page = client.get("/console/customers/message/", {"min_visits": "1"}).content.decode()
    assert "3 customers, 3 of them reachable" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/console/customers/message/?min_visits=1", {"title": "店庆", "body": "全场八折"}
        )
    assert response.status_code == 302
    assert all(inbox(person) == ["店庆"] for person in regulars)
    assert "店庆" in client.get("/console/customers/messages/").content.decode()
    greetings_page = client.get("/console/customers/greetings/").content.decode()
    assert (
        "Mid-Autumn Festival (next: 2027-09-15)" in greetings_page or "Mid-Autumn" in greetings_page
    )
    saved = client.put(
        "/api/v1/merchant/greetings",
        {"birthday_days": 5, "holidays": ["mid_autumn"]},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert saved.status_code == 200 and saved.json()["birthday_days"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            "/api/v1/merchant/messages",
            {"title": "新到货", "customer_ids": [Customer.objects.first().pk]},
            content_type="application/json",
            **api_token(owner.user),
        )
    assert sent.status_code == 201 and sent.json()["recipients"] == 1


def test_a_birthday_of_a_customer_known_only_by_phone_is_counted_as_not_reachable(
    salon, regulars, django_capture_on_commit_callbacks
):

    owner = salon[0]
    today = dt.date(2026, 11, 23)
    Customer.objects.filter(consumer=regulars[0]).update(birthday=dt.date(1990, 11, 26))
    Customer.objects.create(
        merchant=owner.merchant,
        phone="+8613800008899",
        name="只留了电话",
        birthday=dt.date(1985, 11, 26),
    )
    outreach_services.save_greetings(
        actor=owner,
        birthday_days=3,
        birthday_title="生日快乐！",
        birthday_body="",
        birthday_campaign_id=None,
        holidays=[],
        holiday_campaign_id=None,
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert outreach_services.send_greetings(today=today) == 1
    outreach = Outreach.objects.get(kind="birthday")
    assert (outreach.recipients, outreach.without_app) == (1, 1)
