from django.dispatch import receiver

from regulars.orders.events import order_consumed, payment_succeeded

from . import services
from .models import Card, CardStatus


@receiver(order_consumed)
def credit_the_card(sender, order, **kwargs):
    """An online order credits the buyer's card at that merchant when its consumption is confirmed."""
    card = (
        Card.objects.select_related("program")
        .filter(
            merchant_id=order.merchant_id, consumer_id=order.consumer_id, status=CardStatus.ACTIVE
        )
        .first()
    )
    if card is not None:
        services.record_order(card=card, order=order)


@receiver(payment_succeeded)
def credit_an_online_top_up(sender, payment, **kwargs):
    services.credit_online_top_up(payment)
