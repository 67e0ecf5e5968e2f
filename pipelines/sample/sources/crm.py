"""CRM extracts (客户关系管理系统导出): master data, opportunities and the sales process."""

from __future__ import annotations

from datetime import datetime

from .. import fmt as F
from ..activity import ROLE_CN as CHAIN_CN
from ..company import Company
from ..deals import Opp
from ..defects import Flag
from ..tables import AMOUNT, DATE, ENUM, INT, TS, Col, Table
from ..world import World, by_month

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
        Col("annual_purchase_cny", "年采购额（元）", AMOUNT, min0=True),
        Col("status", "客户状态", ENUM, required=True),
        Col("created_date", "建档日期", DATE),
        Col("churned_date", "流失日期", DATE),
        Col("owner_rep_id", "负责人工号", ref=REP),
        Col("payment_terms_days", "账期（天）", INT, min0=True),
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
                o.lead.id if o.lead is not None else "",
                F.ts_iso(o.created),
                F.ts_iso(o.closed_at) if o.closed_at else "",
                o.close_reason,
            ]
        )
    return Table(
        "crm", "opportunities", "crm/opportunities.csv", "csv", cols, rows, encoding="utf-8-sig"
    )


CONTACT_SOURCE_CN = {
    "crm": "CRM录入",
    "qr_scan": "扫码",
    "channel_partner": "渠道报备",
    "web": "官网表单",
}
LEAD_SOURCE_CN = {"channel_partner": "渠道报备", "qr_scan": "扫码", "web": "官网表单"}
LEAD_STATUS_CN = {
    "converted": "已转商机",
    "following": "跟进中",
    "invalid": "无效",
    "new": "待跟进",
}
TEMPLATE_CN = {
    "first_visit": "首次拜访",
    "solution_demo": "方案演示",
    "price_negotiation": "价格谈判",
    "after_sales": "售后回访",
}
CONTRACT_STATUS_CN = {"approved": "已通过", "pending": "审批中", "rejected": "已驳回"}
TASK_TYPE_CN = {"follow_up": "跟进", "service": "服务", "activation": "激活"}
TASK_STATUS_CN = {"open": "进行中", "done": "已完成", "cancelled": "已取消"}
ACTION_CN = {"view": "查看", "download": "下载", "share": "分享给客户"}


def tables(w: World) -> list[Table]:
    co = w.co
    return [
        regions(co),
        squads(co),
        reps(co),
        customers(co, w.status, w.levels),
        contacts(w),
        ownership(w),
        leads(w),
        opportunities(co, w.opps),
        stage_history(w),
        *sales_logs(w),
        competitor_quotes(w),
        contracts(w),
        level_changes(w),
        tasks(w),
        cases(w),
        case_uses(w),
    ]


def contacts(w: World) -> Table:
    cols = [
        Col("contact_id", "联系人编号", required=True, pk=True),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("contact_name", "姓名", required=True),
        Col("title", "职务"),
        Col("role", "决策链角色", ENUM),
        Col("phone", "手机"),
        Col("wecom_external_userid", "企业微信ID"),
        Col("created_at", "创建时间", TS),
        Col("source", "来源", ENUM),
    ]
    rows = []
    for c in w.co.customers:
        for k in c.contacts:
            role = CHAIN_CN[k.role]
            if k.role == "decision_maker" and int(k.id[2:]) % 3 == 0:
                role = "关键决策人"
            rows.append(
                [
                    k.id,
                    c.id,
                    k.name,
                    k.title,
                    role,
                    k.phone,
                    k.external_userid,
                    F.ts_iso(k.created),
                    CONTACT_SOURCE_CN[k.source],
                ]
            )
    rows.sort(key=lambda r: r[0])
    return Table("crm", "contacts", "crm/contacts.csv", "csv", cols, rows, encoding="utf-8-sig")


def ownership(w: World) -> Table:
    """Ownership history: the first assignment of every customer, then each handover."""
    cols = [
        Col("record_id", "变更编号", required=True, pk=True),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("from_rep_id", "原负责人工号", ref=REP),
        Col("to_rep_id", "新负责人工号", required=True, ref=REP),
        Col("changed_at", "变更时间", TS, required=True),
        Col("reason", "变更原因"),
    ]
    events = []
    for c in w.co.customers:
        t0, r0 = c.owners[0]
        events.append((t0, c.id, "", r0, "新建客户分配"))
    for h in w.co.handovers:
        events.append(
            (h["handed_over_at"], h["customer_id"], h["from_rep_id"], h["to_rep_id"], h["reason"])
        )
    events.sort(key=lambda e: (e[0], e[1]))
    rows = [
        [f"OW{i:07d}", cid, frm, to, F.ts_iso(t), reason]
        for i, (t, cid, frm, to, reason) in enumerate(events, start=1)
    ]
    return Table(
        "crm",
        "customer_ownership",
        "crm/customer_ownership.csv",
        "csv",
        cols,
        rows,
        encoding="utf-8",
    )


