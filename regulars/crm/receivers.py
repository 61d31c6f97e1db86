"""Customers appear by themselves: first contact creates the row, consumption moves the figures."""

from decimal import Decimal

from django.db.models.signals import post_save
from django.dispatch import receiver

from regulars.membership.models import Card, Purchase
from regulars.merchants.signals import staff_departing
from regulars.orders.signals import order_consumed
from regulars.promotions import visits
from regulars.promotions.models import Coupon, Redemption
from regulars.promotions.signals import coupons_received
from regulars.reviews.models import Review

from . import services
from .models import Source


@receiver(order_consumed)
def an_order_was_used(sender, order, **kwargs):
    services.record_visit(
        merchant_id=order.merchant_id,
        consumer=order.consumer,
        source=Source.ORDER,
        amount=order.amount_due,
        at=order.consumed_at or order.updated_at,
    )
    services.invite_to_survey(merchant_id=order.merchant_id, consumer=order.consumer, order=order)
    services.plan_follow_up_call(order)


@receiver(post_save, sender=Purchase)
def a_purchase_at_the_till(sender, instance, created, **kwargs):
    if not created or instance.order_id:  # online orders are counted when used
        return
    voided = instance.voids_id is not None
    # A coupon used at the till just before is the same occasion: the purchase stands for both.
    absorbed = [] if voided else visits.absorb_redemptions(instance)
    services.record_visit(
        merchant_id=instance.merchant_id,
        consumer=instance.card.consumer,
        source=Source.CARD,
        amount=(-instance.voids.amount if voided else instance.amount)
        - sum((r.revenue for r in absorbed), Decimal("0")),
        at=instance.created_at,
        count=-1 if voided else 1 - len(absorbed),
    )
    if not voided:
        services.invite_to_survey(merchant_id=instance.merchant_id, consumer=instance.card.consumer)


@receiver(post_save, sender=Redemption)
def a_coupon_used_at_the_till(sender, instance, created, **kwargs):
    if created and instance.is_visit:
        services.record_visit(
            merchant_id=instance.merchant_id,
            consumer=instance.consumer,
            source=Source.COUPON,
            amount=instance.revenue,
            at=instance.created_at,
        )


@receiver(post_save, sender=Card)
def a_new_member(sender, instance, created, **kwargs):
    if created:
        services.customer_for(
            merchant_id=instance.merchant_id, consumer=instance.consumer, source=Source.CARD
        )


@receiver(post_save, sender=Coupon)
def a_coupon_claimed(sender, instance, **kwargs):
    if instance.consumer_id:
        services.customer_for(
            merchant_id=instance.merchant_id, consumer=instance.consumer, source=Source.COUPON
        )


@receiver(post_save, sender=Review)
def a_review(sender, instance, created, **kwargs):
    if created and instance.author_id:
        services.customer_for(
            merchant_id=instance.merchant_id, consumer=instance.author, source=Source.REVIEW
        )


@receiver(coupons_received)
def coupons_handed_out(sender, merchant_id, consumer_ids, **kwargs):
    from django.contrib.auth import get_user_model

    for person in get_user_model().objects.filter(pk__in=consumer_ids):
        services.customer_for(merchant_id=merchant_id, consumer=person, source=Source.COUPON)


@receiver(staff_departing)
def no_orphans(sender, merchant_id, user_id, **kwargs):
    services.refuse_orphans(merchant_id, user_id)
