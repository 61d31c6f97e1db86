"""Writes for the customer directory.

Rows appear by themselves (`receivers.py`): an order used, a purchase recorded on a member card,
a card, a coupon or a review makes the person a customer of that merchant, and visits and spend
follow. `rebuild_directory` recomputes everything from the facts (orders, card purchases, cards,
coupons, reviews) — for merchants who were selling before the directory existed, and as the
repair tool should the running figures ever drift.
"""

import datetime as dt
from decimal import Decimal

from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.accounts import privacy
from regulars.accounts.models import ConsentPurpose
from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.merchants.models import Membership
from regulars.merchants.permissions import Action, StaffContext

from .behaviour import settings_of
from .models import Customer, Source, Tag
from .signals import customers_reassigned

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


def rebuild_directory(*, merchant_ids: list[int] | None = None) -> int:
    """Recompute every customer's figures from the facts. Returns how many customers exist.

    Set-based, so it scales with the database rather than with Python: one statement gathers
    every (merchant, consumer) pair's visits, spend and first and last visit (as
    promotions/visits.py defines a visit: orders used, purchases at the till not voided, coupons
    used at the till on an occasion of their own), plus the people who only hold a card, a coupon or
    wrote a review; rows the merchant imported are linked by phone; existing customers are
    updated and new ones inserted."""
    from django.contrib.auth import get_user_model
    from django.db import connection

    from regulars.membership.models import Card, Purchase
    from regulars.orders.models import USED_STATUSES, Order
    from regulars.promotions.models import Coupon, Redemption
    from regulars.reviews.models import Review

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


def _customer(actor: StaffContext, customer_id: int) -> Customer:
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
        raise DomainError(_("Unknown field."), field=sorted(unknown)[0])
    customer = _customer(actor, customer_id)
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
    customer = _customer(actor, customer_id)
    names = sorted({tag.strip()[:20] for tag in tags if tag.strip()})
    if len(names) > MAX_TAGS:
        raise DomainError(_("At most 10 tags."), field="tags")
    if birthday and birthday > clock.today():
        raise DomainError(_("A birthday cannot be in the future."), field="birthday")
    if (
        account_manager_id
        and not Membership.objects.filter(
            merchant=actor.merchant, user_id=account_manager_id
        ).exists()
    ):
        raise DomainError(_("Choose one of your staff."), field="account_manager_id")
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
    from regulars.promotions import services as promotions

    from .models import ReferralReward

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
        raise DomainError(_("Choose one of your customers."), field="referred_by_id")
    seen, step = set(), referrer_id
    while step is not None and step not in seen:
        if step == customer.pk:
            raise DomainError(
                _("A customer cannot be introduced by someone they introduced."),
                field="referred_by_id",
            )
        seen.add(step)
        step = mine.filter(pk=step).values_list("referred_by_id", flat=True).first()


# ---- importing a spreadsheet ------------------------------------------------------------------

IMPORT_CHUNK = 500


def start_import(*, actor: StaffContext, filename: str, content: bytes):
    """Keep the uploaded file, count its rows and guess which column is which."""
    from . import imports
    from .models import CustomerImport

    actor.require(Action.EDIT_CUSTOMERS)
    headers, total = imports.count_rows(filename, content)  # one row at a time; no field parsing
    return CustomerImport.objects.create(
        merchant=actor.merchant,
        created_by=actor.user,
        filename=filename[:200],
        content=content,
        mapping=imports.guess_mapping(headers),
        total_rows=total,
    )


def _own_import(actor: StaffContext, import_id: int):
    from .models import CustomerImport

    found = CustomerImport.objects.filter(pk=import_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    return found


def set_mapping(*, actor: StaffContext, import_id: int, mapping: dict[str, int | None]):
    from . import imports
    from .models import ImportStatus

    actor.require(Action.EDIT_CUSTOMERS)
    found = _own_import(actor, import_id)
    if found.status != ImportStatus.UPLOADED:
        raise DomainError(_("This import has already run."), code="wrong_state")
    headers, _rows = imports.read_table(found.filename, bytes(found.content))
    cleaned = {}
    for field, index in mapping.items():
        if field not in imports.FIELDS:
            raise DomainError(_("Unknown field."), field=field)
        if index is None or index == "":
            continue
        if not 0 <= int(index) < len(headers):
            raise DomainError(_("Choose one of the file's columns."), field=field)
        cleaned[field] = int(index)
    if "phone" not in cleaned:
        raise DomainError(_("Choose the column with phone numbers."), field="phone")
    found.mapping = cleaned
    found.save(update_fields=["mapping"])
    return found


def confirm_import(*, actor: StaffContext, import_id: int):
    """Start the import in the background; the page follows its progress."""
    from .models import CustomerImport, ImportStatus
    from .tasks import run_import

    actor.require(Action.EDIT_CUSTOMERS)
    found = _own_import(actor, import_id)
    if "phone" not in found.mapping:
        raise DomainError(_("Choose the column with phone numbers."), field="phone")
    started = CustomerImport.objects.filter(pk=found.pk, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.RUNNING, heartbeat_at=clock.now()
    )
    if not started:
        raise DomainError(_("This import has already run."), code="wrong_state")
    transaction.on_commit(lambda: run_import.delay(found.pk))
    found.refresh_from_db()
    return found


def _snapshot(customer: Customer) -> dict:
    return {
        "name": customer.name,
        "birthday": f"{customer.birthday:%Y-%m-%d}" if customer.birthday else None,
        "notes": customer.notes,
        "consent": customer.consent,
        "consent_at": customer.consent_at.isoformat() if customer.consent_at else None,
        "consent_purpose": customer.consent_purpose,
        "tags": sorted(tag.name for tag in customer.tags.all()),
    }


def run_import(import_id: int) -> None:
    """Check every row, then write the good ones chunk by chunk (dedupe by phone: a known phone
    updates that customer, keeping what the file leaves empty). Progress is saved per chunk."""
    from . import imports
    from .models import CustomerImport, ImportChange, ImportStatus

    job = CustomerImport.objects.get(pk=import_id)
    if job.status != ImportStatus.RUNNING:
        return
    _headers, rows = imports.read_table(job.filename, bytes(job.content))
    good, errors, _merged = imports.checked_rows(rows, job.mapping)
    cleaned = [data for _row, data in good]
    created, updated = job.created_count, job.updated_count
    new_tags = list(job.created_tags)
    for start in range(job.written_rows, len(cleaned), IMPORT_CHUNK):
        chunk = cleaned[start : start + IMPORT_CHUNK]
        with transaction.atomic():
            # One runner at a time: a redelivered task finds the rows already written and stops.
            locked = CustomerImport.objects.select_for_update().get(pk=job.pk)
            if locked.written_rows != start or locked.status != ImportStatus.RUNNING:
                return
            existing = {
                c.phone: c
                for c in Customer.objects.filter(
                    merchant_id=job.merchant_id, phone__in=[d["phone"] for d in chunk]
                ).prefetch_related("tags")
            }
            for data in chunk:
                customer = existing.get(data["phone"])
                if customer is None:
                    customer = Customer.objects.create(
                        merchant_id=job.merchant_id,
                        phone=data["phone"],
                        name=data["name"],
                        birthday=data["birthday"],
                        notes=data["notes"],
                        source=Source.IMPORT,
                        consent=data["consent"],
                        consent_at=clock.now() if data["consent"] else None,
                        consent_purpose=_("Imported from %(file)s") % {"file": job.filename}
                        if data["consent"]
                        else "",
                    )
                    ImportChange.objects.create(
                        customer_import=job, customer=customer, created=True
                    )
                    created += 1
                else:
                    ImportChange.objects.create(
                        customer_import=job,
                        customer=customer,
                        created=False,
                        before=_snapshot(customer),
                    )
                    for field in ("name", "birthday", "notes"):
                        if data[field]:
                            setattr(customer, field, data[field])
                    if data["consent"] and not customer.consent:
                        customer.consent, customer.consent_at = True, clock.now()
                    customer.save()
                    updated += 1
                for name in data["tags"]:
                    tag, new = Tag.objects.get_or_create(merchant_id=job.merchant_id, name=name)
                    customer.tags.add(tag)
                    if new:
                        new_tags.append(name)
            CustomerImport.objects.filter(pk=job.pk).update(
                created_tags=new_tags,
                processed_rows=min(start + len(chunk) + len(errors), job.total_rows),
                written_rows=start + len(chunk),
                heartbeat_at=clock.now(),
                created_count=created,
                updated_count=updated,
            )
    CustomerImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE,
        processed_rows=job.total_rows,
        created_count=created,
        updated_count=updated,
        errors=errors,
        finished_at=clock.now(),
    )


