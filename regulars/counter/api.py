"""The counter in the console API: ring up a bill, read bills, the till's settings."""

import datetime as dt
from decimal import Decimal
from typing import Literal

from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core import clock
from regulars.core.boundary import BusinessDate
from regulars.core.errors import DomainError
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import commissions, receipt, selectors, services
from .errors import Problem

console = Router(tags=["console: counter"], auth=AUTH)
router = Router(tags=["consumer"], auth=AUTH)


class BillLineIn(Schema):
    item_id: int | None = Field(
        None,
        description="A catalogue item of the store; or None with name, price and reason (managers)",
    )
    quantity: int = 1
    served_by_id: int | None = Field(None, description="The staff member who served it")
    plan_id: int | None = Field(None, description="A punch-card plan sold on this line")
    punch_number: str = Field(
        "", description="A held punch card paying this service line (one use a unit)"
    )
    name: str = ""
    price: Decimal | None = None
    reason: str = ""


class BillTenderIn(Schema):
    kind: Literal["stored_value", "cash", "outside"]
    amount: Decimal
    method: str = Field("", description="For `outside`: one of the till's outside methods")
    reference: str = ""
    given: Decimal | None = Field(None, description="For `cash`: what was handed over")


class BillIn(Schema):
    store_id: int | None = None
    card_id: int | None = Field(None, description="The member's card, or none for a walk-in")
    lines: list[BillLineIn]
    coupon_code: str = ""
    points: int = 0
    tenders: list[BillTenderIn]
    password: str = Field("", description="The card's consumption password (balance or points)")
    corrects_day: BusinessDate | None = Field(
        None, description="A late correction: the closed day it belongs to (with a note)"
    )
    correction_note: str = ""
    idempotency_key: str = Field(..., description="A retry with the same key rings up once")


class BillLineOut(Schema):
    id: int
    item_id: int | None
    name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal
    member_off: Decimal
    coupon_off: Decimal
    points_off: Decimal
    punch_off: Decimal
    punch_card_id: int | None
    paid: Decimal
    served_by_id: int | None
    manual_reason: str


class BillTenderOut(Schema):
    kind: str
    method: str
    amount: Decimal
    given: Decimal | None
    change: Decimal
    reference: str


class RefundLineOut(Schema):
    line_id: int
    quantity: int
    amount: Decimal
    points_off: Decimal


class RefundTenderOut(Schema):
    kind: str
    method: str
    amount: Decimal


class RefundOut(Schema):
    id: int
    bill_id: int
    amount: Decimal
    points_returned: int
    points_taken_back: int
    points_shortfall: int = Field(description="Earned points the card no longer held")
    coupon_restored: bool
    reason: str
    refunded_by: str
    created_at: AwareDatetime
    lines: list[RefundLineOut]
    tenders: list[RefundTenderOut]

    @staticmethod
    def resolve_refunded_by(obj):
        return str(obj.refunded_by or "")

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_tenders(obj):
        return list(obj.tenders.all())


class BillOut(Schema):
    id: int
    number: str
    store_id: int
    card_id: int | None
    card_number: str | None
    cashier: str
    subtotal: Decimal
    member_label: str
    member_savings: Decimal
    coupon_discount: Decimal
    punch_value: Decimal
    points_used: int
    points_value: Decimal
    total: Decimal
    points_earned: int
    corrects_day: dt.date | None
    correction_note: str
    balance_left: Decimal | None
    created_at: AwareDatetime
    lines: list[BillLineOut]
    tenders: list[BillTenderOut]
    refunded: Decimal = Field(description="Money given back on this bill so far")
    refunds: list[RefundOut]

    @staticmethod
    def resolve_refunded(obj):
        return sum((refund.amount for refund in obj.refunds.all()), Decimal("0.00"))

    @staticmethod
    def resolve_refunds(obj):
        return list(obj.refunds.all())

    @staticmethod
    def resolve_card_number(obj):
        return obj.card.number if obj.card_id else None

    @staticmethod
    def resolve_cashier(obj):
        return str(obj.cashier or "")

    @staticmethod
    def resolve_balance_left(obj):
        return obj.card.balance if obj.card_id else None

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_tenders(obj):
        return list(obj.tenders.all())


