"""The people and customers of the sample company, and the story planted in them.

Everything here is plain Python objects; the writers turn them into files. The company:

* a sales director, regions each with two squads (a squad lead and reps), a product engineer and a
  service specialist per region, one legal counsel;
* some squads are *weak* (slow lead response, poor template compliance, little case-library use),
  one of them is coached late in the year and improves;
* customers in segments: engaged (green), moderate (yellow), low (persistently red, small),
  decaying then churning (red weeks before churn), churning suddenly (green until churn),
  decaying then recovering, and prospects created by leads during the period;
* reps leave and hand their customers over; a few customers are transferred for other reasons.
"""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from . import names as N
from .calendar import at, next_workday, rand_day, work_time
from .config import Config


@dataclass
class Region:
    id: str
    name: str
    cities: list[str]


@dataclass
class Squad:
    id: str
    name: str
    region_id: str
    lead_id: str = ""
    weak: bool = False
    coached_from: date | None = None


@dataclass
class Person:
    id: str
    name: str
    handle: str
    role: str  # rep | squad_lead | sales_director | product_engineer | legal | service
    squad_id: str
    region_id: str
    phone: str
    hired: date
    left: date | None = None

    @property
    def email(self) -> str:
        return f"{self.handle}@lastmile-demo.cn"

    @property
    def sells(self) -> bool:
        return self.role in ("rep", "squad_lead")


@dataclass
class Contact:
    id: str
    customer_id: str
    name: str
    title: str
    role: str  # decision_maker | technical_evaluator | procurement | user
    phone: str
    external_userid: str
    created: datetime
    source: str = "crm"  # crm | qr_scan | channel_partner | web


@dataclass
class Customer:
    id: str
    name: str
    short: str
    industry: str
    region_id: str
    city: str
    level: str
    annual_purchase: float
    created: datetime
    segment: str
    pay_days: int
    decay_start: date | None = None
    churn_date: date | None = None
    recover_date: date | None = None
    owners: list[tuple[datetime, str]] = field(default_factory=list)
    contacts: list[Contact] = field(default_factory=list)
    active_from: date | None = None  # first day the customer buys (prospects: first won deal)
    lead_source: str | None = None  # prospects: channel_partner | qr_scan | web
    chain_gap: bool = False  # key-industry A customer with an incomplete decision chain

    def owner_at(self, t: datetime) -> str:
        i = bisect.bisect_right(self.owners, (t, "\uffff")) - 1
        return self.owners[max(i, 0)][1]

    def is_live(self, d: date) -> bool:
        """Still a customer (not churned) on day d."""
        return self.churn_date is None or d < self.churn_date

    def decaying(self, d: date) -> bool:
        if self.decay_start is None or d < self.decay_start:
            return False
        return self.recover_date is None or d < self.recover_date

    def roles(self) -> list[str]:
        return sorted({c.role for c in self.contacts})

    def contacts_with(self, role: str) -> list[Contact]:
        return [c for c in self.contacts if c.role == role]


@dataclass
class Company:
    cfg: Config
    regions: list[Region]
    squads: list[Squad]
    people: list[Person]
    customers: list[Customer]
    handovers: list[dict]
    leavers: list[dict]
    under_reporters: list[str]
    lead_leavers: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.person = {p.id: p for p in self.people}
        self.squad = {s.id: s for s in self.squads}
        self.region = {r.id: r for r in self.regions}
        self.customer = {c.id: c for c in self.customers}
        self.contact = {k.id: k for c in self.customers for k in c.contacts}

    def sellers(self, squad_id: str | None = None) -> list[Person]:
        return [p for p in self.people if p.sells and (squad_id is None or p.squad_id == squad_id)]

    def staff(self, role: str, region_id: str | None = None) -> list[Person]:
        return [
            p
            for p in self.people
            if p.role == role and (region_id is None or p.region_id == region_id)
        ]

    def quality(self, squad_id: str, d: date) -> float:
        """Process quality of a squad on day d: 1 = strong, 0 = weak; coached squads ramp up."""
        s = self.squad[squad_id]
        if not s.weak:
            return 1.0
        if s.coached_from is None or d < s.coached_from:
            return 0.0
        return min(0.85, (d - s.coached_from).days / 60 * 0.85)

    def squad_of(self, rep_id: str) -> str:
        return self.person[rep_id].squad_id


def _phone(rng: random.Random) -> str:
    return rng.choice(["13", "15", "18", "17"]) + "".join(str(rng.randint(0, 9)) for _ in range(9))


