import datetime as dt
from decimal import Decimal

import pytest

from regulars.core import clock
from regulars.core.errors import DomainError, NotFound
from regulars.orders import services as order_services
from regulars.reviews import services
from regulars.reviews.models import Review
from tests.conftest import image_upload, make_person
from tests.orders.test_orders import pay_by_sandbox

pytestmark = pytest.mark.django_db


@pytest.fixture
def used_order(salon, consumer):
    owner, store, haircut, _wash = salon
    order, _ = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    pay_by_sandbox(order)
    order_services.confirm_consumption(actor=owner, code=order.code)
    return order


def test_a_review_of_a_used_order_is_verified_and_only_one_per_order(used_order, consumer):
    review = services.post_review(
        author=consumer,
        store_id=used_order.store_id,
        stars=5,
        text="手艺好",
        order_id=used_order.pk,
    )
    assert review.verified
    with pytest.raises(DomainError, match="already has its review"):
        services.post_review(
            author=consumer, store_id=used_order.store_id, stars=1, order_id=used_order.pk
        )
    assert Review.objects.count() == 1


def test_an_unused_or_foreign_order_cannot_back_a_review(salon, consumer, used_order):
    _owner, store, haircut, _wash = salon
    unpaid, _ = order_services.place_order(
        consumer=consumer, store_id=store.pk, lines=[(haircut.pk, 1)], payment_method="sandbox"
    )
    with pytest.raises(DomainError, match="once it has been used"):
        services.post_review(author=consumer, store_id=store.pk, stars=5, order_id=unpaid.pk)
    with pytest.raises(DomainError, match="not yours"):
        services.post_review(
            author=make_person("13800000071"), store_id=store.pk, stars=5, order_id=used_order.pk
        )
    assert not Review.objects.exists()


def test_general_reviews_are_allowed_but_not_twice_a_month(salon, consumer):
    _owner, store, _haircut, _wash = salon
    review = services.post_review(
        author=consumer, store_id=store.pk, stars=4, service=5, environment=3, value=4
    )
    assert not review.verified and (review.service, review.environment, review.value) == (5, 3, 4)
    with pytest.raises(DomainError, match="recently"):
        services.post_review(author=consumer, store_id=store.pk, stars=4)
    later = clock.now() + dt.timedelta(days=31)
    services.post_review(author=consumer, store_id=store.pk, stars=4, now=later)


@pytest.mark.parametrize(
    ("stars", "field"), [(0, "stars"), (6, "stars"), ("x", "stars"), (None, "stars")]
)
def test_bad_stars_are_refused(salon, consumer, stars, field):
    _owner, store, _haircut, _wash = salon
    with pytest.raises(DomainError) as refused:
        services.post_review(author=consumer, store_id=store.pk, stars=stars)
    assert refused.value.field == field
    assert not Review.objects.exists()


def test_posting_is_rate_limited(salon, db):
    owner, _store, _haircut, _wash = salon
    from tests.conftest import make_store

    author = make_person("13800000072")
    stores = [make_store(owner, name=f"分店{i}", category="hair-salon") for i in range(6)]
    for store in stores[:5]:
        services.post_review(author=author, store_id=store.pk, stars=5)
    with pytest.raises(DomainError, match="Try again in 60 minutes") as refused:
        services.post_review(author=author, store_id=stores[5].pk, stars=5)
    assert refused.value.status == 429


def test_rating_weighs_verified_reviews_more_and_one_review_does_not_top_a_store(
    salon, consumer, used_order
):
    _owner, store, _haircut, _wash = salon
    services.post_review(
        author=consumer, store_id=store.pk, stars=5, order_id=used_order.pk
    )  # weight 3
    services.post_review(author=make_person("13800000073"), store_id=store.pk, stars=1)  # weight 1
    store.refresh_from_db()
    assert store.rating_avg == Decimal("4.00") and store.rating_count == 2
    # Shrunk toward the mean: few reviews cannot outrank a store with hundreds.
    assert store.rating_score < 4.0 + 0.01