def leads(w: World) -> Table:
    cols = [
        Col("lead_id", "线索编号", required=True, pk=True),
        Col("source", "线索来源", ENUM, required=True),
        Col("created_at", "创建时间", TS, required=True),
        Col("customer_id", "客户编号", ref=CUST),
        Col("contact_id", "联系人编号", ref="crm.contacts.contact_id"),
        Col("region_id", "区域编号", ref="crm.regions.region_id"),
        Col("industry", "行业"),
        Col("budget_range", "预算区间", ENUM),
        Col("urgency", "紧急程度", ENUM),
        Col("channel_partner", "渠道伙伴"),
        Col("product_interest", "意向产品"),
        Col("qr_code_id", "二维码编号"),
        Col("landing_page", "来源页面"),
        Col("status", "线索状态", ENUM),
    ]
    rows = []
    for ld in w.leads:
        rows.append(
            [
                ld.id,
                LEAD_SOURCE_CN[ld.source],
                F.ts_iso(ld.created),
                ld.customer_id,
                ld.contact_id,
                ld.region_id,
                ld.industry,
                ld.budget,
                ld.urgency,
                ld.partner,
                ld.product,
                ld.qr_code,
                ld.page,
                LEAD_STATUS_CN[ld.status],
            ]
        )
    return Table("crm", "leads", "crm/leads.csv", "csv", cols, rows, encoding="utf-8-sig")


def stage_history(w: World) -> Table:
    cols = [
        Col("history_id", "history_id", required=True, pk=True),
        Col(
            "opportunity_id",
            "opportunity_id",
            required=True,
            ref="crm.opportunities.opportunity_id",
        ),
        Col("stage", "stage", ENUM, required=True),
        Col("entered_at", "entered_at", TS, required=True),
        Col("changed_by_rep_id", "changed_by", ref=REP),
    ]
    ev = []
    for o in w.opps:
        for st, t, rep in o.stages:
            ev.append((t, o.id, st, rep))
        if o.outcome and o.closed_at:
            c = w.co.customer[o.customer_id]
            ev.append((o.closed_at, o.id, o.outcome, c.owner_at(o.closed_at)))
    ev.sort(key=lambda e: (e[0], e[1]))
    rows = [
        [f"SH{i:07d}", oid, STAGE_CN[st], F.ts_iso(t), rep]
        for i, (t, oid, st, rep) in enumerate(ev, start=1)
    ]
    return Table(
        "crm",
        "opportunity_stage_history",
        "crm/opportunity_stage_history.csv",
        "csv",
        cols,
        rows,
        encoding="utf-8",
    )


def sales_logs(w: World) -> list[Table]:
    cols = [
        Col("log_id", "日志编号", required=True, pk=True),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("contact_id", "联系人编号", ref="crm.contacts.contact_id"),
        Col("rep_id", "销售工号", required=True, ref=REP),
        Col("log_at", "拜访时间", TS, required=True),
        Col("template", "场景模板", ENUM, required=True),
        Col("opportunity_id", "商机编号", ref="crm.opportunities.opportunity_id"),
        Col("summary", "摘要"),
        Col("customer_needs", "客户需求"),
        Col("products_shown", "演示产品"),
        Col("attendees", "参与人"),
        Col("recording_summary", "录音摘要"),
        Col("notes", "备注"),
    ]
    out = []
    for m, logs in by_month(w.act.logs, lambda g: g.t.date()):
        rows = [
            [
                g.id,
                g.customer_id,
                g.contact_id,
                g.rep_id,
                F.ts_iso(g.t),
                TEMPLATE_CN[g.template],
                g.opp_id,
                g.summary,
                g.needs,
                g.products,
                g.attendees,
                g.recording,
                g.notes,
            ]
            for g in logs
        ]
        out.append(
            Table(
                "crm",
                "sales_logs",
                f"crm/sales_logs_{m}.csv",
                "csv",
                cols,
                rows,
                encoding="utf-8-sig",
            )
        )
    return out


def competitor_quotes(w: World) -> Table:
    """The competitor quote table of price-negotiation logs (竞品报价对比表), one row per line."""
    cols = [
        Col("log_id", "日志编号", required=True, pk=True, ref="crm.sales_logs.log_id"),
        Col("line_no", "行号", INT, required=True, pk=True),
        Col("competitor_brand", "竞品品牌", required=True),
        Col("competitor_model", "竞品型号"),
        Col("competitor_price_cny", "竞品报价", AMOUNT, min0=True),
    ]
    path = "crm/competitor_quotes.csv"
    rows, flags = [], []
    for g in w.act.logs:
        for i, qr in enumerate(g.quotes, start=1):
            price = ""
            if qr.price is not None:
                price = F.amt_wan(qr.price) if int(g.id[2:]) % 2 else F.amt_yuan(qr.price)
            row = [g.id, i, qr.brand, qr.model, price]
            rows.append(row)
            if qr.placeholder:
                flags.append(Flag("placeholder_competitor", row, "competitor_brand"))
    w.natural_flags[path] = flags
    return Table("crm", "competitor_quotes", path, "csv", cols, rows, encoding="utf-8-sig")