IMPORT_STALLED_AFTER = dt.timedelta(minutes=10)


def resume_stalled_imports(*, now: dt.datetime | None = None) -> list[int]:
    """Periodic: imports still "Importing" with no progress for ten minutes (their worker died)
    are started again; they carry on after the last chunk written."""
    from .models import CustomerImport, ImportStatus
    from .tasks import run_import as run_import_task

    now = now or clock.now()
    stalled = list(
        CustomerImport.objects.filter(status=ImportStatus.RUNNING)
        .filter(
            models.Q(heartbeat_at__lt=now - IMPORT_STALLED_AFTER)
            | models.Q(heartbeat_at__isnull=True, created_at__lt=now - IMPORT_STALLED_AFTER)
        )
        .values_list("pk", flat=True)
    )
    for import_id in stalled:
        CustomerImport.objects.filter(pk=import_id).update(heartbeat_at=now)
        transaction.on_commit(lambda import_id=import_id: run_import_task.delay(import_id))
    return stalled


@transaction.atomic
def undo_import(*, actor: StaffContext, import_id: int) -> int:
    """Take a whole import back: customers it created go (unless they have bought since), and
    customers it changed get their earlier values again. Returns how many were touched."""
    from .models import CustomerImport, ImportStatus

    actor.require(Action.EDIT_CUSTOMERS)
    found = _own_import(actor, import_id)
    undone = CustomerImport.objects.filter(pk=found.pk, status=ImportStatus.DONE).update(
        status=ImportStatus.UNDONE
    )
    if not undone:
        raise DomainError(_("Only a finished import can be undone."), code="wrong_state")
    touched = 0
    for change in found.changes.select_related("customer"):
        customer = change.customer
        if change.created:
            if customer.consumer_id is None and customer.visits == 0:
                customer.delete()
                touched += 1
            continue
        before = change.before
        customer.name, customer.notes = before["name"], before["notes"]
        customer.birthday = (
            dt.date.fromisoformat(before["birthday"]) if before["birthday"] else None
        )
        customer.consent = before["consent"]
        if "consent_at" in before:  # snapshots taken since the stamps were kept
            at = before["consent_at"]
            customer.consent_at = dt.datetime.fromisoformat(at) if at else None
            customer.consent_purpose = before["consent_purpose"]
        customer.save()
        customer.tags.set(
            [Tag.objects.get_or_create(merchant=actor.merchant, name=n)[0] for n in before["tags"]]
        )
        touched += 1
    # Tags the import brought in go with it, unless someone has used them since.
    Tag.objects.filter(merchant=actor.merchant, name__in=found.created_tags).annotate(
        holders=models.Count("customers")
    ).filter(holders=0).delete()
    return touched


# ---- segments ---------------------------------------------------------------------------------


def save_segment(*, actor: StaffContext, name: str, rules: dict):
    """Keep the current search as a named segment (saving again under a name replaces it)."""
    from .models import Segment
    from .selectors import Filters

    actor.require(Action.EDIT_CUSTOMERS)
    name = (name or "").strip()
    if not name or len(name) > 60:
        raise DomainError(_("Give the segment a name of at most 60 characters."), field="name")
    try:
        cleaned = Filters.from_rules(rules).to_rules()
    except (TypeError, ValueError, ArithmeticError):
        raise DomainError(_("These criteria cannot be saved."), field="rules") from None
    segment, _created = Segment.objects.update_or_create(
        merchant=actor.merchant,
        name=name,
        defaults={"rules": cleaned, "created_by": actor.user},
    )
    return segment


def delete_segment(*, actor: StaffContext, segment_id: int) -> None:
    from .models import Segment

    actor.require(Action.EDIT_CUSTOMERS)
    if not Segment.objects.filter(pk=segment_id, merchant=actor.merchant).delete()[0]:
        raise NotFound()


# ---- thresholds and value levels --------------------------------------------------------------

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
        raise DomainError(_("Between 0 and 90 days."), field="lapse_grace_days")
    for field, score in (
        ("high_value_score", high_value_score),
        ("high_loyalty_score", high_loyalty_score),
    ):
        if not 1 <= score <= 5:
            raise DomainError(_("A score from 1 to 5."), field=field)
    if not 0 <= high_influence <= 100:
        raise DomainError(_("Between 0 and 100."), field="high_influence")
    if not Decimal("1") <= high_satisfaction <= Decimal("5"):
        raise DomainError(_("A rating from 1 to 5."), field="high_satisfaction")
    found = settings_of(actor.merchant)
    found.lapse_grace_days = lapse_grace_days
    found.high_value_score = high_value_score
    found.high_loyalty_score = high_loyalty_score
    found.high_influence = high_influence
    found.high_satisfaction = high_satisfaction.quantize(Decimal("0.1"))
    found.save()
    score_customers(merchant_ids=[actor.merchant.id])
    return found


def save_value_levels(*, actor: StaffContext, levels: list[tuple[str, Decimal]]):
    """Replace the merchant's value ladder. Levels keep their identity by name (so history
    still names them); customers are placed on the new ladder at once."""
    from .models import ValueLevel

    actor.require(Action.CONFIGURE_CUSTOMERS)
    cleaned = [((name or "").strip(), amount) for name, amount in levels if (name or "").strip()]
    if len(cleaned) > MAX_LEVELS:
        raise DomainError(_("At most 8 levels."), field="levels")
    names = [name for name, _amount in cleaned]
    if any(len(name) > 20 for name in names):
        raise DomainError(_("A level's name has at most 20 characters."), field="levels")
    if len(set(names)) != len(names):
        raise DomainError(_("Each level needs its own name."), field="levels")
    amounts = [amount for _name, amount in cleaned]
    if any(amount is None or amount < 0 or amount > Decimal("99999999") for amount in amounts):
        raise DomainError(_("Each level needs a spend of 0 or more."), field="levels")
    if len(set(amounts)) != len(amounts):
        raise DomainError(_("Two levels cannot start at the same spend."), field="levels")
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
    from django.db import connection

    from .models import LevelChange, ValueLevel

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


# ---- RFM scores and churn warnings ------------------------------------------------------------


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
    from django.db import connection

    from regulars.reviews.models import Review

    from .models import DirectorySettings

    now = now or clock.now()
    table = Customer._meta.db_table
    knobs = DirectorySettings._meta.db_table
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
                LEFT JOIN {knobs} k ON k.merchant_id = w.merchant_id
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


# ---- account managers and their tasks ---------------------------------------------------------

HANDOVER_DAYS = 3  # a new account manager calls each inherited customer within three days


def _active_staff_ids(merchant) -> set[int]:
    return set(
        Membership.objects.filter(merchant=merchant, is_active=True).values_list(
            "user_id", flat=True
        )
    )


