"""Complaints: stages with business-hour limits, first-contact ownership, escalation on
breach, closing with an answer, and the follow-up call's satisfaction."""

import datetime as dt

import pytest
from django.utils import timezone

from regulars.core import clock
from regulars.core.errors import DomainError, PermissionDenied
from regulars.merchants.permissions import StaffContext
from regulars.notifications.models import InboxMessage
from regulars.relationships import selectors as relationship_selectors
from regulars.relationships import services as relationship_services
from regulars.relationships.models import Task
from regulars.servicedesk import services as desk_services
from regulars.servicedesk.models import Ticket, TicketEvent
from tests.customers.test_directory import buy_and_use
from tests.relationships.test_account_managers import hire

pytestmark = pytest.mark.django_db


def local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


def test_business_hours_arithmetic():
    opens, closes = dt.time(9), dt.time(21)
    add = desk_services.add_business_hours
    assert add(local(2026, 11, 23, 10, 0), 2, opens, closes) == local(2026, 11, 23, 12, 0)
    # 20:00 + 4 h: one hour today, three tomorrow from nine.
    assert add(local(2026, 11, 23, 20, 0), 4, opens, closes) == local(2026, 11, 24, 12, 0)
    # Before opening: the clock starts at nine.
    assert add(local(2026, 11, 23, 6, 30), 1, opens, closes) == local(2026, 11, 23, 10, 0)
    # 24 business hours are two desk days.
    assert add(local(2026, 11, 23, 9, 0), 24, opens, closes) == local(2026, 11, 24, 21, 0)


@pytest.fixture(autouse=True)
def _on_a_monday_morning():
    """These complaints are dated Monday 2026-11-23 10:00: the desk works on that day."""
    clock.pin(local(2026, 11, 23, 10, 0))


@pytest.fixture
def complaint(salon, consumer):
    order = buy_and_use(consumer, salon, "c1")
    return desk_services.open_ticket(
        merchant=salon[0].merchant,
        consumer=consumer,
        channel="order",
        category="service",
        subject="剪短了",
        description="说好修一点，结果剪得太短",
        order_id=order.pk,
        now=local(2026, 11, 23, 10, 0),
    )


