"""The merchant's reports as JSON: the same tables the dashboard and the printed reports show."""

import datetime as dt
from typing import Literal

from ninja import Router, Schema

from regulars.accounts.auth import AUTH
from regulars.core.boundary import BusinessDate
from regulars.core.replicas import replica_reads
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors

console = Router(tags=["console: reports"], auth=AUTH)


class TableOut(Schema):
    key: str
    title: str
    columns: list[str]
    rows: list[list]
    note: str


class KpiOut(Schema):
    label: str
    value: str


class ReportOut(Schema):
    kind: str
    start: dt.date
    end: dt.date  # exclusive
    kpis: list[KpiOut]
    tables: list[TableOut]


@console.get("/reports/{kind}", response=ReportOut)
def report(
    request, kind: Literal["dashboard", "weekly", "monthly"], date: BusinessDate | None = None
):
    """The twelve-month dashboard, or the week or month that holds `date` (default today)."""
    actor = actor_for(request)
    actor.require(Action.VIEW_REPORTS)
    period = selectors.Period.for_kind(kind, date)
    with replica_reads(request):
        found = selectors.report(actor.merchant, period)
    return {
        "kind": kind,
        "start": period.start,
        "end": period.end,
        "kpis": [{"label": label, "value": str(value)} for label, value in found.kpis],
        "tables": found.tables,
    }
