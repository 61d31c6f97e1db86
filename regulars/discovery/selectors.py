"""Nearby search: every store around a position, by category, keyword and opening hours.

The query narrows by the grid-cell index first (see regulars.core.geo and .spatial), then
filters and orders by an equirectangular distance computed in the database, and fetches one row
more than asked to know whether another page exists, so no COUNT over the area is needed.
"""

import datetime as dt
import math
from dataclasses import dataclass, field

from django.db.models import Exists, F, FloatField, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from regulars.core import clock, geo
from regulars.core.errors import DomainError
from regulars.discovery.errors import Problem
from regulars.merchants.models import (
    CatalogItem,
    HolidayClosure,
    OpeningHours,
    Photo,
    Store,
)
from regulars.merchants.selectors import category_by_id, category_nodes

from . import spatial, statements

SORTS = ("distance", "rating", "popularity")
MAX_LIMIT = 100
MAX_Q_LENGTH = 50


@dataclass(frozen=True)
class NearbyQuery:
    lat: float
    lng: float
    radius_m: int = 2000
    category: str | None = None
    q: str = ""
    open_now: bool = False
    sort: str = "distance"
    limit: int = 20
    offset: int = 0


@dataclass(frozen=True)
class Cover:
    thumbnail_url: str


@dataclass
class NearbyStore:
    store: Store
    distance_m: int  # shown, in whole metres
    is_open: bool | None = None
    cover: Cover | None = None
    exact_m: float = 0.0  # what the order is decided on


@dataclass
class NearbyPage:
    results: list[NearbyStore]
    has_more: bool
    query: NearbyQuery
    next_offset: int | None = field(default=None)


