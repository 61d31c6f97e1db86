from django.dispatch import receiver

from regulars.orders.signals import order_consumed, payment_succeeded

from . import services
from .models import Card, CardStatus


@receiver(order_consumed)
def credit_the_card(sender, order, **kwargs):
    """An online order credits the buyer's card at that merchant when its consumption is confirmed."""
    card = Card.objects.filter(
        merchant_id=order.merchant_id, consumer_id=order.consumer_id, status=CardStatus.ACTIVE
    ).first()
    if card is not None:
        services.record_purchase(
            card_id=card.pk,
            amount=order.total,
            idempotency_key=f"order:{order.pk}",
            description=", ".join(line.name for line in order.lines.all()),
            store_id=order.store_id,
            order=order,
        )


@receiver(payment_succeeded)
def credit_an_online_top_up(sender, payment, **kwargs):
    services.credit_online_top_up(payment)
