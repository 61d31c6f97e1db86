"""The demo city looks like a real one: shop replies are sentences, nothing happened in the
future."""

import pytest
from django.core.management import call_command

from regulars.core import clock
from regulars.orders.models import Order
from regulars.reviews.models import Review

pytestmark = pytest.mark.django_db


def test_a_small_city_has_whole_replies_and_no_future_orders():
    call_command("demo_city", merchants=4, consumers=60, verbosity=0)
    replies = list(Review.objects.exclude(reply="").values_list("reply", flat=True))
    assert replies and all(len(reply) >= 6 for reply in replies), replies[:5]
    now = clock.now()
    assert not Order.objects.filter(completed_at__gt=now).exists()
    assert not Order.objects.filter(consumed_at__gt=now).exists()
    assert not Order.objects.filter(created_at__gt=now).exists()
