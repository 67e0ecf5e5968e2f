"""WeCom: external-contact change events (epoch seconds, as the callback sends them) and the chat
archive (ISO 8601 with +08:00), both JSON lines."""

from __future__ import annotations

from .. import fmt as F
from ..tables import ENUM, INT, JSON, TS, Col, Table
from ..world import World, by_month


def tables(w: World) -> list[Table]:
    return [events(w), *messages(w)]


def events(w: World) -> Table:
    cols = [
        Col("event_id", "event_id", required=True, pk=True),
        Col("change_type", "ChangeType", ENUM, required=True),
        Col("rep_id", "UserID", required=True, ref="crm.reps.rep_id"),
        Col("external_userid", "ExternalUserID", required=True),
        Col("created_at", "CreateTime", TS, required=True),
        Col("state", "State"),
    ]
    rows = [
        {
            "event_id": e["id"],
            "ChangeType": e["change"],
            "UserID": e["rep"],
            "ExternalUserID": e["external_userid"],
            "CreateTime": F.epoch_seconds(e["t"]),
            "State": e["state"],
        }
        for e in w.wx.events
    ]
    return Table(
        "wecom",
        "external_contact_events",
        "wecom/external_contact_events.jsonl",
        "jsonl",
        cols,
        rows,
        encoding="utf-8",
    )


def messages(w: World) -> list[Table]:
    cols = [
        Col("msgid", "msgid", required=True, pk=True),
        Col("action", "action"),
        Col("from_id", "from", required=True),
        Col("tolist", "tolist", JSON, required=True),
        Col("roomid", "roomid"),
        Col("msgtime", "msgtime", TS, required=True),
        Col("msgtype", "msgtype", ENUM, required=True),
        Col("content", "content"),
        Col("call_duration_seconds", "call_duration", INT, min0=True),
    ]
    out = []
    for month, group in by_month(w.wx.messages, lambda m: m["t"].date()):
        rows = [
            {
                "msgid": m["id"],
                "action": "send",
                "from": m["from"],
                "tolist": [m["to"]],
                "roomid": "",
                "msgtime": F.ts_offset(m["t"]),
                "msgtype": m["type"],
                "content": m["content"],
                "call_duration": m["dur"],
            }
            for m in group
        ]
        out.append(
            Table(
                "wecom",
                "messages",
                f"wecom/messages_{month}.jsonl",
                "jsonl",
                cols,
                rows,
                encoding="utf-8",
            )
        )
    return out
