"""Writes for merchants: sign-up, stores, hours, closures, photos, catalogue and staff.

Merchant-side services take a `StaffContext` (from the signed-in staff_member) and look objects up
inside that merchant only: another merchant's id is simply not found.
"""

import datetime as dt
import functools
import secrets
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from regulars.accounts import services as account_services
from regulars.core import clock, geo
from regulars.core.errors import DomainError, NotFound
from regulars.core.images import jpeg_bytes, read_image, webp_bytes
from regulars.core.money import to_money
from regulars.core.phones import normalize_phone
from regulars.merchants.errors import Problem

from . import selectors
from .events import staff_departing, staff_invited, staff_joined, staff_role_changed
from .models import (
    CatalogItem,
    Category,
    HolidayClosure,
    Merchant,
    OpeningHours,
    Photo,
    PhotoKind,
    Role,
    StaffInvitation,
    StaffMember,
    Store,
)
from .permissions import ROLE_ACTIONS, Action, StaffContext

MAX_PRICE = Decimal("1000000")
THUMBNAIL_SIZE = (480, 360)
INVITATION_DAYS = 7


# ---- helpers ------------------------------------------------------------------------------


def _bump_listings_version() -> None:
    """Shared pages built from shop listings (the anonymous nearby pages) carry this number in
    their cache key: a new number makes them all stale at once, so a new or edited store shows at
    the next visit instead of a minute later."""
    if cache.add(selectors.LISTINGS_VERSION_KEY, 1, timeout=None):
        return
    try:
        cache.incr(selectors.LISTINGS_VERSION_KEY)
    except ValueError:  # evicted between add and incr
        cache.set(selectors.LISTINGS_VERSION_KEY, 1, timeout=None)


def changes_listings(service):
    """A service whose change shows on discovery pages: once it commits, they are rebuilt."""

    @functools.wraps(service)
    def wrapper(*args, **kwargs):
        result = service(*args, **kwargs)
        transaction.on_commit(_bump_listings_version)
        return result

    return wrapper


def _category(slug_or_id) -> Category:
    query = Category.objects.select_related("parent")
    found = (
        query.filter(pk=slug_or_id).first()
        if isinstance(slug_or_id, int)
        else query.filter(slug=slug_or_id).first()
    )
    if found is None:
        raise DomainError(
            _("Choose a category from the list."), field="category", code=Problem.CHOICE_REQUIRED
        )
    return found


def _phone_or_blank(raw: str, field: str = "phone") -> str:
    if not (raw or "").strip():
        return ""
    phone = normalize_phone(raw)
    if phone is None:
        raise DomainError(_("Enter a valid phone number."), field=field, code=Problem.BAD_FORMAT)
    return phone


def _required_text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value:
        raise DomainError(_("This field is required."), field=field, code=Problem.REQUIRED)
    if len(value) > max_length:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": max_length}, field=field, code=Problem.TOO_LONG
        )
    return value


def _optional_text(value: str, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if len(value) > max_length:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": max_length}, field=field, code=Problem.TOO_LONG
        )
    return value


def _position(lat, lng) -> tuple[float, float]:
    try:
        lat, lng = float(lat), float(lng)
    except (TypeError, ValueError):
        raise DomainError(
            _("Set the position on the map."), field="lat", code=Problem.REQUIRED
        ) from None
    if not -90 <= lat <= 90:
        raise DomainError(
            _("Latitude must be between -90 and 90."), field="lat", code=Problem.OUT_OF_RANGE
        )
    if not -180 <= lng <= 180:
        raise DomainError(
            _("Longitude must be between -180 and 180."), field="lng", code=Problem.OUT_OF_RANGE
        )
    return lat, lng


def store_of(actor: StaffContext, store_id: int) -> Store:
    store = Store.objects.filter(pk=store_id, merchant=actor.merchant).first()
    if store is None:
        raise NotFound(_("No such store."))
    return store


def item_of(actor: StaffContext, item_id: int) -> CatalogItem:
    item = CatalogItem.objects.filter(pk=item_id, merchant=actor.merchant).first()
    if item is None:
        raise NotFound(_("No such service or product."))
    return item


# ---- merchants ----------------------------------------------------------------------------


