"""Customer events: invitees from a segment, RSVP in the app, attendance and gifts."""

import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers import services as customer_services
from regulars.customers.models import Customer
from regulars.notifications.models import InboxMessage
from regulars.relationships import selectors as relationship_selectors
from regulars.relationships import services as relationship_services
from regulars.relationships.models import Invitation
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(salon):
    people = [make_person(f"1380000{660 + n:04d}", f"会员{n}") for n in range(3)]
    for n, person in enumerate(people):
        Customer.objects.create(
            merchant=salon[0].merchant,
            consumer=person,
            name=person.display_name,
            source="card",
            spend=Decimal(500 if n < 2 else 10),
        )
    return people


def test_an_event_invites_a_segment_who_answer_and_come(client, salon, members):
    owner = salon[0]
    segment = customer_services.save_segment(actor=owner, name="老会员", rules={"min_spend": "100"})
    event = relationship_services.create_event(
        actor=owner,
        theme="会员日：新品发型秀",
        starts_at=clock.now() + dt.timedelta(days=7),
        place="南京东路店",
        segment_id=segment.pk,
        gift="护发小样",
    )
    invitations = list(Invitation.objects.filter(event=event))
    assert len(invitations) == 2
    invited = InboxMessage.objects.get(user=members[0], title__startswith="You are invited")
    client.force_login(members[0])
    client.post(invited.link, {"coming": "yes"})
    mine = Invitation.objects.get(customer__consumer=members[0])
    assert mine.rsvp == "yes"
    client.force_login(members[2])  # not invited: the link is not theirs
    assert client.get(invited.link).status_code == 404
    with pytest.raises(DomainError, match="Only those who came"):
        relationship_services.record_attendance(
            actor=owner, invitation_id=mine.pk, attended=False, gift_given=True
        )
    relationship_services.record_attendance(
        actor=owner, invitation_id=mine.pk, attended=True, gift_given=True
    )
    timeline = relationship_selectors.timeline(mine.customer)
    assert any(e.kind == "event" and "会员日" in e.what for e in timeline)
    listed = relationship_selectors.events_of(owner.merchant)[0]
    assert (listed.invited, listed.coming, listed.came) == (2, 1, 1)


def test_bad_events(salon, members, owner_b):
    owner = salon[0]
    segment = customer_services.save_segment(actor=owner, name="全部", rules={})
    theirs = customer_services.save_segment(actor=owner_b, name="别家", rules={})
    soon = clock.now() + dt.timedelta(days=1)
    for kwargs, message in (
        ({"theme": ""}, "theme"),
        ({"place": ""}, "where"),
        ({"starts_at": clock.now() - dt.timedelta(hours=1)}, "not passed"),
        ({"segment_id": theirs.pk}, "your segments"),
    ):
        values = {"theme": "t", "place": "p", "starts_at": soon, "segment_id": segment.pk, **kwargs}
        with pytest.raises(DomainError, match=message):
            relationship_services.create_event(actor=owner, **values)
    with pytest.raises(NotFound):
        relationship_services.answer_invitation(
            consumer=members[0], invitation_id=999999, coming=True
        )


def test_the_event_pages(client, salon, members):
    owner = salon[0]
    segment = customer_services.save_segment(actor=owner, name="老会员", rules={"min_spend": "100"})
    client.force_login(owner.user)
    when = (clock.localnow() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        "/console/events/",
        {"theme": "品茶会", "starts_at": when, "place": "二楼", "segment": segment.pk},
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert page.count("data-invitation=") == 2


def test_the_events_api(client, salon, members, api_token):
    owner = salon[0]
    segment = customer_services.save_segment(actor=owner, name="老会员", rules={"min_spend": "100"})
    made = client.post(
        "/api/v1/merchant/events",
        {
            "theme": "烫染讲座",
            "starts_at": (clock.now() + dt.timedelta(days=2)).isoformat(),
            "place": "二楼",
            "segment_id": segment.pk,
        },
        content_type="application/json",
        **api_token(owner.user),
    )
    assert made.status_code == 201
    invitation = Invitation.objects.filter(event_id=made.json()["id"]).first()
    answered = client.post(
        f"/api/v1/me/invitations/{invitation.pk}",
        {"coming": False},
        content_type="application/json",
        **api_token(invitation.customer.consumer),
    )
    assert answered.json() == {"rsvp": "no"}
    came = client.put(
        f"/api/v1/merchant/invitations/{invitation.pk}/attendance",
        {"attended": True},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert came.json() == {"attended": True, "gift_given": False}
