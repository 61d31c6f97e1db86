"""The merchant's reports: customer growth, retention cohorts, churn, segments, campaign return,
top services and staff performance, for the dashboard (twelve months) and for the weekly and
monthly reports. Every section is a table (exportable as CSV) with the chart drawn from it.

Methods: docs/analytics.md, "Reports".
"""

import datetime as dt
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Avg, Count, Q, Sum
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.customers.models import Customer, RfmSegment
from regulars.orders.models import USED_STATUSES
from regulars.promotions.visits import Visit, till_purchases, visits

LAPSE_DAYS = 90  # a customer silent this long counts as lost (won back if they return)
COHORT_MONTHS = 6


# ---- periods ----------------------------------------------------------------------------------


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str  # "dashboard", "weekly" or "monthly"
    start: dt.date
    end: dt.date  # exclusive
    grain: str  # "day" or "month": one row of the growth and churn tables each

    @classmethod
    def dashboard(cls, today: dt.date | None = None) -> "Period":
        today = today or clock.today()
        return cls("dashboard", _add_months(today, -11), _add_months(today, 1), "month")

    @classmethod
    def weekly(cls, day: dt.date) -> "Period":
        monday = day - dt.timedelta(days=day.weekday())
        return cls("weekly", monday, monday + dt.timedelta(days=7), "day")

    @classmethod
    def monthly(cls, day: dt.date) -> "Period":
        return cls("monthly", _month_start(day), _add_months(day, 1), "day")

    @classmethod
    def for_kind(cls, kind: str, day: dt.date | None = None) -> "Period":
        """The period holding `day`; without one, the dashboard and week run to today, and the
        monthly report opens on the last month that is over (on 2 December, November: a
        two-day-old month says nothing yet)."""
        if day is None and kind == "monthly":
            day = _add_months(clock.today(), -1)
        day = day or clock.today()
        return {"dashboard": cls.dashboard, "weekly": cls.weekly, "monthly": cls.monthly}[kind](day)

    def buckets(self) -> list[dt.date]:
        found, day = [], self.start
        while day < self.end:
            found.append(day)
            day = _add_months(day, 1) if self.grain == "month" else day + dt.timedelta(days=1)
        return found

    def bucket_of(self, day: dt.date) -> dt.date:
        return _month_start(day) if self.grain == "month" else day

    def label(self, bucket: dt.date) -> str:
        return f"{bucket:%Y-%m}" if self.grain == "month" else f"{bucket:%m-%d}"

    def previous(self) -> dt.date:
        return self.start - dt.timedelta(days=1)

    def next(self) -> dt.date:
        return self.end

    @property
    def aware_start(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time()))

    @property
    def aware_end(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.end, dt.time()))


# ---- tables -----------------------------------------------------------------------------------


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    chart: dict | None = None  # drawn by app.js: kind, categories, series [{name, values}]
    note: str = ""


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(Decimal("0.01"))


def growth(merchant, period: Period, seen: list[Visit]) -> Table:
    buckets = period.buckets()
    firsts = Customer.objects.filter(
        merchant=merchant,
        first_seen_at__gte=period.aware_start,
        first_seen_at__lt=period.aware_end,
    ).values_list("first_seen_at", flat=True)
    new = Counter(period.bucket_of(timezone.localdate(at)) for at in firsts)
    active, count, revenue = defaultdict(set), Counter(), defaultdict(Decimal)
    for visit in seen:
        if period.start <= visit.day < period.end:
            bucket = period.bucket_of(visit.day)
            active[bucket].add(visit.consumer_id)
            count[bucket] += 1
            revenue[bucket] += visit.amount
    rows = [
        [
            period.label(b),
            new[b],
            len(active[b]),
            count[b],
            _money(revenue[b]),
        ]
        for b in buckets
    ]
    return Table(
        "growth",
        _("Customer growth"),
        [_("Period"), _("New customers"), _("Active customers"), _("Visits"), _("Revenue (¥)")],
        rows,
        {
            "kind": "bar-line",
            "categories": [r[0] for r in rows],
            "series": [
                {"name": _("New customers"), "values": [r[1] for r in rows], "type": "bar"},
                {"name": _("Active customers"), "values": [r[2] for r in rows], "type": "line"},
            ],
        },
    )


