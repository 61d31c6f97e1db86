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


def test_reviews_fit_the_trade_and_branches_are_named_after_their_own_road():
    from regulars.demo.generator import ANY_SHOP_REVIEWS, TRADE_REVIEWS
    from regulars.merchants.models import Store

    call_command("demo_city", merchants=40, consumers=200, verbosity=0)
    checked = 0
    for text, category in Review.objects.values_list("text", "store__category__parent__slug"):
        fitting = set(sum(TRADE_REVIEWS.get(category, {}).values(), []))
        assert text in fitting | set(sum(ANY_SHOP_REVIEWS.values(), [])), (category, text)
        checked += 1
    assert checked
    for name, address in Store.objects.filter(name__endswith="店）").values_list("name", "address"):
        road = name.rsplit("（", 1)[1].removesuffix("店）")
        assert road in address, (name, address)
