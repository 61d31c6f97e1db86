"""Pages for booking, buying, paying and the merchant's console (reservations, till, settlement)."""

import datetime as dt
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from regulars.core import boundary, clock, codes, csvfile, throttle, wechat
from regulars.core.errors import DomainError, NotFound
from regulars.core.forms import submit
from regulars.core.web import safe_next
from regulars.merchants.permissions import Action
from regulars.merchants.web import console_view
from regulars.team import selectors as team_selectors

from . import discounts, payments, prepaid, selectors, services
from .forms import BookingForm, BuyForm, CashierForm, DeclineForm
from .models import OrderStatus, Payment


def _day(raw: str | None, default: dt.date) -> dt.date:
    return boundary.business_day(raw) or default


def _whole(raw) -> int | None:
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


def _found(fetch):
    try:
        return fetch()
    except NotFound:
        raise Http404() from None


# ---- consumer ------------------------------------------------------------------------------


@login_required
def book(request, item_id: int):
    item = _found(lambda: selectors.bookable_item(item_id))
    days = selectors.booking_days()
    day = _day(request.GET.get("date"), days[0])
    people = team_selectors.performers(item.pk)
    chosen = _whole(request.GET.get("with") or request.POST.get("served_by"))
    chosen = next((person for person in people if person.pk == chosen), None)
    form = BookingForm(
        request.POST or None,
        initial={"served_by": chosen.pk if chosen else None},
        prepaid_choices=prepaid.booking_choices(request.user, item),
    )
    reservation = submit(
        request,
        form,
        lambda data: services.book(
            consumer=request.user,
            item_id=item.pk,
            starts_at=data["starts_at"],
            party_size=data["party_size"],
            home_address=data["home_address"],
            note=data["note"],
            served_by_id=data["served_by"],
            prepaid_with=data.get("prepaid_with") or "",
        ),
    )
    if reservation:
        messages.success(request, _("Booked! The shop will confirm soon."))
        return redirect("orders:my_reservation", reservation_id=reservation.pk)
    return render(
        request,
        "orders/book.html",
        {
            "item": item,
            "days": days,
            "day": day,
            "slots": selectors.available_slots(item, day, served_by=chosen.pk if chosen else None),
            "people": people,
            "chosen": chosen,
            "form": form,
        },
        status=400 if form.errors else 200,
    )


@login_required
def buy(request, item_id: int):
    item = _found(lambda: selectors.bookable_item(item_id))
    form = BuyForm(
        request.POST or None,
        items=selectors.buyable_items(item.store_id),
        chosen=item.pk,
        payment_choices=payments.choices_for(request.user, item.merchant_id),
        offers=discounts.offers_for(request.user, item.merchant_id),
        coupon_choices=discounts.choices_for("coupon", request.user, item.merchant_id),
        punch_choices=discounts.choices_for("punch", request.user, item.merchant_id),
    )
    placed = submit(
        request,
        form,
        lambda data: services.place_order(
            consumer=request.user,
            store_id=item.store_id,
            lines=form.lines(),
            payment_method=data["payment_method"],
            discounts=form.discounts(),
        ),
    )
    if placed:
        order, pay_url = placed
        if order.payment_method == "card" and order.status == "pending_payment":
            return redirect("membership:pay_order", order_id=order.pk)
        return redirect(pay_url or f"/me/orders/{order.pk}/")
    return render(
        request, "orders/buy.html", {"item": item, "form": form}, status=400 if form.errors else 200
    )


@login_required
def sandbox_gateway(request, reference: str):
    """The sandbox payment provider's own page (a real one would live on the provider's site)."""
    payment = (
        Payment.objects.select_related("order", "merchant").filter(reference=reference).first()
    )
    if (
        payment is None
        or payment.payer_id != request.user.pk
        or not payments.PROVIDERS["sandbox"].available()
    ):
        raise Http404()
    if request.method == "POST":
        services.sandbox_pay(reference=reference, succeeded=request.POST.get("outcome") == "pay")
        if payment.order_id:
            return redirect("orders:my_order", order_id=payment.order_id)
        return redirect(payment.return_url or "/")
    return render(request, "orders/sandbox_gateway.html", {"payment": payment})


def _awaiting_payment(request, reference: str, provider_key: str):
    """(the buyer's payment still waiting, where to go once paid), or (None, that place) when
    there is nothing left to pay: paid, given up, or found paid by asking the provider."""
    payment = (
        Payment.objects.select_related("order", "merchant").filter(reference=reference).first()
    )
    provider = payments.PROVIDERS[provider_key]
    if (
        payment is None
        or payment.payer_id != request.user.pk
        or payment.provider != provider_key
        or not provider.available()
    ):
        raise Http404()
    done = (
        reverse("orders:my_order", args=[payment.order_id])
        if payment.order_id
        else payment.return_url or "/"
    )
    if payment.status != "started" or services.reconcile_payment(payment) == "applied":
        return None, done
    return payment, done


def _on_a_phone(request) -> bool:
    return "Mobile" in request.headers.get("User-Agent", "")


