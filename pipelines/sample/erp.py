"""ERP (Excel .xlsx, Chinese headers): orders, deliveries (promised vs actual), invoices with due
dates, payments (回款) allocated to invoices, and repair records.

Orders come from approved contracts and from repeat purchases of live customers. Deliveries are on
time for healthy customers and late for decaying ones; decaying customers also pay late or not at
all, so receivables age where the health board turns red.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from . import names as N
from .activity import Activity
from .calendar import next_workday, work_time
from .company import Company, Customer, Simulator
from .deals import _poisson
from .engagement import mode

REPEAT_ORDERS = {"A": 10.0, "B": 6.0, "C": 3.0, "D": 1.5}
ON_TIME = {"engaged": 0.995, "moderate": 0.985, "low": 0.96, "decay": 0.5, "prospect": 0.99}
FAULTS = [
    ("伺服报警 AL.16，电机过载", "更换编码器线缆，恢复运行"),
    ("视觉系统误判率升高", "重新标定相机，更新检测算法参数"),
    ("控制器通讯中断", "更换通讯模块，固件升级"),
    ("机器人第三轴异响", "更换减速机润滑脂，调整间隙"),
    ("PLC程序丢失", "恢复备份程序，更换后备电池"),
    ("触摸屏无响应", "更换触摸屏"),
]


class Erp(Simulator):
    def __init__(self, co: Company, rng: random.Random) -> None:
        super().__init__(co, rng)
        self.orders: list[dict] = []
        self.deliveries: list[dict] = []
        self.invoices: list[dict] = []
        self.payments: list[dict] = []
        self.repairs: list[dict] = []
        self.price = {p[0]: p[2] for p in N.PRODUCTS}
        self.pname = {p[0]: p[1] for p in N.PRODUCTS}

    def build(self, act: Activity) -> None:
        co, rng = self.co, self.rng
        S, E = co.cfg.start, co.cfg.end
        for ct in act.contracts:
            if ct.approved is None:
                continue
            c = co.customer[ct.opp.customer_id]
            d = next_workday(ct.approved.date() + timedelta(days=rng.randint(0, 5)))
            if S <= d <= E and c.is_live(d):
                self._order(c, d, ct.opp.model, ct.amount, ct.id, ct.rep_id)
        years = ((E - S).days + 1) / 365
        for c in co.customers:
            if c.active_from is None:
                continue
            n = _poisson(rng, REPEAT_ORDERS[c.level] * years)
            start = max(S, c.active_from)
            end = E if c.churn_date is None else min(E, c.churn_date - timedelta(days=5))
            if end <= start:
                continue
            each = c.annual_purchase / REPEAT_ORDERS[c.level]
            for _ in range(n):
                d = start + timedelta(days=rng.randint(0, (end - start).days))
                d = next_workday(d)
                if d > end:
                    continue
                factor = 0.4 if mode(c, d) == "decay" else 1.0
                if c.decaying(d) and rng.random() < 0.4:
                    continue
                amount = max(2000.0, round(each * rng.uniform(0.6, 1.4) * factor, -2))
                model = rng.choice(N.PRODUCTS)[0]
                rep = c.owner_at(datetime.combine(d, datetime.min.time()))
                self._order(c, d, model, amount, "", rep)
        self.orders.sort(key=lambda o: (o["date"], o["customer"].id, o["amount"]))
        for i, o in enumerate(self.orders, start=1):
            o["id"] = f"SO{i:07d}"
        for o in self.orders:
            self._fulfil(o)
        self.deliveries.sort(key=lambda x: (x["promised"], x["order"]["id"]))
        for i, x in enumerate(self.deliveries, start=1):
            x["id"] = f"DN{i:07d}"
        self.invoices.sort(key=lambda x: (x["date"], x["order"]["id"], x["amount"]))
        for i, x in enumerate(self.invoices, start=1):
            x["id"] = f"{24000000 + i * 7:08d}"
        for inv in self.invoices:
            self._pay(inv)
        self.payments.sort(key=lambda x: (x["date"], x["invoice"]["id"]))
        for i, x in enumerate(self.payments, start=1):
            x["id"] = f"HK{i:07d}"
        self._repairs()

    def _order(self, c: Customer, d: date, model: str, amount: float, contract: str, rep: str):
        price = self.price[model]
        qty = max(1, round(amount / price))
        self.orders.append(
            {
                "id": "",
                "date": d,
                "customer": c,
                "contract": contract,
                "model": model,
                "qty": qty,
                "unit_price": round(amount / qty, 2),
                "amount": round(round(amount / qty, 2) * qty, 2),
                "rep": rep,
            }
        )

    def _fulfil(self, o: dict) -> None:
        rng, E = self.rng, self.co.cfg.end
        c = o["customer"]
        parts = 2 if o["qty"] >= 4 and rng.random() < 0.5 else 1
        qtys = [o["qty"] // parts + (1 if i < o["qty"] % parts else 0) for i in range(parts)]
        lead_days = rng.choice([15, 20, 25, 30, 30, 45])
        for i, q in enumerate(qtys):
            promised = o["date"] + timedelta(days=lead_days + 10 * i)
            m = mode(c, promised)
            if rng.random() < ON_TIME.get(m, 0.99):
                actual = promised - timedelta(days=rng.choice([0, 0, 0, 1, 2, 3, 5]))
            else:
                actual = promised + timedelta(days=rng.randint(3, 25))
            actual = max(actual, o["date"] + timedelta(days=3))
            if c.churn_date and actual >= c.churn_date:
                actual = max(o["date"] + timedelta(days=3), c.churn_date - timedelta(days=1))
            delivered = actual <= E
            x = {
                "id": "",
                "order": o,
                "promised": promised,
                "actual": actual if delivered else None,
                "qty": q,
                "status": "delivered"
                if delivered
                else ("in_transit" if rng.random() < 0.4 else "pending"),
            }
            self.deliveries.append(x)
            if delivered:
                inv_date = actual + timedelta(days=rng.randint(0, 3))
                if inv_date <= E:
                    amt = round(o["unit_price"] * q, 2)
                    self.invoices.append(
                        {
                            "id": "",
                            "date": inv_date,
                            "order": o,
                            "customer": c,
                            "amount": amt,
                            "due": inv_date + timedelta(days=c.pay_days),
                            "kind": "增值税专用发票" if rng.random() < 0.85 else "增值税普通发票",
                        }
                    )

    def _pay(self, inv: dict) -> None:
        rng, co = self.rng, self.co
        E = co.cfg.end
        c = inv["customer"]
        m = mode(c, inv["due"])
        sq = co.squad[co.squad_of(c.owner_at(datetime.combine(inv["date"], datetime.min.time())))]
        lo, hi = {
            "engaged": (-12, 6),
            "moderate": (-6, 20),
            "low": (0, 45),
            "decay": (20, 100),
        }.get(m, (-5, 15))
        if sq.weak:
            lo, hi = lo + 5, hi + 15
        if m == "decay" and rng.random() < 0.35:
            return  # never paid
        d = inv["due"] + timedelta(days=rng.randint(lo, hi))
        d = max(d, inv["date"] + timedelta(days=1))
        method = rng.choices(["银行转账", "银行承兑汇票", "商业承兑汇票"], [75, 20, 5])[0]
        if rng.random() < 0.08 and inv["amount"] > 10000:
            first = round(inv["amount"] * rng.choice([0.3, 0.5]), 2)
            parts = [(d - timedelta(days=rng.randint(10, 30)), first), (d, inv["amount"] - first)]
        else:
            parts = [(d, inv["amount"])]
        for pd, amt in parts:
            pd = next_workday(max(pd, inv["date"] + timedelta(days=1)))
            if pd <= E:
                self.payments.append(
                    {
                        "id": "",
                        "date": pd,
                        "invoice": inv,
                        "amount": round(amt, 2),
                        "method": method,
                    }
                )

    def _repairs(self) -> None:
        co, rng = self.co, self.rng
        S, E = co.cfg.start, co.cfg.end
        years = ((E - S).days + 1) / 365
        models_of: dict[str, list[str]] = {}
        for o in self.orders:
            models_of.setdefault(o["customer"].id, []).append(o["model"])
        for c in co.customers:
            if c.active_from is None:
                continue
            rate = {"engaged": 0.35, "moderate": 0.45, "low": 0.5}.get(c.segment, 0.4)
            start = max(S, c.active_from)
            end = E if c.churn_date is None else c.churn_date - timedelta(days=1)
            if end <= start:
                continue
            days = []
            for _ in range(_poisson(rng, rate * years)):
                days.append(start + timedelta(days=rng.randint(0, (end - start).days)))
            if c.decay_start:  # trouble with the equipment while the customer decays
                for _ in range(rng.randint(1, 3)):
                    d = c.decay_start + timedelta(days=rng.randint(0, 60))
                    if start <= d <= end:
                        days.append(d)
            for d in sorted(days):
                reported = work_time(rng, next_workday(d))
                if reported.date() > E:
                    continue
                completed = reported + timedelta(minutes=rng.randint(240, 60 * 24 * 10))
                fault, fix = rng.choice(FAULTS)
                model = rng.choice(models_of.get(c.id) or [rng.choice(N.PRODUCTS)[0]])
                svc = co.staff("service", c.region_id) or co.staff("service")
                self.repairs.append(
                    {
                        "id": "",
                        "customer_id": c.id,
                        "model": model,
                        "serial": f"SN{rng.randint(10**7, 10**8 - 1)}",
                        "reported": reported,
                        "completed": completed if completed.date() <= E else None,
                        "fault": fault,
                        "fix": fix if completed.date() <= E else "",
                        "engineer": svc[0].id,
                    }
                )
        self.repairs.sort(key=lambda r: (r["reported"], r["customer_id"]))
        for i, r in enumerate(self.repairs, start=1):
            r["id"] = f"WX{i:06d}"

    def purchases_12m(self, as_of: date) -> dict[str, float]:
        lo = as_of - timedelta(days=364)
        out: dict[str, float] = {}
        for o in self.orders:
            if lo <= o["date"] <= as_of:
                out[o["customer"].id] = out.get(o["customer"].id, 0.0) + o["amount"]
        return out
