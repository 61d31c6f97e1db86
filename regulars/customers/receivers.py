"""Customers appear by themselves: first contact creates the row, consumption moves the figures.
Each receiver listens to a domain event its owner sends from a service (no save hooks)."""

from decimal import Decimal

from django.contrib.auth import get_user_model
from django.dispatch import receiver

from regulars.membership.events import card_issued, card_purchase_recorded
from regulars.orders.events import order_consumed
from regulars.promotions import visits
from regulars.promotions.events import coupon_redeemed, coupons_received
from regulars.reviews.events import review_posted

from . import services
from .models import GiftOccasion, Source


@receiver(order_consumed)
def an_order_was_used(sender, order, **kwargs):
    services.record_visit(
        merchant_id=order.merchant_id,
        consumer=order.consumer,
        source=Source.ORDER,
        amount=order.amount_due,
        at=order.consumed_at or order.updated_at,
    )


@receiver(card_purchase_recorded)
def a_purchase_at_the_till(sender, purchase, **kwargs):
    if purchase.order_id:  # online orders are counted when used
        return
    voided = purchase.voids_id is not None
    # A coupon used at the till just before is the same occasion: the purchase stands for both.
    absorbed = [] if voided else visits.absorb_redemptions(purchase)
    services.record_visit(
        merchant_id=purchase.merchant_id,
        consumer=purchase.card.consumer,
        source=Source.CARD,
        amount=(-purchase.voids.amount if voided else purchase.amount)
        - sum((r.revenue for r in absorbed), Decimal("0")),
        at=purchase.created_at,
        count=-1 if voided else 1 - len(absorbed),
    )


@receiver(coupon_redeemed)
def a_coupon_used_at_the_till(sender, redemption, **kwargs):
    if redemption.is_visit:
        services.record_visit(
            merchant_id=redemption.merchant_id,
            consumer=redemption.consumer,
            source=Source.COUPON,
            amount=redemption.revenue,
            at=redemption.created_at,
        )


@receiver(card_issued)
def a_new_member(sender, card, **kwargs):
    services.customer_for(merchant_id=card.merchant_id, consumer=card.consumer, source=Source.CARD)
    if card.status == "active":  # an application waiting for approval gets it when approved
        services.give_welcome_gift(
            merchant_id=card.merchant_id, consumer=card.consumer, occasion=GiftOccasion.CARD_OPENED
        )


@receiver(review_posted)
def a_review(sender, review, **kwargs):
    if review.author_id:
        services.customer_for(
            merchant_id=review.merchant_id, consumer=review.author, source=Source.REVIEW
        )


@receiver(coupons_received)
def coupons_handed_out(sender, merchant_id, consumer_ids, **kwargs):
    for person in get_user_model().objects.filter(pk__in=consumer_ids):
        services.customer_for(merchant_id=merchant_id, consumer=person, source=Source.COUPON)
