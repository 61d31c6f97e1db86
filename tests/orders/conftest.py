import datetime as dt

import pytest
from django.utils import timezone

from regulars.merchants import services as merchant_services
from tests.conftest import make_merchant, make_person, make_store, open_all_week

MONDAY_9AM = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0))
SUNDAY_NOON = timezone.make_aware(dt.datetime(2026, 11, 29, 12, 0))


@pytest.fixture
def salon(db):
    """A salon open 09:00–21:00 with a bookable 60-minute haircut (2 chairs) and a buyable wash."""
    owner = make_merchant("13900000051", name="鑫安美发", category="hair-salon")
    store = make_store(owner, name="鑫安美发（南京东路店）", category="hair-salon")
    open_all_week(owner, store, opens=dt.time(9), closes=dt.time(21))
    haircut = merchant_services.create_item(
        actor=owner,
        store_id=store.pk,
        data=merchant_services.ItemInput(
            name="洗剪吹",
            price="68",
            duration_minutes=60,
            bookable=True,
            buyable=True,
            slot_capacity=2,
        ),
    )
    wash = merchant_services.create_item(
        actor=owner,
        store_id=store.pk,
        data=merchant_services.ItemInput(name="精洗打蜡", price="128.50", buyable=True),
    )
    return owner, store, haircut, wash


@pytest.fixture
def consumer(db):
    return make_person("13800000061", "小李")
