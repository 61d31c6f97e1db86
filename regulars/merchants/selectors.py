"""Reads for merchants: the category tree, store pages, a merchant's own stores and staff."""

import datetime as dt
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import NotFound

from .models import (
    CatalogItem,
    Category,
    HolidayClosure,
    OpeningHours,
    Photo,
    PhotoKind,
    StaffInvitation,
    StaffMember,
    Store,
)

CATEGORY_TTL_S = 60


@dataclass(frozen=True)
class CategoryNode:
    id: int
    slug: str
    name_zh: str
    name_en: str
    parent_id: int | None
    discovery_only: bool
    descendant_ids: tuple[int, ...]


_category_memo: (
    tuple[float, dict[str, CategoryNode], list[Category], dict[int, Category]] | None
) = None


def category_nodes() -> dict[str, CategoryNode]:
    """Every category by slug, with its descendants' ids.

    Read on every search, so it lives in process memory: cleared at once in the process that
    edits a category, and re-read by the others within CATEGORY_TTL_S.
    """
    return _category_tree()[0]


def _category_tree() -> tuple[dict[str, CategoryNode], list[Category], dict[int, Category]]:
    """The nodes by slug, the rows (each with its parent attached, shared read-only by every
    request of the process) and the rows by id, read once a minute."""
    global _category_memo
    if _category_memo is not None and _category_memo[0] > time.monotonic():
        return _category_memo[1:]
    rows = list(Category.objects.order_by("position", "slug"))
    children: dict[int | None, list[Category]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)

    def descendants(category_id: int) -> list[int]:
        found = [category_id]
        for child in children.get(category_id, []):
            found.extend(descendants(child.pk))
        return found

    by_id = {row.pk: row for row in rows}
    for row in rows:
        row.parent = by_id.get(row.parent_id)  # no query when a page names the parent

    def discovery_only(row: Category) -> bool:
        while row is not None:
            if row.discovery_only:
                return True
            row = by_id.get(row.parent_id)
        return False

    nodes = {
        row.slug: CategoryNode(
            id=row.pk,
            slug=row.slug,
            name_zh=row.name_zh,
            name_en=row.name_en,
            parent_id=row.parent_id,
            discovery_only=discovery_only(row),
            descendant_ids=tuple(descendants(row.pk)),
        )
        for row in rows
    }
    _category_memo = (time.monotonic() + CATEGORY_TTL_S, nodes, rows, by_id)
    return nodes, rows, by_id


def forget_category_cache() -> None:
    global _category_memo
    _category_memo = None


def top_categories() -> list[Category]:
    """The top of the tree, in its order (from the memo behind category_nodes: no query)."""
    return [row for row in _category_tree()[1] if row.parent_id is None]


def category_by_id(category_id: int) -> Category:
    """One category with its parent, from the memo (no query); read anew for a category
    created in another process since."""
    by_id = _category_tree()[2]
    if category_id not in by_id:
        forget_category_cache()
        by_id = _category_tree()[2]
    return by_id[category_id]


def all_categories() -> list[Category]:
    """Every category, each top one before its children, each with its parent (no query)."""
    return sorted(_category_tree()[1], key=lambda row: (row.parent_id or 0, row.position))


def is_open_at(
    hours: list[OpeningHours], closures: list[HolidayClosure], moment: dt.datetime
) -> bool:
    local = timezone.localtime(moment)
    today, now = local.date(), local.time()
    if any(c.start_date <= today <= c.end_date for c in closures):
        return False
    return any(h.weekday == local.weekday() and h.opens <= now < h.closes for h in hours)


def public_store(store_id: int) -> Store:
    """A store as consumers see it: active, with hours, closures, photos and active items."""
    store = (
        Store.objects.select_related("category", "category__parent", "merchant")
        .prefetch_related(
            "hours",
            Prefetch(
                "closures",
                queryset=HolidayClosure.objects.filter(end_date__gte=clock.today()),
            ),
            Prefetch("photos", queryset=Photo.objects.filter(item=None)),
            Prefetch(
                "items",
                queryset=CatalogItem.objects.filter(is_active=True).prefetch_related("photos"),
                to_attr="active_items",
            ),
        )
        .filter(pk=store_id, is_active=True, merchant__is_active=True)
        .first()
    )
    if store is None:
        raise NotFound()
    store.cover = next((p for p in store.photos.all() if p.kind == PhotoKind.STOREFRONT), None)
    store.is_open_now = is_open_at(list(store.hours.all()), list(store.closures.all()), clock.now())
    return store


def belongs_to(model, pk, merchant) -> bool:
    """Whether row `pk` of a merchant-owned `model` is this merchant's (a URL's id, checked before
    anything else is read or validated: another merchant's id is simply not found)."""
    return model._default_manager.filter(pk=pk, merchant=merchant).exists()


def merchant_stores(merchant) -> list[Store]:
    return list(
        Store.objects.filter(merchant=merchant)
        .select_related("category")
        .prefetch_related("hours", "photos")
        .order_by("id")
    )


def merchant_store(merchant, store_id: int) -> Store:
    store = (
        Store.objects.select_related("category")
        .prefetch_related("hours", "closures", "photos", "items")
        .filter(pk=store_id, merchant=merchant)
        .first()
    )
    if store is None:
        raise NotFound()
    return store


def merchant_item(merchant, item_id: int) -> CatalogItem:
    item = (
        CatalogItem.objects.select_related("store")
        .prefetch_related("photos")
        .filter(pk=item_id, merchant=merchant)
        .first()
    )
    if item is None:
        raise NotFound()
    return item


def merchant_items(merchant, store_id: int | None = None) -> list[CatalogItem]:
    items = CatalogItem.objects.filter(merchant=merchant).select_related("store")
    if store_id is not None:
        items = items.filter(store_id=store_id)
    return list(items.order_by("store_id", "position", "id"))


def merchant_staff(merchant) -> list[StaffMember]:
    return list(
        StaffMember.objects.filter(merchant=merchant).select_related("user").order_by("created_at")
    )


def active_staff_ids(merchant) -> set[int]:
    """The users who work for the merchant now: the people a task or a complaint may go to."""
    return set(
        StaffMember.objects.filter(merchant=merchant, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def staff_in_roles(merchant, roles) -> list:
    """The active users holding one of `roles` (an escalation, a reminder to the owners)."""
    return [
        member.user
        for member in StaffMember.objects.filter(
            merchant=merchant, role__in=roles, is_active=True
        ).select_related("user")
    ]


def pending_invitations(merchant) -> list[StaffInvitation]:
    return list(
        StaffInvitation.objects.filter(
            merchant=merchant, accepted_at=None, expires_at__gte=clock.now()
        ).order_by("-created_at")
    )


def invitation_by_token(token: str) -> StaffInvitation | None:
    return StaffInvitation.objects.select_related("merchant").filter(token=token).first()


LISTINGS_VERSION_KEY = "merchants:listings-version"


def listings_version() -> int:
    """Changes whenever a shop's listing changes (see `services._bump_listings_version`)."""
    return cache.get(LISTINGS_VERSION_KEY, 0)


def staff_role_left(user) -> str | None:
    """Why the person may not be erased yet: they are still staff of a shop (an erasure blocker,
    accounts.privacy)."""
    if StaffMember.objects.filter(user=user, is_active=True).exists():
        return _("you are still staff of a shop (ask its owner to end your access)")
    return None
