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

One SQL statement answers it: an indexed bounding-box range on latitude/longitude, then the exact
distance test in the same query, so a million followers come back as a million ids without a
Python loop. Distances use the equirectangular approximation, which at city scale (≤ 30 km) is
within 0.1 % of the great-circle distance. Opt-outs, the daily cap and quiet hours are applied
per person at delivery (`services._deliver_inbox`), where they are logged.
"""

import math

from django.db import connection

from regulars.core import geo

from .models import ActivityRange, Place, Preferences, Subscription

# The one earth model of `core.geo` (a degree of longitude shrinks with the latitude's cosine).
METRES_PER_DEGREE_LAT = geo.METERS_PER_DEGREE_LAT
METRES_PER_DEGREE_LNG_AT_EQUATOR = geo.METERS_PER_DEGREE_LAT
MAX_SUBSCRIPTION_M = 20_000
MAX_ACTIVITY_M = 10_000


def _box(lat: float, lng: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / METRES_PER_DEGREE_LAT
    dlng = radius_m / (METRES_PER_DEGREE_LNG_AT_EQUATOR * math.cos(math.radians(lat)))
    return lat - dlat, lat + dlat, lng - dlng, lng + dlng


def nearby_followers(
    *, lat: float, lng: float, category_ids: list[int], merchant_id: int | None
) -> list[int]:
    """Ids of the followers the store at (lat, lng) is close enough to, ascending."""
    scale_lng = METRES_PER_DEGREE_LNG_AT_EQUATOR * math.cos(math.radians(lat))
    categories = list(category_ids) or [0]
    follows = f"(s.category_id IN ({', '.join(['%s'] * len(categories))}) OR s.merchant_id = %s)"
    follow_params = [*categories, merchant_id or 0]

    def squared(alias: str) -> str:
        return (
            f"(({alias}.lat - %s) * {METRES_PER_DEGREE_LAT}) * (({alias}.lat - %s) * "
            f"{METRES_PER_DEGREE_LAT}) + (({alias}.lng - %s) * {scale_lng}) * "
            f"(({alias}.lng - %s) * {scale_lng})"
        )

    here = [lat, lat, lng, lng]
    sql = f"""
        SELECT s.consumer_id
        FROM {Subscription._meta.db_table} AS s
        JOIN {Place._meta.db_table} AS pl ON pl.consumer_id = s.consumer_id
        WHERE {follows}
          AND pl.lat BETWEEN %s AND %s AND pl.lng BETWEEN %s AND %s
          AND {squared("pl")} <= s.radius_m * s.radius_m
        UNION
        SELECT s.consumer_id
        FROM {Subscription._meta.db_table} AS s
        JOIN {ActivityRange._meta.db_table} AS a ON a.consumer_id = s.consumer_id
        WHERE {follows}
          AND a.lat BETWEEN %s AND %s AND a.lng BETWEEN %s AND %s
          AND {squared("a")} <= (s.radius_m + a.radius_m) * (s.radius_m + a.radius_m)
          AND NOT EXISTS (
              SELECT 1 FROM {Preferences._meta.db_table} AS pr
              WHERE pr.consumer_id = s.consumer_id AND NOT pr.use_activity_range
          )
        ORDER BY 1
    """
    params = [
        *follow_params,
        *_box(lat, lng, MAX_SUBSCRIPTION_M),
        *here,
        *follow_params,
        *_box(lat, lng, MAX_SUBSCRIPTION_M + MAX_ACTIVITY_M),
        *here,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


# People a merchant sends no offers to, whoever targets them: each function takes the merchant's
# id and returns a queryset of user ids (the customer directory adds its risk list).
EXCLUSIONS: list = []


def register_exclusion(people_of) -> None:
    if people_of not in EXCLUSIONS:
        EXCLUSIONS.append(people_of)


def excluded_ids(merchant_id: int | None) -> set[int]:
    if not merchant_id:
        return set()
    found: set[int] = set()
    for people_of in EXCLUSIONS:
        found.update(people_of(merchant_id))
    return found


def audience_ids(audience: dict, *, merchant_id: int) -> list[int]:
    """The broadcast's people, in id order (so batches are the same when a send resumes),
    without those the merchant excluded."""
    kind = audience.get("kind")
    if kind == "users":
        people = {int(person) for person in audience.get("ids", [])}
    elif kind == "nearby":
        people = nearby_followers(
            lat=float(audience["lat"]),
            lng=float(audience["lng"]),
            category_ids=[int(c) for c in audience.get("category_ids", [])],
            merchant_id=audience.get("merchant_id") or merchant_id,
        )
    else:
        raise ValueError(f"unknown audience kind {kind!r}")
    excluded = excluded_ids(merchant_id)
    return sorted(person for person in people if person not in excluded)
