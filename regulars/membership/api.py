"""Member cards: the consumer's wallet and the merchant's console."""

import datetime as dt
from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core import codes
from regulars.core.boundary import BusinessDate
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for
from regulars.orders import prepaid
from regulars.orders.api import OrderOut

from . import selectors, services

router = Router(tags=["member cards"], auth=AUTH)
console = Router(tags=["console: cards"], auth=AUTH)


class TierOut(Schema):
    id: int
    name: str
    rank: int
    discount_percent: Decimal
    points_per_yuan: Decimal
    benefits: str
    qualify_spend: Decimal
    qualify_points: int
    qualify_days: int


class CardOut(Schema):
    id: int
    merchant_id: int
    merchant_name: str
    number: str
    qr_svg: str
    status: str
    tier: TierOut
    points: int
    principal: Decimal
    bonus: Decimal
    balance: Decimal
    has_password: bool

    @staticmethod
    def resolve_merchant_name(obj):
        return obj.merchant.name

    @staticmethod
    def resolve_qr_svg(obj):
        return codes.qr_svg_data_uri(obj.number)

    @staticmethod
    def resolve_has_password(obj):
        return bool(obj.password_hash)


class HistoryOut(Schema):
    kind: str
    at: AwareDatetime
    what: str
    points: int | None = None
    amount: Decimal | None = None


class CardDetailOut(Schema):
    card: CardOut
    next_tier: TierOut | None
    spent_towards_next: Decimal
    expiring_soon: int
    history: list[HistoryOut]


def _detail(view: selectors.CardView) -> dict:
    history = []
    for kind, at, entry in view.history:
        if kind == "points":
            history.append({"kind": "points", "at": at, "what": entry.kind, "points": entry.delta})
        elif kind == "value":
            history.append(
                {
                    "kind": "value",
                    "at": at,
                    "what": entry.kind,
                    "amount": entry.principal_delta + entry.bonus_delta,
                }
            )
        else:
            history.append(
                {"kind": "purchase", "at": at, "what": entry.description, "amount": entry.amount}
            )
    return {
        "card": view.card,
        "next_tier": view.next_tier,
        "spent_towards_next": view.spent_towards_next,
        "expiring_soon": view.expiring_soon,
        "history": history,
    }


class PasswordIn(Schema):
    password: str
    current: str = ""


class ProgramIn(Schema):
    title: str
    subtitle: str = ""
    template: str = "classic"
    color: str = "#e8572a"
    text_color: str = "#ffffff"
    auto_approve: bool = True
    points_per_yuan_off: int = 100
    min_redeem_points: int = 100
    max_redeem_percent: int = 50
    published: bool = False


class ProgramOut(Schema):
    id: int
    title: str
    subtitle: str
    template: str
    color: str
    text_color: str
    auto_approve: bool
    points_per_yuan_off: int
    min_redeem_points: int
    max_redeem_percent: int
    published: bool
    tiers: list[TierOut]

    @staticmethod
    def resolve_tiers(obj):
        return list(obj.tiers.all())


class IssueIn(Schema):
    phone: str


class PurchaseIn(Schema):
    card_number: str
    amount: Decimal = Field(description="The bill at list price; the member price is taken off.")
    description: str = ""
    idempotency_key: str
    apply_member_price: bool = Field(
        True, description="False when the amount already is the member price."
    )


class PurchaseOut(Schema):
    id: int
    card_id: int
    amount: Decimal
    description: str
    points_earned: int

    @staticmethod
    def resolve_points_earned(obj):
        return sum(obj.points_entries.values_list("delta", flat=True))


class MoneyIn(Schema):
    amount: Decimal
    idempotency_key: str


class SpendIn(Schema):
    amount: Decimal = Field(description="The bill at list price; the member price is paid.")
    password: str
    idempotency_key: str
    apply_member_price: bool = True


class PointsSpendIn(Schema):
    points: int
    password: str
    idempotency_key: str
    bill: Decimal | None = None


class AdjustIn(Schema):
    delta: int
    reason: str
    idempotency_key: str


class KeyIn(Schema):
    idempotency_key: str


class ValueEntryOut(Schema):
    id: int
    card_id: int
    kind: str
    principal_delta: Decimal
    bonus_delta: Decimal


class PointsEntryOut(Schema):
    id: int
    card_id: int
    kind: str
    delta: int
    reason: str


class PrepaidOut(Schema):
    key: str = Field(description="punch_cards")
    label: str
    cards: int
    value: Decimal
    detail: str


class LiabilityOut(Schema):
    cards: int
    principal: Decimal
    bonus: Decimal
    total: Decimal
    points: int
    prepaid: list[PrepaidOut] = Field(
        description="Other prepaid value owed besides stored value (unused punch cards)"
    )


