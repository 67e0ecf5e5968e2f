"""Opportunities, their stage history, contracts and close reasons.

Lost deals cluster on delivery-time objections (交付周期); weak squads lose more deals right after
the first visit (low first-visit → demo conversion) and leave deals stuck in negotiation.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from . import names as N
from .calendar import is_workday, next_workday, work_time
from .company import Company, Customer

STAGES = ["lead", "qualify", "demo", "negotiation", "contract"]

# objection categories, with the share of lost deals they are the reason for
LOST_CATEGORIES = [
    ("交付周期", 0.64),
    ("价格", 0.17),
    ("竞品", 0.08),
    ("技术", 0.06),
    ("决策", 0.05),
]

CLOSE_REASONS = {
    "交付周期": [
        "客户要求{d}天内到位，我方交期{q}天，客户转向现货供应商",
        "交期太长，客户产线投产节点等不了",
        "排产周期太长，无法满足客户项目进度",
        "货期无法确认，客户选择了{c}",
    ],
    "价格": [
        "价格太贵，客户要求再降{p}%未果",
        "客户预算不足，选择低价方案",
        "折扣空间不够，{c}报价更低",
    ],
    "竞品": ["客户选择了{c}，已有合作基础", "{c}提供了整线方案，我方落选"],
    "技术": ["技术方案未通过客户评估，精度不满足要求", "客户测试样机稳定性不达标"],
    "决策": ["客户内部项目暂停，高层决定延后", "客户组织架构调整，项目搁置"],
    "流失": ["客户停止合作，项目终止"],
}
WON_REASONS = ["方案匹配，客户认可", "技术评估通过，商务条款达成一致", "老客户复购", "样机测试通过"]

AMOUNT_RANGES = {"A": (2.0e5, 2.0e6), "B": (8.0e4, 6.0e5), "C": (3.0e4, 2.0e5), "D": (8.0e3, 6.0e4)}
OPP_RATE = {"A": 4.0, "B": 2.5, "C": 1.2, "D": 0.5}


@dataclass
class Opp:
    id: str
    customer_id: str
    name: str
    model: str
    amount: float
    created: datetime
    stages: list[tuple[str, datetime, str]] = field(default_factory=list)  # stage, at, rep
    outcome: str | None = None  # won | lost | None (open)
    closed_at: datetime | None = None
    close_reason: str = ""
    objection: str | None = None  # objection category voiced during the deal
    lead: Any = None  # the Lead it came from, if any
    stuck: bool = False
    contract_submitted: datetime | None = None
    contract_approved: datetime | None = None

    @property
    def stage(self) -> str:
        if self.outcome:
            return self.outcome
        return self.stages[-1][0]

    def entered(self, stage: str) -> datetime | None:
        for s, t, _r in self.stages:
            if s == stage:
                return t
        return None

    def owner(self, c: Customer, end: datetime) -> str:
        return c.owner_at(min(self.closed_at or end, end))


def _advance(rng: random.Random, t: datetime, lo: float, hi: float) -> datetime:
    """t + a random number of days, landing on a working day in working hours."""
    d = (t + timedelta(days=rng.uniform(lo, hi))).date()
    return max(work_time(rng, next_workday(d)), t + timedelta(minutes=30))


def build_opps(
    co: Company, rng: random.Random, lead_starts: dict[str, tuple[Any, datetime]]
) -> list[Opp]:
    """Opportunities for every customer; lead_starts: customer_id -> (lead, first touch) for the
    prospects whose originating lead was answered (unanswered prospects get no opportunity)."""
    cfg = co.cfg
    S, E = cfg.start, cfg.end
    end_dt = datetime.combine(E, datetime.max.time()).replace(microsecond=0)
    years = ((E - S).days + 1) / 365.0
    opps: list[Opp] = []

    for c in co.customers:
        starts: list[tuple[datetime, Any]] = []
        if c.segment == "prospect":
            if c.id not in lead_starts:
                continue
            lead, lt = lead_starts[c.id]
            starts.append((_advance(rng, lt, 0.0, 1.5), lead))
            if rng.random() < 0.25:
                d = c.created.date() + timedelta(days=rng.randint(60, 200))
                if d < E - timedelta(days=5):
                    starts.append((work_time(rng, next_workday(d)), None))
        else:
            lam = OPP_RATE[c.level] * years * (0.6 if c.segment == "low" else 1.0)
            n = _poisson(rng, lam)
            lo = max(S - timedelta(days=60), c.created.date())
            hi = E - timedelta(days=5)
            if c.churn_date:
                hi = min(hi, c.churn_date - timedelta(days=45))
            for _ in range(n):
                if hi <= lo:
                    break
                d = lo + timedelta(days=rng.randint(0, (hi - lo).days))
                starts.append((work_time(rng, next_workday(d)), None))
        starts.sort(key=lambda x: x[0])
        for created, lead in starts:
            opps.append(_one_opp(co, rng, c, created, lead, end_dt))

    opps.sort(key=lambda o: (o.created, o.customer_id))
    for i, o in enumerate(opps, start=1):
        o.id = f"OP{i:06d}"
    return opps


def _one_opp(
    co: Company,
    rng: random.Random,
    c: Customer,
    created: datetime,
    lead: Any,
    end_dt: datetime,
) -> Opp:
    model, pname, price = rng.choice(N.PRODUCTS)
    lo, hi = AMOUNT_RANGES[c.level]
    amount = max(price * 0.8, rng.uniform(lo, hi))
    amount = round(amount, -3) if amount > 50000 else round(amount, -2)
    suffix = rng.choice(
        ["产线升级项目", "新建产线项目", "设备改造项目", "扩产项目", "备件采购", "试点项目"]
    )
    o = Opp("", c.id, f"{c.short}{suffix}", model, amount, created, lead=lead)
    q = co.quality(co.squad_of(c.owner_at(created)), created.date())
    decaying = c.segment in ("decay_churn", "decay_recover")
    p_lost = {
        "qualify": 0.16 + 0.30 * (1 - q),
        "demo": 0.14,
        "negotiation": 0.28 + 0.10 * (1 - q) + (0.25 if decaying else 0.0),
        "contract": 0.03,
    }
    durations = {
        "lead": (0.05, 3),
        "qualify": (4, 18),
        "demo": (6, 25),
        "negotiation": (7, 32),
        "contract": (0.3, 4),
    }
    stuck = rng.random() < 0.08 + 0.14 * (1 - q)
    if stuck:
        durations["negotiation"] = (60, 160)
    o.stuck = stuck
    # lost deals: choose the objection category up front (it drives notes and chats)
    lost_at = None
    for st in ("qualify", "demo", "negotiation", "contract"):
        if rng.random() < p_lost[st]:
            lost_at = st
            break
    if lost_at is not None:
        o.objection = _choice_w(rng, LOST_CATEGORIES)
    elif rng.random() < 0.35:
        o.objection = "价格" if rng.random() < 0.75 else "交付周期"

    t = created
    churn_dt = (
        datetime.combine(c.churn_date, datetime.min.time()) - timedelta(days=3)
        if c.churn_date
        else None
    )
    for st in STAGES:
        if t > end_dt:
            break
        if churn_dt and t >= churn_dt:
            _close(o, rng, "lost", max(churn_dt, o.stages[-1][1] + timedelta(hours=2)), "流失")
            return o
        o.stages.append((st, t, c.owner_at(t)))
        if st == "contract":
            o.contract_submitted = t
        t_next = _advance(rng, t, *durations[st])
        if lost_at == st:
            if t_next <= end_dt and not (churn_dt and t_next >= churn_dt):
                _close(o, rng, "lost", t_next, o.objection)
            elif churn_dt and t_next >= churn_dt and churn_dt <= end_dt:
                _close(o, rng, "lost", max(churn_dt, t + timedelta(hours=2)), "流失")
            return o
        t = t_next
    if t <= end_dt and o.stages[-1][0] == "contract":
        if churn_dt and t >= churn_dt:
            _close(o, rng, "lost", max(churn_dt, o.stages[-1][1] + timedelta(hours=2)), "流失")
            return o
        o.contract_approved = t
        _close(o, rng, "won", t, None)
    return o


def _close(o: Opp, rng: random.Random, outcome: str, t: datetime, category: str | None) -> None:
    o.outcome = outcome
    o.closed_at = t
    if outcome == "won":
        o.close_reason = rng.choice(WON_REASONS)
        return
    tpl = rng.choice(CLOSE_REASONS[category or "决策"])
    o.close_reason = tpl.format(
        d=rng.choice([30, 45, 60]),
        q=rng.choice([75, 90, 120]),
        p=rng.choice([10, 15, 20]),
        c=rng.choice(N.COMPETITORS),
    )


def _choice_w(rng: random.Random, pairs: list[tuple[str, float]]) -> str:
    return rng.choices([p[0] for p in pairs], [p[1] for p in pairs])[0]


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth for small lambda (deterministic with random.Random)
    import math

    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    L, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= L:
            return k
        k += 1


def is_open_on(o: Opp, d: date) -> bool:
    start = o.created.date()
    end = o.closed_at.date() if o.closed_at else date.max
    return start <= d <= end


__all__ = ["Opp", "build_opps", "is_open_on", "is_workday"]
