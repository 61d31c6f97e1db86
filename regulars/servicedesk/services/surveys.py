"""Writes for satisfaction surveys."""

import datetime as dt

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.models import Source
from regulars.customers.services import customer_for
from regulars.notifications import services as notifications
from regulars.orders.models import OrderLine
from regulars.servicedesk.errors import Problem

from ..models import Survey

SURVEY_GAP = dt.timedelta(days=7)  # at most one survey a week per customer and shop


def invite_to_survey(*, merchant_id: int, consumer, order=None, now: dt.datetime | None = None):
    """After a visit: ask the customer, in their inbox, how it was (unless asked this week)."""

    now = now or clock.now()
    if Survey.objects.filter(
        merchant_id=merchant_id, consumer=consumer, sent_at__gt=now - SURVEY_GAP
    ).exists():
        return None
    customer = customer_for(merchant_id=merchant_id, consumer=consumer, source=Source.ORDER)
    survey = Survey.objects.create(
        merchant_id=merchant_id, customer=customer, consumer=consumer, order=order, sent_at=now
    )
    notifications.notify_each(
        [consumer],
        title=_("How was your visit to %(shop)s? Two quick questions")
        % {"shop": customer.merchant},
        link=reverse("care:survey", args=[survey.pk]),
        key=f"survey:{survey.pk}",
    )
    return survey


def survey_items(survey) -> list[str]:
    """The services of the visit the survey asks about (each scored on its own, seed 001)."""
    if survey.order_id is None:
        return []

    return list(
        dict.fromkeys(
            OrderLine.objects.filter(order_id=survey.order_id).values_list("name", flat=True)
        )
    )


def answer_survey(
    *,
    consumer,
    survey_id: int,
    recommend: int,
    satisfied: int,
    comment: str = "",
    item_scores: dict[str, int] | None = None,
):
    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_id, consumer=consumer).first()
        if survey is None:
            raise NotFound()
        if survey.answered_at:
            raise DomainError(
                _("You have answered this survey already. Thank you!"), code=Problem.ALREADY_DONE
            )
        if not 0 <= recommend <= 10:
            raise DomainError(
                _("Choose from 0 to 10."), field="recommend", code=Problem.OUT_OF_RANGE
            )
        if not 1 <= satisfied <= 5:
            raise DomainError(
                _("Choose from 1 to 5."), field="satisfied", code=Problem.OUT_OF_RANGE
            )
        items = set(survey_items(survey))
        item_scores = {name: score for name, score in (item_scores or {}).items() if score}
        if set(item_scores) - items or any(not 1 <= v <= 5 for v in item_scores.values()):
            raise DomainError(
                _("Score each service from 1 to 5."), field="item_scores", code=Problem.OUT_OF_RANGE
            )
        survey.item_scores = item_scores
        survey.recommend, survey.satisfied = recommend, satisfied
        survey.comment, survey.answered_at = (comment or "").strip()[:500], clock.now()
        survey.save(
            update_fields=["recommend", "satisfied", "comment", "answered_at", "item_scores"]
        )
    return survey
