"""Writes for reservations: booking a slot (with a chosen person, or anyone free), the shop's
answers, cancelling, reminders.

Concurrency: a slot's capacity changes through a conditional UPDATE (`... WHERE booked + n <=
capacity`), and a person's bookings are counted under a lock on their row, so however many
requests race, the database lets exactly the allowed number through.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.merchants.models import Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications.services import notify
from regulars.orders.errors import Problem
from regulars.team import selectors as team_selectors
from regulars.team.models import TeamMember

from .. import prepaid, selectors
from ..models import (
    Reservation,
    ReservationSlot,
    ReservationStatus,
)

MAX_PARTY = 50

REMINDER_AHEAD = dt.timedelta(hours=24)


def refuse_discovery_only(store: Store) -> None:
    if store.category.is_discovery_only:
        raise DomainError(
            _("This is a public service: it takes no reservations or online orders."),
            code=Problem.DISCOVERY_ONLY,
        )


# ---- reservations --------------------------------------------------------------------------


@transaction.atomic
def book(
    *,
    consumer,
    item_id: int,
    starts_at: dt.datetime,
    party_size: int = 1,
    home_address: str = "",
    note: str = "",
    served_by_id: int | None = None,
    prepaid_with: str = "",
    now: dt.datetime | None = None,
) -> Reservation:
    """Reserve `party_size` places in a slot; refused when the slot is full, past or not offered.
    A service people perform is booked with one of them: `served_by_id`, or anyone free."""
    now = now or clock.now()
    item = selectors.bookable_item(item_id)
    refuse_discovery_only(item.store)
    if not item.bookable:
        raise DomainError(_("This service cannot be booked online."), code=Problem.NOT_BOOKABLE)
    if not 1 <= int(party_size) <= MAX_PARTY:
        raise DomainError(
            _("Party size must be between 1 and %(n)d.") % {"n": MAX_PARTY},
            field="party_size",
            code=Problem.OUT_OF_RANGE,
        )
    party_size = int(party_size)
    home_address = (home_address or "").strip()[:200]
    if item.home_service and not home_address:
        raise DomainError(
            _("Enter the address where we should come."),
            field="home_address",
            code=Problem.REQUIRED,
        )
    offered = dict(selectors.slot_starts(item, timezone.localtime(starts_at).date()))
    if starts_at not in offered:
        raise DomainError(
            _("This time is not one of the shop's slots."),
            field="starts_at",
            code=Problem.UNKNOWN_CHOICE,
        )
    if starts_at <= now:
        raise DomainError(
            _("This slot has already started."), field="starts_at", code=Problem.BAD_TIME
        )
    ends_at = offered[starts_at]
    members = team_selectors.performers(item.pk)
    if served_by_id and not any(m.pk == int(served_by_id) for m in members):
        raise DomainError(
            _("This person does not perform this service."),
            field="served_by_id",
            code=Problem.UNKNOWN_CHOICE,
        )
    if members:
        person = _book_a_person(item, members, served_by_id, starts_at, ends_at, party_size)
        capacity = person.capacity
    else:
        person, capacity = None, item.slot_capacity
        if party_size > capacity:
            raise DomainError(
                _("This slot takes at most %(n)d people.") % {"n": capacity},
                field="party_size",
                code=Problem.OUT_OF_RANGE,
            )
    slot, _created = ReservationSlot.objects.get_or_create(
        item=item,
        starts_at=starts_at,
        served_by=person,
        defaults={"merchant_id": item.merchant_id, "capacity": capacity},
    )
    # The capacity check and the increment are one statement: concurrent bookings cannot both
    # see the last free place.
    taken = ReservationSlot.objects.filter(
        pk=slot.pk, booked__lte=F("capacity") - party_size
    ).update(booked=F("booked") + party_size)
    if not taken:
        raise DomainError(
            _("Sorry, this slot is full. Please choose another time."), code=Problem.SLOT_FULL
        )
    payer, choice = prepaid.payer_of(prepaid_with)
    if prepaid_with and payer is None:
        raise DomainError(
            _("Choose how to pay from the choices offered."),
            field="prepaid_with",
            code=Problem.UNKNOWN_CHOICE,
        )
    reservation = Reservation.objects.create(
        merchant_id=item.merchant_id,
        store=item.store,
        item=item,
        slot=slot,
        served_by=person,
        prepaid_with=prepaid_with[:40] if payer else "",
        consumer=consumer,
        starts_at=starts_at,
        ends_at=ends_at,
        party_size=party_size,
        home_address=home_address,
        note=(note or "").strip()[:200],
    )
    if payer is not None:
        # Inside the booking's transaction: a refused card refuses the booking as a whole.
        payer.hold(reservation=reservation, choice=choice)
    return reservation


def _book_a_person(item, members, served_by_id, starts_at, ends_at, party_size):
    """The person who takes this booking: the one chosen, or for "anyone" the least busy of
    those free. Their rows are locked first (in id order, so two bookings cannot deadlock): a
    person's bookings of every service are counted against their one capacity."""
    if served_by_id:
        members = [m for m in members if m.pk == int(served_by_id)]
    locked = {
        m.pk: m
        for m in TeamMember.objects.select_for_update()
        .filter(pk__in=[m.pk for m in members])
        .order_by("pk")
    }
    load = selectors.person_load(members, starts_at, ends_at)
    day_load = dict(
        Reservation.objects.filter(
            served_by__in=locked,
            status__in=selectors.HOLDING,
            starts_at__date=timezone.localtime(starts_at).date(),
        )
        .values_list("served_by")
        .annotate(n=Count("id"))
    )
    free = [
        (day_load.get(m.pk, 0), m.position, m.pk, m)
        for m in members
        if m.pk in locked and selectors.free_places(m, load, starts_at, ends_at) >= party_size
    ]
    if not free:
        if served_by_id and not team_selectors.works_at(members[0], starts_at, ends_at):
            raise DomainError(
                _("This person does not work at this time."),
                field="starts_at",
                code=Problem.BAD_TIME,
            )
        raise DomainError(
            _("Sorry, this slot is full. Please choose another time."), code=Problem.SLOT_FULL
        )
    return min(free, key=lambda row: row[:3])[3]


