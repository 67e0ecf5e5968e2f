"""CRM extracts (客户关系管理系统导出): master data, opportunities and the sales process."""

from __future__ import annotations

from datetime import datetime

from . import fmt as F
from .company import Company
from .deals import Opp
from .tables import AMOUNT, DATE, ENUM, TS, Col, Table

ROLE_CN = {
    "rep": "销售代表",
    "squad_lead": "小队长",
    "sales_director": "销售总监",
    "product_engineer": "产品工程师",
    "legal": "法务",
    "service": "服务专员",
}
STATUS_CN = {"active": "活跃", "churned": "流失", "prospect": "潜在客户"}
STAGE_CN = {
    "lead": "线索",
    "qualify": "需求确认",
    "demo": "方案演示",
    "negotiation": "商务谈判",
    "contract": "合同审批",
    "won": "赢单",
    "lost": "输单",
}
CUST = "crm.customers.customer_id"
REP = "crm.reps.rep_id"


def regions(co: Company) -> Table:
    cols = [
        Col("region_id", "region_id", required=True, pk=True),
        Col("region_name", "region_name", required=True),
    ]
    rows = [[r.id, r.name] for r in co.regions]
    return Table("crm", "regions", "crm/regions.csv", "csv", cols, rows, encoding="utf-8")


def squads(co: Company) -> Table:
    cols = [
        Col("squad_id", "小队编号", required=True, pk=True),
        Col("squad_name", "小队名称", required=True),
        Col("region_id", "区域编号", required=True, ref="crm.regions.region_id"),
    ]
    rows = [[s.id, s.name, s.region_id] for s in co.squads]
    return Table("crm", "squads", "crm/squads.csv", "csv", cols, rows, encoding="utf-8-sig")


def reps(co: Company) -> Table:
    cols = [
        Col("rep_id", "工号", required=True, pk=True),
        Col("rep_name", "姓名", required=True),
        Col("role", "岗位", ENUM, required=True),
        Col("squad_id", "小队编号", ref="crm.squads.squad_id"),
        Col("region_id", "区域编号", ref="crm.regions.region_id"),
        Col("email", "邮箱"),
        Col("phone", "手机号"),
        Col("hired_date", "入职日期", DATE),
        Col("left_date", "离职日期", DATE),
    ]
    rows = [
        [
            p.id,
            p.name,
            ROLE_CN[p.role],
            p.squad_id,
            p.region_id,
            p.email,
            p.phone,
            F.d_slash(p.hired),
            F.d_slash(p.left) if p.left else "",
        ]
        for p in co.people
    ]
    return Table("crm", "reps", "crm/reps.csv", "csv", cols, rows, encoding="utf-8-sig")


def customers(co: Company, status: dict[str, str], levels: dict[str, str]) -> Table:
    """GBK with Chinese headers, as the CRM's Excel export saved on Windows."""
    cols = [
        Col("customer_id", "客户编号", required=True, pk=True),
        Col("customer_name", "客户名称", required=True),
        Col("industry", "行业标签"),
        Col("region_id", "区域编号", required=True, ref="crm.regions.region_id"),
        Col("city", "城市"),
        Col("level", "客户等级", ENUM),
        Col("annual_purchase_cny", "年采购额(元)", AMOUNT, min0=True),
        Col("status", "客户状态", ENUM, required=True),
        Col("created_date", "建档日期", DATE),
        Col("churned_date", "流失日期", DATE),
        Col("owner_rep_id", "负责人工号", ref=REP),
        Col("payment_terms_days", "账期(天)", "int", min0=True),
    ]
    rows = []
    end = datetime.combine(co.cfg.end, datetime.max.time())
    for c in co.customers:
        st = status[c.id]
        rows.append(
            [
                c.id,
                c.name,
                c.industry,
                c.region_id,
                c.city,
                levels[c.id] + "级",
                F.amt_comma(c.annual_purchase),
                STATUS_CN[st],
                F.d_slash(c.created.date()),
                F.d_slash(c.churn_date) if st == "churned" and c.churn_date else "",
                c.owner_at(end),
                str(c.pay_days),
            ]
        )
    return Table("crm", "customers", "crm/customers.csv", "csv", cols, rows, encoding="gbk")


def opportunities(co: Company, opps: list[Opp]) -> Table:
    """UTF-8 with BOM, Chinese headers."""
    cols = [
        Col("opportunity_id", "商机编号", required=True, pk=True),
        Col("opportunity_name", "商机名称"),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("owner_rep_id", "负责人工号", required=True, ref=REP),
        Col("stage", "商机阶段", ENUM, required=True),
        Col("amount_cny", "商机金额", AMOUNT, required=True, min0=True),
        Col("product_model", "意向产品"),
        Col("lead_id", "线索编号"),
        Col("created_at", "创建时间", TS, required=True),
        Col("closed_at", "关闭时间", TS),
        Col("close_reason", "输赢原因"),
    ]
    end = datetime.combine(co.cfg.end, datetime.max.time())
    rows = []
    for o in opps:
        c = co.customer[o.customer_id]
        rows.append(
            [
                o.id,
                o.name,
                o.customer_id,
                o.owner(c, end),
                STAGE_CN[o.stage],
                F.amt_yuan(o.amount),
                o.model,
                o.lead_id or "",
                F.ts_iso(o.created),
                F.ts_iso(o.closed_at) if o.closed_at else "",
                o.close_reason,
            ]
        )
    return Table(
        "crm", "opportunities", "crm/opportunities.csv", "csv", cols, rows, encoding="utf-8-sig"
    )
