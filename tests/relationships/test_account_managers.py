"""Account managers own customers; a departing one's customers are handed over, never orphaned;
tasks with due dates, reminders, outcomes and satisfaction."""

import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.core.errors import DomainError, PermissionDenied
from regulars.customers.models import Customer
from regulars.merchants import services as merchant_services
from regulars.merchants.models import StaffMember
from regulars.merchants.permissions import staff_context
from regulars.notifications.models import InboxMessage
from regulars.outreach import services as outreach_services
from regulars.relationships import selectors as relationship_selectors
from regulars.relationships import services as relationship_services
from regulars.relationships.models import OwnershipChange, Task
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def hire(owner, phone: str, name: str, role: str = "account_manager"):
    person = make_person(phone, name)
    invitation = merchant_services.invite_staff(actor=owner, contact=person.phone, role=role)
    merchant_services.accept_invitation(user=person, token=invitation.token)
    return staff_context(person)


def book_of(merchant, manager, count: int, start: int = 0):
    return [
        Customer.objects.create(
            merchant=merchant,
            name=f"客{start + n}",
            source="manual",
            spend=Decimal(100 * (n + 1)),
            account_manager=manager,
        )
        for n in range(count)
    ]


@pytest.fixture
def team(salon):
    owner = salon[0]
    leaving = hire(owner, "13900000811", "老张")
    wang = hire(owner, "13900000812", "小王")
    chen = hire(owner, "13900000813", "小陈")
    book_of(owner.merchant, wang.user, 2, start=50)  # 小王 already looks after two
    return owner, leaving, wang, chen


def test_a_departing_manager_cannot_leave_with_customers(team):
    owner, leaving, wang, chen = team
    book_of(owner.merchant, leaving.user, 4)
    staff_member = StaffMember.objects.get(user=leaving.user)
    with pytest.raises(DomainError, match="still look after 4 customers"):
        merchant_services.change_staff_role(
            actor=owner, staff_member_id=staff_member.pk, role=staff_member.role, is_active=False
        )
    staff_member.refresh_from_db()
    assert staff_member.is_active


def test_hand_over_spreads_evenly_audits_and_creates_tasks(team):
    owner, leaving, wang, chen = team
    theirs = book_of(owner.merchant, leaving.user, 4)
    staff_member = StaffMember.objects.get(user=leaving.user)
    moved = relationship_services.hand_over_and_deactivate(
        actor=owner,
        staff_member_id=staff_member.pk,
        to_user_ids=[wang.user.pk, chen.user.pk],
        reason="离职",
    )
    assert moved == 4
    staff_member.refresh_from_db()
    assert not staff_member.is_active
    owners = {
        c.name: c.account_manager_id for c in Customer.objects.filter(pk__in=[c.pk for c in theirs])
    }
    # 小陈 had none, 小王 had two: the biggest spenders go to the least loaded, ending 3 and 3.
    assert list(owners.values()).count(chen.user.pk) == 3
    assert list(owners.values()).count(wang.user.pk) == 1
    assert owners["客3"] == chen.user.pk  # the biggest spender went first, to 小陈
    assert not Customer.objects.filter(account_manager=leaving.user).exists()
    assert OwnershipChange.objects.filter(before=leaving.user, reason="离职").count() == 4
    tasks = Task.objects.filter(kind="handover")
    assert sorted(t.assignee_id for t in tasks) == sorted(owners.values())
    assert all(t.due_at.date() == (clock.now() + dt.timedelta(days=3)).date() for t in tasks)
    found = Customer.objects.get(name="客0")
    assert any(
        "老张" in e.what for e in relationship_selectors.timeline(found) if e.kind == "owner"
    )


