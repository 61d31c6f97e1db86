"""Writes for the team: a person's profile, photo, services and hours; commission rules.

Profiles are part of the store's public page (managers and owners keep them); commission rules
are pay policy (owners only, `MANAGE_STAFF`).
"""

import secrets
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError, NotFound
from regulars.core.images import jpeg_bytes, read_image
from regulars.merchants.models import CatalogItem, StaffMember
from regulars.merchants.permissions import Action, StaffContext
from regulars.merchants.services import HoursRange, changes_listings, store_of, validate_hours

from .errors import Problem
from .models import CommissionBasis, CommissionKind, CommissionRule, TeamMember, WorkingHours

PHOTO_SIZE = (480, 480)
MAX_CAPACITY = 50
MAX_PERCENT = Decimal("100")
MAX_FIXED = Decimal("100000")


def _text(value, field_name: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise DomainError(_("This field is required."), field=field_name, code=Problem.REQUIRED)
    if len(value) > max_length:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": max_length},
            field=field_name,
            code=Problem.TOO_LONG,
        )
    return value


@dataclass
class MemberInput:
    store_id: int
    name: str
    title: str = ""
    bio: str = ""
    item_ids: list[int] = field(default_factory=list)
    user_id: int | None = None
    capacity: int = 1
    bookable: bool = True
    is_active: bool = True
    hours: list[HoursRange] | None = None  # None keeps the hours as they are


def member_of(actor: StaffContext, member_id: int) -> TeamMember:
    found = TeamMember.objects.filter(pk=member_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound(_("No such team member."))
    return found


def _capacity(raw) -> int:
    try:
        capacity = int(raw)
    except (TypeError, ValueError):
        raise DomainError(
            _("Enter how many customers they serve at once."),
            field="capacity",
            code=Problem.BAD_FORMAT,
        ) from None
    if not 1 <= capacity <= MAX_CAPACITY:
        raise DomainError(
            _("Between 1 and %(n)d customers at once.") % {"n": MAX_CAPACITY},
            field="capacity",
            code=Problem.OUT_OF_RANGE,
        )
    return capacity


def _items(actor: StaffContext, store_id: int, item_ids) -> list[CatalogItem]:
    wanted = {int(i) for i in item_ids or []}
    items = list(
        CatalogItem.objects.filter(merchant=actor.merchant, store_id=store_id, pk__in=wanted)
    )
    if len(items) != len(wanted):
        raise DomainError(
            _("Choose services of this store."), field="item_ids", code=Problem.UNKNOWN_CHOICE
        )
    return items


def _console_user(actor: StaffContext, user_id) -> int | None:
    if user_id in (None, ""):
        return None
    user_id = int(user_id)
    if not StaffMember.objects.filter(merchant=actor.merchant, user_id=user_id).exists():
        raise DomainError(
            _("Choose a console account of this shop."),
            field="user_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    return user_id


@changes_listings
@transaction.atomic
def save_member(
    *, actor: StaffContext, data: MemberInput, member_id: int | None = None, photo=None
) -> TeamMember:
    """Add or change a team member: profile, services, hours and photo, all or nothing."""
    actor.require(Action.MANAGE_STORES)
    member = member_of(actor, member_id) if member_id else TeamMember(merchant=actor.merchant)
    store = store_of(actor, data.store_id)
    member.store = store
    member.name = _text(data.name, "name", 40, required=True)
    member.title = _text(data.title, "title", 40)
    member.bio = _text(data.bio, "bio", 200)
    member.capacity = _capacity(data.capacity)
    member.user_id = _console_user(actor, data.user_id)
    member.bookable = bool(data.bookable)
    member.is_active = bool(data.is_active)
    items = _items(actor, store.pk, data.item_ids)
    hours = validate_hours(data.hours) if data.hours is not None else None
    if photo is not None:
        _put_photo(member, photo)
    member.save()
    member.items.set(items)
    if hours is not None:
        WorkingHours.objects.filter(member=member).delete()
        WorkingHours.objects.bulk_create(
            WorkingHours(
                merchant=actor.merchant,
                member=member,
                weekday=r.weekday,
                starts=r.opens,
                ends=r.closes,
            )
            for r in hours
        )
    return member


def _put_photo(member: TeamMember, upload) -> None:
    image, _format = read_image(upload, settings.REGULARS_MAX_PHOTO_BYTES)
    # Re-encoded (nothing hidden in the original survives) and small: it is shown as an avatar.
    member.photo.save(
        f"{secrets.token_hex(8)}.jpg", ContentFile(jpeg_bytes(image, PHOTO_SIZE)), save=False
    )


@changes_listings
@transaction.atomic
def set_photo(*, actor: StaffContext, member_id: int, upload) -> TeamMember:
    actor.require(Action.MANAGE_STORES)
    member = member_of(actor, member_id)
    if upload is None:
        raise DomainError(_("Choose a photo to upload."), field="image", code=Problem.REQUIRED)
    _put_photo(member, upload)
    member.save(update_fields=["photo", "updated_at"])
    return member


# ---- commission rules ---------------------------------------------------------------------


@dataclass
class RuleInput:
    kind: str
    basis: str
    value: Decimal | str
    item_id: int | None = None
    section: str = ""


def _rule_value(basis: str, raw) -> Decimal:
    try:
        value = Decimal(str(raw)).quantize(Decimal("0.01"))
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(
            _("Enter a number like 10 or 5.50."), field="value", code=Problem.BAD_FORMAT
        ) from None
    ceiling = MAX_PERCENT if basis == CommissionBasis.PERCENT else MAX_FIXED
    if not Decimal("0") <= value <= ceiling:
        raise DomainError(
            _("A percentage is 0 to 100; a fixed sum 0 to 100,000."),
            field="value",
            code=Problem.OUT_OF_RANGE,
        )
    return value


@transaction.atomic
def save_rule(*, actor: StaffContext, data: RuleInput) -> CommissionRule:
    """Set the rule for one target (a service, a menu section, the default, or a kind of sale);
    saving a target that has a rule replaces it."""
    actor.require(Action.MANAGE_STAFF)
    if data.kind not in CommissionKind.values:
        raise DomainError(
            _("Choose what the rule applies to."), field="kind", code=Problem.REQUIRED
        )
    if data.basis not in CommissionBasis.values:
        raise DomainError(
            _("Choose a percentage or a fixed sum."), field="basis", code=Problem.REQUIRED
        )
    value = _rule_value(data.basis, data.value)
    item, section = None, ""
    if data.kind == CommissionKind.SERVICE:
        item = CatalogItem.objects.filter(merchant=actor.merchant, pk=data.item_id or 0).first()
        if item is None:
            raise DomainError(
                _("Choose a service of this shop."), field="item_id", code=Problem.UNKNOWN_CHOICE
            )
        scope = f"item:{item.pk}"
    elif data.kind == CommissionKind.SECTION:
        section = _text(data.section, "section", 40, required=True)
        scope = f"section:{section}"
    else:
        scope = data.kind
    rule, _created = CommissionRule.objects.update_or_create(
        merchant=actor.merchant,
        scope=scope,
        defaults={
            "kind": data.kind,
            "item": item,
            "section": section,
            "basis": data.basis,
            "value": value,
        },
    )
    return rule


@transaction.atomic
def delete_rule(*, actor: StaffContext, rule_id: int) -> None:
    actor.require(Action.MANAGE_STAFF)
    deleted, _rows = CommissionRule.objects.filter(pk=rule_id, merchant=actor.merchant).delete()
    if not deleted:
        raise NotFound()