def cohorts(merchant, period: Period, seen: list[Visit]) -> Table:
    """Customers grouped by the month of their first visit; the share who came back in each
    following month."""
    last_cohort = _month_start(period.end - dt.timedelta(days=1))
    first_cohort = _add_months(last_cohort, -(COHORT_MONTHS - 1))
    first_visit = {}
    for consumer, at in Customer.objects.filter(
        merchant=merchant, consumer__isnull=False, first_seen_at__isnull=False
    ).values_list("consumer_id", "first_seen_at"):
        first_visit[consumer] = _month_start(timezone.localdate(at))
    months_active = defaultdict(set)
    for visit in seen:
        months_active[visit.consumer_id].add(_month_start(visit.day))
    rows, heat = [], []
    for index in range(COHORT_MONTHS):
        cohort = _add_months(first_cohort, index)
        members = [c for c, month in first_visit.items() if month == cohort]
        row = [f"{cohort:%Y-%m}", len(members)]
        for after in range(1, COHORT_MONTHS + 1):
            month = _add_months(cohort, after)
            if month > last_cohort or not members:
                row.append("")
                continue
            back = sum(1 for c in members if month in months_active[c])
            share = round(100 * back / len(members), 1)
            row.append(share)
            heat.append([after - 1, index, share])
        rows.append(row)
    return Table(
        "cohorts",
        _("Retention by first-visit month"),
        [_("First visit"), _("Customers")]
        + [_("Month %(n)s (percent back)") % {"n": n} for n in range(1, COHORT_MONTHS + 1)],
        rows,
        {
            "kind": "heatmap",
            "categories": [f"+{n}" for n in range(1, COHORT_MONTHS + 1)],
            "rows": [r[0] for r in rows],
            "series": [{"name": _("Percent back"), "values": heat}],
        },
    )


def churn(merchant, period: Period, seen: list[Visit], today: dt.date) -> Table:
    """Per period: the active base (visited in the 90 days before), customers lost (their
    90-day silence ran out in the period), customers won back (returned after such silence)."""
    by_customer = defaultdict(list)
    for visit in seen:
        by_customer[visit.consumer_id].append(visit.day)
    lapse = dt.timedelta(days=LAPSE_DAYS)
    lost, won = Counter(), Counter()
    for days in by_customer.values():
        for before, after in zip(days, days[1:] + [None], strict=True):
            if after is None:
                if before + lapse <= today:
                    lost[before + lapse] += 1
            elif after - before > lapse:
                lost[before + lapse] += 1
                won[after] += 1
    buckets = period.buckets()
    rows = []
    for index, bucket in enumerate(buckets):
        until = buckets[index + 1] if index + 1 < len(buckets) else period.end
        base = sum(
            1 for days in by_customer.values() if _visited_between(days, bucket - lapse, bucket)
        )
        gone = sum(n for day, n in lost.items() if bucket <= day < until)
        back = sum(n for day, n in won.items() if bucket <= day < until)
        rate = round(100 * gone / base, 1) if base else 0.0
        rows.append([period.label(bucket), base, gone, back, rate])
    slipping = Customer.objects.filter(merchant=merchant, churn_risk=True).count()
    return Table(
        "churn",
        _("Churn"),
        [
            _("Period"),
            _("Active base"),
            _("Lost (90 days silent)"),
            _("Won back"),
            _("Churn rate (percent)"),
        ],
        rows,
        {
            "kind": "bar-line",
            "categories": [r[0] for r in rows],
            "series": [
                {"name": _("Lost (90 days silent)"), "values": [r[2] for r in rows], "type": "bar"},
                {"name": _("Won back"), "values": [r[3] for r in rows], "type": "bar"},
            ],
        },
        note=_("Slipping away now (silent for longer than their usual interval): %(n)s")
        % {"n": slipping},
    )


