"""Reads for the customer directory: search, one customer's timeline, export rows."""

import datetime as dt

from django.db.models import Q

from regulars.core.errors import NotFound
from regulars.merchants.permissions import StaffContext

# ---- the service desk -------------------------------------------------------------------------


def tickets(actor: StaffContext, *, view: str = "open") -> list:
    """open: every complaint not closed, most urgent first; mine: those I own or handle;
    closed: the latest closed."""
    from .models import Ticket, TicketStage

    found = Ticket.objects.filter(merchant=actor.merchant).select_related(
        "customer", "owner", "handler"
    )
    if view == "closed":
        return list(found.filter(stage=TicketStage.CLOSED).order_by("-closed_at")[:200])
    found = found.exclude(stage=TicketStage.CLOSED)
    if view == "mine":
        found = found.filter(Q(owner=actor.user) | Q(handler=actor.user))
    return list(found.order_by("stage_due_at")[:500])


def ticket_of(merchant, ticket_id: int):
    from .models import Ticket

    found = (
        Ticket.objects.filter(pk=ticket_id, merchant=merchant)
        .select_related("customer", "owner", "handler", "order", "store", "raised_by")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def ticket_events(ticket) -> list:
    return list(ticket.events.select_related("by"))


def my_complaints(consumer) -> list:
    from .models import Ticket

    return list(Ticket.objects.filter(raised_by=consumer).select_related("merchant", "store")[:100])


def my_complaint(consumer, ticket_id: int):
    from .models import Ticket

    found = (
        Ticket.objects.filter(pk=ticket_id, raised_by=consumer)
        .select_related("merchant", "store")
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def articles(merchant, *, q: str = "", kind: str = "", topic: str | None = None) -> list:
    """The knowledge base, searched; with `topic`, what helps with it (and general texts)."""
    from .models import Article

    found = Article.objects.filter(merchant=merchant)
    if q:
        found = found.filter(Q(title__icontains=q) | Q(body__icontains=q))
    if kind:
        found = found.filter(kind=kind)
    if topic is not None:
        found = found.filter(Q(topic=topic) | Q(topic=""))
    return list(found[:200])


def article_of(merchant, article_id: int):
    from .models import Article

    found = Article.objects.filter(pk=article_id, merchant=merchant).first()
    if found is None:
        raise NotFound()
    return found


def corrective_actions(merchant, month: dt.date | None = None) -> list:
    """The month's corrective actions, and any still open from earlier months."""
    from .models import CorrectiveAction

    found = CorrectiveAction.objects.filter(merchant=merchant).select_related("owner")
    if month:
        found = found.filter(Q(month=month.replace(day=1)) | Q(done_at__isnull=True))
    return list(found[:200])


def open_store(store_id: int):
    """A store consumers may complain about (open for business), with its merchant."""
    from regulars.merchants.models import Store

    found = Store.objects.filter(pk=store_id, is_active=True).select_related("merchant").first()
    if found is None:
        raise NotFound()
    return found


def desk_settings_of(merchant):
    """The desk's hours and stage limits; the defaults until the merchant saves its own."""
    from .models import DeskSettings

    return DeskSettings.objects.filter(merchant=merchant).first() or DeskSettings(merchant=merchant)
