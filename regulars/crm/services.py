"""Writes for the customer directory.

Rows appear by themselves (`receivers.py`): an order used, a purchase recorded on a member card,
a card, a coupon or a review makes the person a customer of that merchant, and visits and spend
follow. `rebuild_directory` recomputes everything from the facts (orders, card purchases, cards,
coupons, reviews) — for merchants who were selling before the directory existed, and as the
repair tool should the running figures ever drift.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, Min, Sum, Value
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from regulars.core.errors import DomainError, NotFound
from regulars.merchants.models import Membership
from regulars.merchants.permissions import Action, StaffContext

from .models import Customer, Source, Tag

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
        updated_at=timezone.now(),
    )


def rebuild_directory(*, merchant_ids: list[int] | None = None) -> int:
    """Recompute every customer's figures from the facts. Returns how many customers exist."""
    from regulars.membership.models import Card, Purchase
    from regulars.orders.models import Order, OrderStatus
    from regulars.promotions.models import Coupon
    from regulars.reviews.models import Review

    def scoped(queryset):
        return queryset.filter(merchant_id__in=merchant_ids) if merchant_ids else queryset

    stats: dict[tuple[int, int], dict] = defaultdict(
        lambda: {"visits": 0, "spend": Decimal("0"), "first": None, "last": None, "source": None}
    )

    def add(key, source, visits=0, spend=None, first=None, last=None):
        row = stats[key]
        row["source"] = row["source"] or source
        row["visits"] += visits
        row["spend"] += spend or Decimal("0")
        if first and (row["first"] is None or first < row["first"]):
            row["first"] = first
        if last and (row["last"] is None or last > row["last"]):
            row["last"] = last

    used = [OrderStatus.CONSUMED, OrderStatus.COMPLETED]
    for row in (
        scoped(Order.objects.filter(status__in=used))
        .values("merchant_id", "consumer_id")
        .annotate(
            n=Count("id"),
            total=Sum("total"),
            off=Sum("discount"),
            first=Min("consumed_at"),
            last=Max("consumed_at"),
        )
    ):
        add(
            (row["merchant_id"], row["consumer_id"]),
            Source.ORDER,
            row["n"],
            row["total"] - row["off"],
            row["first"],
            row["last"],
        )
    for row in (
        scoped(
            Purchase.objects.filter(order__isnull=True, voids__isnull=True, voided_by__isnull=True)
        )
        .values("merchant_id", "card__consumer_id")
        .annotate(
            n=Count("id"), total=Sum("amount"), first=Min("created_at"), last=Max("created_at")
        )
    ):
        add(
            (row["merchant_id"], row["card__consumer_id"]),
            Source.CARD,
            row["n"],
            row["total"],
            row["first"],
            row["last"],
        )
    for model, source, field in (
        (Card, Source.CARD, "consumer_id"),
        (Coupon, Source.COUPON, "consumer_id"),
        (Review, Source.REVIEW, "author_id"),
    ):
        rows = scoped(model.objects.exclude(**{f"{field}__isnull": True}))
        for merchant_id, consumer_id in rows.values_list("merchant_id", field).distinct():
            add((merchant_id, consumer_id), source)

    from django.contrib.auth import get_user_model

    people = get_user_model().objects.in_bulk({consumer for _m, consumer in stats})
    existing = {
        (c.merchant_id, c.consumer_id): c
        for c in scoped(Customer.objects.filter(consumer__isnull=False))
    }
    to_create, to_update = [], []
    for (merchant_id, consumer_id), row in stats.items():
        person = people.get(consumer_id)
        if person is None:
            continue
        customer = existing.get((merchant_id, consumer_id)) or Customer(
            merchant_id=merchant_id,
            consumer=person,
            name=person.display_name or "",
            phone=person.phone or "",
            source=row["source"],
        )
        customer.visits, customer.spend = row["visits"], row["spend"]
        customer.first_seen_at, customer.last_seen_at = row["first"], row["last"]
        (to_update if customer.pk else to_create).append(customer)
    with transaction.atomic():
        Customer.objects.bulk_create(to_create, batch_size=2000, ignore_conflicts=True)
        Customer.objects.bulk_update(
            to_update, ["visits", "spend", "first_seen_at", "last_seen_at"], batch_size=2000
        )
    return scoped(Customer.objects.all()).count()


def _customer(actor: StaffContext, customer_id: int) -> Customer:
    found = Customer.objects.filter(pk=customer_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    return found


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
) -> Customer:
    """What staff know about a customer. Consent changes are stamped with time and purpose."""
    actor.require(Action.EDIT_CUSTOMERS)
    customer = _customer(actor, customer_id)
    names = sorted({tag.strip()[:20] for tag in tags if tag.strip()})
    if len(names) > MAX_TAGS:
        raise DomainError(_("At most 10 tags."), field="tags")
    if birthday and birthday > timezone.localdate():
        raise DomainError(_("A birthday cannot be in the future."), field="birthday")
    if (
        account_manager_id
        and not Membership.objects.filter(
            merchant=actor.merchant, user_id=account_manager_id
        ).exists()
    ):
        raise DomainError(_("Choose one of your staff."), field="account_manager_id")
    customer.name = (name or "").strip()[:60]
    customer.birthday = birthday
    customer.notes = notes or ""
    if consent != customer.consent:
        customer.consent = consent
        customer.consent_at = timezone.now()
        customer.consent_purpose = _("Offers and news from the shop") if consent else ""
    customer.account_manager_id = account_manager_id
    customer.save()
    customer.tags.set(
        [Tag.objects.get_or_create(merchant=actor.merchant, name=tag)[0] for tag in names]
    )
    return customer


