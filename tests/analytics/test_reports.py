"""The reports: growth, cohorts, churn, segments, campaign return, top services, staff; pages,
CSV and API."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from regulars.analytics import selectors
from regulars.analytics.selectors import Period
from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.customers import services as customer_services
from regulars.orders import services as order_services
from regulars.orders.models import Order
from regulars.promotions import services as coupons
from regulars.servicedesk import services as desk_services
from tests.conftest import make_person
from tests.orders.test_orders import pay_by_sandbox
from tests.promotions.conftest import make_campaign

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def visit(salon, person, day: dt.date, event: str, item=None):
    """A consumed online order backdated to `day`."""
    owner, store, haircut, _wash = salon
    order, _url = order_services.place_order(
        consumer=person,
        store_id=store.pk,
        lines=[((item or haircut).pk, 1)],
        payment_method="sandbox",
    )
    pay_by_sandbox(order, event_id=event)
    order_services.confirm_consumption(actor=owner, code=order.code)
    Order.objects.filter(pk=order.pk).update(consumed_at=at(day))
    return order


@pytest.fixture(autouse=True)
def _on_the_day_of_the_history():
    """The history below is dated: its reports are read on TODAY, whatever the calendar says."""
    clock.pin(at(TODAY))


@pytest.fixture
def history(salon):
    """Three customers of the salon:
    A: first in 2026-06, back in 2026-07 and 2026-08 (haircuts);
    B: first in 2026-06, never back (lost 90 days later, in September);
    C: first in 2026-03, silent for 120 days, back in 2026-07 (won back), washes."""
    _owner, _store, _haircut, wash = salon
    a, b, c = (
        make_person(f"1380000{n:04d}", name) for n, name in ((301, "甲"), (302, "乙"), (303, "丙"))
    )
    visit(salon, a, dt.date(2026, 6, 5), "a1")
    visit(salon, a, dt.date(2026, 7, 5), "a2")
    visit(salon, a, dt.date(2026, 8, 5), "a3")
    visit(salon, b, dt.date(2026, 6, 10), "b1")
    visit(salon, c, dt.date(2026, 3, 1), "c1", wash)
    visit(salon, c, dt.date(2026, 6, 29), "c2", wash)
    customer_services.rebuild_directory()
    customer_services.score_customers()
    return a, b, c


def test_growth_cohorts_and_churn(salon, history):
    merchant = salon[0].merchant
    found = selectors.report(merchant, Period.dashboard(TODAY), today=TODAY)
    growth = {row[0]: row for row in found.table("growth").rows}
    assert growth["2026-06"][1:] == [2, 3, 3, Decimal("136.00") + Decimal("128.50")]
    assert growth["2026-07"][1:3] == [0, 1]
    assert growth["2026-03"][1] == 1
    cohorts = {row[0]: row for row in found.table("cohorts").rows}
    # June's cohort (A and B): half came back in July and in August, none since.
    assert cohorts["2026-06"][1:5] == [2, 50.0, 50.0, 0.0]
    assert cohorts["2026-11"][2] == ""  # the future is left blank
    churn = {row[0]: row for row in found.table("churn").rows}
    assert churn["2026-05"][2] == 1 and churn["2026-06"][3] == 1  # C lost in May, back in June
    # B (last seen 10 June) and C (29 June) are lost in September, A (5 August) in November.
    assert churn["2026-09"][1:5] == [3, 2, 0, 66.7]
    assert churn["2026-11"][2] == 1


def test_services_staff_segments_and_campaign_return(salon, history):
    owner, store, _haircut, _wash = salon
    merchant = owner.merchant
    person = history[0]
    campaign = make_campaign(owner, name="满100减20", amount="20", threshold="100")
    coupon = coupons.claim(consumer=person, campaign_id=campaign.pk)
    coupons.redeem_at_till(actor=owner, code=coupon.code, bill=Decimal("150"))
    found = selectors.report(merchant, Period.dashboard(TODAY), today=TODAY)
    services = found.table("services").rows
    assert services[0] == ["洗剪吹", 4, 2, Decimal("272.00"), ""]
    assert services[1] == ["精洗打蜡", 2, 1, Decimal("257.00"), ""]
    staff = found.table("staff").rows
    assert staff[0][0] == str(owner.user) and staff[0][2] == 6 and staff[0][5] == 1
    campaigns = found.table("campaigns").rows
    assert campaigns == [["满100减20", 1, 1, Decimal("150.00"), Decimal("20.00"), 7.5]]
    segments = {(row[0], row[1]): row[2] for row in found.table("segments").rows}
    assert sum(n for (group, _name), n in segments.items() if group == "RFM segment") == 3


def test_periods():
    assert Period.weekly(TODAY).start == dt.date(2026, 11, 23)
    assert Period.weekly(dt.date(2026, 11, 29)).end == dt.date(2026, 11, 30)
    month = Period.monthly(dt.date(2026, 12, 15))
    assert (month.start, month.end, len(month.buckets())) == (
        dt.date(2026, 12, 1),
        dt.date(2027, 1, 1),
        31,
    )
    dashboard = Period.dashboard(TODAY)
    assert (dashboard.start, dashboard.end) == (dt.date(2025, 12, 1), dt.date(2026, 12, 1))
    assert len(dashboard.buckets()) == 12


def test_pages_csv_and_roles(client, salon, history, owner_b):
    owner = salon[0]
    client.force_login(owner.user)
    page = client.get("/console/reports/").content.decode()
    for key in selectors.TABLE_KEYS:
        assert f'data-report="{key}"' in page
    assert 'id="report-charts" type="application/json"' in page
    assert "<script>" not in page  # charts are drawn by app.js from the JSON: no inline script
    monthly = client.get("/console/reports/monthly/", {"date": "2026-06-15"})
    assert monthly.status_code == 200
    body = monthly.content.decode()
    assert "2026-06-01 – 2026-07-01" in body and "data-print" in body
    assert 'href="?date=2026-05-31"' in body and 'href="?date=2026-07-01"' in body
    exported = client.get("/console/reports/monthly/services.csv", {"date": "2026-06-15"})
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert rows[0][0] == "Service" and ["精洗打蜡", "1", "1", "128.50", ""] in rows
    assert client.get("/console/reports/monthly/nothing.csv").status_code == 404
    assert client.get("/console/reports/yearly/").status_code == 404
    # Another merchant's report holds only its own (empty) figures.
    client.force_login(owner_b.user)
    other = b"".join(client.get("/console/reports/dashboard/growth.csv").streaming_content).decode(
        "utf-8-sig"
    )
    assert all(line.split(",")[1:] == ["0", "0", "0", "0.00"] for line in other.splitlines()[1:])


def test_a_cashier_has_no_reports(client, salon):
    from regulars.merchants import services as merchant_services

    cashier = make_person("13900000805", "收银员")
    invitation = merchant_services.invite_staff(
        actor=salon[0], contact=cashier.phone, role="cashier"
    )
    merchant_services.accept_invitation(user=cashier, token=invitation.token)
    client.force_login(cashier)
    response = client.get("/console/reports/")
    assert response.status_code == 302
    assert 'href="/console/reports/"' not in client.get("/console/customers/").content.decode()


def test_the_reports_api(client, salon, history, api_token):
    owner = salon[0]
    found = client.get(
        "/api/v1/merchant/reports/weekly", {"date": "2026-06-10"}, **api_token(owner.user)
    )
    assert found.status_code == 200
    body = found.json()
    assert (body["start"], body["end"]) == ("2026-06-08", "2026-06-15")
    growth = next(t for t in body["tables"] if t["key"] == "growth")
    assert [r for r in growth["rows"] if r[1]] == [["06-10", 1, 1, 1, "68.00"]]
    assert client.get("/api/v1/merchant/reports/yearly", **api_token(owner.user)).status_code == 422


def test_satisfaction_and_complaint_analysis(salon, consumer):
    from regulars.servicedesk.models import Survey

    owner = salon[0]
    people = [make_person(f"1380000{880 + n:04d}", f"答{n}") for n in range(4)]
    for n, (person, recommend) in enumerate(zip(people, (10, 9, 7, 3), strict=True)):
        visit(salon, person, TODAY - dt.timedelta(days=2), f"sv{n}")
        survey = Survey.objects.get(consumer=person)
        desk_services.answer_survey(
            consumer=person, survey_id=survey.pk, recommend=recommend, satisfied=4
        )
    ticket = desk_services.open_ticket(
        merchant=owner.merchant,
        actor=owner,
        channel="staff",
        category="hygiene",
        subject="地面湿滑",
        description="x",
    )
    desk_services.advance_ticket(actor=owner, ticket_id=ticket.pk)
    found = selectors.report(owner.merchant, Period.monthly(clock.today()))
    month = found.table("satisfaction").rows
    answered = [row for row in month if row[1]]
    assert answered[0][1:] == [4, 4.0, 25]  # two promoters, one detractor of four: NPS 25
    assert found.table("complaints").rows == [["Hygiene or environment", 1, 0, 100.0, 0, ""]]


def test_corrective_actions_from_the_monthly_report(client, salon):
    from regulars.servicedesk.models import CorrectiveAction

    owner = salon[0]
    client.force_login(owner.user)
    due = (clock.today() + dt.timedelta(days=10)).isoformat()
    client.post(
        "/console/tickets/actions/",
        {
            "month": "2026-11-01",
            "category": "booking",
            "action": "周末加派一名接待，预约超时十分钟主动致电",
            "owner": owner.user.pk,
            "due_on": due,
            "next": "/console/reports/monthly/?date=2026-11-15",
        },
    )
    action = CorrectiveAction.objects.get()
    page = client.get("/console/reports/monthly/", {"date": "2026-11-15"}).content.decode()
    assert "data-corrective-actions" in page and "周末加派一名接待" in page
    with pytest.raises(DomainError, match="what changed"):
        desk_services.finish_corrective_action(actor=owner, action_id=action.pk, result=" ")
    client.post(f"/console/tickets/actions/{action.pk}/done/", {"result": "本月超时投诉为零"})
    action.refresh_from_db()
    assert action.done_at and action.result == "本月超时投诉为零"


def test_the_monthly_report_opens_on_the_last_month_that_is_over(client, salon):
    owner = salon[0]
    client.force_login(owner.user)
    clock.pin(at(dt.date(2026, 12, 2), 9))
    page = client.get("/console/reports/monthly/").content.decode()
    assert "<p data-period>2026-11-01 – 2026-12-01" in page
    assert selectors.Period.for_kind("monthly").start == dt.date(2026, 11, 1)
    assert selectors.Period.for_kind("monthly", dt.date(2026, 12, 2)).start == dt.date(2026, 12, 1)


def test_the_dashboard_is_kept_five_minutes_and_refreshed_on_request(client, salon, history):
    owner = salon[0]
    client.force_login(owner.user)
    first = client.get("/console/reports/")
    customers = dict(first.context["report"].kpis)["Customers"]
    assert "Figures as of 2026-11-23 12:00." in first.content.decode()
    visit(salon, make_person("13800000304", "丁"), TODAY, "d1")
    clock.pin(at(TODAY) + dt.timedelta(minutes=2))
    kept = client.get("/console/reports/")
    assert dict(kept.context["report"].kpis)["Customers"] == customers
    assert "Figures as of 2026-11-23 12:00." in kept.content.decode()
    fresh = client.get("/console/reports/", {"fresh": "1"})
    assert dict(fresh.context["report"].kpis)["Customers"] == customers + 1
    assert "Figures as of 2026-11-23 12:02." in fresh.content.decode()
