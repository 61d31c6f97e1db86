"""Commissions: the rules, what they earn on bills and orders, refunds taking it back, and the
report, checked against an independent computation from the raw rows."""

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import connection

from regulars.core import clock
from regulars.core.errors import DomainError, PermissionDenied
from regulars.counter import commissions
from regulars.counter import services as counter
from regulars.membership import services as cards
from regulars.merchants.models import Role, StaffMember
from regulars.merchants.permissions import StaffContext
from regulars.orders import services as orders
from regulars.punchcards import services as punch
from regulars.team import services as team
from regulars.team.models import CommissionRule
from tests.conftest import make_person
from tests.membership.conftest import card, program, vip_card  # noqa: F401 - shared fixtures
from tests.promotions.conftest import make_campaign

LineIn, TenderIn = counter.LineIn, counter.TenderIn
RULES = [
    ("default", "percent", "10", None, ""),
    ("service", "fixed", "15", "haircut", ""),
    ("section", "percent", "20", None, "染烫"),
    ("punch_card", "percent", "5", None, ""),
    ("stored_value", "percent", "2", None, ""),
]


@pytest.fixture
def rules(salon, crew):
    owner, _store, haircut, _wash = salon
    for kind, basis, value, item, section in RULES:
        team.save_rule(
            actor=owner,
            data=team.RuleInput(
                kind=kind,
                basis=basis,
                value=value,
                item_id=haircut.pk if item else None,
                section=section,
            ),
        )


@pytest.fixture
def month(salon, crew, rules, vip_card, consumer):  # noqa: F811 - a fixture
    """A month's lines: a member's bill with member price and a coupon, a dye, a punch card
    sold, a top-up by a linked account, an online order used — then a refund."""
    owner, store, haircut, wash = salon
    jie, mei, dye = crew
    team.save_member(
        actor=owner,
        member_id=mei.pk,
        data=team.MemberInput(
            store_id=store.pk, name="小美", item_ids=[haircut.pk], user_id=owner.user.pk
        ),
    )
    campaign = make_campaign(owner, amount="20", threshold="100")
    from regulars.promotions import services as coupons

    coupon = coupons.claim(consumer=vip_card.consumer, campaign_id=campaign.pk)
    plan = punch.save_plan(
        actor=owner,
        data=punch.PlanInput(
            name="十次洗剪吹",
            kind="uses",
            price="600",
            valid_days=365,
            item_ids=[haircut.pk],
            uses=10,
        ),
    )
    bill_one = _ring(
        owner,
        dict(
            card_id=vip_card.pk,
            coupon_code=coupon.code,
            lines=[
                LineIn(haircut.pk, 2, served_by_id=jie.pk),
                LineIn(wash.pk, 1, served_by_id=mei.pk),
            ],
            idempotency_key="c-1",
        ),
    )
    _ring(
        owner,
        dict(
            card_id=vip_card.pk,
            lines=[
                LineIn(dye.pk, 1, served_by_id=jie.pk),
                LineIn(None, 1, served_by_id=mei.pk, plan_id=plan.pk),
            ],
            idempotency_key="c-2",
        ),
    )
    cards.till_top_up(actor=owner, card_id=vip_card.pk, amount="500", idempotency_key="t-1")
    order, _url = orders.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="store"
    )
    orders.confirm_consumption(
        actor=owner, code=order.code, collect_payment=True, served_by_id=mei.pk
    )
    lines = {line.name: line for line in bill_one.lines.all()}
    counter.refund_bill(
        actor=owner,
        bill_id=bill_one.pk,
        reason="客人不满意",
        idempotency_key="r-1",
        lines=[
            counter.RefundLineIn(lines["洗剪吹"].pk, 1),
            counter.RefundLineIn(lines["精洗打蜡"].pk),
        ],
    )
    return bill_one