def _visited_between(days: list[dt.date], since: dt.date, until: dt.date) -> bool:
    position = bisect_right(days, since - dt.timedelta(days=1))
    return position < len(days) and days[position] < until


def segments(merchant) -> Table:
    """Today's distribution of customers over RFM segments and value levels."""
    total = Customer.objects.filter(merchant=merchant).count()
    by_segment = dict(
        Customer.objects.filter(merchant=merchant)
        .values_list("rfm_segment")
        .annotate(n=Count("id"))
    )
    by_level = (
        Customer.objects.filter(merchant=merchant, value_level__isnull=False)
        .values_list("value_level__name", "value_level__min_spend")
        .annotate(n=Count("id"))
        .order_by("-value_level__min_spend")
    )

    def share(n):
        return round(100 * n / total, 1) if total else 0.0

    rows = [
        [_("RFM segment"), str(label), by_segment.get(key, 0), share(by_segment.get(key, 0))]
        for key, label in RfmSegment.choices
    ]
    unscored = by_segment.get("", 0)
    rows.append([_("RFM segment"), _("Not visited yet"), unscored, share(unscored)])
    rows += [[_("Value level"), name, n, share(n)] for name, _spend, n in by_level]
    pie = [{"name": r[1], "value": r[2]} for r in rows if r[0] == _("RFM segment") and r[2]]
    return Table(
        "segments",
        _("Segments"),
        [_("Grouping"), _("Group"), _("Customers"), _("Share (percent)")],
        rows,
        {"kind": "pie", "series": [{"name": _("RFM segment"), "values": pie}]},
    )


def campaigns(merchant, period: Period) -> Table:
    """Each campaign with claims or redemptions in the period: what it brought in and cost."""
    from regulars.promotions.models import Campaign

    window = Q(coupons__claimed_at__gte=period.aware_start) & Q(
        coupons__claimed_at__lt=period.aware_end
    )
    used = (
        Q(redemptions__created_at__gte=period.aware_start)
        & Q(redemptions__created_at__lt=period.aware_end)
        & Q(redemptions__reversed_at__isnull=True)
    )
    claimed = dict(
        Campaign.objects.filter(merchant=merchant)
        .filter(window)
        .values_list("id")
        .annotate(n=Count("coupons"))
    )
    redeemed = {
        row["id"]: row
        for row in Campaign.objects.filter(merchant=merchant)
        .filter(used)
        .values("id")
        .annotate(n=Count("redemptions"), bill=Sum("redemptions__bill"))
        .annotate(cost=Sum("redemptions__discount"))
    }
    names = dict(
        Campaign.objects.filter(pk__in=set(claimed) | set(redeemed)).values_list("id", "name")
    )
    rows = []
    for campaign_id, name in names.items():
        used_row = redeemed.get(campaign_id, {})
        bill, cost = _money(used_row.get("bill")), _money(used_row.get("cost"))
        rows.append(
            [
                name,
                claimed.get(campaign_id, 0),
                used_row.get("n", 0),
                bill,
                cost,
                round(float(bill / cost), 1) if cost else "",
            ]
        )
    rows.sort(key=lambda row: (-row[3], row[0]))
    return Table(
        "campaigns",
        _("Campaign return"),
        [
            _("Campaign"),
            _("Claimed"),
            _("Redeemed"),
            _("Revenue (¥)"),
            _("Discount cost (¥)"),
            _("Revenue per ¥1 of discount"),
        ],
        rows,
        {
            "kind": "bar",
            "categories": [r[0] for r in rows[:10]],
            "series": [
                {"name": _("Revenue (¥)"), "values": [float(r[3]) for r in rows[:10]]},
                {"name": _("Discount cost (¥)"), "values": [float(r[4]) for r in rows[:10]]},
            ],
        },
    )