WECHAT_LOGIN_SALT = "orders.wechat-login"


@login_required
def wechat_pay(request, reference: str):
    """Paying with WeChat Pay: inside WeChat's own browser, in place (JSAPI, after WeChat's
    silent login says who the buyer is); a phone browser elsewhere is handed to WeChat (H5);
    a computer shows the QR code to scan in WeChat (Native)."""
    in_wechat = "MicroMessenger" in request.headers.get("User-Agent", "")
    try:
        payment, done = _awaiting_payment(request, reference, "wechat")
        if payment is None:
            return redirect(done)
        if in_wechat and settings.REGULARS_WECHAT_APP_SECRET:
            openid = request.session.get("wechat_openid")
            if not openid:
                return redirect(
                    wechat.authorize_url(
                        settings.REGULARS_WECHATPAY_APPID,
                        request.build_absolute_uri(reverse("orders:wechat_login")),
                        signing.dumps(reference, salt=WECHAT_LOGIN_SALT),
                    )
                )
            bridge = services.wechat_bridge_request(payment, openid)
            return render(
                request,
                "orders/wechat_pay.html",
                {
                    "payment": payment,
                    "bridge": bridge,
                    "bridge_json": json.dumps(bridge),
                    "done": done,
                },
            )
        if _on_a_phone(request) and not in_wechat:
            return redirect(
                services.wechat_h5_url(payment, throttle.client_address(request) or "127.0.0.1")
            )
        code_url = services.wechat_code_url(payment)
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("/")
    return render(
        request,
        "orders/wechat_pay.html",
        {"payment": payment, "qr": codes.qr_svg_data_uri(code_url), "done": done},
    )


@login_required
def wechat_login(request):
    """Where WeChat's silent login comes back: the buyer's OpenID is kept in their session and
    they return to the payment they were making."""
    try:
        reference = signing.loads(request.GET.get("state", ""), salt=WECHAT_LOGIN_SALT, max_age=600)
    except signing.BadSignature:
        return HttpResponseBadRequest(_("This sign-in link is not valid; open the payment again."))
    try:
        request.session["wechat_openid"] = services.wechat_openid(request.GET.get("code", ""))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("/")
    return redirect("orders:wechat_pay", reference=reference)


@login_required
def alipay_pay(request, reference: str):
    """Paying with Alipay: to Alipay's cashier, the phone one on a phone; Alipay brings the buyer
    back to the order (its notification, or the query on return, marks it paid)."""
    try:
        payment, done = _awaiting_payment(request, reference, "alipay")
        if payment is None:
            return redirect(done)
        back = request.build_absolute_uri(request.path)
        return redirect(services.alipay_url(payment, return_url=back, phone=_on_a_phone(request)))
    except DomainError as error:
        messages.error(request, str(error.message))
        return redirect("/")


@login_required
def my_reservations(request):
    return render(
        request,
        "orders/my_reservations.html",
        {"reservations": selectors.consumer_reservations(request.user)},
    )


@login_required
def my_reservation(request, reservation_id: int):
    reservation = _found(lambda: selectors.consumer_reservation(request.user, reservation_id))
    if request.method == "POST":
        try:
            services.cancel_reservation(consumer=request.user, reservation_id=reservation.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, _("Booking cancelled."))
        return redirect("orders:my_reservation", reservation_id=reservation.pk)
    return render(request, "orders/my_reservation.html", {"reservation": reservation})


@login_required
def my_orders(request):
    return render(
        request, "orders/my_orders.html", {"orders": selectors.consumer_orders(request.user)}
    )


ORDER_ACTIONS = {
    "confirm": (services.confirm_receipt, _("Thank you! The order is complete.")),
    "refund": (services.refund_order, _("Refunded.")),
    "cancel": (services.cancel_order, _("Order cancelled.")),
}


@login_required
def my_order(request, order_id: int):
    order = _found(lambda: selectors.consumer_order(request.user, order_id))
    if request.method == "POST":
        action, done = ORDER_ACTIONS.get(request.POST.get("action"), (None, None))
        if action is None:
            raise Http404()
        try:
            action(consumer=request.user, order_id=order.pk)
        except DomainError as error:
            messages.error(request, str(error.message))
        else:
            messages.success(request, done)
        return redirect("orders:my_order", order_id=order.pk)
    usable = order.status == OrderStatus.PAID or (
        order.status == OrderStatus.PENDING_PAYMENT and order.payment_method == "store"
    )
    return render(
        request,
        "orders/my_order.html",
        {
            "order": order,
            "code": codes.grouped(order.code),
            "qr": codes.qr_svg_data_uri(order.code) if usable else None,
            "review": getattr(order, "review", None),
        },
    )


# ---- console ---------------------------------------------------------------------------------


