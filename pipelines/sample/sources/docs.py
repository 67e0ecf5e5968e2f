"""Document centre: documents sent to customers, monthly CSV (UTF-8, English headers)."""

from __future__ import annotations

from .. import fmt as F
from ..tables import ENUM, TS, Col, Table
from ..world import World, by_month


def tables(w: World) -> list[Table]:
    cols = [
        Col("document_id", "Document ID", required=True, pk=True),
        Col("document_type", "Document Type", ENUM, required=True),
        Col("title", "Title"),
        Col("file_name", "File Name"),
        Col("customer_id", "Customer ID", required=True, ref="crm.customers.customer_id"),
        Col("contact_id", "Recipient Contact ID", ref="crm.contacts.contact_id"),
        Col("sent_by_rep_id", "Sent By", ref="crm.reps.rep_id"),
        Col("sent_at", "Sent At", TS, required=True),
        Col("opportunity_id", "Opportunity ID", ref="crm.opportunities.opportunity_id"),
    ]
    docs = sorted(
        (d for d in w.eng.docs if d["t"].date() >= w.co.cfg.start),
        key=lambda d: (d["t"], d["customer"].id, d["type"]),
    )
    out = []
    n = 0
    for month, items in by_month(docs, lambda d: d["t"].date()):
        rows = []
        for d in items:
            n += 1
            rows.append(
                [
                    f"DOC{n:07d}",
                    d["type"],
                    d["title"],
                    d["file"],
                    d["customer"].id,
                    d["contact"].id,
                    d["rep"],
                    F.ts_min(d["t"]),
                    d["opp"],
                ]
            )
        out.append(
            Table(
                "docs",
                "documents_sent",
                f"docs/documents_sent_{month}.csv",
                "csv",
                cols,
                rows,
                encoding="utf-8",
            )
        )
    return out