def reassign_customers(
    *,
    actor: StaffContext,
    from_user_id: int,
    to_user_ids: list[int],
    reason: str = "",
    customer_ids: list[int] | None = None,
    now: dt.datetime | None = None,
) -> int:
    """Hand a staff member's customers (all, or the ones named) to one or more colleagues,
    spread evenly. Each move is audited and gives the new owner a task to introduce themselves
    within three days (seed 001: a departing manager's "orphans" are redistributed and each
    gets a follow-up). Returns how many customers moved."""
    from .models import OwnershipChange, Task, TaskKind

    actor.require(Action.ASSIGN_CUSTOMERS)
    now = now or clock.now()
    staff = _active_staff_ids(actor.merchant)
    targets = list(dict.fromkeys(to_user_ids))
    if not targets:
        raise DomainError(_("Choose who takes the customers over."), field="to_user_ids")
    if from_user_id in targets:
        raise DomainError(
            _("Choose someone other than the person handing over."), field="to_user_ids"
        )
    if not set(targets) <= staff:
        raise DomainError(_("Choose active members of your staff."), field="to_user_ids")
    with transaction.atomic():
        mine = Customer.objects.select_for_update().filter(
            merchant=actor.merchant, account_manager_id=from_user_id
        )
        if customer_ids is not None:
            mine = mine.filter(pk__in=customer_ids)
        moving = list(mine.order_by("-spend", "id"))
        if not moving:
            raise DomainError(_("They look after no customers to hand over."), field="from_user_id")
        load = dict(
            Customer.objects.filter(merchant=actor.merchant, account_manager_id__in=targets)
            .values_list("account_manager_id")
            .annotate(n=models.Count("id"))
        )
        changes, tasks = [], []
        for customer in moving:  # biggest spenders first, each to the least loaded colleague
            owner = min(targets, key=lambda user: (load.get(user, 0), targets.index(user)))
            load[owner] = load.get(owner, 0) + 1
            customer.account_manager_id = owner
            changes.append(
                OwnershipChange(
                    merchant=actor.merchant,
                    customer=customer,
                    before_id=from_user_id,
                    after_id=owner,
                    changed_by=actor.user,
                    reason=(reason or "").strip()[:200],
                    at=now,
                )
            )
            tasks.append(
                Task(
                    merchant=actor.merchant,
                    customer=customer,
                    assignee_id=owner,
                    kind=TaskKind.HANDOVER,
                    title=_("Call %(name)s: introduce yourself as their new account manager")
                    % {"name": customer},
                    due_at=now + dt.timedelta(days=HANDOVER_DAYS),
                    created_by=actor.user,
                )
            )
        Customer.objects.bulk_update(moving, ["account_manager"], batch_size=1000)
        OwnershipChange.objects.bulk_create(changes, batch_size=1000)
        Task.objects.bulk_create(tasks, batch_size=1000)
        customers_reassigned.send(
            sender=OwnershipChange,
            merchant_id=actor.merchant.pk,
            changed_by=actor.user,
            reason=reason,
            moves=[(c.customer_id, c.before_id, c.after_id) for c in changes],
        )
    return len(moving)


def hand_over_and_deactivate(
    *, actor: StaffContext, membership_id: int, to_user_ids: list[int], reason: str = ""
) -> int:
    """A staff member leaves: their customers go to colleagues, then their access ends."""
    from regulars.merchants import services as merchant_services

    membership = Membership.objects.filter(pk=membership_id, merchant=actor.merchant).first()
    if membership is None:
        raise NotFound()
    with transaction.atomic():
        moved = 0
        if Customer.objects.filter(
            merchant=actor.merchant, account_manager_id=membership.user_id
        ).exists():
            moved = reassign_customers(
                actor=actor,
                from_user_id=membership.user_id,
                to_user_ids=to_user_ids,
                reason=reason,
            )
        merchant_services.change_staff_role(
            actor=actor, membership_id=membership.pk, role=membership.role, is_active=False
        )
    return moved


def refuse_orphans(merchant_id: int, user_id: int) -> None:
    """Nobody leaves while customers still count on them."""
    count = Customer.objects.filter(merchant_id=merchant_id, account_manager_id=user_id).count()
    if count:
        raise DomainError(
            _(
                "They still look after %(n)s customers: hand them to a colleague first "
                "(Customers → Hand over)."
            )
            % {"n": count},
            code="has_customers",
        )


def create_task(
    *,
    actor: StaffContext,
    customer_id: int,
    kind: str,
    title: str,
    due_at: dt.datetime,
    assignee_id: int | None = None,
):
    from .models import Task, TaskKind

    actor.require(Action.EDIT_CUSTOMERS)
    customer = _customer(actor, customer_id)
    assignee_id = assignee_id or actor.user.pk
    if assignee_id != actor.user.pk:
        actor.require(Action.ASSIGN_CUSTOMERS)
    if assignee_id not in _active_staff_ids(actor.merchant):
        raise DomainError(_("Choose an active member of your staff."), field="assignee_id")
    if kind not in TaskKind.values:
        raise DomainError(_("Choose what is to be done."), field="kind")
    title = (title or "").strip()
    if not title or len(title) > 200:
        raise DomainError(_("Say what is to be done (at most 200 characters)."), field="title")
    if due_at < clock.now() - dt.timedelta(days=1):
        raise DomainError(_("The due date has passed."), field="due_at")
    return Task.objects.create(
        merchant=actor.merchant,
        customer=customer,
        assignee_id=assignee_id,
        kind=kind,
        title=title,
        due_at=due_at,
        created_by=actor.user,
    )


