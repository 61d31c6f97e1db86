"""Booking, buying, paying: for consumers, for the merchant's console, and the payment callback."""

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core import codes
from regulars.core.boundary import BusinessDate
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import payments, selectors, services

router = Router(tags=["booking and orders"], auth=AUTH)
console = Router(tags=["console: orders"], auth=AUTH)
callbacks = Router(tags=["payment callbacks"], auth=None)


class SlotOut(Schema):
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    remaining: int


class BookingIn(Schema):
    item_id: int
    starts_at: AwareDatetime
    party_size: int = 1
    home_address: str = ""
    note: str = ""
    served_by_id: int | None = Field(
        None,
        description="The person chosen (see /discovery/stores/{store_id}/staff); empty: anyone",
    )
    prepaid_with: str = Field(
        "", max_length=40, description="Pay in advance: `punch:<card number>` takes one use"
    )


class ReservationOut(Schema):
    id: int
    store_id: int
    item_id: int
    item_name: str
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    party_size: int
    home_address: str
    note: str
    status: str
    decline_reason: str
    consumer: str
    served_by_id: int | None
    served_by_name: str
    prepaid_with: str

    @staticmethod
    def resolve_served_by_name(obj):
        return obj.served_by.name if obj.served_by_id else ""

    @staticmethod
    def resolve_item_name(obj):
        return obj.item.name

    @staticmethod
    def resolve_consumer(obj):
        return str(obj.consumer)


class DeclineIn(Schema):
    reason: str


class LineIn(Schema):
    item_id: int
    quantity: int = 1


class PointsIn(Schema):
    points: int = Field(gt=0)
    password: str


class OrderIn(Schema):
    store_id: int
    lines: list[LineIn]
    payment_method: str = Field(
        "",
        max_length=20,
        description="`store`, `card` or an online provider; empty: the first one the buyer has.",
    )
    points: PointsIn | None = Field(
        None, description="Pay part with member-card points (needs the consumption password)."
    )
    coupon_code: str | None = Field(None, description="A coupon the buyer holds for this shop.")
    punch_card_number: str | None = Field(
        None, description="One of the buyer's punch cards here: covered services take its uses"
    )

    def discounts(self) -> dict[str, dict]:
        asked = {"points": self.points.dict()} if self.points else {}
        if self.coupon_code:
            asked["coupon"] = {"code": self.coupon_code}
        if self.punch_card_number:
            asked["punch"] = {"number": self.punch_card_number}
        return asked


class LineOut(Schema):
    item_id: int
    name: str
    unit_price: Decimal
    quantity: int
    amount: Decimal


class DiscountOut(Schema):
    source: str
    label: str
    amount: Decimal


class OrderPaymentOut(Schema):
    provider: str
    amount: Decimal
    status: str = Field(description="started, succeeded, failed or refunded")


class OrderOut(Schema):
    id: int
    store_id: int
    status: str
    total: Decimal
    discount: Decimal
    amount_due: Decimal
    discounts: list[DiscountOut]
    payment_method: str
    code: str
    qr_svg: str | None
    lines: list[LineOut]
    created_at: AwareDatetime
    paid_at: AwareDatetime | None
    consumed_at: AwareDatetime | None
    served_by_id: int | None = Field(description="Who performed the service, once used")
    expires_at: AwareDatetime
    payments: list[OrderPaymentOut] = Field(
        description="Online payments; one that arrived after the order was cancelled is refunded."
    )

    @staticmethod
    def resolve_payments(obj):
        return list(obj.payments.all())

    @staticmethod
    def resolve_qr_svg(obj):
        return codes.qr_svg_data_uri(obj.code) if obj.status == "paid" else None

    @staticmethod
    def resolve_lines(obj):
        return list(obj.lines.all())

    @staticmethod
    def resolve_discounts(obj):
        return list(obj.discounts.all())


class PlacedOut(Schema):
    order: OrderOut
    pay_url: str | None


class ConsumeIn(Schema):
    code: str
    collect_payment: bool = False
    served_by_id: int | None = Field(
        None, description="Who performed it (a team member); empty: the cashier's own profile"
    )


class StatementOut(Schema):
    month: dt.date
    orders: int
    gross: Decimal
    commission: Decimal
    net: Decimal


# ---- consumers -------------------------------------------------------------------------------


@router.get("/booking/items/{item_id}/slots", response=list[SlotOut], auth=None)
def slots(request, item_id: int, date: BusinessDate, served_by_id: int | None = None):
    """Free time slots of a bookable service on a day, with places left (with one person, when
    `served_by_id` is given; otherwise with anyone who performs it)."""
    return selectors.available_slots(selectors.bookable_item(item_id), date, served_by=served_by_id)


