from django.dispatch import receiver

from regulars.orders.events import payment_succeeded

from . import services


@receiver(payment_succeeded)
def issue_a_card_bought_online(sender, payment, **kwargs):
    services.issue_paid_online(payment)
