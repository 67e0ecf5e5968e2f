"""Daily reports (销售日报): monthly CSV in GBK, saved from Excel on Windows."""

from __future__ import annotations

from .. import fmt as F
from ..tables import DATE, INT, Col, Table
from ..world import World, by_month


def tables(w: World) -> list[Table]:
    cols = [
        Col("report_id", "日报编号", required=True, pk=True),
        Col("line_no", "序号", INT, required=True, pk=True),
        Col("report_date", "日期", DATE, required=True),
        Col("rep_id", "工号", required=True, ref="crm.reps.rep_id"),
        Col("rep_name", "姓名"),
        Col("squad_name", "小队"),
        Col("customer_id", "客户编号", required=True, ref="crm.customers.customer_id"),
        Col("customer_name", "客户名称"),
        Col("contact_method", "联系方式"),
        Col("note", "备注"),
    ]
    out = []
    for month, group in by_month(w.daily, lambda r: r["date"]):
        rows = []
        for r in group:
            p, c, d = r["rep"], r["customer"], r["date"]
            method = ("微信", "电话", "拜访", "微信")[(int(c.id[1:]) + d.day) % 4]
            rows.append(
                [
                    f"RB{d:%Y%m%d}{p.id}",
                    r["line"],
                    F.d_slash(d),
                    p.id,
                    p.name,
                    w.co.squad[p.squad_id].name,
                    c.id,
                    c.name,
                    method,
                    "",
                ]
            )
        out.append(
            Table(
                "daily_reports",
                "daily_reports",
                f"daily_reports/daily_reports_{month}.csv",
                "csv",
                cols,
                rows,
                encoding="gbk",
            )
        )
    return out
