"""The sales process in the CRM: sales logs per scenario template, competitor quote tables,
contracts and their approval, customer-level re-evaluation, tasks and success-case-library uses.

Process quality follows the squad (``Company.quality``): weak squads leave template fields empty,
write placeholder competitor brands (友商), skip the evidence log of a stage, forget the level
update and the service task after a contract, and rarely open the case library.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from . import names as N
from . import text as T
from .calendar import at, is_workday, next_workday, work_time
from .company import Company, Contact, Customer, Simulator
from .deals import Opp, _poisson

COMPETITOR_MODELS = {
    "西门子": "S7-1500",
    "三菱电机": "FX5U",
    "欧姆龙": "NX1P2",
    "汇川技术": "H5U",
    "台达": "AS300",
    "施耐德": "M241",
    "基恩士": "CV-X480",
    "信捷电气": "XD5",
}
TALK_TRACKS = {
    "交付周期": "提供分批交付和现货库存方案，关键部件提前备货，承诺交付节点写入合同",
    "价格": "讲全生命周期成本：能耗降低18%，两年收回投资；可提供分期付款",
    "竞品": "用同行业标杆案例对比，突出本地化服务和4小时响应",
    "技术": "安排样机到厂测试，邀请技术评估人参观标杆产线",
    "决策": "准备给决策人的一页纸投资回报分析，约高层拜访",
    "服务": "承诺专属服务专员，季度巡检，备件48小时到位",
}
ROLE_CN = {
    "decision_maker": "决策者",
    "technical_evaluator": "技术评估",
    "procurement": "采购",
    "user": "使用者",
}


@dataclass
class QuoteRow:
    brand: str
    price: float | None
    model: str
    placeholder: bool


@dataclass
class Log:
    id: str
    customer_id: str
    contact_id: str
    rep_id: str
    t: datetime
    template: str  # first_visit | solution_demo | price_negotiation | after_sales
    opp_id: str = ""
    summary: str = ""
    needs: str = ""
    products: str = ""
    attendees: str = ""
    recording: str = ""
    notes: str = ""
    quotes: list[QuoteRow] = field(default_factory=list)
    contact: Contact | None = None  # who was met (even when contact_id was left empty)


@dataclass
class Touch:
    """One WeCom conversation opened by a rep (or by the customer, when ``inbound``)."""

    t: datetime
    rep_id: str
    contact: Contact
    kind: str  # visit_ping | quote | objection | proposal | chatter | after_sales | lead | noise
    text: str = ""
    inbound: bool = False
    quote: dict | None = None  # planted quote truth
    voip: bool = False
    file: str = ""


@dataclass
class Contract:
    id: str
    opp: Opp
    rep_id: str
    amount: float
    submitted: datetime
    approved: datetime | None
    status: str  # approved | pending | rejected


@dataclass
class Task:
    id: str
    type: str  # follow_up | service | activation
    title: str
    customer_id: str
    opp_id: str
    assignee: str
    creator: str
    created: datetime
    due: date
    closed: datetime | None
    status: str  # open | done | cancelled


@dataclass
class CaseUse:
    case_id: str
    rep_id: str
    opp_id: str
    customer_id: str
    t: datetime
    action: str


def fill(q: float, strong: float, weak: float) -> float:
    return q * strong + (1 - q) * weak


def pick_contact(rng: random.Random, c: Customer, roles: tuple[str, ...], t: datetime) -> Contact:
    known = [k for k in c.contacts if k.created <= t and k.source != "qr_scan"] or c.contacts[:1]
    pref = [k for k in known if k.role in roles]
    return rng.choice(pref or known)


class Activity(Simulator):
    """Builds every CRM process record and the WeCom touches they imply."""

    def __init__(self, co: Company, rng: random.Random) -> None:
        super().__init__(co, rng)
        self.logs: list[Log] = []
        self.touches: list[Touch] = []
        self.contracts: list[Contract] = []
        self.level_changes: list[dict] = []
        self.tasks: list[Task] = []
        self.case_uses: list[CaseUse] = []
        self.levels = {c.id: c.level for c in co.customers}
        self.cases = build_cases(random.Random(f"{co.cfg.seed}:cases"), co.cfg.start)

    def q(self, rep_id: str, d: date) -> float:
        return self.co.quality(self.co.squad_of(rep_id), d)

    # ---------------------------------------------------------------------------------------------
    def add_log(self, c: Customer, t: datetime, template: str, opp: Opp | None, note: str) -> Log:
        rng, co = self.rng, self.co
        rep = c.owner_at(t)
        q = self.q(rep, t.date())
        roles = {
            "first_visit": ("procurement", "technical_evaluator", "decision_maker"),
            "solution_demo": ("technical_evaluator", "user"),
            "price_negotiation": ("procurement", "decision_maker"),
            "after_sales": ("user", "technical_evaluator"),
        }[template]
        k = pick_contact(rng, c, roles, t)
        h = T.honorific(k.name, k.role)
        model = opp.model if opp else rng.choice(N.PRODUCTS)[0]
        log = Log("", c.id, k.id if rng.random() < fill(q, 0.995, 0.9) else "", rep, t, template)
        log.contact = k
        log.opp_id = opp.id if opp else ""
        summary = {
            "first_visit": f"首次拜访{c.short}，与{h}沟通自动化改造需求",
            "solution_demo": f"为{c.short}演示{model}方案，现场答疑",
            "price_negotiation": f"与{h}商务谈判，讨论{model}配置与付款条件",
            "after_sales": f"售后回访{c.short}，了解{model}运行情况",
        }[template]
        log.summary = summary if rng.random() < fill(q, 0.995, 0.9) else ""
        log.notes = note or (rng.choice(T.NEUTRAL_NOTES) if rng.random() < 0.7 else "")
        if template == "first_visit" and rng.random() < fill(q, 0.97, 0.6):
            log.needs = rng.choice(T.NEEDS)
        elif template == "solution_demo":
            if rng.random() < fill(q, 0.98, 0.7):
                others = [p[0] for p in N.PRODUCTS if p[0] != model]
                log.products = "、".join([model] + rng.sample(others, rng.randint(0, 2)))
            if rng.random() < fill(q, 0.96, 0.6):
                people = [
                    f"{x.name}（{ROLE_CN[x.role]}）"
                    for x in rng.sample(c.contacts, min(len(c.contacts), rng.randint(1, 3)))
                ]
                eng = co.staff("product_engineer", c.region_id)
                if eng and rng.random() < 0.6:
                    people.append(f"{eng[0].name}（我方产品工程师）")
                log.attendees = "、".join(people)
        elif template == "price_negotiation":
            if rng.random() < fill(q, 0.95, 0.5):
                delivery = opp is not None and opp.objection == "交付周期"
                pool = T.RECORDING_DELIVERY if delivery and rng.random() < 0.6 else T.RECORDING
                log.recording = rng.choice(pool)
            if rng.random() < fill(q, 0.95, 0.55):
                base = opp.amount if opp else 100000.0
                for _ in range(rng.choice((1, 1, 2, 2, 3))):
                    if rng.random() < fill(q, 0.03, 0.4):
                        brand = rng.choice(N.PLACEHOLDER_BRANDS)
                        log.quotes.append(QuoteRow(brand, _price(rng, base), "", True))
                    else:
                        brand = rng.choice(N.COMPETITORS)
                        log.quotes.append(
                            QuoteRow(brand, _price(rng, base), COMPETITOR_MODELS[brand], False)
                        )
        self.logs.append(log)
        # a WeCom message to the contact on the day of the visit
        ping_t = t - timedelta(minutes=rng.randint(20, 150), seconds=rng.randint(0, 59))
        if ping_t < at(t.date(), 7, 50):
            ping_t = at(t.date(), 7, 50) + timedelta(seconds=rng.randint(0, 1800))
        when = "上午" if t.hour < 12 else "下午"
        hh = t.hour if t.hour <= 12 else t.hour - 12
        text = rng.choice(T.VISIT_PINGS).format(h=h, when=when, hh=hh)
        self.touches.append(Touch(ping_t, rep, k, "visit_ping", text))
        return log

    # ---------------------------------------------------------------------------------------------
    def opportunity(self, o: Opp) -> None:
        """Logs, chats, contract, level change, service task and case uses of one opportunity."""
        rng, co = self.rng, self.co
        c = co.customer[o.customer_id]
        stage_end = {}
        for i, (st, _t, _r) in enumerate(o.stages):
            nxt = o.stages[i + 1][1] if i + 1 < len(o.stages) else (o.closed_at or self.end_dt)
            stage_end[st] = nxt
        objection_logged = False
        close = o.closed_at
        for st, t, _rep in o.stages:
            if t > self.end_dt:
                break
            q = self.q(c.owner_at(t), t.date())
            end = min(stage_end[st], self.end_dt)
            note = ""
            want_objection = (
                o.objection
                and not objection_logged
                and (
                    (o.outcome == "lost" and st == o.stages[-1][0])
                    or (o.outcome != "lost" and st == "negotiation")
                )
            )
            if want_objection:
                note = T.objection(rng, o.objection)
            if st == "qualify":
                self.add_log(c, t, "first_visit", o, note)
                objection_logged |= bool(note)
            elif st == "demo":
                if rng.random() < fill(q, 0.97, 0.62):
                    lt = _within(rng, t, end, 3)
                    self.add_log(c, lt, "solution_demo", o, note)
                    objection_logged |= bool(note)
                    self._case_use(o, c, lt, q)
            elif st == "negotiation":
                if rng.random() < fill(q, 0.97, 0.62):
                    lt = _within(rng, t, end, 4)
                    self.add_log(c, lt, "price_negotiation", o, note)
                    objection_logged |= bool(note)
                # further rounds while the negotiation drags on
                nt = t + timedelta(days=rng.randint(18, 30))
                while nt < end - timedelta(days=2):
                    d = next_workday(nt.date())
                    self.add_log(c, work_time(rng, d), "price_negotiation", o, "")
                    nt += timedelta(days=rng.randint(18, 35))
                self._quote_chats(o, c, t, end)
            elif st == "contract":
                self._contract(o, c, t)
        # the customer voices the objection on WeCom before a loss (or during a won deal)
        if o.objection and (close is None or close <= self.end_dt):
            when = (close - timedelta(days=rng.uniform(1, 20))) if close else None
            last = o.stages[-1][1]
            if when is None or when < last:
                when = last + timedelta(hours=rng.uniform(2, 30))
            if close is not None:
                when = min(when, close - timedelta(hours=1))
            if when <= self.end_dt and c.is_live(when.date()):
                k = pick_contact(rng, c, ("procurement", "decision_maker"), when)
                d = next_workday(when.date())
                wt = work_time(rng, d)
                if close is None or wt < close:
                    self.touches.append(
                        Touch(
                            wt, c.owner_at(wt), k, "objection", T.objection(rng, o.objection), True
                        )
                    )
        # case-library uses while the opportunity is active (per active month)
        self._case_uses_monthly(o, c)

    def _quote_chats(self, o: Opp, c: Customer, start: datetime, end: datetime) -> None:
        rng = self.rng
        n = rng.choice((1, 1, 2, 2, 3))
        for _ in range(n):
            t = _within(rng, start, end, max(1, min(20, (end - start).days)))
            if t > self.end_dt:
                continue
            k = pick_contact(rng, c, ("procurement", "decision_maker"), t)
            h = T.honorific(k.name, k.role)
            amount = round(o.amount * rng.uniform(0.85, 1.05), -2)
            with_delivery = rng.random() < 0.6
            if rng.random() < 0.85:
                text, days = T.quote_message(rng, h, o.model, amount, with_delivery)
                truth = {"amount_cny": amount, "model": o.model, "delivery_days": days}
            else:  # an amount without a model: not a quote event
                text = f"{h}，整体预算控制在{T.amount_text(rng, amount)}以内可以吗"
                truth = {"amount_cny": amount, "model": None, "delivery_days": None}
                text = text.replace("预算", "总价")
            truth.update(customer_id=c.id, opportunity_id=o.id)
            self.touches.append(Touch(t, c.owner_at(t), k, "quote", text, quote=truth))

    def _contract(self, o: Opp, c: Customer, t: datetime) -> None:
        rng, co = self.rng, self.co
        rep = c.owner_at(t)
        amount = round(o.amount * rng.uniform(0.95, 1.0), -2)
        if o.contract_approved is not None:
            status, approved = "approved", o.contract_approved
        elif o.outcome == "lost":
            status, approved = "rejected", None
        else:
            status, approved = "pending", None
        self.contracts.append(Contract("", o, rep, amount, t, approved, status))
        if approved is None:
            return
        q = self.q(rep, approved.date())
        # contract approved -> customer level re-evaluated the same day, service task created
        old = self.levels[c.id]
        new = _level_after(old, amount)
        r = rng.random()
        if r < fill(q, 0.98, 0.72):
            lt = approved + timedelta(minutes=rng.randint(5, 240))
            lt = min(lt, at(approved.date(), 23, 50))
        elif r < fill(q, 0.99, 0.86):
            lt = work_time(rng, next_workday(approved.date() + timedelta(days=rng.randint(5, 20))))
        else:
            lt = None
        if lt is not None and lt <= self.end_dt:
            self.levels[c.id] = new
            self.level_changes.append(
                {"customer_id": c.id, "t": lt, "old": old, "new": new, "reason": "合同审批通过"}
            )
        if rng.random() < fill(q, 0.97, 0.65):
            svc = co.staff("service", c.region_id) or co.staff("service")
            created = approved + timedelta(minutes=rng.randint(10, 600))
            self._task(
                "service", f"新签合同客户服务启动：{c.short}", c, o.id, svc[0].id, rep, created
            )

    def _case_use(self, o: Opp, c: Customer, t: datetime, q: float) -> None:
        if self.rng.random() < fill(q, 0.45, 0.05):
            self._add_use(o, c, t + timedelta(minutes=self.rng.randint(-90, -5)))

    def _case_uses_monthly(self, o: Opp, c: Customer) -> None:
        rng = self.rng
        start = o.created
        end = min(o.closed_at or self.end_dt, self.end_dt)
        t = start
        while t < end:
            span_end = min(end, t + timedelta(days=30))
            q = self.q(c.owner_at(t), t.date())
            days = (span_end - t).total_seconds() / 86400
            for _ in range(_poisson(rng, fill(q, 0.47, 0.05) * days / 30)):
                ut = t + timedelta(seconds=rng.uniform(0, (span_end - t).total_seconds()))
                d = ut.date() if is_workday(ut.date()) else next_workday(ut.date())
                ut = work_time(rng, d)
                if ut <= end:
                    self._add_use(o, c, ut)
            t = span_end

    def _add_use(self, o: Opp, c: Customer, t: datetime) -> None:
        rng = self.rng
        cat = o.objection
        pool = [x for x in self.cases if x["objection_category"] == cat] if cat else []
        pool = pool or [x for x in self.cases if x["industry"] == c.industry] or self.cases
        case = rng.choice(pool)
        action = rng.choices(["view", "download", "share"], [60, 25, 15])[0]
        self.case_uses.append(CaseUse(case["case_id"], c.owner_at(t), o.id, c.id, t, action))

    def _task(
        self,
        typ: str,
        title: str,
        c: Customer,
        opp_id: str,
        assignee: str,
        creator: str,
        created: datetime,
    ) -> None:
        rng = self.rng
        due = created.date() + timedelta(days=rng.choice([3, 5, 7, 7, 10]))
        r = rng.random()
        closed: datetime | None = None
        status = "open"
        if r < 0.86:
            closed = created + timedelta(hours=rng.uniform(3, 24 * 12))
            status = "done"
        elif r < 0.92:
            closed = created + timedelta(days=rng.uniform(1, 20))
            status = "cancelled"
        if closed is not None and closed > self.end_dt:
            closed, status = None, "open"
        if created > self.end_dt:
            return
        self.tasks.append(
            Task("", typ, title, c.id, opp_id, assignee, creator, created, due, closed, status)
        )

    # ---------------------------------------------------------------------------------------------
    def follow_up_tasks(self) -> None:
        """Squad leads assign follow-ups; a few go to a squad-mate (a temporary access grant)."""
        rng, co = self.rng, self.co
        S, E = co.cfg.start, co.cfg.end
        years = ((E - S).days + 1) / 365
        for c in co.customers:
            if c.active_from is None:
                continue
            for _ in range(_poisson(rng, 1.6 * years)):
                d = S + timedelta(days=rng.randint(0, (E - S).days))
                if not c.is_live(d) or d < c.active_from:
                    continue
                t = work_time(rng, next_workday(d))
                owner = c.owner_at(t)
                squad = co.squad[co.squad_of(owner)]
                mates = [
                    p.id
                    for p in co.sellers(squad.id)
                    if p.id != owner and p.hired <= t.date() and (p.left is None or p.left > d)
                ]
                assignee = rng.choice(mates) if mates and rng.random() < 0.15 else owner
                title = rng.choice(
                    ["跟进设备使用情况", "确认二期项目计划", "回访付款进度", "约技术交流"]
                )
                self._task("follow_up", f"{title}:{c.short}", c, "", assignee, squad.lead_id, t)
        # activation tasks: leads reacting to decaying customers (some of whom recover)
        for c in co.customers:
            if c.decay_start is None:
                continue
            owner = c.owner_at(at(c.decay_start, 12))
            q = self.q(owner, c.decay_start)
            recover = c.segment == "decay_recover"
            if not recover and rng.random() > fill(q, 0.4, 0.1):
                continue
            d = next_workday(c.decay_start + timedelta(days=rng.randint(30, 45)))
            lead = co.squad[co.squad_of(owner)].lead_id
            for title in rng.sample(["安排技术交流", "提交定制化方案", "拜访关键决策人"], 2):
                t = work_time(rng, d)
                self._task("activation", f"{title}:{c.short}", c, "", c.owner_at(t), lead, t)

    def after_sales(self, repairs: list[dict]) -> None:
        """After-sales follow-up visits: after repairs, and periodically for live customers."""
        rng, co = self.rng, self.co
        for r in repairs:
            c = co.customer[r["customer_id"]]
            done = r["completed"] or r["reported"]
            d = next_workday(done.date() + timedelta(days=rng.randint(2, 14)))
            t = work_time(rng, d)
            if t > self.end_dt or not c.is_live(d):
                continue
            q = self.q(c.owner_at(t), d)
            if rng.random() < fill(q, 0.9, 0.5):
                self.add_log(c, t, "after_sales", None, "")
                k = pick_contact(rng, c, ("user",), t)
                text = rng.choice(T.AFTER_SALES).format(h=T.honorific(k.name, k.role))
                self.touches.append(
                    Touch(t + timedelta(hours=2), c.owner_at(t), k, "after_sales", text)
                )
        S, E = co.cfg.start, co.cfg.end
        for c in co.customers:
            if c.active_from is None or c.segment == "low":
                continue
            d = max(S, c.active_from) + timedelta(days=rng.randint(10, 90))
            while d <= E and c.is_live(d):
                t = work_time(rng, next_workday(d))
                if t <= self.end_dt:
                    note = T.objection(rng, "服务") if c.decaying(d) and rng.random() < 0.3 else ""
                    self.add_log(c, t, "after_sales", None, note)
                gap = (60, 120) if c.level in ("A", "B") else (100, 200)
                d += timedelta(days=rng.randint(*gap))

    def number(self) -> None:
        self.logs.sort(key=lambda x: (x.t, x.customer_id, x.template))
        for i, log in enumerate(self.logs, start=1):
            log.id = f"SL{i:07d}"
        self.contracts.sort(key=lambda x: (x.submitted, x.opp.id))
        for i, ct in enumerate(self.contracts, start=1):
            ct.id = f"HT{i:06d}"
        self.tasks.sort(key=lambda x: (x.created, x.customer_id, x.type))
        for i, tk in enumerate(self.tasks, start=1):
            tk.id = f"TK{i:06d}"
        self.case_uses.sort(key=lambda x: (x.t, x.opp_id))
        self.level_changes.sort(key=lambda x: (x["t"], x["customer_id"]))


def build_cases(rng: random.Random, start: date) -> list[dict]:
    cases = []
    inds = [i[0] for i in N.INDUSTRIES]
    for cat in T.OBJECTIONS:
        for _ in range(4):
            ind = rng.choice(inds)
            model, pname, _p = rng.choice(N.PRODUCTS)
            cases.append(
                {
                    "case_id": "",
                    "title": f"{ind}客户{pname}应用案例",
                    "industry": ind,
                    "product_model": model,
                    "objection_category": cat,
                    "talk_track": TALK_TRACKS[cat],
                    "published": start - timedelta(days=rng.randint(30, 900)),
                }
            )
    for i, cs in enumerate(cases, start=1):
        cs["case_id"] = f"CASE{i:03d}"
    return cases


def _within(rng: random.Random, t: datetime, end: datetime, days: int) -> datetime:
    d = next_workday((t + timedelta(days=rng.randint(0, days))).date())
    wt = work_time(rng, d)
    if wt < t:
        wt = t + timedelta(minutes=rng.randint(20, 200))
    if wt >= end:
        wt = t + (end - t) * rng.uniform(0.2, 0.8)
    return wt


def _price(rng: random.Random, base: float) -> float:
    return round(base * rng.uniform(0.78, 1.08), -2)


def _level_after(old: str, amount: float) -> str:
    order = "DCBA"
    thresholds = {"D": 5.0e4, "C": 2.0e5, "B": 8.0e5}
    if old in thresholds and amount >= thresholds[old]:
        return order[order.index(old) + 1]
    return old
