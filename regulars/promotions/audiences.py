"""Who may have a campaign's coupons: a pluggable filter.

Each audience answers two questions: does it admit this consumer (else the refusal why), and
who are its members (to issue coupons to). Built in: anyone, members of chosen tiers, and a
customer list. Another app adds its own with `register` (the customer directory adds segments).
"""

from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from regulars.membership.models import Card, CardStatus

from .errors import Refusal, refuse


class AudienceFilter(Protocol):
    key: str
    label: str

    def check(self, campaign, consumer) -> None:
        """Raise the refusal when the consumer is outside the audience."""

    def members(self, campaign) -> QuerySet:
        """The audience's users (for issuing coupons to all of them)."""


@dataclass(frozen=True)
class Anyone:
    key: str = "anyone"
    label: str = _("Anyone")

    def check(self, campaign, consumer) -> None:
        return None

    def members(self, campaign) -> QuerySet:
        return get_user_model().objects.none()


@dataclass(frozen=True)
class Tiers:
    key: str = "tiers"
    label: str = _("Members of chosen tiers")

    def check(self, campaign, consumer) -> None:
        tiers = list(campaign.audience_tiers.all())
        card = Card.objects.filter(
            merchant_id=campaign.merchant_id, consumer=consumer, status=CardStatus.ACTIVE
        ).first()
        if card is None or card.tier_id not in {tier.pk for tier in tiers}:
            raise refuse(Refusal.TIER_NOT_ELIGIBLE, tiers=" / ".join(tier.name for tier in tiers))

    def members(self, campaign) -> QuerySet:
        return get_user_model().objects.filter(
            cards__merchant_id=campaign.merchant_id,
            cards__status=CardStatus.ACTIVE,
            cards__tier__in=campaign.audience_tiers.all(),
        )


@dataclass(frozen=True)
class CustomerList:
    key: str = "list"
    label: str = _("A customer list")

    def check(self, campaign, consumer) -> None:
        if not campaign.audience_users.filter(pk=consumer.pk).exists():
            raise refuse(Refusal.NOT_IN_AUDIENCE)

    def members(self, campaign) -> QuerySet:
        return campaign.audience_users.all()


AUDIENCES: dict[str, AudienceFilter] = {a.key: a for a in (Anyone(), Tiers(), CustomerList())}


def register(audience: AudienceFilter) -> None:
    AUDIENCES[audience.key] = audience


def choices() -> list[tuple[str, str]]:
    return [(key, audience.label) for key, audience in AUDIENCES.items()]


def param_choices(merchant) -> list[tuple[str, str]]:
    """Choices for audiences that need one more thing (which segment), labelled by audience."""
    found = []
    for audience in AUDIENCES.values():
        pick = getattr(audience, "param_choices", None)
        if pick:
            found += [
                (str(value), f"{audience.param_label}: {name}") for value, name in pick(merchant)
            ]
    return found