def _task(actor: StaffContext, task_id: int):
    from .models import Task

    found = Task.objects.filter(pk=task_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    if found.assignee_id != actor.user.pk:
        actor.require(Action.ASSIGN_CUSTOMERS)
    return found


def complete_task(
    *,
    actor: StaffContext,
    task_id: int,
    outcome: str,
    satisfaction: int | None = None,
    item_scores: dict[str, int] | None = None,
    no_score_reason: str = "",
):
    """Log what happened (and, for a call or visit, how satisfied the customer was, overall
    and with each service of the visit). The follow-up call after a complaint closes only with
    the customer's satisfaction, or the reason none could be had (seed 004: a complaint's file
    ends with how satisfied the customer was)."""
    from .models import TaskStatus

    actor.require(Action.VIEW_CUSTOMERS)
    with transaction.atomic():
        task = _task(actor, task_id)
        task = type(task).objects.select_for_update().get(pk=task.pk)
        if task.status != TaskStatus.OPEN:
            raise DomainError(_("This task is already closed."), code="wrong_state")
        outcome = (outcome or "").strip()
        if not outcome:
            raise DomainError(_("Say how it went."), field="outcome")
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise DomainError(_("A rating from 1 to 5."), field="satisfaction")
        if task.ticket_id:
            satisfaction, no_score_reason = _call_result(satisfaction, no_score_reason)
        item_scores = {name: score for name, score in (item_scores or {}).items() if score}
        from .selectors import task_items

        if set(item_scores) - set(task_items(task)) or any(
            not 1 <= score <= 5 for score in item_scores.values()
        ):
            raise DomainError(_("Score each service from 1 to 5."), field="item_scores")
        task.status, task.outcome = TaskStatus.DONE, outcome[:2000]
        task.satisfaction, task.done_at = satisfaction, clock.now()
        task.item_scores = item_scores
        task.save(update_fields=["status", "outcome", "satisfaction", "done_at", "item_scores"])
        if task.ticket_id:  # the follow-up call after a complaint closes it
            _record_follow_up_call(
                actor,
                _ticket(actor, task.ticket_id, lock=True),
                satisfaction=satisfaction,
                no_score_reason=no_score_reason,
                note=task.outcome,
                now=task.done_at,
            )
    return task


def plan_follow_up_call(order) -> None:
    """The day after an online order is used, someone calls the customer back (seed 001: every
    customer is called back after service and scores each service) — if the shop wants it.
    The call goes to the customer's account manager, else to whoever served them."""
    from .models import Task, TaskKind

    knobs = settings_of(order.merchant)
    if not knobs.follow_up_after_visit:
        return
    customer = customer_for(merchant_id=order.merchant_id, consumer=order.consumer, source="order")
    staff = _active_staff_ids(order.merchant)
    candidates = [customer.account_manager_id, order.consumed_by_id]
    caller_id = next((user for user in candidates if user and user in staff), None)
    if caller_id is None:
        owners = _staff_of(order.merchant, ["owner"])
        if not owners:
            return
        caller_id = owners[0].pk
    names = "、".join(order.lines.values_list("name", flat=True)[:3])
    Task.objects.create(
        merchant_id=order.merchant_id,
        customer=customer,
        assignee_id=caller_id,
        kind=TaskKind.FOLLOW_UP,
        title=_("Follow-up call to %(customer)s: how was %(services)s?")
        % {"customer": customer, "services": names},
        due_at=add_business_hours(
            (order.consumed_at or clock.now()) + dt.timedelta(days=1),
            0,
            knobs.desk_opens,
            knobs.desk_closes,
        ),
        order=order,
    )


def remind_due_tasks(*, now: dt.datetime | None = None) -> int:
    """Periodic: each open task due within a day (or overdue) reminds its assignee once, in
    their inbox."""
    from regulars.notifications import services as notifications

    from .models import Task, TaskStatus

    now = now or clock.now()
    due = Task.objects.filter(
        status=TaskStatus.OPEN, reminded_at__isnull=True, due_at__lte=now + dt.timedelta(days=1)
    ).select_related("customer", "assignee")
    sent = 0
    for task in due[:1000]:
        notifications.notify(
            user=task.assignee,
            title=_("Due %(when)s: %(task)s")
            % {"when": f"{timezone.localtime(task.due_at):%m-%d %H:%M}", "task": task.title},
            link=f"/console/tasks/#task-{task.pk}",
            dedupe_key=f"task-reminder:{task.pk}",
        )
        Task.objects.filter(pk=task.pk).update(reminded_at=now)
        sent += 1
    return sent


# ---- the risk list ----------------------------------------------------------------------------


def flag_customer(*, actor: StaffContext, customer_id: int, reason: str, note: str):
    """Put a customer on the risk list: staff see why, and no campaign reaches them."""
    from .models import RiskFlag, RiskReason

    actor.require(Action.EDIT_CUSTOMERS)
    customer = _customer(actor, customer_id)
    if reason not in RiskReason.values:
        raise DomainError(_("Choose a reason."), field="reason")
    note = (note or "").strip()
    if not note or len(note) > 300:
        raise DomainError(_("Say what happened (at most 300 characters)."), field="note")
    try:
        with transaction.atomic():
            return RiskFlag.objects.create(
                merchant=actor.merchant,
                customer=customer,
                reason=reason,
                note=note,
                flagged_by=actor.user,
            )
    except IntegrityError:
        raise DomainError(
            _("This customer is already on the risk list."), code="wrong_state"
        ) from None


def clear_flag(*, actor: StaffContext, customer_id: int, note: str = ""):
    """Take a customer off the risk list (the flag stays in their history)."""
    from .models import RiskFlag

    actor.require(Action.ASSIGN_CUSTOMERS)
    customer = _customer(actor, customer_id)
    cleared = RiskFlag.objects.filter(customer=customer, cleared_at__isnull=True).update(
        cleared_at=clock.now(), cleared_by=actor.user, clear_note=(note or "").strip()[:300]
    )
    if not cleared:
        raise DomainError(_("This customer is not on the risk list."), code="wrong_state")


def flagged_people(merchant_id: int):
    """The consumers on the merchant's risk list (registered as an offer exclusion)."""
    from .models import RiskFlag

    return RiskFlag.objects.filter(
        merchant_id=merchant_id, cleared_at__isnull=True, customer__consumer__isnull=False
    ).values_list("customer__consumer_id", flat=True)


# ---- messages and greetings -------------------------------------------------------------------


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
    from regulars.notifications import services as notifications
    from regulars.promotions import services as promotions

    from .models import Outreach

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
    from django.urls import reverse

    store = merchant.stores.filter(is_active=True).order_by("id").first()
    return reverse("discovery:store", args=[store.pk]) if store else ""


def _offer_exclusions(merchant_id: int) -> set[int]:
    from regulars.notifications import targeting

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
    from .models import OutreachKind, Segment
    from .selectors import Filters, search

    actor.require(Action.EDIT_CUSTOMERS)
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise DomainError(_("Give the message a title of at most 120 characters."), field="title")
    if len(body) > 1000:
        raise DomainError(_("At most 1,000 characters."), field="body")
    if send_at and send_at < clock.now() - dt.timedelta(minutes=5):
        raise DomainError(_("Choose a time that has not passed."), field="send_at")
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
            raise DomainError(_("These criteria cannot be used."), field="rules") from None
        customers = search(actor.merchant, filters)
        audience = _("A search of the directory")
    if not customers.exists():
        raise DomainError(_("No customer to send to."), field="audience")
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
    from regulars.promotions.models import Campaign, ClaimMode

    from .holidays import BY_KEY

    actor.require(Action.CONFIGURE_CUSTOMERS)
    if birthday_days and not 2 <= birthday_days <= 7:
        raise DomainError(
            _("Birthday greetings go 2 to 7 days before (0 for none)."), field="birthday_days"
        )
    if len(birthday_title or "") > 120:
        raise DomainError(_("At most 120 characters."), field="birthday_title")
    unknown = set(holidays) - set(BY_KEY)
    if unknown:
        raise DomainError(_("Unknown holiday."), field="holidays")
    issued = Campaign.objects.filter(merchant=actor.merchant, claim_mode=ClaimMode.ISSUED)
    for field, campaign_id in (
        ("birthday_campaign_id", birthday_campaign_id),
        ("holiday_campaign_id", holiday_campaign_id),
        ("referral_campaign_id", referral_campaign_id),
    ):
        if campaign_id and not issued.filter(pk=campaign_id).exists():
            raise DomainError(_("Choose one of your issued campaigns."), field=field)
    found = settings_of(actor.merchant)
    found.birthday_days = birthday_days
    found.birthday_title = (birthday_title or "").strip()
    found.birthday_body = (birthday_body or "").strip()[:1000]
    found.birthday_campaign_id = birthday_campaign_id
    found.holidays = [key for key in BY_KEY if key in holidays]
    found.holiday_campaign_id = holiday_campaign_id
    found.referral_campaign_id = referral_campaign_id
    if follow_up_after_visit is not None:
        found.follow_up_after_visit = follow_up_after_visit
    found.save()
    return found


def send_greetings(*, today: dt.date | None = None) -> int:
    """Daily: each shop's birthday greetings (for birthdays N days from today) and holiday
    greetings (on the day), each customer once per occasion. Returns the greetings sent."""
    from .models import DirectorySettings

    today = today or clock.today()
    sent = 0
    for knobs in DirectorySettings.objects.select_related("merchant").exclude(
        birthday_days=0, holidays=[]
    ):
        if knobs.birthday_days:
            sent += _birthday_greetings(knobs, today)
        for key in knobs.holidays:
            sent += _holiday_greetings(knobs, key, today)
    return sent


def _greet(knobs, *, occasion: str, customers, kind, title, body, audience, campaign) -> int:
    from .models import Greeting

    # Customers known only by phone go along so the greeting counts them as not reachable in
    # the app (Outreach.without_app); only those with the app are greeted and remembered.
    fresh = customers.exclude(greetings__occasion=occasion)
    if not fresh.exists():
        return 0
    with transaction.atomic():
        everyone = list(fresh.values_list("pk", flat=True))
        chosen = list(fresh.filter(consumer__isnull=False).values_list("pk", flat=True))
        outreach = _send(
            merchant=knobs.merchant,
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
                    merchant=knobs.merchant, customer_id=pk, occasion=occasion, outreach=outreach
                )
                for pk in chosen
            ],
            ignore_conflicts=True,
        )
    return len(chosen)


def _birthday_greetings(knobs, today: dt.date) -> int:
    from .holidays import birthday_in
    from .models import OutreachKind

    target = today + dt.timedelta(days=knobs.birthday_days)
    candidates = Customer.objects.filter(
        merchant=knobs.merchant, birthday__month=target.month
    ).exclude(birthday__isnull=True)
    due = [c.pk for c in candidates if birthday_in(c.birthday, target.year) == target]
    if not due:
        return 0
    return _greet(
        knobs,
        occasion=f"birthday-{target.year}",
        customers=Customer.objects.filter(pk__in=due),
        kind=OutreachKind.BIRTHDAY,
        title=knobs.birthday_title or _("Happy birthday from %(shop)s!") % {"shop": knobs.merchant},
        body=knobs.birthday_body,
        audience=_("Birthdays on %(date)s") % {"date": f"{target:%m-%d}"},
        campaign=knobs.birthday_campaign,
    )


def _holiday_greetings(knobs, key: str, today: dt.date) -> int:
    from .holidays import BY_KEY
    from .models import OutreachKind

    holiday = BY_KEY.get(key)
    if holiday is None or holiday.date_in(today.year) != today:
        return 0
    return _greet(
        knobs,
        occasion=f"{key}-{today.year}",
        customers=Customer.objects.filter(merchant=knobs.merchant),
        kind=OutreachKind.HOLIDAY,
        title=f"{holiday.name} · {knobs.merchant}",
        body=str(holiday.greeting),
        audience=str(holiday.name),
        campaign=knobs.holiday_campaign,
    )


# ---- the service desk -------------------------------------------------------------------------

# Seed 004's stages with their default limits in business hours (the merchant may change them).
STAGE_HOURS = {
    "receive": 1,
    "verify": 4,
    "register": 1,
    "transfer": 2,
    "coordinate": 8,
    "handle": 24,
    "feedback": 4,
}
PUBLIC_ANSWER = dt.timedelta(hours=24)  # seed 003: a public complaint is answered within a day


