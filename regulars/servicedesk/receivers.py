"""After a visit the customer is asked how it went (a survey), on the events of other apps."""

from django.dispatch import receiver

from regulars.membership.events import card_purchase_recorded
from regulars.orders.events import order_consumed

from . import services


@receiver(order_consumed)
def an_order_was_used(sender, order, **kwargs):
    services.invite_to_survey(merchant_id=order.merchant_id, consumer=order.consumer, order=order)


@receiver(card_purchase_recorded)
def a_purchase_at_the_till(sender, purchase, **kwargs):
    if purchase.order_id or purchase.voids_id is not None:  # online orders: when used
        return
    services.invite_to_survey(merchant_id=purchase.merchant_id, consumer=purchase.card.consumer)