def _release(reservation: Reservation) -> None:
    ReservationSlot.objects.filter(pk=reservation.slot_id).update(
        booked=F("booked") - reservation.party_size
    )


def _move_reservation(
    reservation: Reservation, allowed: tuple, status: str, **fields
) -> Reservation:
    """Change state only from an allowed one (a conditional update, so two clicks cannot race)."""
    changed = Reservation.objects.filter(pk=reservation.pk, status__in=allowed).update(
        status=status, updated_at=clock.now(), **fields
    )
    if not changed:
        raise DomainError(
            _("This reservation is already %(status)s.")
            % {"status": reservation.get_status_display()},
            code=Problem.WRONG_STATE,
        )
    if reservation.holds_capacity and status not in (
        ReservationStatus.REQUESTED,
        ReservationStatus.CONFIRMED,
    ):
        _release(reservation)
    if status in (ReservationStatus.DECLINED, ReservationStatus.CANCELLED):
        payer, _choice = prepaid.payer_of(reservation.prepaid_with)
        if payer is not None:
            payer.release(reservation=reservation)
    reservation.refresh_from_db()
    return reservation


def _merchant_reservation(actor: StaffContext, reservation_id: int) -> Reservation:
    actor.require(Action.HANDLE_BOOKINGS)
    found = Reservation.objects.filter(pk=reservation_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    return found


@transaction.atomic
def confirm_reservation(*, actor: StaffContext, reservation_id: int) -> Reservation:
    reservation = _merchant_reservation(actor, reservation_id)
    reservation = _move_reservation(
        reservation, (ReservationStatus.REQUESTED,), ReservationStatus.CONFIRMED
    )
    notify(
        user=reservation.consumer,
        title=_("%(store)s confirmed your booking") % {"store": reservation.store.name},
        body=f"{reservation.item.name} · {timezone.localtime(reservation.starts_at):%Y-%m-%d %H:%M}",
        link=f"/me/reservations/{reservation.pk}/",
        dedupe_key=f"reservation:{reservation.pk}:confirmed",
    )
    return reservation


@transaction.atomic
def decline_reservation(*, actor: StaffContext, reservation_id: int, reason: str) -> Reservation:
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Tell the customer why (they will see it)."), field="reason", code=Problem.REQUIRED
        )
    reservation = _merchant_reservation(actor, reservation_id)
    reservation = _move_reservation(
        reservation,
        (ReservationStatus.REQUESTED, ReservationStatus.CONFIRMED),
        ReservationStatus.DECLINED,
        decline_reason=reason[:200],
    )
    notify(
        user=reservation.consumer,
        title=_("%(store)s cannot take your booking") % {"store": reservation.store.name},
        body=reason,
        link=f"/me/reservations/{reservation.pk}/",
        dedupe_key=f"reservation:{reservation.pk}:declined",
    )
    return reservation


