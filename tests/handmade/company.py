"""A hand-made company (舟山精工的华东一组): three reps and a squad lead, eight customers, six of
them genuinely red, evaluated as of EVALUATION_DAY, with facts dated the day after that landed
early and must change nothing. Every expected number below is worked out by hand from the rules'
defaults (rule_parameters.csv) and written next to the facts that make it.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pipelines.sample.tables import Col, Table
from pipelines.sample.writers import write_table

EVALUATION_DAY = date(2026, 3, 25)  # a Wednesday: March and this week are to date
AFTER = "2026-03-26"  # the day after: everything dated then must be ignored
OLD = "2024-01-01 09:00:00"

REGIONS = [("R1", "华东大区")]
SQUADS = [("S1", "华东一组", "R1")]
REPS = [
    # rep_id, name, role, squad, region, email, phone, hired, left
    ("E1", "王队长", "squad_lead", "S1", "R1", "e1@example.cn", "", "2020-01-01", ""),
    ("E2", "李销售", "rep", "S1", "R1", "e2@example.cn", "", "2020-01-01", ""),
    # leaves after the evaluation day: still active on it (an announced departure)
    ("E3", "张销售", "rep", "S1", "R1", "e3@example.cn", "", "2020-01-01", "2026-04-10"),
    # hired after the evaluation day: not active on it
    ("E4", "赵新人", "rep", "S1", "R1", "e4@example.cn", "", "2026-04-01", ""),
]
OWNERS = {"C1": "E2", "C2": "E2", "C3": "E2", "C4": "E3", "C5": "E3", "C6": "E3"}
OWNERS |= {"C7": "E1", "C8": "E1"}
CUSTOMERS = [
    # id, name, industry, status, churned_date
    ("C1", "宁波精机", "新能源", "active", ""),
    ("C2", "杭州电气", "新能源", "active", ""),
    ("C3", "苏州机床", "机械", "active", ""),
    ("C4", "无锡轴承", "机械", "active", ""),
    # the CRM already says churned, on a day after the evaluation day: active on it
    ("C5", "常州泵业", "机械", "churned", "2026-03-28"),
    ("C6", "嘉兴阀门", "机械", "active", ""),
    ("C7", "绍兴纺机", "机械", "active", ""),
    ("C8", "温州电机", "机械", "active", ""),
]
CONTACTS = [
    # contact_id, customer, role, created_at — every customer has its decision maker (关键决策人)
    *[(f"K{n}DM", f"C{n}", "decision_maker", OLD) for n in range(1, 9)],
    ("K1TE", "C1", "technical_evaluator", OLD),
    ("K1PR", "C1", "procurement", OLD),
    ("K1US", "C1", "user", "2026-04-05 09:00:00"),  # created after: C1's chain stays 3 of 4
    ("K2TE", "C2", "technical_evaluator", OLD),
    ("K2PR", "C2", "procurement", OLD),
    ("K2US", "C2", "user", OLD),
]
OWNERSHIP = [
    *[(f"OW{n}", f"C{n}", "", OWNERS[f"C{n}"], OLD, "初次分配") for n in range(1, 9)],
    ("OW9", "C1", "E2", "E3", "2026-03-27 10:00:00", "区域调整"),  # after: C1 stays E2's
]
OPPORTUNITIES = [
    # id, customer, owner, CRM stage now, amount, created_at, closed_at
    # won after the evaluation day: in negotiation on it (24 days, limit 30: not stuck)
    ("OP1", "C1", "E2", "won", 300000, "2026-02-01 09:00:00", "2026-03-28 10:00:00"),
    ("OP2", "C3", "E2", "lead", 50000, f"{AFTER} 09:00:00", ""),  # created after: not there
    ("OP3", "C4", "E3", "demo", 80000, "2026-01-10 09:00:00", ""),  # demo 52 days: stuck
]
STAGES = [
    ("SH1", "OP1", "lead", "2026-02-01 09:00:00"),
    ("SH2", "OP1", "negotiation", "2026-03-01 10:00:00"),
    ("SH3", "OP1", "won", "2026-03-28 10:00:00"),
    ("SH4", "OP2", "lead", f"{AFTER} 09:00:00"),
    ("SH5", "OP3", "lead", "2026-01-10 09:00:00"),
    ("SH6", "OP3", "demo", "2026-02-01 09:00:00"),
]
SALES_LOGS = [
    ("L1", "C3", "K3DM", "E2", "2026-03-10 10:00:00", "first_visit", "初次拜访", "提升产线效率"),
    ("L2", "C3", "K3DM", "E2", f"{AFTER} 10:00:00", "first_visit", "再次拜访", "扩产"),
]
# submitted before the evaluation day, approved after it: pending on it (no revenue yet)
CONTRACTS = [("K1", "OP1", "C1", "E2", 300000, "2026-03-20 09:00:00", "2026-03-28 10:00:00")]

ORDERS = [
    # id, day, customer, amount
    ("O1", date(2025, 6, 1), "C1", 600000),
    ("O1b", date(2026, 3, 15), "C1", 500000),  # C1: 1,100,000 in the 365 days: key customer
    ("O1c", date(2026, 3, 26), "C1", 2000000),  # after
    ("O2", date(2025, 12, 1), "C2", 900000),  # C2: 900,000: not a key customer …
    ("O2b", date(2026, 3, 26), "C2", 200000),  # … though it would be with this later order
    ("O6", date(2026, 3, 20), "C6", 10000),
    ("O8", date(2026, 1, 5), "C8", 50000),
]
DELIVERIES = [
    # id, order, customer, promised, actual
    ("DL1", "O1", "C1", date(2025, 6, 15), date(2025, 6, 10)),  # C1 H4: 1 of 1 on time
    ("DL2a", "O2", "C2", date(2025, 12, 20), date(2025, 12, 20)),  # on time (= promised)
    ("DL2b", "O2", "C2", date(2026, 1, 10), date(2026, 1, 20)),  # late: C2 H4 50 % fails
    ("DL6", "O6", "C6", date(2026, 3, 25), date(2026, 3, 26)),  # received after: C6 H4 n/a
    ("DL8", "O8", "C8", date(2026, 2, 1), date(2026, 2, 5)),  # late: C8 H4 0 % fails
]
INVOICES = [
    ("I1", date(2026, 3, 1), "C1", "O1b", 100000, date(2026, 3, 20)),
    ("I2", date(2026, 3, 26), "C1", "O1c", 70000, date(2026, 4, 26)),  # after
]
PAYMENTS = [
    ("P1", date(2026, 3, 10), "C1", "I1", 40000),
    ("P2", date(2026, 3, 27), "C1", "I1", 60000),  # after: 60,000 still owed, 5 days overdue
]
MEETINGS = [
    # id, customer, type, start, minutes
    ("M1", "C1", "technical_exchange", "2026-03-10T10:00:00", 60),
    ("M2", "C2", "technical_exchange", "2026-03-12T10:00:00", 50),
    ("M3", "C3", "business_negotiation", "2026-03-20T10:00:00", 120),  # not a technical one
    ("M4", "C4", "technical_exchange", "2026-03-15T10:00:00", 44),  # 44 < 45: fails
    ("M5", "C5", "technical_exchange", "2026-03-01T10:00:00", 45),  # exactly 45: passes
    ("M6", "C6", "technical_exchange", f"{AFTER}T10:00:00", 60),  # after
    ("M7", "C7", "technical_exchange", "2025-09-26T10:00:00", 60),  # D−180: outside
    ("M8", "C8", "technical_exchange", "2026-03-18T10:00:00", 90),
]
DOCUMENTS = [
    # id, type, customer, sent_at — H2 counts customised proposals in [D−29, D]
    ("DOC1", "customised_proposal", "C1", "2026-03-05 10:00:00"),
    ("DOC2", "customised_proposal", "C1", "2026-03-20 10:00:00"),
    ("DOC3", "customised_proposal", "C2", "2026-03-01 10:00:00"),
    ("DOC4", "customised_proposal", "C2", "2026-03-02 10:00:00"),
    ("DOC5", "customised_proposal", "C4", "2026-03-10 10:00:00"),
    ("DOC6", "customised_proposal", "C6", f"{AFTER} 09:00:00"),
    ("DOC7", "customised_proposal", "C6", f"{AFTER} 10:00:00"),
    ("DOC8", "customised_proposal", "C7", "2026-02-23 10:00:00"),  # D−30: outside
    ("DOC9", "customised_proposal", "C7", "2026-02-24 10:00:00"),  # D−29: inside
    ("DOC10", "customised_proposal", "C8", "2026-03-03 10:00:00"),
    ("DOC11", "customised_proposal", "C8", "2026-03-04 10:00:00"),
    ("DOC12", "brochure", "C3", "2026-03-15 10:00:00"),  # not a proposal
]
INTERACTIONS = [
    # contact, occurred_at — H3 counts the decision makers' in [D−29, D]
    *[("K1DM", f"2026-03-{d:02d}T10:00:00") for d in (1, 10, 20)],
    ("K2DM", "2026-02-24T00:30:00"),  # the window's first minutes
    ("K2DM", "2026-03-05T10:00:00"),
    ("K2DM", "2026-03-25T23:30:00"),  # the evaluation day's last hour
    ("K2TE", "2026-03-06T10:00:00"),  # not a decision maker
    *[("K4DM", f"2026-03-{d:02d}T10:00:00") for d in (5, 6, 7)],
    *[("K5DM", f"2026-03-{d:02d}T10:00:00") for d in (5, 6)],  # 2 < 3
    *[("K6DM", f"{AFTER}T{h:02d}:00:00") for h in (9, 10, 11)],  # after
    *[("K7DM", f"2026-02-23T{h:02d}:00:00") for h in (9, 10, 11)],  # D−30: outside
    ("K8DM", "2026-03-05T10:00:00"),
]

FIRST_HEALTH_FACT = date(2025, 6, 10)  # DL1's delivery: the health history's first fact

# --- what the marts must say as of EVALUATION_DAY, worked out by hand -------------------------
# customer → (h1, h2, h3, h4 passing — None: not applicable, failing_count, health_score, status)
HEALTH = {
    "C1": (True, True, True, True, 0, 100.0, "green"),
    "C2": (True, True, True, False, 1, 75.0, "yellow"),
    "C3": (False, False, False, None, 3, 0.0, "red"),
    "C4": (False, False, True, None, 2, 33.3, "red"),
    "C5": (True, False, False, None, 2, 33.3, "red"),
    "C6": (False, False, False, None, 3, 0.0, "red"),
    "C7": (False, False, False, None, 3, 0.0, "red"),
    "C8": (True, True, False, False, 2, 50.0, "red"),
}
# customer → (H2 proposals, H3 interactions, H4 delivered, H4 on time)
EVIDENCE = {
    "C1": (2, 3, 1, 1),
    "C2": (2, 3, 2, 1),
    "C3": (0, 0, 0, 0),
    "C4": (1, 3, 0, 0),
    "C5": (0, 2, 0, 0),
    "C6": (0, 0, 0, 0),
    "C7": (1, 0, 0, 0),
    "C8": (2, 1, 1, 0),
}
# region, stage → (open opportunities, amount)
PIPELINE = {("R1", "negotiation"): (1, 300000), ("R1", "demo"): (1, 80000)}
# rank → (opportunity, stage, days in stage, stuck)
DRILL_TOP = {1: ("OP1", "negotiation", 24, False), 2: ("OP3", "demo", 52, True)}


def _table(source: str, table: str, fmt: str, header: list[str], rows: list) -> Table:
    ext = {"csv": "csv", "xlsx": "xlsx", "json": "json"}[fmt]
    return Table(
        source=source,
        table=table,
        path=f"{source}/{table}.{ext}",
        fmt=fmt,
        cols=[Col(name, name) for name in header],
        rows=rows,
        encoding=None if fmt == "xlsx" else "utf-8",
    )


def write_company(landing: Path) -> None:
    """The company's landing files, as its systems would drop them."""
    tables = [
        _table("crm", "regions", "csv", ["region_id", "region_name"], REGIONS),
        _table("crm", "squads", "csv", ["squad_id", "squad_name", "region_id"], SQUADS),
        _table(
            "crm",
            "reps",
            "csv",
            ["rep_id", "rep_name", "role", "squad_id", "region_id", "email", "phone"]
            + ["hired_date", "left_date"],
            REPS,
        ),
        _table(
            "crm",
            "customers",
            "csv",
            ["customer_id", "customer_name", "industry", "region_id", "status", "created_date"]
            + ["churned_date", "owner_rep_id", "payment_terms_days"],
            [
                (cid, name, industry, "R1", status, "2024-01-01", churned, OWNERS[cid], 30)
                for cid, name, industry, status, churned in CUSTOMERS
            ],
        ),
        _table(
            "crm",
            "contacts",
            "csv",
            ["contact_id", "customer_id", "contact_name", "role", "created_at"],
            [(kid, cid, f"联系人{kid}", role, at) for kid, cid, role, at in CONTACTS],
        ),
        _table(
            "crm",
            "customer_ownership",
            "csv",
            ["record_id", "customer_id", "from_rep_id", "to_rep_id", "changed_at", "reason"],
            OWNERSHIP,
        ),
        _table(
            "crm",
            "opportunities",
            "csv",
            ["opportunity_id", "customer_id", "owner_rep_id", "stage", "amount_cny"]
            + ["created_at", "closed_at"],
            OPPORTUNITIES,
        ),
        _table(
            "crm",
            "opportunity_stage_history",
            "csv",
            ["history_id", "opportunity_id", "stage", "entered_at"],
            STAGES,
        ),
        _table(
            "crm",
            "sales_logs",
            "csv",
            ["log_id", "customer_id", "contact_id", "rep_id", "log_at", "template", "summary"]
            + ["customer_needs"],
            SALES_LOGS,
        ),
        _table(
            "crm",
            "contracts",
            "csv",
            ["contract_id", "opportunity_id", "customer_id", "rep_id", "amount_cny"]
            + ["submitted_at", "approved_at", "approval_status"],
            [(*row, "approved") for row in CONTRACTS],
        ),
        _table(
            "erp", "orders", "xlsx", ["order_id", "order_date", "customer_id", "amount_cny"], ORDERS
        ),
        _table(
            "erp",
            "deliveries",
            "xlsx",
            ["delivery_id", "order_id", "customer_id", "promised_date", "actual_date", "status"],
            [(*row, "delivered") for row in DELIVERIES],
        ),
        _table(
            "erp",
            "invoices",
            "xlsx",
            ["invoice_id", "invoice_date", "customer_id", "order_id", "amount_cny", "due_date"],
            INVOICES,
        ),
        _table(
            "erp",
            "payments",
            "xlsx",
            ["payment_id", "payment_date", "customer_id", "invoice_id", "amount_cny"],
            PAYMENTS,
        ),
        _table(
            "meetings",
            "meetings",
            "json",
            [],
            [
                {
                    "meeting_id": mid,
                    "meeting_type": kind,
                    "start_at": f"{start}+08:00",
                    "end_at": _plus_minutes(start, minutes) + "+08:00",
                    "customer_id": cid,
                    "attendees": [],
                }
                for mid, cid, kind, start, minutes in MEETINGS
            ],
        ),
        _table(
            "docs",
            "documents_sent",
            "csv",
            ["document_id", "document_type", "customer_id", "sent_at"],
            [(did, kind, cid, at) for did, kind, cid, at in DOCUMENTS],
        ),
        _table(
            "social",
            "interactions",
            "json",
            [],
            [
                {
                    "interaction_id": f"I{n:03d}",
                    "contact_id": kid,
                    "interaction_type": "comment",
                    "occurred_at": f"{at}+08:00",
                }
                for n, (kid, at) in enumerate(INTERACTIONS, start=1)
            ],
        ),
    ]
    for table in tables:
        write_table(landing, table)


def _plus_minutes(start: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    return (datetime.fromisoformat(start) + timedelta(minutes=minutes)).isoformat()
