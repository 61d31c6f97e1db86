"""The console on a 390 px phone: the task is near the top and the till's buttons stay whole."""

import pytest

from regulars.membership import services as cards
from tests.browser.conftest import shoot
from tests.browser.test_orders_flow import sign_in
from tests.conftest import make_person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_till_fits_a_phone(phone, salon):
    owner = salon[0]
    cards.design_program(actor=owner, title="会员卡", published=True)
    card = cards.apply_for_card(
        consumer=make_person("13800006100", "手机"), merchant_id=owner.merchant.pk
    )
    sign_in(phone, owner.user.phone)
    phone.goto(f"/console/members/{card.pk}/")
    shoot(phone, "console-till-phone")
    nav_box = phone.locator(".console-nav").bounding_box()
    assert nav_box["height"] < 100, nav_box  # six groups in two rows, not 300 px of links
    for tab in phone.locator("[data-till-tab]").all():
        box = tab.bounding_box()
        assert box["height"] < 50, (tab.inner_text(), box)  # no one-character-per-line buttons
    heading = phone.locator("h1").bounding_box()
    assert heading["y"] < 330  # the site's bar, the shop's one-row menu, then the task
