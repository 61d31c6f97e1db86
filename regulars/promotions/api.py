"""Coupons: what consumers claim and hold; the merchant's campaigns, codes, effect and till."""

from decimal import Decimal

from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core import codes
from regulars.core.errors import NotFound
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors, services

router = Router(tags=["coupons"], auth=AUTH)
console = Router(tags=["console: coupons"], auth=AUTH)


class CampaignOut(Schema):
    id: int
    merchant_id: int
    name: str
    description: str
    kind: str
    value_text: str
    amount: Decimal
    percent: int
    cap: Decimal
    threshold: Decimal
    free_item_id: int | None
    points_price: int
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    valid_days: int | None
    stock: int
    claimed: int
    per_customer: int
    claim_mode: str
    audience: str
    published: bool

    @staticmethod
    def resolve_value_text(obj):
        return selectors.value_text(obj)


class CampaignDetailOut(CampaignOut):
    item_ids: list[int]
    store_ids: list[int]
    tier_ids: list[int]
    holdout_percent: int

    @staticmethod
    def resolve_item_ids(obj):
        return [item.pk for item in obj.items.all()]

    @staticmethod
    def resolve_store_ids(obj):
        return [store.pk for store in obj.stores.all()]

    @staticmethod
    def resolve_tier_ids(obj):
        return [tier.pk for tier in obj.audience_tiers.all()]


class CampaignIn(Schema):
    name: str
    kind: str = Field(
        description="amount_off | percent_off | threshold | free_item | points_exchange"
    )
    valid_from: AwareDatetime
    valid_until: AwareDatetime
    stock: int
    description: str = ""
    amount: Decimal = Decimal("0")
    percent: int = 0
    cap: Decimal = Decimal("0")
    threshold: Decimal = Decimal("0")
    free_item_id: int | None = None
    points_price: int = 0
    item_ids: list[int] = []
    store_ids: list[int] = []
    valid_days: int | None = None
    per_customer: int = 1
    audience: str = Field("anyone", description="anyone | tiers | list | segment")
    tier_ids: list[int] = []
    phones: list[str] = []
    claim_mode: str = Field("public", description="public | issued | code")
    holdout_percent: int = 0
    audience_param: int | None = Field(None, description="the segment, with audience=segment")


class CouponOut(Schema):
    id: int
    code: str
    qr_svg: str
    status: str
    merchant_id: int
    campaign: CampaignOut
    claimed_at: AwareDatetime | None
    valid_from: AwareDatetime | None
    valid_until: AwareDatetime | None
    used_at: AwareDatetime | None

    @staticmethod
    def resolve_qr_svg(obj):
        return codes.qr_svg_data_uri(obj.code)


class CodeIn(Schema):
    code: str


class PublishIn(Schema):
    published: bool


class IssueOut(Schema):
    issued: int
    held_out: int
    skipped: int


class CountIn(Schema):
    count: int


class CodeBatchOut(Schema):
    id: int
    requested: int
    generated: int = Field(alias="made")
    status: str  # "running" (in the background) or "done"
    percent: int


class RedeemIn(Schema):
    code: str
    bill: Decimal
    store_id: int | None = None


class RedemptionOut(Schema):
    id: int
    campaign_id: int
    coupon_id: int
    store_id: int | None
    bill: Decimal
    discount: Decimal
    revenue: Decimal
    returning_customer: bool


class UpliftOut(Schema):
    treated: int
    holdout: int
    visits_diff: float
    visits_ci: tuple[float, float]
    revenue_diff: float
    revenue_ci: tuple[float, float]


class DayOut(Schema):
    day: str
    claimed: int
    redeemed: int


class EffectOut(Schema):
    issued: int
    claimed: int
    viewed: int
    redeemed: int
    redemption_rate: float
    revenue: Decimal
    discount_cost: Decimal
    new_customers: int
    returning_customers: int
    daily: list[DayOut]
    uplift: UpliftOut | None


# ---- consumers -------------------------------------------------------------------------------


@router.get("/stores/{store_id}/campaigns", response=list[CampaignOut], auth=None)
def store_campaigns(request, store_id: int):
    """Coupons anyone can claim in this store now."""
    return selectors.claimable_campaigns(merchant_selectors.public_store(store_id))


@router.post("/campaigns/{campaign_id}/claim", response={201: CouponOut})
def claim(request, campaign_id: int):
    return Status(201, services.claim(consumer=request.user, campaign_id=campaign_id))


@router.post("/coupons/claim-code", response={201: CouponOut})
def claim_code(request, payload: CodeIn):
    """Add a coupon by its code (from a paper coupon or a message)."""
    return Status(201, services.claim_code(consumer=request.user, code=payload.code))


@router.get("/coupons", response=list[CouponOut])
def my_coupons(request):
    return selectors.my_coupons(request.user)


@router.get("/coupons/{coupon_id}", response=CouponOut)
def my_coupon(request, coupon_id: int):
    """One coupon; opening it counts as the campaign's "viewed"."""
    services.mark_viewed(consumer=request.user, coupon_id=coupon_id)
    return selectors.my_coupon(request.user, coupon_id)


# ---- merchant --------------------------------------------------------------------------------


def _input(payload: CampaignIn) -> services.CampaignInput:
    return services.CampaignInput(**payload.dict())


