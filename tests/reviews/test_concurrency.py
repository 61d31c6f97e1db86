"""Review limits hold under parallel posts: real threads against PostgreSQL."""

import pytest

from regulars.reviews import services
from regulars.reviews.models import Review
from tests.conftest import make_merchant, make_person, make_store
from tests.orders.test_concurrency import _postgres_only, race  # noqa: F401  (fixture)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twelve_parallel_reviews_of_twelve_shops_keep_five_an_hour():
    owner = make_merchant("13900000701")
    stores = [make_store(owner, name=f"洁丽洗衣{n}号店") for n in range(12)]
    author = make_person("13800000701", "刷评的人")
    wins, refusals = race(
        12,
        lambda i: services.post_review(author=author, store_id=stores[i].pk, stars=5, text="好"),
    )
    assert len(wins) == 5 and len(refusals) == 7
    assert Review.objects.filter(author=author).count() == 5


def test_twelve_parallel_reviews_of_one_shop_keep_one_a_month():
    owner = make_merchant("13900000702")
    store = make_store(owner)
    author = make_person("13800000702", "急性子")
    wins, refusals = race(
        12, lambda i: services.post_review(author=author, store_id=store.pk, stars=4, text="还行")
    )
    assert len(wins) == 1 and len(refusals) == 11
    assert Review.objects.filter(author=author, store=store).count() == 1
