"""The role matrix: `merchants.permissions.ROLE_ACTIONS` is the declared table of what each staff
role may do; every cell is tried against a real endpoint. Allowed means the endpoint answers (not
403); denied means 403 and nothing changed. A new action without a probe here fails the test."""

import datetime as dt
import json

import pytest

from regulars.accounts.services import create_api_token
from regulars.core import clock
from regulars.counter import services as counter
from regulars.customers.models import Customer
from regulars.merchants.models import Role, StaffMember
from regulars.merchants.permissions import ROLE_ACTIONS, Action
from regulars.orders import services as order_services
from regulars.reviews import services as reviews
from tests.conftest import PEOPLE_SQUARE, make_person
from tests.orders.test_orders import pay_by_sandbox

from . import sweep


def _campaign_body() -> dict:
    now = clock.now()
    return {
        "name": "会员日满减",
        "kind": "amount_off",
        "amount": "10",
        "stock": 50,
        "valid_from": now.isoformat(),
        "valid_until": (now + dt.timedelta(days=10)).isoformat(),
    }


# Action → (method, path, body): one real endpoint guarded by exactly that action.
PROBES = {
    Action.VIEW_CONSOLE: ("GET", "/api/v1/merchant/me", None),
    Action.MANAGE_STORES: (
        "POST",
        "/api/v1/merchant/stores",
        lambda ctx: {
            "name": "新店",
            "category": "hair-salon",
            "address": "上海市黄浦区南京东路1号",
            "lat": PEOPLE_SQUARE[0],
            "lng": PEOPLE_SQUARE[1],
        },
    ),
    Action.MANAGE_CATALOGUE: (
        "POST",
        "/api/v1/merchant/stores/{store}/items",
        lambda ctx: {"name": "头部按摩", "price": "38"},
    ),
    Action.VIEW_STAFF: ("GET", "/api/v1/merchant/staff", None),
    Action.MANAGE_STAFF: (
        "POST",
        "/api/v1/merchant/staff/invitations",
        lambda ctx: {"contact": "13700001234", "role": "cashier"},
    ),
    Action.HANDLE_BOOKINGS: ("GET", "/api/v1/merchant/reservations?start=2026-12-01", None),
    Action.CONFIRM_CONSUMPTION: (
        "POST",
        "/api/v1/merchant/orders/consume",
        lambda ctx: {"code": ctx["order_code"]},
    ),
    Action.ADD_MANUAL_LINES: (
        "POST",
        "/api/v1/merchant/bills",
        lambda ctx: {
            "lines": [{"name": "加长费", "price": "30", "reason": "头发过肩"}],
            "tenders": [{"kind": "cash", "amount": "30"}],
            "idempotency_key": f"typed-{ctx['role']}",
        },
    ),
    Action.REFUND_BILLS: (
        "POST",
        "/api/v1/merchant/bills/{bill}/refunds",
        lambda ctx: {"reason": "顾客退单", "idempotency_key": f"refund-{ctx['role']}"},
    ),
    Action.USE_TILL: (
        "POST",
        "/api/v1/merchant/cards/{card}/top-ups",
        lambda ctx: {"amount": "100", "idempotency_key": f"matrix-{ctx['role']}"},
    ),
    Action.VIEW_ORDERS: ("GET", "/api/v1/merchant/orders", None),
    Action.REPLY_REVIEWS: (
        "POST",
        "/api/v1/merchant/reviews/{review}/reply",
        lambda ctx: {"text": "谢谢光临！"},
    ),
    Action.VIEW_SETTLEMENT: ("GET", "/api/v1/merchant/settlement", None),
    Action.MANAGE_CAMPAIGNS: ("POST", "/api/v1/merchant/campaigns", lambda ctx: _campaign_body()),
    Action.VIEW_CAMPAIGNS: ("GET", "/api/v1/merchant/campaigns", None),
    Action.VIEW_CUSTOMERS: ("GET", "/api/v1/merchant/customers", None),
    Action.VIEW_CUSTOMER_CONTACT: ("GET", "/api/v1/merchant/customers/{customer}", None),
    Action.EDIT_CUSTOMERS: (
        "PATCH",
        "/api/v1/merchant/customers/{customer}",
        lambda ctx: {"name": "王先生", "notes": "喜欢安静"},
    ),
    Action.CONFIGURE_CUSTOMERS: (
        "PUT",
        "/api/v1/merchant/value-levels",
        lambda ctx: [{"name": "银卡", "min_spend": "500"}, {"name": "金卡", "min_spend": "2000"}],
    ),
    Action.VIEW_REPORTS: ("GET", "/api/v1/merchant/reports/weekly", None),
    Action.ASSIGN_CUSTOMERS: (
        "POST",
        "/api/v1/merchant/customer-hand-overs",
        lambda ctx: {"from_user_id": ctx["leaving"], "to_user_ids": [ctx["owner"]]},
    ),
    Action.VIEW_AUDIT_LOG: ("GET", "/api/v1/merchant/audit", None),
    Action.DESIGN_CARDS: (
        "PUT",
        "/api/v1/merchant/card-program/tiers/{tier}",
        lambda ctx: {"name": "白金卡", "discount_percent": 90},
    ),
    Action.ISSUE_CARDS: ("POST", "/api/v1/merchant/cards", lambda ctx: {"phone": "13700005555"}),
    Action.ADJUST_CARD_BALANCES: (
        "POST",
        "/api/v1/merchant/cards/{card}/points-adjustments",
        lambda ctx: {"delta": 50, "reason": "补录", "idempotency_key": f"adj-{ctx['role']}"},
    ),
    Action.DECIDE_CARD_TIERS: (
        "POST",
        "/api/v1/merchant/cards/{card}/tier",
        lambda ctx: {"tier_id": ctx["tier"], "reason": "老客答谢"},
    ),
}


