"""Reads for the team: who works in a store, who performs a service and when they work."""

import datetime as dt

from django.db.models import Prefetch

from regulars.core.errors import NotFound
from regulars.merchants.models import CatalogItem

from .models import CommissionRule, TeamMember, WorkingHours


def team_of(
    merchant, store_id: int | None = None, *, active_only: bool = False
) -> list[TeamMember]:
    """Everyone on a merchant's team (active first), with their services and hours."""
    members = TeamMember.objects.filter(merchant=merchant)
    if active_only:
        members = members.filter(is_active=True)
    if store_id:
        members = members.filter(store_id=store_id)
    return list(
        members.select_related("store", "user")
        .prefetch_related("items", "hours")
        .order_by("-is_active", "store_id", "position", "id")
    )


def merchant_member(merchant, member_id: int) -> TeamMember:
    found = (
        TeamMember.objects.filter(merchant=merchant, pk=member_id)
        .prefetch_related("items", "hours")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def public_team(store_id: int) -> list[TeamMember]:
    """The people a consumer can choose at a store: active and published, with their services
    (`book_item`: the first they can be booked for online)."""
    members = list(
        TeamMember.objects.filter(
            store_id=store_id,
            is_active=True,
            bookable=True,
            store__is_active=True,
            merchant__is_active=True,
        )
        .prefetch_related(
            Prefetch("items", CatalogItem.objects.filter(is_active=True), to_attr="services"),
            "hours",
        )
        .order_by("position", "id")
    )
    for member in members:
        member.book_item = next((item for item in member.services if item.bookable), None)
    return members


def performers(item_id: int) -> list[TeamMember]:
    """Who can be booked for a service (empty: the service is booked without a person)."""
    return list(
        TeamMember.objects.filter(items=item_id, is_active=True, bookable=True)
        .prefetch_related("hours")
        .order_by("position", "id")
    )


def works_at(member: TeamMember, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) lies inside the person's hours that day. Someone with no hours set
    works whenever the store is open (the store's slots already keep to its hours)."""
    ranges = list(member.hours.all())
    if not ranges:
        return True
    local_start, local_end = start.timetz().replace(tzinfo=None), end.timetz().replace(tzinfo=None)
    return any(
        r.weekday == start.weekday() and r.starts <= local_start and local_end <= r.ends
        for r in ranges
        if end.date() == start.date()
    )


def hours_of(member_ids) -> dict[int, list[WorkingHours]]:
    found: dict[int, list[WorkingHours]] = {}
    for hours in WorkingHours.objects.filter(member_id__in=member_ids):
        found.setdefault(hours.member_id, []).append(hours)
    return found


def linked_member_ids(merchant) -> dict[int, int]:
    """Console account → team member, for lines rung up or orders confirmed by that account."""
    return dict(
        TeamMember.objects.filter(merchant=merchant, user__isnull=False).values_list(
            "user_id", "id"
        )
    )


def rules_of(merchant) -> list[CommissionRule]:
    return list(CommissionRule.objects.filter(merchant=merchant).select_related("item"))