def services(merchant, period: Period) -> Table:
    """The services sold online in the period by revenue, and what was spent at the till."""
    from regulars.orders.models import OrderLine

    lines = (
        OrderLine.objects.filter(
            order__merchant=merchant,
            order__status__in=USED_STATUSES,
            order__consumed_at__gte=period.aware_start,
            order__consumed_at__lt=period.aware_end,
        )
        .values("item_id", "name")
        .annotate(
            quantity=Sum("quantity"),
            buyers=Count("order__consumer_id", distinct=True),
            revenue=Sum("amount"),
        )
    )
    rows = sorted(
        ([row["name"], row["quantity"], row["buyers"], _money(row["revenue"])] for row in lines),
        key=lambda row: (-row[3], row[0]),
    )
    till = (
        till_purchases(merchant.pk)
        .filter(
            created_at__gte=period.aware_start,
            created_at__lt=period.aware_end,
        )
        .aggregate(
            n=Count("id"), buyers=Count("card__consumer", distinct=True), total=Sum("amount")
        )
    )
    if till["n"]:
        rows.append(
            [_("At the till (card purchases)"), till["n"], till["buyers"], _money(till["total"])]
        )
    rated = _item_ratings(merchant, period)
    for row in rows:
        row.append(rated.get(row[0], ""))
    top = rows[:10]
    return Table(
        "services",
        _("Top services"),
        [
            _("Service"),
            _("Sold"),
            _("Buyers"),
            _("Sales before discounts (¥)"),
            _("Customers' rating (1–5)"),
        ],
        rows,
        {
            "kind": "hbar",
            "categories": [r[0] for r in reversed(top)],
            "series": [
                {
                    "name": _("Sales before discounts (¥)"),
                    "values": [float(r[3]) for r in reversed(top)],
                }
            ],
        },
    )


def _item_ratings(merchant, period: Period) -> dict[str, float]:
    """Each service's average score in the period: surveys answered and follow-up calls made."""
    from regulars.relationships.models import Task
    from regulars.servicedesk.models import Survey

    scores = defaultdict(list)
    answers = Survey.objects.filter(
        merchant=merchant,
        answered_at__gte=period.aware_start,
        answered_at__lt=period.aware_end,
    ).values_list("item_scores", flat=True)
    calls = Task.objects.filter(
        merchant=merchant, done_at__gte=period.aware_start, done_at__lt=period.aware_end
    ).values_list("item_scores", flat=True)
    for answer in [*answers, *calls]:
        for name, score in (answer or {}).items():
            scores[name].append(score)
    return {name: round(sum(got) / len(got), 2) for name, got in scores.items()}


def staff(merchant, period: Period) -> Table:
    """What each staff member did in the period, and the customers they look after."""
    from regulars.membership.models import Purchase
    from regulars.merchants.models import StaffMember
    from regulars.orders.models import Order
    from regulars.promotions.models import Redemption

    in_period = {"gte": period.aware_start, "lt": period.aware_end}

    def per_user(queryset, user_field, time_field, amount=None):
        rows = queryset.filter(
            **{f"{time_field}__gte": in_period["gte"], f"{time_field}__lt": in_period["lt"]}
        ).values_list(user_field)
        rows = (
            rows.annotate(n=Count("id"), total=Sum(amount))
            if amount
            else rows.annotate(n=Count("id"))
        )
        return {row[0]: row[1:] for row in rows}

    confirmed = per_user(
        Order.objects.filter(merchant=merchant, status__in=USED_STATUSES),
        "consumed_by",
        "consumed_at",
    )
    till = per_user(
        Purchase.objects.filter(merchant=merchant, order__isnull=True, voids__isnull=True),
        "recorded_by",
        "created_at",
        "amount",
    )
    redeemed = per_user(
        Redemption.objects.filter(merchant=merchant, reversed_at__isnull=True),
        "redeemed_by",
        "created_at",
    )
    owned = dict(
        Customer.objects.filter(merchant=merchant, account_manager__isnull=False)
        .values_list("account_manager")
        .annotate(n=Count("id"))
    )
    rows = []
    for member in StaffMember.objects.filter(merchant=merchant).select_related("user"):
        user = member.user_id
        till_n, till_total = till.get(user, (0, None))
        rows.append(
            [
                str(member.user),
                member.get_role_display(),
                confirmed.get(user, (0,))[0],
                till_n,
                _money(till_total),
                redeemed.get(user, (0,))[0],
                owned.get(user, 0),
            ]
        )
    rows.sort(key=lambda row: (-(row[2] + row[3] + row[5]), row[0]))
    return Table(
        "staff",
        _("Staff performance"),
        [
            _("Staff"),
            _("Role"),
            _("Orders confirmed"),
            _("Till purchases"),
            _("Till amount (¥)"),
            _("Coupons redeemed"),
            _("Customers looked after"),
        ],
        rows,
        {
            "kind": "stacked",
            "categories": [r[0] for r in rows],
            "series": [
                {"name": _("Orders confirmed"), "values": [r[2] for r in rows]},
                {"name": _("Till purchases"), "values": [r[3] for r in rows]},
                {"name": _("Coupons redeemed"), "values": [r[5] for r in rows]},
            ],
        },
    )


