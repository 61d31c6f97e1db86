"""Where the demo city's shops are and what they look like: weighted points across the districts,
addresses, names, phone numbers, prices and generated photos."""

import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings

from regulars.core import geo
from regulars.discovery.city import DISTRICTS, District
from regulars.merchants.models import (
    Category,
    PhotoKind,
)

from .. import catalogue_data as data

SUBCATEGORY_WEIGHTS = {
    "noodles": 9,
    "hotpot": 4,
    "fast-food": 8,
    "local-cuisine": 4,
    "cafe": 6,
    "bakery": 4,
    "dry-cleaning": 6,
    "self-service-laundry": 3,
    "shoe-care": 2,
    "barber": 6,
    "hair-salon": 6,
    "nails": 3,
    "hotel": 3,
    "guesthouse": 2,
    "hostel": 1,
    "bank": 4,
    "post-office": 1,
    "government-service": 1,
    "clinic": 1,
    "gym": 3,
    "yoga": 2,
    "swimming": 1,
    "car-wash": 4,
    "car-repair": 3,
    "tyres": 1,
    "real-estate-agency": 4,
    "rental": 1,
    "renovation": 2,
}


@dataclass(frozen=True)
class Point:
    lat: float
    lng: float
    district: District


def _weighted(rng: random.Random, options: list, weights: list[int]):
    return rng.choices(options, weights=weights, k=1)[0]


def random_point(rng: random.Random) -> Point:
    district = _weighted(rng, list(DISTRICTS), [d.weight for d in DISTRICTS])
    # Shops cluster toward a district's centre: a normal spread, clipped at 2.5 sigma.
    sigma_km = district.spread_km / 2.0
    r_km = min(abs(rng.gauss(0, sigma_km)), 2.5 * sigma_km)
    angle = rng.uniform(0, 2 * math.pi)
    dlat = (r_km * 1000 * math.sin(angle)) / geo.METERS_PER_DEGREE_LAT
    dlng = (r_km * 1000 * math.cos(angle)) / (
        geo.METERS_PER_DEGREE_LAT * math.cos(math.radians(district.lat))
    )
    return Point(round(district.lat + dlat, 6), round(district.lng + dlng, 6), district)


def store_points(count: int, seed: int = 2026) -> Iterator[tuple[float, float, str]]:
    """(lat, lng, subcategory slug) for `count` stores: the shape of the city at any size."""
    rng = random.Random(seed)
    slugs = list(SUBCATEGORY_WEIGHTS)
    weights = [SUBCATEGORY_WEIGHTS[s] for s in slugs]
    for _ in range(count):
        point = random_point(rng)
        yield point.lat, point.lng, _weighted(rng, slugs, weights)


def _address(rng: random.Random, point: Point) -> tuple[str, str]:
    road = rng.choice(point.district.roads)
    return road, f"上海市{point.district.name_zh}{road}{rng.randint(1, 1500)}号"


def _shop_name(rng: random.Random, slug: str, road: str) -> str:
    pattern = rng.choice(data.NAMES[slug])
    brand = rng.choice(data.BRAND_SYLLABLES) + rng.choice(data.BRAND_SYLLABLES)
    return pattern.format(
        brand=brand, surname=rng.choice(data.SURNAMES), road=road.removesuffix("路")
    )


def _phone(rng: random.Random) -> str:
    return (
        "+86"
        + rng.choice(["138", "139", "136", "158", "186", "133"])
        + f"{rng.randint(0, 99_999_999):08d}"
    )


def _price(rng: random.Random, low: int, high: int) -> Decimal:
    if high <= low:
        return Decimal(low).quantize(Decimal("0.01"))
    return Decimal(rng.randint(low, high)).quantize(Decimal("0.01"))


class PhotoPalette:
    """A few dozen generated pictures per category, shared by the demo's stores."""

    VARIANTS = 3

    def __init__(self, top_slugs: list[str]):
        self.top_slugs = top_slugs
        self.paths: dict[tuple[str, str, int], tuple[str, str, int, int]] = {}

    def ensure(self, labels: dict[str, str]) -> None:
        from PIL import Image, ImageDraw, ImageFont

        folder = Path(settings.MEDIA_ROOT) / "demo"
        folder.mkdir(parents=True, exist_ok=True)
        font = None
        for candidate in (
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        ):
            if Path(candidate).exists():
                font = ImageFont.truetype(candidate, 64)
                break
        rng = random.Random(7)
        for top in self.top_slugs:
            for kind in (PhotoKind.STOREFRONT, PhotoKind.ENVIRONMENT, PhotoKind.EQUIPMENT):
                for variant in range(self.VARIANTS):
                    name = f"{top}-{kind}-{variant}"
                    image_path = folder / f"{name}.jpg"
                    thumb_path = folder / f"{name}-thumb.webp"
                    width, height = 960, 640
                    if not (image_path.exists() and thumb_path.exists()):
                        hue = (zlib.crc32(top.encode()) % 360 + variant * 25) % 360
                        image = Image.new("RGB", (width, height), _hsl(hue, 0.35, 0.82))
                        draw = ImageDraw.Draw(image)
                        if kind == PhotoKind.STOREFRONT:
                            draw.rectangle((0, 0, width, 150), fill=_hsl(hue, 0.6, 0.45))
                            for x in range(0, width, 80):
                                draw.rectangle((x, 150, x + 40, 200), fill=_hsl(hue, 0.6, 0.55))
                            draw.rectangle((380, 300, 580, 640), fill=_hsl(hue, 0.25, 0.35))
                            draw.rectangle((60, 280, 320, 520), fill=_hsl(200, 0.4, 0.75))
                            draw.rectangle((640, 280, 900, 520), fill=_hsl(200, 0.4, 0.75))
                            if font:
                                draw.text(
                                    (width / 2, 75),
                                    labels[top],
                                    font=font,
                                    fill="white",
                                    anchor="mm",
                                )
                        else:
                            for _ in range(9):
                                x, y = rng.randint(0, width - 200), rng.randint(200, height - 120)
                                w, h = rng.randint(80, 240), rng.randint(60, 160)
                                shape = (
                                    draw.rectangle if kind == PhotoKind.EQUIPMENT else draw.ellipse
                                )
                                shape(
                                    (x, y, x + w, y + h),
                                    fill=_hsl((hue + rng.randint(0, 90)) % 360, 0.45, 0.55),
                                )
                            draw.rectangle((0, 0, width, 180), fill=_hsl(hue, 0.2, 0.92))
                        image.save(image_path, "JPEG", quality=82)
                        image.thumbnail((480, 360))
                        image.save(thumb_path, "WEBP", quality=80, method=4)
                    self.paths[(top, kind, variant)] = (
                        f"demo/{image_path.name}",
                        f"demo/{thumb_path.name}",
                        width,
                        height,
                    )


def _hsl(h: float, s: float, lightness: float) -> tuple[int, int, int]:
    import colorsys

    r, g, b = colorsys.hls_to_rgb(h / 360, lightness, s)
    return int(r * 255), int(g * 255), int(b * 255)


# What reviewers write, by trade (the category's top level) and stars: a laundry is not praised
# for its noodles. Each trade's lines are joined by the sentences that fit any shop.


def _top_slug(category: Category) -> str:
    return category.parent.slug if category.parent_id else category.slug