def test_a_complaint_passes_its_stages_escalates_closes_and_is_followed_up(
    salon, consumer, complaint
):
    owner = salon[0]
    agent = hire(owner, "13900000821", "前台小李", role="cashier")
    stylist = hire(owner, "13900000822", "店长老周", role="manager")
    assert complaint.stage == "receive" and complaint.owner is None
    assert complaint.stage_due_at == local(2026, 11, 23, 11, 0)  # one business hour
    assert complaint.customer.consumer == consumer
    assert InboxMessage.objects.filter(user=owner.user, title__contains="剪短了").exists()
    with pytest.raises(DomainError, match="Take the complaint first"):
        desk_services.advance_ticket(actor=agent, ticket_id=complaint.pk)
    desk_services.take_ticket(actor=agent, ticket_id=complaint.pk)
    with pytest.raises(DomainError, match="already owns"):
        desk_services.take_ticket(actor=stylist, ticket_id=complaint.pk)
    at = local(2026, 11, 23, 10, 30)
    for note in ("已收到", "核实：确实剪短了"):
        desk_services.advance_ticket(actor=agent, ticket_id=complaint.pk, note=note, now=at)
    # Register → transferred to the store manager, who handles it.
    desk_services.advance_ticket(actor=agent, ticket_id=complaint.pk, now=at)
    desk_services.advance_ticket(
        actor=agent, ticket_id=complaint.pk, handler_id=stylist.user.pk, now=at
    )
    complaint.refresh_from_db()
    assert (complaint.stage, complaint.handler, complaint.owner) == (
        "coordinate",
        stylist.user,
        agent.user,
    )
    # Nobody moves for a day: the deadline passes and it escalates, twice.
    late = complaint.stage_due_at + dt.timedelta(minutes=1)
    assert desk_services.escalate_overdue_tickets(now=late) == 1
    assert desk_services.escalate_overdue_tickets(now=late) == 0  # not again until the new limit
    complaint.refresh_from_db()
    assert (complaint.escalation, complaint.escalation_label) == (1, "Supervisor")
    assert InboxMessage.objects.filter(user=stylist.user, title__contains="escalated").exists()
    desk_services.escalate_overdue_tickets(now=complaint.stage_due_at + dt.timedelta(minutes=1))
    complaint.refresh_from_db()
    assert complaint.escalation == 2
    later = complaint.stage_due_at - dt.timedelta(minutes=5)
    desk_services.advance_ticket(
        actor=stylist, ticket_id=complaint.pk, note="约了免费修剪", now=later
    )
    # Answering the customer is the owner's (or a manager's): the handler as cashier cannot.
    as_cashier = StaffContext(user=stylist.user, merchant=stylist.merchant, role="cashier")
    with pytest.raises(PermissionDenied):
        desk_services.advance_ticket(actor=as_cashier, ticket_id=complaint.pk, resolution="x")
    with pytest.raises(DomainError, match="answer the customer gets"):
        desk_services.advance_ticket(actor=agent, ticket_id=complaint.pk, resolution=" ")
    desk_services.advance_ticket(
        actor=agent,
        ticket_id=complaint.pk,
        note="已修剪",
        resolution="已免费为您修剪，并赠送一次护理。",
        now=later,
    )
    complaint.refresh_from_db()
    assert complaint.stage == "feedback" and complaint.closed_at is None
    assert InboxMessage.objects.filter(user=consumer, title__contains="已免费为您修剪").exists()
    late_stages = TicketEvent.objects.filter(ticket=complaint, kind="stage", on_time=False)
    assert [e.stage for e in late_stages] == []  # the escalations renewed the limits
    # It cannot close without the follow-up call's result, and nothing changes when refused.
    with pytest.raises(DomainError, match="satisfaction") as refused:
        desk_services.advance_ticket(actor=agent, ticket_id=complaint.pk, note="打过电话")
    assert refused.value.code == "satisfaction_required"
    complaint.refresh_from_db()
    assert complaint.stage == "feedback"
    # The follow-up call: a task for the owner; recording it closes the complaint with its score.
    call = Task.objects.get(ticket=complaint)
    assert (call.assignee, call.kind) == (agent.user, "follow_up")
    relationship_services.complete_task(
        actor=agent, task_id=call.pk, outcome="客户满意", satisfaction=4
    )
    complaint.refresh_from_db()
    assert (complaint.stage, complaint.satisfaction) == ("closed", 4) and complaint.closed_at
    timeline = relationship_selectors.timeline(complaint.customer)
    assert any(e.kind == "ticket" and "剪短了" in e.what for e in timeline)
    with pytest.raises(DomainError, match="closed"):
        desk_services.advance_ticket(actor=agent, ticket_id=complaint.pk)


def test_public_complaints_are_answered_within_a_day(salon):
    owner = salon[0]
    ticket = desk_services.open_ticket(
        merchant=owner.merchant,
        actor=owner,
        channel="public",
        category="hygiene",
        subject="点评网站上的差评",
        description="说地面湿滑",
        now=local(2026, 11, 23, 20, 30),
    )
    assert ticket.owner == owner.user  # taken by staff: theirs at once
    # Handling alone is 24 business hours; a public complaint still closes within 24 hours.
    for _ in range(5):
        desk_services.advance_ticket(actor=owner, ticket_id=ticket.pk, now=local(2026, 11, 23, 21))
    ticket.refresh_from_db()
    assert ticket.stage == "handle"
    assert ticket.stage_due_at == local(2026, 11, 24, 20, 30)


