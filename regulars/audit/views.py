"""The owner's audit log page and its CSV download."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from regulars.core import clock, csvfile
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import selectors
from .forms import AuditFilterForm
from .wording import describe

CSV_COLUMNS = (
    "time",
    "who",
    "action",
    "what",
    "details",
    "amount",
    "address",
    "request_id",
    "summary",
    "facts",
)


def _filtered(request, actor):
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, selectors.merchant_log(actor.merchant.pk).none()  # the form says why
    filters = form.cleaned_data if form.is_bound else {}
    events = selectors.merchant_log(
        actor.merchant.pk,
        action=filters.get("action") or "",
        since=filters.get("since"),
        until=filters.get("until"),
    )
    return form, events


@console_view(Action.VIEW_AUDIT_LOG)
def audit_log(request, actor):
    form, events = _filtered(request, actor)
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    for event in page:
        event.description = describe(event)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/log.html",
        {"actor": actor, "form": form, "page": page, "query": query.urlencode()},
    )


@console_view(Action.VIEW_AUDIT_LOG)
def audit_csv(request, actor):
    """The filtered log as CSV, streamed (a busy shop's year does not sit in memory)."""
    _form, events = _filtered(request, actor)

    def rows():
        for event in events.iterator(chunk_size=2000):
            yield (
                timezone.localtime(event.at).isoformat(),
                event.actor_label or "system",
                event.action,
                event.get_action_display(),
                describe(event),
                "" if event.amount is None else event.amount,
                event.address,
                event.request_id,
                event.summary,
                event.detail,
            )

    stamp = clock.today().strftime("%Y%m%d")
    return csvfile.response(f"audit-log-{stamp}.csv", CSV_COLUMNS, rows())
