"""Punch cards in the API: the shop's plans, a held card found and used at the counter, and the
consumer's own cards."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Query, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core.errors import NotFound
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors, services

console = Router(tags=["console: punch cards"], auth=AUTH)
router = Router(tags=["consumer"], auth=AUTH)


class PunchPlanIn(Schema):
    name: str
    kind: str = Field(..., description="`uses` (次卡: N uses) or `period` (期限卡: unlimited)")
    price: Decimal
    valid_days: int = Field(..., description="Valid for this many days from purchase")
    item_ids: list[int] = Field(..., description="The services the card covers")
    uses: int | None = Field(None, description="For `uses`: how many")
    daily_cap: int | None = Field(None, description="For `period`: uses a day at most")
    transferable: bool = False
    is_active: bool = True


class PunchPlanOut(Schema):
    id: int
    name: str
    kind: str
    price: Decimal
    valid_days: int
    uses: int | None
    daily_cap: int | None
    transferable: bool
    is_active: bool
    item_ids: list[int]

    @staticmethod
    def resolve_item_ids(obj):
        return [item.pk for item in obj.items.all()]


class PunchEntryOut(Schema):
    kind: str
    delta: int
    item: str | None
    created_at: AwareDatetime

    @staticmethod
    def resolve_item(obj):
        return obj.item.name if obj.item_id else None


class PunchCardOut(Schema):
    id: int
    number: str
    merchant: str
    plan: PunchPlanOut
    uses_left: int | None = Field(description="None: unlimited within the period")
    expires_at: AwareDatetime
    last_day: dt.date
    status: str
    history: list[PunchEntryOut]

    @staticmethod
    def resolve_merchant(obj):
        return obj.merchant.name

    @staticmethod
    def resolve_last_day(obj):
        return obj.last_day

    @staticmethod
    def resolve_history(obj):
        return list(obj.entries.all())


class PunchUseIn(Schema):
    item_id: int
    idempotency_key: str


@console.get("/punch-card-plans", response=list[PunchPlanOut])
def plans(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CONSOLE)
    return selectors.plans_of(actor.merchant)


@console.post("/punch-card-plans", response={201: PunchPlanOut})
def add_plan(request, payload: PunchPlanIn):
    actor = actor_for(request)
    plan = services.save_plan(actor=actor, data=services.PlanInput(**payload.dict()))
    return Status(201, selectors.plan_of(actor.merchant, plan.pk))


@console.put("/punch-card-plans/{punch_plan_id}", response=PunchPlanOut)
def change_plan(request, punch_plan_id: int, payload: PunchPlanIn):
    actor = actor_for(request)
    services.save_plan(
        actor=actor, data=services.PlanInput(**payload.dict()), plan_id=punch_plan_id
    )
    return selectors.plan_of(actor.merchant, punch_plan_id)


class PunchCardQuery(Schema):
    number: str = Field(..., description="The number scanned or typed at the till")


@console.get("/punch-cards", response=PunchCardOut)
def held_card(request, query: Query[PunchCardQuery]):
    """A customer's punch card by its number, as the till scans it."""
    actor = actor_for(request)
    actor.require(Action.USE_TILL)
    card = selectors.card_at_till(actor.merchant, query.number)
    if card is None:
        raise NotFound()
    return card


@console.post("/punch-cards/{punch_card_id}/uses", response={201: PunchCardOut})
def use_card(request, punch_card_id: int, payload: PunchUseIn):
    """One use for a covered service; never below zero, also under concurrent scans."""
    actor = actor_for(request)
    card = selectors.held_card(actor.merchant, punch_card_id)
    services.use(
        actor=actor,
        number=card.number,
        item_id=payload.item_id,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, selectors.held_card(actor.merchant, punch_card_id))


@router.get("/punch-cards", response=list[PunchCardOut])
def my_cards(request):
    """The signed-in consumer's punch cards: uses left, last valid day, history."""
    return selectors.my_cards(request.user)


class PunchTransferIn(Schema):
    to_phone: str = Field(description="The mobile number the receiver signed up with")
    idempotency_key: str


@router.post("/punch-cards/{punch_card_id}/transfers", response={201: PunchCardOut})
def transfer_card(request, punch_card_id: int, payload: PunchTransferIn):
    """Give a transferable card, with what is left on it, to someone else. The card then shows
    in their wallet, not yours."""
    entry = services.transfer(
        consumer=request.user,
        card_id=punch_card_id,
        to_phone=payload.to_phone,
        idempotency_key=payload.idempotency_key,
    )
    return Status(201, selectors.transferred_card(entry))


class PunchRefundIn(Schema):
    reason: str
    idempotency_key: str


class PunchRefundOut(Schema):
    card_id: int
    amount: Decimal = Field(description="The unused part, pro rata, handed back")
    uses_taken: int
    reason: str


@console.post("/punch-cards/{punch_card_id}/refunds", response={201: PunchRefundOut})
def refund_card(request, punch_card_id: int, payload: PunchRefundIn):
    """Give back the unused part of a card (uses left ÷ uses sold × price paid; a period card by
    whole days left) and close it."""
    entry = services.refund_card(
        actor=actor_for(request),
        card_id=punch_card_id,
        reason=payload.reason,
        idempotency_key=payload.idempotency_key,
    )
    return Status(
        201,
        {
            "card_id": entry.card_id,
            "amount": entry.amount,
            "uses_taken": -entry.delta,
            "reason": entry.reason,
        },
    )


class PunchLiabilityOut(Schema):
    cards: int
    uses_left: int
    value: Decimal


@console.get("/punch-card-liability", response=PunchLiabilityOut)
def liability(request):
    """What the shop owes on active punch cards (beside stored value: `/cards/liability`)."""
    actor = actor_for(request)
    actor.require(Action.VIEW_SETTLEMENT)
    return selectors.liability(actor.merchant)


class PunchPurchaseOut(Schema):
    pay_url: str = Field(description="Where the buyer pays; the card is issued once paid")


@router.post("/punch-card-plans/{punch_plan_id}/purchases", response={201: PunchPurchaseOut})
def buy_online(request, punch_plan_id: int):
    """Buy a punch card online through the payment interface."""
    url = services.start_online_purchase(consumer=request.user, plan_id=punch_plan_id)
    return Status(201, {"pay_url": url})
