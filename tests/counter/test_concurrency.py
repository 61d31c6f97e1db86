"""Two cashiers ringing up the last ¥50 of one card at the same moment: one bill is paid, the
other refused whole (PostgreSQL: real concurrent transactions)."""

import pytest

from regulars.counter import services as counter
from regulars.counter.models import Bill
from regulars.membership import selectors, services
from regulars.membership.models import Card
from regulars.merchants.models import Role, StaffMember
from regulars.merchants.permissions import StaffContext
from tests.conftest import make_person

# The PostgreSQL-only guard (autouse) and the starting gate, shared with the orders races.
from tests.orders.test_concurrency import _postgres_only, race  # noqa: F401

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_tills_and_the_last_fifty_yuan(salon, card):
    owner, store, haircut, wash = salon
    services.top_up(card_id=card.pk, amount="50", idempotency_key="fund")
    tills = []
    for index in range(2):
        person = make_person(f"1370000066{index}", f"收银{index}")
        StaffMember.objects.create(merchant=owner.merchant, user=person, role=Role.CASHIER)
        tills.append(StaffContext(user=person, merchant=owner.merchant, role=Role.CASHIER))
    wins, refusals = race(
        2,
        lambda i: counter.ring_up(
            actor=tills[i],
            card_id=card.pk,
            lines=[counter.LineIn(haircut.pk, 1)],
            tenders=[
                counter.TenderIn("stored_value", "50"),
                counter.TenderIn("cash", "18"),
            ],
            password="258036",
            idempotency_key=f"till-{i}",
        ),
    )
    assert len(wins) == 1 and len(refusals) == 1
    assert refusals[0].code == "insufficient_balance"
    assert Bill.objects.count() == 1
    assert Card.objects.get(pk=card.pk).balance == 0
    assert selectors.ledger_mismatches([card.pk]) == []


def test_the_same_bill_submitted_twice_at_once_rings_up_once(salon, card):
    owner, store, haircut, wash = salon
    services.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    wins, refusals = race(
        4,
        lambda i: counter.ring_up(
            actor=owner,
            card_id=card.pk,
            lines=[counter.LineIn(haircut.pk, 1)],
            tenders=[counter.TenderIn("stored_value", "68")],
            password="258036",
            idempotency_key="double-tap",
        ),
    )
    assert refusals == [] and len({bill.pk for bill in wins}) == 1
    assert Card.objects.get(pk=card.pk).balance == 32


def test_two_managers_refunding_one_bill_at_once_give_it_back_once(salon, card):
    owner, store, haircut, wash = salon
    services.top_up(card_id=card.pk, amount="100", idempotency_key="fund")
    bill = counter.ring_up(
        actor=owner,
        card_id=card.pk,
        lines=[counter.LineIn(haircut.pk, 1)],
        tenders=[counter.TenderIn("stored_value", "68")],
        password="258036",
        idempotency_key="to-refund",
    )
    wins, refusals = race(
        3,
        lambda i: counter.refund_bill(
            actor=owner, bill_id=bill.pk, reason="退款", idempotency_key=f"refund-{i}"
        ),
    )
    assert len(wins) == 1 and [r.code for r in refusals] == ["already_refunded"] * 2
    assert Card.objects.get(pk=card.pk).balance == 100
    assert selectors.ledger_mismatches([card.pk]) == []


def test_twenty_scans_of_a_punch_card_with_two_uses_left_take_two(salon, card):
    from regulars.punchcards import services as punch
    from regulars.punchcards.models import PunchCard

    owner, store, haircut, wash = salon
    plan = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="洗车2次卡", kind="uses", uses=2, price="60", valid_days=30, item_ids=[wash.pk]
        ),
    )
    counter.ring_up(
        actor=owner,
        card_id=card.pk,
        lines=[counter.LineIn(None, 1, plan_id=plan.pk)],
        tenders=[counter.TenderIn("cash", "60")],
        idempotency_key="sell-2",
    )
    held = PunchCard.objects.get()
    wins, refusals = race(
        20,
        lambda i: punch.use(
            actor=owner, number=held.number, item_id=wash.pk, idempotency_key=f"scan-{i}"
        ),
    )
    assert len(wins) == 2 and len(refusals) == 18
    assert {r.code for r in refusals} <= {"no_uses_left", "wrong_state"}
    held.refresh_from_db()
    assert held.uses_left == 0
