"""What a consumer follows and allows, and their devices for Web Push."""

import datetime as dt

from ninja import Field, Router, Schema
from ninja.responses import Status

from regulars.accounts.auth import AUTH
from regulars.core.boundary import WallTime
from regulars.core.errors import NotFound

from . import channels, selectors, services, sms

router = Router(tags=["messages"], auth=AUTH)
receipts = Router(tags=["SMS delivery receipts"], auth=None)


@receipts.post("/sms/{provider}/receipts", response={200: dict})
def sms_receipts(request, provider: str, token: str = ""):
    """Where Aliyun (SmsReport) and Tencent Cloud push delivery reports; the URL registered
    with them carries `?token=` (REGULARS_SMS_RECEIPT_TOKEN). Answered as each provider expects."""
    if provider not in sms.RECEIPT_ACKNOWLEDGEMENTS:
        raise NotFound()
    services.apply_sms_receipts(provider=provider, token=token, body=request.body)
    return sms.RECEIPT_ACKNOWLEDGEMENTS[provider]


class PreferencesIO(Schema):
    promotions: bool = True
    push: bool = True
    sms: bool = False
    quiet_from: WallTime = dt.time(22, 0)
    quiet_until: WallTime = dt.time(8, 0)
    daily_cap: int = 3
    use_activity_range: bool = True


class PlaceIn(Schema):
    kind: str = Field("home", max_length=10)
    label: str = Field("", max_length=40)
    lat: float = Field(ge=-90, le=90)
    lng: float = Field(ge=-180, le=180)


class PlaceOut(PlaceIn):
    id: int


class FollowIn(Schema):
    category: str | None = Field(
        None, max_length=60, description="A category's slug, as GET /discovery/categories lists it."
    )
    category_id: int | None = None
    merchant_id: int | None = None
    radius_m: int = 2000


class FollowOut(FollowIn):
    id: int

    @staticmethod
    def resolve_category(obj):
        return obj.category.slug if obj.category_id else None


class PushKeys(Schema):
    # Sizes of RFC 8291 keys (65-byte P-256 point, 16-byte secret) in base64url, with room.
    p256dh: str = Field(max_length=200)
    auth: str = Field(max_length=100)


class PushIn(Schema):
    endpoint: str = Field(max_length=500)
    keys: PushKeys


class EndpointIn(Schema):
    endpoint: str = Field(max_length=500)


class KeyOut(Schema):
    public_key: str


@router.get("/push/key", response=KeyOut, auth=None)
def vapid_key(request):
    """The application server key for `PushManager.subscribe()`."""
    return {"public_key": channels.vapid_public_key()}


@router.get("/me/message-preferences", response=PreferencesIO)
def preferences(request):
    return services.preferences_of(request.user)


@router.put("/me/message-preferences", response=PreferencesIO)
def save_preferences(request, payload: PreferencesIO):
    return services.save_preferences(consumer=request.user, **payload.dict())


@router.get("/me/places", response=list[PlaceOut])
def places(request):
    return selectors.places(request.user)


@router.post("/me/places", response={201: PlaceOut})
def add_place(request, payload: PlaceIn):
    return Status(201, services.add_place(consumer=request.user, **payload.dict()))


@router.delete("/me/places/{place_id}", response={204: None})
def remove_place(request, place_id: int):
    services.remove_place(consumer=request.user, place_id=place_id)
    return Status(204, None)


@router.get("/me/subscriptions", response=list[FollowOut])
def subscriptions(request):
    return selectors.subscriptions(request.user)


@router.post("/me/subscriptions", response={201: FollowOut})
def follow(request, payload: FollowIn):
    """Follow a category or a merchant within a distance (following again changes it)."""
    return Status(201, services.follow(consumer=request.user, **payload.dict()))


@router.delete("/me/subscriptions/{subscription_id}", response={204: None})
def unfollow(request, subscription_id: int):
    services.unfollow(consumer=request.user, subscription_id=subscription_id)
    return Status(204, None)


@router.post("/me/push-subscriptions", response={201: None})
def subscribe_push(request, payload: PushIn):
    services.subscribe_push(
        consumer=request.user,
        endpoint=payload.endpoint,
        p256dh=payload.keys.p256dh,
        auth=payload.keys.auth,
    )
    return Status(201, None)


@router.post("/me/push-subscriptions/remove", response={204: None})
def unsubscribe_push(request, payload: EndpointIn):
    services.unsubscribe_push(consumer=request.user, endpoint=payload.endpoint)
    return Status(204, None)


@router.post("/me/opt-outs/{merchant_id}", response={204: None})
def opt_out(request, merchant_id: int):
    """No more offers from this merchant."""
    services.opt_out_of_merchant(consumer=request.user, merchant_id=merchant_id)
    return Status(204, None)


@router.delete("/me/opt-outs/{merchant_id}", response={204: None})
def opt_in(request, merchant_id: int):
    services.opt_back_in(consumer=request.user, merchant_id=merchant_id)
    return Status(204, None)
