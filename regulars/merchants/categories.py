"""The category tree the platform starts with. Operators change it in the admin afterwards."""

# (slug, 中文, English, discovery_only, [(slug, 中文, English), ...])
CATEGORY_TREE = [
    (
        "dining",
        "用餐",
        "Dining",
        False,
        [
            ("noodles", "面馆", "Noodles"),
            ("hotpot", "火锅", "Hot pot"),
            ("fast-food", "快餐简餐", "Fast food"),
            ("local-cuisine", "本帮菜", "Local cuisine"),
            ("cafe", "咖啡茶饮", "Café & tea"),
            ("bakery", "烘焙甜点", "Bakery & desserts"),
        ],
    ),
    (
        "laundry",
        "洗衣",
        "Laundry",
        False,
        [
            ("dry-cleaning", "干洗店", "Dry cleaning"),
            ("self-service-laundry", "自助洗衣", "Self-service laundry"),
            ("shoe-care", "洗鞋护理", "Shoe care"),
        ],
    ),
    (
        "hair",
        "美发",
        "Hair",
        False,
        [
            ("barber", "理发", "Barber"),
            ("hair-salon", "美发沙龙", "Hair salon"),
            ("nails", "美甲", "Nails"),
        ],
    ),
    (
        "lodging",
        "住宿",
        "Lodging",
        False,
        [
            ("hotel", "酒店", "Hotel"),
            ("guesthouse", "民宿", "Guesthouse"),
            ("hostel", "青年旅舍", "Hostel"),
        ],
    ),
    (
        "public-services",
        "公共服务",
        "Public services",
        True,
        [
            ("bank", "银行", "Bank"),
            ("post-office", "邮局", "Post office"),
            ("government-service", "政务服务", "Government services"),
            ("clinic", "社区卫生", "Community clinic"),
        ],
    ),
    (
        "fitness",
        "健身",
        "Fitness",
        False,
        [
            ("gym", "健身房", "Gym"),
            ("yoga", "瑜伽", "Yoga"),
            ("swimming", "游泳馆", "Swimming"),
        ],
    ),
    (
        "car-services",
        "汽车服务",
        "Car services",
        False,
        [
            ("car-wash", "洗车", "Car wash"),
            ("car-repair", "汽修保养", "Repair & maintenance"),
            ("tyres", "轮胎", "Tyres"),
        ],
    ),
    (
        "real-estate",
        "房产服务",
        "Real estate",
        False,
        [
            ("real-estate-agency", "房产中介", "Estate agency"),
            ("rental", "租房", "Rentals"),
            ("renovation", "装修", "Renovation"),
        ],
    ),
]


def load_category_tree(Category) -> None:
    """Create any missing category of the tree (idempotent; never overwrites operator edits)."""
    for position, (slug, zh, en, discovery_only, children) in enumerate(CATEGORY_TREE):
        parent, _ = Category.objects.get_or_create(
            slug=slug,
            defaults={
                "name_zh": zh,
                "name_en": en,
                "discovery_only": discovery_only,
                "position": position,
            },
        )
        for child_position, (child_slug, child_zh, child_en) in enumerate(children):
            Category.objects.get_or_create(
                slug=child_slug,
                defaults={
                    "name_zh": child_zh,
                    "name_en": child_en,
                    "parent": parent,
                    "position": child_position,
                },
            )