def test_bad_complaints_and_other_shops(salon, consumer, owner_b, complaint):
    for kwargs, message in (
        ({"category": "x"}, "category"),
        ({"subject": " "}, "subject"),
        ({"description": ""}, "what happened"),
        ({"order_id": 999999}, "orders at this shop"),
    ):
        values = {
            "merchant": salon[0].merchant,
            "consumer": consumer,
            "channel": "store_page",
            "category": "service",
            "subject": "s",
            "description": "d",
            **kwargs,
        }
        with pytest.raises(DomainError, match=message):
            desk_services.open_ticket(**values)
    assert Ticket.objects.count() == 1
    from regulars.core.errors import NotFound

    with pytest.raises(NotFound):
        desk_services.take_ticket(actor=owner_b, ticket_id=complaint.pk)


def test_consumer_and_console_pages(client, salon, consumer, owner_b):
    store = salon[1]
    order = buy_and_use(consumer, salon, "p1")
    client.force_login(consumer)
    page = client.get(f"/stores/{store.pk}/complain/?order={order.pk}")
    assert page.status_code == 200
    refused = client.post(f"/stores/{store.pk}/complain/", {"category": "service"})
    assert refused.status_code == 400
    sent = client.post(
        f"/stores/{store.pk}/complain/?order={order.pk}",
        {"category": "staff", "subject": "态度差", "description": "收银员不耐烦"},
    )
    ticket = Ticket.objects.get()
    assert sent.status_code == 302 and ticket.order == order and ticket.channel == "order"
    assert "态度差" in client.get("/me/complaints/").content.decode()
    client.force_login(owner_b.user)
    assert client.get(f"/console/tickets/{ticket.pk}/").status_code == 404
    client.force_login(salon[0].user)
    listed = client.get("/console/tickets/").content.decode()
    assert ticket.number in listed
    client.post(f"/console/tickets/{ticket.pk}/", {"action": "take"})
    client.post(f"/console/tickets/{ticket.pk}/", {"action": "advance", "note": "收到"})
    ticket.refresh_from_db()
    assert (ticket.owner, ticket.stage) == (salon[0].user, "verify")


