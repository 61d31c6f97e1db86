"""Flash deals: who they reach (places, activity ranges, opt-outs, quiet hours, caps) and a
fan-out that never sends twice and resumes after an interruption."""

import datetime as dt
import json
from decimal import Decimal
from unittest import mock

import pytest
from django.utils import timezone

from regulars.core import clock
from regulars.merchants.models import Category
from regulars.notifications import services as messages
from regulars.notifications import tasks as message_tasks
from regulars.notifications.models import (
    Broadcast,
    BroadcastStatus,
    Delivery,
    InboxMessage,
    PushSubscription,
)
from regulars.orders import services as order_services
from regulars.promotions import services, targeting
from regulars.promotions.services import FlashDealInput
from tests.conftest import PEOPLE_SQUARE, make_merchant, make_person, make_store
from tests.orders.test_orders import pay_by_sandbox

pytestmark = pytest.mark.django_db
LAT, LNG = PEOPLE_SQUARE


def north(metres: float) -> tuple[float, float]:
    """A point `metres` north of People's Square."""
    return LAT + metres / 110_574.0, LNG


@pytest.fixture
def laundry(db):
    owner = make_merchant("13900000401", name="洁丽洗衣")
    store = make_store(owner)
    return owner, store


def follower(login: str, *, at_metres: float, radius_m: int = 2000, follow="category", shop=None):
    person = make_person(login)
    lat, lng = north(at_metres)
    messages.add_place(consumer=person, kind="home", lat=lat, lng=lng)
    if follow == "category":
        category = Category.objects.get(slug="laundry")
        messages.follow(consumer=person, category_id=category.pk, radius_m=radius_m)
    else:
        messages.follow(consumer=person, merchant_id=shop.merchant_id, radius_m=radius_m)
    return person


def flash(owner, store, **fields):
    data = FlashDealInput(
        store_id=store.pk,
        name=fields.pop("name", "洗衣五折一小时"),
        kind=fields.pop("kind", "amount_off"),
        amount=Decimal(fields.pop("amount", "15")),
        stock=fields.pop("stock", 20),
        duration_minutes=fields.pop("duration_minutes", 60),
        **fields,
    )
    return services.create_flash_deal(actor=owner, data=data)


def inbox_of(person) -> list[str]:
    return list(InboxMessage.objects.filter(user=person).values_list("title", flat=True))


def test_a_flash_deal_reaches_followers_near_the_store_and_nobody_else(
    laundry, django_capture_on_commit_callbacks
):
    owner, store = laundry
    inside = follower("13800000411", at_metres=1500)
    outside = follower("13800000412", at_metres=3000)
    wide = follower("13800000413", at_metres=3000, radius_m=5000)
    shop_fan = follower("13800000414", at_metres=4000, radius_m=5000, follow="shop", shop=store)
    stranger = make_person("13800000415")  # follows nothing
    with django_capture_on_commit_callbacks(execute=True):
        deal = flash(owner, store)
    assert Broadcast.objects.get(pk=deal.broadcast_id).status == BroadcastStatus.SENT
    for person in (inside, wide, shop_fan):
        assert inbox_of(person) == ["⚡ 洁丽洗衣（南京东路店）: 洗衣五折一小时"]
    for person in (outside, stranger):
        assert inbox_of(person) == []
    assert Broadcast.objects.get(pk=deal.broadcast_id).recipients == 3


def test_the_activity_range_learned_from_orders_brings_a_deal(
    laundry, salon, django_capture_on_commit_callbacks
):
    owner, store = laundry
    _salon_owner, salon_store, haircut, _wash = salon  # the salon is at People's Square too
    regular = make_person("13800000421")
    far_home = north(8000)
    messages.add_place(consumer=regular, kind="home", lat=far_home[0], lng=far_home[1])
    messages.follow(
        consumer=regular, category_id=Category.objects.get(slug="laundry").pk, radius_m=1000
    )
    for _ in range(4):  # four haircuts at People's Square outweigh one home 8 km away
        order, _url = order_services.place_order(
            consumer=regular,
            store_id=salon_store.pk,
            lines=[(haircut.pk, 1)],
            payment_method="sandbox",
        )
        pay_by_sandbox(order, event_id=f"evt-{order.pk}")
    assert targeting.derive_activity_ranges() == 1
    assert regular.activity_range.radius_m >= 1000
    with django_capture_on_commit_callbacks(execute=True):
        flash(owner, store)
    assert len(inbox_of(regular)) == 1
    messages.save_preferences(consumer=regular, use_activity_range=False)
    with django_capture_on_commit_callbacks(execute=True):
        flash(owner, store, name="第二场")
    assert len(inbox_of(regular)) == 1


