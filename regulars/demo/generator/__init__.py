"""A deterministic generator of a realistic demo city (seeded: the same seed, the same city).

`store_points` alone scales to millions of stores for benchmarks; `build_city` writes a whole
city of merchants, stores, hours, catalogue, photos and consumers through bulk inserts.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from regulars.core import geo
from regulars.merchants.models import (
    CatalogItem,
    Category,
    Merchant,
    OpeningHours,
    Photo,
    PhotoKind,
    Role,
    StaffMember,
    Store,
)

from .. import catalogue_data as data
from .history import (  # noqa: F401 (callers' names)
    ANY_SHOP_REVIEWS,
    TRADE_REVIEWS,
    _history,
    _regulars_history,
    _upcoming_bookings,
    review_text,
)
from .loyalty import (
    _a_day_at_the_counter,
    _campaigns,
    _directory_extras,
    _member_cards,
    _service_desk_story,
    _subscriptions,
)
from .places import (  # noqa: F401
    SUBCATEGORY_WEIGHTS,
    PhotoPalette,
    _address,
    _phone,
    _price,
    _shop_name,
    _top_slug,
    _weighted,
    random_point,
    store_points,
)

DEMO_PASSWORD = "regulars-demo"


DEMO_OWNER_PHONE = "+8613900000001"


DEMO_CONSUMER_PHONE = "+8613800000001"


DEMO_OPERATOR = "admin"

# Relative number of shops per subcategory: a city has far more noodle shops than hostels.


# Who serves, by the kind of shop (技师, 发型师, 教练…); shops not listed have no one to choose.
TEAM_TITLES = {
    "hair": ["发型总监", "资深发型师", "发型师"],
    "car-services": ["洗车技师", "美容技师"],
    "fitness": ["私人教练", "瑜伽老师"],
    "laundry": ["洗护师"],
    "dining": ["店长", "服务员"],
}
# Where customers choose the person when booking (nobody books a waiter).
CHOSEN_WHEN_BOOKING = {"hair", "car-services", "fitness", "laundry"}


def _team_and_punch_cards(
    rng: random.Random, stores: list, items: list, demo_merchant_id: int
) -> tuple[int, int]:
    """Each service shop's people (one to three, each doing the shop's bookable services) and,
    at every merchant's first store, a ten-visit card for its first service (the demo shop's
    is sold at its counter later, see `_a_punch_card`)."""
    from regulars.punchcards.models import PlanKind, PunchPlan
    from regulars.team.models import TeamMember

    by_store: dict[int, list] = {}
    for item in items:
        by_store.setdefault(item.store_id, []).append(item)
    people, performs, plans, covers, seen = [], [], [], [], {demo_merchant_id}
    for store in stores:
        services = [i for i in by_store.get(store.pk, []) if i.duration_minutes]
        top = _top_slug(store.category)
        titles = TEAM_TITLES.get(top)
        if titles and services:
            for position in range(rng.randint(1, 3)):
                person = TeamMember(
                    merchant_id=store.merchant_id,
                    store=store,
                    name=rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES),
                    title=titles[min(position, len(titles) - 1)],
                    bookable=top in CHOSEN_WHEN_BOOKING,
                    position=position,
                )
                people.append(person)
                performs.append((person, [i for i in services if i.bookable] or services[:1]))
        if store.merchant_id not in seen and services and not store.category.is_discovery_only:
            seen.add(store.merchant_id)
            first = services[0]
            plans.append(
                PunchPlan(
                    merchant_id=store.merchant_id,
                    name=f"{first.name}10次卡"[:60],
                    kind=PlanKind.USES,
                    uses=10,
                    price=first.price * 8,  # ten for the price of eight
                    valid_days=365,
                )
            )
            covers.append(first)
    TeamMember.objects.bulk_create(people, batch_size=2000)
    Through = TeamMember.items.through
    Through.objects.bulk_create(
        [Through(teammember_id=p.pk, catalogitem_id=i.pk) for p, done in performs for i in done],
        batch_size=5000,
    )
    PunchPlan.objects.bulk_create(plans, batch_size=2000)
    Covers = PunchPlan.items.through
    Covers.objects.bulk_create(
        [
            Covers(punchplan_id=p.pk, catalogitem_id=i.pk)
            for p, i in zip(plans, covers, strict=True)
        ],
        batch_size=5000,
    )
    return len(people), len(plans)


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
    StaffMember.objects.bulk_create(
        [
            StaffMember(merchant=m, user=u, role=Role.OWNER)
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
    staffed, plans = _team_and_punch_cards(rng, stores, items, merchant_objs[0].pk)
    log(f"demo city: {staffed} people on shops' teams, {plans} punch cards on sale")

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
    log(f"demo city: {_a_day_at_the_counter(rng, merchant_objs[0], owners[0])} bills at the till")
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