def add_business_hours(start: dt.datetime, hours: float, opens: dt.time, closes: dt.time):
    """`start` plus `hours` counted only while the desk is open (every day, opens–closes)."""
    local = timezone.localtime(start)
    left = dt.timedelta(hours=hours)
    zone = local.tzinfo
    for _day in range(3660):
        opening = dt.datetime.combine(local.date(), opens, tzinfo=zone)
        closing = dt.datetime.combine(local.date(), closes, tzinfo=zone)
        if local < opening:
            local = opening
        if local >= closing:
            local = dt.datetime.combine(local.date() + dt.timedelta(days=1), opens, tzinfo=zone)
            continue
        if local + left <= closing:
            return local + left
        left -= closing - local
        local = dt.datetime.combine(local.date() + dt.timedelta(days=1), opens, tzinfo=zone)
    raise ValueError("the desk never opens")


def _stage_due(ticket, start: dt.datetime) -> dt.datetime:
    knobs = settings_of(ticket.merchant)
    hours = {**STAGE_HOURS, **(knobs.stage_hours or {})}.get(ticket.stage, 8)
    due = add_business_hours(start, hours, knobs.desk_opens, knobs.desk_closes)
    if ticket.channel == "public":
        due = min(due, ticket.opened_at + PUBLIC_ANSWER)
    return due


def _staff_of(merchant, roles) -> list:
    return [
        member.user
        for member in Membership.objects.filter(
            merchant=merchant, role__in=roles, is_active=True
        ).select_related("user")
    ]


# Who is above whom: an escalation that finds nobody in its role goes to the next role up.
ROLES_UPWARD = ["manager", "owner"]


def _first_staff_of(merchant, roles) -> list:
    """The staff in `roles`, or — when a small shop has none of them — in the next role up that
    someone holds (a shop without a manager: the owner). Nobody is left untold."""
    found = _staff_of(merchant, roles)
    start = min(ROLES_UPWARD.index(role) for role in roles if role in ROLES_UPWARD)
    for role in ROLES_UPWARD[start + 1 :]:
        if found:
            break
        found = _staff_of(merchant, [role])
    return found


def _tell(users, *, title: str, link: str, key: str) -> None:
    from regulars.notifications import services as notifications

    for user in {user.pk: user for user in users if user}.values():
        notifications.notify(user=user, title=title, link=link, dedupe_key=f"{key}:{user.pk}")


def open_ticket(
    *,
    merchant,
    channel: str,
    category: str,
    subject: str,
    description: str,
    consumer=None,
    actor: StaffContext | None = None,
    customer_id: int | None = None,
    order_id: int | None = None,
    store_id: int | None = None,
    now: dt.datetime | None = None,
):
    """A complaint from a consumer (store page, order) or taken by staff. Staff who take it
    own it; one a consumer raised is owned by whoever takes it first."""
    from regulars.core import codes
    from regulars.merchants.models import Store
    from regulars.orders.models import Order

    from .models import Ticket, TicketCategory, TicketChannel, TicketEvent

    if actor is not None:
        actor.require(Action.VIEW_CUSTOMERS)
        merchant = actor.merchant
    now = now or clock.now()
    if channel not in TicketChannel.values:
        raise DomainError(_("Choose how the complaint came in."), field="channel")
    if category not in TicketCategory.values:
        raise DomainError(_("Choose a category."), field="category")
    subject, description = (subject or "").strip(), (description or "").strip()
    if not subject or len(subject) > 120:
        raise DomainError(_("Give it a subject of at most 120 characters."), field="subject")
    if not description or len(description) > 2000:
        raise DomainError(_("Say what happened (at most 2,000 characters)."), field="description")
    order = None
    if order_id:
        order = Order.objects.filter(pk=order_id, merchant=merchant)
        order = order.filter(consumer=consumer) if consumer is not None else order
        order = order.first()
        if order is None:
            raise DomainError(_("Choose one of the orders at this shop."), field="order_id")
        store_id = order.store_id
    if store_id and not Store.objects.filter(pk=store_id, merchant=merchant).exists():
        raise DomainError(_("Choose one of the shop's stores."), field="store_id")
    customer = None
    if consumer is not None:
        customer = customer_for(merchant_id=merchant.pk, consumer=consumer, source=Source.COMPLAINT)
    elif customer_id:
        customer = Customer.objects.filter(pk=customer_id, merchant=merchant).first()
        if customer is None:
            raise DomainError(_("Choose one of your customers."), field="customer_id")
    taker = actor.user if actor is not None else None
    for _attempt in range(5):
        number = codes.new_code(10)
        if not Ticket.objects.filter(number=number).exists():
            break
    ticket = Ticket(
        merchant=merchant,
        number=number,
        customer=customer,
        raised_by=consumer,
        order=order,
        store_id=store_id,
        channel=channel,
        category=category,
        subject=subject,
        description=description,
        owner=taker,
        handler=taker,
        opened_at=now,
    )
    ticket.stage_due_at = _stage_due(ticket, now)
    ticket.save()
    TicketEvent.objects.create(ticket=ticket, at=now, by=taker, stage=ticket.stage, kind="open")
    _tell(
        _staff_of(merchant, ["owner", "manager"]) if taker is None else [],
        title=_("New complaint %(number)s: %(subject)s")
        % {"number": ticket.number, "subject": subject},
        link=f"/console/tickets/{ticket.pk}/",
        key=f"ticket-open:{ticket.pk}",
    )
    return ticket


def _ticket(actor: StaffContext, ticket_id: int, *, lock: bool = False):
    from .models import Ticket

    found = Ticket.objects.filter(pk=ticket_id, merchant=actor.merchant)
    found = (found.select_for_update() if lock else found).first()
    if found is None:
        raise NotFound()
    return found


def take_ticket(*, actor: StaffContext, ticket_id: int):
    """The first to take a complaint owns it until it is closed (首问负责)."""
    from .models import TicketEvent, TicketStage

    actor.require(Action.VIEW_CUSTOMERS)
    with transaction.atomic():
        ticket = _ticket(actor, ticket_id, lock=True)
        if ticket.stage == TicketStage.CLOSED:
            raise DomainError(_("This complaint is closed."), code="wrong_state")
        if ticket.owner_id:
            raise DomainError(
                _("%(name)s already owns this complaint.") % {"name": ticket.owner},
                code="wrong_state",
            )
        ticket.owner = ticket.handler = actor.user
        ticket.save(update_fields=["owner", "handler"])
        TicketEvent.objects.create(ticket=ticket, by=actor.user, stage=ticket.stage, kind="take")
    return ticket


def _call_result(satisfaction: int | None, no_score_reason: str) -> tuple[int | None, str]:
    """Seed 004: a complaint's file ends with how satisfied the customer was after the follow-up
    call — a score from 1 to 5, or the reason none could be had (never neither)."""
    if satisfaction is not None and not 1 <= satisfaction <= 5:
        raise DomainError(_("A rating from 1 to 5."), field="satisfaction")
    no_score_reason = (no_score_reason or "").strip()[:200]
    if satisfaction is None and not no_score_reason:
        raise DomainError(
            _("Record the customer's satisfaction, or why none could be had."),
            field="satisfaction",
            code="satisfaction_required",
        )
    return satisfaction, "" if satisfaction is not None else no_score_reason