def test_photos_are_checked_and_kept(salon, consumer):
    _owner, store, _haircut, _wash = salon
    review = services.post_review(
        author=consumer, store_id=store.pk, stars=5, photos=[image_upload()]
    )
    assert review.photos.count() == 1


def test_the_merchant_replies_and_others_cannot(salon, consumer, owner_b):
    owner, store, _haircut, _wash = salon
    review = services.post_review(author=consumer, store_id=store.pk, stars=3, text="一般")
    services.reply(actor=owner, review_id=review.pk, text="谢谢，我们会改进")
    review.refresh_from_db()
    assert review.reply == "谢谢，我们会改进"
    with pytest.raises(NotFound):
        services.reply(actor=owner_b, review_id=review.pk, text="x")


def test_reports_are_counted_once_per_person_and_operators_hide(salon, consumer):
    _owner, store, _haircut, _wash = salon
    review = services.post_review(author=consumer, store_id=store.pk, stars=1, text="垃圾广告")
    reporter = make_person("13800000074")
    services.report(reporter=reporter, review_id=review.pk, reason="广告")
    with pytest.raises(DomainError):
        services.report(reporter=reporter, review_id=review.pk, reason="广告")
    review.refresh_from_db()
    assert review.report_count == 1
    with pytest.raises(DomainError):
        services.set_hidden(operator=reporter, review_id=review.pk, hidden=True)
    reporter.is_staff = True
    services.set_hidden(operator=reporter, review_id=review.pk, hidden=True)
    store.refresh_from_db()
    assert store.rating_count == 0


def test_the_store_page_shows_the_verified_badge(client, used_order, consumer):
    services.post_review(
        author=consumer,
        store_id=used_order.store_id,
        stars=5,
        text="很满意",
        order_id=used_order.pk,
    )
    html = client.get(f"/stores/{used_order.store_id}/").content.decode()
    assert "很满意" in html and "Verified purchase" in html


def test_the_store_page_shows_ten_reviews_and_links_to_all(client, salon):
    from regulars.reviews.models import Review
    from tests.conftest import make_person

    owner, store, _haircut, _wash = salon
    Review.objects.bulk_create(
        Review(
            merchant=owner.merchant,
            store=store,
            author=make_person(f"138000077{n:02d}", f"点评人{n}"),
            stars=5,
            text=f"第{n}条点评",
        )
        for n in range(25)
    )
    page = client.get(f"/stores/{store.pk}/").content.decode()
    assert page.count('class="review"') == 10 and "data-more-reviews" in page
    first = client.get(f"/stores/{store.pk}/reviews/").content.decode()
    assert first.count('class="review"') == 20 and "data-next-page" in first
    rest = client.get(f"/stores/{store.pk}/reviews/?page=2").content.decode()
    assert rest.count('class="review"') == 5
    assert client.get("/stores/999999/reviews/").status_code == 404


def test_the_console_pages_reviews_and_shows_those_awaiting_a_reply(client, salon):
    import re

    from regulars.reviews.models import Review
    from tests.conftest import make_person

    owner, store, _haircut, _wash = salon
    Review.objects.bulk_create(
        Review(
            merchant=owner.merchant,
            store=store,
            author=make_person(f"138000078{n:02d}", f"顾客{n}"),
            stars=4,
            text=f"第{n:02d}条",
            reply="谢谢" if n < 3 else "",
        )
        for n in range(25)
    )
    client.force_login(owner.user)
    first = client.get("/console/reviews/").content.decode()
    second = client.get("/console/reviews/", {"page": "2"}).content.decode()
    shown = re.findall(r"第(\d\d)条", first) + re.findall(r"第(\d\d)条", second)
    assert len(re.findall(r"第(\d\d)条", first)) == 20 and "data-next-page" in first
    assert sorted(shown) == [f"{n:02d}" for n in range(25)]
    awaiting = client.get("/console/reviews/", {"awaiting": "1"}).content.decode()
    assert re.search(r'data-awaiting>[^<]*<span class="badge">22<', awaiting)
    assert "谢谢" not in awaiting and len(re.findall(r"第(\d\d)条", awaiting)) == 20
    assert "awaiting=1&amp;page=2" in awaiting
