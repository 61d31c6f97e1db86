import datetime as dt

import pytest
from django.utils import timezone

from regulars.merchants import services as merchant_services
from regulars.merchants.services import HoursRange
from regulars.team import services as team


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def tomorrow():
    from regulars.core import clock

    return clock.today() + dt.timedelta(days=1)


@pytest.fixture
def crew(salon):
    """The salon's two published stylists for the haircut: 阿杰 (all day) and 小美 (mornings,
    Monday to Friday), and a 60-minute dye only 阿杰 does."""
    owner, store, haircut, wash = salon
    dye = merchant_services.create_item(
        actor=owner,
        store_id=store.pk,
        data=merchant_services.ItemInput(
            name="染发", price="288", duration_minutes=60, bookable=True, section="染烫"
        ),
    )
    jie = team.save_member(
        actor=owner,
        data=team.MemberInput(
            store_id=store.pk, name="阿杰", title="发型总监", item_ids=[haircut.pk, dye.pk]
        ),
    )
    mei = team.save_member(
        actor=owner,
        data=team.MemberInput(
            store_id=store.pk,
            name="小美",
            title="发型师",
            item_ids=[haircut.pk],
            hours=[HoursRange(day, dt.time(9), dt.time(12)) for day in range(5)],
        ),
    )
    return jie, mei, dye