def _record_follow_up_call(actor, ticket, *, satisfaction, no_score_reason, note, now) -> None:
    """The follow-up call's result lands on the complaint; a complaint waiting for it (answered,
    stage "feedback") closes with it. Nothing else closes a complaint."""
    from .models import Task, TaskStatus, TicketEvent, TicketStage

    if ticket.stage == TicketStage.FEEDBACK:
        if actor.user.pk != ticket.owner_id:
            actor.require(Action.ASSIGN_CUSTOMERS)
        TicketEvent.objects.create(
            ticket=ticket,
            at=now,
            by=actor.user,
            stage=ticket.stage,
            kind="stage",
            note=note[:2000],
            on_time=now <= ticket.stage_due_at,
        )
        ticket.stage, ticket.closed_at = TicketStage.CLOSED, now
    elif ticket.stage != TicketStage.CLOSED or ticket.satisfaction or ticket.no_score_reason:
        raise DomainError(_("This complaint is not waiting for its follow-up call."))
    ticket.satisfaction, ticket.no_score_reason = satisfaction, no_score_reason
    ticket.save(update_fields=["stage", "closed_at", "satisfaction", "no_score_reason"])
    result = (
        _("Satisfaction %(score)s/5") % {"score": satisfaction}
        if satisfaction is not None
        else f"{_('No satisfaction score')}: {no_score_reason}"
    )
    TicketEvent.objects.create(
        ticket=ticket,
        at=now,
        by=actor.user,
        stage=TicketStage.CLOSED,
        kind="follow_up",
        note=f"{note} · {result}"[:2000] if note else result,
    )
    # A call recorded on the complaint itself also settles the call task planned for it.
    Task.objects.filter(ticket=ticket, status=TaskStatus.OPEN).update(
        status=TaskStatus.DONE,
        outcome=note[:2000] or result,
        satisfaction=satisfaction,
        done_at=now,
    )


def advance_ticket(
    *,
    actor: StaffContext,
    ticket_id: int,
    note: str = "",
    handler_id: int | None = None,
    resolution: str = "",
    satisfaction: int | None = None,
    no_score_reason: str = "",
    now: dt.datetime | None = None,
):
    """Move the complaint to its next stage, noting what was done. Moving to "transferred"
    may hand it to a colleague. Answering the customer (into "feedback") takes the answer and
    plans the follow-up call; closing takes the call's result — the customer's satisfaction or
    why none could be had. Both are the owner's (or a manager's) to do."""
    from .models import Task, TaskKind, TicketEvent, TicketStage

    actor.require(Action.VIEW_CUSTOMERS)
    now = now or clock.now()
    order = list(TicketStage.values)
    with transaction.atomic():
        ticket = _ticket(actor, ticket_id, lock=True)
        if ticket.stage == TicketStage.CLOSED:
            raise DomainError(_("This complaint is closed."), code="wrong_state")
        if not ticket.owner_id:
            raise DomainError(_("Take the complaint first."), code="wrong_state")
        if actor.user.pk not in (ticket.owner_id, ticket.handler_id):
            actor.require(Action.ASSIGN_CUSTOMERS)
        following = order[order.index(ticket.stage) + 1]
        if following in (TicketStage.FEEDBACK, TicketStage.CLOSED):
            if actor.user.pk != ticket.owner_id:
                actor.require(Action.ASSIGN_CUSTOMERS)
            resolution = (resolution or "").strip()
            if following == TicketStage.FEEDBACK or (resolution or not ticket.resolution):
                if not resolution:
                    raise DomainError(_("Write the answer the customer gets."), field="resolution")
                ticket.resolution = resolution[:2000]
        if following == TicketStage.CLOSED:
            satisfaction, no_score_reason = _call_result(satisfaction, no_score_reason)
            ticket.save(update_fields=["resolution"])
            _record_follow_up_call(
                actor,
                ticket,
                satisfaction=satisfaction,
                no_score_reason=no_score_reason,
                note=(note or "").strip(),
                now=now,
            )
            return ticket
        if handler_id:
            if handler_id not in _active_staff_ids(actor.merchant):
                raise DomainError(_("Choose an active member of your staff."), field="handler_id")
            ticket.handler_id = handler_id
        TicketEvent.objects.create(
            ticket=ticket,
            at=now,
            by=actor.user,
            stage=ticket.stage,
            kind="stage",
            note=(note or "").strip()[:2000],
            on_time=now <= ticket.stage_due_at,
        )
        ticket.stage = following
        ticket.stage_due_at = _stage_due(ticket, now)
        ticket.save()
        if following == TicketStage.FEEDBACK:
            if ticket.customer_id:
                Task.objects.create(
                    merchant=actor.merchant,
                    customer_id=ticket.customer_id,
                    assignee_id=ticket.owner_id,
                    kind=TaskKind.FOLLOW_UP,
                    title=_("Follow-up call on complaint %(number)s: is the customer satisfied?")
                    % {"number": ticket.number},
                    due_at=ticket.stage_due_at,
                    created_by=actor.user,
                    ticket=ticket,
                )
            if ticket.raised_by_id:
                _tell(
                    [ticket.raised_by],
                    title=_("Your complaint %(number)s: %(answer)s")
                    % {"number": ticket.number, "answer": ticket.resolution[:80]},
                    link=f"/me/complaints/{ticket.pk}/",
                    key=f"ticket-closed:{ticket.pk}",
                )
    return ticket


def escalate_overdue_tickets(*, now: dt.datetime | None = None) -> int:
    """Periodic: a complaint past its stage's limit goes one level up (agent → supervisor →
    manager → owner), who is told; the stage gets a fresh limit from now."""
    from .models import ESCALATION_LEVELS, Ticket, TicketEvent, TicketStage

    now = now or clock.now()
    recipients = {1: ["manager"], 2: ["manager", "owner"], 3: ["owner"]}
    moved = 0
    for ticket in Ticket.objects.filter(stage_due_at__lt=now).exclude(stage=TicketStage.CLOSED)[
        :1000
    ]:
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().get(pk=ticket.pk)
            if ticket.stage == TicketStage.CLOSED or ticket.stage_due_at >= now:
                continue
            level = min(ticket.escalation + 1, len(ESCALATION_LEVELS) - 1)
            ticket.escalation = level
            ticket.stage_due_at = _stage_due(ticket, now)
            ticket.save(update_fields=["escalation", "stage_due_at"])
            TicketEvent.objects.create(
                ticket=ticket,
                at=now,
                stage=ticket.stage,
                kind="escalate",
                note=str(ESCALATION_LEVELS[level]),
            )
            _tell(
                _first_staff_of(ticket.merchant, recipients[level]),
                title=_("Overdue complaint %(number)s (%(stage)s): escalated to you")
                % {"number": ticket.number, "stage": ticket.get_stage_display()},
                link=f"/console/tickets/{ticket.pk}/",
                key=f"ticket-escalated:{ticket.pk}:{level}:{now:%Y%m%d%H%M}",
            )
            moved += 1
    return moved


# ---- the knowledge base -----------------------------------------------------------------------


def save_article(
    *,
    actor: StaffContext,
    kind: str,
    title: str,
    body: str,
    topic: str = "",
    article_id: int | None = None,
):
    """Add or change a call script, a service standard or an answer."""
    from .models import Article, ArticleKind, TaskKind, TicketCategory

    actor.require(Action.EDIT_CUSTOMERS)
    if kind not in ArticleKind.values:
        raise DomainError(_("Choose what kind of text this is."), field="kind")
    title, body = (title or "").strip(), (body or "").strip()
    if not title or len(title) > 120:
        raise DomainError(_("Give it a title of at most 120 characters."), field="title")
    if not body or len(body) > 5000:
        raise DomainError(_("Write the text (at most 5,000 characters)."), field="body")
    if topic and topic not in {*TicketCategory.values, *TaskKind.values}:
        raise DomainError(_("Choose what it helps with."), field="topic")
    if article_id:
        found = Article.objects.filter(pk=article_id, merchant=actor.merchant).first()
        if found is None:
            raise NotFound()
    else:
        found = Article(merchant=actor.merchant)
    found.kind, found.title, found.body, found.topic = kind, title, body, topic
    found.updated_by = actor.user
    found.save()
    return found


def delete_article(*, actor: StaffContext, article_id: int) -> None:
    from .models import Article

    actor.require(Action.EDIT_CUSTOMERS)
    if not Article.objects.filter(pk=article_id, merchant=actor.merchant).delete()[0]:
        raise NotFound()


# ---- commitments ------------------------------------------------------------------------------

COMMITMENT_NOTICE_DAYS = 2  # the one who promised is reminded two days before it falls due


def promise(
    *,
    actor: StaffContext,
    customer_id: int,
    what: str,
    due_on: dt.date,
    promised_by_id: int | None = None,
):
    """Record a commitment made to a customer."""
    from .models import Commitment

    actor.require(Action.EDIT_CUSTOMERS)
    customer = _customer(actor, customer_id)
    what = (what or "").strip()
    if not what or len(what) > 200:
        raise DomainError(_("Say what was promised (at most 200 characters)."), field="what")
    if due_on < clock.today():
        raise DomainError(_("The date has passed."), field="due_on")
    promised_by_id = promised_by_id or actor.user.pk
    if promised_by_id not in _active_staff_ids(actor.merchant):
        raise DomainError(_("Choose an active member of your staff."), field="promised_by_id")
    return Commitment.objects.create(
        merchant=actor.merchant,
        customer=customer,
        promise=what,
        promised_by_id=promised_by_id,
        due_on=due_on,
    )


