"""The merchant console API: the caller's merchant comes from their staff role only."""

from decimal import Decimal

from ninja import Field, File, Form, Router, Schema, UploadedFile
from ninja.responses import Status
from pydantic import AwareDatetime

from regulars.accounts.auth import AUTH
from regulars.core.boundary import BusinessDate, WallTime
from regulars.merchants.web import actor_for

from . import selectors, services
from .models import Role
from .schemas import ClosureOut, ItemOut, PhotoOut, StoreDetailOut, StoreSummaryOut

router = Router(tags=["console: shop"], auth=AUTH)


class MerchantIn(Schema):
    name: str
    category: str
    phone: str = ""


class MerchantOut(Schema):
    id: int
    name: str
    category: str
    phone: str
    role: str
    free_cancel_hours: int
    order_validity_days: int

    @staticmethod
    def resolve_category(obj):
        return obj.category.slug


class StoreIn(Schema):
    name: str
    category: str
    address: str
    lat: float
    lng: float
    district: str = ""
    phone: str = ""
    description: str = ""
    features: str = ""
    is_active: bool = True


class HoursIn(Schema):
    weekday: int
    opens: WallTime
    closes: WallTime


class WeekHoursIn(Schema):
    hours: list[HoursIn]


class ClosureIn(Schema):
    start_date: BusinessDate
    end_date: BusinessDate
    note: str = ""


class ItemIn(Schema):
    name: str
    price: Decimal
    description: str = ""
    duration_minutes: int | None = None
    bookable: bool = False
    buyable: bool = False
    is_active: bool = True
    slot_capacity: int = 1
    home_service: bool = False
    member_price: Decimal | None = Field(
        None, description="What a member card holder pays (会员价); below the price"
    )
    section: str = Field("", description="The menu section it is listed under (分类)")


class InvitationIn(Schema):
    contact: str
    role: Role


class InvitationOut(Schema):
    id: int
    contact: str
    role: str
    token: str
    expires_at: AwareDatetime


class StaffOut(Schema):
    id: int
    user_id: int
    name: str
    role: str
    is_active: bool

    @staticmethod
    def resolve_name(obj):
        return str(obj.user)


class StaffChangeIn(Schema):
    role: Role
    is_active: bool = True


@router.post("/register", response={201: MerchantOut})
def register(request, payload: MerchantIn):
    """Open a merchant account; the caller becomes its owner."""
    merchant = services.register_merchant(user=request.user, **payload.dict())
    merchant.role = Role.OWNER
    return Status(201, merchant)


@router.get("/me", response=MerchantOut)
def my_merchant(request):
    actor = actor_for(request)
    actor.merchant.role = actor.role
    return actor.merchant


class MerchantSettingsIn(Schema):
    name: str
    phone: str = ""
    description: str = ""
    free_cancel_hours: int = 2
    order_validity_days: int = 90


@router.put("/me", response=MerchantOut)
def update_my_merchant(request, payload: MerchantSettingsIn):
    """The owner's settings, including the cancellation and order-validity policies."""
    actor = actor_for(request)
    merchant = services.update_merchant(
        actor=actor, data=services.MerchantSettings(**payload.dict())
    )
    merchant.role = actor.role
    return merchant


@router.get("/stores", response=list[StoreSummaryOut])
def list_stores(request):
    return selectors.merchant_stores(actor_for(request).merchant)


@router.post("/stores", response={201: StoreDetailOut})
def create_store(request, payload: StoreIn):
    actor = actor_for(request)
    store = services.create_store(actor=actor, data=services.StoreInput(**payload.dict()))
    return Status(201, selectors.merchant_store(actor.merchant, store.pk))


@router.get("/stores/{store_id}", response=StoreDetailOut)
def get_store(request, store_id: int):
    return selectors.merchant_store(actor_for(request).merchant, store_id)


@router.put("/stores/{store_id}", response=StoreDetailOut)
def update_store(request, store_id: int, payload: StoreIn):
    actor = actor_for(request)
    services.update_store(
        actor=actor, store_id=store_id, data=services.StoreInput(**payload.dict())
    )
    return selectors.merchant_store(actor.merchant, store_id)


