"""One bill at the counter: lines, member price, a coupon, points, and tenders that pay the rest,
all or nothing."""

import json
from decimal import Decimal

import pytest

from regulars.accounts.services import create_api_token
from regulars.core.errors import DomainError, PermissionDenied
from regulars.counter import services as counter
from regulars.counter.models import Bill, BillLine
from regulars.customers.models import Customer
from regulars.membership import services as cards
from regulars.membership.models import Card
from regulars.merchants.models import Role, StaffMember
from regulars.merchants.permissions import StaffContext
from regulars.promotions import services as coupons
from regulars.promotions.models import Coupon
from tests.conftest import make_person
from tests.promotions.conftest import make_campaign

LineIn, TenderIn = counter.LineIn, counter.TenderIn


@pytest.fixture
def member(vip_card, salon):
    """The shop's 贵宾卡 member (10% off, 2 points a yuan) with ¥200 on the card, 1,000 points
    and a password."""
    owner = salon[0]
    cards.set_password(consumer=vip_card.consumer, card_id=vip_card.pk, password="258036")
    cards.top_up(card_id=vip_card.pk, amount="200", idempotency_key="fund")
    cards.adjust_points(
        actor=owner, card_id=vip_card.pk, delta=1000, reason="开卡礼", idempotency_key="gift"
    )
    return Card.objects.get(pk=vip_card.pk)


@pytest.fixture
def coupon(salon, member):
    """A 满100减20 coupon held by the member."""
    campaign = make_campaign(salon[0], amount="20", threshold="100")
    return coupons.claim(consumer=member.consumer, campaign_id=campaign.pk)


def cashier_of(salon):
    owner = salon[0]
    person = make_person("13700000555", "收银小王")
    StaffMember.objects.create(merchant=owner.merchant, user=person, role=Role.CASHIER)
    return StaffContext(user=person, merchant=owner.merchant, role=Role.CASHIER)


def test_member_price_then_coupon_then_points_then_balance_and_cash(salon, member, coupon, stylist):
    owner, store, haircut, wash = salon
    cashier = cashier_of(salon)
    bill = counter.ring_up(
        actor=cashier,
        card_id=member.pk,
        lines=[
            LineIn(haircut.pk, 2, served_by_id=stylist.pk),
            LineIn(wash.pk, 1),
        ],
        coupon_code=coupon.code,
        points=300,
        tenders=[
            TenderIn("stored_value", "100"),
            TenderIn("cash", "115.05", given="120"),
        ],
        password="258036",
        idempotency_key="bill-1",
    )
    # 2 × 68 + 128.50 = 264.50; 贵宾卡 10% off −26.45; 满100减20; 300 points = ¥3.
    assert (bill.subtotal, bill.member_savings, bill.coupon_discount, bill.points_value) == (
        Decimal("264.50"),
        Decimal("26.45"),
        Decimal("20.00"),
        Decimal("3.00"),
    )
    assert bill.total == Decimal("215.05") and bill.member_label.startswith("贵宾卡")
    lines = list(bill.lines.all())
    # Each line keeps its share of every discount, in cents adding up to the bill's.
    assert sum(line.member_off for line in lines) == bill.member_savings
    assert sum(line.coupon_off for line in lines) == bill.coupon_discount
    assert sum(line.points_off for line in lines) == bill.points_value
    assert sum(line.paid for line in lines) == bill.total
    assert lines[0].served_by_id == stylist.pk and lines[0].amount == Decimal("136.00")
    cash = bill.tenders.get(kind="cash")
    assert (cash.given, cash.change) == (Decimal("120.00"), Decimal("4.95"))
    card = Card.objects.get(pk=member.pk)
    assert card.balance == Decimal("100.00")
    # Points earned on what was paid (2 a yuan for this tier), after the 300 used.
    assert bill.points_earned == 430
    assert card.points == 1000 - 300 + 430
    assert Coupon.objects.get(pk=coupon.pk).status == "used"
    # The visit lands in the directory, once, with what was paid.
    customer = Customer.objects.get(merchant=owner.merchant, consumer=member.consumer)
    assert (customer.visits, customer.spend) == (1, Decimal("215.05"))