@transaction.atomic
@transaction.atomic
def register_merchant(*, user, name: str, category: str, phone: str = "") -> Merchant:
    """A person opens a merchant account and becomes its owner."""
    merchant = Merchant.objects.create(
        name=_required_text(name, "name", 80),
        category=_category(category),
        phone=_phone_or_blank(phone),
    )
    owner = StaffMember.objects.create(merchant=merchant, user=user, role=Role.OWNER)
    staff_joined.send(sender=StaffMember, staff_member=owner)
    return merchant


def open_merchant_account(
    *,
    login: str,
    password: str,
    display_name: str,
    address: str,
    name: str,
    category: str,
    phone: str = "",
    code: str = "",
) -> tuple:
    """(owner, merchant): a new person signs up and opens a merchant account in one step: both or neither (a bad
    business phone leaves no owner without a shop behind), under every sign-up limit, with the
    owner's phone proved by its texted code (checked first: its tries count even when the rest
    is refused)."""
    owner_phone, _email = account_services.parse_login(login)
    proof = None
    if owner_phone:
        proof = account_services.check_phone_code(
            owner_phone, account_services.CodePurpose.SIGN_UP, code
        )
    with transaction.atomic():
        user = account_services.sign_up(
            login=login,
            password=password,
            display_name=display_name,
            address=address,
            proof=proof,
        )
        return user, register_merchant(user=user, name=name, category=category, phone=phone)


@dataclass
class MerchantSettings:
    name: str
    phone: str = ""
    description: str = ""
    free_cancel_hours: int = 2
    order_validity_days: int = 90


def _bounded_int(value, field: str, low: int, high: int) -> int:
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter a whole number."), field=field, code=Problem.BAD_FORMAT
        ) from None
    if not low <= value <= high:
        raise DomainError(
            _("Between %(low)d and %(high)d.") % {"low": low, "high": high},
            field=field,
            code=Problem.OUT_OF_RANGE,
        )
    return value


@changes_listings
@transaction.atomic
def update_merchant(*, actor: StaffContext, data: MerchantSettings) -> Merchant:
    """The owner's settings: name, contact, and the booking and order policies customers see."""
    actor.require(Action.MANAGE_STAFF)
    merchant = Merchant.objects.select_for_update().get(pk=actor.merchant.pk)
    merchant.name = _required_text(data.name, "name", 80)
    merchant.phone = _phone_or_blank(data.phone)
    merchant.description = _optional_text(data.description, "description", 2000)
    merchant.free_cancel_hours = _bounded_int(data.free_cancel_hours, "free_cancel_hours", 0, 168)
    merchant.order_validity_days = _bounded_int(
        data.order_validity_days, "order_validity_days", 1, 3650
    )
    merchant.save()
    return merchant


# ---- stores -------------------------------------------------------------------------------


@dataclass
class StoreInput:
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


def _apply_store_input(store: Store, data: StoreInput) -> None:
    store.name = _required_text(data.name, "name", 80)
    store.category = _category(data.category)
    store.address = _required_text(data.address, "address", 200)
    store.district = _optional_text(data.district, "district", 40)
    store.lat, store.lng = _position(data.lat, data.lng)
    store.geocell = geo.FINE.cell(store.lat, store.lng)
    store.geocell_coarse = geo.COARSE.cell(store.lat, store.lng)
    store.phone = _phone_or_blank(data.phone)
    store.description = _optional_text(data.description, "description", 4000)
    store.features = _optional_text(data.features, "features", 200)
    store.is_active = bool(data.is_active)


@changes_listings
@transaction.atomic
def create_store(*, actor: StaffContext, data: StoreInput) -> Store:
    actor.require(Action.MANAGE_STORES)
    store = Store(merchant=actor.merchant)
    _apply_store_input(store, data)
    store.save()
    return store


@changes_listings
@transaction.atomic
def update_store(*, actor: StaffContext, store_id: int, data: StoreInput) -> Store:
    actor.require(Action.MANAGE_STORES)
    store = store_of(actor, store_id)
    _apply_store_input(store, data)
    store.save()
    return store


# ---- opening hours and closures -----------------------------------------------------------


@dataclass(frozen=True)
class HoursRange:
    weekday: int
    opens: dt.time
    closes: dt.time