@console_view(Action.HANDLE_BOOKINGS)
def console_reservations(request, actor):
    start = _day(request.GET.get("day"), clock.today())
    days = 7 if request.GET.get("view") == "week" else 1
    reservations = selectors.merchant_reservations(actor.merchant, start, days)
    team = team_selectors.team_of(actor.merchant, active_only=True)
    by_day = {}
    for reservation in reservations:
        by_day.setdefault(timezone.localtime(reservation.starts_at).date(), []).append(reservation)
    return render(
        request,
        "orders/console_reservations.html",
        {
            "actor": actor,
            "start": start,
            "today": clock.today(),
            "days": days,
            "by_day": [
                (day, _lanes(team, by_day.get(day, [])))
                for day in (start + dt.timedelta(days=n) for n in range(days))
            ],
            "has_team": bool(team),
            "previous": start - dt.timedelta(days=days),
            "next": start + dt.timedelta(days=days),
            "decline_form": DeclineForm(),
        },
    )


def _lanes(team, reservations) -> list[tuple]:
    """One column per person on the team (then bookings with no one), or one column."""
    if not team:
        return [(None, reservations)]
    columns = {member.pk: [] for member in team}
    nobody = []
    for reservation in reservations:
        columns.get(reservation.served_by_id, nobody).append(reservation)
    return [(member, columns[member.pk]) for member in team] + ([(None, nobody)] if nobody else [])


@console_view(Action.HANDLE_BOOKINGS)
@require_POST
def console_reservation_action(request, actor, reservation_id: int, action: str):
    handlers = {
        "confirm": lambda: services.confirm_reservation(actor=actor, reservation_id=reservation_id),
        "decline": lambda: services.decline_reservation(
            actor=actor, reservation_id=reservation_id, reason=request.POST.get("reason", "")
        ),
        "no-show": lambda: services.mark_no_show(actor=actor, reservation_id=reservation_id),
        "complete": lambda: services.complete_reservation(
            actor=actor, reservation_id=reservation_id
        ),
    }
    if action not in handlers:
        raise Http404()
    try:
        handlers[action]()
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("Saved."))
    return redirect(safe_next(request, reverse("orders_console:reservations")))


@console_view(Action.VIEW_ORDERS)
def console_orders(request, actor):
    status = request.GET.get("status") or None
    if status not in OrderStatus.values:
        status = None
    page = selectors.order_page(actor.merchant, status, request.GET.get("page"))
    return render(
        request,
        "orders/console_orders.html",
        {
            "actor": actor,
            "orders": page.object_list,
            "page": page,
            "status": status,
            "statuses": OrderStatus.choices,
        },
    )


@console_view(Action.CONFIRM_CONSUMPTION)
def cashier(request, actor):
    form = CashierForm(
        request.POST or None, team=team_selectors.team_of(actor.merchant, active_only=True)
    )
    order = submit(
        request,
        form,
        lambda data: services.confirm_consumption(
            actor=actor,
            code=data["code"],
            collect_payment=data["collect_payment"],
            served_by_id=data["served_by"],
        ),
    )
    if order:
        messages.success(
            request,
            _("Confirmed: order %(code)s, ¥%(total)s.")
            % {"code": codes.grouped(order.code), "total": order.total},
        )
        return redirect("orders_console:cashier")
    return render(
        request,
        "orders/cashier.html",
        {"actor": actor, "form": form},
        status=400 if form.errors else 200,
    )


@console_view(Action.VIEW_SETTLEMENT)
def settlement(request, actor):
    return render(
        request,
        "orders/settlement.html",
        {"actor": actor, "statements": selectors.settlement_statements(actor.merchant)},
    )


@console_view(Action.VIEW_SETTLEMENT)
def settlement_csv(request, actor, year: int, month: int):
    first = boundary.business_month(year, month)
    if first is None:
        raise Http404()
    entries = selectors.settlement_entries(actor.merchant, first)
    header = [_("Date"), _("Order"), _("Gross"), _("Commission rate"), _("Commission"), _("Net")]
    rows = (
        (
            f"{timezone.localtime(entry.created_at):%Y-%m-%d %H:%M}",
            entry.order_id,
            entry.gross,
            entry.commission_rate,
            entry.commission,
            entry.net,
        )
        for entry in entries
    )
    return csvfile.response(f"settlement-{year}-{month:02d}.csv", header, rows)


PAYABLES_PER_PAGE = 50


@staff_member_required
def operator_settlement(request):
    """What the platform owes each merchant: all time or one month, 50 merchants a page, and the
    whole list as CSV."""
    month = boundary.business_month_text(request.GET.get("month"))
    balances = selectors.operator_balances(month)
    if request.GET.get("format") == "csv":
        header = [_("Merchant"), _("Orders"), _("Gross"), _("Commission"), _("Net owed")]
        rows = ((b.merchant_name, b.orders, b.gross, b.commission, b.net) for b in balances)
        suffix = f"{month:%Y-%m}" if month else "all"
        return csvfile.response(f"payables-{suffix}.csv", header, rows)
    page = Paginator(balances, PAYABLES_PER_PAGE).get_page(request.GET.get("page"))
    totals = selectors.total_of(balances)
    return render(
        request,
        "orders/operator_settlement.html",
        {
            "page": page,
            "month": month,
            "totals": totals,
            "merchants": len(balances),
            "month_value": f"{month:%Y-%m}" if month else "",
        },
    )
