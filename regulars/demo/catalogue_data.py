"""What the demo city's shops are called and what they sell, per subcategory.

Names are `pattern.format(brand=..., surname=..., road=...)`; services are
(name, lowest price, highest price, minutes or None, bookable, buyable).
"""

BRAND_SYLLABLES = "福安鑫优洁丽兴和顺佳美新好金康宏泰恒盛华祥瑞嘉源隆达朗悦禾鸿锦乐"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾"

NAMES: dict[str, list[str]] = {
    "noodles": [
        "{surname}记面馆",
        "老{road}面馆",
        "{brand}拉面",
        "{surname}家葱油拌面",
        "{brand}牛肉面",
    ],
    "hotpot": ["{brand}火锅", "{surname}记老火锅", "{brand}涮肉坊"],
    "fast-food": ["{brand}快餐", "{surname}家盖浇饭", "{brand}简餐"],
    "local-cuisine": ["{brand}本帮菜馆", "老{road}饭店", "{surname}家小馆"],
    "cafe": ["{brand}咖啡", "{brand}茶饮", "街角{brand}咖啡馆"],
    "bakery": ["{brand}烘焙坊", "{surname}记糕点", "{brand}甜品"],
    "dry-cleaning": ["{brand}干洗店", "{brand}洗衣", "{surname}师傅洗衣店"],
    "self-service-laundry": ["{brand}自助洗衣", "{brand}洗衣房"],
    "shoe-care": ["{brand}洗鞋", "{brand}皮具护理"],
    "barber": ["{surname}师傅理发", "{brand}理发店", "{road}快剪"],
    "hair-salon": ["{brand}美发沙龙", "{brand}造型", "{brand}发型工作室"],
    "nails": ["{brand}美甲", "{brand}美甲美睫"],
    "hotel": ["{brand}酒店（{road}店）", "{brand}商务酒店", "{brand}精品酒店"],
    "guesthouse": ["{brand}民宿", "{road}小院民宿"],
    "hostel": ["{brand}青年旅舍"],
    "bank": [
        "中国工商银行（{road}支行）",
        "中国建设银行（{road}支行）",
        "中国银行（{road}支行）",
        "中国农业银行（{road}支行）",
        "交通银行（{road}支行）",
        "招商银行（{road}支行）",
    ],
    "post-office": ["中国邮政（{road}邮局）"],
    "government-service": ["{road}街道社区事务受理服务中心"],
    "clinic": ["{road}社区卫生服务中心"],
    "gym": ["{brand}健身", "{brand}健身工作室", "{brand}运动馆"],
    "yoga": ["{brand}瑜伽", "{brand}瑜伽馆"],
    "swimming": ["{brand}游泳馆"],
    "car-wash": ["{brand}洗车", "{brand}汽车美容", "{surname}师傅洗车行"],
    "car-repair": ["{brand}汽修", "{brand}汽车保养中心"],
    "tyres": ["{brand}轮胎店", "{brand}轮胎快修"],
    "real-estate-agency": ["{brand}房产", "{brand}地产（{road}店）"],
    "rental": ["{brand}租房", "{brand}公寓"],
    "renovation": ["{brand}装饰", "{brand}装修工作室"],
}