class TillSettingsIO(Schema):
    outside_methods: list[str]


@console.post("/bills", response={201: BillOut})
def ring_up(request, payload: BillIn):
    """One bill: lines, the member price, a coupon, points, and tenders that pay the rest."""
    actor = actor_for(request)
    bill = services.ring_up(
        actor=actor,
        store_id=payload.store_id,
        card_id=payload.card_id,
        lines=[services.LineIn(**line.dict()) for line in payload.lines],
        coupon_code=payload.coupon_code,
        points=payload.points,
        tenders=[services.TenderIn(**tender.dict()) for tender in payload.tenders],
        password=payload.password,
        corrects_day=payload.corrects_day,
        correction_note=payload.correction_note,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, selectors.bill_of(actor.merchant, bill.pk))


class RefundLineIn(Schema):
    line_id: int
    quantity: int | None = Field(None, description="How many of the line; all left when omitted")


class RefundIn(Schema):
    lines: list[RefundLineIn] = Field(
        default_factory=list, description="The lines to refund; the whole bill when empty"
    )
    reason: str
    idempotency_key: str = Field(..., description="A retry with the same key refunds once")


@console.post("/bills/{bill_id}/refunds", response={201: RefundOut})
def refund_bill(request, bill_id: int, payload: RefundIn):
    """Money back on a bill, whole or for chosen lines: each tender back the way it came, the
    points used put back, the points earned taken back (a shortfall when already spent), the
    coupon given back with the whole bill if still valid."""
    actor = actor_for(request)
    refund = services.refund_bill(
        actor=actor,
        bill_id=bill_id,
        lines=[services.RefundLineIn(line.line_id, line.quantity) for line in payload.lines],
        reason=payload.reason,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, selectors.refund_of(actor.merchant, refund.pk))


class BillsQuery(Schema):
    date: BusinessDate
    store_id: int | None = None


@console.get("/bills", response=list[BillOut])
def bills(request, query: Query[BillsQuery]):
    actor = actor_for(request)
    actor.require(Action.USE_TILL)
    return selectors.bills_of(actor.merchant, day=query.date, store_id=query.store_id)


@console.get("/bills/{bill_id}", response=BillOut)
def bill(request, bill_id: int):
    actor = actor_for(request)
    actor.require(Action.USE_TILL)
    return selectors.bill_of(actor.merchant, bill_id)


class BillReceiptQuery(Schema):
    width: int = Field(58, description="The roll: 58 or 80 (mm)")
    format: Literal["pdf", "escpos", "text"] = "pdf"


@console.get("/bills/{bill_id}/receipt")
def bill_receipt(request, bill_id: int, query: Query[BillReceiptQuery]):
    """The receipt of a 58 mm or 80 mm roll: a PDF, ESC/POS bytes for a thermal printer
    (GB18030 text, a QR code to the customer's bill page, a cut), or its lines as text."""
    actor = actor_for(request)
    actor.require(Action.USE_TILL)
    if query.width not in receipt.WIDTHS:
        raise DomainError(
            _("Receipts are 58 or 80 mm wide."), field="width", code=Problem.OUT_OF_RANGE
        )
    bill = selectors.bill_of(actor.merchant, bill_id)
    link = request.build_absolute_uri(reverse("bills:mine", args=[bill.pk]))
    if query.format == "text":
        lines = receipt.text_lines(bill, query.width)
        return {"width": query.width, "lines": [text for text, _row in lines], "link": link}
    content, content_type, disposition = receipt.download(bill, query.width, query.format, link)
    answer = HttpResponse(content, content_type=content_type)
    answer["Content-Disposition"] = disposition
    return answer


class ValueSplit(Schema):
    paid_in: Decimal
    bonus: Decimal


class ClosedOut(Schema):
    cash_expected: Decimal
    cash_counted: Decimal
    difference: Decimal
    note: str
    closed_by: str
    closed_at: AwareDatetime

    @staticmethod
    def resolve_closed_by(obj):
        return str(obj.closed_by or "")


class RefundsOfTheDay(Schema):
    count: int
    amount: Decimal
    by_tender: dict[str, Decimal]
    points_returned: int
    points_taken_back: int