def settle_commitment(*, actor: StaffContext, commitment_id: int, kept: bool, outcome: str = ""):
    """Kept, or not kept and why (the why is required: it is what the shop learns from)."""
    from .models import Commitment, CommitmentStatus

    actor.require(Action.EDIT_CUSTOMERS)
    with transaction.atomic():
        found = (
            Commitment.objects.select_for_update()
            .filter(pk=commitment_id, merchant=actor.merchant)
            .first()
        )
        if found is None:
            raise NotFound()
        if found.status != CommitmentStatus.OPEN:
            raise DomainError(_("This commitment is already settled."), code="wrong_state")
        outcome = (outcome or "").strip()
        if not kept and not outcome:
            raise DomainError(_("Say why it was not kept."), field="outcome")
        found.status = CommitmentStatus.KEPT if kept else CommitmentStatus.BROKEN
        found.outcome, found.settled_at = outcome[:300], clock.now()
        found.save(update_fields=["status", "outcome", "settled_at"])
    return found


def remind_commitments(*, today: dt.date | None = None) -> int:
    """Periodic: whoever promised is told, once, two days before the commitment falls due."""
    from .models import Commitment, CommitmentStatus

    today = today or clock.today()
    due = Commitment.objects.filter(
        status=CommitmentStatus.OPEN,
        reminded_at__isnull=True,
        due_on__lte=today + dt.timedelta(days=COMMITMENT_NOTICE_DAYS),
    ).select_related("customer", "promised_by")
    sent = 0
    for found in due[:1000]:
        _tell(
            [found.promised_by],
            title=_("Promised to %(customer)s by %(date)s: %(what)s")
            % {"customer": found.customer, "date": f"{found.due_on:%m-%d}", "what": found.promise},
            link=f"/console/customers/{found.customer_id}/",
            key=f"commitment:{found.pk}",
        )
        Commitment.objects.filter(pk=found.pk).update(reminded_at=clock.now())
        sent += 1
    return sent


# ---- satisfaction surveys ---------------------------------------------------------------------

SURVEY_GAP = dt.timedelta(days=7)  # at most one survey a week per customer and shop