def _ring(actor, bill):
    """Ring a bill up paid in cash: its total is learnt from a refused try."""
    with pytest.raises(DomainError) as refused:
        counter.ring_up(actor=actor, tenders=[TenderIn("cash", "0.01")], **bill)
    assert refused.value.code == "tenders_do_not_add_up"
    total = re.findall(r"¥([0-9]+\.[0-9]{2})", str(refused.value.message))[-1]
    return counter.ring_up(actor=actor, tenders=[TenderIn("cash", total)], **bill)


def _independently(merchant_id: int, rules: dict) -> dict[int, Decimal]:
    """Each person's commission from the raw tables, with the rules as the test states them."""

    def pay(rule, base, units):
        basis, value = rule
        if basis == "percent":
            return (base * Decimal(value) / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
        return Decimal(value) * units

    owed: dict[int, Decimal] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT l.id, l.served_by_id, l.item_id, COALESCE(i.section, ''), l.punch_plan_id,
                   l.quantity, l.paid, l.points_off, l.punch_off
            FROM counter_billline l JOIN counter_bill b ON b.id = l.bill_id
            LEFT JOIN merchants_catalogitem i ON i.id = l.item_id
            WHERE b.merchant_id = %s AND l.served_by_id IS NOT NULL
            """,
            [merchant_id],
        )
        bill_lines = cursor.fetchall()
        cursor.execute(
            """
            SELECT r.line_id, r.quantity, r.amount, r.points_off
            FROM counter_refundline r JOIN counter_billrefund f ON f.id = r.refund_id
            WHERE f.merchant_id = %s
            """,
            [merchant_id],
        )
        refunds = cursor.fetchall()
        cursor.execute(
            """
            SELECT o.served_by_id, l.item_id, l.quantity, l.amount
            FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id
            WHERE o.merchant_id = %s AND o.served_by_id IS NOT NULL
            """,
            [merchant_id],
        )
        order_lines = cursor.fetchall()

    def rule_of(item_id, section, plan_id):
        if plan_id:
            return rules["punch_card"]
        return rules.get(f"item:{item_id}") or rules.get(f"section:{section}") or rules["default"]

    by_line = {}
    for line_id, person, item_id, section, plan_id, qty, paid, points, punched in bill_lines:
        rule = rule_of(item_id, section, plan_id)
        by_line[line_id] = (person, rule, qty, Decimal(punched))
        base = Decimal(paid) + Decimal(points) + Decimal(punched)
        owed[person] = owed.get(person, Decimal("0")) + pay(rule, base, qty)
    for line_id, qty, amount, points in refunds:
        person, rule, line_qty, punched = by_line[line_id]
        base = (
            Decimal(amount) + Decimal(points) + (punched * qty / line_qty).quantize(Decimal("0.01"))
        )
        owed[person] -= pay(rule, base, qty)
    for person, item_id, qty, amount in order_lines:
        owed[person] = owed.get(person, Decimal("0")) + pay(
            rule_of(item_id, "", None), Decimal(amount), qty
        )
    return owed


def test_commissions_after_a_refund_equal_the_raw_rows(salon, crew, month):
    owner, _store, haircut, _wash = salon
    jie, mei, _dye = crew
    rules = {
        (f"item:{haircut.pk}" if item else f"section:{section}" if section else kind): (
            basis,
            value,
        )
        for kind, basis, value, item, section in RULES
    }
    expected = _independently(owner.merchant.pk, rules)
    expected[mei.pk] += (Decimal("500") * 2 / 100).quantize(Decimal("0.01"))  # the top-up
    today = clock.today()
    people = {p.member.pk: p for p in commissions.report(owner.merchant, today, today)}
    assert people[jie.pk].commission == expected[jie.pk]
    assert people[mei.pk].commission == expected[mei.pk]
    # 阿杰: two haircuts at ¥15, one refunded; the dye at 20 % of what was paid.
    dye_line = next(line for line in people[jie.pk].lines if line.what == "染发")
    assert dye_line.commission == (dye_line.base * Decimal("0.2")).quantize(Decimal("0.01"))
    assert people[jie.pk].services == 2  # 2 haircuts − 1 refunded + 1 dye
    refunded = [line for line in people[mei.pk].lines if line.units < 0]
    assert refunded and all(line.commission <= 0 for line in refunded)


def test_the_report_pages_api_and_csv(client, salon, crew, month, api_token):
    owner, _store, _haircut, _wash = salon
    jie, mei, _dye = crew
    today = clock.today()
    people = {p.member.pk: p for p in commissions.report(owner.merchant, today, today)}
    answer = client.get(
        "/api/v1/merchant/reports/commissions",
        {"from": f"{today:%Y-%m-%d}", "to": f"{today:%Y-%m-%d}"},
        **api_token(owner.user),
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    by_id = {p["team_member_id"]: p for p in body["people"]}
    assert Decimal(by_id[jie.pk]["commission"]) == people[jie.pk].commission
    assert Decimal(body["commission"]) == sum(p.commission for p in people.values())
    backwards = client.get(
        "/api/v1/merchant/reports/commissions",
        {"from": f"{today:%Y-%m-%d}", "to": "2020-01-01"},
        **api_token(owner.user),
    )
    assert backwards.status_code == 400 and backwards.json()["errors"][0]["code"] == "bad_time"
    client.force_login(owner.user)
    page = client.get("/console/reports/commissions/").content.decode()
    assert f"¥{people[mei.pk].commission}" in page and "data-print" in page
    csv = b"".join(client.get("/console/reports/commissions/?format=csv").streaming_content)
    assert "染发" in csv.decode("utf-8-sig")


def test_rules_are_refused_when_wrong_and_kept_by_owners_only(salon, crew, rules):
    owner, _store, _haircut, _wash = salon
    before = list(CommissionRule.objects.values_list("scope", "value"))
    for bad in (
        dict(kind="nonsense", basis="percent", value="5"),
        dict(kind="default", basis="percent", value="101"),
        dict(kind="default", basis="fixed", value="-1"),
        dict(kind="default", basis="fixed", value="lots"),
        dict(kind="service", basis="fixed", value="5", item_id=999999),
        dict(kind="section", basis="fixed", value="5", section=""),
    ):
        with pytest.raises(DomainError):
            team.save_rule(actor=owner, data=team.RuleInput(**bad))
    person = make_person("13700000801", "店长")
    StaffMember.objects.create(merchant=owner.merchant, user=person, role=Role.MANAGER)
    manager = StaffContext(user=person, merchant=owner.merchant, role=Role.MANAGER)
    with pytest.raises(PermissionDenied):
        team.save_rule(actor=manager, data=team.RuleInput("default", "percent", "50"))
    assert list(CommissionRule.objects.values_list("scope", "value")) == before
    # Saving a rule for a target that has one replaces it.
    team.save_rule(actor=owner, data=team.RuleInput("default", "percent", "12"))
    assert CommissionRule.objects.get(scope="default").value == Decimal("12.00")
    assert CommissionRule.objects.count() == len(before)


def test_the_reports_dashboard_shows_the_team(client, salon, crew, month):
    from regulars.analytics import selectors as reports

    owner = salon[0]
    jie, mei, _dye = crew
    today = clock.today()
    people = {p.member.pk: p for p in commissions.report(owner.merchant, today, today)}
    table = reports.team(owner.merchant, reports.Period.dashboard(today))
    rows = {row[0]: row for row in table.rows}
    assert rows[str(people[jie.pk].member)][3] == people[jie.pk].commission
    assert rows[str(people[mei.pk].member)][1] == people[mei.pk].services
    client.force_login(owner.user)
    exported = client.get("/console/reports/monthly/team.csv", {"date": f"{today:%Y-%m-%d}"})
    assert "阿杰" in b"".join(exported.streaming_content).decode("utf-8-sig")