def build_company(cfg: Config) -> Company:
    rng = random.Random(f"{cfg.seed}:company")
    S, E = cfg.start, cfg.end
    n_days = (E - S).days + 1
    names = N.NamePool(rng)

    # regions and squads ---------------------------------------------------------------------------
    n_regions = max(3, round(3 * cfg.scale))
    regions = []
    for i in range(n_regions):
        base, cities = N.REGIONS[i % len(N.REGIONS)]
        rnd = i // len(N.REGIONS)
        name = f"{base}大区" if rnd == 0 else f"{base}{N.NUMERALS[rnd % 10]}区"
        regions.append(Region(f"R{i + 1:02d}", name, cities))
    squads: list[Squad] = []
    for r in regions:
        for k in range(2):
            sid = f"S{len(squads) + 1:02d}"
            squads.append(Squad(sid, f"{r.name.removesuffix('大区')}{N.NUMERALS[k]}队", r.id))
    n_weak = max(1, round(len(squads) / 3))
    # weak squads: the second squad of regions 2, 3, ... then the first ones
    order = [s for s in squads[1::2]][1:] + [s for s in squads[0::2]]
    for s in order[:n_weak]:
        s.weak = True
    weak = [s for s in squads if s.weak]
    coach_day = S + timedelta(days=int(n_days * 0.65))
    if n_days >= 200:
        weak[0].coached_from = coach_day

    # people ---------------------------------------------------------------------------------------
    people: list[Person] = []

    def hire(role: str, squad_id: str, region_id: str, hired: date | None = None) -> Person:
        name, handle = names.person()
        if hired is None:
            hired = S - timedelta(days=rng.randint(120, 2400))
        p = Person(
            f"E{1001 + len(people)}", name, handle, role, squad_id, region_id, _phone(rng), hired
        )
        people.append(p)
        return p

    hire("sales_director", "", "")
    per_squad = max(2, round(30 * cfg.scale / len(squads)))
    for s in squads:
        s.lead_id = hire("squad_lead", s.id, s.region_id).id
        for _ in range(per_squad - 1):
            hire("rep", s.id, s.region_id)
    for r in regions:
        hire("product_engineer", "", r.id)
        hire("service", "", r.id)
    hire("legal", "", "")

    # leavers (one in a weak squad, one in a strong squad, ...) and their replacements
    n_leavers = max(1, round(2 * cfg.scale))
    strong = [s for s in squads if not s.weak]
    leaver_squads = []
    for i in range(n_leavers):
        pool = weak if i % 2 == 0 else strong
        leaver_squads.append(pool[(i // 2) % len(pool)])
    leavers = []
    for i, s in enumerate(leaver_squads):
        cands = [p for p in people if p.squad_id == s.id and p.role == "rep" and p.left is None]
        if not cands:
            continue
        p = rng.choice(cands)
        frac = 0.35 + 0.45 * (i + 0.5) / n_leavers
        p.left = next_workday(S + timedelta(days=int(n_days * frac)))
        new = hire("rep", s.id, s.region_id, hired=p.left - timedelta(days=14))
        leavers.append({"rep_id": p.id, "left_date": p.left, "replacement_rep_id": new.id})

    # a squad lead who leaves late in the year, nobody hired in their place and their customers
    # not handed over yet: the warehouse shows those customers in the 待分配 queue
    lead_leavers = []
    taken = {s.id for s in leaver_squads}
    lead_pool = [s for s in strong if s.id not in taken]
    if n_days >= 120 and lead_pool:
        s = lead_pool[0]
        p = next(q for q in people if q.id == s.lead_id)
        p.left = next_workday(S + timedelta(days=int(n_days * 0.85)))
        lead_leavers.append({"rep_id": p.id, "squad_id": s.id, "left_date": p.left})

    # under-reporting reps: one in ten reps, in different squads, never a squad lead
    n_under = max(1, round(len([p for p in people if p.role == "rep"]) / 10))
    by_squad = [
        [
            p
            for p in people
            if p.squad_id == s.id and p.role == "rep" and p.left is None and p.hired < S
        ]
        for s in squads
    ]
    rng.shuffle(by_squad)
    under = [rng.choice(g).id for g in by_squad if g][:n_under]

    # customers ------------------------------------------------------------------------------------
    n_customers = max(60, round(2000 * cfg.scale))
    n_prospects = round(n_customers * 0.125)
    n_base = n_customers - n_prospects
    companies = N.CompanyPool(rng)
    ind_names = [i[0] for i in N.INDUSTRIES]
    ind_weights = [i[3] for i in N.INDUSTRIES]
    ind_words = {i[0]: i[1] for i in N.INDUSTRIES}
    customers: list[Customer] = []
    initial_sellers = {
        s.id: [p for p in people if p.squad_id == s.id and p.sells and p.hired < S] for s in squads
    }

    def new_customer(created: datetime, segment: str) -> Customer:
        r = rng.choice(regions)
        squad = rng.choice([s for s in squads if s.region_id == r.id])
        sellers = initial_sellers[squad.id]
        weights = [0.5 if p.role == "squad_lead" else 1.0 for p in sellers]
        owner = rng.choices(sellers, weights)[0]
        industry = rng.choices(ind_names, ind_weights)[0]
        city = rng.choice(r.cities)
        name, short = companies.company(city, ind_words[industry])
        cid = f"C{len(customers) + 1:05d}"
        c = Customer(
            cid, name, short, industry, r.id, city, "D", 0.0, created, segment,
            pay_days=rng.choice([30, 30, 60, 60, 90]),
        )  # fmt: skip
        c.owners.append((created, owner.id))
        customers.append(c)
        return c

    for _ in range(n_base):
        created = datetime.combine(
            S - timedelta(days=rng.randint(60, 3000)), time(rng.randint(9, 17), rng.randint(0, 59))
        )
        new_customer(created, "engaged")
    for _ in range(n_prospects):
        d = rand_day(rng, S + timedelta(days=3), E - timedelta(days=20))
        c = new_customer(work_time(rng, next_workday(d)), "prospect")
        c.lead_source = rng.choices(["channel_partner", "qr_scan", "web"], [45, 30, 25])[0]
    customers.sort(key=lambda c: c.id)

    # segments: churners are twice as likely in weak squads
    base = [c for c in customers if c.segment != "prospect"]
    sq_of = {p.id: p.squad_id for p in people}
    weak_ids = {s.id for s in weak}
    n_churn = max(4, round(len(base) * 0.10))
    churners = _weighted_sample(
        rng, base, [2.0 if sq_of[c.owners[0][1]] in weak_ids else 1.0 for c in base], n_churn
    )
    n_decay = round(n_churn * 0.7)
    churn_lo, churn_hi = S + timedelta(days=min(120, n_days // 3)), E - timedelta(days=10)
    for i, c in enumerate(churners):
        c.churn_date = rand_day(rng, churn_lo, churn_hi)
        if i < n_decay:
            c.segment = "decay_churn"
            lead = rng.randint(90, 170)
            c.decay_start = max(S + timedelta(days=25), c.churn_date - timedelta(days=lead))
        else:
            c.segment = "sudden_churn"
    rest = [c for c in base if c.churn_date is None]
    rng.shuffle(rest)
    n_rec, n_low, n_mod = (round(len(rest) * x) for x in (0.03, 0.10, 0.25))
    for i, c in enumerate(rest):
        if i < n_rec:
            c.segment = "decay_recover"
            c.decay_start = rand_day(rng, S + timedelta(days=60), E - timedelta(days=150))
            c.recover_date = c.decay_start + timedelta(days=rng.randint(60, 110))
        elif i < n_rec + n_low:
            c.segment = "low"
        elif i < n_rec + n_low + n_mod:
            c.segment = "moderate"
    level_p = {
        "engaged": (0.06, 0.20, 0.40, 0.34),
        "moderate": (0.03, 0.14, 0.38, 0.45),
        "low": (0.0, 0.04, 0.30, 0.66),
        "prospect": (0.02, 0.10, 0.45, 0.43),
    }
    ranges = {"A": (1.0e6, 3.5e6), "B": (2.0e5, 9.0e5), "C": (5.0e4, 2.0e5), "D": (5.0e3, 5.0e4)}
    for c in customers:
        p = level_p.get(c.segment, level_p["moderate"])
        c.level = rng.choices("ABCD", p)[0]
        lo, hi = ranges[c.level]
        c.annual_purchase = round(rng.uniform(lo, hi), -3)
        c.active_from = c.created.date() if c.segment != "prospect" else None

    # contacts -------------------------------------------------------------------------------------
    n_contacts = 0
    for c in customers:
        roles = _contact_roles(rng, c)
        for j, role in enumerate(roles):
            name, _h = names.person()
            title = rng.choice(
                {
                    "decision_maker": N.DM_TITLES,
                    "technical_evaluator": N.TECH_TITLES,
                    "procurement": N.PROC_TITLES,
                    "user": N.USER_TITLES,
                }[role]
            )
            n_contacts += 1
            created = c.created + timedelta(days=0 if j == 0 else rng.randint(0, 40))
            source = "crm"
            if c.segment == "prospect" and j == 0:
                source = c.lead_source or "crm"
            ext = "wm" + "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(22))
            c.contacts.append(
                Contact(f"CT{n_contacts:07d}", c.id, name, title, role, _phone(rng), ext, created)
            )
            c.contacts[-1].source = source

    # handovers ------------------------------------------------------------------------------------
    handovers: list[dict] = []
    person = {p.id: p for p in people}
    for lv in leavers:
        p = person[lv["rep_id"]]
        mates = [
            q.id
            for q in people
            if q.squad_id == p.squad_id and q.sells and q.id != p.id and q.hired < p.left
        ]
        t = at(p.left, 10, 0)
        for c in customers:
            if c.owner_at(t) != p.id or not c.is_live(p.left):
                continue
            if c.created.date() >= p.left:
                # planted: the CRM still assigns new customers to a leaver after the left day
                # (stale routing) and nobody hands them over; the warehouse gives them to the
                # squad lead (story.json: stale_assignments)
                continue
            to = lv["replacement_rep_id"] if rng.random() < 0.6 else rng.choice(mates)
            c.owners.append((t, to))
            handovers.append(_handover(c, p.id, to, t, "员工离职交接"))
    # a few transfers for other reasons
    reasons = ["区域调整", "客户要求更换对接人", "团队负载均衡"]
    for c in rng.sample(customers, max(2, round(len(customers) * 0.02))):
        d = rand_day(rng, S + timedelta(days=30), E - timedelta(days=30))
        if not c.is_live(d) or c.created.date() >= d:
            continue
        t = work_time(rng, next_workday(d))
        cur = c.owner_at(t)
        region_sellers = [
            q.id
            for q in people
            if q.region_id == c.region_id
            and q.sells
            and q.id != cur
            and q.hired < t.date()
            and (q.left is None or q.left > t.date() + timedelta(days=60))
        ]
        if not region_sellers or person[cur].left is not None:
            continue
        to = rng.choice(region_sellers)
        c.owners.append((t, to))
        c.owners.sort()
        handovers.append(_handover(c, cur, to, t, rng.choice(reasons)))
    handovers.sort(key=lambda h: (h["handed_over_at"], h["customer_id"]))

    return Company(cfg, regions, squads, people, customers, handovers, leavers, under, lead_leavers)


def _handover(c: Customer, frm: str, to: str, t: datetime, reason: str) -> dict:
    return {
        "customer_id": c.id,
        "from_rep_id": frm,
        "to_rep_id": to,
        "handed_over_at": t,
        "reason": reason,
    }


def _contact_roles(rng: random.Random, c: Customer) -> list[str]:
    """Decision-chain roles of a customer's contacts (first = the main contact)."""
    dm, te, pr, us = "decision_maker", "technical_evaluator", "procurement", "user"
    if c.level in ("A", "B"):
        roles = [pr, dm, te, us]
        if c.level == "A" and c.industry in N.KEY_INDUSTRIES and rng.random() < 0.25:
            c.chain_gap = True  # planted: a big customer whose decision maker we do not know
            return [pr, us, us]
        if rng.random() < 0.15:
            roles = [pr, dm, te]
        roles += rng.sample([dm, te, us, pr], rng.randint(0, 2))
    elif c.level == "C":
        roles = [pr, dm] + rng.sample([te, us], rng.randint(0, 2))
    else:
        roles = [pr] + rng.sample([dm, us], rng.randint(0, 2))
    if c.segment == "low":
        roles = [r for r in roles if r != dm] or [pr]
    elif dm not in roles:
        roles.append(dm)
    return roles


def _weighted_sample(rng: random.Random, items: list, weights: list[float], k: int) -> list:
    keyed = sorted(
        ((rng.random() ** (1.0 / w), i) for i, w in enumerate(weights)), reverse=True
    )  # Efraimidis-Spirakis
    return [items[i] for _key, i in keyed[:k]]


class Simulator:
    """One system's part of the simulation (CRM activity, ERP, engagement, WeCom): the company it
    acts for, its own random stream (so each part is reproducible on its own) and the window's
    last moment."""

    def __init__(self, co: Company, rng: random.Random) -> None:
        self.co = co
        self.rng = rng
        self.end_dt = datetime.combine(co.cfg.end, datetime.max.time()).replace(microsecond=0)