def test_opt_outs_quiet_hours_and_the_daily_cap_are_respected_and_logged(
    laundry, django_capture_on_commit_callbacks
):
    owner, store = laundry
    clock.pin(
        timezone.localtime(clock.now()).replace(hour=12, minute=0)
    )  # quiet hours are by the hour
    quiet = follower("13800000431", at_metres=500)
    messages.save_preferences(
        consumer=quiet, quiet_from=dt.time(0, 0), quiet_until=dt.time(23, 59), sms=True
    )
    PushSubscription.objects.create(
        consumer=quiet, endpoint="https://push.example/quiet", p256dh="k", auth="a"
    )
    opted_out = follower("13800000432", at_metres=500)
    messages.opt_out_of_merchant(consumer=opted_out, merchant_id=owner.merchant.pk)
    capped = follower("13800000433", at_metres=500)
    messages.save_preferences(consumer=capped, daily_cap=1)
    with django_capture_on_commit_callbacks(execute=True):
        first = flash(owner, store)
        second = flash(owner, store, name="第二场")
    log = {
        (d.broadcast_id, d.consumer_id, d.channel): (d.status, d.reason)
        for d in Delivery.objects.all()
    }
    b1, b2 = first.broadcast_id, second.broadcast_id
    # Quiet hours: the inbox gets it silently; no push, no SMS.
    assert log[(b1, quiet.pk, "inbox")] == ("sent", "")
    assert log[(b1, quiet.pk, "push")] == ("skipped", "quiet_hours")
    assert log[(b1, quiet.pk, "sms")] == ("skipped", "quiet_hours")
    assert log[(b1, opted_out.pk, "inbox")] == ("skipped", "opted_out")
    assert inbox_of(opted_out) == []
    assert log[(b1, capped.pk, "inbox")] == ("sent", "")
    assert log[(b2, capped.pk, "inbox")] == ("skipped", "daily_cap")
    assert len(inbox_of(capped)) == 1


def test_a_retried_batch_sends_nothing_twice_and_an_interrupted_send_resumes(laundry, settings):
    owner, store = laundry
    settings.REGULARS_FANOUT_BATCH = 2
    people = [follower(f"1380000044{i}", at_metres=100 * i) for i in range(5)]
    sms_sent = []
    with mock.patch(
        "regulars.notifications.sms.FileSms.send",
        side_effect=lambda message: sms_sent.append(message.to),
    ):
        for person in people:  # no quiet hours, so the test holds at any time of day
            messages.save_preferences(
                consumer=person, sms=True, quiet_from=dt.time(0), quiet_until=dt.time(0)
            )
        deal = flash(owner, store)  # on_commit not run: nothing sent yet
        batches = messages.start_broadcast(deal.broadcast_id)
        assert [len(b) for b in batches] == [2, 2, 1]
        messages.deliver_batch(broadcast_id=deal.broadcast_id, consumer_ids=batches[0])
        messages.deliver_batch(broadcast_id=deal.broadcast_id, consumer_ids=batches[0])  # retried
        assert InboxMessage.objects.count() == 2 and len(sms_sent) == 2
        # The worker died here. Ten minutes later the periodic task resumes the broadcast.
        Broadcast.objects.filter(pk=deal.broadcast_id).update(
            started_at=clock.now() - dt.timedelta(minutes=11)
        )
        assert message_tasks.send_due_broadcasts() == 1
    assert sorted(inbox_of_all := [m.user_id for m in InboxMessage.objects.all()]) == sorted(
        p.pk for p in people
    )
    assert len(inbox_of_all) == 5 and len(sms_sent) == 5
    assert Broadcast.objects.get(pk=deal.broadcast_id).status == BroadcastStatus.SENT