def test_bad_hand_overs_change_nothing(team, owner_b):
    owner, leaving, wang, chen = team
    book_of(owner.merchant, leaving.user, 2)
    stranger = make_person("13900000899", "外人")
    for targets, message in (
        ([], "who takes"),
        ([leaving.user.pk], "other than"),
        ([stranger.pk], "active members"),
        ([owner_b.user.pk], "active members"),
    ):
        with pytest.raises(DomainError, match=message):
            relationship_services.reassign_customers(
                actor=owner, from_user_id=leaving.user.pk, to_user_ids=targets
            )
    with pytest.raises(DomainError, match="no customers"):
        relationship_services.reassign_customers(
            actor=owner, from_user_id=chen.user.pk, to_user_ids=[wang.user.pk]
        )
    with pytest.raises(PermissionDenied):
        relationship_services.reassign_customers(
            actor=wang, from_user_id=leaving.user.pk, to_user_ids=[wang.user.pk]
        )
    assert Customer.objects.filter(account_manager=leaving.user).count() == 2
    assert not OwnershipChange.objects.exists() and not Task.objects.exists()


def test_tasks_remind_once_and_close_with_satisfaction(team):
    owner, _leaving, wang, chen = team
    customer = Customer.objects.filter(account_manager=wang.user).first()
    soon = relationship_services.create_task(
        actor=owner,
        customer_id=customer.pk,
        kind="follow_up",
        title="回访：烫发效果",
        due_at=clock.now() + dt.timedelta(hours=5),
        assignee_id=wang.user.pk,
    )
    later = relationship_services.create_task(
        actor=wang,
        customer_id=customer.pk,
        kind="visit",
        title="上门拜访",
        due_at=clock.now() + dt.timedelta(days=5),
    )
    assert later.assignee_id == wang.user.pk
    assert relationship_services.remind_due_tasks() == 1
    assert relationship_services.remind_due_tasks() == 0  # once
    assert InboxMessage.objects.get(user=wang.user).title.endswith("回访：烫发效果")
    with pytest.raises(DomainError, match="how it went"):
        relationship_services.complete_task(actor=wang, task_id=soon.pk, outcome=" ")
    with pytest.raises(DomainError, match="1 to 5"):
        relationship_services.complete_task(
            actor=wang, task_id=soon.pk, outcome="满意", satisfaction=9
        )
    done = relationship_services.complete_task(
        actor=wang, task_id=soon.pk, outcome="很满意", satisfaction=5
    )
    assert done.status == "done" and done.satisfaction == 5
    with pytest.raises(DomainError, match="already closed"):
        relationship_services.complete_task(actor=wang, task_id=soon.pk, outcome="again")
    assert any(
        "很满意" in e.what for e in relationship_selectors.timeline(customer) if e.kind == "task"
    )
    # An account manager cannot give tasks to colleagues, nor close theirs.
    with pytest.raises(PermissionDenied):
        relationship_services.create_task(
            actor=wang,
            customer_id=customer.pk,
            kind="call",
            title="x",
            due_at=clock.now(),
            assignee_id=chen.user.pk,
        )
    with pytest.raises(PermissionDenied):
        relationship_services.complete_task(actor=chen, task_id=later.pk, outcome="不是我的")


