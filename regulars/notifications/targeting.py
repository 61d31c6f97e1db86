"""Who a broadcast reaches.

`{"kind": "users", "ids": [...]}` — a customer list, as the merchant chose it.

`{"kind": "nearby", "lat", "lng", "category_ids", "merchant_id"}` — everyone who follows one of
the categories (the store's category and its parents) or the merchant itself, and for whom the
store is close enough:
* within the subscription's distance of one of their chosen places (home, work…), or
* within the subscription's distance of the edge of their activity range — the circle where
  they usually are, learned from their orders, visits and searches (see
  `promotions.targeting.derive_activity_ranges` and docs/targeting.md) — unless they turned
  that off.

Both tests are one indexed range scan each (a bounding box on latitude/longitude), then an exact
distance check in Python on the few candidates. Distances use the equirectangular approximation,
which at city scale (≤ 30 km) is within 0.1 % of the great-circle distance. Opt-outs, the daily
cap and quiet hours are applied per person at delivery (`services._plan`), where they are logged.
"""

import math

from django.db.models import Q

from .models import Preferences, Subscription

METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LNG_AT_EQUATOR = 111_320.0
MAX_SUBSCRIPTION_M = 20_000
MAX_ACTIVITY_M = 10_000


def _box(lat: float, lng: float, radius_m: float) -> dict:
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlng = radius_m / (METRES_PER_DEGREE_LNG_AT_EQUATOR * math.cos(math.radians(lat)))
    return {"lat": (lat - dlat, lat + dlat), "lng": (lng - dlng, lng + dlng)}


def _distance_fn(lat: float, lng: float):
    scale_lng = METRES_PER_DEGREE_LNG_AT_EQUATOR * math.cos(math.radians(lat))

    def distance(other_lat: float, other_lng: float) -> float:
        return math.hypot((other_lat - lat) * METRES_PER_DEGREE_LAT, (other_lng - lng) * scale_lng)

    return distance


def nearby_followers(
    *, lat: float, lng: float, category_ids: list[int], merchant_id: int | None
) -> set[int]:
    follows = Q(category_id__in=category_ids)
    if merchant_id:
        follows |= Q(merchant_id=merchant_id)
    subscriptions = Subscription.objects.filter(follows)
    distance = _distance_fn(lat, lng)
    found: set[int] = set()

    box = _box(lat, lng, MAX_SUBSCRIPTION_M)
    by_place = subscriptions.filter(
        consumer__places__lat__range=box["lat"], consumer__places__lng__range=box["lng"]
    ).values_list("consumer_id", "radius_m", "consumer__places__lat", "consumer__places__lng")
    for person, radius, place_lat, place_lng in by_place.iterator(chunk_size=20_000):
        if person not in found and distance(place_lat, place_lng) <= radius:
            found.add(person)

    box = _box(lat, lng, MAX_SUBSCRIPTION_M + MAX_ACTIVITY_M)
    declined = Preferences.objects.filter(use_activity_range=False).values("consumer_id")
    by_range = (
        subscriptions.filter(
            consumer__activity_range__lat__range=box["lat"],
            consumer__activity_range__lng__range=box["lng"],
        )
        .exclude(consumer_id__in=declined)
        .values_list(
            "consumer_id",
            "radius_m",
            "consumer__activity_range__lat",
            "consumer__activity_range__lng",
            "consumer__activity_range__radius_m",
        )
    )
    for person, radius, centre_lat, centre_lng, reach in by_range.iterator(chunk_size=20_000):
        if person not in found and distance(centre_lat, centre_lng) <= radius + reach:
            found.add(person)
    return found


def audience_ids(audience: dict, *, merchant_id: int) -> list[int]:
    """The broadcast's people, in id order (so batches are the same when a send resumes)."""
    kind = audience.get("kind")
    if kind == "users":
        return sorted({int(person) for person in audience.get("ids", [])})
    if kind == "nearby":
        return sorted(
            nearby_followers(
                lat=float(audience["lat"]),
                lng=float(audience["lng"]),
                category_ids=[int(c) for c in audience.get("category_ids", [])],
                merchant_id=audience.get("merchant_id") or merchant_id,
            )
        )
    raise ValueError(f"unknown audience kind {kind!r}")