class RewardOut(Schema):
    id: int
    item_id: int
    item_name: str
    price: Decimal
    points: int
    online: bool

    @staticmethod
    def resolve_item_name(obj):
        return obj.item.name

    @staticmethod
    def resolve_price(obj):
        return obj.item.price

    @staticmethod
    def resolve_online(obj):
        return obj.item.buyable


class RewardIn(Schema):
    item_id: int
    points: int = Field(ge=0, description="0 withdraws the offer.")


class ExchangeIn(Schema):
    password: str


class RewardRedemptionIn(Schema):
    reward_id: int
    password: str
    idempotency_key: str


# ---- consumers ---------------------------------------------------------------------------


@router.get("/cards", response=list[CardOut])
def wallet(request):
    return selectors.wallet(request.user)


@router.post("/merchants/{merchant_id}/cards", response={201: CardOut})
def join(request, merchant_id: int):
    """Apply for the merchant's member card (active at once unless the shop approves by hand)."""
    return Status(201, services.apply_for_card(consumer=request.user, merchant_id=merchant_id))


@router.get("/cards/{card_id}", response=CardDetailOut)
def card(request, card_id: int):
    return _detail(selectors.card_view(selectors.consumer_card(request.user, card_id)))


@router.post("/cards/{card_id}/password", response={204: None})
def set_password(request, card_id: int, payload: PasswordIn):
    services.set_password(
        consumer=request.user, card_id=card_id, password=payload.password, current=payload.current
    )
    return Status(204, None)


# ---- console -------------------------------------------------------------------------------


@console.get("/card-program", response=ProgramOut)
def program(request):
    from regulars.core.errors import NotFound

    found = selectors.program_of(actor_for(request).merchant)
    if found is None:
        raise NotFound()
    return found


@console.put("/card-program", response=ProgramOut)
def design(request, payload: ProgramIn):
    return services.design_program(actor=actor_for(request), **payload.dict())


class TierIn(Schema):
    name: str
    discount_percent: Decimal = Decimal("0")
    points_per_yuan: Decimal = Decimal("1")
    benefits: str = ""
    qualify_spend: Decimal = Decimal("0")
    qualify_points: int = 0
    qualify_days: int = 365


class TopUpRuleIO(Schema):
    pay: Decimal
    bonus: Decimal


@console.put("/card-program/tiers/{tier_id}", response=TierOut)
def update_tier(request, tier_id: int, payload: TierIn):
    return services.update_tier(actor=actor_for(request), tier_id=tier_id, **payload.dict())


@console.put("/card-program/topup-rules", response=list[TopUpRuleIO])
def set_topup_rules(request, payload: list[TopUpRuleIO]):
    """Replace the top-up bonuses, e.g. [{"pay": 500, "bonus": 50}]."""
    return services.set_topup_rules(
        actor=actor_for(request), rules=[(r.pay, r.bonus) for r in payload]
    )


@console.post("/cards/{card_id}/password-reset", response={204: None})
def reset_password(request, card_id: int):
    """Clear a forgotten consumption password after checking the customer in person."""
    services.reset_password(actor=actor_for(request), card_id=card_id)
    return Status(204, None)


@console.get("/cards", response=list[CardOut])
def members(request, q: str = ""):
    actor = actor_for(request)
    actor.require(Action.VIEW_ORDERS)
    return selectors.members(
        actor.merchant, q, partial_phone=actor.can(Action.VIEW_CUSTOMER_CONTACT)
    )


@console.post("/cards", response={201: CardOut})
def issue(request, payload: IssueIn):
    return Status(201, services.issue_card(actor=actor_for(request), phone=payload.phone))


@console.get("/cards/liability", response=LiabilityOut)
def liability(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_SETTLEMENT)
    owed = selectors.liability(actor.merchant)
    return {
        **owed.__dict__,
        "total": owed.total,
        "prepaid": prepaid.owed_besides_stored_value(actor.merchant),
    }


@console.get("/cards/{card_id}", response=CardDetailOut)
def member(request, card_id: int):
    actor = actor_for(request)
    actor.require(Action.VIEW_ORDERS)
    return _detail(selectors.card_view(selectors.merchant_card(actor.merchant, card_id)))


@console.post("/cards/{card_id}/approve", response=CardOut)
def approve(request, card_id: int):
    return services.approve_card(actor=actor_for(request), card_id=card_id)


@console.post("/card-purchases", response={201: PurchaseOut})
def record_purchase(request, payload: PurchaseIn):
    """Record a purchase at the till by card number; the tier's points follow."""
    purchase = services.till_record_purchase(
        actor=actor_for(request),
        number=payload.card_number,
        amount=payload.amount,
        idempotency_key=payload.idempotency_key,
        description=payload.description,
    )
    return Status(201, purchase)


