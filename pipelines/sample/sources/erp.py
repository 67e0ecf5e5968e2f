"""ERP exports: .xlsx with Chinese headers, monthly files for the big tables."""

from __future__ import annotations

from ..tables import AMOUNT, DATE, ENUM, INT, TS, Col, Table
from ..world import World, by_month

CUST = "crm.customers.customer_id"
REP = "crm.reps.rep_id"
DELIVERY_STATUS_CN = {"delivered": "已签收", "in_transit": "在途", "pending": "待发货"}


def tables(w: World) -> list[Table]:
    return [*orders(w), deliveries(w), *invoices(w), *payments(w), repairs(w)]


def orders(w: World) -> list[Table]:
    cols = [
        Col("order_id", "订单编号", required=True, pk=True),
        Col("order_date", "订单日期", DATE, required=True),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("customer_name", "客户名称"),
        Col("contract_id", "合同编号"),
        Col("product_model", "产品型号"),
        Col("product_name", "产品名称"),
        Col("quantity", "数量", INT, min0=True),
        Col("unit_price_cny", "单价", AMOUNT, min0=True),
        Col("amount_cny", "金额", AMOUNT, required=True, min0=True),
        Col("rep_id", "销售员工号", ref=REP),
    ]
    out = []
    for m, items in by_month(w.erp.orders, lambda o: o["date"]):
        rows = [
            [
                o["id"],
                o["date"],
                o["customer"].id,
                o["customer"].name,
                o["contract"],
                o["model"],
                w.erp.pname[o["model"]],
                o["qty"],
                o["unit_price"],
                o["amount"],
                o["rep"],
            ]
            for o in items
        ]
        out.append(
            Table("erp", "orders", f"erp/orders_{m}.xlsx", "xlsx", cols, rows, encoding=None)
        )
    return out


def deliveries(w: World) -> Table:
    cols = [
        Col("delivery_id", "发货单号", required=True, pk=True),
        Col("order_id", "订单编号", required=True, ref="erp.orders.order_id"),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("promised_date", "承诺交货日期", DATE, required=True),
        Col("actual_date", "实际交货日期", DATE),
        Col("quantity", "发货数量", INT, min0=True),
        Col("status", "发货状态", ENUM),
    ]
    rows = [
        [
            x["id"],
            x["order"]["id"],
            x["order"]["customer"].id,
            x["promised"],
            x["actual"],
            x["qty"],
            DELIVERY_STATUS_CN[x["status"]],
        ]
        for x in w.erp.deliveries
    ]
    return Table("erp", "deliveries", "erp/deliveries.xlsx", "xlsx", cols, rows, encoding=None)


def invoices(w: World) -> list[Table]:
    cols = [
        Col("invoice_id", "发票号码", required=True, pk=True),
        Col("invoice_date", "开票日期", DATE, required=True),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("order_id", "订单编号", ref="erp.orders.order_id"),
        Col("amount_cny", "价税合计", AMOUNT, required=True, min0=True),
        Col("due_date", "到期日", DATE, required=True),
        Col("invoice_type", "发票类型"),
    ]
    out = []
    for m, items in by_month(w.erp.invoices, lambda x: x["date"]):
        rows = [
            [
                x["id"],
                x["date"],
                x["customer"].id,
                x["order"]["id"],
                x["amount"],
                x["due"],
                x["kind"],
            ]
            for x in items
        ]
        out.append(
            Table("erp", "invoices", f"erp/invoices_{m}.xlsx", "xlsx", cols, rows, encoding=None)
        )
    return out


def payments(w: World) -> list[Table]:
    cols = [
        Col("payment_id", "回款单号", required=True, pk=True),
        Col("payment_date", "回款日期", DATE, required=True),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("invoice_id", "核销发票号码", ref="erp.invoices.invoice_id"),
        Col("amount_cny", "回款金额", AMOUNT, required=True, min0=True),
        Col("method", "回款方式"),
    ]
    out = []
    for m, items in by_month(w.erp.payments, lambda x: x["date"]):
        rows = [
            [
                x["id"],
                x["date"],
                x["invoice"]["customer"].id,
                x["invoice"]["id"],
                x["amount"],
                x["method"],
            ]
            for x in items
        ]
        out.append(
            Table("erp", "payments", f"erp/payments_{m}.xlsx", "xlsx", cols, rows, encoding=None)
        )
    return out


def repairs(w: World) -> Table:
    cols = [
        Col("repair_id", "维修单号", required=True, pk=True),
        Col("customer_id", "客户编号", required=True, ref=CUST),
        Col("product_model", "产品型号"),
        Col("serial_no", "序列号"),
        Col("reported_at", "报修时间", TS, required=True),
        Col("completed_at", "完成时间", TS),
        Col("fault_description", "故障描述"),
        Col("resolution", "处理结果"),
        Col("engineer_rep_id", "服务工程师工号", ref=REP),
    ]
    rows = [
        [
            r["id"],
            r["customer_id"],
            r["model"],
            r["serial"],
            r["reported"],
            r["completed"],
            r["fault"],
            r["fix"],
            r["engineer"],
        ]
        for r in w.erp.repairs
    ]
    return Table("erp", "repairs", "erp/repairs.xlsx", "xlsx", cols, rows, encoding=None)
