"""Meeting system: monthly JSON exports of its API ({"data": [...]}, camelCase keys)."""

from __future__ import annotations

from .. import fmt as F
from ..tables import ENUM, JSON, TS, Col, Table
from ..world import World, by_month


def tables(w: World) -> list[Table]:
    cols = [
        Col("meeting_id", "meetingId", required=True, pk=True),
        Col("title", "subject"),
        Col("meeting_type", "type", ENUM, required=True),
        Col("start_at", "startTime", TS, required=True),
        Col("end_at", "endTime", TS, required=True),
        Col("organizer_rep_id", "organizer", ref="crm.reps.rep_id"),
        Col("customer_id", "customerId", ref="crm.customers.customer_id"),
        Col("attendees", "attendees", JSON),
        Col("location", "location"),
    ]
    ms = sorted(
        (m for m in w.eng.meetings if m["start"].date() >= w.co.cfg.start),
        key=lambda m: (m["start"], m["organizer"], m["title"]),
    )
    for i, m in enumerate(ms, start=1):
        m["id"] = f"MT{i:07d}"
    out = []
    for month, items in by_month(ms, lambda m: m["start"].date()):
        rows = []
        for m in items:
            online = (int(m["id"][2:]) % 3) != 0
            rows.append(
                {
                    "meetingId": m["id"],
                    "subject": m["title"],
                    "type": m["type"],
                    "startTime": F.ts_offset(m["start"]),
                    "endTime": F.ts_offset(m["end"]),
                    "organizer": m["organizer"],
                    "customerId": m["customer"].id if m["customer"] else None,
                    "attendees": m["attendees"],
                    "location": "腾讯会议" if online else "客户现场",
                }
            )
        out.append(
            Table(
                "meetings",
                "meetings",
                f"meetings/meetings_{month}.json",
                "json",
                cols,
                rows,
                encoding="utf-8",
                json_wrapper="data",
            )
        )
    return out