def test_every_action_of_the_table_has_a_probe():
    actions = {value for name, value in vars(Action).items() if not name.startswith("_")}
    assert set(PROBES) == actions
    assert set(ROLE_ACTIONS) == set(Role.values)


@pytest.fixture
def shop(salon, card, consumer):
    owner, store, haircut, _wash = salon
    paid, _url = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(paid, event_id="matrix-order")
    review = reviews.post_review(author=consumer, store_id=store.pk, stars=4, text="不错")
    bill = counter.ring_up(
        actor=owner,
        lines=[counter.LineIn(haircut.pk, 1)],
        tenders=[counter.TenderIn("cash", str(haircut.price))],
        idempotency_key="matrix-bill",
    )
    staff = {}
    for role in Role.values:
        if role == Role.OWNER:
            staff[role] = owner.user
            continue
        person = make_person(f"1370000{len(staff):04d}", role)
        StaffMember.objects.create(merchant=owner.merchant, user=person, role=role)
        staff[role] = person
    leaving = make_person("13700009999", "离职的客户经理")
    StaffMember.objects.create(merchant=owner.merchant, user=leaving, role=Role.ACCOUNT_MANAGER)
    customer = Customer.objects.get(merchant=owner.merchant, consumer=consumer)
    Customer.objects.filter(pk=customer.pk).update(account_manager=leaving)
    return {
        "staff": staff,
        "store": store.pk,
        "card": card.pk,
        "review": review.pk,
        "customer": customer.pk,
        "leaving": leaving.pk,
        "owner": owner.user.pk,
        "tier": card.program.tiers.order_by("-rank").first().pk,
        "order_code": paid.code,
        "bill": bill.pk,
    }


CELLS = [(role, action) for role in Role.values for action in sorted(PROBES)]


@pytest.mark.parametrize(("role", "action"), CELLS)
def test_each_cell_of_the_role_matrix(client, shop, role, action):
    method, path, body = PROBES[action]
    context = {**shop, "role": role}
    url = path.format(**{k: v for k, v in shop.items() if not isinstance(v, dict)})
    headers = {"HTTP_AUTHORIZATION": f"Bearer {create_api_token(user=shop['staff'][role])}"}
    allowed = action in ROLE_ACTIONS[role]
    before = sweep.database_fingerprint()
    kwargs = {}
    if body is not None:
        kwargs = {"data": json.dumps(body(context)), "content_type": "application/json"}
    answer = getattr(client, method.lower())(url, **kwargs, **headers)
    if action == Action.VIEW_CUSTOMER_CONTACT:
        # Everyone who sees customers gets the profile; the phone is unmasked only with the right.
        assert answer.status_code == 200, answer.content
        assert answer.json()["phone_masked"] is (not allowed)
        return
    if allowed:
        assert answer.status_code < 400, (role, action, answer.status_code, answer.content)
    else:
        assert answer.status_code == 403, (role, action, answer.status_code, answer.content)
        changed = sweep.changed_tables(before, sweep.database_fingerprint())
        assert changed == [], changed
