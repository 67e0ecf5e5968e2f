"""Everyday Chinese text: sales-log summaries, free-text notes with objections, chat lines, quotes.

Objection phrases carry the keywords of the configured taxonomy (business rules, 异议): a phrase of
one category never contains another category's keywords, and neutral phrases contain none (one
recording summary, "要求三家比价", is a price objection), so the planted lost-deal attribution can
be measured exactly (see ``OBJECTION_KEYWORDS``, ``tagged_categories``).
"""

from __future__ import annotations

import random

from . import names as N

# the keyword taxonomy the phrases below were written against (default configuration)
OBJECTION_KEYWORDS: dict[str, list[str]] = {
    "交付周期": ["交期", "货期", "交货", "排产", "周期太长", "到货太慢"],
    "价格": [
        "预算",
        "降价",
        "折扣",
        "价格偏高",
        "贵",
        "比价",
        "报价高",
        "报价偏高",
        "价格高",
        "货比三家",
    ],
    "竞品": ["竞品", "对比了", "别家"],
    "技术": ["稳定性", "精度", "兼容"],
    "决策": ["拍板", "审批流程", "再考虑"],
    "服务": ["售后响应", "响应慢", "服务跟不上"],
}

OBJECTIONS: dict[str, list[str]] = {
    "交付周期": [
        "客户反馈交期太长，产线{m}月就要投产",
        "对方很关心货期，担心我们排产跟不上",
        "客户说周期太长，问能否先发一部分设备",
        "客户问能否{d}天内交货，我们目前做不到",
        "别的供应商承诺一个月到位，我们排产要{w}周",
        "采购抱怨上次到货太慢，这次要求写进合同",
    ],
    "价格": [
        "客户觉得价格太贵，希望再谈",
        "对方预算有限，希望我们再降价{p}%",
        "采购要求折扣到{z}折",
        "客户说今年预算只批了一半",
        "老板觉得价格偏高，要求重新报价",
    ],
    "竞品": [
        "客户同时在看{c}的方案，和竞品做了详细对比",
        "对方对比了{c}的报价和参数",
        "客户说别家给了整线方案",
    ],
    "技术": [
        "客户担心设备长期运行的稳定性",
        "对重复定位精度要求很高，需要现场验证",
        "客户现有老型号PLC，担心兼容问题",
    ],
    "决策": [
        "领导还没拍板，下周再沟通",
        "需要走集团审批流程，时间较长",
        "决策人出差，客户说再考虑一下",
    ],
    "服务": ["客户抱怨上次售后响应慢", "对方说服务跟不上会影响续约"],
}

NEUTRAL_NOTES = [
    "客户对方案整体认可",
    "约定下周提供详细配置清单",
    "参观了产线，记录了工位布局",
    "客户希望安排一次技术交流",
    "对方关注能耗和占地面积",
    "已加客户微信，后续线上沟通",
    "客户提出要看同行业案例",
    "对接人换成了新的设备主管",
    "客户计划明年扩建二期厂房",
    "现场气氛不错，客户很配合",
]

NEEDS = [
    "现有产线人工上下料效率低，希望实现自动化",
    "质检靠人工目检，漏检率高，想上视觉检测",
    "老设备故障率高，计划整体改造",
    "新建产线需要整套运动控制方案",
    "希望提高换型速度，减少停机时间",
    "需要与现有MES系统打通数据",
    "多品种小批量生产，需要柔性工作站",
]
NEXT_STEPS = ["下周约技术交流", "准备方案", "发送报价", "安排样机测试", "约老板面谈", "持续跟进"]
RECORDING = [
    "录音要点：客户认可技术方案，希望给出分期付款方案",
    "录音要点：采购确认采购范围，要求三家比价，下周回复",
    "录音要点：对方逐条核对配置清单，同意以标准配置报价",
    "录音要点：客户关注付款条件与质保期，希望质保延长到两年",
    "录音要点：双方确认项目时间表，客户要求先签技术协议",
]
RECORDING_DELIVERY = [
    "录音要点：客户反复强调交期，要求合同写明违约条款",
    "录音要点：对方比较了供应商的货期，我方排产时间偏长",
]

