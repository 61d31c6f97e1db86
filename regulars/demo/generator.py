"""A deterministic generator of a realistic demo city (seeded: the same seed, the same city).

`store_points` alone scales to millions of stores for benchmarks; `build_city` writes a whole
city of merchants, stores, hours, catalogue, photos and consumers through bulk inserts.
"""

import datetime as dt
import math
import random
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from regulars.core import clock, geo
from regulars.discovery.city import DISTRICTS, District
from regulars.merchants.models import (
    CatalogItem,
    Category,
    Membership,
    Merchant,
    OpeningHours,
    Photo,
    PhotoKind,
    Role,
    Store,
)

from . import catalogue_data as data

DEMO_PASSWORD = "regulars-demo"
DEMO_OWNER_PHONE = "+8613900000001"
DEMO_CONSUMER_PHONE = "+8613800000001"
DEMO_OPERATOR = "admin"

# Relative number of shops per subcategory: a city has far more noodle shops than hostels.
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
                    thumb_path = folder / f"{name}-thumb.jpg"
                    width, height = 960, 640
                    if not image_path.exists():
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
                        image.save(thumb_path, "JPEG", quality=80)
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
ANY_SHOP_REVIEWS = {
    5: ["非常满意，下次还来！", "服务热情，环境干净。", "老板人很好，性价比高。"],
    4: ["整体不错，就是人有点多。", "价格公道，服务周到。", "挺好的，离家近很方便。"],
    3: ["一般般，中规中矩。", "等的时间有点长。", "还可以，没有特别惊喜。"],
    2: ["服务态度需要改进。", "和描述有点出入。"],
    1: ["体验很差，不会再来。", "说好的时间还要等很久。"],
}
TRADE_REVIEWS = {
    "dining": {
        5: ["味道正宗，汤头很鲜！", "分量足，排队也值得。", "招牌菜名不虚传。"],
        4: ["菜品不错，上菜稍慢。", "口味偏咸，整体好吃。"],
        3: ["味道一般，胜在实惠。", "高峰期座位太挤。"],
        2: ["菜有点凉了。", "面条煮得太软。"],
        1: ["吃完肚子不舒服。", "菜里吃出了头发。"],
    },
    "laundry": {
        5: ["羽绒服洗得像新的一样！", "衬衫熨得很平整，取衣很快。", "污渍全洗掉了，很专业。"],
        4: ["洗得干净，就是要等三天。", "价格合理，包装仔细。"],
        3: ["洗得还行，领口还有点黄。", "取衣时找了半天。"],
        2: ["毛衣洗后有点缩水。", "约好的时间没洗好。"],
        1: ["真丝衬衫洗坏了，沟通也不顺。", "衣服少了一颗扣子。"],
    },
    "hair": {
        5: ["手艺一流，剪得很满意！", "发型师很耐心，懂我要的效果。", "染的颜色很自然。"],
        4: ["剪得不错，就是推销办卡有点多。", "技术好，等位稍久。"],
        3: ["剪得中规中矩。", "洗头不太舒服。"],
        2: ["剪得比说的短了。", "烫完两周就塌了。"],
        1: ["头发被剪坏了。", "一直推销办卡，体验很差。"],
    },
    "lodging": {
        5: ["房间干净安静，床很舒服。", "前台很热情，位置方便。"],
        4: ["房间不大但很干净。", "早餐种类少了点。"],
        3: ["隔音一般。", "设施有点旧。"],
        2: ["热水时有时无。", "入住等了很久。"],
        1: ["床单不干净。", "订好的房间没有了。"],
    },
    "public-services": {
        5: ["办事效率高，工作人员很耐心。", "叫号有序，很快就办好了。"],
        4: ["流程清楚，人稍多。", "窗口服务不错。"],
        3: ["排队时间有点长。", "材料要求没提前说清楚。"],
        2: ["窗口开得太少。", "来回跑了两趟。"],
        1: ["等了两个小时没办成。", "工作人员态度生硬。"],
    },
    "fitness": {
        5: ["器械齐全，教练很专业。", "课程安排合理，练得很开心。", "更衣室干净。"],
        4: ["环境不错，晚上人多。", "教练认真，就是课有点难约。"],
        3: ["器械有点旧。", "淋浴水压不够。"],
        2: ["推销私教太频繁。", "空调不够凉。"],
        1: ["办卡后说好的课没有了。", "器械坏了很久没修。"],
    },
    "car-services": {
        5: ["车洗得很干净，内饰也擦了。", "师傅检查得仔细，价格透明。"],
        4: ["洗得干净，排队稍久。", "修得不错，等配件多等了一天。"],
        3: ["车窗还有水印。", "报价比预想的高。"],
        2: ["轮毂没洗干净。", "修完过两天又响了。"],
        1: ["车漆被刮了一道。", "乱加项目收费。"],
    },
    "real-estate": {
        5: ["经纪人很负责，带看很多套。", "装修队施工规范，按时完工。"],
        4: ["服务不错，回复稍慢。", "房源信息比较真实。"],
        3: ["房源和照片有差距。", "沟通需要更及时。"],
        2: ["中介费不透明。", "工期拖了一周。"],
        1: ["虚假房源。", "装修质量差，返工多次。"],
    },
}


