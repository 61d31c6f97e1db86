"""The one clock every part of Regulars reads.

Product code asks this module for "now" and "today" instead of calling ``timezone.now()``,
``timezone.localdate()``, ``date.today()`` or ``datetime.now()`` itself, so that a test (or a
demo that wants to replay a given day) can set the time in one place and every layer agrees:
services, selectors, templates, the live server thread of a browser test and eager Celery tasks.

A pinned clock keeps ticking from the instant it was pinned to (``pin(at)``), so "created
first" still sorts first and timeouts still elapse, while the calendar date stays fixed. A
frozen clock (``pin(at, tick=False)``) never moves. The pin is process-wide on purpose: a
browser test's live server answers from another thread and must see the same day.

A process started with ``REGULARS_CLOCK_AT`` (an ISO instant with its offset) starts pinned
there: the test suite hands its day to the worker processes it starts this way. Production must
never set it (``check --deploy`` refuses it).

Rows stamp themselves from this clock too (`core.models.ClockedDateTimeField`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
import time
from collections.abc import Iterator

from django.utils import timezone

_lock = threading.Lock()
# (instant pinned to, monotonic reading at pinning, ticking?) or None for the real clock.
_pinned: tuple[dt.datetime, float, bool] | None = None
PIN_ENVIRONMENT_VARIABLE = "REGULARS_CLOCK_AT"


def real_now() -> dt.datetime:
    """The machine's clock, in UTC, whatever is pinned."""
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    """The current instant, timezone-aware (UTC)."""
    pinned = _pinned
    if pinned is None:
        return real_now()
    instant, pinned_at, ticking = pinned
    if not ticking:
        return instant
    return instant + dt.timedelta(seconds=time.monotonic() - pinned_at)


def today() -> dt.date:
    """Today's date in the current time zone (Asia/Shanghai unless configured otherwise)."""
    return timezone.localtime(now()).date()


def localnow() -> dt.datetime:
    """Now, in the current time zone: for wall-clock decisions (opening hours, quiet hours)."""
    return timezone.localtime(now())


def pin(at: dt.datetime, *, tick: bool = True) -> None:
    """Set the clock to ``at`` (aware) for the whole process until ``unpin()``."""
    global _pinned
    if timezone.is_naive(at):
        raise ValueError("pin() needs an aware datetime")
    with _lock:
        _pinned = (at.astimezone(dt.UTC), time.monotonic(), tick)


def advance(delta: dt.timedelta) -> None:
    """Move a pinned clock forward (or back, with a negative delta)."""
    if _pinned is None:
        raise RuntimeError("advance() needs a pinned clock")
    pin(now() + delta, tick=_pinned[2])


def unpin() -> None:
    global _pinned
    with _lock:
        _pinned = None


def is_pinned() -> bool:
    return _pinned is not None


@contextlib.contextmanager
def pinned(at: dt.datetime, *, tick: bool = True) -> Iterator[None]:
    """``with clock.pinned(at):`` — the clock reads ``at`` inside, the previous setting after."""
    global _pinned
    previous = _pinned
    pin(at, tick=tick)
    try:
        yield
    finally:
        with _lock:
            _pinned = previous


def environment_pin() -> str:
    """The ``REGULARS_CLOCK_AT`` value this process was started with ("" when none)."""
    return os.environ.get(PIN_ENVIRONMENT_VARIABLE, "").strip()


if environment_pin():
    pin(dt.datetime.fromisoformat(environment_pin()))