CHATTER = [
    "{h}，最近产线运行怎么样？有问题随时找我",
    "{h}，节后什么时候方便去拜访一下？",
    "{h}，我们新出了{p}视觉方案，给您发份资料看看",
    "{h}，上次提到的改造项目有新进展吗？",
    "{h}，下周我在{city}出差，方便的话过去坐坐",
    "{h}，您要的行业案例我整理好了",
]
REPLIES = [
    "好的",
    "收到，谢谢",
    "好，到时候联系",
    "最近比较忙，过段时间再说",
    "可以，周三下午吧",
    "嗯嗯",
]
VISIT_PINGS = [
    "{h}，我{when}{hh}点左右到贵司，麻烦安排下会议室",
    "{h}，今天{when}过去拜访，大概{hh}点到",
    "{h}，{when}按约定过去，带上演示设备",
]
LEAD_HELLO = [
    "您好，我是{co}的{name}，看到您咨询了{p}，方便电话沟通一下吗？",
    "您好{h}，我是{co}负责{city}区域的销售{name}，您的需求已收到",
    "{h}您好，感谢扫码关注{p}，我把产品资料发您",
]
AFTER_SALES = [
    "{h}，设备维修后运行还稳定吗？",
    "{h}，售后工程师反馈问题已处理，有情况随时联系我",
    "{h}，保养计划发您了，请查收",
]
PROPOSAL_NOTE = ["{h}，定制方案已发您邮箱，请查收", "{h}，方案我更新了一版，您再看看"]
NOISE_NUMBERS = [
    "{h}，明天下午3点到，大概待1个小时",
    "{h}，我们这边第2期培训安排在10号",
    "{h}，我电话{phone}，有事随时打",
    "{h}，需要2台样机的话我来申请",
]

OUR_COMPANY = "联科自动化"


def honorific(name: str, role: str) -> str:
    s = name[0]
    return {
        "decision_maker": f"{s}总",
        "technical_evaluator": f"{s}工",
        "procurement": f"{s}经理",
        "user": f"{s}主管",
    }.get(role, f"{s}经理")


def objection(rng: random.Random, category: str) -> str:
    return rng.choice(OBJECTIONS[category]).format(
        m=rng.randint(1, 12),
        d=rng.choice([30, 40, 45]),
        w=rng.choice([10, 12, 14]),
        p=rng.choice([5, 10, 15]),
        z=rng.choice([8, 85, 9]),
        c=rng.choice(N.COMPETITORS),
    )


# phrases in which a keyword does not mean the objection (seed objection_keyword_exclusions)
KEYWORD_EXCLUSIONS: dict[str, list[str]] = {
    "贵": ["贵司", "贵公司", "贵方", "贵厂", "贵阳", "贵州", "宝贵", "贵姓"],
}


def mentions(text: str, keyword: str) -> bool:
    """The keyword occurs in the text beyond its excluded phrases (贵 in 贵司 does not count)."""
    inside = sum(text.count(p) * p.count(keyword) for p in KEYWORD_EXCLUSIONS.get(keyword, []))
    return text.count(keyword) > inside


def tagged_categories(text: str) -> list[str]:
    return [cat for cat, kws in OBJECTION_KEYWORDS.items() if any(mentions(text, k) for k in kws)]


# quotes in chat -------------------------------------------------------------------------------
def amount_text(rng: random.Random, amount: float) -> str:
    wan = amount / 10000
    w = f"{wan:.4f}".rstrip("0").rstrip(".")
    return rng.choice(
        [
            f"{w}万",
            f"¥{amount:,.0f}",
            f"{amount:.0f}元",
            f"RMB {w}w",
            f"{w}W",
            f"￥{amount:,.2f}",
            f"{amount:,.0f}元",
        ]
    )


def delivery_text(rng: random.Random) -> tuple[str, int]:
    kind = rng.randrange(5)
    if kind == 0:
        d = rng.choice([15, 20, 30, 45, 60])
        return f"交期{d}天", d
    if kind == 1:
        w = rng.choice([2, 3, 4, 6, 8])
        return f"预计{w}周内交货", w * 7
    if kind == 2:
        m = rng.choice([1, 2, 3])
        return f"货期{m}个月", m * 30
    if kind == 3:
        d = rng.choice([25, 35, 45])
        return f"大约{d}天左右到货", d
    w = rng.choice([4, 5, 6])
    return f"交期约{w}周", w * 7


def quote_message(
    rng: random.Random, h: str, model: str, amount: float, with_delivery: bool
) -> tuple[str, int | None]:
    a = amount_text(rng, amount)
    dtext, days = delivery_text(rng) if with_delivery else ("", None)
    tail = f",{dtext}" if dtext else ""
    tpl = rng.randrange(4)
    if tpl == 0:
        text = f"{h}，{model}这套报价{a}{tail}"
    elif tpl == 1:
        text = f"跟您确认下：型号 {model}，含税{a}{tail}"
    elif tpl == 2:
        text = f"{h}，{model}整套总价{a}{tail}，您看可以吗"
    else:
        text = f"最新报价 {a}（{model}）{tail}"
    return text, days