SERVICES: dict[str, list[tuple]] = {
    "noodles": [
        ("葱油拌面", 12, 18, None, False, True),
        ("红烧牛肉面", 22, 32, None, False, True),
        ("大排面", 20, 28, None, False, True),
        ("雪菜肉丝面", 16, 24, None, False, True),
        ("黄鱼面", 38, 58, None, False, True),
        ("小馄饨", 10, 16, None, False, True),
    ],
    "hotpot": [
        ("双人套餐", 168, 238, 90, True, True),
        ("四人套餐", 298, 428, 120, True, True),
        ("肥牛卷", 38, 68, None, False, False),
        ("包间预订", 0, 0, 120, True, False),
    ],
    "fast-food": [
        ("红烧肉盖饭", 22, 32, None, False, True),
        ("番茄炒蛋饭", 16, 22, None, False, True),
        ("鸡腿饭", 20, 28, None, False, True),
        ("工作日午餐", 25, 35, None, False, True),
    ],
    "local-cuisine": [
        ("红烧肉", 58, 88, None, False, False),
        ("油爆虾", 68, 108, None, False, False),
        ("腌笃鲜", 58, 88, None, False, False),
        ("四人家宴", 398, 598, 120, True, True),
    ],
    "cafe": [
        ("美式咖啡", 18, 28, None, False, True),
        ("拿铁", 22, 32, None, False, True),
        ("手冲咖啡", 30, 48, None, False, True),
        ("下午茶套餐", 68, 98, 60, True, True),
    ],
    "bakery": [
        ("生日蛋糕（6寸）", 158, 228, None, False, True),
        ("蛋挞（4只）", 18, 26, None, False, True),
        ("牛角包", 12, 18, None, False, True),
        ("烘焙体验课", 128, 198, 120, True, True),
    ],
    "dry-cleaning": [
        ("衬衫干洗", 15, 25, None, False, True),
        ("西装干洗（两件套）", 45, 68, None, False, True),
        ("羽绒服清洗", 45, 80, None, False, True),
        ("大衣干洗", 38, 60, None, False, True),
        ("上门取送", 0, 10, 30, True, False),
    ],
    "self-service-laundry": [
        ("洗衣（单次）", 8, 12, 40, True, True),
        ("烘干（单次）", 6, 10, 30, True, True),
        ("洗烘套餐", 14, 20, 70, True, True),
    ],
    "shoe-care": [
        ("运动鞋清洗", 25, 40, None, False, True),
        ("皮鞋护理", 30, 50, None, False, True),
        ("奢侈品包护理", 198, 398, None, False, True),
    ],
    "barber": [
        ("男士快剪", 15, 30, 20, True, True),
        ("洗剪吹", 38, 68, 40, True, True),
        ("剃须修面", 20, 40, 20, True, True),
    ],
    "hair-salon": [
        ("洗剪吹", 58, 128, 60, True, True),
        ("烫发", 298, 698, 150, True, True),
        ("染发", 258, 598, 120, True, True),
        ("头皮护理", 128, 268, 60, True, True),
    ],
    "nails": [
        ("纯色美甲", 88, 158, 60, True, True),
        ("法式美甲", 128, 198, 75, True, True),
        ("嫁接睫毛", 158, 298, 90, True, True),
    ],
    "hotel": [
        ("标准大床房", 328, 588, None, True, True),
        ("商务双床房", 368, 628, None, True, True),
        ("行政套房", 688, 1288, None, True, True),
    ],
    "guesthouse": [
        ("庭院大床房", 298, 498, None, True, True),
        ("家庭房", 398, 698, None, True, True),
    ],
    "hostel": [("六人间床位", 68, 98, None, True, True), ("双人间", 198, 268, None, True, True)],
    "bank": [("个人业务办理", 0, 0, None, False, False), ("理财咨询", 0, 0, None, False, False)],
    "post-office": [
        ("国内快递", 10, 22, None, False, False),
        ("邮票与集邮", 1, 80, None, False, False),
    ],
    "government-service": [
        ("社保业务", 0, 0, None, False, False),
        ("居住证办理", 0, 0, None, False, False),
    ],
    "clinic": [("全科门诊", 0, 30, None, False, False), ("疫苗接种", 0, 0, None, False, False)],
    "gym": [
        ("单次体验", 49, 99, 90, True, True),
        ("月卡", 299, 499, None, False, True),
        ("私教课（单节）", 258, 398, 60, True, True),
        ("年卡", 2280, 3880, None, False, True),
    ],
    "yoga": [
        ("流瑜伽团课", 88, 138, 60, True, True),
        ("空中瑜伽", 128, 188, 60, True, True),
        ("十次卡", 780, 1180, None, False, True),
    ],
    "swimming": [
        ("单次游泳", 40, 70, 120, True, True),
        ("儿童游泳课", 168, 258, 45, True, True),
        ("月卡", 388, 588, None, False, True),
    ],
    "car-wash": [
        ("标准洗车（轿车）", 30, 45, 30, True, True),
        ("标准洗车（SUV）", 40, 60, 40, True, True),
        ("精洗打蜡", 128, 198, 90, True, True),
        ("内饰清洁", 168, 298, 120, True, True),
    ],
    "car-repair": [
        ("小保养", 299, 499, 60, True, True),
        ("大保养", 699, 1299, 120, True, True),
        ("空调清洗", 128, 198, 45, True, True),
    ],
    "tyres": [
        ("轮胎更换（单条）", 30, 60, 30, True, True),
        ("四轮定位", 98, 168, 40, True, True),
        ("动平衡", 60, 100, 30, True, True),
    ],
    "real-estate-agency": [
        ("买房咨询", 0, 0, 60, True, False),
        ("看房预约", 0, 0, 60, True, False),
        ("房屋估价", 0, 0, 30, True, False),
    ],
    "rental": [("看房预约", 0, 0, 45, True, False), ("租房咨询", 0, 0, 30, True, False)],
    "renovation": [
        ("上门量房", 0, 0, 60, True, False),
        ("设计方案", 1999, 4999, None, False, True),
        ("局部翻新", 3000, 8000, None, False, False),
    ],
}

FEATURES: dict[str, list[str]] = {
    "dining": ["可堂食", "可外带", "有包间", "免费Wi-Fi", "支持刷卡", "儿童座椅"],
    "laundry": ["上门取送", "当日可取", "会员储值", "24小时自助"],
    "hair": ["可预约", "男女皆宜", "会员储值", "免费洗发"],
    "lodging": ["含早餐", "免费停车", "24小时前台", "免费Wi-Fi"],
    "public-services": ["无障碍通道", "自助设备", "周末营业"],
    "fitness": ["淋浴间", "私教", "团课", "免费停车"],
    "car-services": ["免费停车", "可等候休息", "上门取车"],
    "real-estate": ["免费咨询", "带看服务", "周末营业"],
}

# Weekly opening ranges per top category: ((weekdays), "HH:MM", "HH:MM").
HOURS: dict[str, list[tuple[tuple[int, ...], str, str]]] = {
    "dining": [(tuple(range(7)), "10:30", "14:00"), (tuple(range(7)), "17:00", "21:30")],
    "laundry": [(tuple(range(7)), "08:30", "20:30")],
    "hair": [(tuple(range(7)), "10:00", "22:00")],
    "lodging": [(tuple(range(7)), "00:00", "23:59")],
    "public-services": [((0, 1, 2, 3, 4), "09:00", "17:00"), ((5,), "09:00", "16:00")],
    "fitness": [(tuple(range(7)), "06:30", "22:30")],
    "car-services": [(tuple(range(7)), "08:00", "19:30")],
    "real-estate": [(tuple(range(7)), "09:00", "21:00")],
}
CAFE_HOURS = [(tuple(range(7)), "07:30", "22:00")]

GIVEN_NAMES = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鑫"
