"""Write :class:`~pipelines.sample.tables.Table` objects to disk, byte-for-byte reproducibly."""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime
from pathlib import Path

from .tables import Table, TruncatedRow

# xlsx files carry this creation date instead of the wall clock
FIXED_CREATED = datetime(2026, 1, 1, 0, 0, 0)


def write_table(root: Path, t: Table) -> None:
    path = root / t.path
    path.parent.mkdir(parents=True, exist_ok=True)
    if t.fmt == "csv":
        path.write_bytes(csv_bytes(t))
    elif t.fmt == "xlsx":
        write_xlsx(path, t)
    elif t.fmt == "json":
        path.write_bytes(json_bytes(t))
    elif t.fmt == "jsonl":
        path.write_bytes(jsonl_bytes(t))
    else:  # pragma: no cover - programming error
        raise ValueError(t.fmt)


def headers(t: Table) -> list[str]:
    return [c.header for c in t.cols] + list(t.extra_headers)


def csv_bytes(t: Table) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(headers(t))
    for row in t.rows:
        cells = ["" if v is None else str(v) for v in row]
        if isinstance(row, TruncatedRow):
            buf.write(",".join(cells) + "\r\n")  # verbatim: fewer fields than the header
        else:
            w.writerow(cells)
    return buf.getvalue().encode(t.encoding or "utf-8")


def write_xlsx(path: Path, t: Table) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(
        str(path),
        {"constant_memory": True, "strings_to_numbers": False, "strings_to_urls": False},
    )
    wb.set_properties({"created": FIXED_CREATED, "author": "ERP", "title": t.table})
    ws = wb.add_worksheet("Sheet1")
    f_date = wb.add_format({"num_format": "yyyy-mm-dd"})
    f_ts = wb.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    bold = wb.add_format({"bold": True})
    for j, h in enumerate(headers(t)):
        ws.write_string(0, j, h, bold)
    for i, row in enumerate(t.rows, start=1):
        for j, v in enumerate(row):
            if v is None or v == "":
                continue
            if isinstance(v, datetime):
                ws.write_datetime(i, j, v.replace(microsecond=0), f_ts)
            elif isinstance(v, date):
                ws.write_datetime(i, j, datetime(v.year, v.month, v.day), f_date)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, int | float):
                ws.write_number(i, j, v)
            else:
                ws.write_string(i, j, str(v))
    wb.close()


def json_bytes(t: Table) -> bytes:
    """A JSON document with one record per line (the C encoder, not indent's slow path)."""
    body = ",\n".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in t.rows)
    array = f"[\n{body}\n]" if t.rows else "[]"
    text = f'{{"{t.json_wrapper}":{array}}}' if t.json_wrapper else array
    return (text + "\n").encode(t.encoding or "utf-8")


def jsonl_bytes(t: Table) -> bytes:
    lines = []
    for r in t.rows:
        if isinstance(r, str):
            lines.append(r)  # RawLine
        else:
            lines.append(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n").encode(t.encoding or "utf-8")
