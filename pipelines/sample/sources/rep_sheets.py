"""Reps' own visit spreadsheets: same facts as the sales logs, one format per rep."""

from __future__ import annotations

from .. import fmt as F
from .. import text as T
from ..reports import PROFILES, sheet_rows
from ..tables import DATE, ENUM, INT, Col, Table
from ..world import World

CANONICAL = [
    ("seq_no", INT, True, True),
    ("rep_name", "str", True, True),
    ("visit_date", DATE, True, False),
    ("customer_name", "str", True, False),
    ("contact_name", "str", False, False),
    ("visit_type", ENUM, False, False),
    ("content", "str", False, False),
    ("next_step", "str", False, False),
]


def tables(w: World) -> list[Table]:
    out = []
    for i, rep_id in enumerate(w.sheet_reps):
        prof = PROFILES[i % len(PROFILES)]
        p = w.co.person[rep_id]
        cols = [
            Col(name, header, kind, required=req, pk=pk)
            for (name, kind, req, pk), header in zip(CANONICAL, prof.headers, strict=True)
        ]
        rows = []
        logs = [g for g in sheet_rows(w.act.logs, rep_id) if g.t.date() >= w.co.cfg.start]
        for n, g in enumerate(logs, start=1):
            c = w.co.customer[g.customer_id]
            k = g.contact
            content = g.summary or g.notes
            if g.notes and g.summary:
                content = f"{g.summary}；{g.notes}"
            nxt = T.NEXT_STEPS[(n * 7 + int(c.id[1:])) % len(T.NEXT_STEPS)]
            rows.append(
                [
                    n if prof.fmt == "xlsx" else str(n),
                    p.name,
                    _date(g.t.date(), prof.date_style, prof.fmt),
                    c.name,
                    k.name if k else "",
                    prof.types[g.template],
                    content,
                    nxt,
                ]
            )
        ext = prof.fmt
        path = f"rep_sheets/{rep_id}_{p.name}拜访记录.{ext}"
        out.append(
            Table(
                "rep_sheets",
                "visits",
                path,
                prof.fmt,
                cols,
                rows,
                encoding=prof.encoding if prof.fmt == "csv" else None,
            )
        )
    return out


def _date(d, style: str, fmt: str):
    if style == "serial":
        return d if fmt == "xlsx" else str(F.excel_serial(d))  # a real Excel date cell
    if style in ("serial_num", "serial_csv"):
        return F.excel_serial(d) if fmt == "xlsx" else str(F.excel_serial(d))
    if style == "slash":
        return F.d_slash(d)
    if style == "slash0":
        return F.d_slash0(d)
    if style == "cn":
        return F.d_cn(d)
    return F.d_iso(d)
