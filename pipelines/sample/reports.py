"""What reps write themselves: daily reports (销售日报) and personal visit spreadsheets.

Honest reps report the customers they contacted on WeCom; under-reporting reps leave a third or
more out on most days. A subset of reps keeps its own visit spreadsheet, each with its own header
names, date style and encoding (the "twelve formats" problem).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from .activity import Log
from .calendar import is_workday
from .company import Company


def daily_reports(
    co: Company, rng: random.Random, contacted: dict[tuple[str, date], list[str]]
) -> list[dict]:
    """One row per rep, day and reported customer."""
    under = set(co.under_reporters)
    by_rep: dict[str, list[date]] = {}
    for rep, d in contacted:
        by_rep.setdefault(rep, []).append(d)
    rows = []
    for p in co.sellers():
        days = sorted(set(by_rep.get(p.id, [])))
        for d in days:
            if not is_workday(d) and rng.random() < 0.7:
                continue  # nobody writes a report on a Sunday
            custs = list(contacted[(p.id, d)])
            if rng.random() < (0.08 if p.id in under else 0.03):
                continue  # no report that day
            if p.id in under and rng.random() < 0.85:
                keep = max(0, round(len(custs) * rng.uniform(0.45, 0.75)))
                custs = sorted(rng.sample(custs, keep))
            elif len(custs) >= 5 and rng.random() < 0.04:
                custs = sorted(rng.sample(custs, len(custs) - 1))
            for i, cid in enumerate(custs, start=1):
                rows.append({"date": d, "rep": p, "customer": co.customer[cid], "line": i})
    rows.sort(key=lambda r: (r["date"], r["rep"].id, r["line"]))
    return rows


@dataclass(frozen=True)
class SheetProfile:
    """How one rep keeps a visit spreadsheet."""

    fmt: str  # csv | xlsx
    encoding: str | None
    headers: tuple[str, ...]  # seq, rep, date, customer, contact, type, content, next step
    date_style: str  # serial (date cell) | serial_num | serial_csv | slash | slash0 | cn | iso
    types: dict[str, str]


CN_TYPES = {
    "first_visit": "首次拜访",
    "solution_demo": "方案演示",
    "price_negotiation": "价格谈判",
    "after_sales": "售后回访",
}
SHORT_TYPES = {
    "first_visit": "初访",
    "solution_demo": "演示",
    "price_negotiation": "谈价",
    "after_sales": "回访",
}
EN_TYPES = {
    "first_visit": "First visit",
    "solution_demo": "Demo",
    "price_negotiation": "Negotiation",
    "after_sales": "After-sales",
}

PROFILES = [
    SheetProfile(
        "xlsx",
        None,
        ("序号", "业务员", "日期", "客户名称", "联系人", "拜访类型", "拜访内容", "下一步计划"),
        "serial",
        CN_TYPES,
    ),
    SheetProfile(
        "csv",
        "gbk",
        ("序号", "销售", "拜访日期", "客户", "对接人", "类型", "沟通内容", "后续跟进"),
        "slash",
        SHORT_TYPES,
    ),
    SheetProfile(
        "csv",
        "utf-8-sig",
        ("No.", "Sales", "Date", "Customer", "Contact", "Type", "Notes", "Next Step"),
        "iso",
        EN_TYPES,
    ),
    SheetProfile(
        "xlsx",
        None,
        ("编号", "姓名", "时间", "客户全称", "联系人姓名", "拜访目的", "纪要", "计划"),
        "cn",
        CN_TYPES,
    ),
    SheetProfile(
        "csv",
        "gbk",
        ("序号", "业务员", "日期", "单位名称", "联系人", "拜访类型", "内容", "下一步"),
        "serial_csv",
        CN_TYPES,
    ),
    SheetProfile(
        "csv",
        "utf-8",
        ("序号", "负责人", "拜访时间", "客户名称", "联系人", "类型", "拜访内容", "下一步计划"),
        "slash0",
        SHORT_TYPES,
    ),
    SheetProfile(
        "xlsx",
        None,
        ("No.", "Sales", "Visit Date", "Customer", "Contact", "Visit Type", "Notes", "Next Step"),
        "serial_num",
        EN_TYPES,
    ),
    SheetProfile(
        "csv",
        "gbk",
        ("序号", "姓名", "日期", "客户名称", "联系人", "拜访类型", "拜访内容", "下一步计划"),
        "cn",
        CN_TYPES,
    ),
    SheetProfile(
        "xlsx",
        None,
        ("序号", "业务员", "拜访日期", "客户", "对接人", "类型", "沟通内容", "后续跟进"),
        "slash",
        SHORT_TYPES,
    ),
    SheetProfile(
        "csv",
        "utf-8-sig",
        ("序号", "销售", "日期", "客户名称", "联系人", "拜访类型", "纪要", "计划"),
        "serial_csv",
        CN_TYPES,
    ),
    SheetProfile(
        "csv",
        "gb18030",
        ("编号", "业务员", "时间", "客户全称", "联系人", "拜访目的", "沟通内容", "下一步"),
        "slash",
        CN_TYPES,
    ),
    SheetProfile(
        "xlsx",
        None,
        ("序号", "负责人", "日期", "客户名称", "对接人", "拜访类型", "拜访内容", "下一步计划"),
        "iso",
        CN_TYPES,
    ),
]


def sheet_reps(co: Company, rng: random.Random) -> list[str]:
    """A subset of reps keeps its own spreadsheet (one profile each)."""
    reps = [p.id for p in co.people if p.role == "rep"]
    n = min(len(reps), max(3, round(12 * co.cfg.scale)))
    return sorted(rng.sample(reps, n), key=lambda r: int(r[1:]))


def sheet_rows(logs: list[Log], rep_id: str) -> list[Log]:
    return sorted((g for g in logs if g.rep_id == rep_id), key=lambda g: (g.t, g.id))