class DailyCloseOut(Schema):
    day: dt.date
    store_id: int
    bills: int
    takings: Decimal
    list_price: Decimal
    member_savings: Decimal
    coupon_discounts: Decimal
    points_value: Decimal
    punch_card_value: Decimal
    by_tender: dict[str, Decimal]
    by_staff: dict[str, Decimal]
    by_service: dict[str, dict]
    stored_value_sold: ValueSplit
    stored_value_spent: ValueSplit
    points_issued: int
    points_used: int
    coupons_redeemed: int
    coupon_discount_total: Decimal
    refunds: RefundsOfTheDay
    net_takings: Decimal
    stored_value_returned: ValueSplit
    cash_expected: Decimal
    closed: ClosedOut | None


class CloseQuery(Schema):
    date: BusinessDate
    store_id: int | None = None


class CloseIn(Schema):
    date: BusinessDate | None = None
    store_id: int | None = None
    cash_counted: Decimal
    note: str = ""


@console.get("/daily-close", response=DailyCloseOut)
def daily_close(request, query: Query[CloseQuery]):
    """The day's figures at a store (and the close, once the cashier has counted the drawer)."""
    actor = actor_for(request)
    actor.require(Action.USE_TILL)
    return selectors.day_at_the_counter(actor, query.date, query.store_id)


@console.post("/daily-close", response={201: DailyCloseOut})
def close_the_day(request, payload: CloseIn):
    """Count the drawer and close the day: the difference is recorded; no more bills that day."""
    actor = actor_for(request)
    done = services.close_day(
        actor=actor,
        day=payload.date,
        store_id=payload.store_id,
        cash_counted=payload.cash_counted,
        note=payload.note,
    )
    return Status(201, selectors.day_at_the_counter(actor, done.day, done.store_id))


@router.get("/me/bills", response=list[BillOut])
def my_bills(request):
    """Every bill the signed-in consumer paid with one of their cards."""
    return selectors.my_bills(request.user)


@router.get("/me/bills/{bill_id}", response=BillOut)
def my_bill(request, bill_id: int):
    return selectors.my_bill(request.user, bill_id)


@console.get("/till-settings", response=TillSettingsIO)
def till_settings(request):
    actor = actor_for(request)
    actor.require(Action.USE_TILL)
    return {"outside_methods": services.outside_methods(actor.merchant)}


@console.put("/till-settings", response=TillSettingsIO)
def save_till_settings(request, payload: TillSettingsIO):
    actor = actor_for(request)
    found = services.save_till_settings(actor=actor, outside_methods=payload.outside_methods)
    return {"outside_methods": found.outside_methods}


class CommissionLineOut(Schema):
    at: AwareDatetime
    reference: str = Field(description="The bill number, order code or card number")
    what: str
    kind: str = Field(description="service, punch_card, package or stored_value")
    units: int = Field(description="Negative for a refund")
    base: Decimal = Field(description="What the commission is reckoned on")
    commission: Decimal


class PersonCommissionOut(Schema):
    team_member_id: int
    name: str
    services: int
    takings: Decimal
    commission: Decimal
    lines: list[CommissionLineOut]

    @staticmethod
    def resolve_team_member_id(obj):
        return obj.member.pk

    @staticmethod
    def resolve_name(obj):
        return obj.member.name


class CommissionReportOut(Schema):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")
    services: int
    takings: Decimal
    commission: Decimal
    people: list[PersonCommissionOut]


class PeriodIn(Schema):
    start: BusinessDate | None = Field(None, alias="from")
    end: BusinessDate | None = Field(None, alias="to")


@console.get("/reports/commissions", response=CommissionReportOut, by_alias=True)
def commission_report(request, period: Query[PeriodIn]):
    """Each team member's services, takings and commission in the period (both days included;
    by default this month so far), with every line, refunds as negative lines."""
    actor = actor_for(request)
    actor.require(Action.VIEW_REPORTS)
    start, end = commissions.checked_period(period.start, period.end, clock.today())
    people = commissions.report(actor.merchant, start, end)
    total = commissions.grand_total(people)
    return {
        "from": start,
        "to": end,
        "services": total.get("services", 0),
        "takings": total.get("takings", Decimal("0.00")),
        "commission": total.get("commission", Decimal("0.00")),
        "people": people,
    }