def review_text(rng: random.Random, trade: str, stars: int) -> str:
    """A review fitting the shop's trade and its stars."""
    return rng.choice(TRADE_REVIEWS.get(trade, {}).get(stars, []) + ANY_SHOP_REVIEWS[stars])


# A shop's reply, by whether the review was happy (4 or 5 stars) or not.
REPLIES = {
    True: ["感谢您的支持，欢迎常来！", "谢谢您的好评，期待下次再为您服务。"],
    False: ["谢谢反馈，我们会继续改进。", "抱歉给您带来不好的体验，我们会改进。"],
}


def _history(rng: random.Random, stores: list, items: list, people: list) -> dict:
    """A year of past orders (completed, settled) and reviews, so that ratings, statements and
    store pages show a lived-in city. Ratings are computed from these reviews."""
    from regulars.core import codes
    from regulars.reviews.models import Review
    from regulars.reviews.services import rating_summary

    now = clock.now()
    buyable: dict[int, list] = {}
    for item in items:
        if item.buyable and item.price > 0:
            buyable.setdefault(item.store_id, []).append(item)
    orders, lines, reviews = [], [], []
    used_codes: set[str] = set()
    for store in stores:
        if store.category.is_discovery_only or rng.random() > 0.85:
            continue
        count = min(int(rng.paretovariate(1.3) * 3), 150)
        quality = rng.gauss(4.3, 0.4)
        for _ in range(count):
            when = now - dt.timedelta(days=rng.uniform(1, 365), minutes=rng.randint(0, 600))
            author = rng.choice(people)
            stars = max(1, min(5, round(rng.gauss(quality, 0.8))))
            order = None
            if store.pk in buyable and rng.random() < 0.6:
                item = rng.choice(buyable[store.pk])
                code = codes.new_code()
                while code in used_codes:
                    code = codes.new_code()
                used_codes.add(code)
                order = _past_order(store, author, item, when, code)
                orders.append(order)
                lines.append((order, item))
            reviews.append(
                (
                    Review(
                        merchant_id=store.merchant_id,
                        store=store,
                        author=author,
                        verified=order is not None,
                        stars=stars,
                        service=max(1, min(5, stars + rng.choice([-1, 0, 0, 1]))),
                        environment=max(1, min(5, stars + rng.choice([-1, 0, 0, 1]))),
                        value=max(1, min(5, stars + rng.choice([-1, 0, 0, 1]))),
                        text=review_text(rng, _top_slug(store.category), stars),
                        reply=rng.choice(REPLIES[stars >= 4]) if rng.random() < 0.3 else "",
                    ),
                    order,
                    when,
                )
            )
    _save_past_orders(lines)
    review_rows = []
    for review, order, _when in reviews:
        review.order = order
        review_rows.append(review)
    Review.objects.bulk_create(review_rows, batch_size=2000)
    # Backdate: the rows were stamped "now" on insert (auto_now_add), so one UPDATE per row.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE reviews_review SET created_at = %s WHERE id = %s",
            [(when, review.pk) for review, _order, when in reviews],
        )

    by_store: dict[int, list[tuple[int, bool]]] = {}
    for review in review_rows:
        by_store.setdefault(review.store_id, []).append((review.stars, review.verified))
    for store in stores:
        average, count, score = rating_summary(by_store.get(store.pk, []))
        store.rating_avg, store.rating_count, store.rating_score = (
            Decimal(str(average)),
            count,
            score,
        )
        store.popularity += count * 7
    Store.objects.bulk_update(
        stores, ["rating_avg", "rating_count", "rating_score", "popularity"], batch_size=2000
    )
    return {"orders": len(orders), "reviews": len(review_rows)}


