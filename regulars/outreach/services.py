"""Writes for messages and greetings."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers import services as customer_services
from regulars.customers.models import Customer, Segment
from regulars.customers.selectors import Filters, search
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications import services as notifications
from regulars.notifications import targeting
from regulars.outreach.errors import Problem
from regulars.promotions import services as promotions

from .holidays import BY_KEY, birthday_in
from .models import Greeting, GreetingSettings, Outreach, OutreachKind
from .selectors import greeting_settings_of


def _reach(customers) -> tuple[list[int], int]:
    """The app accounts of these customers (who can get a message), and how many have none."""
    people = list(customers.values_list("consumer_id", flat=True))
    reachable = sorted({person for person in people if person})
    return reachable, len(people) - len([p for p in people if p])


def _send(
    *,
    merchant,
    kind: str,
    title: str,
    body: str,
    audience: str,
    customers,
    created_by=None,
    send_at: dt.datetime | None = None,
    campaign=None,
    now: dt.datetime | None = None,
):

    people, without_app = _reach(customers)
    excluded = _offer_exclusions(merchant.pk)
    people = [person for person in people if person not in excluded]
    outreach = Outreach.objects.create(
        merchant=merchant,
        kind=kind,
        title=title,
        body=body,
        audience=audience[:200],
        recipients=len(people),
        without_app=without_app,
        campaign=campaign,
        created_by=created_by,
        created_at=now or clock.now(),
    )
    if not people:
        return outreach
    if campaign is not None:
        try:
            given = promotions.issue_to(
                merchant_id=merchant.pk, campaign_id=campaign.pk, consumer_ids=people, now=now
            )
            outreach.coupons = given.issued
        except DomainError:  # out of stock or over: the greeting still goes out
            outreach.coupons = 0
    outreach.broadcast = notifications.schedule_broadcast(
        merchant_id=merchant.pk,
        title=title,
        body=body,
        link=_shop_link(merchant),
        audience={"kind": "users", "ids": people},
        send_at=send_at,
    )
    outreach.save(update_fields=["broadcast", "coupons"])
    return outreach


def _shop_link(merchant) -> str:
    """Where a message from the shop leads: its (first) store's page."""
    store = merchant.stores.filter(is_active=True).order_by("id").first()
    return reverse("discovery:store", args=[store.pk]) if store else ""


def _offer_exclusions(merchant_id: int) -> set[int]:
    return targeting.excluded_ids(merchant_id)


def send_message(
    *,
    actor: StaffContext,
    title: str,
    body: str,
    customer_ids: list[int] | None = None,
    segment_id: int | None = None,
    rules: dict | None = None,
    send_at: dt.datetime | None = None,
):
    """A message from the shop to one customer, a list, a segment or a search, through the
    inbox, web push and SMS (each person's own settings apply: opt-out, quiet hours, daily
    cap). Lands on each customer's timeline."""
    actor.require(Action.EDIT_CUSTOMERS)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise DomainError(
            _("Give the message a title of at most 120 characters."),
            field="title",
            code=Problem.TOO_LONG,
        )
    if len(body) > 1000:
        raise DomainError(_("At most 1,000 characters."), field="body", code=Problem.TOO_LONG)
    if send_at and send_at < clock.now() - dt.timedelta(minutes=5):
        raise DomainError(
            _("Choose a time that has not passed."), field="send_at", code=Problem.BAD_TIME
        )
    if segment_id:
        segment = Segment.objects.filter(pk=segment_id, merchant=actor.merchant).first()
        if segment is None:
            raise NotFound()
        customers = search(actor.merchant, Filters.from_rules(segment.rules))
        audience = _("Segment: %(name)s") % {"name": segment.name}
    elif customer_ids is not None:
        customers = Customer.objects.filter(merchant=actor.merchant, pk__in=customer_ids)
        audience = _("%(n)s chosen customers") % {"n": len(set(customer_ids))}
    else:
        try:
            filters = Filters.from_rules(rules or {})
        except (TypeError, ValueError, ArithmeticError):
            raise DomainError(
                _("These criteria cannot be used."), field="rules", code=Problem.BAD_FORMAT
            ) from None
        customers = search(actor.merchant, filters)
        audience = _("A search of the directory")
    if not customers.exists():
        raise DomainError(
            _("No customer to send to."), field="audience", code=Problem.EMPTY_AUDIENCE
        )
    return _send(
        merchant=actor.merchant,
        kind=OutreachKind.MESSAGE,
        title=title,
        body=body,
        audience=audience,
        customers=customers,
        created_by=actor.user,
        send_at=send_at,
    )


