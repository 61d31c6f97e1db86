"""Writes for coupons: campaigns, codes, claiming, issuing, redeeming, returning.

Concurrency (locks named in `locks.py`): the campaign's stock is taken by one conditional UPDATE
(`claimed = claimed + 1 WHERE claimed < stock`), so however many people press "claim" together,
no more coupons exist than the stock; one person's claims are serialised by locking their user
row, so the per-customer limit holds too. A coupon is used by a conditional UPDATE on its status:
two cashiers typing the same code at once use it once.
"""

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Count, F
from django.db.models.functions import Greatest
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from regulars.core import clock, codes
from regulars.core.errors import DomainError, NotFound
from regulars.core.money import to_money
from regulars.core.phones import normalize_phone
from regulars.merchants.models import CatalogItem, Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.notifications import targeting as offer_reach

from . import audiences, visits
from .errors import Refusal, refuse
from .events import coupon_redeemed, coupons_received
from .locks import lock_campaign, lock_person
from .models import (
    Campaign,
    ClaimMode,
    Coupon,
    CouponKind,
    CouponStatus,
    FlashDeal,
    FlashTarget,
    Holdout,
    Redemption,
)
from .selectors import value_text

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
        raise DomainError(_("Enter an amount from 0 to 100,000."), field=name)
    return amount


def _check_value(data: CampaignInput, merchant) -> CatalogItem | None:
    """What the coupon is worth, per type; returns the free service if there is one."""
    if data.kind not in CouponKind.values:
        raise DomainError(_("Choose the coupon's type."), field="kind")
    amount, cap, threshold = (
        _money(data.amount, "amount"),
        _money(data.cap, "cap"),
        _money(data.threshold, "threshold"),
    )
    data.amount, data.cap, data.threshold = amount, cap, threshold
    takes_amount = (CouponKind.AMOUNT_OFF, CouponKind.THRESHOLD, CouponKind.POINTS_EXCHANGE)
    if data.kind in takes_amount and amount <= 0:
        raise DomainError(_("Enter how much the coupon takes off."), field="amount")
    if data.kind == CouponKind.THRESHOLD and threshold <= amount:
        raise DomainError(
            _("The minimum spend must be more than the amount off (满100减20)."), field="threshold"
        )
    if data.kind == CouponKind.PERCENT_OFF and not 1 <= int(data.percent or 0) <= 99:
        raise DomainError(_("Enter a percentage from 1 to 99."), field="percent")
    if data.kind == CouponKind.POINTS_EXCHANGE and int(data.points_price or 0) <= 0:
        raise DomainError(_("Enter how many points the coupon costs."), field="points_price")
    if data.kind == CouponKind.FREE_ITEM:
        item = CatalogItem.objects.filter(
            pk=data.free_item_id, merchant=merchant, is_active=True
        ).first()
        if item is None:
            raise DomainError(_("Choose the free service."), field="free_item_id")
        return item
    return None


def _check_window(data: CampaignInput) -> None:
    if not data.valid_from or not data.valid_until or data.valid_until <= data.valid_from:
        raise DomainError(_("The end must come after the start."), field="valid_until")
    if data.valid_days is not None and not 1 <= int(data.valid_days) <= 365:
        raise DomainError(_("Enter a number of days from 1 to 365."), field="valid_days")


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
        )
    if data.audience == "list" and not users:
        raise DomainError(_("Enter the customers' phone numbers."), field="phones")
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
        raise DomainError(_("Give the campaign a name of at most 60 characters."), field="name")
    free_item = _check_value(data, merchant)
    _check_window(data)
    stock = int(data.stock or 0)
    if not 1 <= stock <= MAX_STOCK:
        raise DomainError(_("Enter a stock from 1 to 1,000,000."), field="stock")
    if campaign and stock < campaign.claimed:
        raise DomainError(
            _("%(n)d coupons are out already: the stock cannot be lower.")
            % {"n": campaign.claimed},
            field="stock",
        )
    if not 1 <= int(data.per_customer or 0) <= 100:
        raise DomainError(_("Enter a limit per customer from 1 to 100."), field="per_customer")
    if data.claim_mode not in ClaimMode.values:
        raise DomainError(_("Choose how customers get the coupon."), field="claim_mode")
    if data.audience not in audiences.AUDIENCES:
        raise DomainError(_("Choose who may have the coupon."), field="audience")
    if not 0 <= int(data.holdout_percent or 0) <= 50:
        raise DomainError(_("Enter a holdout share from 0 to 50."), field="holdout_percent")
    items = list(CatalogItem.objects.filter(pk__in=data.item_ids, merchant=merchant))
    stores = list(Store.objects.filter(pk__in=data.store_ids, merchant=merchant))
    if len(items) != len(set(data.item_ids)) or len(stores) != len(set(data.store_ids)):
        raise DomainError(_("Choose among your own services and stores."), field="item_ids")
    tiers = []
    if data.audience == "tiers":
        from regulars.membership.models import Tier

        tiers = list(Tier.objects.filter(pk__in=data.tier_ids, merchant=merchant))
        if not tiers or len(tiers) != len(set(data.tier_ids)):
            raise DomainError(_("Choose at least one of your card's tiers."), field="tier_ids")
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


