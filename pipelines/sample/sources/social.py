"""Social platform: interactions of customers' contacts with our posts, monthly JSON
({"records": [...]}) from the crawler."""

from __future__ import annotations

from .. import fmt as F
from ..tables import ENUM, TS, Col, Table
from ..world import World, by_month


def tables(w: World) -> list[Table]:
    cols = [
        Col("interaction_id", "id", required=True, pk=True),
        Col("platform", "platform"),
        Col("contact_id", "contact_id", required=True, ref="crm.contacts.contact_id"),
        Col("contact_name", "contact_name"),
        Col("company", "company"),
        Col("interaction_type", "action", ENUM, required=True),
        Col("occurred_at", "occurred_at", TS, required=True),
        Col("post_title", "post_title"),
    ]
    items = sorted(
        (s for s in w.eng.social if s["t"].date() >= w.co.cfg.start),
        key=lambda s: (s["t"], s["contact"].id),
    )
    out = []
    n = 0
    for month, group in by_month(items, lambda s: s["t"].date()):
        rows = []
        for s in group:
            n += 1
            rows.append(
                {
                    "id": f"SI{n:08d}",
                    "platform": s["platform"],
                    "contact_id": s["contact"].id,
                    "contact_name": s["contact"].name,
                    "company": s["customer"].name,
                    "action": s["type"],
                    "occurred_at": F.ts_iso(s["t"]),
                    "post_title": s["post"],
                }
            )
        out.append(
            Table(
                "social",
                "interactions",
                f"social/interactions_{month}.json",
                "json",
                cols,
                rows,
                encoding="utf-8",
                json_wrapper="records",
            )
        )
    return out
