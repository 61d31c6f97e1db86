"""Seed 001's maintenance cycle: evaluate (weighted indicators → grade → decision), plan,
approve, carry out, summarise."""

from decimal import Decimal

import pytest

from regulars.core.errors import DomainError, PermissionDenied
from regulars.customers import services as customer_services
from regulars.customers.models import Customer
from regulars.relationships import selectors as relationship_selectors
from regulars.relationships import services as relationship_services
from regulars.relationships.models import MaintenancePlan, Task
from tests.relationships.test_account_managers import hire

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(salon):
    return Customer.objects.create(merchant=salon[0].merchant, name="周女士", source="manual")


def test_evaluation_weights_grade_and_decision(salon, customer):
    owner = salon[0]
    relationship_services.save_indicators(actor=owner, rows=[("贡献度", 60), ("满意度", 40)])
    done = relationship_services.evaluate_relationship(
        actor=owner, customer_id=customer.pk, scores={"贡献度": 5, "满意度": 3}
    )
    # (60×5 + 40×3) / (5 × 100) = 84 → B, maintain.
    assert (done.total, done.grade, done.decision) == (84, "B", "maintain")
    customer.refresh_from_db()
    assert customer.relationship_grade == "B"
    low = relationship_services.evaluate_relationship(
        actor=owner, customer_id=customer.pk, scores={"贡献度": 2, "满意度": 2}, decision="improve"
    )
    assert (low.grade, low.decision) == ("D", "improve")  # staff may overrule the suggestion
    for scores, message in (
        ({"贡献度": 5}, "every indicator"),
        ({"贡献度": 9, "满意度": 1}, "1 to 5"),
    ):
        with pytest.raises(DomainError, match=message):
            relationship_services.evaluate_relationship(
                actor=owner, customer_id=customer.pk, scores=scores
            )
    with pytest.raises(DomainError, match="own name"):
        relationship_services.save_indicators(actor=owner, rows=[("a", 1), ("a", 2)])
    assert any(e.kind == "evaluation" for e in relationship_selectors.timeline(customer))


def test_a_plan_is_approved_carried_out_and_closed(salon, customer):
    owner = salon[0]
    manager = hire(owner, "13900000841", "客户经理小赵")
    plan = relationship_services.propose_plan(
        actor=manager,
        customer_id=customer.pk,
        methods="每月一次回访，生日送护理",
        measures="回访记录满意度；生日前三天预约护理",
        owner_id=manager.user.pk,
        cost=Decimal("300"),
    )
    with pytest.raises(PermissionDenied):  # an account manager does not approve their own plan
        relationship_services.decide_plan(actor=manager, plan_id=plan.pk, approve=True)
    with pytest.raises(DomainError, match="not at that step"):
        relationship_services.close_plan(actor=manager, plan_id=plan.pk, summary="x")
    relationship_services.decide_plan(actor=owner, plan_id=plan.pk, approve=True)
    assert Task.objects.get(customer=customer).assignee == manager.user
    with pytest.raises(DomainError, match="summary"):
        relationship_services.close_plan(actor=manager, plan_id=plan.pk, summary=" ")
    closed = relationship_services.close_plan(
        actor=manager, plan_id=plan.pk, summary="三次回访，满意度 5"
    )
    assert closed.status == "closed"


def test_the_profile_and_api(client, salon, customer, api_token):
    owner = salon[0]
    client.force_login(owner.user)
    names = [name for name, _w in relationship_services.indicators_of(owner.merchant)]
    client.post(
        f"/console/customers/{customer.pk}/evaluate/",
        {f"score_{i}": "4" for i in range(len(names))},
    )
    page = client.get(f"/console/customers/{customer.pk}/").content.decode()
    assert "data-grade" in page and "80/100" in page
    made = client.post(
        f"/api/v1/merchant/customers/{customer.pk}/plans",
        {"methods": "季度拜访", "measures": "带新品试用", "owner_id": owner.user.pk, "cost": "100"},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert made.status_code == 201
    approved = client.post(
        f"/api/v1/merchant/plans/{made.json()['id']}",
        {"step": "approve"},
        content_type="application/json",
        **api_token(owner.user),
    )
    assert approved.json()["status"] == "approved"


def test_a_plan_for_a_segment_becomes_a_task_per_member_once_approved(client, salon):
    owner = salon[0]
    for n in range(3):
        Customer.objects.create(
            merchant=owner.merchant, name=f"大客{n}", source="manual", spend=Decimal(900 + n)
        )
    segment = customer_services.save_segment(actor=owner, name="大客户", rules={"min_spend": "900"})
    client.force_login(owner.user)
    client.post(
        "/console/plans/",
        {
            "segment": segment.pk,
            "methods": "季度答谢会",
            "measures": "邀请参加品鉴会，赠送礼盒",
            "owner": owner.user.pk,
            "cost": "1500",
        },
    )
    plan = MaintenancePlan.objects.get()
    assert plan.segment == segment and plan.status == "proposed"
    assert "季度答谢会" in client.get("/console/plans/").content.decode()
    client.post(f"/console/plans/{plan.pk}/", {"step": "approve", "back": "plans"})
    assert Task.objects.filter(title__contains="季度答谢会").count() == 3


def test_a_bad_evaluation_from_the_page_says_why_and_saves_nothing(client, salon, customer):
    client.force_login(salon[0].user)
    response = client.post(f"/console/customers/{customer.pk}/evaluate/", {"score_0": "9"})
    assert response.status_code == 302
    shown = client.get(response["Location"]).content.decode()
    assert "Select a valid choice" in shown or "This field is required" in shown
    assert not customer.evaluations.exists()
