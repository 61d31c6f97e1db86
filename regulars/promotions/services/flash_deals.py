"""Flash deals: a time-boxed offer pushed to nearby or chosen customers."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.merchants.models import Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.promotions.errors import Problem

from ..models import (
    Campaign,
    ClaimMode,
    FlashDeal,
    FlashTarget,
)
from ..selectors import value_text
from .campaigns import CampaignInput, save_campaign

# ---- flash deals ---------------------------------------------------------------------------

MIN_FLASH_MINUTES, MAX_FLASH_MINUTES = 15, 24 * 60


@dataclass
class FlashDealInput:
    store_id: int
    name: str
    kind: str
    stock: int
    duration_minutes: int
    target: str = "nearby"
    amount: Decimal = Decimal("0")
    percent: int = 0
    cap: Decimal = Decimal("0")
    threshold: Decimal = Decimal("0")
    free_item_id: int | None = None
    starts_at: dt.datetime | None = None
    phones: list[str] = field(default_factory=list)
    description: str = ""


@transaction.atomic
def create_flash_deal(*, actor: StaffContext, data: FlashDealInput) -> FlashDeal:
    """A short coupon campaign plus its push: to people nearby who follow the shop's kind of
    business or the shop itself, or to a customer list; now or at `starts_at`."""
    from regulars.notifications import services as messages

    actor.require(Action.MANAGE_CAMPAIGNS)
    store = Store.objects.filter(pk=data.store_id, merchant=actor.merchant, is_active=True).first()
    if store is None:
        raise DomainError(
            _("Choose one of your stores."), field="store_id", code=Problem.UNKNOWN_CHOICE
        )
    if data.target not in FlashTarget.values:
        raise DomainError(
            _("Choose who receives the deal."), field="target", code=Problem.CHOICE_REQUIRED
        )
    minutes = int(data.duration_minutes or 0)
    if not MIN_FLASH_MINUTES <= minutes <= MAX_FLASH_MINUTES:
        raise DomainError(
            _("A flash deal lasts from 15 minutes to 24 hours."),
            field="duration_minutes",
            code=Problem.OUT_OF_RANGE,
        )
    now = clock.now()
    starts = data.starts_at or now
    if starts < now - dt.timedelta(minutes=1) or starts > now + dt.timedelta(days=30):
        raise DomainError(
            _("Start it now or within 30 days."), field="starts_at", code=Problem.BAD_TIME
        )
    campaign = save_campaign(
        actor=actor,
        data=CampaignInput(
            name=data.name,
            description=data.description,
            kind=data.kind,
            amount=data.amount,
            percent=data.percent,
            cap=data.cap,
            threshold=data.threshold,
            free_item_id=data.free_item_id,
            store_ids=[store.pk],
            valid_from=starts,
            valid_until=starts + dt.timedelta(minutes=minutes),
            stock=data.stock,
            audience="list" if data.target == FlashTarget.LIST else "anyone",
            phones=data.phones,
            claim_mode=ClaimMode.PUBLIC,
        ),
    )
    Campaign.objects.filter(pk=campaign.pk).update(published=True)
    campaign.refresh_from_db()
    if data.target == FlashTarget.LIST:
        audience = {
            "kind": "users",
            "ids": list(campaign.audience_users.values_list("pk", flat=True)),
        }
    else:
        category = store.category
        audience = {
            "kind": "nearby",
            "lat": store.lat,
            "lng": store.lng,
            "category_ids": [category.pk] + ([category.parent_id] if category.parent_id else []),
            "merchant_id": actor.merchant.pk,
        }
    until = timezone.localtime(campaign.valid_until)
    # The message is read by consumers, not by the merchant who wrote it: the site's language.
    with translation.override(settings.LANGUAGE_CODE):
        body = _("%(value)s, until %(time)s, %(n)d only.") % {
            "value": value_text(campaign),
            "time": f"{until:%H:%M}",
            "n": campaign.stock,
        }
    broadcast = messages.schedule_broadcast(
        merchant_id=actor.merchant.pk,
        title=f"⚡ {store.name}: {campaign.name}",
        body=body,
        link=f"/deals/{campaign.pk}/",
        audience=audience,
        send_at=starts,
        valid_until=campaign.valid_until,
    )
    return FlashDeal.objects.create(
        merchant=actor.merchant,
        campaign=campaign,
        store=store,
        target=data.target,
        broadcast=broadcast,
    )