def validate_query(query: NearbyQuery) -> NearbyQuery:
    """Refuse what cannot be searched, naming the field."""
    if not -90 <= query.lat <= 90 or math.isnan(query.lat):
        raise DomainError(
            _("Latitude must be between -90 and 90."), field="lat", code=Problem.OUT_OF_RANGE
        )
    if not -180 <= query.lng <= 180 or math.isnan(query.lng):
        raise DomainError(
            _("Longitude must be between -180 and 180."), field="lng", code=Problem.OUT_OF_RANGE
        )
    if not 50 <= query.radius_m <= geo.MAX_RADIUS_M:
        raise DomainError(
            _("The radius must be between 50 m and %(km)d km.") % {"km": geo.MAX_RADIUS_M // 1000},
            field="radius_m",
            code=Problem.OUT_OF_RANGE,
        )
    if query.category and query.category not in category_nodes():
        raise DomainError(_("Unknown category."), field="category", code=Problem.UNKNOWN_CHOICE)
    if query.sort not in SORTS:
        raise DomainError(
            _("Sort by distance, rating or popularity."), field="sort", code=Problem.UNKNOWN_CHOICE
        )
    if not 1 <= query.limit <= MAX_LIMIT:
        raise DomainError(
            _("Limit must be between 1 and %(n)d.") % {"n": MAX_LIMIT},
            field="limit",
            code=Problem.OUT_OF_RANGE,
        )
    if query.offset < 0 or query.offset > 10_000:
        raise DomainError(
            _("Offset must be between 0 and 10000."), field="offset", code=Problem.OUT_OF_RANGE
        )
    if len(query.q) > MAX_Q_LENGTH:
        raise DomainError(
            _("Search words may be at most %(n)d characters.") % {"n": MAX_Q_LENGTH},
            field="q",
            code=Problem.TOO_LONG,
        )
    return query


def _category_ids(query: NearbyQuery) -> tuple[int, ...] | None:
    return category_nodes()[query.category].descendant_ids if query.category else None


def _within_radius(query: NearbyQuery):
    """Active stores within the radius (found through the grid index), with `distance2`."""
    sql, params = spatial.candidates_sql(
        spatial.Circle(query.lat, query.lng, query.radius_m), _category_ids(query)
    )
    ky2, kx2 = spatial.Circle(query.lat, query.lng, query.radius_m).weights
    dy = F("lat") - Value(query.lat)
    dx = F("lng") - Value(query.lng)
    distance2 = Cast(dy * dy * Value(ky2) + dx * dx * Value(kx2), FloatField())
    return Store.objects.filter(
        pk__in=RawSQL(f"SELECT id FROM ({sql}) AS nearby", params)
    ).annotate(distance2=distance2)


def _open_now_filter(moment: dt.datetime):
    local = timezone.localtime(moment)
    open_range = OpeningHours.objects.filter(
        store=OuterRef("pk"),
        weekday=local.weekday(),
        opens__lte=local.time(),
        closes__gt=local.time(),
    )
    closed_today = HolidayClosure.objects.filter(
        store=OuterRef("pk"), start_date__lte=local.date(), end_date__gte=local.date()
    )
    return Exists(open_range) & ~Exists(closed_today)


def _keyword_filter(words: str):
    condition = Q()
    for word in words.split():
        condition &= (
            Q(name__icontains=word)
            | Q(description__icontains=word)
            | Q(features__icontains=word)
            | Q(address__icontains=word)
            | Q(category__name_zh__icontains=word)
            | Q(category__name_en__icontains=word)
            | Exists(
                CatalogItem.objects.filter(store=OuterRef("pk"), is_active=True).filter(
                    Q(name__icontains=word) | Q(description__icontains=word)
                )
            )
        )
    return condition


ORDERINGS = {
    "distance": ("distance2", "id"),
    "rating": ("-rating_score", "distance2", "id"),
    "popularity": ("-popularity", "distance2", "id"),
}


def nearby_stores(query: NearbyQuery, *, now: dt.datetime | None = None) -> NearbyPage:
    query = validate_query(query)
    now = now or clock.now()
    wanted = query.offset + query.limit + 1
    if query.sort == "distance" and not query.q.strip() and not query.open_now:
        # The common case reads only the nearest stores from the index, however dense the city.
        found = spatial.nearest(query.lat, query.lng, query.radius_m, _category_ids(query), wanted)
        ids = [store_id for store_id, _d2 in found[query.offset :]]
    else:
        stores = _within_radius(query)
        if query.q.strip():
            stores = stores.filter(_keyword_filter(query.q.strip()))
        if query.open_now:
            stores = stores.filter(_open_now_filter(now))
        ordered = stores.order_by(*ORDERINGS[query.sort]).values_list("pk", flat=True)
        ids = list(ordered[query.offset : wanted])
    has_more = len(ids) > query.limit
    by_id = statements.stores_open_now_and_cover(ids[: query.limit], now)
    page = [by_id[store_id] for store_id in ids[: query.limit] if store_id in by_id]
    storage = Photo._meta.get_field("thumbnail").storage
    results = []
    for s in page:
        s.category = category_by_id(s.category_id)  # from memory, not a join
        exact = geo.haversine_m(query.lat, query.lng, s.lat, s.lng)
        results.append(
            NearbyStore(
                store=s,
                distance_m=round(exact),
                is_open=bool(s.open_now),
                cover=Cover(thumbnail_url=storage.url(s.cover_thumbnail))
                if s.cover_thumbnail
                else None,
                exact_m=exact,
            )
        )
    if query.sort == "distance":
        # The database orders on the same sphere with a local flat projection; the page settles
        # on the great-circle distance itself (not whole metres: 100.2 m comes before 100.4 m).
        results.sort(key=lambda found: (found.exact_m, found.store.pk))
    return NearbyPage(
        results=results,
        has_more=has_more,
        query=query,
        next_offset=query.offset + query.limit if has_more else None,
    )


def nearest_store_ids(
    *, lat: float, lng: float, radius_m: int, category: str | None, limit: int = 20
) -> list[tuple[int, float]]:
    """The bare nearby query (ids and squared distances), as the benchmark measures it."""
    query = validate_query(
        NearbyQuery(lat=lat, lng=lng, radius_m=radius_m, category=category, limit=limit)
    )
    return spatial.nearest(query.lat, query.lng, query.radius_m, _category_ids(query), limit)


@dataclass(frozen=True)
class Place:
    slug: str
    name_zh: str
    name_en: str
    lat: float
    lng: float

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


def places() -> list[Place]:
    """Districts a consumer can search from when they do not share their position."""
    from regulars.discovery.city import DISTRICTS

    return [Place(d.slug, d.name_zh, d.name_en, d.lat, d.lng) for d in DISTRICTS]


def place(slug: str) -> Place | None:
    return next((p for p in places() if p.slug == slug), None)