@router.post("/reservations", response={201: ReservationOut})
def book(request, payload: BookingIn):
    return Status(201, services.book(consumer=request.user, **payload.dict()))


@router.get("/reservations", response=list[ReservationOut])
def my_reservations(request):
    return selectors.consumer_reservations(request.user)


@router.post("/reservations/{reservation_id}/cancel", response=ReservationOut)
def cancel_reservation(request, reservation_id: int):
    return services.cancel_reservation(consumer=request.user, reservation_id=reservation_id)


@router.post("/orders", response={201: PlacedOut})
def place_order(request, payload: OrderIn):
    """Order services of one store. With `sandbox`, pay at `pay_url`; with `store`, at the counter."""
    order, pay_url = services.place_order(
        consumer=request.user,
        store_id=payload.store_id,
        lines=[(line.item_id, line.quantity) for line in payload.lines],
        payment_method=payload.payment_method,
        discounts=payload.discounts(),
    )
    return Status(201, {"order": order, "pay_url": pay_url})


@router.get("/orders", response=list[OrderOut])
def my_orders(request):
    return selectors.consumer_orders(request.user)


@router.get("/orders/{order_id}", response=OrderOut)
def my_order(request, order_id: int):
    return selectors.consumer_order(request.user, order_id)


@router.post("/orders/{order_id}/confirm-receipt", response=OrderOut)
def confirm_receipt(request, order_id: int):
    return services.confirm_receipt(consumer=request.user, order_id=order_id)


@router.post("/orders/{order_id}/refund", response=OrderOut)
def refund(request, order_id: int):
    return services.refund_order(consumer=request.user, order_id=order_id)


@router.post("/orders/{order_id}/cancel", response=OrderOut)
def cancel_order(request, order_id: int):
    return services.cancel_order(consumer=request.user, order_id=order_id)


# ---- payment provider callbacks -----------------------------------------------------------


@callbacks.post("/payments/{provider}/callback", response={200: dict})
def payment_callback(request: HttpRequest, provider: str):
    """Where a payment provider reports a result. Signed; a replay is acknowledged and ignored."""
    result = services.handle_callback(
        provider_key=provider,
        body=request.body,
        headers=request.headers,
    )
    acknowledgement = getattr(payments.PROVIDERS.get(provider), "acknowledgement", None)
    if acknowledgement:  # a provider that wants its own word back (Alipay: "success")
        return HttpResponse(acknowledgement, content_type="text/plain")
    return {"result": result}


# ---- console ----------------------------------------------------------------------------------


@console.get("/reservations", response=list[ReservationOut])
def console_reservations(request, start: BusinessDate, days: int = 1):
    actor = actor_for(request)
    actor.require(Action.HANDLE_BOOKINGS)
    return selectors.merchant_reservations(actor.merchant, start, max(1, min(days, 31)))


@console.post("/reservations/{reservation_id}/confirm", response=ReservationOut)
def console_confirm(request, reservation_id: int):
    return services.confirm_reservation(actor=actor_for(request), reservation_id=reservation_id)


@console.post("/reservations/{reservation_id}/decline", response=ReservationOut)
def console_decline(request, reservation_id: int, payload: DeclineIn):
    return services.decline_reservation(
        actor=actor_for(request), reservation_id=reservation_id, reason=payload.reason
    )


@console.post("/reservations/{reservation_id}/no-show", response=ReservationOut)
def console_no_show(request, reservation_id: int):
    return services.mark_no_show(actor=actor_for(request), reservation_id=reservation_id)


@console.post("/reservations/{reservation_id}/complete", response=ReservationOut)
def console_complete(request, reservation_id: int):
    return services.complete_reservation(actor=actor_for(request), reservation_id=reservation_id)


@console.get("/orders", response=list[OrderOut])
def console_orders(request, status: str | None = None):
    actor = actor_for(request)
    actor.require(Action.VIEW_ORDERS)
    return selectors.merchant_orders(actor.merchant, status)


@console.post("/orders/consume", response=OrderOut)
def console_consume(request, payload: ConsumeIn):
    """The cashier confirms consumption by the order's code (scanned or typed)."""
    return services.confirm_consumption(
        actor=actor_for(request),
        code=payload.code,
        collect_payment=payload.collect_payment,
        served_by_id=payload.served_by_id,
    )


@console.get("/settlement", response=list[StatementOut])
def console_settlement(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_SETTLEMENT)
    return selectors.settlement_statements(actor.merchant)
