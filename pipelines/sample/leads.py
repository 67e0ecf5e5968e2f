"""Leads (线索): channel-partner reports, QR-code scans and web forms, and how fast reps respond.

Strong squads answer a lead within minutes (WeCom message or call); weak squads take hours and
sometimes never answer. Leads on existing customers are placed in quiet windows (no other touch of
that customer between creation and the planned response), so response minutes are measurable.
"""

from __future__ import annotations

import bisect
import math
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from . import names as N
from .calendar import is_workday, next_workday, rand_day
from .company import Company, Contact, Customer

BUDGET = {"A": "100万以上", "B": "50-100万", "C": "10-50万", "D": "10万以下"}
BUDGETS = ["10万以下", "10-50万", "50-100万", "100万以上"]
URGENCY = ["紧急", "一般", "不急"]


@dataclass
class Lead:
    id: str
    source: str  # channel_partner | qr_scan | web
    created: datetime
    customer_id: str
    contact_id: str
    region_id: str
    industry: str
    budget: str = ""
    urgency: str = ""
    partner: str = ""
    product: str = ""
    qr_code: str = ""
    page: str = ""
    response: datetime | None = None
    responder: str = ""
    touch: str = "text"  # text | voip
    opportunity_id: str = ""

    @property
    def status(self) -> str:
        if self.opportunity_id:
            return "converted"
        if self.response is None:
            return "invalid"
        return "following"


def _lognormal_minutes(rng: random.Random, median: float, sigma: float) -> float:
    return median * math.exp(rng.gauss(0, sigma))


def response_time(co: Company, rng: random.Random, rep_id: str, t: datetime) -> datetime | None:
    q = co.quality(co.squad_of(rep_id), t.date())
    if rng.random() < 0.01 * q + 0.11 * (1 - q):
        return None
    median = math.exp(math.log(14) * q + math.log(200) * (1 - q))
    in_hours = is_workday(t.date()) and time(8, 30) <= t.time() <= time(18, 30)
    if in_hours:
        return t + timedelta(minutes=_lognormal_minutes(rng, median, 0.85) + 1)
    if rng.random() < 0.35 * q:  # answers from the phone in the evening
        return t + timedelta(minutes=_lognormal_minutes(rng, 25, 0.8) + 1)
    d = next_workday(t.date() + timedelta(days=1) if t.time() > time(8, 30) else t.date())
    start = datetime.combine(d, time(9, 0))
    return start + timedelta(minutes=_lognormal_minutes(rng, median * 1.2, 0.7))


def _created_time(rng: random.Random, source: str, d: date) -> datetime:
    if source == "channel_partner":
        if rng.random() < 0.8:
            d = next_workday(d)
            h = rng.uniform(9, 18)
        else:
            h = rng.uniform(19, 22.5)
    elif source == "qr_scan":
        h = rng.uniform(9, 20)
    else:
        h = min(23.9, max(0.0, rng.gauss(14, 4.5)))
    m = int(h * 60)
    return datetime.combine(d, time(m // 60, m % 60, rng.randint(0, 59)))


def _fill(co: Company, rng: random.Random, lead: Lead, c: Customer) -> None:
    model = rng.choice(N.PRODUCTS)[0]
    lead.product = model
    if lead.source == "channel_partner":
        lead.partner = rng.choice(N.CHANNEL_PARTNERS)
        lead.budget = BUDGET[c.level] if rng.random() < 0.8 else rng.choice(BUDGETS)
        lead.urgency = rng.choices(URGENCY, [25, 50, 25])[0]
    elif lead.source == "qr_scan":
        site = rng.choice(["EXPO", "PLATE", "BROCHURE"])
        lead.qr_code = f"QR-{model}-{site}"
    else:
        lead.page = rng.choice(["/products/", "/solutions/", "/contact/"]) + model.lower()


def prospect_leads(co: Company, rng: random.Random) -> list[Lead]:
    """The lead that created each prospect customer (customer created at the lead's time)."""
    out = []
    for c in co.customers:
        if c.segment != "prospect":
            continue
        src = c.lead_source or "web"
        t = _created_time(rng, src, c.created.date())
        c.created = t
        c.owners[0] = (t, c.owners[0][1])
        main = c.contacts[0]
        main.created = t
        for k in c.contacts[1:]:
            k.created = max(k.created, t)
        lead = Lead("", src, t, c.id, main.id, c.region_id, c.industry)
        _fill(co, rng, lead, c)
        lead.responder = c.owner_at(t)
        lead.response = response_time(co, rng, lead.responder, t)
        lead.touch = "voip" if rng.random() < 0.3 else "text"
        out.append(lead)
    return out


def existing_leads(
    co: Company,
    rng: random.Random,
    n: int,
    busy: dict[str, list[datetime]],
    next_contact_id: int,
) -> tuple[list[Lead], list[Contact]]:
    """Leads on existing customers, placed where no other touch happens before the response."""
    S, E = co.cfg.start, co.cfg.end
    pool = [c for c in co.customers if c.segment not in ("prospect", "low")]
    weights = [{"A": 4, "B": 3, "C": 2, "D": 1}[c.level] for c in pool]
    out: list[Lead] = []
    new_contacts: list[Contact] = []
    for _ in range(n):
        c = rng.choices(pool, weights)[0]
        src = rng.choices(["channel_partner", "qr_scan", "web"], [40, 35, 25])[0]
        hi = min(E - timedelta(days=10), (c.churn_date or E) - timedelta(days=60))
        for _try in range(12):
            d = rand_day(rng, S + timedelta(days=7), hi)
            t = _created_time(rng, src, d)
            rep = c.owner_at(t)
            if co.person[rep].left and co.person[rep].left <= t.date() + timedelta(days=3):
                continue
            resp = response_time(co, rng, rep, t)
            if resp is None:
                break  # never answered: the next touch by anyone, days later, counts
            times = busy.get(c.id, [])
            i = bisect.bisect_left(times, t - timedelta(minutes=1))
            if i < len(times) and times[i] <= resp:
                continue
            break
        else:
            continue
        if src == "qr_scan":  # an unknown contact scans: a new contact is created
            name, _h = N.NamePool(rng).person()
            next_contact_id += 1
            ext = "wm" + "".join(rng.choice("0123456789abcdefABCDEF") for _ in range(22))
            role = rng.choice(["user", "technical_evaluator"])
            title = rng.choice(N.USER_TITLES if role == "user" else N.TECH_TITLES)
            k = Contact(f"CT{next_contact_id:07d}", c.id, name, title, role, "", ext, t, "qr_scan")
            k.phone = "1" + "".join(str(rng.randint(0, 9)) for _ in range(10))
            c.contacts.append(k)
            new_contacts.append(k)
            contact = k
        else:
            contact = rng.choice(c.contacts)
        lead = Lead("", src, t, c.id, contact.id, c.region_id, c.industry)
        _fill(co, rng, lead, c)
        lead.responder = rep
        lead.response = resp
        lead.touch = "voip" if rng.random() < 0.3 else "text"
        out.append(lead)
    return out, new_contacts


def number_leads(leads: list[Lead]) -> None:
    leads.sort(key=lambda x: (x.created, x.customer_id))
    for i, lead in enumerate(leads, start=1):
        lead.id = f"LD{i:06d}"