def _past_order(store, consumer, item, when, code: str, consumed_by=None):
    from regulars.orders.models import Order, OrderStatus

    return Order(
        merchant_id=store.merchant_id,
        store=store,
        consumer=consumer,
        status=OrderStatus.COMPLETED,
        total=item.price,
        payment_method="store",
        code=code,
        paid_at=when,
        consumed_at=when,
        consumed_by=consumed_by,
        completed_at=when,
        expires_at=when + dt.timedelta(days=90),
    )


def _save_past_orders(lines: list) -> None:
    """Write (order, item) pairs with their line and settlement, stamped when they happened."""
    from django.db import connection

    from regulars.orders.models import Order, OrderLine, SettlementEntry, SettlementKind

    Order.objects.bulk_create([order for order, _item in lines], batch_size=2000)
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                merchant_id=o.merchant_id,
                order=o,
                item=i,
                name=i.name,
                unit_price=i.price,
                quantity=1,
                amount=i.price,
            )
            for o, i in lines
        ],
        batch_size=2000,
    )
    rate = Decimal("0.0300")
    entries = [
        SettlementEntry(
            merchant_id=order.merchant_id,
            order=order,
            kind=SettlementKind.SALE,
            gross=order.total,
            commission_rate=rate,
            commission=(order.total * rate).quantize(Decimal("0.01")),
            net=order.total - (order.total * rate).quantize(Decimal("0.01")),
            idempotency_key=f"sale:{order.pk}",
        )
        for order, _item in lines
    ]
    SettlementEntry.objects.bulk_create(entries, batch_size=2000)
    # The rows were stamped "now" on insert (auto_now_add): backdate them.
    with connection.cursor() as cursor:
        for table, rows in (
            ("orders_order", [(order.paid_at, order.pk) for order, _item in lines]),
            ("orders_settlemententry", [(e.order.paid_at, e.pk) for e in entries]),
        ):
            cursor.executemany(f"UPDATE {table} SET created_at = %s WHERE id = %s", rows)


def _regulars_history(rng: random.Random, merchant, owner, people: list) -> int:
    """The demo merchant's own regulars: two years of customers, each with a rhythm and a
    favourite dish, some drifting away, served by a cashier and an account manager, so that
    its directory, scores and reports tell a story. Returns the orders written."""
    from django.contrib.auth import get_user_model

    from regulars.core import codes
    from regulars.merchants.models import CatalogItem, Membership, Role, Store

    store = Store.objects.filter(merchant=merchant).order_by("id").first()
    menu = list(CatalogItem.objects.filter(store=store, buyable=True, price__gt=0))
    if not menu:
        return 0
    User = get_user_model()
    staff = []
    for username, name, role in (
        ("cashier1", "收银小王", Role.CASHIER),
        ("manager1", "客户经理小陈", Role.ACCOUNT_MANAGER),
    ):
        user = User.objects.create(username=username, display_name=name, password=owner.password)
        Membership.objects.create(merchant=merchant, user=user, role=role)
        staff.append(user)
    now = clock.now()
    lines = []
    used: set[str] = set()
    for person in people[:320]:
        start = now - dt.timedelta(days=rng.uniform(5, 700))
        rhythm = max(5.0, rng.lognormvariate(3.3, 0.5))  # days between visits, about 27
        stays = rng.uniform(30, 900)  # how long they keep coming
        favourite = rng.choice(menu)
        when = start
        while when < now and (when - start).days < stays:
            item = favourite if rng.random() < 0.6 else rng.choice(menu)
            code = codes.new_code()
            while code in used:
                code = codes.new_code()
            used.add(code)
            at = timezone.localtime(when).replace(hour=rng.choice([11, 12, 12, 13, 18, 18, 19, 20]))
            if at > now:  # today's visit at an hour still to come: it happened yesterday
                at -= dt.timedelta(days=1)
            cashier = rng.choice([owner, staff[0], staff[0]])
            lines.append((_past_order(store, person, item, at, code, cashier), item))
            when += dt.timedelta(days=rng.expovariate(1 / rhythm))
    _save_past_orders(lines)
    _regulars_reviews(rng, store, lines)
    return len(lines)