# ---- getting a coupon ----------------------------------------------------------------------


def _coupon_window(campaign: Campaign, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if campaign.valid_days:
        return now, min(now + dt.timedelta(days=campaign.valid_days), campaign.valid_until)
    return campaign.valid_from, campaign.valid_until


def _local_date(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}"


def _check_can_have(campaign: Campaign, consumer, now: dt.datetime) -> None:
    """Published, not over, in the audience, under the per-customer limit (caller holds the
    person's lock)."""
    if not campaign.published:
        raise refuse(Refusal.NOT_PUBLISHED)
    if now >= campaign.valid_until:
        raise refuse(Refusal.EXPIRED, date=_local_date(campaign.valid_until))
    if consumer.pk in offer_reach.excluded_ids(campaign.merchant_id):  # the shop's risk list
        raise refuse(Refusal.NOT_AVAILABLE)
    audiences.AUDIENCES[campaign.audience].check(campaign, consumer)
    held = Coupon.objects.filter(campaign=campaign, consumer=consumer).count()
    if held >= campaign.per_customer:
        raise refuse(Refusal.LIMIT_REACHED, n=held)


def _take_stock(campaign: Campaign, count: int = 1) -> None:
    """One conditional UPDATE: however many race, `claimed` never passes `stock`."""
    taken = Campaign.objects.filter(pk=campaign.pk, claimed__lte=F("stock") - count).update(
        claimed=F("claimed") + count
    )
    if not taken:
        raise refuse(Refusal.SOLD_OUT)


def _pay_points(campaign: Campaign, consumer, coupon: Coupon) -> None:
    """A points-exchange coupon costs points from the consumer's card at the shop."""
    from regulars.membership import services as cards
    from regulars.membership.models import Card

    card = Card.objects.filter(merchant_id=campaign.merchant_id, consumer=consumer).first()
    if card is None:
        raise DomainError(_("You have no member card at this shop."), field="code", code="no_card")
    cards.spend_points(
        card_id=card.pk,
        points=campaign.points_price,
        idempotency_key=f"coupon:{coupon.pk}",
        reason=_("Coupon “%(name)s”") % {"name": campaign.name},
    )


@transaction.atomic
def claim(*, consumer, campaign_id: int, now: dt.datetime | None = None) -> Coupon:
    """Claim a public campaign's coupon (the button on the store page)."""
    now = now or clock.now()
    campaign = Campaign.objects.filter(pk=campaign_id).first()
    if campaign is None:
        raise NotFound()
    if campaign.claim_mode != ClaimMode.PUBLIC:
        raise refuse(Refusal.WRONG_MODE)
    lock_person(consumer.pk)
    _check_can_have(campaign, consumer, now)
    _take_stock(campaign)
    valid_from, valid_until = _coupon_window(campaign, now)
    coupon = Coupon.objects.create(
        merchant_id=campaign.merchant_id,
        campaign=campaign,
        code=_unique_codes(1)[0],
        consumer=consumer,
        status=CouponStatus.CLAIMED,
        claimed_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if campaign.kind == CouponKind.POINTS_EXCHANGE:
        _pay_points(campaign, consumer, coupon)
    coupons_received.send(
        sender=Coupon, merchant_id=campaign.merchant_id, consumer_ids=[consumer.pk]
    )
    return coupon


@transaction.atomic
def claim_code(*, consumer, code: str, now: dt.datetime | None = None) -> Coupon:
    """A consumer types a code from a paper coupon or a message: it becomes theirs."""
    now = now or clock.now()
    coupon = _coupon_by_code(code, guesser=f"user:{consumer.pk}")
    campaign = coupon.campaign
    if coupon.consumer_id == consumer.pk:
        return coupon
    if coupon.consumer_id is not None:
        raise refuse(Refusal.NOT_YOURS)
    if coupon.status == CouponStatus.USED:
        raise refuse(Refusal.USED, date=_local_date(coupon.used_at))
    lock_person(consumer.pk)
    _check_can_have(campaign, consumer, now)
    valid_from, valid_until = _coupon_window(campaign, now)
    changed = Coupon.objects.filter(
        pk=coupon.pk, status=CouponStatus.UNCLAIMED, consumer__isnull=True
    ).update(
        consumer=consumer,
        status=CouponStatus.CLAIMED,
        claimed_at=now,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    if not changed:
        raise refuse(Refusal.NOT_YOURS)
    Campaign.objects.filter(pk=campaign.pk).update(claimed=F("claimed") + 1)
    coupons_received.send(sender=Coupon, merchant_id=coupon.merchant_id, consumer_ids=[consumer.pk])
    coupon.refresh_from_db()
    return coupon


@dataclass(frozen=True)
class IssueResult:
    issued: int
    held_out: int
    skipped: int  # already had their limit


@transaction.atomic
def issue(*, actor: StaffContext, campaign_id: int, now: dt.datetime | None = None) -> IssueResult:
    """Give the campaign's coupon to every member of its audience (not to the random holdout
    share, kept as the comparison group); people who have their limit already are skipped."""
    actor.require(Action.MANAGE_CAMPAIGNS)
    campaign = lock_campaign(campaign_id, merchant_id=actor.merchant.pk)
    members = audiences.AUDIENCES[campaign.audience].members(campaign).values_list("pk", flat=True)
    return _issue(campaign, list(members), issued_by=actor.user, now=now, holdout=True)


@transaction.atomic
def issue_to(
    *, merchant_id: int, campaign_id: int, consumer_ids: list[int], now: dt.datetime | None = None
) -> IssueResult:
    """Give the campaign's coupon to these people (a birthday present, a greeting's gift): the
    merchant chose the campaign in its settings, so its audience does not apply."""
    campaign = lock_campaign(campaign_id, merchant_id=merchant_id)
    return _issue(campaign, consumer_ids, issued_by=None, now=now, holdout=False)


def _issue(campaign, members: list[int], *, issued_by, now, holdout: bool) -> IssueResult:
    now = now or clock.now()
    if campaign.claim_mode != ClaimMode.ISSUED:
        raise refuse(Refusal.WRONG_MODE, field="campaign")
    if not campaign.published:
        raise refuse(Refusal.NOT_PUBLISHED, field="campaign")
    if now >= campaign.valid_until:
        raise refuse(Refusal.EXPIRED, field="campaign", date=_local_date(campaign.valid_until))
    if campaign.kind == CouponKind.POINTS_EXCHANGE:
        raise refuse(Refusal.WRONG_MODE, field="campaign")
    excluded = offer_reach.excluded_ids(campaign.merchant_id)
    members = [person for person in members if person not in excluded]
    if not members:
        raise DomainError(
            _("The audience is empty: choose tiers or a customer list."), field="audience"
        )
    held = {
        person
        for person, count in Coupon.objects.filter(campaign=campaign, consumer_id__in=members)
        .values_list("consumer_id")
        .annotate(n=Count("id"))
        if count >= campaign.per_customer
    }
    already_out = set(
        Holdout.objects.filter(campaign=campaign).values_list("consumer_id", flat=True)
    )
    fresh = sorted(set(members) - held - already_out)
    share = campaign.holdout_percent if holdout else 0
    rng = random.SystemRandom()
    kept_out = set(rng.sample(fresh, len(fresh) * share // 100))
    recipients = [person for person in fresh if person not in kept_out]
    room = campaign.stock - campaign.claimed
    if len(recipients) > room:
        raise DomainError(
            _("%(n)d customers would get one, but only %(room)d coupons are left.")
            % {"n": len(recipients), "room": room},
            field="stock",
            code=Refusal.SOLD_OUT.value,
        )
    Holdout.objects.bulk_create(
        Holdout(merchant_id=campaign.merchant_id, campaign=campaign, consumer_id=person)
        for person in kept_out
    )
    valid_from, valid_until = _coupon_window(campaign, now)
    Coupon.objects.bulk_create(
        Coupon(
            merchant_id=campaign.merchant_id,
            campaign=campaign,
            code=code,
            consumer_id=person,
            status=CouponStatus.CLAIMED,
            issued_by=issued_by,
            claimed_at=now,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        for person, code in zip(recipients, _unique_codes(len(recipients)), strict=True)
    )
    Campaign.objects.filter(pk=campaign.pk).update(claimed=F("claimed") + len(recipients))
    coupons_received.send(sender=Coupon, merchant_id=campaign.merchant_id, consumer_ids=recipients)
    return IssueResult(
        issued=len(recipients), held_out=len(kept_out), skipped=len(set(members) & held)
    )


# ---- codes -----------------------------------------------------------------------------


def _unique_codes(count: int) -> list[str]:
    """`count` fresh codes, none already in use (checked in chunks; collisions are rare)."""
    found: set[str] = set()
    while len(found) < count:
        batch = list({codes.new_code() for _ in range(count - len(found))} - found)
        for start in range(0, len(batch), 5000):
            chunk = batch[start : start + 5000]
            taken = set(Coupon.objects.filter(code__in=chunk).values_list("code", flat=True))
            found.update(set(chunk) - taken)
    return list(found)[:count]


def _insert_unclaimed(campaign: Campaign, new_codes: list[str], issued_by: int) -> None:
    """Many rows at once: PostgreSQL's COPY where available, batched INSERTs elsewhere."""
    now = clock.now()
    if connection.vendor == "postgresql":
        table = Coupon._meta.db_table
        columns = "merchant_id, campaign_id, code, status, issued_by_id, created_at"
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, for COPY
            with raw.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for code in new_codes:
                    copy.write_row(
                        (campaign.merchant_id, campaign.pk, code, "unclaimed", issued_by, now)
                    )
        return
    Coupon.objects.bulk_create(
        (
            Coupon(
                merchant_id=campaign.merchant_id,
                campaign=campaign,
                code=code,
                status=CouponStatus.UNCLAIMED,
                issued_by_id=issued_by,
                created_at=now,
            )
            for code in new_codes
        ),
        batch_size=5000,
    )


@transaction.atomic
def generate_codes(*, actor: StaffContext, campaign_id: int, count: int) -> int:
    """Single-use codes for paper coupons or to hand out: each one is a coupon waiting to be
    claimed (or redeemed straight at the till). The stock grows by the number generated."""
    actor.require(Action.MANAGE_CAMPAIGNS)
    campaign = lock_campaign(campaign_id, merchant_id=actor.merchant.pk)
    if campaign.claim_mode != ClaimMode.CODE:
        raise refuse(Refusal.WRONG_MODE, field="count")
    count = int(count or 0)
    if not 1 <= count <= MAX_CODES_AT_ONCE:
        raise DomainError(_("Generate from 1 to 100,000 codes at a time."), field="count")
    if campaign.stock + count > MAX_STOCK:
        raise DomainError(_("Enter a stock from 1 to 1,000,000."), field="count")
    _insert_unclaimed(campaign, _unique_codes(count), actor.user.pk)
    generated = Coupon.objects.filter(campaign=campaign).count()
    Campaign.objects.filter(pk=campaign.pk).update(
        stock=Greatest(F("stock"), generated), updated_at=clock.now()
    )
    return count


def mark_viewed(*, consumer, coupon_id: int) -> Coupon:
    """The consumer opened the coupon (the campaign's "viewed" step); the first time counts."""
    coupon = Coupon.objects.filter(pk=coupon_id, consumer=consumer).first()
    if coupon is None:
        raise NotFound()
    if coupon.viewed_at is None:
        Coupon.objects.filter(pk=coupon.pk, viewed_at__isnull=True).update(viewed_at=clock.now())
        coupon.refresh_from_db()
    return coupon


# ---- using a coupon --------------------------------------------------------------------------


def _coupon_by_code(code: str, *, guesser: str, merchant_id: int | None = None) -> Coupon:
    """The coupon with this code; `guesser` (who typed it) is limited in codes that miss."""
    code = codes.normalize_code(code)
    if not codes.is_well_formed(code):
        raise refuse(Refusal.BAD_CODE)
    codes.guard_against_guessing(guesser)
    coupons = Coupon.objects.select_related("campaign", "campaign__free_item").filter(code=code)
    if merchant_id is not None:
        coupons = coupons.filter(merchant_id=merchant_id)
    coupon = coupons.first()
    if coupon is None:
        codes.count_wrong_code(guesser)
        raise refuse(Refusal.UNKNOWN)
    return coupon


def discount_for(campaign: Campaign, base: Decimal, item_ids: set[int] | None = None) -> Decimal:
    """What the coupon takes off a bill of `base` (the part of it the coupon applies to)."""
    if campaign.threshold and base < campaign.threshold:
        raise refuse(Refusal.BELOW_THRESHOLD, amount=campaign.threshold)
    if campaign.kind == CouponKind.PERCENT_OFF:
        off = to_money(base * campaign.percent / 100)
        if campaign.cap:
            off = min(off, campaign.cap)
    elif campaign.kind == CouponKind.FREE_ITEM:
        if item_ids is not None and campaign.free_item_id not in item_ids:
            raise refuse(Refusal.NOT_APPLICABLE)
        off = campaign.free_item.price
    else:
        off = campaign.amount
    return min(off, base)


def check_usable(coupon: Coupon, *, store_id: int | None, now: dt.datetime, consumer=None) -> None:
    """Everything but the bill: state, dates, store, and (for tier campaigns) the holder's tier."""
    campaign = coupon.campaign
    if coupon.status == CouponStatus.USED:
        raise refuse(Refusal.USED, date=_local_date(coupon.used_at))
    if consumer is not None and coupon.consumer_id not in (None, consumer.pk):
        raise refuse(Refusal.NOT_YOURS)
    valid_from = coupon.valid_from or campaign.valid_from
    valid_until = coupon.valid_until or campaign.valid_until
    if now < valid_from:
        raise refuse(Refusal.NOT_STARTED, date=_local_date(valid_from))
    if now >= valid_until:
        raise refuse(Refusal.EXPIRED, date=_local_date(valid_until))
    store_ids = set(campaign.stores.values_list("pk", flat=True))
    if store_ids and store_id not in store_ids:
        raise refuse(Refusal.WRONG_STORE)
    holder = consumer or coupon.consumer
    if campaign.audience == "tiers" and holder is not None:
        audiences.AUDIENCES["tiers"].check(campaign, holder)


def _use(coupon: Coupon, now: dt.datetime) -> None:
    """One statement decides: of two uses racing, only one changes the row."""
    allowed = [CouponStatus.CLAIMED, CouponStatus.UNCLAIMED]
    changed = Coupon.objects.filter(pk=coupon.pk, status__in=allowed).update(
        status=CouponStatus.USED, used_at=now
    )
    if not changed:
        coupon.refresh_from_db()
        raise refuse(Refusal.USED, date=_local_date(coupon.used_at or now))
    if coupon.status == CouponStatus.UNCLAIMED:
        # A paper code used straight at the till counts as claimed there and then.
        Campaign.objects.filter(pk=coupon.campaign_id).update(claimed=F("claimed") + 1)


@transaction.atomic
def redeem_at_till(
    *, actor: StaffContext, code: str, bill, store_id: int | None = None
) -> Redemption:
    """The cashier scans or types a coupon's code and the bill it applies to."""
    actor.require(Action.CONFIRM_CONSUMPTION)
    now = clock.now()
    coupon = _coupon_by_code(code, guesser=f"user:{actor.user.pk}", merchant_id=actor.merchant.pk)
    stores = list(actor.merchant.stores.filter(is_active=True).values_list("pk", flat=True))
    if store_id is None and len(stores) == 1:
        store_id = stores[0]
    if store_id is not None and store_id not in stores:
        raise DomainError(_("Choose one of your stores."), field="store_id")
    if coupon.status == CouponStatus.UNCLAIMED and coupon.campaign.audience != "anyone":
        raise refuse(Refusal.NOT_CLAIMED)
    check_usable(coupon, store_id=store_id, now=now)
    bill = _money(bill, "bill")
    if bill <= 0:
        raise DomainError(_("Enter the bill this coupon applies to."), field="bill")
    off = discount_for(coupon.campaign, bill)
    _use(coupon, now)
    redemption = Redemption.objects.create(
        merchant=actor.merchant,
        campaign=coupon.campaign,
        coupon=coupon,
        consumer_id=coupon.consumer_id,
        store_id=store_id,
        bill=bill,
        discount=off,
        redeemed_by=actor.user,
        returning_customer=visits.visited_before(actor.merchant.pk, coupon.consumer_id, now),
        is_visit=visits.redemption_is_a_visit(actor.merchant.pk, coupon.consumer_id, now),
    )
    coupon_redeemed.send(sender=Redemption, redemption=redemption)
    return redemption


# ---- coupons on online orders (a discount source of the orders app) ---------------------------


def quote_order_coupon(*, consumer, store, lines, code: str) -> tuple[Coupon, Decimal]:
    now = clock.now()
    coupon = _coupon_by_code(code, guesser=f"user:{consumer.pk}", merchant_id=store.merchant_id)
    if coupon.consumer_id is None:
        raise refuse(Refusal.NOT_CLAIMED)
    check_usable(coupon, store_id=store.pk, now=now, consumer=consumer)
    applicable = set(coupon.campaign.items.values_list("pk", flat=True))
    base = sum(
        (line.amount for line in lines if not applicable or line.item.pk in applicable),
        Decimal("0.00"),
    )
    if base <= 0:
        raise refuse(Refusal.NOT_APPLICABLE)
    return coupon, discount_for(coupon.campaign, base, {line.item.pk for line in lines})


def use_on_order(*, order, coupon_id: int, discount: Decimal) -> Redemption:
    now = clock.now()
    coupon = Coupon.objects.select_related("campaign").get(pk=coupon_id)
    _use(coupon, now)
    redemption = Redemption.objects.create(
        merchant_id=order.merchant_id,
        campaign=coupon.campaign,
        coupon=coupon,
        consumer_id=order.consumer_id,
        store_id=order.store_id,
        order=order,
        bill=order.total,
        discount=discount,
        returning_customer=visits.visited_before(order.merchant_id, order.consumer_id, now),
    )
    coupon_redeemed.send(sender=Redemption, redemption=redemption)
    return redemption


@transaction.atomic
def return_from_order(*, order_id: int) -> None:
    """The order was cancelled or refunded: its coupon is usable again (once)."""
    now = clock.now()
    for redemption in Redemption.objects.select_for_update().filter(
        order_id=order_id, reversed_at__isnull=True
    ):
        Redemption.objects.filter(pk=redemption.pk).update(reversed_at=now)
        Coupon.objects.filter(pk=redemption.coupon_id, status=CouponStatus.USED).update(
            status=CouponStatus.CLAIMED, used_at=None
        )


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
        raise DomainError(_("Choose one of your stores."), field="store_id")
    if data.target not in FlashTarget.values:
        raise DomainError(_("Choose who receives the deal."), field="target")
    minutes = int(data.duration_minutes or 0)
    if not MIN_FLASH_MINUTES <= minutes <= MAX_FLASH_MINUTES:
        raise DomainError(
            _("A flash deal lasts from 15 minutes to 24 hours."), field="duration_minutes"
        )
    now = clock.now()
    starts = data.starts_at or now
    if starts < now - dt.timedelta(minutes=1) or starts > now + dt.timedelta(days=30):
        raise DomainError(_("Start it now or within 30 days."), field="starts_at")
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