def test_the_merchant_sets_the_desk_hours_and_stage_limits(client, salon, api_token):
    owner = salon[0]
    client.force_login(owner.user)
    fields = {f"hours_{stage}": "2" for stage in desk_services.STAGE_HOURS}
    refused = client.post("/console/tickets/", {"opens": "18:00", "closes": "08:00", **fields})
    assert refused.status_code == 400
    client.post(
        "/console/tickets/", {"opens": "10:00", "closes": "20:00", **fields, "hours_receive": "0.5"}
    )
    ticket = desk_services.open_ticket(
        merchant=owner.merchant,
        actor=owner,
        channel="staff",
        category="other",
        subject="s",
        description="d",
        now=local(2026, 11, 23, 19, 50),
    )
    # Half an hour of desk time from 19:50: ten minutes today, twenty from ten tomorrow.
    assert ticket.stage_due_at == local(2026, 11, 24, 10, 20)
    bad = client.put(
        "/api/v1/merchant/service-desk-settings",
        {"opens": "09:00", "closes": "21:00", "stage_hours": {"lunch": 1}},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert bad.status_code == 400


def test_the_consumer_api_for_complaints_surveys_and_invitations(
    client, salon, consumer, api_token
):
    from regulars.servicedesk.models import Survey

    order = buy_and_use(consumer, salon, "api-c")
    headers = api_token(consumer)
    made = client.post(
        "/api/v1/me/complaints",
        {
            "store_id": salon[1].pk,
            "category": "price",
            "subject": "多收钱",
            "description": "x",
            "order_id": order.pk,
        },
        content_type="application/json",
        **headers,
    )
    assert made.status_code == 201 and made.json()["stage"] == "receive"
    bad = client.post(
        "/api/v1/me/complaints",
        {"store_id": salon[1].pk, "category": "nope", "subject": "s", "description": "d"},
        content_type="application/json",
        **headers,
    )
    assert bad.status_code == 400 and Ticket.objects.count() == 1
    nowhere = client.post(
        "/api/v1/me/complaints",
        {"store_id": 999999, "category": "price", "subject": "s", "description": "d"},
        content_type="application/json",
        **headers,
    )
    assert nowhere.status_code == 404
    assert [c["subject"] for c in client.get("/api/v1/me/complaints", **headers).json()] == [
        "多收钱"
    ]
    survey = Survey.objects.get(consumer=consumer)
    answered = client.post(
        f"/api/v1/me/surveys/{survey.pk}",
        {"recommend": 8, "satisfied": 4, "item_scores": {"洗剪吹": 5}},
        content_type="application/json",
        **headers,
    )
    assert answered.status_code == 200
    survey.refresh_from_db()
    assert survey.item_scores == {"洗剪吹": 5}


def test_a_stranger_who_complains_joins_the_directory_as_a_complaint(salon):
    from tests.conftest import make_person

    stranger = make_person("13800000941", "路人")
    ticket = desk_services.open_ticket(
        merchant=salon[0].merchant,
        consumer=stranger,
        channel="store_page",
        category="hygiene",
        subject="门口太滑",
        description="下雨天门口很滑",
    )
    assert ticket.customer.source == "complaint"


def test_the_follow_up_call_closes_with_a_score_or_the_reason_there_is_none(
    salon, consumer, complaint
):
    owner = salon[0]
    desk_services.take_ticket(actor=owner, ticket_id=complaint.pk)
    while Ticket.objects.get(pk=complaint.pk).stage != "handle":
        desk_services.advance_ticket(actor=owner, ticket_id=complaint.pk, note="继续")
    desk_services.advance_ticket(
        actor=owner, ticket_id=complaint.pk, resolution="已处理，向您致歉。"
    )
    call = Task.objects.get(ticket=complaint)
    with pytest.raises(DomainError, match="satisfaction"):
        relationship_services.complete_task(actor=owner, task_id=call.pk, outcome="打了电话")
    call.refresh_from_db()
    assert call.status == "open"  # nothing changed: the ticket can still get its score
    # Closing on the complaint's page records the call too, and settles the call task.
    with pytest.raises(DomainError, match="satisfaction"):
        desk_services.advance_ticket(actor=owner, ticket_id=complaint.pk, note="三次未接通")
    desk_services.advance_ticket(
        actor=owner, ticket_id=complaint.pk, note="三次未接通", no_score_reason="联系不上"
    )
    complaint.refresh_from_db()
    call.refresh_from_db()
    assert (complaint.stage, complaint.satisfaction) == ("closed", None)
    assert complaint.no_score_reason == "联系不上" and call.status == "done"
    assert TicketEvent.objects.filter(ticket=complaint, note__contains="联系不上").exists()
    with pytest.raises(DomainError, match="already closed"):
        relationship_services.complete_task(
            actor=owner, task_id=call.pk, outcome="再打", satisfaction=5
        )


def test_closing_through_the_api_takes_the_call_result(client, salon, complaint, api_token):
    owner = salon[0]
    desk_services.take_ticket(actor=owner, ticket_id=complaint.pk)
    while Ticket.objects.get(pk=complaint.pk).stage != "handle":
        desk_services.advance_ticket(actor=owner, ticket_id=complaint.pk)
    auth = api_token(owner.user)
    url = f"/api/v1/merchant/tickets/{complaint.pk}/advance"
    answered = client.post(url, {"resolution": "已退款"}, content_type="application/json", **auth)
    assert answered.status_code == 200 and answered.json()["stage"] == "feedback"
    refused = client.post(url, {"note": "ok"}, content_type="application/json", **auth)
    assert refused.status_code == 400 and refused.json()["errors"][0]["field"] == "satisfaction"
    out_of_range = client.post(url, {"satisfaction": 9}, content_type="application/json", **auth)
    assert out_of_range.status_code == 400
    assert Ticket.objects.get(pk=complaint.pk).stage == "feedback"
    closed = client.post(
        url, {"note": "满意", "satisfaction": 5}, content_type="application/json", **auth
    )
    assert closed.status_code == 200
    assert (closed.json()["stage"], closed.json()["satisfaction"]) == ("closed", 5)