def _regulars_reviews(rng: random.Random, store, lines: list) -> None:
    """About half the regulars review some of their meals, each with a mood of their own, so
    the satisfaction × loyalty matrix has customers in every cell."""
    from regulars.reviews.models import Review
    from regulars.reviews.services import rating_summary

    by_person: dict[int, list] = {}
    for order, _item in lines:
        by_person.setdefault(order.consumer_id, []).append(order)
    reviews = []
    for orders in by_person.values():
        if rng.random() < 0.5:
            continue
        mood = rng.choice([2.2, 3.4, 4.3, 4.6, 4.8])
        for order in rng.sample(orders, min(len(orders), rng.randint(1, 3))):
            stars = max(1, min(5, round(rng.gauss(mood, 0.5))))
            reviews.append(
                Review(
                    merchant_id=store.merchant_id,
                    store=store,
                    author_id=order.consumer_id,
                    order=order,
                    verified=True,
                    stars=stars,
                    text=review_text(rng, _top_slug(store.category), stars),
                )
            )
    Review.objects.bulk_create(reviews, batch_size=2000)
    everything = list(Review.objects.filter(store=store).values_list("stars", "verified"))
    average, count, score = rating_summary(everything)
    type(store).objects.filter(pk=store.pk).update(
        rating_avg=Decimal(str(average)), rating_count=count, rating_score=score
    )


def _member_cards(rng: random.Random, merchants: list, owners: list, people: list) -> int:
    """Card programs for the demo owner and forty other shops, with members who topped up and
    bought; the demo consumer holds three cards."""
    from regulars.membership import services as card_services
    from regulars.merchants.permissions import StaffContext

    issued = 0
    chosen = [0, *rng.sample(range(1, len(merchants)), k=min(40, len(merchants) - 1))]
    for position, index in enumerate(chosen):
        merchant, owner = merchants[index], owners[index]
        if merchant.category.is_discovery_only:
            continue
        actor = StaffContext(user=owner, merchant=merchant, role=Role.OWNER)
        card_services.design_program(
            actor=actor,
            title=f"{merchant.name}会员卡",
            subtitle=rng.choice(["积分当钱花", "会员专享折扣", "充值有礼"]),
            template=rng.choice(["classic", "fresh", "night", "gold"]),
            color=rng.choice(["#e8572a", "#1a56db", "#0f766e", "#9333ea", "#b91c1c"]),
            published=True,
        )
        members = rng.sample(people[1:], k=6) + ([people[0]] if position < 3 else [])
        for person in members:
            card = card_services.apply_for_card(consumer=person, merchant_id=merchant.pk)
            if rng.random() < 0.6:
                card_services.top_up(
                    card_id=card.pk,
                    amount=rng.choice([100, 300, 500, 1000]),
                    idempotency_key=f"demo-topup-{card.pk}",
                )
            for n in range(rng.randint(1, 4)):
                card_services.record_purchase(
                    card_id=card.pk,
                    amount=Decimal(rng.randint(20, 400)),
                    idempotency_key=f"demo-buy-{card.pk}-{n}",
                    description=rng.choice(["到店消费", "会员日", "套餐"]),
                )
            issued += 1
    return issued


def _subscriptions(rng: random.Random, people: list, tops: list) -> int:
    """Two thousand consumers with a home and one to three kinds of shop they follow; the demo
    consumer follows laundries and hair salons within 2 km of People's Square."""
    from regulars.notifications.models import Place, Subscription

    followers = people[:2000]
    places, follows = [], []
    for index, person in enumerate(followers):
        point = random_point(rng)
        lat, lng = (31.2317, 121.4846) if index == 0 else (point.lat, point.lng)
        places.append(Place(consumer=person, kind="home", lat=lat, lng=lng))
        chosen = (
            [c for c in tops if c.slug in ("laundry", "hair")]
            if index == 0
            else rng.sample(tops, k=rng.randint(1, 3))
        )
        for category in chosen:
            radius = 2000 if index == 0 else rng.choice([1000, 2000, 3000, 5000])
            follows.append(Subscription(consumer=person, category=category, radius_m=radius))
    Place.objects.bulk_create(places, batch_size=2000)
    Subscription.objects.bulk_create(follows, batch_size=2000)
    return len(followers)