def contracts(w: World) -> Table:
    """GBK, saved from Excel by the contract admin."""
    cols = [
        Col("contract_id", "合同编号", required=True, pk=True),
        Col("opportunity_id", "商机编号", required=True, ref="crm.opportunities.opportunity_id"),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("rep_id", "签约销售工号", ref=REP),
        Col("amount_cny", "合同金额", AMOUNT, required=True, min0=True),
        Col("submitted_at", "提交审批时间", TS, required=True),
        Col("approved_at", "审批通过时间", TS),
        Col("approval_status", "审批状态", ENUM, required=True),
    ]
    rows = [
        [
            ct.id,
            ct.opp.id,
            ct.opp.customer_id,
            ct.rep_id,
            F.amt_yuan(ct.amount, "￥"),
            F.ts_slash(ct.submitted),
            F.ts_slash(ct.approved) if ct.approved else "",
            CONTRACT_STATUS_CN[ct.status],
        ]
        for ct in w.act.contracts
    ]
    return Table("crm", "contracts", "crm/contracts.csv", "csv", cols, rows, encoding="gbk")


def level_changes(w: World) -> Table:
    cols = [
        Col("change_id", "change_id", required=True, pk=True),
        Col("customer_id", "customer_id", required=True, ref=CUST),
        Col("changed_at", "changed_at", TS, required=True),
        Col("old_level", "old_level", ENUM),
        Col("new_level", "new_level", ENUM, required=True),
        Col("reason", "reason"),
    ]
    rows = [
        [
            f"LV{i:06d}",
            x["customer_id"],
            F.ts_iso(x["t"]),
            x["old"] + "级",
            x["new"] + "级",
            x["reason"],
        ]
        for i, x in enumerate(w.act.level_changes, start=1)
    ]
    return Table(
        "crm",
        "customer_level_changes",
        "crm/customer_level_changes.csv",
        "csv",
        cols,
        rows,
        encoding="utf-8",
    )


def tasks(w: World) -> Table:
    cols = [
        Col("task_id", "任务编号", required=True, pk=True),
        Col("task_type", "任务类型", ENUM, required=True),
        Col("title", "任务标题"),
        Col("customer_id", "客户编号", ref=CUST),
        Col("opportunity_id", "商机编号", ref="crm.opportunities.opportunity_id"),
        Col("assignee_rep_id", "执行人工号", required=True, ref=REP),
        Col("created_by_rep_id", "创建人工号", ref=REP),
        Col("created_at", "创建时间", TS, required=True),
        Col("due_date", "截止日期", DATE),
        Col("closed_at", "关闭时间", TS),
        Col("status", "任务状态", ENUM, required=True),
    ]
    rows = [
        [
            tk.id,
            TASK_TYPE_CN[tk.type],
            tk.title,
            tk.customer_id,
            tk.opp_id,
            tk.assignee,
            tk.creator,
            F.ts_iso(tk.created),
            F.d_iso(tk.due),
            F.ts_iso(tk.closed) if tk.closed else "",
            TASK_STATUS_CN[tk.status],
        ]
        for tk in w.act.tasks
    ]
    return Table("crm", "tasks", "crm/tasks.csv", "csv", cols, rows, encoding="utf-8-sig")


def cases(w: World) -> Table:
    cols = [
        Col("case_id", "case_id", required=True, pk=True),
        Col("title", "title", required=True),
        Col("industry", "industry"),
        Col("product_model", "product_model"),
        Col("objection_category", "objection_category"),
        Col("talk_track", "talk_track"),
        Col("published_date", "published_date", DATE),
    ]
    rows = [
        [
            x["case_id"],
            x["title"],
            x["industry"],
            x["product_model"],
            x["objection_category"],
            x["talk_track"],
            F.d_iso(x["published"]),
        ]
        for x in w.act.cases
    ]
    return Table(
        "crm", "success_cases", "crm/success_cases.csv", "csv", cols, rows, encoding="utf-8"
    )


def case_uses(w: World) -> Table:
    cols = [
        Col("use_id", "使用记录编号", required=True, pk=True),
        Col("case_id", "案例编号", required=True, ref="crm.success_cases.case_id"),
        Col("rep_id", "工号", required=True, ref=REP),
        Col("opportunity_id", "商机编号", ref="crm.opportunities.opportunity_id"),
        Col("customer_id", "客户编号", ref=CUST),
        Col("used_at", "使用时间", TS, required=True),
        Col("action", "操作", ENUM),
    ]
    rows = [
        [
            f"CU{i:07d}",
            u.case_id,
            u.rep_id,
            u.opp_id,
            u.customer_id,
            F.ts_iso(u.t),
            ACTION_CN[u.action],
        ]
        for i, u in enumerate(w.act.case_uses, start=1)
    ]
    return Table(
        "crm", "case_library_uses", "crm/case_library_uses.csv", "csv", cols, rows, encoding="utf-8"
    )