def parse_time(value, field: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    text = str(value or "").strip()
    try:
        hour, minute = text.split(":")[:2]
        return dt.time(int(hour), int(minute))
    except (ValueError, TypeError):
        raise DomainError(
            _("Enter a time like 09:30."), field=field, code=Problem.BAD_FORMAT
        ) from None


def validate_hours(ranges: list[HoursRange]) -> list[HoursRange]:
    """Each range must end after it starts, and ranges of one day must not overlap."""
    by_day: dict[int, list[HoursRange]] = {}
    for index, hours in enumerate(ranges):
        if hours.weekday not in range(7):
            raise DomainError(
                _("Weekday must be 0 (Monday) to 6 (Sunday)."),
                field=f"hours.{index}",
                code=Problem.OUT_OF_RANGE,
            )
        if hours.closes <= hours.opens:
            raise DomainError(
                _("Closing time must be later than opening time."),
                field=f"hours.{index}",
                code=Problem.BAD_TIME,
            )
        by_day.setdefault(hours.weekday, []).append(hours)
    for day_ranges in by_day.values():
        day_ranges.sort(key=lambda r: r.opens)
        for earlier, later in zip(day_ranges, day_ranges[1:], strict=False):
            if later.opens < earlier.closes:
                raise DomainError(
                    _("Opening ranges on the same day overlap."),
                    field="hours",
                    code=Problem.OVERLAP,
                )
    return sorted(ranges, key=lambda r: (r.weekday, r.opens))


@changes_listings
@transaction.atomic
def set_opening_hours(*, actor: StaffContext, store_id: int, ranges: list[HoursRange]) -> None:
    """Replace a store's weekly hours with `ranges` (all or nothing)."""
    actor.require(Action.MANAGE_STORES)
    store = store_of(actor, store_id)
    ranges = validate_hours(ranges)
    OpeningHours.objects.filter(store=store).delete()
    OpeningHours.objects.bulk_create(
        OpeningHours(
            merchant=actor.merchant, store=store, weekday=r.weekday, opens=r.opens, closes=r.closes
        )
        for r in ranges
    )


@changes_listings
@transaction.atomic
def add_closure(
    *, actor: StaffContext, store_id: int, start_date: dt.date, end_date: dt.date, note: str = ""
) -> HolidayClosure:
    actor.require(Action.MANAGE_STORES)
    store = store_of(actor, store_id)
    if start_date is None or end_date is None:
        raise DomainError(_("Enter both dates."), field="start_date", code=Problem.REQUIRED)
    if end_date < start_date:
        raise DomainError(
            _("The closure must end on or after its first day."),
            field="end_date",
            code=Problem.BAD_TIME,
        )
    return HolidayClosure.objects.create(
        merchant=actor.merchant,
        store=store,
        start_date=start_date,
        end_date=end_date,
        note=_optional_text(note, "note", 100),
    )


@changes_listings
@transaction.atomic
def remove_closure(*, actor: StaffContext, closure_id: int) -> None:
    actor.require(Action.MANAGE_STORES)
    deleted, _count = HolidayClosure.objects.filter(pk=closure_id, merchant=actor.merchant).delete()
    if not deleted:
        raise NotFound()


# ---- photos -------------------------------------------------------------------------------


@changes_listings
@transaction.atomic
def add_photo(
    *,
    actor: StaffContext,
    store_id: int,
    kind: str,
    upload,
    item_id: int | None = None,
    caption: str = "",
    max_bytes: int | None = None,
) -> Photo:
    """Validate an uploaded photo (type, size), store it re-encoded, and make its thumbnail."""
    from django.conf import settings

    actor.require(Action.MANAGE_CATALOGUE if item_id else Action.MANAGE_STORES)
    store = store_of(actor, store_id)
    item = None
    if item_id:
        item = item_of(actor, item_id)
        kind = PhotoKind.ITEM
        if item.store_id != store.pk:
            raise NotFound(_("No such service or product."))
    if kind not in PhotoKind.values:
        raise DomainError(
            _("Choose what the photo shows."), field="kind", code=Problem.CHOICE_REQUIRED
        )
    if upload is None:
        raise DomainError(
            _("Choose a photo to upload."), field="image", code=Problem.CHOICE_REQUIRED
        )
    image, _format = read_image(upload, max_bytes or settings.REGULARS_MAX_PHOTO_BYTES)
    name = secrets.token_hex(8)
    # Re-encoding drops anything hidden in the original file (scripts, GPS metadata).
    photo = Photo(
        merchant=actor.merchant,
        store=store,
        item=item,
        kind=kind,
        width=image.width,
        height=image.height,
        caption=_optional_text(caption, "caption", 100),
    )
    photo.image.save(f"{name}.jpg", ContentFile(jpeg_bytes(image, (2400, 2400))), save=False)
    photo.thumbnail.save(f"{name}.webp", ContentFile(webp_bytes(image, THUMBNAIL_SIZE)), save=False)
    photo.save()
    return photo


@changes_listings
@transaction.atomic
def delete_photo(*, actor: StaffContext, photo_id: int) -> None:
    photo = Photo.objects.filter(pk=photo_id, merchant=actor.merchant).first()
    if photo is None:
        raise NotFound()
    actor.require(Action.MANAGE_CATALOGUE if photo.item_id else Action.MANAGE_STORES)
    image, thumbnail = photo.image, photo.thumbnail
    photo.delete()
    transaction.on_commit(lambda: (image.delete(save=False), thumbnail.delete(save=False)))


# ---- catalogue ----------------------------------------------------------------------------


@dataclass
class ItemInput:
    name: str
    price: Decimal | str
    description: str = ""
    duration_minutes: int | None = None
    bookable: bool = False
    buyable: bool = False
    is_active: bool = True
    slot_capacity: int = 1
    home_service: bool = False
    member_price: Decimal | str | None = None
    section: str = ""


def _money_in(value, field: str) -> Decimal:
    try:
        amount = to_money(value)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(
            _("Enter a price like 38.00."), field=field, code=Problem.BAD_FORMAT
        ) from None
    if amount < 0 or amount >= MAX_PRICE:
        raise DomainError(
            _("The price must be between 0 and 999,999.99."),
            field=field,
            code=Problem.OUT_OF_RANGE,
        )
    return amount


def _apply_item_input(item: CatalogItem, store: Store, data: ItemInput) -> None:
    item.name = _required_text(data.name, "name", 80)
    item.description = _optional_text(data.description, "description", 2000)
    item.section = _optional_text(data.section, "section", 40)
    item.price = _money_in(data.price, "price")
    member = (
        None if data.member_price in ("", None) else _money_in(data.member_price, "member_price")
    )
    if member is not None and member >= item.price:
        raise DomainError(
            _("A member price is lower than the price."),
            field="member_price",
            code=Problem.OUT_OF_RANGE,
        )
    item.member_price = member
    duration = data.duration_minutes
    if duration in ("", None):
        duration = None
    else:
        try:
            duration = int(duration)
        except (TypeError, ValueError):
            raise DomainError(
                _("Enter the duration in minutes."), field="duration_minutes", code=Problem.REQUIRED
            ) from None
        if not 1 <= duration <= 24 * 60:
            raise DomainError(
                _("The duration must be between 1 and 1440 minutes."),
                field="duration_minutes",
                code=Problem.OUT_OF_RANGE,
            )
    item.duration_minutes = duration
    online = bool(data.bookable) or bool(data.buyable)
    if online and store.category.is_discovery_only:
        raise DomainError(
            _("Public-service stores are listed for discovery only: no booking or online sale."),
            field="bookable",
            code=Problem.NOT_ALLOWED,
        )
    if data.bookable and not duration:
        raise DomainError(
            _("A bookable service needs a duration."),
            field="duration_minutes",
            code=Problem.REQUIRED,
        )
    try:
        capacity = int(data.slot_capacity or 1)
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter how many people one slot takes."), field="slot_capacity", code=Problem.REQUIRED
        ) from None
    if not 1 <= capacity <= 500:
        raise DomainError(
            _("A slot takes between 1 and 500 people."),
            field="slot_capacity",
            code=Problem.OUT_OF_RANGE,
        )
    item.slot_capacity = capacity
    item.home_service = bool(data.home_service)
    item.bookable = bool(data.bookable)
    item.buyable = bool(data.buyable)
    item.is_active = bool(data.is_active)