def team(merchant, period: Period) -> Table:
    """What each person on the team served, the takings it brought and their commission (提成),
    by the commission rules; refunds taken off (the commission report has every line)."""
    from regulars.counter import commissions

    people = commissions.report(merchant, period.start, period.end - dt.timedelta(days=1))
    rows = [
        [str(p.member), p.services, p.takings, p.commission]
        for p in people
        if p.lines or p.member.is_active
    ]
    return Table(
        "team",
        _("Team performance"),
        [_("Team member"), _("Services"), _("Takings (¥)"), _("Commission (¥)")],
        rows,
        {
            "kind": "hbar",
            "categories": [r[0] for r in rows],
            "series": [{"name": _("Commission (¥)"), "values": [float(r[3]) for r in rows]}],
        },
    )


def satisfaction(merchant, period: Period) -> Table:
    """Survey answers per period: how many, average satisfaction (1–5) and the Net Promoter
    Score (percent of 9–10 answers minus percent of 0–6)."""
    from regulars.servicedesk.models import Survey

    answers = defaultdict(list)
    for at, recommend, satisfied in Survey.objects.filter(
        merchant=merchant,
        answered_at__gte=period.aware_start,
        answered_at__lt=period.aware_end,
    ).values_list("answered_at", "recommend", "satisfied"):
        answers[period.bucket_of(timezone.localdate(at))].append((recommend, satisfied))
    rows = []
    for bucket in period.buckets():
        got = answers[bucket]
        if got:
            promoters = sum(1 for r, _s in got if r >= 9)
            detractors = sum(1 for r, _s in got if r <= 6)
            nps = round(100 * (promoters - detractors) / len(got))
            csat = round(sum(s for _r, s in got) / len(got), 2)
        else:
            nps, csat = "", ""
        rows.append([period.label(bucket), len(got), csat, nps])
    return Table(
        "satisfaction",
        _("Satisfaction surveys"),
        [_("Period"), _("Answers"), _("Average satisfaction (1–5)"), _("Net Promoter Score")],
        rows,
        {
            "kind": "bar-line",
            "categories": [r[0] for r in rows],
            "series": [
                {"name": _("Answers"), "values": [r[1] for r in rows], "type": "bar"},
                {
                    "name": _("Net Promoter Score"),
                    "values": [r[3] if r[3] != "" else None for r in rows],
                    "type": "line",
                },
            ],
        },
    )