@console.post("/card-purchases/{purchase_id}/void", response={201: PurchaseOut})
def void_purchase(request, purchase_id: int, payload: KeyIn):
    return Status(
        201,
        services.void_purchase(
            actor=actor_for(request),
            purchase_id=purchase_id,
            idempotency_key=payload.idempotency_key,
        ),
    )


@console.post("/cards/{card_id}/top-ups", response={201: ValueEntryOut})
def top_up(request, card_id: int, payload: MoneyIn):
    return Status(
        201, services.till_top_up(actor=actor_for(request), card_id=card_id, **payload.dict())
    )


@console.post("/cards/{card_id}/payments", response={201: ValueEntryOut})
def pay(request, card_id: int, payload: SpendIn):
    """Pay from the stored value; the customer's consumption password is required."""
    return Status(
        201, services.till_spend(actor=actor_for(request), card_id=card_id, **payload.dict())
    )


@console.post("/cards/{card_id}/refunds", response={201: ValueEntryOut})
def refund(request, card_id: int, payload: MoneyIn):
    """Give paid-in money back; the bonus is never refundable."""
    return Status(
        201, services.till_refund(actor=actor_for(request), card_id=card_id, **payload.dict())
    )


@console.post("/cards/{card_id}/points-redemptions", response={201: PointsEntryOut})
def redeem(request, card_id: int, payload: PointsSpendIn):
    return Status(
        201, services.till_spend_points(actor=actor_for(request), card_id=card_id, **payload.dict())
    )


@console.post("/cards/{card_id}/points-adjustments", response={201: PointsEntryOut})
def adjust(request, card_id: int, payload: AdjustIn):
    """A manual correction with a reason; who did it is kept on the ledger."""
    return Status(
        201, services.adjust_points(actor=actor_for(request), card_id=card_id, **payload.dict())
    )


class TierDecisionIn(Schema):
    tier_id: int
    reason: str = Field(max_length=200)
    until: BusinessDate | None = Field(
        None, description="The decision's last day against the periodic review; none: for good"
    )


class TierDecisionOut(Schema):
    card_id: int
    from_tier: str
    to_tier: str
    reason: str
    until: dt.date | None
    created_at: AwareDatetime

    @staticmethod
    def resolve_from_tier(obj):
        return obj.from_tier.name

    @staticmethod
    def resolve_to_tier(obj):
        return obj.to_tier.name


@console.put("/cards/{card_id}/tier", response=TierDecisionOut)
def decide_tier(request, card_id: int, payload: TierDecisionIn):
    """The card's tier, decided (the same as POST: each decision is a new line of history)."""
    return services.set_card_tier(actor=actor_for(request), card_id=card_id, **payload.dict())


@console.post("/cards/{card_id}/tier", response={201: TierDecisionOut})
def set_tier(request, card_id: int, payload: TierDecisionIn):
    """Put the card in a tier by the shop's decision (owner or manager), with a reason; audited
    and on the card's history."""
    return Status(
        201, services.set_card_tier(actor=actor_for(request), card_id=card_id, **payload.dict())
    )


@console.post("/card-value-entries/{entry_id}/void", response={201: ValueEntryOut})
def void_value(request, entry_id: int, payload: KeyIn):
    return Status(
        201,
        services.till_void_value(
            actor=actor_for(request), entry_id=entry_id, idempotency_key=payload.idempotency_key
        ),
    )


@router.get("/cards/{card_id}/rewards", response=list[RewardOut])
def rewards(request, card_id: int):
    """Services this card's points can buy."""
    return selectors.rewards(selectors.consumer_card(request.user, card_id).program_id)


@router.post("/cards/{card_id}/rewards/{reward_id}/exchange", response={201: OrderOut})
def exchange(request, card_id: int, reward_id: int, payload: ExchangeIn):
    """Points for a service: returns a paid order whose code is shown in the shop."""
    card = selectors.consumer_card(request.user, card_id)
    return Status(
        201,
        services.exchange_reward(
            consumer=request.user,
            reward_id=reward_id,
            password=payload.password,
            merchant_id=card.merchant_id,
        ),
    )


@console.get("/card-program/rewards", response=list[RewardOut])
def program_rewards(request):
    program = selectors.program_of(actor_for(request).merchant)
    return selectors.rewards(program.pk) if program else []


@console.put("/card-program/rewards", response={200: RewardOut, 204: None})
def set_reward(request, payload: RewardIn):
    """Offer a service for points, change its points, or withdraw it (0 points)."""
    reward = services.set_reward(actor=actor_for(request), **payload.dict())
    return reward if reward else Status(204, None)


@console.post("/cards/{card_id}/reward-redemptions", response={201: PointsEntryOut})
def redeem_reward(request, card_id: int, payload: RewardRedemptionIn):
    """At the till: the customer has a rewarded service for its points."""
    return Status(
        201,
        services.till_redeem_reward(actor=actor_for(request), card_id=card_id, **payload.dict()),
    )