@router.put("/stores/{store_id}/hours", response=StoreDetailOut)
def set_hours(request, store_id: int, payload: WeekHoursIn):
    """Replace the store's weekly opening hours."""
    actor = actor_for(request)
    services.set_opening_hours(
        actor=actor,
        store_id=store_id,
        ranges=[services.HoursRange(h.weekday, h.opens, h.closes) for h in payload.hours],
    )
    return selectors.merchant_store(actor.merchant, store_id)


@router.post("/stores/{store_id}/closures", response={201: ClosureOut})
def add_closure(request, store_id: int, payload: ClosureIn):
    closure = services.add_closure(actor=actor_for(request), store_id=store_id, **payload.dict())
    return Status(201, closure)


@router.delete("/closures/{closure_id}", response={204: None})
def remove_closure(request, closure_id: int):
    services.remove_closure(actor=actor_for(request), closure_id=closure_id)
    return Status(204, None)


@router.post("/stores/{store_id}/photos", response={201: PhotoOut})
def upload_photo(
    request,
    store_id: int,
    image: File[UploadedFile],
    kind: Form[str] = "storefront",
    caption: Form[str] = "",
    item_id: Form[int | None] = None,
):
    """Upload a storefront, environment, equipment or item photo (JPEG, PNG or WebP)."""
    photo = services.add_photo(
        actor=actor_for(request),
        store_id=store_id,
        kind=kind,
        upload=image,
        item_id=item_id,
        caption=caption,
    )
    return Status(201, photo)


@router.delete("/photos/{photo_id}", response={204: None})
def delete_photo(request, photo_id: int):
    services.delete_photo(actor=actor_for(request), photo_id=photo_id)
    return Status(204, None)


@router.get("/items", response=list[ItemOut])
def list_items(request, store_id: int | None = None):
    return selectors.merchant_items(actor_for(request).merchant, store_id)


@router.post("/stores/{store_id}/items", response={201: ItemOut})
def create_item(request, store_id: int, payload: ItemIn):
    actor = actor_for(request)
    item = services.create_item(
        actor=actor, store_id=store_id, data=services.ItemInput(**payload.dict())
    )
    return Status(201, selectors.merchant_item(actor.merchant, item.pk))


@router.get("/items/{item_id}", response=ItemOut)
def get_item(request, item_id: int):
    return selectors.merchant_item(actor_for(request).merchant, item_id)


@router.put("/items/{item_id}", response=ItemOut)
def update_item(request, item_id: int, payload: ItemIn):
    actor = actor_for(request)
    services.update_item(actor=actor, item_id=item_id, data=services.ItemInput(**payload.dict()))
    return selectors.merchant_item(actor.merchant, item_id)


@router.get("/staff", response=list[StaffOut])
def list_staff(request):
    from .permissions import Action

    actor = actor_for(request)
    actor.require(Action.VIEW_STAFF)
    return selectors.merchant_staff(actor.merchant)


@router.post("/staff/invitations", response={201: InvitationOut})
def invite(request, payload: InvitationIn):
    invitation = services.invite_staff(
        actor=actor_for(request), contact=payload.contact, role=payload.role
    )
    return Status(201, invitation)


@router.get("/staff/invitations", response=list[InvitationOut])
def list_invitations(request):
    """Invitations not yet accepted and not expired (owners only: they carry the join links)."""
    from .permissions import Action

    actor = actor_for(request)
    actor.require(Action.MANAGE_STAFF)
    return selectors.pending_invitations(actor.merchant)


@router.patch("/staff/{staff_member_id}", response=StaffOut)
def change_staff(request, staff_member_id: int, payload: StaffChangeIn):
    return services.change_staff_role(
        actor=actor_for(request),
        staff_member_id=staff_member_id,
        role=payload.role,
        is_active=payload.is_active,
    )


@router.post("/invitations/{token}/accept", response=StaffOut)
def accept_invitation(request, token: str):
    """Join a merchant's staff with an invitation sent to the caller's phone or email."""
    return services.accept_invitation(user=request.user, token=token)