# ---- importing a spreadsheet ------------------------------------------------------------------

IMPORT_CHUNK = 500


def start_import(*, actor: StaffContext, filename: str, content: bytes):
    """Keep the uploaded file, count its rows and guess which column is which."""
    from . import imports
    from .models import CustomerImport

    actor.require(Action.EDIT_CUSTOMERS)
    headers, rows = imports.read_table(filename, content)
    return CustomerImport.objects.create(
        merchant=actor.merchant,
        created_by=actor.user,
        filename=filename[:200],
        content=content,
        mapping=imports.guess_mapping(headers),
        total_rows=len(rows),
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
        status=ImportStatus.RUNNING
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
    errors, seen = [], {}
    cleaned = []
    for number, row in enumerate(rows, start=2):  # row 1 is the header
        data, problems = imports.clean_row(row, job.mapping)
        if data["phone"] and data["phone"] in seen and not problems:
            problems.append(
                ("phone", _("The same phone as row %(row)d.") % {"row": seen[data["phone"]]})
            )
        for field, message in problems:
            errors.append({"row": number, "field": field, "message": str(message)})
        if not problems:
            seen[data["phone"]] = number
            cleaned.append(data)
    created = updated = 0
    for start in range(0, len(cleaned), IMPORT_CHUNK):
        chunk = cleaned[start : start + IMPORT_CHUNK]
        with transaction.atomic():
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
                        consent_at=timezone.now() if data["consent"] else None,
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
                        customer.consent, customer.consent_at = True, timezone.now()
                    customer.save()
                    updated += 1
                if data["tags"]:
                    customer.tags.add(
                        *[
                            Tag.objects.get_or_create(merchant_id=job.merchant_id, name=name)[0]
                            for name in data["tags"]
                        ]
                    )
            CustomerImport.objects.filter(pk=job.pk).update(
                processed_rows=min(start + len(chunk) + len(errors), job.total_rows),
                created_count=created,
                updated_count=updated,
            )
    CustomerImport.objects.filter(pk=job.pk).update(
        status=ImportStatus.DONE,
        processed_rows=job.total_rows,
        created_count=created,
        updated_count=updated,
        errors=errors,
        finished_at=timezone.now(),
    )


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
        customer.save()
        customer.tags.set(
            [Tag.objects.get_or_create(merchant=actor.merchant, name=n)[0] for n in before["tags"]]
        )
        touched += 1
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


# ---- RFM scores and churn warnings ------------------------------------------------------------

LAPSE_GRACE_DAYS = 3  # seed 002: a customer 3 days past their usual cycle raises an exception


def score_customers(*, merchant_ids: list[int] | None = None, now: dt.datetime | None = None):
    """Nightly: RFM quintiles within each merchant, the named segment, each customer's usual
    interval between visits and whether their silence now exceeds it (docs/analytics.md).
    Three set-based statements for any number of customers."""
    from django.db import connection

    now = now or timezone.now()
    table = Customer._meta.db_table
    scope, scope_params = "", []
    if merchant_ids:
        scope = f"AND merchant_id IN ({', '.join(['%s'] * len(merchant_ids))})"
        scope_params = list(merchant_ids)
    if connection.vendor == "postgresql":
        span = "EXTRACT(EPOCH FROM (last_seen_at - first_seen_at)) / 86400.0"
        silence = "EXTRACT(EPOCH FROM (%s - last_seen_at)) / 86400.0"
    else:
        span = "julianday(last_seen_at) - julianday(first_seen_at)"
        silence = "julianday(%s) - julianday(last_seen_at)"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET rfm_r = 0, rfm_f = 0, rfm_m = 0, rfm_segment = '', "
            f"usual_interval_days = NULL, churn_risk = %s WHERE (visits = 0 OR last_seen_at IS NULL) "
            f"{scope}",
            [False, *scope_params],
        )
        cursor.execute(
            f"""
            UPDATE {table} SET rfm_r = scored.r, rfm_f = scored.f, rfm_m = scored.m
            FROM (
                SELECT id,
                    NTILE(5) OVER (PARTITION BY merchant_id ORDER BY last_seen_at, id) AS r,
                    NTILE(5) OVER (PARTITION BY merchant_id ORDER BY visits, id) AS f,
                    NTILE(5) OVER (PARTITION BY merchant_id ORDER BY spend, id) AS m
                FROM {table}
                WHERE visits > 0 AND last_seen_at IS NOT NULL {scope}
            ) AS scored
            WHERE {table}.id = scored.id
            """,
            scope_params,
        )
        cursor.execute(
            f"""
            UPDATE {table} SET
                rfm_segment = CASE
                    WHEN rfm_r >= 4 AND rfm_f >= 4 THEN 'champions'
                    WHEN rfm_r >= 4 AND visits = 1 THEN 'new'
                    WHEN rfm_r >= 4 THEN 'potential'
                    WHEN rfm_f >= 4 AND rfm_r = 3 THEN 'loyal'
                    WHEN rfm_r <= 2 AND rfm_f >= 3 THEN 'at_risk'
                    WHEN rfm_r <= 2 THEN 'hibernating'
                    ELSE 'attention'
                END,
                usual_interval_days = CASE
                    WHEN visits >= 2 THEN ({span}) / (visits - 1)
                END,
                churn_risk = CASE
                    WHEN visits >= 2 AND ({silence}) > ({span}) / (visits - 1) + %s THEN %s
                    ELSE %s
                END
            WHERE visits > 0 AND last_seen_at IS NOT NULL {scope}
            """,
            [now, LAPSE_GRACE_DAYS, True, False, *scope_params],
        )
