"""Writes for thresholds, value levels, RFM scores and churn warnings."""

import datetime as dt
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.customers.errors import Problem
from regulars.merchants.permissions import Action, StaffContext
from regulars.reviews.models import Review

from ..behaviour import settings_of
from ..models import Customer, DirectorySettings, LevelChange, ValueLevel

MAX_LEVELS = 8


def save_directory_settings(
    *,
    actor: StaffContext,
    lapse_grace_days: int,
    high_value_score: int,
    high_loyalty_score: int,
    high_influence: int,
    high_satisfaction: Decimal,
):
    """Change the thresholds; the churn flags and matrices follow at once."""
    actor.require(Action.CONFIGURE_CUSTOMERS)
    if not 0 <= lapse_grace_days <= 90:
        raise DomainError(
            _("Between 0 and 90 days."), field="lapse_grace_days", code=Problem.OUT_OF_RANGE
        )
    for field, score in (
        ("high_value_score", high_value_score),
        ("high_loyalty_score", high_loyalty_score),
    ):
        if not 1 <= score <= 5:
            raise DomainError(_("A score from 1 to 5."), field=field, code=Problem.OUT_OF_RANGE)
    if not 0 <= high_influence <= 100:
        raise DomainError(
            _("Between 0 and 100."), field="high_influence", code=Problem.OUT_OF_RANGE
        )
    if not Decimal("1") <= high_satisfaction <= Decimal("5"):
        raise DomainError(
            _("A rating from 1 to 5."), field="high_satisfaction", code=Problem.OUT_OF_RANGE
        )
    found = settings_of(actor.merchant)
    found.lapse_grace_days = lapse_grace_days
    found.high_value_score = high_value_score
    found.high_loyalty_score = high_loyalty_score
    found.high_influence = high_influence
    found.high_satisfaction = high_satisfaction.quantize(Decimal("0.1"))
    found.save()
    score_customers(merchant_ids=[actor.merchant.id])
    return found


def check_issued_campaign(merchant, campaign_id: int | None, *, field: str) -> None:
    """A coupon that goes out by itself (greetings, referrals) comes from an issued campaign."""
    from regulars.promotions.models import Campaign, ClaimMode

    if (
        campaign_id
        and not Campaign.objects.filter(
            pk=campaign_id, merchant=merchant, claim_mode=ClaimMode.ISSUED
        ).exists()
    ):
        raise DomainError(
            _("Choose one of your issued campaigns."), field=field, code=Problem.UNKNOWN_CHOICE
        )


def save_visit_follow_ups(
    *,
    actor: StaffContext,
    referral_campaign_id: int | None,
    follow_up_after_visit: bool | None = None,
):
    """What follows a visit: the coupon both get when someone brings a friend, and whether
    someone calls the customer back the day after an online order is used."""
    actor.require(Action.CONFIGURE_CUSTOMERS)
    check_issued_campaign(actor.merchant, referral_campaign_id, field="referral_campaign_id")
    found = settings_of(actor.merchant)
    found.referral_campaign_id = referral_campaign_id
    if follow_up_after_visit is not None:
        found.follow_up_after_visit = follow_up_after_visit
    found.save()
    return found


def save_value_levels(*, actor: StaffContext, levels: list[tuple[str, Decimal]]):
    """Replace the merchant's value ladder. Levels keep their identity by name (so history
    still names them); customers are placed on the new ladder at once."""
    actor.require(Action.CONFIGURE_CUSTOMERS)
    cleaned = [((name or "").strip(), amount) for name, amount in levels if (name or "").strip()]
    if len(cleaned) > MAX_LEVELS:
        raise DomainError(_("At most 8 levels."), field="levels", code=Problem.OUT_OF_RANGE)
    names = [name for name, _amount in cleaned]
    if any(len(name) > 20 for name in names):
        raise DomainError(
            _("A level's name has at most 20 characters."), field="levels", code=Problem.TOO_LONG
        )
    if len(set(names)) != len(names):
        raise DomainError(
            _("Each level needs its own name."), field="levels", code=Problem.DUPLICATE
        )
    amounts = [amount for _name, amount in cleaned]
    if any(amount is None or amount < 0 or amount > Decimal("99999999") for amount in amounts):
        raise DomainError(
            _("Each level needs a spend of 0 or more."), field="levels", code=Problem.OUT_OF_RANGE
        )
    if len(set(amounts)) != len(amounts):
        raise DomainError(
            _("Two levels cannot start at the same spend."), field="levels", code=Problem.DUPLICATE
        )
    with transaction.atomic():
        current = {
            level.name: level for level in ValueLevel.objects.filter(merchant=actor.merchant)
        }
        ValueLevel.objects.filter(merchant=actor.merchant).exclude(name__in=names).delete()
        # Park the kept levels' thresholds first so swapping two thresholds never collides.
        for index, level in enumerate(current[name] for name in names if name in current):
            ValueLevel.objects.filter(pk=level.pk).update(min_spend=Decimal("-1") - index)
        for name, amount in cleaned:
            if name in current:
                ValueLevel.objects.filter(pk=current[name].pk).update(min_spend=amount)
            else:
                ValueLevel.objects.create(merchant=actor.merchant, name=name, min_spend=amount)
        assign_value_levels(merchant_ids=[actor.merchant.id])
    return list(ValueLevel.objects.filter(merchant=actor.merchant))


