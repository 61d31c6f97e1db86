"""Limits on how often someone may try something: sign-in, codes, reviews, messages.

Counters live in the cache (Redis in production, so every web process shares them; memory in the
embedded mode). A limit is a fixed window: at most `attempts` counted events per `window`, per key
(a login, a user, a merchant, an address). When the window is full the caller gets `RateLimited`,
an HTTP 429 whose message says when to try again; the API adds a `Retry-After` header.
"""

import hashlib
import ipaddress
import math
from dataclasses import dataclass

from django.core.cache import cache
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from regulars.core import clock

from .errors import DomainError


@dataclass(frozen=True)
class Limit:
    name: str
    attempts: int
    window_seconds: int


class RateLimited(DomainError):
    status = 429

    def __init__(self, retry_after: int, *, field: str | None = None, message: str = ""):
        self.retry_after = max(1, int(retry_after))
        minutes = math.ceil(self.retry_after / 60)
        text = message or _("Too many attempts.")
        text += " " + ngettext(
            "Try again in %(n)d minute.", "Try again in %(n)d minutes.", minutes
        ) % {"n": minutes}
        super().__init__(text, field=field, code="rate_limited")

    def as_dict(self) -> dict:
        return {**super().as_dict(), "retry_after": self.retry_after}


def _window(limit: Limit, key: str, now: float) -> tuple[str, int]:
    if len(key) > 64:  # whatever a caller passes, a Redis key stays small
        key = hashlib.sha256(key.encode()).hexdigest()
    bucket = int(now // limit.window_seconds)
    retry_after = (bucket + 1) * limit.window_seconds - now
    return f"throttle:{limit.name}:{key}:{bucket}", math.ceil(retry_after)


def count(limit: Limit, key: str) -> int:
    cache_key, _retry = _window(limit, key, clock.now().timestamp())
    return cache.get(cache_key, 0)


def check(limit: Limit, key: str, *, field: str | None = None, message: str = "") -> None:
    """Refuse when the window is already full (counts nothing)."""
    cache_key, retry_after = _window(limit, key, clock.now().timestamp())
    if cache.get(cache_key, 0) >= limit.attempts:
        raise RateLimited(retry_after, field=field, message=message)


def hit(limit: Limit, key: str) -> int:
    """Count one event; returns the count in this window."""
    cache_key, _retry = _window(limit, key, clock.now().timestamp())
    cache.add(cache_key, 0, timeout=limit.window_seconds + 1)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=limit.window_seconds + 1)
        return 1


def take(limit: Limit, key: str, *, field: str | None = None, message: str = "") -> None:
    """Count one event and refuse it when it is over the limit."""
    check(limit, key, field=field, message=message)
    hit(limit, key)


def clear(limit: Limit, key: str) -> None:
    cache_key, _retry = _window(limit, key, clock.now().timestamp())
    cache.delete(cache_key)


def client_address(request) -> str:
    """The caller's address. Behind N proxies of our own (REGULARS_TRUST_X_FORWARDED_FOR=N), each
    appends the address it was called from to X-Forwarded-For, so the client is the N-th hop from
    the right; everything left of it was written by the client and is ignored (a client that
    sends "X-Forwarded-For: 1.2.3.4" does not become 1.2.3.4)."""
    from django.conf import settings

    peer = request.META.get("REMOTE_ADDR", "")[:45]
    proxies = settings.REGULARS_TRUST_X_FORWARDED_FOR
    if proxies <= 0:
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    hops = [hop for hop in hops if hop]
    if len(hops) < proxies:
        return peer
    try:
        return str(ipaddress.ip_address(hops[-proxies]))
    except ValueError:
        return peer
