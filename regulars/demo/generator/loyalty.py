"""What merchants did with their customers: member cards, followers, coupon campaigns, the
directory's ladders and introductions, and a service-desk story with complaints and surveys."""

import datetime as dt
import random
from decimal import Decimal

from regulars.core import clock
from regulars.merchants.models import (
    Role,
)

from .places import random_point


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


def _a_punch_card(actor, store_id: int, items: list, card) -> None:
    """The demo shop sells a ten-visit card (次卡) for its first service; the demo consumer bought
    one at the counter and has used it twice."""
    from regulars.counter import services as counter
    from regulars.membership.services import member_price
    from regulars.punchcards import services as punch

    service = items[0]
    plan = punch.save_plan(
        actor=actor,
        data=punch.PlanInput(
            name=f"{service.name}10次卡",
            kind="uses",
            uses=10,
            price=service.price * 8,  # ten for the price of eight
            valid_days=365,
            item_ids=[service.pk],
        ),
    )
    due = plan.price - member_price(card, plan.price).off
    counter.ring_up(
        actor=actor,
        store_id=store_id,
        card_id=card.pk,
        lines=[counter.LineIn(None, 1, plan_id=plan.pk)],
        tenders=[counter.TenderIn("outside", due, method="微信支付", reference="4200099999")],
        idempotency_key="demo-punch-card",
    )
    held = plan.cards.get()
    for n in range(2):
        punch.use(
            actor=actor, number=held.number, item_id=service.pk, idempotency_key=f"demo-punch-{n}"
        )


def _a_day_at_the_counter(rng: random.Random, merchant, owner) -> int:
    """This morning's bills at the demo shop's till: walk-ins paying cash or by phone, and
    members at their member price; a manager's typed line among them."""
    from regulars.counter import services as counter
    from regulars.membership.models import Card
    from regulars.membership.services import member_price
    from regulars.merchants.models import CatalogItem
    from regulars.merchants.permissions import StaffContext
    from regulars.team import services as team
    from regulars.team.models import TeamMember

    actor = StaffContext(user=owner, merchant=merchant, role=Role.OWNER)
    for kind, value in (("default", "10"), ("punch_card", "5"), ("stored_value", "2")):
        team.save_rule(actor=actor, data=team.RuleInput(kind=kind, basis="percent", value=value))
    store_items = {}
    paid_items = CatalogItem.objects.filter(merchant=merchant, is_active=True, price__gt=0)
    for item in paid_items.order_by("pk"):
        store_items.setdefault(item.store_id, []).append(item)
    store_id, items = next(iter(store_items.items()), (None, []))
    if not items:
        return 0
    crew = list(TeamMember.objects.filter(store_id=store_id).values_list("pk", flat=True))
    # The demo consumer's card first, so their phone shows bills from the counter too.
    members = sorted(
        Card.objects.filter(merchant=merchant, status="active").select_related("consumer"),
        key=lambda card: (card.consumer.phone != "+8613800000001", card.pk),
    )[:3]
    rung = 0
    now = clock.now()
    # The same weekday last week first (the workbench compares today with it), then today.
    for days_ago, count in ((7, 5), (0, 6)):
        with clock.pinned(now - dt.timedelta(days=days_ago)):
            for n in range(count):
                picked = rng.sample(items, k=min(len(items), rng.randint(1, 3)))
                lines = [
                    counter.LineIn(
                        item.pk,
                        rng.choice([1, 1, 2]),
                        served_by_id=rng.choice(crew) if crew else None,
                    )
                    for item in picked
                ]
                typed = n == 5
                if typed:
                    lines.append(
                        counter.LineIn(None, 1, name="加急费", price="20", reason="顾客赶时间")
                    )
                card = members[(n // 2) % len(members)] if members and n % 2 else None
                list_price = sum(
                    (item.price * line.quantity for item, line in zip(picked, lines, strict=False)),
                    Decimal("0"),
                ) + (Decimal("20") if typed else Decimal("0"))
                due = list_price - (member_price(card, list_price).off if card else 0)
                tender = (
                    counter.TenderIn("cash", due, given=(due // 50 + 1) * 50)
                    if n % 3 == 0
                    else counter.TenderIn(
                        "outside", due, method="微信支付", reference=f"42000{days_ago}{n:04d}"
                    )
                )
                bill = counter.ring_up(
                    actor=actor,
                    store_id=store_id,
                    card_id=card.pk if card else None,
                    lines=lines,
                    tenders=[tender],
                    idempotency_key=f"demo-bill-{days_ago}-{n}",
                )
                rung += 1
    if members:
        _a_punch_card(actor, store_id, items, members[0])
    # A customer changed their mind about one line of the last bill.
    counter.refund_bill(
        actor=actor,
        bill_id=bill.pk,
        lines=[counter.RefundLineIn(bill.lines.first().pk, 1)],
        reason="顾客临时不做了",
        idempotency_key="demo-refund",
    )
    return rung
