"""Campaigns: what a coupon is worth, for whom, when, and how many."""

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.core.money import to_money
from regulars.core.phones import normalize_phone
from regulars.merchants.models import CatalogItem, Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.promotions.errors import Problem

from .. import audiences
from ..locks import lock_campaign
from ..models import (
    Campaign,
    ClaimMode,
    CouponKind,
)

MAX_STOCK = 1_000_000


MAX_CODES_AT_ONCE = 100_000


MONEY_LIMIT = Decimal("100000")


@dataclass
class CampaignInput:
    name: str
    kind: str
    valid_from: dt.datetime
    valid_until: dt.datetime
    stock: int
    description: str = ""
    amount: Decimal = Decimal("0")
    percent: int = 0
    cap: Decimal = Decimal("0")
    threshold: Decimal = Decimal("0")
    free_item_id: int | None = None
    points_price: int = 0
    item_ids: list[int] = field(default_factory=list)
    store_ids: list[int] = field(default_factory=list)
    valid_days: int | None = None
    per_customer: int = 1
    audience: str = "anyone"
    tier_ids: list[int] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    claim_mode: str = ClaimMode.PUBLIC
    holdout_percent: int = 0
    audience_param: int | None = None  # e.g. the segment, for audiences that take one


def _money(value, name: str) -> Decimal:
    amount = to_money(value or 0)
    if amount < 0 or amount > MONEY_LIMIT:
        raise DomainError(
            _("Enter an amount from 0 to 100,000."), field=name, code=Problem.OUT_OF_RANGE
        )
    return amount


def _check_value(data: CampaignInput, merchant) -> CatalogItem | None:
    """What the coupon is worth, per type; returns the free service if there is one."""
    if data.kind not in CouponKind.values:
        raise DomainError(
            _("Choose the coupon's type."), field="kind", code=Problem.CHOICE_REQUIRED
        )
    amount, cap, threshold = (
        _money(data.amount, "amount"),
        _money(data.cap, "cap"),
        _money(data.threshold, "threshold"),
    )
    data.amount, data.cap, data.threshold = amount, cap, threshold
    takes_amount = (CouponKind.AMOUNT_OFF, CouponKind.THRESHOLD, CouponKind.POINTS_EXCHANGE)
    if data.kind in takes_amount and amount <= 0:
        raise DomainError(
            _("Enter how much the coupon takes off."), field="amount", code=Problem.REQUIRED
        )
    if data.kind == CouponKind.THRESHOLD and threshold <= amount:
        raise DomainError(
            _("The minimum spend must be more than the amount off (满100减20)."),
            field="threshold",
            code=Problem.OUT_OF_RANGE,
        )
    if data.kind == CouponKind.PERCENT_OFF and not 1 <= int(data.percent or 0) <= 99:
        raise DomainError(
            _("Enter a percentage from 1 to 99."), field="percent", code=Problem.OUT_OF_RANGE
        )
    if data.kind == CouponKind.POINTS_EXCHANGE and int(data.points_price or 0) <= 0:
        raise DomainError(
            _("Enter how many points the coupon costs."),
            field="points_price",
            code=Problem.REQUIRED,
        )
    if data.kind == CouponKind.FREE_ITEM:
        item = CatalogItem.objects.filter(
            pk=data.free_item_id, merchant=merchant, is_active=True
        ).first()
        if item is None:
            raise DomainError(
                _("Choose the free service."), field="free_item_id", code=Problem.CHOICE_REQUIRED
            )
        return item
    return None


def _check_window(data: CampaignInput) -> None:
    if not data.valid_from or not data.valid_until or data.valid_until <= data.valid_from:
        raise DomainError(
            _("The end must come after the start."), field="valid_until", code=Problem.BAD_TIME
        )
    if data.valid_days is not None and not 1 <= int(data.valid_days) <= 365:
        raise DomainError(
            _("Enter a number of days from 1 to 365."),
            field="valid_days",
            code=Problem.OUT_OF_RANGE,
        )


def _audience_users(data: CampaignInput) -> list:
    phones, unknown = [], []
    for raw in data.phones:
        raw = raw.strip()
        if raw:
            normalized = normalize_phone(raw)
            (phones if normalized else unknown).append(normalized or raw)
    users = list(get_user_model().objects.filter(phone__in=phones))
    unknown += sorted(set(phones) - {user.phone for user in users})
    if unknown:
        raise DomainError(
            _("These numbers are not Regulars users: %(phones)s")
            % {"phones": ", ".join(unknown[:10])},
            field="phones",
            code=Problem.UNKNOWN_CHOICE,
        )
    if data.audience == "list" and not users:
        raise DomainError(
            _("Enter the customers' phone numbers."), field="phones", code=Problem.REQUIRED
        )
    return users