@pytest.mark.parametrize(
    ("tenders", "code"),
    [
        ([TenderIn("cash", "200")], "tenders_do_not_add_up"),
        ([TenderIn("stored_value", "215.05")], "insufficient_balance"),
        ([TenderIn("outside", "215.05", method="PayPal")], "unknown_choice"),
    ],
)
def test_a_refused_bill_leaves_nothing_behind(salon, member, coupon, tenders, code):
    owner, store, haircut, wash = salon
    before = (Card.objects.get(pk=member.pk).balance, Card.objects.get(pk=member.pk).points)
    with pytest.raises(DomainError) as refused:
        counter.ring_up(
            actor=owner,
            card_id=member.pk,
            lines=[LineIn(haircut.pk, 2), LineIn(wash.pk, 1)],
            coupon_code=coupon.code,
            points=300,
            tenders=tenders,
            password="258036",
            idempotency_key="bill-x",
        )
    assert refused.value.code == code
    card = Card.objects.get(pk=member.pk)
    assert (card.balance, card.points) == before
    assert Coupon.objects.get(pk=coupon.pk).status != "used"
    assert not Bill.objects.exists() and not BillLine.objects.exists()


def test_a_retried_submission_rings_up_once(salon, member):
    owner, store, haircut, _wash = salon

    def ring():
        return counter.ring_up(
            actor=owner,
            card_id=member.pk,
            lines=[LineIn(haircut.pk, 1)],
            tenders=[TenderIn("stored_value", "61.20")],  # 68 less 10%
            password="258036",
            idempotency_key="tap-twice",
        )

    first, second = ring(), ring()
    assert first.pk == second.pk and Bill.objects.count() == 1
    assert Card.objects.get(pk=member.pk).balance == Decimal("138.80")


def test_a_walk_in_pays_cash_and_outside_with_a_reference(salon):
    owner, store, haircut, wash = salon
    bill = counter.ring_up(
        actor=owner,
        lines=[LineIn(wash.pk, 2)],
        tenders=[
            TenderIn("cash", "57"),
            TenderIn("outside", "200", method="微信支付", reference="4200001234"),
        ],
        idempotency_key="walk-in",
    )
    assert bill.card is None and bill.total == Decimal("257.00") and bill.member_savings == 0
    outside = bill.tenders.get(kind="outside")
    assert (outside.method, outside.reference) == ("微信支付", "4200001234")
    with pytest.raises(DomainError) as refused:
        counter.ring_up(
            actor=owner,
            lines=[LineIn(wash.pk, 1)],
            tenders=[TenderIn("stored_value", "128.50")],
            idempotency_key="walk-in-2",
        )
    assert refused.value.code == "no_card"


def test_a_typed_line_needs_a_managers_role_and_a_reason(salon):
    owner, *_ = salon
    typed = LineIn(None, 1, name="染发加长", price="80", reason="头发过肩加收")
    with pytest.raises(PermissionDenied):
        counter.ring_up(
            actor=cashier_of(salon),
            lines=[typed],
            tenders=[TenderIn("cash", "80")],
            idempotency_key="typed-1",
        )
    with pytest.raises(DomainError) as refused:
        counter.ring_up(
            actor=owner,
            lines=[LineIn(None, 1, name="染发加长", price="80")],
            tenders=[TenderIn("cash", "80")],
            idempotency_key="typed-2",
        )
    assert refused.value.field == "reason"
    bill = counter.ring_up(
        actor=owner, lines=[typed], tenders=[TenderIn("cash", "80")], idempotency_key="typed-3"
    )
    assert bill.lines.get().manual_reason == "头发过肩加收"


def test_a_wrong_password_refuses_the_bill_and_still_counts(salon, member):
    owner, store, haircut, _wash = salon
    with pytest.raises(DomainError) as refused:
        counter.ring_up(
            actor=owner,
            card_id=member.pk,
            lines=[LineIn(haircut.pk, 1)],
            tenders=[TenderIn("stored_value", "61.20")],
            password="000000",
            idempotency_key="guess",
        )
    assert refused.value.code == "wrong_password" and not Bill.objects.exists()
    assert Card.objects.get(pk=member.pk).failed_password_attempts == 1


