"""API shapes for merchants and stores, shared by the discovery and console APIs."""

import datetime as dt
from decimal import Decimal

from ninja import Schema

from regulars.core.boundary import WallTime


class CategoryOut(Schema):
    slug: str
    name: str
    name_zh: str
    name_en: str
    parent: str | None = None
    discovery_only: bool

    @staticmethod
    def resolve_parent(obj):
        return obj.parent.slug if obj.parent_id else None

    @staticmethod
    def resolve_discovery_only(obj):
        return obj.is_discovery_only


class HoursOut(Schema):
    weekday: int
    opens: WallTime
    closes: WallTime


class ClosureOut(Schema):
    id: int
    start_date: dt.date
    end_date: dt.date
    note: str


class PhotoOut(Schema):
    id: int
    kind: str
    caption: str
    url: str
    thumbnail_url: str
    width: int
    height: int

    @staticmethod
    def resolve_url(obj):
        return obj.image.url

    @staticmethod
    def resolve_thumbnail_url(obj):
        return obj.thumbnail.url


class ItemOut(Schema):
    id: int
    store_id: int
    name: str
    description: str
    price: Decimal
    member_price: Decimal | None
    section: str
    currency: str = "CNY"
    duration_minutes: int | None
    bookable: bool
    buyable: bool
    is_active: bool
    slot_capacity: int
    home_service: bool
    photos: list[PhotoOut]

    @staticmethod
    def resolve_photos(obj):
        return list(obj.photos.all())


class StoreSummaryOut(Schema):
    id: int
    merchant_id: int
    name: str
    category: str
    category_name: str
    district: str
    address: str
    lat: float
    lng: float
    phone: str
    rating: Decimal
    rating_count: int
    popularity: int
    is_active: bool

    @staticmethod
    def resolve_category(obj):
        return obj.category.slug

    @staticmethod
    def resolve_category_name(obj):
        return obj.category.name

    @staticmethod
    def resolve_rating(obj):
        return obj.rating_avg


class StoreDetailOut(StoreSummaryOut):
    description: str
    features: str
    discovery_only: bool
    hours: list[HoursOut]
    closures: list[ClosureOut]
    photos: list[PhotoOut]

    @staticmethod
    def resolve_discovery_only(obj):
        return obj.category.is_discovery_only

    @staticmethod
    def resolve_hours(obj):
        return list(obj.hours.all())

    @staticmethod
    def resolve_closures(obj):
        return list(obj.closures.all())

    @staticmethod
    def resolve_photos(obj):
        return [p for p in obj.photos.all() if p.item_id is None]
