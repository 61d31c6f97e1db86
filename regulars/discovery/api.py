"""Public discovery API: nearby search, store pages, categories and places."""

from ninja import Query, Router, Schema

from regulars.core import maps, throttle
from regulars.core.replicas import replica_reads
from regulars.merchants import selectors as merchant_selectors
from regulars.merchants.schemas import CategoryOut, ItemOut, StoreDetailOut, StoreSummaryOut

from . import geocoding, selectors

router = Router(tags=["discovery"], auth=None)


class NearbyParams(Schema):
    lat: float
    lng: float
    radius_m: int = 2000
    category: str | None = None
    q: str = ""
    open_now: bool = False
    sort: str = "distance"
    limit: int = 20
    offset: int = 0


class NearbyStoreOut(StoreSummaryOut):
    distance_m: int = 0
    is_open: bool | None = None
    thumbnail_url: str | None = None

    @staticmethod
    def of(found: selectors.NearbyStore):
        """The store, carrying what the search found out about it."""
        store = found.store
        store.distance_m = found.distance_m
        store.is_open = found.is_open
        store.thumbnail_url = found.cover.thumbnail_url if found.cover else None
        return store


class NearbyOut(Schema):
    results: list[NearbyStoreOut]
    has_more: bool
    next_offset: int | None


class NavigateLinkOut(Schema):
    label: str
    url: str


class PublicStoreOut(StoreDetailOut):
    items: list[ItemOut]
    navigate: list[NavigateLinkOut]

    @staticmethod
    def resolve_items(obj):
        return obj.active_items

    @staticmethod
    def resolve_navigate(obj):
        return [
            {"label": str(link.label), "url": link.url}
            for link in maps.navigate_links(obj.lat, obj.lng, obj.name)
        ]


class DistrictOut(Schema):
    slug: str
    name_zh: str
    name_en: str
    lat: float
    lng: float


@router.get("/nearby", response=NearbyOut)
def nearby(request, params: Query[NearbyParams]):
    """Stores within `radius_m` of (`lat`, `lng`), with `distance_m`; paginate by `next_offset`."""
    with replica_reads(request):
        page = selectors.nearby_stores(selectors.NearbyQuery(**params.dict()))
    return {
        "results": [NearbyStoreOut.of(found) for found in page.results],
        "has_more": page.has_more,
        "next_offset": page.next_offset,
    }


@router.get("/stores/{store_id}", response=PublicStoreOut)
def store(request, store_id: int):
    with replica_reads(request):
        return merchant_selectors.public_store(store_id)


@router.get("/categories", response=list[CategoryOut])
def categories(request):
    return merchant_selectors.all_categories()


class FoundPlaceOut(Schema):
    name: str
    lat: float
    lng: float
    source: str


@router.get("/geocode", response=list[FoundPlaceOut])
def geocode(request, q: str, city: str = ""):
    """Positions (WGS-84) for an address: from the configured geocoder (AMap or Tencent), else
    from the district list. At most 30 searches a minute per caller."""
    return geocoding.search(q, city, caller=throttle.client_address(request))


@router.get("/places", response=list[DistrictOut])
def places(request):
    """Districts to search from when the consumer does not share their position."""
    return selectors.places()
