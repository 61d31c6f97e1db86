"""Writes for paper-coupon codes: generating up to 100,000 at a time for a code campaign.

A request is a `CodeBatch`. Up to one chunk (5,000 codes, a fraction of a second) is made in
the request itself; a bigger batch goes to the background (a Celery worker, or the embedded
worker's threads) and is made chunk by chunk, each chunk in its own transaction with the
batch's progress, so the page shows how far it got and a batch cut short by a dying process
carries on from its last chunk (`resume_stalled_batches`, every few minutes).
"""

import datetime as dt

from django.db import connection, transaction
from django.db.models import F, Sum
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError
from regulars.merchants.permissions import Action, StaffContext
from regulars.promotions.errors import Problem

from .. import tasks as worker_tasks  # the worker entry points; they call back into this module
from ..errors import Refusal, refuse
from ..locks import lock_campaign
from ..models import Campaign, ClaimMode, CodeBatch, CodeBatchStatus, Coupon, CouponStatus
from .campaigns import MAX_CODES_AT_ONCE, MAX_STOCK
from .coupons import _unique_codes

CODE_CHUNK = 5000
STALLED_AFTER = dt.timedelta(minutes=10)


@transaction.atomic
def generate_codes(*, actor: StaffContext, campaign_id: int, count: int) -> CodeBatch:
    """Single-use codes for paper coupons or to hand out: each one is a coupon waiting to be
    claimed (or redeemed straight at the till). The stock grows by the number generated. A
    batch of one chunk or less is made at once; a bigger one in the background."""
    actor.require(Action.MANAGE_CAMPAIGNS)
    campaign = lock_campaign(campaign_id, merchant_id=actor.merchant.pk)
    if campaign.claim_mode != ClaimMode.CODE:
        raise refuse(Refusal.WRONG_MODE, field="count")
    count = int(count or 0)
    if not 1 <= count <= MAX_CODES_AT_ONCE:
        raise DomainError(
            _("Generate from 1 to 100,000 codes at a time."),
            field="count",
            code=Problem.OUT_OF_RANGE,
        )
    still_coming = (
        CodeBatch.objects.filter(campaign=campaign, status=CodeBatchStatus.RUNNING).aggregate(
            n=Sum(F("requested") - F("made"))
        )["n"]
        or 0
    )
    if campaign.stock + still_coming + count > MAX_STOCK:
        raise DomainError(
            _("Enter a stock from 1 to 1,000,000."), field="count", code=Problem.OUT_OF_RANGE
        )
    batch = CodeBatch.objects.create(
        merchant=actor.merchant,
        campaign=campaign,
        requested=count,
        created_by=actor.user,
        heartbeat_at=clock.now(),
    )
    if count <= CODE_CHUNK:
        _make_chunk(campaign, batch)
    else:
        transaction.on_commit(lambda: worker_tasks.make_codes.delay(batch.pk))
    return batch


def make_codes(batch_id: int) -> None:
    """The background part: chunk after chunk until the batch is complete. Safe to run twice:
    each chunk re-reads the batch under the campaign's lock and stops if another runner or an
    earlier run already made it."""
    while True:
        with transaction.atomic():
            batch = CodeBatch.objects.filter(pk=batch_id).first()
            if batch is None:
                return
            campaign = lock_campaign(batch.campaign_id, merchant_id=batch.merchant_id)
            batch = CodeBatch.objects.select_for_update().get(pk=batch_id)
            if batch.status != CodeBatchStatus.RUNNING:
                return
            _make_chunk(campaign, batch)


def _make_chunk(campaign: Campaign, batch: CodeBatch) -> None:
    """One chunk of the batch, with its progress, in the caller's transaction."""
    how_many = min(CODE_CHUNK, batch.requested - batch.made)
    _insert_unclaimed(campaign, _unique_codes(how_many), batch.created_by_id)
    Campaign.objects.filter(pk=campaign.pk).update(
        stock=Greatest(F("stock"), Coupon.objects.filter(campaign=campaign).count()),
        updated_at=clock.now(),
    )
    batch.made += how_many
    batch.heartbeat_at = clock.now()
    if batch.made >= batch.requested:
        batch.status, batch.finished_at = CodeBatchStatus.DONE, clock.now()
    batch.save(update_fields=["made", "heartbeat_at", "status", "finished_at"])


def _insert_unclaimed(campaign: Campaign, new_codes: list[str], issued_by: int | None) -> None:
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


def resume_stalled_batches(*, now: dt.datetime | None = None) -> list[int]:
    """Periodic: batches still generating with no progress for ten minutes (their process died)
    start again from their last chunk."""
    now = now or clock.now()
    stalled = list(
        CodeBatch.objects.filter(
            status=CodeBatchStatus.RUNNING, heartbeat_at__lt=now - STALLED_AFTER
        ).values_list("pk", flat=True)
    )
    for batch_id in stalled:
        CodeBatch.objects.filter(pk=batch_id).update(heartbeat_at=now)
        transaction.on_commit(lambda batch_id=batch_id: worker_tasks.make_codes.delay(batch_id))
    return stalled
