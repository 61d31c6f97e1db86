"""The counter's pages: the till (one bill) and a bill as rung up."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock, codes, csvfile
from regulars.core.boundary import business_day
from regulars.core.errors import DomainError, NotFound
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view

from . import commissions as commission_report
from . import receipt, selectors, services
from .models import TenderKind

LINE_FIELDS = (
    "item",
    "quantity",
    "served_by",
    "manual_name",
    "manual_price",
    "manual_reason",
    "punch_number",
)


def _whole_number(raw: str | None, empty):
    """A typed whole number; `empty` when nothing was typed, -1 for anything else (which the
    service refuses with its own message)."""
    raw = (raw or "").strip()
    if not raw:
        return empty
    return int(raw) if raw.isdigit() and len(raw) <= 9 else -1


def _posted_rows(post) -> list[dict]:
    """The lines as the cashier filled them in (shown again when the bill is refused)."""
    columns = {name: post.getlist(name) for name in LINE_FIELDS}
    rows = [
        {name: (values[index] if index < len(values) else "") for name, values in columns.items()}
        for index in range(len(columns["item"]))
    ]
    return [row for row in rows if row["item"]]


def _posted_lines(post) -> list[services.LineIn]:
    lines = []
    for row in _posted_rows(post):
        item, quantity, served_by, name, price, reason, punch = (row[name] for name in LINE_FIELDS)
        if not item:
            continue
        count = _whole_number(quantity, 1)
        served = _whole_number(served_by, None)
        if item == "manual":
            lines.append(services.LineIn(None, count, served, name, price or None, reason))
        elif item.startswith("plan:") and item[5:].isdigit():
            lines.append(services.LineIn(None, count, served, plan_id=int(item[5:])))
        elif item.isdigit():
            lines.append(services.LineIn(int(item), count, served, punch_number=punch or ""))
    return lines


def _posted_tenders(post) -> list[services.TenderIn]:
    tenders = []
    if post.get("pay_balance"):
        tenders.append(services.TenderIn(TenderKind.STORED_VALUE, post["pay_balance"]))
    if post.get("pay_cash"):
        tenders.append(
            services.TenderIn(TenderKind.CASH, post["pay_cash"], given=post.get("cash_given"))
        )
    if post.get("pay_outside"):
        tenders.append(
            services.TenderIn(
                TenderKind.OUTSIDE,
                post["pay_outside"],
                method=post.get("outside_method", ""),
                reference=post.get("outside_reference", ""),
            )
        )
    return tenders


@console_view(Action.USE_TILL)
def till(request, actor):
    """Scan or type the member's card, phone, order or coupon code (or ring up a walk-in), add
    the lines, take the money."""
    card, problem, coupon_code = None, None, ""
    looked_up = (request.GET.get("card") or request.POST.get("card_lookup") or "").strip()
    if looked_up:
        found = selectors.customer_at_till(actor.merchant, looked_up)
        if found is None:
            problem = _("Nothing of this shop has this card number, phone, order or coupon code.")
        else:
            card, coupon_code = found.card, found.coupon_code
    # A card that was typed but not found is refused, never rung up as a walk-in.
    if request.method == "POST" and not problem:
        try:
            bill = services.ring_up(
                actor=actor,
                store_id=_whole_number(request.POST.get("store"), None),
                card_id=card.pk if card else None,
                lines=_posted_lines(request.POST),
                coupon_code=request.POST.get("coupon_code", ""),
                points=_whole_number(request.POST.get("points"), 0),
                tenders=_posted_tenders(request.POST),
                password=request.POST.get("password", ""),
                corrects_day=business_day(request.POST.get("corrects_day")),
                correction_note=request.POST.get("correction_note", ""),
                idempotency_key=request.POST.get("key", ""),
            )
        except DomainError as error:
            problem = str(error.message)
        else:
            messages.success(request, _("Bill %(number)s paid.") % {"number": bill.number})
            return redirect("counter:bill", bill_id=bill.pk)
    choices = selectors.till_choices(actor.merchant)
    return render(
        request,
        "counter/till.html",
        {
            "actor": actor,
            "card": card,
            "looked_up": looked_up,
            "problem": problem,
            "posted": request.POST if request.method == "POST" else None,
            # The lines chosen stay when the bill is refused; one empty line to start with.
            "rows": (_posted_rows(request.POST) if request.method == "POST" else []) or [{}],
            "coupon_code": request.POST.get("coupon_code", coupon_code),
            "key": request.POST.get("key") or uuid.uuid4().hex,
            "methods": services.outside_methods(actor.merchant),
            "may_type_lines": actor.can(Action.ADD_MANUAL_LINES),
            **choices,
        },
        status=400 if problem and request.method == "POST" else 200,
    )


def _bill_page(request, actor, bill_id: int, problem: str | None = None):
    found = selectors.bill_of(actor.merchant, bill_id)
    done = selectors.refunded_quantities(found)
    refundable = [
        (line, line.quantity - done.get(line.pk, 0))
        for line in found.lines.all()
        if line.quantity > done.get(line.pk, 0)
    ]
    return render(
        request,
        "counter/bill.html",
        {
            "actor": actor,
            "bill": found,
            "refundable": refundable if actor.can(Action.REFUND_BILLS) else [],
            "problem": problem,
            "key": request.POST.get("key") or uuid.uuid4().hex,
        },
        status=400 if problem else 200,
    )


@console_view(Action.USE_TILL)
def bill(request, actor, bill_id: int):
    return _bill_page(request, actor, bill_id)


@console_view(Action.REFUND_BILLS)
def refund(request, actor, bill_id: int):
    """Give money back on the whole bill, or on the quantities chosen line by line."""
    if request.method != "POST":
        selectors.bill_of(actor.merchant, bill_id)  # another shop's bill: not found
        return redirect("counter:bill", bill_id=bill_id)
    lines = []
    if not request.POST.get("whole"):
        for name, value in request.POST.items():
            if name.startswith("qty_") and name[4:].isdigit() and value.strip() not in ("", "0"):
                lines.append(services.RefundLineIn(int(name[4:]), _whole_number(value, 0)))
        if not lines:
            return _bill_page(request, actor, bill_id, _("Choose how many of a line to refund."))
    try:
        done = services.refund_bill(
            actor=actor,
            bill_id=bill_id,
            lines=lines,
            reason=request.POST.get("reason", ""),
            idempotency_key=request.POST.get("key", ""),
        )
    except DomainError as error:
        if isinstance(error, NotFound):
            raise Http404 from None
        return _bill_page(request, actor, bill_id, str(error.message))
    messages.success(request, _("¥%(amount)s given back.") % {"amount": done.amount})
    return redirect("counter:bill", bill_id=bill_id)


@console_view(Action.USE_TILL)
def bills(request, actor):
    """A day's bills (today unless asked)."""
    day = business_day(request.GET.get("date")) or clock.today()
    found = selectors.bills_of(actor.merchant, day=day)
    return render(
        request,
        "counter/bills.html",
        {"actor": actor, "bills": found, "day": day, "total": sum(b.total for b in found)},
    )


