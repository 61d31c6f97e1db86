"""Writes for reviews: posting (verified or general), replies, reports, moderation, ratings."""

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.core.images import jpeg_bytes, read_image, webp_bytes
from regulars.core.throttle import RateLimited
from regulars.merchants.models import Store
from regulars.merchants.permissions import Action, StaffContext
from regulars.merchants.ratings import shrunk_rating
from regulars.orders.models import USED_STATUSES, Order
from regulars.reviews.errors import Problem

from .events import review_posted
from .locks import lock_author
from .models import Review, ReviewPhoto, ReviewReport

VERIFIED_WEIGHT = 3  # a review backed by a confirmed order counts three times
MAX_REVIEWS_PER_HOUR = 5
GENERAL_REVIEW_EVERY = dt.timedelta(days=30)
MAX_PHOTOS = 6
MAX_TEXT = 2000


def _score(value, field: str, required: bool) -> int | None:
    if value in (None, ""):
        if required:
            raise DomainError(_("Give 1 to 5 stars."), field=field, code=Problem.OUT_OF_RANGE)
        return None
    try:
        value = int(value)
    except (TypeError, ValueError):
        raise DomainError(_("Give 1 to 5 stars."), field=field, code=Problem.OUT_OF_RANGE) from None
    if not 1 <= value <= 5:
        raise DomainError(_("Give 1 to 5 stars."), field=field, code=Problem.OUT_OF_RANGE)
    return value


def rating_summary(reviews) -> tuple[float, int, float]:
    """(average, count, sort score) from (stars, verified) pairs: verified reviews weigh more,
    and the sort score is shrunk toward the city's mean (see merchants/ratings.py)."""
    total = weight = count = 0
    for stars, verified in reviews:
        w = VERIFIED_WEIGHT if verified else 1
        total += stars * w
        weight += w
        count += 1
    average = round(total / weight, 2) if weight else 0
    return average, count, shrunk_rating(average, weight)


def recompute_rating(store_id: int) -> None:
    average, count, score = rating_summary(
        Review.objects.filter(store_id=store_id, hidden=False).values_list("stars", "verified")
    )
    Store.objects.filter(pk=store_id).update(
        rating_avg=average, rating_count=count, rating_score=score
    )


@transaction.atomic
def post_review(
    *,
    author,
    store_id: int,
    stars,
    service=None,
    environment=None,
    value=None,
    text: str = "",
    order_id: int | None = None,
    photos=(),
    now: dt.datetime | None = None,
) -> Review:
    """Post a review: verified when it comes from the author's own used order (one per order)."""

    now = now or clock.now()
    store = Store.objects.filter(pk=store_id, is_active=True).first()
    if store is None:
        raise NotFound(_("No such store."))
    lock_author(author.pk)  # the limits below are checked and kept one post at a time
    recent = list(
        Review.objects.filter(author=author, created_at__gte=now - dt.timedelta(hours=1))
        .order_by("-created_at")
        .values_list("created_at", flat=True)[:MAX_REVIEWS_PER_HOUR]
    )
    if len(recent) >= MAX_REVIEWS_PER_HOUR:
        frees_at = recent[-1] + dt.timedelta(hours=1)
        raise RateLimited(
            (frees_at - now).total_seconds(),
            message=_("You have posted many reviews in the last hour."),
        )
    order = None
    if order_id:
        order = (
            Order.objects.select_for_update()
            .filter(pk=order_id, consumer=author, store=store)
            .first()
        )
        if order is None:
            raise DomainError(
                _("This order is not yours or not from this store."),
                field="order_id",
                code=Problem.UNKNOWN_CHOICE,
            )
        if order.status not in USED_STATUSES:
            raise DomainError(
                _("You can review an order once it has been used."),
                field="order_id",
                code=Problem.WRONG_STATE,
            )
        if Review.objects.filter(order=order).exists():
            raise DomainError(
                _("This order already has its review."),
                field="order_id",
                code=Problem.ALREADY_REVIEWED,
            )
    elif Review.objects.filter(
        author=author, store=store, order=None, created_at__gte=now - GENERAL_REVIEW_EVERY
    ).exists():
        raise DomainError(
            _("You reviewed this store recently. You can review it again after 30 days."),
            code=Problem.RATE_LIMITED,
        )
    text = (text or "").strip()
    if len(text) > MAX_TEXT:
        raise DomainError(
            _("At most %(n)d characters.") % {"n": MAX_TEXT}, field="text", code=Problem.TOO_LONG
        )
    photos = [p for p in photos if p]
    if len(photos) > MAX_PHOTOS:
        raise DomainError(
            _("At most %(n)d photos.") % {"n": MAX_PHOTOS},
            field="photos",
            code=Problem.OUT_OF_RANGE,
        )
    try:
        review = Review.objects.create(
            merchant_id=store.merchant_id,
            store=store,
            author=author,
            order=order,
            verified=order is not None,
            stars=_score(stars, "stars", True),
            service=_score(service, "service", False),
            environment=_score(environment, "environment", False),
            value=_score(value, "value", False),
            text=text,
        )
    except IntegrityError:
        raise DomainError(
            _("This order already has its review."), field="order_id", code=Problem.ALREADY_REVIEWED
        ) from None
    for upload in photos:
        image, _format = read_image(upload, settings.REGULARS_MAX_PHOTO_BYTES)
        photo = ReviewPhoto(review=review)
        name = f"{review.pk}-{clock.now():%H%M%S%f}"
        photo.image.save(f"{name}.jpg", ContentFile(jpeg_bytes(image, (2000, 2000))), save=False)
        photo.thumbnail.save(f"{name}.webp", ContentFile(webp_bytes(image, (480, 360))), save=False)
        photo.save()
    recompute_rating(store.pk)
    review_posted.send(sender=Review, review=review)
    return review


@transaction.atomic
def reply(*, actor: StaffContext, review_id: int, text: str) -> Review:
    actor.require(Action.REPLY_REVIEWS)
    review = Review.objects.filter(pk=review_id, merchant=actor.merchant).first()
    if review is None:
        raise NotFound()
    text = (text or "").strip()
    if not text:
        raise DomainError(_("Write your reply."), field="text", code=Problem.REQUIRED)
    review.reply = text[:MAX_TEXT]
    review.replied_at = clock.now()
    review.save(update_fields=["reply", "replied_at"])
    return review


@transaction.atomic
def report(*, reporter, review_id: int, reason: str) -> None:
    """Anyone signed in may report a review once; moderators see the count."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(
            _("Say what is wrong with this review."), field="reason", code=Problem.REQUIRED
        )
    review = Review.objects.filter(pk=review_id, hidden=False).first()
    if review is None:
        raise NotFound()
    try:
        with transaction.atomic():
            ReviewReport.objects.create(review=review, reporter=reporter, reason=reason[:200])
    except IntegrityError:
        raise DomainError(
            _("You already reported this review."), code=Problem.ALREADY_REPORTED
        ) from None
    Review.objects.filter(pk=review.pk).update(report_count=F("report_count") + 1)


@transaction.atomic
def set_hidden(*, operator, review_id: int, hidden: bool) -> Review:
    """Operators hide (or restore) a review; the store's rating follows."""
    if not (operator.is_staff or operator.is_superuser):
        raise DomainError(_("Only platform operators moderate reviews."), code=Problem.FORBIDDEN)
    review = Review.objects.filter(pk=review_id).first()
    if review is None:
        raise NotFound()
    review.hidden = hidden
    review.save(update_fields=["hidden"])
    recompute_rating(review.store_id)
    return review