def test_the_pages_and_api(client, team, api_token):
    owner, leaving, wang, chen = team
    book_of(owner.merchant, leaving.user, 3)
    client.force_login(owner.user)
    page = client.get("/console/customers/hand-over/").content.decode()
    assert "老张 (3 customers)" in page
    refused = client.post(
        "/console/customers/hand-over/", {"from_user": leaving.user.pk, "reason": "x"}
    )
    assert refused.status_code == 400
    response = client.post(
        "/console/customers/hand-over/",
        {"from_user": leaving.user.pk, "to_users": [chen.user.pk], "deactivate": "on"},
    )
    assert response.status_code == 302
    assert not StaffMember.objects.get(user=leaving.user).is_active
    client.force_login(chen.user)
    mine = client.get("/console/tasks/").content.decode()
    assert mine.count("data-task=") == 3 and "introduce yourself" in mine
    task = Task.objects.filter(assignee=chen.user).first()
    client.post(f"/console/tasks/{task.pk}/done/", {"outcome": "已联系", "satisfaction": "4"})
    task.refresh_from_db()
    assert (task.status, task.satisfaction) == ("done", 4)
    listed = client.get("/api/v1/merchant/tasks", **api_token(chen.user)).json()
    assert len(listed) == 2
    done = client.post(
        f"/api/v1/merchant/tasks/{listed[0]['id']}/done",
        {"outcome": "电话已打", "satisfaction": 3},
        content_type="application/json",
        **api_token(chen.user),
    )
    assert done.status_code == 200 and done.json()["status"] == "done"
    moved = client.post(
        "/api/v1/merchant/customer-hand-overs",
        {"from_user_id": chen.user.pk, "to_user_ids": [wang.user.pk]},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert moved.status_code == 200, moved.content[:300]
    assert moved.json() == {"moved": 3}
    refused = client.post(
        "/api/v1/merchant/customer-hand-overs",
        {"from_user_id": wang.user.pk, "to_user_ids": [chen.user.pk]},
        content_type="application/json",
        **api_token(chen.user),
    )
    assert refused.status_code == 403


def test_a_follow_up_call_the_day_after_scores_each_service(client, salon, consumer):
    from tests.customers.test_directory import buy_and_use

    owner = salon[0]
    outreach_services.save_greetings(
        actor=owner,
        birthday_days=0,
        birthday_title="",
        birthday_body="",
        birthday_campaign_id=None,
        holidays=[],
        holiday_campaign_id=None,
        follow_up_after_visit=True,
    )
    order = buy_and_use(consumer, salon, "fu1")
    order.refresh_from_db()
    call = Task.objects.get(order=order)
    assert (call.kind, call.assignee) == ("follow_up", owner.user)  # who served them
    assert call.due_at > order.consumed_at
    client.force_login(owner.user)
    page = client.get("/console/tasks/").content.decode()
    assert 'name="item:洗剪吹"' in page
    with pytest.raises(DomainError, match="Score each service"):
        relationship_services.complete_task(
            actor=owner, task_id=call.pk, outcome="x", item_scores={"别的服务": 5}
        )
    client.post(
        f"/console/tasks/{call.pk}/done/",
        {"outcome": "很满意发型", "satisfaction": "5", "item:洗剪吹": "4"},
    )
    call.refresh_from_db()
    assert call.item_scores == {"洗剪吹": 4} and call.status == "done"
    from regulars.analytics import selectors as reports

    found = reports.report(owner.merchant, reports.Period.monthly(clock.today()))
    assert found.table("services").rows[0][-1] == 4.0


def test_closing_a_task_never_redirects_off_the_site(client, team):
    owner, _leaving, wang, _chen = team
    customer = Customer.objects.filter(account_manager=wang.user).first()
    task = relationship_services.create_task(
        actor=owner,
        customer_id=customer.pk,
        kind="call",
        title="回访",
        due_at=clock.now() + dt.timedelta(days=1),
    )
    client.force_login(owner.user)
    response = client.post(
        f"/console/tasks/{task.pk}/done/",
        {"outcome": "ok", "next": "https://evil.example/phish"},
    )
    assert response["Location"] == "/console/tasks/"


def test_an_account_manager_with_customers_cannot_become_a_cashier_before_the_hand_over(salon):

    owner = salon[0]
    keeper = hire(owner, "13900000931", "客户经理")
    book_of(owner.merchant, keeper.user, 3)
    staff_member = StaffMember.objects.get(merchant=owner.merchant, user=keeper.user)
    with pytest.raises(DomainError, match="hand them to a colleague"):
        merchant_services.change_staff_role(
            actor=owner, staff_member_id=staff_member.pk, role="cashier"
        )
    staff_member.refresh_from_db()
    assert staff_member.role == "account_manager"
    merchant_services.change_staff_role(
        actor=owner, staff_member_id=staff_member.pk, role="manager"
    )
