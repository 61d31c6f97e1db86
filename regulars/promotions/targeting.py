"""Each consumer's usual activity range, learned from their habits (docs/targeting.md).

Observations of the last 180 days, each a position with a weight:
* the store of every order they paid for or used (weight 2),
* the store of every purchase recorded on their member cards (weight 2),
* the store of every reservation they kept or still hold (weight 1),
* where they searched from (sampled every 10 minutes at most, weight 1),
* the places they chose themselves (home, work: weight 3).

The centre is the weighted median of latitudes and of longitudes (robust to the odd trip across
town); the radius is the weighted 80th percentile of the observations' distances from it,
between 1 km and 10 km. At least three observations are needed; with fewer, nothing is derived
and only chosen places count for targeting.
"""

import datetime as dt
from collections import defaultdict

from django.db import transaction

from regulars.core import clock, geo
from regulars.membership.models import Purchase
from regulars.notifications.models import ActivityRange, Place, SearchPosition
from regulars.orders.models import Order, OrderStatus, Reservation, ReservationStatus

WINDOW = dt.timedelta(days=180)
MIN_OBSERVATIONS = 3
MIN_RADIUS_M, MAX_RADIUS_M = 1_000, 10_000
SHARE = 0.8


def _weighted_quantile(pairs: list[tuple[float, float]], share: float) -> float:
    """The value below which `share` of the total weight lies. pairs: (value, weight)."""
    pairs = sorted(pairs)
    total = sum(weight for _value, weight in pairs)
    running = 0.0
    for value, weight in pairs:
        running += weight
        if running >= share * total:
            return value
    return pairs[-1][0]


def _distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    return geo.haversine_m(lat1, lng1, lat2, lng2)


def observations(consumer_ids: list[int], now: dt.datetime) -> dict[int, list[tuple]]:
    """(lat, lng, weight) per consumer."""
    since = now - WINDOW
    found: dict[int, list[tuple]] = defaultdict(list)
    orders = Order.objects.filter(
        consumer_id__in=consumer_ids,
        created_at__gte=since,
        status__in=[OrderStatus.PAID, OrderStatus.CONSUMED, OrderStatus.COMPLETED],
    ).values_list("consumer_id", "store__lat", "store__lng")
    for person, lat, lng in orders:
        found[person].append((lat, lng, 2.0))
    purchases = Purchase.objects.filter(
        card__consumer_id__in=consumer_ids,
        created_at__gte=since,
        store__isnull=False,
        order__isnull=True,
    ).values_list("card__consumer_id", "store__lat", "store__lng")
    for person, lat, lng in purchases:
        found[person].append((lat, lng, 2.0))
    reservations = Reservation.objects.filter(
        consumer_id__in=consumer_ids,
        starts_at__gte=since,
        status__in=[ReservationStatus.CONFIRMED, ReservationStatus.COMPLETED],
    ).values_list("consumer_id", "store__lat", "store__lng")
    for person, lat, lng in reservations:
        found[person].append((lat, lng, 1.0))
    searches = SearchPosition.objects.filter(
        consumer_id__in=consumer_ids, at__gte=since
    ).values_list("consumer_id", "lat", "lng")
    for person, lat, lng in searches:
        found[person].append((lat, lng, 1.0))
    for person, lat, lng in Place.objects.filter(consumer_id__in=consumer_ids).values_list(
        "consumer_id", "lat", "lng"
    ):
        found[person].append((lat, lng, 3.0))
    return found


def activity_range(points: list[tuple]) -> tuple[float, float, int] | None:
    """(lat, lng, radius_m) from weighted observations, or None with too few."""
    if len(points) < MIN_OBSERVATIONS:
        return None
    lat = _weighted_quantile([(p[0], p[2]) for p in points], 0.5)
    lng = _weighted_quantile([(p[1], p[2]) for p in points], 0.5)
    spread = _weighted_quantile([(_distance_m(lat, lng, p[0], p[1]), p[2]) for p in points], SHARE)
    radius = int(min(max(spread, MIN_RADIUS_M), MAX_RADIUS_M))
    return lat, lng, radius


def derive_activity_ranges(
    *, consumer_ids: list[int] | None = None, now: dt.datetime | None = None
) -> int:
    """Recompute the ranges of these consumers (default: everyone who follows something).
    Returns how many were stored."""
    from regulars.notifications.models import Subscription

    now = now or clock.now()
    if consumer_ids is None:
        consumer_ids = list(
            Subscription.objects.values_list("consumer_id", flat=True).distinct().order_by()
        )
    stored = 0
    for start in range(0, len(consumer_ids), 2000):
        chunk = consumer_ids[start : start + 2000]
        seen = observations(chunk, now)
        with transaction.atomic():
            for person in chunk:
                derived = activity_range(seen.get(person, []))
                if derived is None:
                    ActivityRange.objects.filter(consumer_id=person).delete()
                    continue
                lat, lng, radius = derived
                ActivityRange.objects.update_or_create(
                    consumer_id=person,
                    defaults={
                        "lat": lat,
                        "lng": lng,
                        "radius_m": radius,
                        "points": len(seen[person]),
                        "computed_at": now,
                    },
                )
                stored += 1
    return stored
