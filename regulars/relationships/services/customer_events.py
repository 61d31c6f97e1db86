"""Writes for customer events."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.models import Segment
from regulars.customers.selectors import segment_members
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications import services as notifications
from regulars.outreach.services import _offer_exclusions
from regulars.relationships.errors import Problem

from ..models import CustomerEvent, Invitation, Rsvp


def create_event(
    *,
    actor: StaffContext,
    theme: str,
    starts_at: dt.datetime,
    place: str,
    segment_id: int,
    description: str = "",
    gift: str = "",
):
    """An event for the customers of a segment: each is invited in their inbox and answers
    (RSVP) from there; staff then note who came and who got the gift."""

    actor.require(Action.EDIT_CUSTOMERS)
    theme, place = (theme or "").strip(), (place or "").strip()
    if not theme or len(theme) > 120:
        raise DomainError(
            _("Give the event a theme of at most 120 characters."),
            field="theme",
            code=Problem.TOO_LONG,
        )
    if not place or len(place) > 200:
        raise DomainError(_("Say where it takes place."), field="place", code=Problem.REQUIRED)
    if starts_at <= clock.now():
        raise DomainError(
            _("Choose a time that has not passed."), field="starts_at", code=Problem.BAD_TIME
        )
    segment = Segment.objects.filter(pk=segment_id, merchant=actor.merchant).first()
    if segment is None:
        raise DomainError(
            _("Choose one of your segments."), field="segment_id", code=Problem.UNKNOWN_CHOICE
        )
    excluded = _offer_exclusions(actor.merchant.pk)
    invitees = [
        customer
        for customer in segment_members(segment)
        if customer.consumer_id and customer.consumer_id not in excluded
    ]
    if not invitees:
        raise DomainError(
            _("Nobody in this segment can be invited in the app."),
            field="segment_id",
            code=Problem.EMPTY_AUDIENCE,
        )
    with transaction.atomic():
        event = CustomerEvent.objects.create(
            merchant=actor.merchant,
            theme=theme,
            starts_at=starts_at,
            place=place,
            description=(description or "").strip()[:2000],
            gift=(gift or "").strip()[:120],
            segment=segment,
            created_by=actor.user,
        )
        invitations = Invitation.objects.bulk_create(
            Invitation(event=event, customer=customer) for customer in invitees
        )
    when = f"{timezone.localtime(starts_at):%m-%d %H:%M}"
    for invitation, customer in zip(invitations, invitees, strict=True):
        notifications.notify_each(
            [customer.consumer],
            title=_("You are invited: %(theme)s, %(when)s at %(place)s")
            % {"theme": theme, "when": when, "place": place},
            link=reverse("invitations:invitation", args=[invitation.pk]),
            key=f"invitation:{invitation.pk}",
        )
    return event


def answer_invitation(*, consumer, invitation_id: int, coming: bool):
    found = (
        Invitation.objects.filter(pk=invitation_id, customer__consumer=consumer)
        .select_related("event")
        .first()
    )
    if found is None:
        raise NotFound()
    if found.event.starts_at <= clock.now():
        raise DomainError(_("This event has already taken place."), code=Problem.WRONG_STATE)
    found.rsvp = Rsvp.YES if coming else Rsvp.NO
    found.responded_at = clock.now()
    found.save(update_fields=["rsvp", "responded_at"])
    return found


def record_attendance(*, actor: StaffContext, invitation_id: int, attended: bool, gift_given: bool):
    actor.require(Action.EDIT_CUSTOMERS)
    found = Invitation.objects.filter(pk=invitation_id, event__merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    if gift_given and not attended:
        raise DomainError(
            _("Only those who came get the gift."), field="gift_given", code=Problem.WRONG_STATE
        )
    found.attended, found.gift_given = attended, gift_given
    found.save(update_fields=["attended", "gift_given"])
    return found