def _scope_sql(
    column: str, ids: list[int] | None, shard: tuple[int, int] | None = None
) -> tuple[str, list]:
    """An SQL condition (and its parameters) limiting to these merchants, and/or to one shard
    of them: `shard=(k, n)` keeps the merchants whose id is k modulo n."""
    sql, params = "", []
    if ids:
        sql += f" AND {column} IN ({', '.join(['%s'] * len(ids))})"
        params += list(ids)
    if shard:
        sql += f" AND ({column} %% %s) = %s"
        params += [shard[1], shard[0]]
    return sql, params


def assign_value_levels(
    *,
    merchant_ids: list[int] | None = None,
    customer_ids: list[int] | None = None,
    at: dt.datetime | None = None,
    shard: tuple[int, int] | None = None,
) -> int:
    """Put every customer in scope on the level their spend reaches, logging each move.
    Touches only customers whose level changes. Returns how many moved."""

    in_scope = Customer.objects.all()
    if merchant_ids:
        in_scope = in_scope.filter(merchant_id__in=merchant_ids)
    if shard:
        in_scope = in_scope.alias(shard_of=F("merchant_id") % shard[1]).filter(shard_of=shard[0])
    if customer_ids:
        in_scope = in_scope.filter(pk__in=customer_ids)
    ladders = ValueLevel.objects.filter(merchant_id__in=in_scope.values("merchant_id"))
    if not ladders.exists() and not in_scope.filter(value_level__isnull=False).exists():
        return 0  # no ladder here and nobody holding a level: nothing can move
    customers, levels, changes = (
        Customer._meta.db_table,
        ValueLevel._meta.db_table,
        LevelChange._meta.db_table,
    )
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    scope, params = _scope_sql("c.merchant_id", merchant_ids, shard)
    only, only_params = _scope_sql("c.id", customer_ids)
    reached = (
        f"(SELECT l.id FROM {levels} l WHERE l.merchant_id = c.merchant_id "
        f"AND l.min_spend <= c.spend ORDER BY l.min_spend DESC LIMIT 1)"
    )
    # Only customers of merchants with a ladder, or who still hold a level, can move.
    moving = (
        f"SELECT c.id AS customer_id, c.merchant_id, c.value_level_id AS before_id, "
        f"{reached} AS after_id FROM {customers} c "
        f"WHERE (c.value_level_id IS NOT NULL "
        f"OR c.merchant_id IN (SELECT merchant_id FROM {levels})) {scope} {only}"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {changes} (merchant_id, customer_id, before_id, after_id, at) "
            f"SELECT merchant_id, customer_id, before_id, after_id, %s FROM ({moving}) m "
            f"WHERE before_id {differs} after_id",
            [at or clock.now(), *params, *only_params],
        )
        moved = cursor.rowcount
        if moved:
            cursor.execute(
                f"UPDATE {customers} SET value_level_id = m.after_id FROM ({moving}) m "
                f"WHERE {customers}.id = m.customer_id AND m.before_id {differs} m.after_id",
                [*params, *only_params],
            )
    return moved


# ---- RFM scores and churn warnings ----------------------------------------------------------