def invite_to_survey(*, merchant_id: int, consumer, order=None, now: dt.datetime | None = None):
    """After a visit: ask the customer, in their inbox, how it was (unless asked this week)."""
    from django.urls import reverse

    from .models import Survey

    now = now or clock.now()
    if Survey.objects.filter(
        merchant_id=merchant_id, consumer=consumer, sent_at__gt=now - SURVEY_GAP
    ).exists():
        return None
    customer = customer_for(merchant_id=merchant_id, consumer=consumer, source=Source.ORDER)
    survey = Survey.objects.create(
        merchant_id=merchant_id, customer=customer, consumer=consumer, order=order, sent_at=now
    )
    _tell(
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
    from regulars.orders.models import OrderLine

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
    from .models import Survey

    with transaction.atomic():
        survey = Survey.objects.select_for_update().filter(pk=survey_id, consumer=consumer).first()
        if survey is None:
            raise NotFound()
        if survey.answered_at:
            raise DomainError(_("You have answered this survey already. Thank you!"))
        if not 0 <= recommend <= 10:
            raise DomainError(_("Choose from 0 to 10."), field="recommend")
        if not 1 <= satisfied <= 5:
            raise DomainError(_("Choose from 1 to 5."), field="satisfied")
        items = set(survey_items(survey))
        item_scores = {name: score for name, score in (item_scores or {}).items() if score}
        if set(item_scores) - items or any(not 1 <= v <= 5 for v in item_scores.values()):
            raise DomainError(_("Score each service from 1 to 5."), field="item_scores")
        survey.item_scores = item_scores
        survey.recommend, survey.satisfied = recommend, satisfied
        survey.comment, survey.answered_at = (comment or "").strip()[:500], clock.now()
        survey.save(
            update_fields=["recommend", "satisfied", "comment", "answered_at", "item_scores"]
        )
    return survey


# ---- customer events --------------------------------------------------------------------------


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
    from django.urls import reverse

    from .models import CustomerEvent, Invitation, Segment
    from .selectors import segment_members

    actor.require(Action.EDIT_CUSTOMERS)
    theme, place = (theme or "").strip(), (place or "").strip()
    if not theme or len(theme) > 120:
        raise DomainError(_("Give the event a theme of at most 120 characters."), field="theme")
    if not place or len(place) > 200:
        raise DomainError(_("Say where it takes place."), field="place")
    if starts_at <= clock.now():
        raise DomainError(_("Choose a time that has not passed."), field="starts_at")
    segment = Segment.objects.filter(pk=segment_id, merchant=actor.merchant).first()
    if segment is None:
        raise DomainError(_("Choose one of your segments."), field="segment_id")
    excluded = _offer_exclusions(actor.merchant.pk)
    invitees = [
        customer
        for customer in segment_members(segment)
        if customer.consumer_id and customer.consumer_id not in excluded
    ]
    if not invitees:
        raise DomainError(
            _("Nobody in this segment can be invited in the app."), field="segment_id"
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
        _tell(
            [customer.consumer],
            title=_("You are invited: %(theme)s, %(when)s at %(place)s")
            % {"theme": theme, "when": when, "place": place},
            link=reverse("care:invitation", args=[invitation.pk]),
            key=f"invitation:{invitation.pk}",
        )
    return event


def answer_invitation(*, consumer, invitation_id: int, coming: bool):
    from .models import Invitation, Rsvp

    found = (
        Invitation.objects.filter(pk=invitation_id, customer__consumer=consumer)
        .select_related("event")
        .first()
    )
    if found is None:
        raise NotFound()
    if found.event.starts_at <= clock.now():
        raise DomainError(_("This event has already taken place."), code="wrong_state")
    found.rsvp = Rsvp.YES if coming else Rsvp.NO
    found.responded_at = clock.now()
    found.save(update_fields=["rsvp", "responded_at"])
    return found


def record_attendance(*, actor: StaffContext, invitation_id: int, attended: bool, gift_given: bool):
    from .models import Invitation

    actor.require(Action.EDIT_CUSTOMERS)
    found = Invitation.objects.filter(pk=invitation_id, event__merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    if gift_given and not attended:
        raise DomainError(_("Only those who came get the gift."), field="gift_given")
    found.attended, found.gift_given = attended, gift_given
    found.save(update_fields=["attended", "gift_given"])
    return found


# ---- corrective actions from the monthly complaint analysis -----------------------------------


def plan_corrective_action(
    *,
    actor: StaffContext,
    month: dt.date,
    category: str,
    action: str,
    owner_id: int,
    due_on: dt.date,
):
    from .models import CorrectiveAction, TicketCategory

    actor.require(Action.ASSIGN_CUSTOMERS)
    if category not in TicketCategory.values:
        raise DomainError(_("Choose a category."), field="category")
    action = (action or "").strip()
    if not action or len(action) > 300:
        raise DomainError(_("Say what will change (at most 300 characters)."), field="action")
    if owner_id not in _active_staff_ids(actor.merchant):
        raise DomainError(_("Choose an active member of your staff."), field="owner_id")
    if due_on < clock.today():
        raise DomainError(_("The date has passed."), field="due_on")
    return CorrectiveAction.objects.create(
        merchant=actor.merchant,
        month=month.replace(day=1),
        category=category,
        action=action,
        owner_id=owner_id,
        due_on=due_on,
    )


def finish_corrective_action(*, actor: StaffContext, action_id: int, result: str):
    from .models import CorrectiveAction

    actor.require(Action.VIEW_CUSTOMERS)
    found = CorrectiveAction.objects.filter(pk=action_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    if found.owner_id != actor.user.pk:
        actor.require(Action.ASSIGN_CUSTOMERS)
    if found.done_at:
        raise DomainError(_("This action is already done."), code="wrong_state")
    result = (result or "").strip()
    if not result:
        raise DomainError(_("Say what changed."), field="result")
    found.result, found.done_at = result[:300], clock.now()
    found.save(update_fields=["result", "done_at"])
    return found


# ---- the relationship evaluation and maintenance plans (seed 001's maintenance cycle) ---------

DEFAULT_INDICATORS = (  # used until the merchant sets its own
    ("贡献度 Contribution", 30),
    ("忠诚度 Loyalty", 25),
    ("满意度 Satisfaction", 20),
    ("发展潜力 Potential", 15),
    ("影响力 Influence", 10),
)
GRADES = ((85, "A"), (70, "B"), (50, "C"), (0, "D"))
SUGGESTED = {"A": "maintain", "B": "maintain", "C": "improve", "D": "end"}


def indicators_of(merchant) -> list[tuple[str, int]]:
    from .models import Indicator

    found = [(i.name, i.weight) for i in Indicator.objects.filter(merchant=merchant)]
    return found or list(DEFAULT_INDICATORS)


def save_indicators(*, actor: StaffContext, rows: list[tuple[str, int]]):
    from .models import Indicator

    actor.require(Action.CONFIGURE_CUSTOMERS)
    rows = [((name or "").strip()[:40], weight) for name, weight in rows if (name or "").strip()]
    if not rows or len(rows) > 10:
        raise DomainError(_("Between one and ten indicators."), field="indicators")
    if len({name for name, _w in rows}) != len(rows):
        raise DomainError(_("Each indicator needs its own name."), field="indicators")
    if any(weight is None or not 1 <= weight <= 100 for _n, weight in rows):
        raise DomainError(_("Each weight is from 1 to 100."), field="indicators")
    with transaction.atomic():
        Indicator.objects.filter(merchant=actor.merchant).delete()
        Indicator.objects.bulk_create(
            Indicator(merchant=actor.merchant, name=name, weight=weight) for name, weight in rows
        )
    return indicators_of(actor.merchant)


def evaluate_relationship(
    *,
    actor: StaffContext,
    customer_id: int,
    scores: dict[str, int],
    decision: str = "",
    note: str = "",
):
    """Score each indicator 1–5: the weighted total (0–100) gives the grade (A ≥ 85, B ≥ 70,
    C ≥ 50, else D) and a suggested decision (maintain / improve / end) staff may change.
    The grade is kept on the customer's archive."""
    from .models import Decision, Evaluation

    actor.require(Action.EDIT_CUSTOMERS)
    customer = _customer(actor, customer_id)
    weights = dict(indicators_of(actor.merchant))
    if set(scores) != set(weights):
        raise DomainError(_("Score every indicator."), field="scores")
    if any(not isinstance(v, int) or not 1 <= v <= 5 for v in scores.values()):
        raise DomainError(_("Each score is from 1 to 5."), field="scores")
    total = round(
        100 * sum(weights[name] * scores[name] for name in weights) / (5 * sum(weights.values()))
    )
    grade = next(letter for floor, letter in GRADES if total >= floor)
    decision = decision or SUGGESTED[grade]
    if decision not in Decision.values:
        raise DomainError(_("Choose improve, maintain or end."), field="decision")
    with transaction.atomic():
        made = Evaluation.objects.create(
            merchant=actor.merchant,
            customer=customer,
            scores=scores,
            weights=weights,
            total=total,
            grade=grade,
            decision=decision,
            note=(note or "").strip()[:300],
            by=actor.user,
        )
        Customer.objects.filter(pk=customer.pk).update(relationship_grade=grade)
    return made


def propose_plan(
    *,
    actor: StaffContext,
    methods: str,
    measures: str,
    owner_id: int,
    cost: Decimal,
    customer_id: int | None = None,
    segment_id: int | None = None,
):
    """A maintenance plan for one customer or a whole segment, waiting for a manager."""
    from .models import MaintenancePlan, Segment

    actor.require(Action.EDIT_CUSTOMERS)
    customer = segment = None
    if customer_id:
        customer = _customer(actor, customer_id)
    elif segment_id:
        segment = Segment.objects.filter(pk=segment_id, merchant=actor.merchant).first()
        if segment is None:
            raise DomainError(_("Choose one of your segments."), field="segment_id")
    else:
        raise DomainError(_("Choose a customer or a segment."), field="segment_id")
    methods, measures = (methods or "").strip(), (measures or "").strip()
    if not methods or len(methods) > 300:
        raise DomainError(_("Say how (at most 300 characters)."), field="methods")
    if not measures:
        raise DomainError(_("Describe the measures."), field="measures")
    if owner_id not in _active_staff_ids(actor.merchant):
        raise DomainError(_("Choose an active member of your staff."), field="owner_id")
    if cost is None or cost < 0 or cost > Decimal("9999999"):
        raise DomainError(_("A budget of 0 or more."), field="cost")
    return MaintenancePlan.objects.create(
        merchant=actor.merchant,
        customer=customer,
        segment=segment,
        methods=methods,
        measures=measures[:2000],
        owner_id=owner_id,
        cost=cost,
        proposed_by=actor.user,
    )


PLAN_TASKS_MAX = 500  # a segment plan gives its owner at most this many tasks at once


def _plan(actor: StaffContext, plan_id: int, status: str):
    from .models import MaintenancePlan

    found = (
        MaintenancePlan.objects.select_for_update()
        .filter(pk=plan_id, merchant=actor.merchant)
        .first()
    )
    if found is None:
        raise NotFound()
    if found.status != status:
        raise DomainError(_("The plan is not at that step."), code="wrong_state")
    return found


@transaction.atomic
def decide_plan(*, actor: StaffContext, plan_id: int, approve: bool):
    """A manager approves the plan (or not); approved, it is carried out by its owner."""
    from .models import PlanStatus, Task, TaskKind

    actor.require(Action.ASSIGN_CUSTOMERS)
    plan = _plan(actor, plan_id, PlanStatus.PROPOSED)
    plan.status = PlanStatus.APPROVED if approve else PlanStatus.REJECTED
    plan.decided_by, plan.decided_at = actor.user, clock.now()
    plan.save(update_fields=["status", "decided_by", "decided_at"])
    if approve:  # one task per customer the plan covers (a segment: its members now)
        from .selectors import segment_members

        covered = (
            [plan.customer]
            if plan.customer_id
            else list(segment_members(plan.segment)[:PLAN_TASKS_MAX])
            if plan.segment_id
            else []
        )
        Task.objects.bulk_create(
            Task(
                merchant=actor.merchant,
                customer=customer,
                assignee=plan.owner,
                kind=TaskKind.VISIT,
                title=_("Carry out the plan for %(customer)s: %(methods)s")
                % {"customer": customer, "methods": plan.methods},
                due_at=clock.now() + dt.timedelta(days=7),
                created_by=actor.user,
            )
            for customer in covered
        )
    return plan


@transaction.atomic
def close_plan(*, actor: StaffContext, plan_id: int, summary: str):
    """The summary closes the cycle; the next evaluation starts from it."""
    from .models import PlanStatus

    actor.require(Action.EDIT_CUSTOMERS)
    plan = _plan(actor, plan_id, PlanStatus.APPROVED)
    summary = (summary or "").strip()
    if not summary:
        raise DomainError(_("Write the summary."), field="summary")
    plan.status, plan.summary, plan.closed_at = PlanStatus.CLOSED, summary[:2000], clock.now()
    plan.save(update_fields=["status", "summary", "closed_at"])
    return plan


def save_desk_settings(
    *, actor: StaffContext, opens: dt.time, closes: dt.time, stage_hours: dict[str, float]
):
    """The service desk's hours (in which stage limits run) and each stage's limit in hours."""
    actor.require(Action.CONFIGURE_CUSTOMERS)
    if opens >= closes:
        raise DomainError(_("The desk closes after it opens."), field="closes")
    unknown = set(stage_hours) - set(STAGE_HOURS)
    if unknown:
        raise DomainError(_("Unknown stage."), field="stage_hours")
    if any(not 0 < float(hours) <= 720 for hours in stage_hours.values()):
        raise DomainError(
            _("Each limit is more than 0 and at most 720 hours."), field="stage_hours"
        )
    found = settings_of(actor.merchant)
    found.desk_opens, found.desk_closes = opens, closes
    found.stage_hours = {stage: float(hours) for stage, hours in stage_hours.items()}
    found.save()
    return found