def complaints(merchant, period: Period) -> Table:
    """The complaint analysis and service levels: per category, complaints opened in the
    period, closed, stages finished within their limit, escalated, follow-up satisfaction."""
    from regulars.servicedesk.models import Ticket, TicketCategory, TicketEvent

    opened = Ticket.objects.filter(
        merchant=merchant, opened_at__gte=period.aware_start, opened_at__lt=period.aware_end
    )
    per = {
        row["category"]: row
        for row in opened.values("category").annotate(
            n=Count("id"),
            closed=Count("id", filter=Q(stage="closed")),
            escalated=Count("id", filter=Q(escalation__gt=0)),
        )
    }
    stages = {
        row["ticket__category"]: row
        for row in TicketEvent.objects.filter(ticket__in=opened, kind="stage")
        .values("ticket__category")
        .annotate(done=Count("id"), on_time=Count("id", filter=Q(on_time=True)))
    }
    scores = dict(
        opened.filter(satisfaction__isnull=False)
        .values_list("category")
        .annotate(avg=Avg("satisfaction"))
    )
    rows = []
    for key, label in TicketCategory.choices:
        row, stage = per.get(key), stages.get(key, {})
        if not row:
            continue
        on_time = round(100 * stage["on_time"] / stage["done"], 1) if stage.get("done") else ""
        score = round(scores[key], 2) if key in scores else ""
        rows.append([str(label), row["n"], row["closed"], on_time, row["escalated"], score])
    return Table(
        "complaints",
        _("Complaints and service levels"),
        [
            _("Category"),
            _("Opened"),
            pgettext("complaints", "Closed"),
            _("Stages within their limit (percent)"),
            _("Escalated"),
            _("Follow-up satisfaction (1–5)"),
        ],
        rows,
        {
            "kind": "bar",
            "categories": [r[0] for r in rows],
            "series": [
                {"name": _("Opened"), "values": [r[1] for r in rows]},
                {"name": _("Escalated"), "values": [r[4] for r in rows]},
            ],
        },
    )


@dataclass(frozen=True)
class Report:
    period: Period
    kpis: list[tuple[str, object]]
    tables: list[Table]

    def table(self, key: str) -> Table | None:
        return next((t for t in self.tables if t.key == key), None)


TABLE_KEYS = (
    "growth",
    "cohorts",
    "churn",
    "segments",
    "campaigns",
    "services",
    "staff",
    "team",
    "satisfaction",
    "complaints",
)


DASHBOARD_CACHE_SECONDS = 300


def dashboard_report(merchant, *, fresh: bool = False) -> tuple[Report, dt.datetime]:
    """The dashboard's twelve months and when they were computed. Computing them reads a year
    of the merchant's visits (a few hundred milliseconds in a busy shop) and a minute's sales
    barely move a year's figures, so the report is kept five minutes per merchant, day and
    language; the page says when it was computed and `fresh` recomputes it at once."""
    period = Period.dashboard()
    key = f"analytics:dashboard:{merchant.pk}:{period.start:%Y%m%d}:{get_language()}"
    found = None if fresh else cache.get(key)
    if found is None:
        found = (report(merchant, period), clock.now())
        cache.set(key, found, DASHBOARD_CACHE_SECONDS)
    return found


def report(merchant, period: Period, today: dt.date | None = None) -> Report:
    today = today or clock.today()
    earliest = min(
        period.start - dt.timedelta(days=LAPSE_DAYS * 2),
        _add_months(_month_start(period.end - dt.timedelta(days=1)), -(COHORT_MONTHS - 1)),
    )
    since = timezone.make_aware(dt.datetime.combine(earliest, dt.time()))
    seen = visits(merchant.pk, since, clock.now() + dt.timedelta(days=1))
    tables = [
        growth(merchant, period, seen),
        cohorts(merchant, period, seen),
        churn(merchant, period, seen, today),
        segments(merchant),
        campaigns(merchant, period),
        services(merchant, period),
        staff(merchant, period),
        team(merchant, period),
        satisfaction(merchant, period),
        complaints(merchant, period),
    ]
    grown = tables[0].rows
    in_period = [v for v in seen if period.start <= v.day < period.end]
    visitors = Counter(v.consumer_id for v in in_period)
    kpis = [
        (_("Customers"), Customer.objects.filter(merchant=merchant).count()),
        (_("New customers"), sum(r[1] for r in grown)),
        (_("Active customers"), len(visitors)),
        (_("Revenue (¥)"), _money(sum((v.amount for v in in_period), Decimal("0")))),
        (
            _("Active customers who visited more than once (percent)"),
            round(100 * sum(1 for n in visitors.values() if n > 1) / len(visitors), 1)
            if visitors
            else 0.0,
        ),
        (
            _("Slipping away now"),
            Customer.objects.filter(merchant=merchant, churn_risk=True).count(),
        ),
    ]
    return Report(period, kpis, tables)
