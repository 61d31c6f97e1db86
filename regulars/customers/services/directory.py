"""Writes for the customer directory: rows that appear by themselves, their running figures, the rebuild, profiles and tags."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils.translation import gettext as _

from regulars.accounts import privacy
from regulars.accounts.models import ConsentPurpose
from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.errors import Problem
from regulars.membership.models import Card, Purchase
from regulars.merchants.models import StaffMember
from regulars.merchants.permissions import Action, StaffContext
from regulars.orders.models import USED_STATUSES, Order
from regulars.promotions import services as promotions
from regulars.promotions.models import Coupon, Redemption
from regulars.reviews.models import Review

from ..behaviour import settings_of
from ..events import customers_reassigned
from ..models import Customer, GiftOccasion, ReferralReward, Source, Tag
from .gifts import give as give_welcome_gift
from .value import _scope_sql, assign_value_levels

MAX_TAGS = 10


def customer_for(*, merchant_id: int, consumer, source: str) -> Customer:
    """The merchant's record of this consumer, created on first contact (or linked to a row the
    merchant imported with the same phone number)."""
    found = Customer.objects.filter(merchant_id=merchant_id, consumer=consumer).first()
    if found:
        return found
    phone = consumer.phone or ""
    if phone:
        by_phone = Customer.objects.filter(
            merchant_id=merchant_id, phone=phone, consumer__isnull=True
        ).first()
        if by_phone:
            Customer.objects.filter(pk=by_phone.pk).update(consumer=consumer)
            by_phone.consumer = consumer
            return by_phone
    try:
        with transaction.atomic():
            return Customer.objects.create(
                merchant_id=merchant_id,
                consumer=consumer,
                name=consumer.display_name or "",
                phone=phone,
                source=source,
            )
    except IntegrityError:  # created at the same moment by another request
        return Customer.objects.get(merchant_id=merchant_id, consumer=consumer)


def record_visit(
    *, merchant_id: int, consumer, source: str, amount: Decimal, at: dt.datetime, count: int = 1
) -> None:
    """A consumption (count 1) or its void (count -1, negative amount)."""
    customer = customer_for(merchant_id=merchant_id, consumer=consumer, source=source)
    Customer.objects.filter(pk=customer.pk).update(
        visits=Greatest(F("visits") + count, Value(0)),
        spend=F("spend") + amount,
        first_seen_at=Least(Coalesce(F("first_seen_at"), Value(at)), Value(at)),
        last_seen_at=Greatest(Coalesce(F("last_seen_at"), Value(at)), Value(at)),
        updated_at=clock.now(),
    )
    # The visit that crosses a threshold upgrades the customer there and then.
    assign_value_levels(customer_ids=[customer.pk], at=at)
    if count > 0 and consumer is not None:
        visits = Customer.objects.filter(pk=customer.pk).values_list("visits", flat=True).get()
        if visits == count:  # this was the first visit: the shop's welcome gift, once
            give_welcome_gift(
                merchant_id=merchant_id, consumer=consumer, occasion=GiftOccasion.FIRST_VISIT
            )


def rebuild_directory(*, merchant_ids: list[int] | None = None) -> int:
    """Recompute every customer's figures from the facts. Returns how many customers exist.

    Set-based, so it scales with the database rather than with Python: one statement gathers
    every (merchant, consumer) pair's visits, spend and first and last visit (as
    promotions/visits.py defines a visit: orders used, purchases at the till not voided, coupons
    used at the till on an occasion of their own), plus the people who only hold a card, a coupon or
    wrote a review; rows the merchant imported are linked by phone; existing customers are
    updated and new ones inserted."""

    customers = Customer._meta.db_table
    users = get_user_model()._meta.db_table
    orders, purchases, cards = Order._meta.db_table, Purchase._meta.db_table, Card._meta.db_table
    coupons, reviews = Coupon._meta.db_table, Review._meta.db_table
    redemptions = Redemption._meta.db_table
    scope, scope_params = _scope_sql("merchant_id", merchant_ids)
    p_scope, _ = _scope_sql("p.merchant_id", merchant_ids)
    used = list(USED_STATUSES)
    # Which source a new row is credited to, in order of precedence.
    ranks = {1: Source.ORDER, 2: Source.CARD, 3: Source.CARD, 4: Source.COUPON, 5: Source.REVIEW}
    source = (
        "CASE t.source_rank "
        + " ".join(f"WHEN {rank} THEN '{value}'" for rank, value in ranks.items())
        + " END"
    )
    now = clock.now()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS crm_rebuild_totals")
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE crm_rebuild_totals AS
            SELECT merchant_id, consumer_id, SUM(n) AS visits, SUM(spend) AS spend,
                MIN(first_at) AS first_at, MAX(last_at) AS last_at, MIN(source_rank) AS source_rank
            FROM (
                SELECT merchant_id, consumer_id, COUNT(*) AS n, SUM(total - discount) AS spend,
                    MIN(consumed_at) AS first_at, MAX(consumed_at) AS last_at, 1 AS source_rank
                FROM {orders} WHERE status IN (%s, %s) {scope}
                GROUP BY merchant_id, consumer_id
                UNION ALL
                SELECT p.merchant_id, c.consumer_id, COUNT(*), SUM(p.amount),
                    MIN(p.created_at), MAX(p.created_at), 2
                FROM {purchases} p JOIN {cards} c ON c.id = p.card_id
                WHERE p.order_id IS NULL AND p.voids_id IS NULL
                    AND NOT EXISTS (SELECT 1 FROM {purchases} v WHERE v.voids_id = p.id) {p_scope}
                GROUP BY p.merchant_id, c.consumer_id
                UNION ALL
                SELECT merchant_id, consumer_id, COUNT(*), SUM(bill - discount),
                    MIN(created_at), MAX(created_at), 4
                FROM {redemptions}
                WHERE is_visit = %s AND reversed_at IS NULL AND consumer_id IS NOT NULL {scope}
                GROUP BY merchant_id, consumer_id
                UNION ALL
                SELECT merchant_id, consumer_id, 0, 0, NULL, NULL, 3 FROM {cards}
                WHERE consumer_id IS NOT NULL {scope} GROUP BY merchant_id, consumer_id
                UNION ALL
                SELECT merchant_id, consumer_id, 0, 0, NULL, NULL, 4 FROM {coupons}
                WHERE consumer_id IS NOT NULL {scope} GROUP BY merchant_id, consumer_id
                UNION ALL
                SELECT merchant_id, author_id, 0, 0, NULL, NULL, 5 FROM {reviews}
                WHERE author_id IS NOT NULL {scope} GROUP BY merchant_id, author_id
            ) AS facts
            GROUP BY merchant_id, consumer_id
            """,
            [
                *used,
                *scope_params,
                *scope_params,
                True,
                *scope_params,
                *scope_params,
                *scope_params,
                *scope_params,
            ],
        )
        # A row the merchant imported becomes this consumer's when the phone numbers match.
        cursor.execute(
            f"""
            UPDATE {customers} SET consumer_id = (
                SELECT u.id FROM {users} u WHERE u.phone = {customers}.phone
            )
            WHERE consumer_id IS NULL AND phone <> '' AND EXISTS (
                SELECT 1 FROM {users} u JOIN crm_rebuild_totals t ON t.consumer_id = u.id
                WHERE u.phone = {customers}.phone AND t.merchant_id = {customers}.merchant_id
                    AND NOT EXISTS (
                        SELECT 1 FROM {customers} x
                        WHERE x.merchant_id = t.merchant_id AND x.consumer_id = u.id
                    )
            )
            """
        )
        cursor.execute(
            f"""
            UPDATE {customers} SET visits = t.visits, spend = t.spend,
                first_seen_at = t.first_at, last_seen_at = t.last_at
            FROM crm_rebuild_totals t
            WHERE {customers}.merchant_id = t.merchant_id
                AND {customers}.consumer_id = t.consumer_id
            """
        )
        cursor.execute(
            f"""
            INSERT INTO {customers} (
                created_at, updated_at, merchant_id, consumer_id, name, phone, notes, source,
                consent, consent_purpose, first_seen_at, last_seen_at, visits, spend,
                rfm_r, rfm_f, rfm_m, rfm_segment, churn_risk, referrals, reviews,
                relationship_grade
            )
            SELECT %s, %s, t.merchant_id, t.consumer_id, COALESCE(u.display_name, ''),
                COALESCE(u.phone, ''), '', {source}, %s, '', t.first_at, t.last_at,
                t.visits, t.spend, 0, 0, 0, '', %s, 0, 0, ''
            FROM crm_rebuild_totals t JOIN {users} u ON u.id = t.consumer_id
            WHERE NOT EXISTS (
                SELECT 1 FROM {customers} x
                WHERE x.merchant_id = t.merchant_id AND x.consumer_id = t.consumer_id
            ) AND NOT EXISTS (
                SELECT 1 FROM {customers} x
                WHERE x.merchant_id = t.merchant_id AND u.phone <> '' AND x.phone = u.phone
            )
            ORDER BY t.merchant_id, t.consumer_id
            """,
            [now, now, False, False],
        )
        cursor.execute("DROP TABLE crm_rebuild_totals")
    return _customer_count(merchant_ids)


