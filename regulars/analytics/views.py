"""The reports dashboard, the printable weekly and monthly reports and their CSV tables."""

from django.http import Http404
from django.shortcuts import render

from regulars.core import boundary, csvfile
from regulars.core.replicas import reads_from_replica
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import selectors


def _period(kind: str, request) -> selectors.Period:
    if kind not in ("dashboard", "weekly", "monthly"):
        raise Http404()
    return selectors.Period.for_kind(kind, boundary.business_day(request.GET.get("date")))


def _charts(found: selectors.Report) -> dict:
    return {table.key: table.chart for table in found.tables if table.chart}


@console_view(Action.VIEW_REPORTS)
@reads_from_replica
def dashboard(request, actor):
    found, computed_at = selectors.dashboard_report(
        actor.merchant, fresh=request.GET.get("fresh") == "1"
    )
    return render(
        request,
        "analytics/dashboard.html",
        {
            "actor": actor,
            "report": found,
            "charts": _charts(found),
            "kind": "dashboard",
            "computed_at": computed_at,
        },
    )


@console_view(Action.VIEW_REPORTS)
@reads_from_replica
def printable(request, actor, kind: str):
    """The weekly or monthly report as a page made for printing (or saving as PDF)."""
    if kind not in ("weekly", "monthly"):
        raise Http404()
    period = _period(kind, request)
    found = selectors.report(actor.merchant, period)
    context = {"actor": actor, "report": found, "charts": _charts(found), "kind": kind}
    if kind == "monthly":  # the complaint analysis and what will change because of it
        from regulars.merchants import selectors as merchant_selectors
        from regulars.servicedesk import selectors as desk_selectors
        from regulars.servicedesk.forms import CorrectiveActionForm

        context["actions"] = desk_selectors.corrective_actions(actor.merchant, period.start)
        if actor.can(Action.ASSIGN_CUSTOMERS):
            context["action_form"] = CorrectiveActionForm(
                staff=merchant_selectors.merchant_staff(actor.merchant)
            )
    return render(request, "analytics/report.html", context)


@console_view(Action.VIEW_REPORTS)
@reads_from_replica
def table_csv(request, actor, kind: str, key: str):
    """One table of a report as CSV (UTF-8 with BOM, so Excel opens the Chinese correctly)."""
    if key not in selectors.TABLE_KEYS:
        raise Http404()
    period = _period(kind, request)
    table = selectors.report(actor.merchant, period).table(key)
    filename = f"{key}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.csv"
    return csvfile.response(filename, table.columns, table.rows)