def save_greetings(
    *,
    actor: StaffContext,
    birthday_days: int,
    birthday_title: str,
    birthday_body: str,
    birthday_campaign_id: int | None,
    holidays: list[str],
    holiday_campaign_id: int | None,
    referral_campaign_id: int | None = None,
    follow_up_after_visit: bool | None = None,
):

    actor.require(Action.CONFIGURE_CUSTOMERS)
    if birthday_days and not 2 <= birthday_days <= 7:
        raise DomainError(
            _("Birthday greetings go 2 to 7 days before (0 for none)."),
            field="birthday_days",
            code=Problem.OUT_OF_RANGE,
        )
    if len(birthday_title or "") > 120:
        raise DomainError(
            _("At most 120 characters."), field="birthday_title", code=Problem.TOO_LONG
        )
    unknown = set(holidays) - set(BY_KEY)
    if unknown:
        raise DomainError(_("Unknown holiday."), field="holidays", code=Problem.UNKNOWN_CHOICE)
    for field, campaign_id in (
        ("birthday_campaign_id", birthday_campaign_id),
        ("holiday_campaign_id", holiday_campaign_id),
    ):
        customer_services.check_issued_campaign(actor.merchant, campaign_id, field=field)
    with transaction.atomic():
        found = greeting_settings_of(actor.merchant)
        found.birthday_days = birthday_days
        found.birthday_title = (birthday_title or "").strip()
        found.birthday_body = (birthday_body or "").strip()[:1000]
        found.birthday_campaign_id = birthday_campaign_id
        found.holidays = [key for key in BY_KEY if key in holidays]
        found.holiday_campaign_id = holiday_campaign_id
        found.save()
        customer_services.save_visit_follow_ups(
            actor=actor,
            referral_campaign_id=referral_campaign_id,
            follow_up_after_visit=follow_up_after_visit,
        )
    return found


def send_greetings(*, today: dt.date | None = None) -> int:
    """Daily: each shop's birthday greetings (for birthdays N days from today) and holiday
    greetings (on the day), each customer once per occasion. Returns the greetings sent."""
    today = today or clock.today()
    sent = 0
    for greetings in GreetingSettings.objects.select_related("merchant").exclude(
        birthday_days=0, holidays=[]
    ):
        if greetings.birthday_days:
            sent += _birthday_greetings(greetings, today)
        for key in greetings.holidays:
            sent += _holiday_greetings(greetings, key, today)
    return sent


def _greet(greetings, *, occasion: str, customers, kind, title, body, audience, campaign) -> int:
    # Customers known only by phone go along so the greeting counts them as not reachable in
    # the app (Outreach.without_app); only those with the app are greeted and remembered.
    fresh = customers.exclude(greetings__occasion=occasion)
    if not fresh.exists():
        return 0
    with transaction.atomic():
        everyone = list(fresh.values_list("pk", flat=True))
        chosen = list(fresh.filter(consumer__isnull=False).values_list("pk", flat=True))
        outreach = _send(
            merchant=greetings.merchant,
            kind=kind,
            title=title,
            body=body,
            audience=audience,
            customers=Customer.objects.filter(pk__in=everyone),
            campaign=campaign,
        )
        Greeting.objects.bulk_create(
            [
                Greeting(
                    merchant=greetings.merchant,
                    customer_id=pk,
                    occasion=occasion,
                    outreach=outreach,
                )
                for pk in chosen
            ],
            ignore_conflicts=True,
        )
    return len(chosen)


def _birthday_greetings(greetings, today: dt.date) -> int:
    target = today + dt.timedelta(days=greetings.birthday_days)
    candidates = Customer.objects.filter(
        merchant=greetings.merchant, birthday__month=target.month
    ).exclude(birthday__isnull=True)
    due = [c.pk for c in candidates if birthday_in(c.birthday, target.year) == target]
    if not due:
        return 0
    return _greet(
        greetings,
        occasion=f"birthday-{target.year}",
        customers=Customer.objects.filter(pk__in=due),
        kind=OutreachKind.BIRTHDAY,
        title=greetings.birthday_title
        or _("Happy birthday from %(shop)s!") % {"shop": greetings.merchant},
        body=greetings.birthday_body,
        audience=_("Birthdays on %(date)s") % {"date": f"{target:%m-%d}"},
        campaign=greetings.birthday_campaign,
    )


def _holiday_greetings(greetings, key: str, today: dt.date) -> int:
    holiday = BY_KEY.get(key)
    if holiday is None or holiday.date_in(today.year) != today:
        return 0
    return _greet(
        greetings,
        occasion=f"{key}-{today.year}",
        customers=Customer.objects.filter(merchant=greetings.merchant),
        kind=OutreachKind.HOLIDAY,
        title=f"{holiday.name} · {greetings.merchant}",
        body=str(holiday.greeting),
        audience=str(holiday.name),
        campaign=greetings.holiday_campaign,
    )