@console.get("/campaigns", response=list[CampaignOut])
def campaigns(request):
    actor = actor_for(request)
    actor.require(Action.VIEW_CAMPAIGNS)
    return selectors.merchant_campaigns(actor.merchant)


@console.post("/campaigns", response={201: CampaignDetailOut})
def create_campaign(request, payload: CampaignIn):
    return Status(201, services.save_campaign(actor=actor_for(request), data=_input(payload)))


@console.get("/campaigns/{campaign_id}", response=CampaignDetailOut)
def campaign(request, campaign_id: int):
    actor = actor_for(request)
    actor.require(Action.VIEW_CAMPAIGNS)
    return selectors.merchant_campaign(actor.merchant, campaign_id)


@console.put("/campaigns/{campaign_id}", response=CampaignDetailOut)
def update_campaign(request, campaign_id: int, payload: CampaignIn):
    return services.save_campaign(
        actor=actor_for(request), data=_input(payload), campaign_id=campaign_id
    )


@console.post("/campaigns/{campaign_id}/publish", response=CampaignOut)
def publish(request, campaign_id: int, payload: PublishIn):
    return services.set_published(
        actor=actor_for(request), campaign_id=campaign_id, published=payload.published
    )


@console.post("/campaigns/{campaign_id}/issue", response=IssueOut)
def issue(request, campaign_id: int):
    """Give the coupon to the audience (less the random holdout share)."""
    return services.issue(actor=actor_for(request), campaign_id=campaign_id)


@console.post("/campaigns/{campaign_id}/codes", response={201: CodeBatchOut, 202: CodeBatchOut})
def generate_codes(request, campaign_id: int, payload: CountIn):
    """Up to 5,000 codes are made at once (201); more go on in the background (202): follow
    the batch at `GET …/code-batches/{batch_id}` until its status is "done"."""
    batch = services.generate_codes(
        actor=actor_for(request), campaign_id=campaign_id, count=payload.count
    )
    batch = selectors.code_batch(batch.merchant, batch.campaign_id, batch.pk)
    return Status(201 if batch.status == "done" else 202, batch)


@console.get("/campaigns/{campaign_id}/code-batches/{batch_id}", response=CodeBatchOut)
def code_batch(request, campaign_id: int, batch_id: int):
    actor = actor_for(request)
    actor.require(Action.VIEW_CAMPAIGNS)
    found = selectors.code_batch(actor.merchant, campaign_id, batch_id)
    if found is None:
        raise NotFound()
    return found


@console.get("/campaigns/{campaign_id}/effect", response=EffectOut)
def effect(request, campaign_id: int):
    """Issued → claimed → viewed → redeemed, revenue, cost, new vs returning, holdout uplift."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CAMPAIGNS)
    found = selectors.merchant_campaign(actor.merchant, campaign_id)
    result = selectors.campaign_effect(found)
    return {**result.__dict__, "redemption_rate": result.redemption_rate}


@console.post("/coupons/redeem", response={201: RedemptionOut})
def redeem(request, payload: RedeemIn):
    """At the till: a scanned or typed code and the bill it applies to."""
    return Status(
        201,
        services.redeem_at_till(
            actor=actor_for(request),
            code=payload.code,
            bill=payload.bill,
            store_id=payload.store_id,
        ),
    )


class FlashDealIn(Schema):
    store_id: int
    name: str
    kind: str = "amount_off"
    stock: int
    duration_minutes: int = Field(description="15 to 1440")
    target: str = Field("nearby", description="nearby | list")
    amount: Decimal = Decimal("0")
    percent: int = 0
    cap: Decimal = Decimal("0")
    threshold: Decimal = Decimal("0")
    starts_at: AwareDatetime | None = Field(None, description="empty: now")
    phones: list[str] = []
    description: str = ""


class DeliveryRowOut(Schema):
    channel: str
    status: str
    reason: str
    n: int


class FlashDealOut(Schema):
    campaign: CampaignOut
    store_id: int
    target: str
    send_at: AwareDatetime | None
    status: str | None
    recipients: int
    deliveries: list[DeliveryRowOut]


def _flash_out(view) -> dict:
    broadcast = view.broadcast
    return {
        "campaign": view.deal.campaign,
        "store_id": view.deal.store_id,
        "target": view.deal.target,
        "send_at": broadcast.send_at if broadcast else None,
        "status": broadcast.status if broadcast else None,
        "recipients": broadcast.recipients if broadcast else 0,
        "deliveries": view.log,
    }


@console.post("/flash-deals", response={201: FlashDealOut})
def create_flash_deal(request, payload: FlashDealIn):
    """A short coupon pushed to followers near the store, or to a customer list."""
    actor = actor_for(request)
    deal = services.create_flash_deal(actor=actor, data=services.FlashDealInput(**payload.dict()))
    return Status(201, _flash_out(selectors.flash_of(deal.campaign)))


@console.get("/flash-deals/{campaign_id}", response=FlashDealOut)
def flash_deal(request, campaign_id: int):
    """The deal with its delivery log: sent, failed and not sent (with why) per channel."""
    actor = actor_for(request)
    actor.require(Action.VIEW_CAMPAIGNS)
    found = selectors.merchant_campaign(actor.merchant, campaign_id)
    view = selectors.flash_of(found)
    if view is None:
        raise NotFound()
    return _flash_out(view)
