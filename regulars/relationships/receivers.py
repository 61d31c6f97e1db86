"""Follow-up calls are planned and settled on the events of the orders and the service desk;
a departing staff member may not leave customers without an account manager."""

from django.dispatch import receiver

from regulars.merchants.events import staff_departing
from regulars.orders.events import order_consumed
from regulars.servicedesk.events import complaint_answered, follow_up_call_recorded

from . import services


@receiver(order_consumed)
def an_order_was_used(sender, order, **kwargs):
    services.plan_follow_up_call(order)


@receiver(complaint_answered)
def a_complaint_was_answered(sender, ticket, by, **kwargs):
    services.plan_complaint_call(ticket, by=by)


@receiver(follow_up_call_recorded)
def a_complaint_call_was_recorded(sender, ticket, note, satisfaction, at, **kwargs):
    services.settle_complaint_calls(ticket, note=note, satisfaction=satisfaction, at=at)


@receiver(staff_departing)
def no_orphans(sender, merchant_id, user_id, **kwargs):
    services.refuse_orphans(merchant_id, user_id)
