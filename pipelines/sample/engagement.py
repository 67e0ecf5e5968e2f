"""Customer-health signals: meetings (技术交流), documents sent (定制化方案), social interactions of
the customers' contacts, and the everyday WeCom chatter that goes with a relationship.

Engaged customers meet for long technical exchanges, get a customised proposal every ~two weeks and
their decision makers interact on social media every few days (green). Moderate customers miss one
of those (yellow). Low customers miss most (red). Decaying customers slide from green to red weeks
before they churn; sudden churners stay green to the end.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from . import names as N
from . import text as T
from .activity import Touch, pick_contact
from .calendar import at, is_workday, next_workday, work_time
from .company import Company, Customer, Simulator
from .deals import Opp

MEETING_TYPES = ["技术交流", "商务洽谈", "方案汇报", "项目启动会", "培训", "内部例会"]
DOC_TYPES = ["定制化方案", "产品手册", "报价单", "案例集", "技术白皮书"]
SOCIAL_TYPES = ["点赞", "评论", "转发", "私信", "浏览主页"]
POSTS = [
    "联科自动化发布VS-90 3D视觉定位系统",
    "汽车零部件产线柔性化改造实践",
    "新能源电池模组装配自动化方案",
    "2026工业自动化展会回顾",
    "如何降低产线换型时间",
    "伺服系统节能改造案例",
]


def mode(c: Customer, d: date) -> str:
    """engaged | moderate | low | decay | prospect on day d."""
    if c.active_from is None or d < c.active_from:
        return "prospect"
    if c.decaying(d):
        return "decay"
    seg = c.segment
    if seg in ("engaged", "sudden_churn", "decay_churn", "decay_recover"):
        return "engaged"
    if seg == "prospect":
        return "engaged" if int(c.id[1:]) % 5 < 3 else "moderate"
    return seg


def moderate_gap(c: Customer) -> str:
    """Which health indicator a moderate customer misses."""
    return "H2" if int(c.id[1:]) % 2 == 0 else "H3"


INTERVALS = {
    # proposals (定制化方案), decision-maker interactions, technical exchanges
    "proposal": {"engaged": (9, 14), "moderate": (9, 14), "low": (40, 100), "decay": (35, 70)},
    "dm": {"engaged": (3, 9), "moderate": (3, 9), "low": None, "decay": (18, 45)},
    "tech": {"engaged": (45, 100), "moderate": (60, 130), "low": (120, 240), "decay": (50, 110)},
}
TECH_MINUTES = {"engaged": (50, 125), "moderate": (47, 100), "low": (20, 40), "decay": (15, 40)}


def _interval(c: Customer, kind: str, m: str) -> tuple[int, int] | None:
    if m == "moderate" and kind == "proposal" and moderate_gap(c) == "H2":
        return (20, 45)
    if m == "moderate" and kind == "dm" and moderate_gap(c) == "H3":
        return (10, 25)
    return INTERVALS[kind][m]


class Engagement(Simulator):
    def __init__(self, co: Company, rng: random.Random) -> None:
        super().__init__(co, rng)
        self.meetings: list[dict] = []
        self.docs: list[dict] = []
        self.social: list[dict] = []
        self.touches: list[Touch] = []
        S = co.cfg.start
        self.first = S

    def _span(self, c: Customer) -> tuple[date, date]:
        start = max(self.co.cfg.start, c.active_from or self.co.cfg.end)
        end = self.co.cfg.end
        if c.churn_date:
            end = min(end, c.churn_date - timedelta(days=1))
        return start, end

    def _renewal(self, c: Customer, kind: str, first_max: int) -> list[date]:
        """Event days of one kind: intervals follow the customer's mode on each day."""
        rng = self.rng
        start, end = self._span(c)
        out = []
        d = start + timedelta(days=rng.randint(0, first_max))
        while d <= end:
            m = mode(c, d)
            iv = _interval(c, kind, m) if m != "prospect" else None
            if iv is None:
                d += timedelta(days=30)
                continue
            out.append(d)
            d += timedelta(days=rng.randint(*iv))
        return out

    # ---------------------------------------------------------------------------------------------
    def customer(self, c: Customer) -> None:
        rng = self.rng
        # technical exchanges (the first within the first weeks, so H1 can pass early)
        for d in self._renewal(c, "tech", 20):
            m = mode(c, d)
            self._meeting(c, d, "技术交流", rng.randint(*TECH_MINUTES[m]))
        # customised proposals
        for d in self._renewal(c, "proposal", 6):
            self._doc(c, d, "定制化方案")
        # decision-maker interactions on social media
        dms = c.contacts_with("decision_maker")
        if dms:
            for d in self._renewal(c, "dm", 4):
                self._social(c, rng.choice(dms), d)
        others = [k for k in c.contacts if k.role != "decision_maker"]
        start, end = self._span(c)
        for k in others:
            d = start + timedelta(days=rng.randint(0, 40))
            while d <= end:
                if d >= k.created.date():
                    self._social(c, k, d)
                d += timedelta(days=rng.randint(20, 60))
        # other documents and everyday chatter
        d = start + timedelta(days=rng.randint(0, 30))
        while d <= end:
            self._doc(c, d, rng.choices(DOC_TYPES[1:], [40, 20, 25, 15])[0])
            d += timedelta(days=rng.randint(25, 70))
        chat_gap = {"engaged": (8, 20), "moderate": (12, 28), "low": (35, 70), "decay": (25, 50)}
        d = start + timedelta(days=rng.randint(0, 14))
        while d <= end:
            m = mode(c, d)
            if m != "prospect" and is_workday(d):
                t = work_time(rng, d)
                k = pick_contact(rng, c, ("procurement", "decision_maker", "user"), t)
                h = T.honorific(k.name, k.role)
                if rng.random() < 0.06:
                    text = rng.choice(T.NOISE_NUMBERS).format(h=h, phone=_phone(rng))
                    kind = "noise"
                else:
                    text = rng.choice(T.CHATTER).format(
                        h=h, p=rng.choice(N.PRODUCTS)[0], city=c.city
                    )
                    kind = "chatter"
                self.touches.append(Touch(t, c.owner_at(t), k, kind, text))
            iv = chat_gap.get(m, (30, 30))
            d += timedelta(days=rng.randint(*iv))

    def opportunity(self, o: Opp) -> None:
        """Meetings and documents that belong to the sales process."""
        rng, c = self.rng, self.co.customer[o.customer_id]
        for st, t, _r in o.stages:
            if t > self.end_dt:
                break
            if st == "demo":
                d = next_workday((t + timedelta(days=rng.randint(0, 5))).date())
                self._meeting(c, d, "方案汇报", rng.randint(40, 90), opp=o)
                if rng.random() < 0.7:
                    self._meeting(
                        c, next_workday(d + timedelta(days=2)), "技术交流", rng.randint(45, 120)
                    )
                for _ in range(rng.choice((1, 2))):
                    dd = next_workday(t.date() + timedelta(days=rng.randint(1, 12)))
                    self._doc(c, dd, "定制化方案", opp=o)
            elif st == "negotiation":
                d = next_workday(t.date() + timedelta(days=rng.randint(1, 10)))
                self._meeting(c, d, "商务洽谈", rng.randint(30, 90), opp=o)
                self._doc(c, next_workday(t.date()), "报价单", opp=o)
        if o.outcome == "won" and o.closed_at:
            d = next_workday(o.closed_at.date() + timedelta(days=rng.randint(7, 30)))
            self._meeting(c, d, "项目启动会", rng.randint(45, 120), opp=o)
            if rng.random() < 0.5:
                self._meeting(
                    c, next_workday(d + timedelta(days=rng.randint(20, 50))), "培训", 120, opp=o
                )

    def internal(self) -> None:
        """Weekly squad meetings (no customer)."""
        co, rng = self.co, self.rng
        d = co.cfg.start
        while d <= co.cfg.end:
            if d.weekday() == 0 and is_workday(d):
                for s in co.squads:
                    start = at(d, 9, rng.choice([0, 0, 15, 30]))
                    members = [
                        p
                        for p in co.sellers(s.id)
                        if p.hired <= d and (p.left is None or p.left > d)
                    ]
                    self.meetings.append(
                        {
                            "start": start,
                            "end": start + timedelta(minutes=rng.randint(30, 60)),
                            "type": "内部例会",
                            "title": f"{s.name}周例会",
                            "organizer": s.lead_id,
                            "customer": None,
                            "attendees": [{"name": p.name, "type": "internal"} for p in members],
                        }
                    )
            d += timedelta(days=1)

    # ---------------------------------------------------------------------------------------------
    def _meeting(
        self, c: Customer, d: date, mtype: str, minutes: int, opp: Opp | None = None
    ) -> None:
        rng = self.rng
        d = next_workday(d)
        if d > self.co.cfg.end or not c.is_live(d):
            return
        start = at(d, rng.choice([9, 10, 10, 14, 14, 15, 16]), rng.choice([0, 0, 15, 30]))
        owner = c.owner_at(start)
        roles = {
            "技术交流": ("technical_evaluator", "user"),
            "商务洽谈": ("procurement", "decision_maker"),
        }.get(mtype, ("decision_maker", "technical_evaluator", "procurement"))
        ext = [k for k in c.contacts if k.role in roles and k.created <= start] or c.contacts[:1]
        ext = rng.sample(ext, min(len(ext), rng.randint(1, 3)))
        people = [{"name": self.co.person[owner].name, "type": "internal"}]
        if mtype in ("技术交流", "方案汇报"):
            eng = self.co.staff("product_engineer", c.region_id)
            if eng:
                people.append({"name": eng[0].name, "type": "internal"})
        people += [{"name": k.name, "type": "external", "company": c.name} for k in ext]
        title = {
            "技术交流": f"{c.short}技术交流会",
            "商务洽谈": f"{c.short}商务洽谈",
            "方案汇报": f"{c.short}方案汇报",
            "项目启动会": f"{c.short}项目启动会",
            "培训": f"{c.short}设备操作培训",
        }[mtype]
        self.meetings.append(
            {
                "start": start,
                "end": start + timedelta(minutes=minutes, seconds=rng.randint(0, 59)),
                "type": mtype,
                "title": title,
                "organizer": owner,
                "customer": c,
                "attendees": people,
            }
        )

    def _doc(self, c: Customer, d: date, dtype: str, opp: Opp | None = None) -> None:
        rng = self.rng
        d = next_workday(d)
        if d > self.co.cfg.end or not c.is_live(d):
            return
        t = work_time(rng, d)
        owner = c.owner_at(t)
        k = pick_contact(rng, c, ("technical_evaluator", "decision_maker", "procurement"), t)
        model = opp.model if opp else rng.choice(N.PRODUCTS)[0]
        title = {
            "定制化方案": f"{c.short}{model}定制化方案",
            "产品手册": f"{model}产品手册",
            "报价单": f"{c.short}{model}报价单",
            "案例集": f"{c.industry}行业成功案例集",
            "技术白皮书": "工业视觉检测技术白皮书",
        }[dtype]
        version = rng.choice(["v1", "v1", "v2", "v3"])
        ext = ".pdf" if dtype != "报价单" else ".xlsx"
        self.docs.append(
            {
                "t": t,
                "type": dtype,
                "title": title,
                "customer": c,
                "contact": k,
                "rep": owner,
                "file": f"{title}_{version}{ext}",
                "opp": opp.id if opp else "",
            }
        )
        if dtype == "定制化方案" and rng.random() < 0.35:
            text = rng.choice(T.PROPOSAL_NOTE).format(h=T.honorific(k.name, k.role))
            tt = t + timedelta(minutes=rng.randint(1, 30))
            self.touches.append(
                Touch(tt, owner, k, "proposal", text, file=f"{title}_{version}.pdf")
            )

    def _social(self, c: Customer, k, d: date) -> None:
        rng = self.rng
        if d > self.co.cfg.end or not c.is_live(d):
            return
        minutes = int(min(23.5, max(7.0, rng.gauss(13, 4))) * 60)
        t = datetime.combine(d, datetime.min.time()) + timedelta(
            minutes=minutes, seconds=rng.randint(0, 59)
        )
        self.social.append(
            {
                "t": t,
                "contact": k,
                "customer": c,
                "type": rng.choices(SOCIAL_TYPES, [45, 15, 15, 5, 20])[0],
                "platform": rng.choices(["领英", "脉脉", "微博"], [50, 40, 10])[0],
                "post": rng.choice(POSTS),
            }
        )


def _phone(rng: random.Random) -> str:
    return "13" + "".join(str(rng.randint(0, 9)) for _ in range(9))
