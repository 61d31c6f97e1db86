from ninja import Router, Schema
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.merchants.permissions import Action
from regulars.merchants.web import actor_for

from . import selectors, services

router = Router(tags=["reviews"], auth=AUTH)
console = Router(tags=["console: reviews"], auth=AUTH)


class ReviewIn(Schema):
    store_id: int
    stars: int
    service: int | None = None
    environment: int | None = None
    value: int | None = None
    text: str = ""
    order_id: int | None = None


class ReviewOut(Schema):
    id: int
    store_id: int
    author: str
    verified: bool
    stars: int
    service: int | None
    environment: int | None
    value: int | None
    text: str
    reply: str
    created_at: AwareDatetime

    @staticmethod
    def resolve_author(obj):
        return str(obj.author)


class TextIn(Schema):
    text: str


class ReportIn(Schema):
    reason: str


@router.get("/stores/{store_id}/reviews", response=list[ReviewOut], auth=None)
def store_reviews(request, store_id: int):
    """Visible reviews of a store, verified ones first."""
    return selectors.store_reviews(store_id)


@router.post("/reviews", response={201: ReviewOut})
def post_review(request, payload: ReviewIn):
    """Post a review; with `order_id` of your own used order it is verified."""
    return Status(201, services.post_review(author=request.user, **payload.dict()))


@router.post("/reviews/{review_id}/report", response={204: None})
def report(request, review_id: int, payload: ReportIn):
    services.report(reporter=request.user, review_id=review_id, reason=payload.reason)
    return Status(204, None)


@console.get("/reviews", response=list[ReviewOut])
def console_reviews(request):
    actor = actor_for(request)
    actor.require(Action.REPLY_REVIEWS)
    return selectors.merchant_reviews(actor.merchant)


@console.post("/reviews/{review_id}/reply", response=ReviewOut)
def console_reply(request, review_id: int, payload: TextIn):
    return services.reply(actor=actor_for(request), review_id=review_id, text=payload.text)