def test_the_api_rings_up_and_reads_bills_of_the_merchant_only(client, salon, member):
    owner, store, haircut, wash = salon
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    body = {
        "card_id": member.pk,
        "lines": [{"item_id": haircut.pk, "quantity": 1}],
        "tenders": [{"kind": "cash", "amount": "61.20", "given": "100"}],
        "idempotency_key": "api-1",
    }
    made = client.post(
        "/api/v1/merchant/bills", json.dumps(body), content_type="application/json", **headers
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["total"] == "61.20" and data["member_savings"] == "6.80"
    assert data["tenders"][0]["change"] == "38.80" and data["balance_left"] == "200.00"
    listed = client.get("/api/v1/merchant/bills?date=2026-11-23", **headers).json()
    assert [bill["number"] for bill in listed] == [data["number"]]
    refused = client.post(
        "/api/v1/merchant/bills",
        json.dumps({**body, "idempotency_key": "api-2", "tenders": []}),
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["code"] == "tenders_do_not_add_up"
    stranger = make_person("13900000077", "别家老板")
    from tests.conftest import make_merchant

    other = make_merchant("13900000078", name="别家", category="hair-salon")
    other_headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=other.user)}"}
    assert client.get(f"/api/v1/merchant/bills/{data['id']}", **other_headers).status_code == 404
    assert stranger.pk


def test_the_till_page_rings_up_a_bill_and_shows_it(client, salon, member):
    owner, store, haircut, wash = salon
    client.force_login(owner.user)
    page = client.get(f"/console/till/?card={member.number}")
    assert page.status_code == 200 and member.number in page.content.decode()
    # The phone's camera can read the card's QR code into the lookup.
    assert 'data-scan-form="card-lookup"' in page.content.decode()
    done = client.post(
        f"/console/till/?card={member.number}",
        {
            "key": "page-1",
            "card_lookup": member.number,
            "item": [str(wash.pk)],
            "quantity": ["1"],
            "served_by": [""],
            "manual_name": [""],
            "manual_price": [""],
            "manual_reason": [""],
            "pay_balance": "115.65",  # 128.50 less 10%
            "password": "258036",
        },
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    bill = Bill.objects.get()
    shown = client.get(done["Location"]).content.decode()
    assert bill.number in shown and "115.65" in shown
    wrong = client.post(
        "/console/till/",
        {"key": "page-2", "item": [str(wash.pk)], "quantity": ["1"], "pay_cash": "1"},
    )
    assert wrong.status_code == 400 and Bill.objects.count() == 1


def test_the_till_page_refuses_garbage_and_an_unknown_card_and_rings_up_nothing(
    client, salon, member
):
    owner, store, haircut, wash = salon
    client.force_login(owner.user)
    row = {
        "item": [str(wash.pk)],
        "quantity": ["1"],
        "served_by": [""],
        "manual_name": [""],
        "manual_price": [""],
        "manual_reason": [""],
        "pay_cash": "128.50",
    }
    for bad in (
        {"store": "abc"},
        {"points": "lots"},
        {"quantity": ["two"]},
        {"served_by": ["someone"]},
    ):
        answer = client.post("/console/till/", {"key": f"bad-{bad}", **row, **bad})
        assert answer.status_code == 400, bad
        assert "form-error" in answer.content.decode()
    # A card typed but not found is refused, not rung up as a walk-in without the member price.
    unknown = client.post("/console/till/", {"key": "ghost", "card_lookup": "999", **row})
    assert unknown.status_code == 400 and "Nothing of this shop" in unknown.content.decode()
    assert not Bill.objects.exists()


def test_a_refused_bill_keeps_the_lines_chosen(client, salon, member, stylist):
    owner, store, haircut, wash = salon
    client.force_login(owner.user)
    refused = client.post(
        "/console/till/",
        {
            "key": "keep",
            "item": [str(haircut.pk), "manual"],
            "quantity": ["2", "1"],
            "served_by": [str(stylist.pk), ""],
            "manual_name": ["", "加长费"],
            "manual_price": ["", "30"],
            "manual_reason": ["", "头发过肩"],
            "pay_cash": "1",  # not the bill's ¥166
        },
    )
    page = refused.content.decode()
    assert refused.status_code == 400 and "form-error" in page
    assert f'<option value="{haircut.pk}" selected' in page
    assert 'value="2"' in page and 'value="加长费"' in page and 'value="头发过肩"' in page
    assert f'<option value="{stylist.pk}" selected' in page
    assert '<option value="manual" selected' in page


def test_the_till_finds_the_customer_by_an_order_or_coupon_code(client, salon, member, coupon):
    owner, store, haircut, wash = salon
    from regulars.orders import services as order_services

    order, _url = order_services.place_order(
        consumer=member.consumer, store_id=store.pk, lines=[(wash.pk, 1)], payment_method="store"
    )
    client.force_login(owner.user)
    by_order = client.get(f"/console/till/?card={order.code}").content.decode()
    assert "data-member" in by_order and member.number in by_order
    by_coupon = client.get(f"/console/till/?card={coupon.code}").content.decode()
    assert "data-member" in by_coupon and f'name="coupon_code" value="{coupon.code}"' in by_coupon
    # A code of nothing in this shop finds nobody (and says so).
    unknown = client.get("/console/till/?card=000000000000").content.decode()
    assert "Nothing of this shop" in unknown and "data-member" not in unknown


def test_a_service_with_its_own_member_price(client, salon, member):
    """精洗打蜡 at ¥100 for members (list ¥128.50): its ¥28.50 off beats the tier's 10% (¥12.85);
    the haircut has no member price and takes the tier's 10%."""
    owner, store, haircut, wash = salon
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=owner.user)}"}
    refused = client.put(
        f"/api/v1/merchant/items/{wash.pk}",
        json.dumps({"name": wash.name, "price": "128.50", "member_price": "130"}),
        content_type="application/json",
        **headers,
    )
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["field"] == "member_price"
    saved = client.put(
        f"/api/v1/merchant/items/{wash.pk}",
        json.dumps({"name": wash.name, "price": "128.50", "member_price": "100", "buyable": True}),
        content_type="application/json",
        **headers,
    )
    assert saved.status_code == 200 and saved.json()["member_price"] == "100.00"
    bill = counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[LineIn(haircut.pk, 1), LineIn(wash.pk, 1)],
        tenders=[TenderIn("cash", "161.20")],
        idempotency_key="own-price",
    )
    assert bill.member_savings == Decimal("35.30")  # 6.80 + 28.50
    assert [line.member_off for line in bill.lines.all()] == [Decimal("6.80"), Decimal("28.50")]
    walk_in = counter.ring_up(
        actor=owner,
        lines=[LineIn(wash.pk, 1)],
        tenders=[TenderIn("cash", "128.50")],
        idempotency_key="walk-in",
    )
    assert walk_in.member_savings == 0
    # The store page shows the member price beside the price.
    page = client.get(f"/stores/{store.pk}/").content.decode()
    assert "data-member-price" in page and "100.00" in page


