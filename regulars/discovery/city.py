"""Real geography of the demo city (Shanghai): district centres and their roads.

Coordinates are district centres in WGS-84, rounded to 4 places; `spread_km` is how far from the
centre the demo puts stores, so dense downtown districts stay compact and outer ones spread out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class District:
    slug: str
    name_zh: str
    name_en: str
    lat: float
    lng: float
    spread_km: float
    weight: int  # share of the city's merchants
    roads: tuple[str, ...]


DISTRICTS: tuple[District, ...] = (
    District(
        "huangpu",
        "黄浦区",
        "Huangpu",
        31.2317,
        121.4846,
        2.2,
        10,
        (
            "南京东路",
            "淮海中路",
            "西藏中路",
            "河南中路",
            "复兴中路",
            "中华路",
            "瑞金二路",
            "打浦路",
        ),
    ),
    District(
        "xuhui",
        "徐汇区",
        "Xuhui",
        31.1885,
        121.4365,
        3.0,
        11,
        ("衡山路", "漕溪北路", "肇嘉浜路", "天钥桥路", "宜山路", "龙华中路", "虹桥路", "田林路"),
    ),
    District(
        "changning",
        "长宁区",
        "Changning",
        31.2204,
        121.4241,
        2.8,
        8,
        ("长宁路", "延安西路", "天山路", "愚园路", "仙霞路", "古北路", "娄山关路", "定西路"),
    ),
    District(
        "jingan",
        "静安区",
        "Jing'an",
        31.2290,
        121.4550,
        2.5,
        10,
        ("南京西路", "延安中路", "江宁路", "西康路", "共和新路", "万荣路", "大宁路", "北京西路"),
    ),
    District(
        "putuo",
        "普陀区",
        "Putuo",
        31.2496,
        121.3972,
        3.0,
        8,
        ("武宁路", "曹杨路", "真北路", "长寿路", "金沙江路", "中山北路", "铜川路", "大渡河路"),
    ),
    District(
        "hongkou",
        "虹口区",
        "Hongkou",
        31.2646,
        121.5051,
        2.4,
        7,
        ("四川北路", "曲阳路", "大连西路", "海伦路", "多伦路", "东大名路", "赤峰路", "广中路"),
    ),
    District(
        "yangpu",
        "杨浦区",
        "Yangpu",
        31.2595,
        121.5260,
        3.0,
        8,
        ("四平路", "国定路", "政通路", "淞沪路", "控江路", "长阳路", "黄兴路", "大学路"),
    ),
    District(
        "pudong",
        "浦东新区",
        "Pudong",
        31.2215,
        121.5447,
        6.0,
        16,
        ("世纪大道", "张杨路", "陆家嘴环路", "浦东南路", "东方路", "碧波路", "锦绣路", "杨高中路"),
    ),
    District(
        "minhang",
        "闵行区",
        "Minhang",
        31.1128,
        121.3816,
        5.0,
        9,
        ("七莘路", "莘庄路", "沪闵路", "虹井路", "都市路", "吴中路", "顾戴路", "银都路"),
    ),
    District(
        "baoshan",
        "宝山区",
        "Baoshan",
        31.4054,
        121.4897,
        5.0,
        6,
        ("牡丹江路", "友谊路", "共康路", "殷高西路", "淞滨路", "呼兰路", "泰和路", "上大路"),
    ),
    District(
        "jiading",
        "嘉定区",
        "Jiading",
        31.3747,
        121.2655,
        5.0,
        4,
        ("城中路", "博乐路", "白银路", "墨玉路", "沪宜公路", "叶城路", "塔城路", "清河路"),
    ),
    District(
        "songjiang",
        "松江区",
        "Songjiang",
        31.0322,
        121.2277,
        5.0,
        4,
        (
            "人民北路",
            "中山中路",
            "荣乐路",
            "文诚路",
            "广富林路",
            "新松江路",
            "谷阳北路",
            "九亭大街",
        ),
    ),
)