def _customer_count(merchant_ids: list[int] | None) -> int:
    found = Customer.objects.all()
    return (found.filter(merchant_id__in=merchant_ids) if merchant_ids else found).count()


def customer_of(actor: StaffContext, customer_id: int) -> Customer:
    found = Customer.objects.filter(pk=customer_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    return found


CUSTOMER_FIELDS = (
    "name",
    "birthday",
    "tags",
    "notes",
    "consent",
    "account_manager_id",
    "referred_by_id",
)


@transaction.atomic
def patch_customer(*, actor: StaffContext, customer_id: int, changes: dict) -> Customer:
    """Change only the fields given; everything else stays as it is (PATCH)."""
    actor.require(Action.EDIT_CUSTOMERS)
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise DomainError(
            _("Unknown field."), field=sorted(unknown)[0], code=Problem.UNKNOWN_CHOICE
        )
    customer = customer_of(actor, customer_id)
    current = {
        "name": customer.name,
        "birthday": customer.birthday,
        "tags": [tag.name for tag in customer.tags.all()],
        "notes": customer.notes,
        "consent": customer.consent,
        "account_manager_id": customer.account_manager_id,
        "referred_by_id": customer.referred_by_id,
    }
    return update_customer(actor=actor, customer_id=customer_id, **{**current, **changes})


@transaction.atomic
def update_customer(
    *,
    actor: StaffContext,
    customer_id: int,
    name: str,
    birthday: dt.date | None,
    tags: list[str],
    notes: str,
    consent: bool,
    account_manager_id: int | None,
    referred_by_id: int | None = None,
) -> Customer:
    """What staff know about a customer. Consent changes are stamped with time and purpose."""
    actor.require(Action.EDIT_CUSTOMERS)
    customer = customer_of(actor, customer_id)
    names = sorted({tag.strip()[:20] for tag in tags if tag.strip()})
    if len(names) > MAX_TAGS:
        raise DomainError(_("At most 10 tags."), field="tags", code=Problem.OUT_OF_RANGE)
    if birthday and birthday > clock.today():
        raise DomainError(
            _("A birthday cannot be in the future."), field="birthday", code=Problem.BAD_TIME
        )
    if (
        account_manager_id
        and not StaffMember.objects.filter(
            merchant=actor.merchant, user_id=account_manager_id
        ).exists()
    ):
        raise DomainError(
            _("Choose one of your staff."), field="account_manager_id", code=Problem.UNKNOWN_CHOICE
        )
    if referred_by_id:
        _check_referrer(actor, customer, referred_by_id)
    customer.name = (name or "").strip()[:60]
    customer.birthday = birthday
    customer.notes = notes or ""
    if consent != customer.consent:
        customer.consent = consent
        customer.consent_at = clock.now()
        customer.consent_purpose = _("Offers and news from the shop") if consent else ""
        if customer.consumer_id:
            privacy.record_consent(
                user=customer.consumer,
                purpose=ConsentPurpose.SHOP_OFFERS,
                granted=consent,
                source=f"shop staff #{actor.user.pk}",
                merchant_id=actor.merchant.pk,
            )
    moved = (customer.account_manager_id or None) != (account_manager_id or None)
    moves = [(customer.pk, customer.account_manager_id, account_manager_id or None)]
    customer.account_manager_id = account_manager_id
    newly_introduced = bool(referred_by_id) and customer.referred_by_id != referred_by_id
    customer.referred_by_id = referred_by_id or None
    customer.save()
    if moved:
        customers_reassigned.send(
            sender=Customer,
            merchant_id=actor.merchant.pk,
            changed_by=actor.user,
            reason="",
            moves=moves,
        )
    if newly_introduced:
        reward_referral(merchant=actor.merchant, referred=customer)
    customer.tags.set(
        [Tag.objects.get_or_create(merchant=actor.merchant, name=tag)[0] for tag in names]
    )
    return customer


def reward_referral(*, merchant, referred: Customer):
    """Who brought a friend and the friend each get the merchant's referral coupon, once per
    new customer (if the merchant chose a campaign for it)."""

    campaign = settings_of(merchant).referral_campaign
    if campaign is None or ReferralReward.objects.filter(referred=referred).exists():
        return None
    referrer = Customer.objects.get(pk=referred.referred_by_id)
    people = [c.consumer_id for c in (referrer, referred) if c.consumer_id]
    given = 0
    if people:
        try:
            given = promotions.issue_to(
                merchant_id=merchant.pk, campaign_id=campaign.pk, consumer_ids=people
            ).issued
        except DomainError:  # sold out or over: the introduction is still recorded
            given = 0
    return ReferralReward.objects.create(
        merchant=merchant, referrer=referrer, referred=referred, campaign=campaign, coupons=given
    )


def _check_referrer(actor: StaffContext, customer: Customer, referrer_id: int) -> None:
    """The one who introduced a customer is another of the merchant's customers, and
    introductions never go round in a circle."""
    mine = Customer.objects.filter(merchant=actor.merchant)
    if not mine.filter(pk=referrer_id).exists():
        raise DomainError(
            _("Choose one of your customers."), field="referred_by_id", code=Problem.UNKNOWN_CHOICE
        )
    seen, step = set(), referrer_id
    while step is not None and step not in seen:
        if step == customer.pk:
            raise DomainError(
                _("A customer cannot be introduced by someone they introduced."),
                field="referred_by_id",
                code=Problem.NOT_ALLOWED,
            )
        seen.add(step)
        step = mine.filter(pk=step).values_list("referred_by_id", flat=True).first()