@transaction.atomic
def save_campaign(
    *, actor: StaffContext, data: CampaignInput, campaign_id: int | None = None
) -> Campaign:
    """Create or change a campaign; its coupons already out keep their own dates."""
    actor.require(Action.MANAGE_CAMPAIGNS)
    merchant = actor.merchant
    campaign = None
    if campaign_id is not None:
        campaign = lock_campaign(campaign_id, merchant_id=merchant.pk)
    name = (data.name or "").strip()
    if not name or len(name) > 60:
        raise DomainError(
            _("Give the campaign a name of at most 60 characters."),
            field="name",
            code=Problem.TOO_LONG,
        )
    free_item = _check_value(data, merchant)
    _check_window(data)
    stock = int(data.stock or 0)
    if not 1 <= stock <= MAX_STOCK:
        raise DomainError(
            _("Enter a stock from 1 to 1,000,000."), field="stock", code=Problem.OUT_OF_RANGE
        )
    if campaign and stock < campaign.claimed:
        raise DomainError(
            _("%(n)d coupons are out already: the stock cannot be lower.")
            % {"n": campaign.claimed},
            field="stock",
            code=Problem.OUT_OF_RANGE,
        )
    if not 1 <= int(data.per_customer or 0) <= 100:
        raise DomainError(
            _("Enter a limit per customer from 1 to 100."),
            field="per_customer",
            code=Problem.OUT_OF_RANGE,
        )
    if data.claim_mode not in ClaimMode.values:
        raise DomainError(
            _("Choose how customers get the coupon."),
            field="claim_mode",
            code=Problem.CHOICE_REQUIRED,
        )
    if data.audience not in audiences.AUDIENCES:
        raise DomainError(
            _("Choose who may have the coupon."), field="audience", code=Problem.CHOICE_REQUIRED
        )
    if not 0 <= int(data.holdout_percent or 0) <= 50:
        raise DomainError(
            _("Enter a holdout share from 0 to 50."),
            field="holdout_percent",
            code=Problem.OUT_OF_RANGE,
        )
    items = list(CatalogItem.objects.filter(pk__in=data.item_ids, merchant=merchant))
    stores = list(Store.objects.filter(pk__in=data.store_ids, merchant=merchant))
    if len(items) != len(set(data.item_ids)) or len(stores) != len(set(data.store_ids)):
        raise DomainError(
            _("Choose among your own services and stores."),
            field="item_ids",
            code=Problem.UNKNOWN_CHOICE,
        )
    tiers = []
    if data.audience == "tiers":
        from regulars.membership.models import Tier

        tiers = list(Tier.objects.filter(pk__in=data.tier_ids, merchant=merchant))
        if not tiers or len(tiers) != len(set(data.tier_ids)):
            raise DomainError(
                _("Choose at least one of your card's tiers."),
                field="tier_ids",
                code=Problem.OUT_OF_RANGE,
            )
    users = _audience_users(data) if data.audience == "list" else []
    chosen_audience = audiences.AUDIENCES[data.audience]
    audience_params = (
        chosen_audience.params_for(merchant, data.audience_param)
        if hasattr(chosen_audience, "params_for")
        else {}
    )
    values = {
        "name": name,
        "description": (data.description or "").strip()[:200],
        "kind": data.kind,
        "amount": data.amount,
        "percent": int(data.percent or 0) if data.kind == CouponKind.PERCENT_OFF else 0,
        "cap": data.cap,
        "threshold": data.threshold,
        "free_item": free_item,
        "points_price": int(data.points_price or 0)
        if data.kind == CouponKind.POINTS_EXCHANGE
        else 0,
        "valid_from": data.valid_from,
        "valid_until": data.valid_until,
        "valid_days": data.valid_days,
        "stock": stock,
        "per_customer": int(data.per_customer),
        "audience": data.audience,
        "audience_params": audience_params,
        "claim_mode": data.claim_mode,
        "holdout_percent": int(data.holdout_percent or 0),
    }
    if campaign is None:
        campaign = Campaign.objects.create(merchant=merchant, **values)
    else:
        for key, value in values.items():
            setattr(campaign, key, value)
        campaign.save()
    campaign.items.set(items)
    campaign.stores.set(stores)
    campaign.audience_tiers.set(tiers)
    campaign.audience_users.set(users)
    return campaign


def _campaign(actor: StaffContext, campaign_id: int) -> Campaign:
    found = Campaign.objects.filter(pk=campaign_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    return found


def set_published(*, actor: StaffContext, campaign_id: int, published: bool) -> Campaign:
    actor.require(Action.MANAGE_CAMPAIGNS)
    campaign = _campaign(actor, campaign_id)
    Campaign.objects.filter(pk=campaign.pk).update(published=published, updated_at=clock.now())
    campaign.refresh_from_db()
    return campaign


def _local_date(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"
