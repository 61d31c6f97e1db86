"""Twenty cashiers scanning one punch card with two uses left at the same moment: two uses are
taken, eighteen refused, and the ledger adds up (PostgreSQL: real concurrent transactions)."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from regulars.merchants.models import Role, StaffMember
from regulars.merchants.permissions import StaffContext
from regulars.punchcards import services as punch
from regulars.punchcards.models import PunchCard, PunchEntry
from tests.conftest import make_person

# The PostgreSQL-only guard (autouse) and the starting gate, shared with the orders races.
from tests.orders.test_concurrency import _postgres_only, race  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_scans_of_a_card_with_two_uses_left_take_two(salon, consumer):
    owner, store, haircut, wash = salon
    plan = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="洗车10次卡", kind="uses", uses=10, price="300", valid_days=90, item_ids=[wash.pk]
        ),
    )
    card = punch.issue_card(
        plan=plan, consumer=consumer, price_paid=Decimal("300"), idempotency_key="sold"
    )
    for n in range(8):
        punch.use(actor=owner, number=card.number, item_id=wash.pk, idempotency_key=f"u{n}")
    tills = []
    for index in range(20):
        person = make_person(f"137000009{index:02d}", f"收银{index}")
        StaffMember.objects.create(merchant=owner.merchant, user=person, role=Role.CASHIER)
        tills.append(StaffContext(user=person, merchant=owner.merchant, role=Role.CASHIER))
    wins, refusals = race(
        20,
        lambda i: punch.use(
            actor=tills[i], number=card.number, item_id=wash.pk, idempotency_key=f"scan-{i}"
        ),
    )
    assert len(wins) == 2 and len(refusals) == 18
    assert {r.code for r in refusals} <= {"no_uses_left", "wrong_state"}
    held = PunchCard.objects.get(pk=card.pk)
    assert (held.uses_left, held.status) == (0, "used_up")
    assert PunchEntry.objects.filter(card=card).aggregate(s=Sum("delta"))["s"] == 0