@changes_listings
@transaction.atomic
def create_item(*, actor: StaffContext, store_id: int, data: ItemInput, photo=None) -> CatalogItem:
    """Add a service or product; with `photo`, both are saved or neither."""
    actor.require(Action.MANAGE_CATALOGUE)
    store = store_of(actor, store_id)
    item = CatalogItem(merchant=actor.merchant, store=store)
    _apply_item_input(item, store, data)
    item.position = CatalogItem.objects.filter(store=store).count()
    item.save()
    if photo is not None:
        add_photo(
            actor=actor, store_id=store.pk, kind=PhotoKind.ITEM, upload=photo, item_id=item.pk
        )
    return item


@changes_listings
@transaction.atomic
def update_item(*, actor: StaffContext, item_id: int, data: ItemInput, photo=None) -> CatalogItem:
    actor.require(Action.MANAGE_CATALOGUE)
    item = item_of(actor, item_id)
    _apply_item_input(item, item.store, data)
    item.save()
    if photo is not None:
        add_photo(
            actor=actor, store_id=item.store_id, kind=PhotoKind.ITEM, upload=photo, item_id=item.pk
        )
    return item


# ---- staff --------------------------------------------------------------------------------


@transaction.atomic
def invite_staff(*, actor: StaffContext, contact: str, role: str) -> StaffInvitation:
    """Invite someone by phone or email; they accept with the link after signing in."""
    from regulars.accounts.services import parse_login

    actor.require(Action.MANAGE_STAFF)
    if role not in Role.values:
        raise DomainError(_("Choose a role."), field="role", code=Problem.CHOICE_REQUIRED)
    try:
        phone, email = parse_login(contact)
    except DomainError as error:
        raise DomainError(error.message, field="contact", code=error.code) from None
    invitation = StaffInvitation.objects.create(
        merchant=actor.merchant,
        invited_by=actor.user,
        phone=phone or "",
        email=email or "",
        role=role,
        token=secrets.token_urlsafe(24),
        expires_at=clock.now() + dt.timedelta(days=INVITATION_DAYS),
    )
    staff_invited.send(sender=StaffInvitation, invitation=invitation)
    return invitation


