"""Reviews: verified ones come from a confirmed order (one per order); general ones from anyone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from regulars.core.models import ClockedDateTimeField
from regulars.merchants.models import Merchant, Store
from regulars.orders.models import Order


class Review(models.Model):
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="reviews")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="reviews")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews"
    )
    order = models.OneToOneField(
        Order, null=True, blank=True, on_delete=models.PROTECT, related_name="review"
    )
    verified = models.BooleanField(default=False)
    stars = models.PositiveSmallIntegerField(_("overall"))
    service = models.PositiveSmallIntegerField(_("service"), null=True, blank=True)
    environment = models.PositiveSmallIntegerField(_("environment"), null=True, blank=True)
    value = models.PositiveSmallIntegerField(_("value for money"), null=True, blank=True)
    text = models.TextField(_("review"), blank=True)
    reply = models.TextField(_("reply from the shop"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)
    hidden = models.BooleanField(_("hidden by moderation"), default=False)
    report_count = models.PositiveIntegerField(default=0)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["store", "hidden", "created_at"], name="review_store_time"),
            # a store page's reviews: verified first, newest first within each
            models.Index(
                fields=["store", "hidden", "-verified", "-created_at"], name="review_store_page"
            ),
            # the console's list: a merchant's reviews, newest first, a page at a time
            models.Index(fields=["merchant", "-created_at", "-id"], name="review_merchant_time"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(stars__gte=1, stars__lte=5), name="review_stars_1_to_5"
            )
        ]

    def __str__(self) -> str:
        return f"{self.store} {self.stars}★ by {self.author}"


class ReviewPhoto(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="reviews/%Y/%m/")
    thumbnail = models.ImageField(upload_to="reviews/thumbs/%Y/%m/")

    def __str__(self) -> str:
        return f"photo of {self.review_id}"


class ReviewReport(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200)
    created_at = ClockedDateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "reporter"], name="one_report_per_person")
        ]

    def __str__(self) -> str:
        return f"report on {self.review_id}"
