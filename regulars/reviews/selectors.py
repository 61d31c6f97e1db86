from django.db.models import prefetch_related_objects

from regulars.core.errors import NotFound
from regulars.orders.models import USED_STATUSES, Order

from .models import Review

STORE_PAGE_REVIEWS = 10


def store_reviews(store_id: int, limit: int = 50) -> list[Review]:
    """Visible reviews, verified first, newest first within each."""
    return list(
        Review.objects.filter(store_id=store_id, hidden=False)
        .select_related("author")
        .prefetch_related("photos")
        .order_by("-verified", "-created_at")[:limit]
    )


REVIEWS_PER_PAGE = 20


def store_review_page(store_id: int, page_number):
    """One page of a store's visible reviews, in the store page's order."""
    from django.core.paginator import Paginator

    visible = Review.objects.filter(store_id=store_id, hidden=False).order_by(
        "-verified", "-created_at", "-id"
    )
    page = Paginator(visible.select_related("author"), REVIEWS_PER_PAGE).get_page(page_number)
    prefetch_related_objects(page.object_list, "photos")
    return page


def merchant_review_page(merchant, page_number, *, awaiting_reply: bool = False):
    """One console page of the merchant's reviews, newest first; `awaiting_reply`: only those
    the shop has not answered yet."""
    from django.core.paginator import Paginator

    reviews = Review.objects.filter(merchant=merchant).order_by("-created_at", "-id")
    if awaiting_reply:
        reviews = reviews.filter(reply="")
    page = Paginator(reviews.select_related("author", "store"), REVIEWS_PER_PAGE).get_page(
        page_number
    )
    prefetch_related_objects(page.object_list, "photos")
    return page


def awaiting_reply_count(merchant) -> int:
    return Review.objects.filter(merchant=merchant, reply="").count()


def merchant_reviews(merchant, limit: int = 200) -> list[Review]:
    return list(
        Review.objects.filter(merchant=merchant)
        .select_related("author", "store")
        .prefetch_related("photos")[:limit]
    )


def author_reviews(user) -> list[Review]:
    return list(Review.objects.filter(author=user).select_related("store"))


def reviewable_order(user, order_id: int) -> Order:
    order = (
        Order.objects.select_related("store")
        .filter(pk=order_id, consumer=user, status__in=USED_STATUSES)
        .first()
    )
    if order is None:
        raise NotFound()
    return order