def test_a_scheduled_deal_waits_for_its_time(laundry):
    owner, store = laundry
    person = follower("13800000451", at_metres=300)
    later = clock.now() + dt.timedelta(hours=2)
    deal = flash(owner, store, starts_at=later)
    assert message_tasks.send_due_broadcasts() == 0 and inbox_of(person) == []
    with clock.pinned(later + dt.timedelta(seconds=5)):
        assert message_tasks.send_due_broadcasts() == 1
    assert len(inbox_of(person)) == 1
    assert deal.campaign.valid_from == later


def test_a_deal_to_a_customer_list_reaches_exactly_the_list(
    laundry, django_capture_on_commit_callbacks
):
    owner, store = laundry
    listed = make_person("13800000461")
    near_but_unlisted = follower("13800000462", at_metres=100)
    with django_capture_on_commit_callbacks(execute=True):
        flash(owner, store, target="list", phones=["13800000461"])
    assert len(inbox_of(listed)) == 1 and inbox_of(near_but_unlisted) == []


def test_bad_flash_deals_are_refused(laundry, owner_b):
    owner, store = laundry
    with pytest.raises(Exception, match="15 minutes to 24 hours"):
        flash(owner, store, duration_minutes=5)
    other_store = make_store(owner_b)
    with pytest.raises(Exception, match="one of your stores"):
        flash(owner, other_store)
    assert not Broadcast.objects.exists()


def test_the_sms_file_backend_writes_one_line_per_message(
    laundry, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.VAR_DIR = tmp_path
    owner, store = laundry
    person = follower("13800000471", at_metres=100)
    messages.save_preferences(
        consumer=person, sms=True, quiet_from=dt.time(0, 0), quiet_until=dt.time(0, 0)
    )
    with django_capture_on_commit_callbacks(execute=True):
        flash(owner, store)
    lines = (tmp_path / "sms.log").read_text(encoding="utf-8").splitlines()
    sent = json.loads(lines[0])
    assert len(lines) == 1 and sent["to"] == person.phone and "洗衣五折一小时" in sent["text"]


def test_quiet_hours_defer_push_and_sms_while_the_deal_lasts(
    client, laundry, django_capture_on_commit_callbacks
):
    """At 12:00 a follower's quiet hours run until 12:30: a three-hour deal reaches their phone
    at 12:30; a 20-minute deal would be over by then, so it is not sent. The merchant sees how
    many wait."""
    owner, store = laundry
    clock.pin(timezone.localtime(clock.now()).replace(hour=12, minute=0))
    napper = follower("13800000481", at_metres=300)
    messages.save_preferences(
        consumer=napper, quiet_from=dt.time(11, 0), quiet_until=dt.time(12, 30), sms=True
    )
    sms_sent = []
    with mock.patch(
        "regulars.notifications.sms.FileSms.send",
        side_effect=lambda message: sms_sent.append(message.to),
    ):
        with django_capture_on_commit_callbacks(execute=True):
            long_deal = flash(owner, store, duration_minutes=180)
            short_deal = flash(owner, store, name="二十分钟", duration_minutes=20)
        waiting = Delivery.objects.get(broadcast_id=long_deal.broadcast_id, channel="sms")
        assert waiting.status == "deferred" and sms_sent == []
        assert timezone.localtime(waiting.not_before).strftime("%H:%M") == "12:30"
        short = Delivery.objects.get(broadcast_id=short_deal.broadcast_id, channel="sms")
        assert (short.status, short.reason) == ("skipped", "quiet_hours")
        client.force_login(owner.user)
        page = client.get(f"/console/campaigns/{long_deal.campaign_id}/").content.decode()
        assert "Waiting for the end of quiet hours" in page
        assert messages.send_deferred(now=clock.now() + dt.timedelta(minutes=10)) == 0
        assert messages.send_deferred(now=clock.now() + dt.timedelta(minutes=31)) == 1
    waiting.refresh_from_db()
    assert waiting.status == "sent" and sms_sent == [napper.phone]