def score_customers(
    *,
    merchant_ids: list[int] | None = None,
    now: dt.datetime | None = None,
    shard: tuple[int, int] | None = None,
):
    """Nightly: RFM quintiles within each merchant, the named segment, each customer's usual
    interval between visits and whether their silence now exceeds it by the merchant's grace
    (docs/analytics.md); the matrix inputs (reviews, average rating, referrals); then the value
    levels. One set-based UPDATE over the directory that rewrites only the customers whose
    figures changed (and, on PostgreSQL, in place: the table keeps free room in each page)."""

    now = now or clock.now()
    table = Customer._meta.db_table
    directory_settings = DirectorySettings._meta.db_table
    reviews = Review._meta.db_table
    scope, scope_params = _scope_sql("merchant_id", merchant_ids, shard)
    c_scope, _ = _scope_sql("c.merchant_id", merchant_ids, shard)
    if connection.vendor == "postgresql":
        span = "EXTRACT(EPOCH FROM (c.last_seen_at - c.first_seen_at)) / 86400.0"
        silence = "EXTRACT(EPOCH FROM (%s - c.last_seen_at)) / 86400.0"
        differs = "IS DISTINCT FROM"
    else:
        span = "julianday(c.last_seen_at) - julianday(c.first_seen_at)"
        silence = "julianday(%s) - julianday(c.last_seen_at)"
        differs = "IS NOT"
    grace = DirectorySettings._meta.get_field("lapse_grace_days").default
    true, false = ("TRUE", "FALSE") if connection.vendor == "postgresql" else ("1", "0")
    current = (
        "c.rfm_r AS cur_r, c.rfm_f AS cur_f, c.rfm_m AS cur_m, c.rfm_segment AS cur_segment, "
        "c.usual_interval_days AS cur_interval, c.churn_risk AS cur_churn, "
        "c.reviews AS cur_reviews, c.satisfaction AS cur_satisfaction, "
        "c.referrals AS cur_referrals"
    )
    names = (
        "rfm_r",
        "rfm_f",
        "rfm_m",
        "rfm_segment",
        "usual_interval_days",
        "churn_risk",
        "reviews",
        "satisfaction",
        "referrals",
    )
    columns = ", ".join(names)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Three sorts of the whole directory: in memory, not on disk.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute("DROP TABLE IF EXISTS crm_new_scores")
        # Only the customers whose scores change are kept, so the UPDATE that follows is small.
        cursor.execute(
            f"""
            CREATE TEMPORARY TABLE crm_new_scores AS
            SELECT * FROM (
                SELECT w.id, w.cur_r, w.cur_f, w.cur_m, w.cur_segment, w.cur_interval,
                    w.cur_churn, w.cur_reviews, w.cur_satisfaction, w.cur_referrals,
                    CASE WHEN w.active THEN w.r ELSE 0 END AS r,
                    CASE WHEN w.active THEN w.f ELSE 0 END AS f,
                    CASE WHEN w.active THEN w.m ELSE 0 END AS m,
                    CASE
                        WHEN NOT w.active THEN ''
                        WHEN w.r >= 4 AND w.f >= 4 THEN 'champions'
                        WHEN w.r >= 4 AND w.visits = 1 THEN 'new'
                        WHEN w.r >= 4 THEN 'potential'
                        WHEN w.f >= 4 AND w.r = 3 THEN 'loyal'
                        WHEN w.r <= 2 AND w.f >= 3 THEN 'at_risk'
                        WHEN w.r <= 2 THEN 'hibernating'
                        ELSE 'attention'
                    END AS segment,
                    w.interval_days,
                    CASE
                        WHEN w.silence > w.interval_days + COALESCE(k.lapse_grace_days, %s)
                        THEN %s ELSE %s
                    END AS churn_risk,
                    COALESCE(rv.n, 0) AS reviews, rv.stars AS satisfaction,
                    COALESCE(rf.n, 0) AS referrals
                FROM (
                    SELECT c.id, c.merchant_id, c.consumer_id, c.visits, {true} AS active,
                        {current},
                        NTILE(5) OVER (PARTITION BY c.merchant_id ORDER BY c.last_seen_at, c.id)
                            AS r,
                        NTILE(5) OVER (PARTITION BY c.merchant_id ORDER BY c.visits, c.id) AS f,
                        NTILE(5) OVER (PARTITION BY c.merchant_id ORDER BY c.spend, c.id) AS m,
                        CASE WHEN c.visits >= 2 THEN ({span}) / (c.visits - 1) END
                            AS interval_days,
                        {silence} AS silence
                    FROM {table} c
                    WHERE c.visits > 0 AND c.last_seen_at IS NOT NULL {c_scope}
                    UNION ALL
                    -- Customers who never visited (or whose visits were all voided): zeros.
                    SELECT c.id, c.merchant_id, c.consumer_id, c.visits, {false}, {current},
                        0, 0, 0, NULL, NULL
                    FROM {table} c
                    WHERE (c.visits = 0 OR c.last_seen_at IS NULL) {c_scope}
                ) AS w
                LEFT JOIN {directory_settings} k ON k.merchant_id = w.merchant_id
                LEFT JOIN (
                    SELECT merchant_id, author_id, COUNT(*) AS n, AVG(stars) AS stars
                    FROM {reviews} WHERE hidden = %s AND author_id IS NOT NULL {scope}
                    GROUP BY merchant_id, author_id
                ) AS rv ON rv.merchant_id = w.merchant_id AND rv.author_id = w.consumer_id
                LEFT JOIN (
                    SELECT referred_by_id, COUNT(*) AS n FROM {table}
                    WHERE referred_by_id IS NOT NULL {scope} GROUP BY referred_by_id
                ) AS rf ON rf.referred_by_id = w.id
            ) AS s
            WHERE (
                s.cur_r, s.cur_f, s.cur_m, s.cur_segment, s.cur_interval, s.cur_churn,
                s.cur_reviews, s.cur_satisfaction, s.cur_referrals
            ) {differs} (
                s.r, s.f, s.m, s.segment, s.interval_days, s.churn_risk,
                s.reviews, s.satisfaction, s.referrals
            )
            """,
            [
                grace,
                True,
                False,
                now,
                *scope_params,
                *scope_params,
                False,
                *scope_params,
                *scope_params,
            ],
        )
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE crm_new_scores")  # few rows: join them by primary key
        cursor.execute(
            f"""
            UPDATE {table} SET ({columns}) = (
                s.r, s.f, s.m, s.segment, s.interval_days, s.churn_risk,
                s.reviews, s.satisfaction, s.referrals
            )
            FROM crm_new_scores s WHERE {table}.id = s.id
            """
        )
        cursor.execute("DROP TABLE crm_new_scores")
    assign_value_levels(merchant_ids=merchant_ids, at=now, shard=shard)
