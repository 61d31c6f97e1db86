"""Writes for importing a spreadsheet."""

import datetime as dt

from django.db import models, transaction
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.customers.errors import Problem
from regulars.merchants.permissions import Action, StaffContext

from .. import imports
from .. import tasks as worker_tasks  # the worker entry points; they call back into this module
from ..models import Customer, CustomerImport, ImportChange, ImportStatus, Source, Tag

IMPORT_CHUNK = 500


def start_import(*, actor: StaffContext, filename: str, content: bytes):
    """Keep the uploaded file, count its rows and guess which column is which."""
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
    found = CustomerImport.objects.filter(pk=import_id, merchant=actor.merchant).first()
    if found is None:
        raise NotFound()
    return found


def set_mapping(*, actor: StaffContext, import_id: int, mapping: dict[str, int | None]):
    actor.require(Action.EDIT_CUSTOMERS)
    found = _own_import(actor, import_id)
    if found.status != ImportStatus.UPLOADED:
        raise DomainError(_("This import has already run."), code=Problem.WRONG_STATE)
    headers, _rows = imports.read_table(found.filename, bytes(found.content))
    cleaned = {}
    for field, index in mapping.items():
        if field not in imports.FIELDS:
            raise DomainError(_("Unknown field."), field=field, code=Problem.UNKNOWN_CHOICE)
        if index is None or index == "":
            continue
        if not 0 <= int(index) < len(headers):
            raise DomainError(
                _("Choose one of the file's columns."), field=field, code=Problem.UNKNOWN_CHOICE
            )
        cleaned[field] = int(index)
    if "phone" not in cleaned:
        raise DomainError(
            _("Choose the column with phone numbers."), field="phone", code=Problem.CHOICE_REQUIRED
        )
    found.mapping = cleaned
    found.save(update_fields=["mapping"])
    return found


def confirm_import(*, actor: StaffContext, import_id: int):
    """Start the import in the background; the page follows its progress."""
    actor.require(Action.EDIT_CUSTOMERS)
    found = _own_import(actor, import_id)
    if "phone" not in found.mapping:
        raise DomainError(
            _("Choose the column with phone numbers."), field="phone", code=Problem.CHOICE_REQUIRED
        )
    started = CustomerImport.objects.filter(pk=found.pk, status=ImportStatus.UPLOADED).update(
        status=ImportStatus.RUNNING, heartbeat_at=clock.now()
    )
    if not started:
        raise DomainError(_("This import has already run."), code=Problem.WRONG_STATE)
    transaction.on_commit(lambda: worker_tasks.run_import.delay(found.pk))
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
        transaction.on_commit(lambda import_id=import_id: worker_tasks.run_import.delay(import_id))
    return stalled


@transaction.atomic
def undo_import(*, actor: StaffContext, import_id: int) -> int:
    """Take a whole import back: customers it created go (unless they have bought since), and
    customers it changed get their earlier values again. Returns how many were touched."""
    actor.require(Action.EDIT_CUSTOMERS)
    found = _own_import(actor, import_id)
    undone = CustomerImport.objects.filter(pk=found.pk, status=ImportStatus.DONE).update(
        status=ImportStatus.UNDONE
    )
    if not undone:
        raise DomainError(_("Only a finished import can be undone."), code=Problem.WRONG_STATE)
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