def receipt_response(request, bill) -> HttpResponse:
    """The receipt as asked: `?width=58|80`, `?format=page|pdf|escpos`; its QR code opens the
    customer's own page of the bill."""
    width = 80 if request.GET.get("width") == "80" else 58
    kind = request.GET.get("format", "page")
    link = request.build_absolute_uri(reverse("bills:mine", args=[bill.pk]))
    if kind in ("pdf", "escpos"):
        content, content_type, disposition = receipt.download(bill, width, kind, link)
        answer = HttpResponse(content, content_type=content_type)
        answer["Content-Disposition"] = disposition
        return answer
    if kind != "page":
        raise Http404
    return render(
        request,
        "counter/receipt.html",
        {
            "bill": bill,
            "width": width,
            "lines": receipt.text_lines(bill, width),
            "qr": codes.qr_svg_data_uri(link),
        },
    )


@console_view(Action.USE_TILL)
def bill_receipt(request, actor, bill_id: int):
    return receipt_response(request, selectors.bill_of(actor.merchant, bill_id))


@login_required
def my_bills(request):
    return render(request, "counter/my_bills.html", {"bills": selectors.my_bills(request.user)})


@login_required
def my_bill(request, bill_id: int):
    try:
        bill = selectors.my_bill(request.user, bill_id)
    except NotFound:
        raise Http404 from None
    return render(request, "counter/my_bill.html", {"bill": bill})


@console_view(Action.USE_TILL)
def daily_close(request, actor):
    """The day's figures at a store; the cashier counts the drawer and closes the day."""
    day = business_day(request.GET.get("date")) or clock.today()
    store_id = _whole_number(request.GET.get("store"), None)
    problem = None
    if request.method == "POST":
        try:
            done = services.close_day(
                actor=actor,
                day=day,
                store_id=store_id,
                cash_counted=request.POST.get("cash_counted", ""),
                note=request.POST.get("note", ""),
            )
        except DomainError as error:
            problem = str(error.message)
        else:
            messages.success(request, _("The day is closed."))
            return redirect(f"{reverse('counter:close')}?date={day:%Y-%m-%d}&store={done.store_id}")
    found = selectors.day_at_the_counter(actor, day, store_id)
    return render(
        request,
        "counter/close.html",
        {
            "actor": actor,
            "day": found,
            "stores": selectors.till_stores(actor.merchant),
            "problem": problem,
        },
        status=400 if problem else 200,
    )


@console_view(Action.VIEW_REPORTS)
def commissions(request, actor):
    """Each person's services, takings and commission in a period; CSV and print."""
    problem = None
    try:
        start, end = commission_report.checked_period(
            business_day(request.GET.get("from")),
            business_day(request.GET.get("to")),
            clock.today(),
        )
    except DomainError as error:
        problem = str(error.message)
        start, end = commission_report.checked_period(None, None, clock.today())
    people = commission_report.report(actor.merchant, start, end)
    most = max((p.commission for p in people), default=0) or 1
    for person in people:
        person.bar = max(int(person.commission * 100 / most), 0)
    if request.GET.get("format") == "csv" and problem is None:
        rows = (
            [
                f"{timezone.localtime(line.at):%Y-%m-%d %H:%M}",
                person.member.name,
                line.reference,
                line.what,
                line.units,
                line.base,
                line.commission,
            ]
            for person in people
            for line in person.lines
        )
        header = [
            _("Time"),
            _("Team member"),
            _("Bill or order"),
            _("Service or sale"),
            _("Units"),
            _("Takings (¥)"),
            _("Commission (¥)"),
        ]
        return csvfile.response(f"commissions-{start:%Y%m%d}-{end:%Y%m%d}.csv", header, rows)
    return render(
        request,
        "counter/commissions.html",
        {
            "actor": actor,
            "people": people,
            "total": commission_report.grand_total(people),
            "start": start,
            "end": end,
            "problem": problem,
        },
        status=400 if problem else 200,
    )
