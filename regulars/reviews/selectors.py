from regulars.core.errors import NotFound
from regulars.orders.models import USED_STATUSES, Order

from .models import Review


def store_reviews(store_id: int, limit: int = 50) -> list[Review]:
    """Visible reviews, verified first, newest first within each."""
    return list(
        Review.objects.filter(store_id=store_id, hidden=False)
        .select_related("author")
        .prefetch_related("photos")
        .order_by("-verified", "-created_at")[:limit]
    )


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
