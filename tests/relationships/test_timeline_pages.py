"""A long customer file shows its newest events first and the rest a page at a time."""

import datetime as dt
import re

import pytest

from regulars.core import clock
from regulars.customers.models import Customer
from regulars.notifications.models import InboxMessage
from regulars.relationships.selectors import TIMELINE_PAGE
from tests.conftest import make_merchant
from tests.customers.test_directory import buy_and_use

pytestmark = pytest.mark.django_db


def test_the_timeline_pages_through_every_event_once_newest_first(client, salon, consumer):
    owner = salon[0]
    buy_and_use(consumer, salon, "p1")
    customer = Customer.objects.get(consumer=consumer)
    start = clock.now() - dt.timedelta(days=90)
    for day in range(40):  # 40 messages a day apart, plus the order's own events
        message = InboxMessage.objects.create(
            user=consumer, merchant=owner.merchant, title=f"消息{day:02d}", dedupe_key=f"d{day}"
        )
        InboxMessage.objects.filter(pk=message.pk).update(created_at=start + dt.timedelta(days=day))
    client.force_login(owner.user)
    page = client.get(f"/console/customers/{customer.pk}/").content.decode()
    first = re.findall(r"消息(\d\d)", page)
    assert len(first) == TIMELINE_PAGE - 1  # the order itself is the newest event
    assert first == sorted(first, reverse=True) and first[0] == "39"
    more = re.search(r'href="([^"]*/timeline/\?before=[^"]+)"', page).group(1)
    rest = client.get(more.replace("&amp;", "&"))
    assert rest.status_code == 200
    second = re.findall(r"消息(\d\d)", rest.content.decode())
    assert sorted(first + second) == [f"{day:02d}" for day in range(40)]
    assert "before=" not in rest.content.decode()  # nothing older: no further link


def test_a_bad_or_foreign_timeline_request_is_refused(client, salon, consumer):
    owner = salon[0]
    buy_and_use(consumer, salon, "p2")
    customer = Customer.objects.get(consumer=consumer)
    client.force_login(owner.user)
    url = f"/console/customers/{customer.pk}/timeline/"
    assert client.get(url, {"before": "yesterday"}).status_code == 400
    assert client.get(url, {"before": "2026-11-20T10:00:00"}).status_code == 400  # no offset
    other = make_merchant("13900000099", name="别家")
    client.force_login(other.user)
    assert client.get(url, {"before": "2026-11-20T10:00:00+08:00"}).status_code == 404


def test_every_source_the_timeline_statement_names_is_described():
    """The UNION ALL (relationships/statements.py) and the readers that describe its rows
    (selectors._timeline_sources) name the same sources: one added to only one side would drop
    events silently or fail on the page."""
    from regulars.relationships import selectors, statements

    named = {**statements._TIMELINE_BRANCHES, **statements._CONSUMER_BRANCHES}
    assert set(named) == set(selectors._timeline_sources())
