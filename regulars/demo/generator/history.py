"""A year of the city's past: orders and their reviews (with replies), regulars who come back, and
bookings still to come."""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from regulars.core import clock
from regulars.merchants.models import (
    CatalogItem,
    Role,
    StaffMember,
    Store,
)

from .places import _top_slug

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
    from regulars.merchants.models import CatalogItem, Store

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
        StaffMember.objects.create(merchant=merchant, user=user, role=role)
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