@transaction.atomic
def accept_invitation(*, user, token: str) -> StaffMember:
    invitation = StaffInvitation.objects.select_for_update().filter(token=token or "-").first()
    if invitation is None or invitation.accepted_at or invitation.expires_at < clock.now():
        raise DomainError(
            _("This invitation is not valid any more."), field="token", code=Problem.WRONG_STATE
        )
    if (invitation.phone and invitation.phone != user.phone) or (
        invitation.email and (user.email or "").lower() != invitation.email
    ):
        raise DomainError(
            _("This invitation was sent to another phone number or email address."),
            field="token",
            code=Problem.NOT_YOURS,
        )
    staff_member, created = StaffMember.objects.get_or_create(
        merchant=invitation.merchant, user=user, defaults={"role": invitation.role}
    )
    if created:
        staff_joined.send(sender=StaffMember, staff_member=staff_member)
    else:
        _set_role(staff_member, invitation.role, True)
    invitation.accepted_at = clock.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    return staff_member


@transaction.atomic
def change_staff_role(
    *, actor: StaffContext, staff_member_id: int, role: str, is_active: bool = True
) -> StaffMember:
    actor.require(Action.MANAGE_STAFF)
    if role not in Role.values:
        raise DomainError(_("Choose a role."), field="role", code=Problem.CHOICE_REQUIRED)
    staff_member = (
        StaffMember.objects.select_for_update()
        .filter(pk=staff_member_id, merchant=actor.merchant)
        .first()
    )
    if staff_member is None:
        raise NotFound()
    losing_owner = staff_member.role == Role.OWNER and (role != Role.OWNER or not is_active)
    if losing_owner:
        owners = StaffMember.objects.select_for_update().filter(
            merchant=actor.merchant, role=Role.OWNER, is_active=True
        )
        if owners.count() <= 1:
            raise DomainError(
                _("A merchant always keeps at least one owner."),
                field="role",
                code=Problem.OUT_OF_RANGE,
            )
    # Looking after customers needs their phone numbers: leaving, or moving to a role without
    # them (a cashier), is the same hand-over. Other apps may refuse (the directory: "reassign
    # their customers first").
    keeps_customers = Action.VIEW_CUSTOMER_CONTACT in ROLE_ACTIONS[Role(role)]
    if staff_member.is_active and (not is_active or not keeps_customers):
        staff_departing.send(
            sender=StaffMember, merchant_id=actor.merchant.pk, user_id=staff_member.user_id
        )
    _set_role(staff_member, role, is_active)
    return staff_member


def _set_role(staff_member: StaffMember, role: str, is_active: bool) -> None:
    role_before, active_before = staff_member.role, staff_member.is_active
    staff_member.role, staff_member.is_active = role, is_active
    staff_member.save(update_fields=["role", "is_active", "updated_at"])
    if (role_before, active_before) != (role, is_active):
        staff_role_changed.send(
            sender=StaffMember,
            staff_member=staff_member,
            role_before=role_before,
            active_before=active_before,
        )