@pytest.mark.parametrize(
    "mix",
    [
        {"stored_value": "115.65"},
        {"cash": "115.65"},
        {"outside": "115.65"},
        {"stored_value": "100", "cash": "15.65"},
        {"stored_value": "15.65", "outside": "100"},
        {"cash": "15.65", "outside": "100"},
        {"stored_value": "50", "cash": "25.65", "outside": "40"},
    ],
    ids=lambda mix: "+".join(mix),
)
def test_every_tender_mix_pays_the_member_price(salon, member, mix):
    """精洗打蜡 ¥128.50 less the 贵宾卡's 10% = ¥115.65, paid in every mix of tenders: the card
    gives exactly its part, each tender is kept with its kind, the points follow what was paid."""
    owner, store, haircut, wash = salon
    tenders = [
        TenderIn(kind, amount, method="微信支付" if kind == "outside" else "")
        for kind, amount in mix.items()
    ]
    bill = counter.ring_up(
        actor=owner,
        card_id=member.pk,
        lines=[LineIn(wash.pk, 1)],
        tenders=tenders,
        password="258036",
        idempotency_key=f"mix-{'+'.join(mix)}",
    )
    assert bill.total == Decimal("115.65")
    kept = {tender.kind: tender.amount for tender in bill.tenders.all()}
    assert kept == {kind: Decimal(amount) for kind, amount in mix.items()}
    card = Card.objects.get(pk=member.pk)
    assert card.balance == Decimal("200") - Decimal(mix.get("stored_value", "0"))
    assert bill.points_earned == 231 and card.points == 1000 + 231
