"""Commitments made to customers: recorded, reminded before they fall due, kept or not."""

import datetime as dt

import pytest

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.models import Customer
from regulars.notifications.models import InboxMessage
from regulars.relationships import selectors as relationship_selectors
from regulars.relationships import services as relationship_services
from regulars.relationships.models import Commitment

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(salon):
    return Customer.objects.create(merchant=salon[0].merchant, name="王先生", source="manual")


def test_a_commitment_is_reminded_and_settled(salon, customer):
    owner = salon[0]
    today = clock.today()
    made = relationship_services.promise(
        actor=owner,
        customer_id=customer.pk,
        what="下周到货后留一瓶护发精油",
        due_on=today + dt.timedelta(days=5),
    )
    assert relationship_services.remind_commitments(today=today) == 0  # five days away
    assert relationship_services.remind_commitments(today=today + dt.timedelta(days=3)) == 1
    assert relationship_services.remind_commitments(today=today + dt.timedelta(days=4)) == 0  # once
    assert InboxMessage.objects.get(user=owner.user).title.endswith("留一瓶护发精油")
    with pytest.raises(DomainError, match="why it was not kept"):
        relationship_services.settle_commitment(actor=owner, commitment_id=made.pk, kept=False)
    relationship_services.settle_commitment(
        actor=owner, commitment_id=made.pk, kept=False, outcome="供应商断货，已致歉并改送试用装"
    )
    made.refresh_from_db()
    assert made.status == "broken"
    with pytest.raises(DomainError, match="already settled"):
        relationship_services.settle_commitment(actor=owner, commitment_id=made.pk, kept=True)
    assert any(
        e.kind == "commitment" and "断货" in e.what
        for e in relationship_selectors.timeline(customer)
    )


def test_bad_commitments(salon, customer, owner_b):
    owner = salon[0]
    with pytest.raises(DomainError, match="has passed"):
        relationship_services.promise(
            actor=owner,
            customer_id=customer.pk,
            what="x",
            due_on=clock.today() - dt.timedelta(days=1),
        )
    with pytest.raises(DomainError, match="what was promised"):
        relationship_services.promise(
            actor=owner, customer_id=customer.pk, what=" ", due_on=clock.today()
        )
    with pytest.raises(NotFound):
        relationship_services.promise(
            actor=owner_b, customer_id=customer.pk, what="x", due_on=clock.today()
        )
    assert not Commitment.objects.exists()


def test_the_profile_records_and_settles(client, salon, customer, api_token):
    client.force_login(salon[0].user)
    due = (clock.today() + dt.timedelta(days=7)).isoformat()
    client.post(
        f"/console/customers/{customer.pk}/commitments/",
        {"what": "生日当天免费洗吹", "due_on": due, "promised_by": salon[0].user.pk},
    )
    made = Commitment.objects.get()
    page = client.get(f"/console/customers/{customer.pk}/").content.decode()
    assert "生日当天免费洗吹" in page and "data-commitments" in page
    client.post(f"/console/commitments/{made.pk}/settle/", {"kept": "yes", "outcome": "已兑现"})
    made.refresh_from_db()
    assert made.status == "kept"
    api = client.post(
        f"/api/v1/merchant/customers/{customer.pk}/commitments",
        {"what": "下次优先预约", "due_on": due},
        content_type="application/json",
        **api_token(salon[0].user),
    )
    assert api.status_code == 201 and api.json()["status"] == "open"
