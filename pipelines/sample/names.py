"""Chinese vocabulary for the sample company: people, companies, products, places."""

from __future__ import annotations

import random

SURNAMES = [
    ("王", "wang"), ("李", "li"), ("张", "zhang"), ("刘", "liu"), ("陈", "chen"), ("杨", "yang"),
    ("黄", "huang"), ("赵", "zhao"), ("吴", "wu"), ("周", "zhou"), ("徐", "xu"), ("孙", "sun"),
    ("马", "ma"), ("朱", "zhu"), ("胡", "hu"), ("郭", "guo"), ("何", "he"), ("高", "gao"),
    ("林", "lin"), ("罗", "luo"), ("郑", "zheng"), ("梁", "liang"), ("谢", "xie"), ("宋", "song"),
    ("唐", "tang"), ("许", "xu"), ("韩", "han"), ("冯", "feng"), ("邓", "deng"), ("曹", "cao"),
    ("彭", "peng"), ("曾", "zeng"), ("沈", "shen"), ("蒋", "jiang"), ("余", "yu"), ("潘", "pan"),
]  # fmt: skip

GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"),
    ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"), ("艳", "yan"),
    ("杰", "jie"), ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"),
    ("平", "ping"), ("刚", "gang"), ("辉", "hui"), ("鹏", "peng"), ("华", "hua"), ("飞", "fei"),
    ("鑫", "xin"), ("波", "bo"), ("斌", "bin"), ("宇", "yu"), ("浩", "hao"), ("凯", "kai"),
    ("晨", "chen"), ("婷", "ting"), ("欣", "xin"), ("雪", "xue"), ("琳", "lin"), ("博", "bo"),
    ("文", "wen"), ("健", "jian"), ("俊", "jun"), ("帆", "fan"), ("佳", "jia"), ("悦", "yue"),
]  # fmt: skip

# base region name, cities
REGIONS = [
    ("华东", ["宁波", "杭州", "上海", "苏州", "南京", "无锡", "合肥", "温州", "常州", "嘉兴"]),
    ("华南", ["广州", "深圳", "东莞", "佛山", "厦门", "珠海", "中山", "惠州"]),
    ("华北", ["北京", "天津", "石家庄", "济南", "青岛", "唐山", "太原", "烟台"]),
    ("华中", ["武汉", "长沙", "郑州", "南昌", "襄阳", "株洲"]),
    ("西南", ["成都", "重庆", "昆明", "贵阳", "绵阳"]),
    ("西北", ["西安", "兰州", "银川", "乌鲁木齐"]),
    ("东北", ["沈阳", "大连", "长春", "哈尔滨"]),
]
NUMERALS = "一二三四五六七八九十"

# industry tag, words used in company names, is key industry
INDUSTRIES = [
    ("汽车零部件", ["汽车零部件", "汽配", "汽车部件"], True, 14),
    ("新能源", ["新能源科技", "电池科技", "光伏"], True, 11),
    ("半导体", ["半导体", "微电子"], True, 6),
    ("医疗器械", ["医疗器械", "医疗科技"], True, 7),
    ("电子制造", ["电子", "电子科技", "精密电子"], False, 14),
    ("食品饮料", ["食品", "饮料", "乳业"], False, 9),
    ("化工", ["化工", "新材料"], False, 8),
    ("纺织服装", ["纺织", "服饰"], False, 6),
    ("物流仓储", ["物流", "供应链"], False, 6),
    ("机械加工", ["机械", "精工", "机床"], False, 11),
    ("家电", ["电器", "家电"], False, 5),
    ("教育装备", ["教育装备", "教学设备"], False, 3),
]
KEY_INDUSTRIES = [name for name, _w, key, _p in INDUSTRIES if key]

BRAND_A = "恒华瑞金宏博凯鼎中天永盛东海新联万精晨力远佳德盈信泰嘉兴隆昌明创"
BRAND_B = "达兴丰泰远创盛信联润新世方川锐华通源科宇光诚安"
COMPANY_SUFFIX = ["有限公司", "股份有限公司", "集团有限公司", "有限责任公司"]

# our products: model, name, list price (CNY)
PRODUCTS = [
    ("XK-200", "XK-200 运动控制器", 128000),
    ("XK-350", "XK-350 多轴运动控制器", 236000),
    ("SV-100", "SV-100 伺服驱动系统", 46000),
    ("SV-220", "SV-220 高性能伺服系统", 88000),
    ("VS-60A", "VS-60A 视觉检测系统", 158000),
    ("VS-90", "VS-90 3D视觉定位系统", 312000),
    ("RB-7", "RB-7 协作机器人工作站", 265000),
    ("PL-40", "PL-40 PLC控制柜", 64000),
    ("MES-Lite", "MES-Lite 车间执行系统", 420000),
]
COMPETITORS = ["西门子", "三菱电机", "欧姆龙", "汇川技术", "台达", "施耐德", "基恩士", "信捷电气"]
PLACEHOLDER_BRANDS = ["友商", "竞品", "其他", "某品牌", "N/A"]

CHANNEL_PARTNERS = [
    "宁波智控渠道", "杭州领航自动化", "苏州工控之家", "深圳华创代理", "广州腾达工控",
    "天津北方自动化", "济南鲁工科技", "武汉楚天工控", "成都天府智造", "西安秦川自动化",
]  # fmt: skip

DM_TITLES = ["总经理", "副总经理", "董事长", "厂长", "运营副总"]
TECH_TITLES = ["技术总监", "设备部经理", "工艺工程师", "自动化主管"]
PROC_TITLES = ["采购经理", "采购专员", "供应链经理"]
USER_TITLES = ["产线主管", "设备维护工程师", "车间主任", "生产经理"]


class NamePool:
    """Unique Chinese person names (with a pinyin e-mail handle)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def person(self) -> tuple[str, str]:
        for _ in range(1000):
            sn, sp = self.rng.choice(SURNAMES)
            parts = [self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2)))]
            name = sn + "".join(p[0] for p in parts)
            if name not in self.used:
                self.used.add(name)
                return name, sp + "." + "".join(p[1] for p in parts)
        # very large scales: allow repeats of the name, keep the handle unique
        name = sn + "".join(p[0] for p in parts)
        return name, f"{sp}.{''.join(p[1] for p in parts)}{len(self.used)}"


class CompanyPool:
    """Unique company names like 宁波恒达汽车零部件有限公司."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def company(self, city: str, industry_words: list[str]) -> tuple[str, str]:
        for attempt in range(200):
            brand = self.rng.choice(BRAND_A) + self.rng.choice(BRAND_B)
            if attempt > 50:
                brand += self.rng.choice(BRAND_A)
            word = self.rng.choice(industry_words)
            name = city + brand + word + self.rng.choice(COMPANY_SUFFIX)
            if name not in self.used:
                self.used.add(name)
                return name, brand + word
        raise RuntimeError("company name space exhausted")