def _campaigns(rng: random.Random, merchants: list, owners: list, people: list) -> int:
    """Coupon campaigns with claims and redemptions for the demo owner and thirty other shops;
    the demo owner also has an issued campaign with a holdout and a flash deal."""
    import datetime as dt

    from regulars.merchants.permissions import StaffContext
    from regulars.promotions import services as coupons

    now = clock.now()
    made = 0
    chosen = [0, *rng.sample(range(1, len(merchants)), k=min(30, len(merchants) - 1))]
    for index in chosen:
        merchant, owner = merchants[index], owners[index]
        if merchant.category.is_discovery_only:
            continue
        actor = StaffContext(user=owner, merchant=merchant, role=Role.OWNER)
        threshold = rng.choice([50, 100, 200])
        campaign = coupons.save_campaign(
            actor=actor,
            data=coupons.CampaignInput(
                name=rng.choice(["开业满减", "周末特惠", "老客回馈", "新客立减"]),
                kind="threshold",
                amount=Decimal(threshold // 5),
                threshold=Decimal(threshold),
                valid_from=now - dt.timedelta(days=20),
                valid_until=now + dt.timedelta(days=40),
                stock=200,
                description="到店出示券码即可使用",
            ),
        )
        coupons.set_published(actor=actor, campaign_id=campaign.pk, published=True)
        for person in rng.sample(people[1:], k=rng.randint(8, 20)):
            coupon = coupons.claim(consumer=person, campaign_id=campaign.pk)
            if rng.random() < 0.3:
                coupons.mark_viewed(consumer=person, coupon_id=coupon.pk)
            if rng.random() < 0.4:
                coupons.redeem_at_till(
                    actor=actor, code=coupon.code, bill=Decimal(threshold + rng.randint(0, 150))
                )
        made += 1
    demo = StaffContext(user=owners[0], merchant=merchants[0], role=Role.OWNER)
    regulars = coupons.save_campaign(
        actor=demo,
        data=coupons.CampaignInput(
            name="老客回馈：满80减15",
            kind="threshold",
            amount=Decimal("15"),
            threshold=Decimal("80"),
            valid_from=now - dt.timedelta(days=10),
            valid_until=now + dt.timedelta(days=20),
            stock=100,
            audience="list",
            phones=[person.phone for person in people[1:41]],
            claim_mode="issued",
            holdout_percent=25,
        ),
    )
    coupons.set_published(actor=demo, campaign_id=regulars.pk, published=True)
    coupons.issue(actor=demo, campaign_id=regulars.pk)
    store = merchants[0].stores.first()
    if store is not None:
        coupons.create_flash_deal(
            actor=demo,
            data=coupons.FlashDealInput(
                store_id=store.pk,
                name="午间快闪：立减10元",
                kind="amount_off",
                amount=Decimal("10"),
                stock=30,
                duration_minutes=120,
            ),
        )
    return made + 1


def _upcoming_bookings(rng: random.Random, merchant, people: list) -> None:
    """A few bookings for the demo owner's first store, so the reservations page has work."""
    from regulars.orders import selectors as order_selectors
    from regulars.orders import services as order_services

    item = CatalogItem.objects.filter(merchant=merchant, bookable=True).first()
    if item is None:
        return
    for day in order_selectors.booking_days()[:3]:
        for slot in order_selectors.available_slots(item, day)[:3]:
            order_services.book(
                consumer=rng.choice(people[1:]), item_id=item.pk, starts_at=slot.starts_at
            )


def _directory_extras(rng: random.Random, merchants: list, owners: list) -> None:
    """Value ladders set from each shop's own spend spread, some introductions between
    customers, and the owner looking after the biggest spenders."""
    from regulars.customers.models import Customer, ValueLevel

    names = ("银牌客户", "金牌客户", "白金客户", "钻石客户")  # not the card tiers' names
    levels, referred, managed = [], [], []
    for merchant, owner in zip(merchants, owners, strict=True):
        customers = list(
            Customer.objects.filter(merchant=merchant, spend__gt=0).order_by("spend", "id")
        )
        if len(customers) < 10:
            continue
        steps = []
        for name, share in zip(names, (0.5, 0.8, 0.95, 0.99), strict=True):
            amount = customers[int(share * (len(customers) - 1))].spend
            amount = max(Decimal("10"), (amount / 10).quantize(Decimal("1")) * 10)
            if not steps or amount > steps[-1][1]:
                steps.append((name, amount))
        levels += [ValueLevel(merchant=merchant, name=n, min_spend=a) for n, a in steps]
        ranked = customers[::-1]  # big spenders bring friends more often
        for index, customer in enumerate(ranked[1:], start=1):
            if rng.random() < 0.06:  # introduced by someone earlier in the list: never a circle
                customer.referred_by = ranked[min(rng.randrange(index), rng.randrange(index))]
                referred.append(customer)
        for customer in customers[-5:]:
            customer.account_manager_id = owner.pk
            managed.append(customer)
    ValueLevel.objects.bulk_create(levels, batch_size=2000)
    Customer.objects.bulk_update(referred, ["referred_by"], batch_size=2000)
    Customer.objects.bulk_update(managed, ["account_manager"], batch_size=2000)


def _service_desk_story(rng: random.Random, merchant, owner) -> None:
    """The demo shop's relationship work in progress: birthdays and greetings set up, call
    scripts, a few complaints at different stages, tasks for the account manager."""
    import datetime as dt

    from django.contrib.auth import get_user_model

    from regulars.customers import services as directory
    from regulars.customers.models import Customer
    from regulars.merchants.models import Role
    from regulars.merchants.permissions import StaffContext
    from regulars.outreach import services as outreach
    from regulars.relationships import services as relationships
    from regulars.servicedesk import services as desk

    boss = StaffContext(user=owner, merchant=merchant, role=Role.OWNER)
    manager = get_user_model().objects.filter(username="manager1").first()
    customers = list(Customer.objects.filter(merchant=merchant, consumer__isnull=False)[:120])
    if not customers or manager is None:
        return
    today = clock.today()
    for customer in customers[:60]:
        customer.birthday = dt.date(rng.randint(1965, 2004), 1, 1) + dt.timedelta(
            days=rng.randrange(365)
        )
    customers[0].birthday = (today + dt.timedelta(days=3)).replace(year=1990)
    Customer.objects.bulk_update(customers[:60], ["birthday"])
    outreach.save_greetings(
        actor=boss,
        birthday_days=3,
        birthday_title="",
        birthday_body="生日当天到店，赠送招牌甜品一份。",
        birthday_campaign_id=None,
        holidays=["spring_festival", "mid_autumn", "national_day"],
        holiday_campaign_id=None,
    )
    for kind, title, body, topic in (
        (
            "script",
            "回访话术：用餐后第二天",
            "您好，我是安顺涮肉坊的小陈。昨天的用餐还满意吗？锅底和肉品有什么建议？",
            "follow_up",
        ),
        (
            "script",
            "等位太久时怎么说",
            "先道歉，说明原因和预计时间；送上小吃和饮品；离开时赠送下次免排队券。",
            "booking",
        ),
        ("standard", "接待标准", "三米微笑，主动问候；五分钟内上锅底；离店时送到门口。", ""),
        (
            "answer",
            "会员卡积分怎么用",
            "每消费1元积1分，100分抵1元，结账时出示会员卡二维码。",
            "card",
        ),
    ):
        desk.save_article(actor=boss, kind=kind, title=title, body=body, topic=topic)
    for customer, (category, subject, description, steps) in zip(
        customers[5:9],
        (
            ("booking", "等位一个多小时", "订了六点的位，七点多才入座。", 0),
            ("service", "羊肉不新鲜", "羊肉有异味，服务员说没问题。", 3),
            ("staff", "服务员态度差", "加汤叫了三次没人理。", 5),
            ("price", "多收了一份锅底费", "账单上有两份锅底。", 7),
        ),
        strict=False,
    ):
        ticket = desk.open_ticket(
            merchant=merchant,
            consumer=customer.consumer,
            channel="store_page",
            category=category,
            subject=subject,
            description=description,
        )
        if steps:
            desk.take_ticket(actor=boss, ticket_id=ticket.pk)
        for _step in range(steps):
            desk.advance_ticket(
                actor=boss,
                ticket_id=ticket.pk,
                note="已处理",
                resolution="已退还多收的锅底费，并赠送一次免费锅底，抱歉！",
                satisfaction=4,  # the last step records the follow-up call
            )
    regulars = directory.save_segment(actor=boss, name="熟客（消费满3次）", rules={"min_visits": 3})
    from contextlib import suppress

    from regulars.core.errors import DomainError

    with suppress(DomainError):  # a small demo city may have nobody in the segment yet
        relationships.create_event(
            actor=boss,
            theme="会员答谢：秋冬新锅底品鉴",
            starts_at=clock.now() + dt.timedelta(days=9, hours=2),
            place="安顺涮肉坊二楼包间",
            segment_id=regulars.pk,
            gift="招牌麻酱一瓶",
        )
    relationships.propose_plan(
        actor=boss,
        segment_id=regulars.pk,
        methods="每月一次回访电话，会员日短信邀请",
        measures="回访记录满意度；流失预警客户优先联系",
        owner_id=manager.pk,
        cost=Decimal("800"),
    )
    from regulars.servicedesk.models import Survey

    for customer in customers[20:60]:
        survey = Survey.objects.create(
            merchant=merchant, customer=customer, consumer=customer.consumer
        )
        desk.answer_survey(
            consumer=customer.consumer,
            survey_id=survey.pk,
            recommend=rng.choice([10, 10, 9, 9, 8, 7, 6, 4]),
            satisfied=rng.choice([5, 5, 4, 4, 3, 2]),
        )
    for customer in customers[10:16]:
        relationships.create_task(
            actor=boss,
            customer_id=customer.pk,
            kind=rng.choice(["follow_up", "call", "visit"]),
            title=f"回访 {customer}：最近用餐体验",
            due_at=clock.now() + dt.timedelta(hours=rng.randint(-12, 120)),
            assignee_id=manager.pk,
        )
        Customer.objects.filter(pk=customer.pk).update(account_manager=manager)


def _top_slug(category: Category) -> str:
    return category.parent.slug if category.parent_id else category.slug


@transaction.atomic
def build_city(
    *, merchants: int = 2000, consumers: int = 5000, seed: int = 2026, log=print
) -> dict:
    """Write the demo city. Returns counts. Deterministic for a given seed."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    rng = random.Random(seed)
    categories = {c.slug: c for c in Category.objects.select_related("parent")}
    sub_slugs = list(SUBCATEGORY_WEIGHTS)
    sub_weights = [SUBCATEGORY_WEIGHTS[s] for s in sub_slugs]
    password_hash = make_password(DEMO_PASSWORD)

    tops = [c for c in categories.values() if c.parent_id is None]
    palette = PhotoPalette([c.slug for c in tops])
    palette.ensure({c.slug: c.name_zh for c in tops})
    log("demo city: photos ready")

    operator = User.objects.create(
        username=DEMO_OPERATOR,
        display_name="平台运营",
        is_staff=True,
        is_superuser=True,
        password=password_hash,
        email="admin@regulars.example",
    )
    owners = []
    merchant_rows = []
    for index in range(merchants):
        slug = _weighted(rng, sub_slugs, sub_weights)
        owners.append(
            User(
                username=f"owner{index + 1}",
                phone=DEMO_OWNER_PHONE if index == 0 else f"+86139{index + 1:08d}",
                display_name=rng.choice(data.SURNAMES) + rng.choice(["老板", "经理", "师傅"]),
                password=password_hash,
            )
        )
        merchant_rows.append((slug, random_point(rng)))
    User.objects.bulk_create(owners, batch_size=1000)
    owners = list(User.objects.filter(username__startswith="owner").order_by("id"))

    merchant_objs = []
    store_plans = []
    for index, (slug, point) in enumerate(merchant_rows):
        category = categories[slug]
        road, first_address = _address(rng, point)
        name = _shop_name(rng, slug, road)
        branches = 1 if rng.random() < 0.88 else rng.randint(2, 4)
        merchant_objs.append(
            Merchant(
                name=name.split("（")[0],
                category=category,
                phone=_phone(rng),
                commission_rate=Decimal("0.0300"),
            )
        )
        # The first store is where the name was made (a name with a road sits on that road);
        # branches are elsewhere in the city and are named after their own road.
        store_plans.append((index, slug, point, branches > 1, (road, first_address)))
        for _branch in range(1, branches):
            store_plans.append((index, slug, random_point(rng), True, None))
    Merchant.objects.bulk_create(merchant_objs, batch_size=1000)
    Membership.objects.bulk_create(
        [
            Membership(merchant=m, user=u, role=Role.OWNER)
            for m, u in zip(merchant_objs, owners, strict=True)
        ],
        batch_size=1000,
    )
    log(f"demo city: {len(merchant_objs)} merchants")

    stores = []
    for merchant_index, slug, point, is_branch, where in store_plans:
        merchant = merchant_objs[merchant_index]
        category = categories[slug]
        road, address = where or _address(rng, point)
        name = merchant.name
        if is_branch and "（" not in name:
            name = f"{name}（{road}店）"
        top = _top_slug(category)
        features = "、".join(rng.sample(data.FEATURES[top], k=min(3, len(data.FEATURES[top]))))
        stores.append(
            Store(
                merchant=merchant,
                name=name,
                category=category,
                district=point.district.name_zh,
                address=address,
                lat=point.lat,
                lng=point.lng,
                geocell=geo.FINE.cell(point.lat, point.lng),
                geocell_coarse=geo.COARSE.cell(point.lat, point.lng),
                phone=_phone(rng),
                features=features,
                description=f"{name}位于{point.district.name_zh}{road}，{category.name_zh}，欢迎光临。",
                popularity=rng.randint(0, 50),
            )
        )
    Store.objects.bulk_create(stores, batch_size=1000)
    log(f"demo city: {len(stores)} stores")

    hours, items, photos = [], [], []
    for store in stores:
        top = _top_slug(store.category)
        pattern = data.CAFE_HOURS if store.category.slug in {"cafe", "bakery"} else data.HOURS[top]
        for days, opens, closes in pattern:
            for day in days:
                hours.append(
                    OpeningHours(
                        merchant_id=store.merchant_id,
                        store=store,
                        weekday=day,
                        opens=dt.time.fromisoformat(opens),
                        closes=dt.time.fromisoformat(closes),
                    )
                )
        discovery_only = store.category.is_discovery_only
        for position, (name, low, high, minutes, bookable, buyable) in enumerate(
            data.SERVICES[store.category.slug]
        ):
            items.append(
                CatalogItem(
                    merchant_id=store.merchant_id,
                    store=store,
                    name=name,
                    price=_price(rng, low, high),
                    duration_minutes=minutes,
                    bookable=bookable and not discovery_only and bool(minutes),
                    buyable=buyable and not discovery_only,
                    position=position,
                )
            )
        for kind in (PhotoKind.STOREFRONT, PhotoKind.ENVIRONMENT, PhotoKind.EQUIPMENT):
            if kind != PhotoKind.STOREFRONT and rng.random() < 0.4:
                continue
            image, thumb, width, height = palette.paths[
                (top, kind, rng.randrange(PhotoPalette.VARIANTS))
            ]
            photos.append(
                Photo(
                    merchant_id=store.merchant_id,
                    store=store,
                    kind=kind,
                    image=image,
                    thumbnail=thumb,
                    width=width,
                    height=height,
                )
            )
    OpeningHours.objects.bulk_create(hours, batch_size=2000)
    CatalogItem.objects.bulk_create(items, batch_size=2000)
    Photo.objects.bulk_create(photos, batch_size=2000)
    log(f"demo city: {len(items)} services, {len(photos)} photos")

    people = []
    for index in range(consumers):
        name = (
            rng.choice(data.SURNAMES)
            + rng.choice(data.GIVEN_NAMES)
            + (rng.choice(data.GIVEN_NAMES) if rng.random() < 0.6 else "")
        )
        phone = DEMO_CONSUMER_PHONE if index == 0 else f"+86138{index + 1:08d}"
        people.append(
            User(username=f"c{index + 1}", phone=phone, display_name=name, password=password_hash)
        )
    User.objects.bulk_create(people, batch_size=2000)
    log(f"demo city: {len(people)} consumers")
    people = list(User.objects.filter(username__startswith="c").order_by("id"))
    history = _history(rng, stores, items, people)
    log(f"demo city: {history['orders']} past orders, {history['reviews']} reviews")
    regulars = _regulars_history(rng, merchant_objs[0], owners[0], people)
    log(f"demo city: {regulars} orders from the demo shop's regulars")
    _upcoming_bookings(rng, merchant_objs[0], people)
    cards = _member_cards(rng, merchant_objs, owners, people)
    log(f"demo city: {cards} member cards")
    followers = _subscriptions(rng, people, tops)
    campaigns = _campaigns(rng, merchant_objs, owners, people)
    log(f"demo city: {followers} consumers following shops, {campaigns} coupon campaigns")
    from regulars.customers.services import rebuild_directory, score_customers

    log(f"demo city: {rebuild_directory()} customers in merchants' directories")
    _directory_extras(rng, merchant_objs, owners)
    score_customers()
    _service_desk_story(rng, merchant_objs[0], owners[0])
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, so the planner picks the grid indexes
    return {
        **history,
        "merchants": len(merchant_objs),
        "stores": len(stores),
        "items": len(items),
        "consumers": len(people),
        "operator": operator.username,
    }