@transaction.atomic
def mark_no_show(
    *, actor: StaffContext, reservation_id: int, now: dt.datetime | None = None
) -> Reservation:
    reservation = _merchant_reservation(actor, reservation_id)
    if reservation.starts_at > (now or clock.now()):
        raise DomainError(
            _("A no-show can only be marked after the slot has started."), code=Problem.TOO_EARLY
        )
    return _move_reservation(reservation, (ReservationStatus.CONFIRMED,), ReservationStatus.NO_SHOW)


@transaction.atomic
def complete_reservation(*, actor: StaffContext, reservation_id: int) -> Reservation:
    reservation = _merchant_reservation(actor, reservation_id)
    return _move_reservation(
        reservation, (ReservationStatus.CONFIRMED,), ReservationStatus.COMPLETED
    )


@transaction.atomic
def cancel_reservation(
    *, consumer, reservation_id: int, now: dt.datetime | None = None
) -> Reservation:
    """The consumer cancels, free of charge until the merchant's cut-off before the slot."""
    now = now or clock.now()
    reservation = selectors.consumer_reservation(consumer, reservation_id)
    cutoff = reservation.starts_at - dt.timedelta(hours=reservation.merchant.free_cancel_hours)
    if reservation.holds_capacity and now > cutoff:
        raise DomainError(
            _(
                "Bookings can be cancelled online until %(hours)d hours before. Please call the shop."
            )
            % {"hours": reservation.merchant.free_cancel_hours},
            code=Problem.TOO_LATE,
        )
    return _move_reservation(
        reservation,
        (ReservationStatus.REQUESTED, ReservationStatus.CONFIRMED),
        ReservationStatus.CANCELLED,
    )


def send_due_reminders(*, now: dt.datetime | None = None) -> int:
    """Remind consumers of bookings in the next 24 hours, once each. Returns how many were sent."""
    now = now or clock.now()
    due = Reservation.objects.filter(
        status=ReservationStatus.CONFIRMED,
        reminded_at=None,
        starts_at__gt=now,
        starts_at__lte=now + REMINDER_AHEAD,
    ).select_related("store", "item", "consumer")
    sent = 0
    for reservation in due:
        if notify(
            user=reservation.consumer,
            title=_("Reminder: %(item)s at %(store)s")
            % {"item": reservation.item.name, "store": reservation.store.name},
            body=f"{timezone.localtime(reservation.starts_at):%Y-%m-%d %H:%M} · {reservation.store.address}",
            link=f"/me/reservations/{reservation.pk}/",
            dedupe_key=f"reservation:{reservation.pk}:reminder",
        ):
            sent += 1
        Reservation.objects.filter(pk=reservation.pk).update(reminded_at=now)
    return sent
