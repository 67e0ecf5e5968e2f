"""The landing manifest (`_manifest.json`) and the planted ground truth (`_truth/`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .defects import KINDS, Flag, row_number
from .tables import Table


def file_entry(t: Table, table: str | None = None, rows: int | None = None) -> dict:
    return {
        "path": t.path,
        "table": table if table is not None else t.key,
        "rows": len(t.rows) if rows is None else rows,
        "encoding": t.encoding if t.fmt != "xlsx" else None,
        "format": t.fmt,
    }


def defect_entries(t: Table, flags: list[Flag]) -> list[dict]:
    """Resolve row objects to row numbers, once the file's rows are final."""
    pos = {id(r): i for i, r in enumerate(t.rows)}
    out = []
    for f in flags:
        expect, reason = KINDS[f.kind]
        if f.row is None:
            row = 1 if f.kind == "unknown_header" else None
        else:
            row = row_number(t, pos[id(f.row)])
        e: dict[str, Any] = {
            "defect": f.kind,
            "file": t.path,
            "row": row,
            "column": f.column,
            "expect": expect,
            "reason_code": reason,
        }
        if f.extra:
            e.update(f.extra)
        out.append(e)
    out.sort(key=lambda e: e["row"] or 0)
    return out


def dump_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n", "utf-8")


def dump_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(r, ensure_ascii=False, default=str) + "\n" for r in rows)
    path.write_text(text, "utf-8")
