"""The one clock: pinned by tests, read by everything, refused in production when pinned."""

import datetime as dt
import zoneinfo

from regulars.core import checks, clock

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def test_a_pinned_clock_ticks_from_its_instant_and_keeps_its_day():
    at = dt.datetime(2027, 2, 28, 23, 59, 59, tzinfo=SHANGHAI)
    with clock.pinned(at):
        first, second = clock.now(), clock.now()
        assert at <= first <= second < at + dt.timedelta(seconds=5)
        assert clock.today() == dt.date(2027, 2, 28)
        clock.advance(dt.timedelta(seconds=2))
        assert clock.today() == dt.date(2027, 3, 1)  # the day turns in Shanghai, not in UTC


def test_a_frozen_clock_does_not_move_and_the_previous_pin_comes_back(test_now):
    at = dt.datetime(2028, 2, 29, 9, tzinfo=SHANGHAI)
    with clock.pinned(at, tick=False):
        assert clock.now() == clock.now() == at
    assert test_now <= clock.now() < test_now + dt.timedelta(minutes=10)


def test_rows_are_stamped_from_the_clock(db, test_now):
    from regulars.accounts.models import ApiToken  # a model with created_at = auto_now_add
    from tests.conftest import make_person

    person = make_person("13800009001")

    token = ApiToken.objects.create(user=person, key_hash="x" * 64, prefix="x")
    assert abs(token.created_at - test_now) < dt.timedelta(minutes=10)


def test_check_deploy_refuses_a_pinned_clock(monkeypatch):
    monkeypatch.delenv(clock.PIN_ENVIRONMENT_VARIABLE, raising=False)
    assert checks.clock_not_pinned(None) == []
    monkeypatch.setenv(clock.PIN_ENVIRONMENT_VARIABLE, "2026-11-23T12:00:00+08:00")
    assert [error.id for error in checks.clock_not_pinned(None)] == ["regulars.E001"]
