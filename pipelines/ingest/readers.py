"""Read a landing file into text cells, whatever its format and encoding.

Every reader returns a :class:`RawFile`: the header, the rows as lists of strings (or ``None``) with
their row numbers, and the rows that could not even be split into fields (a truncated CSV line, a
JSON line that is not an object), each with its reason. Typing is done later, in one place.

Row numbers are what a person sees when they open the file: in CSV and XLSX the header is row 1
and the first data row is row 2; in JSON lines the line number; in a JSON array the 1-based index.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl


class FileRejected(Exception):
    """The whole file cannot be loaded. ``reason_code`` is one of ``contract.FILE_REASONS``."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message


@dataclass
class BadRow:
    row_number: int
    reason_code: str
    detail: str
    raw_record: str


@dataclass
class RawFile:
    format: str
    encoding: str | None
    header: list[str]
    rows: list[list[str | None]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.bad_rows)


FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "jsonl"}
FORMATS[".ndjson"] = "jsonl"


def file_format(path: Path) -> str:
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise FileRejected("unreadable", f"unsupported file extension {path.suffix!r}")
    return fmt


def decode(data: bytes) -> tuple[str, str]:
    """Decode text by looking at the bytes: BOMs first, then strict UTF-8, then strict GB18030.

    GB18030 is a superset of GBK and GB2312, which Excel on Chinese Windows writes. Text that
    decodes but carries control characters is treated as a wrong encoding rather than loaded.
    """
    if data.startswith(codecs.BOM_UTF8):
        candidates = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for encoding in candidates:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return text, encoding
    raise FileRejected(
        "undecodable",
        f"the bytes are not valid text in any accepted encoding (tried {', '.join(candidates)})",
    )


def _looks_like_text(text: str) -> bool:
    bad = sum(1 for ch in text[:100_000] if (ord(ch) < 32 and ch not in "\r\n\t") or ch == "\ufffd")
    return bad == 0


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return text if text.strip() != "" else None


def read_csv(data: bytes) -> RawFile:
    text, encoding = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    out = RawFile(format="csv", encoding=encoding, header=[])
    record = 0
    for fields in reader:
        if not fields or all(f.strip() == "" for f in fields):
            continue  # blank lines are not rows
        record += 1
        if header is None:
            header = fields
            out.header = header
            continue
        row_number = record  # header is row 1
        if len(fields) != len(header):
            out.bad_rows.append(
                BadRow(
                    row_number,
                    "wrong_field_count",
                    f"{len(fields)} fields where the header has {len(header)}",
                    json.dumps(fields, ensure_ascii=False),
                )
            )
            continue
        out.rows.append([_cell(f) for f in fields])
        out.row_numbers.append(row_number)
    if header is None:
        raise FileRejected("empty", "the file has no header row")
    return out


def read_xlsx(path: Path) -> RawFile:
    try:
        frame = pl.read_excel(path, infer_schema_length=0, raise_if_empty=False)
    except Exception as exc:  # calamine reports zip/xml damage with many exception types
        raise FileRejected("unreadable", f"not a readable .xlsx workbook ({exc})") from None
    if not frame.columns:
        raise FileRejected("empty", "the first sheet has no header row")
    header = [str(c) for c in frame.columns]
    out = RawFile(format="xlsx", encoding=None, header=header)
    for index, row in enumerate(frame.iter_rows()):
        cells = [_cell(v) for v in row]
        if all(c is None for c in cells):
            continue
        out.rows.append(cells)
        out.row_numbers.append(index + 2)
    return out


def _records_from_objects(fmt: str, encoding: str, items: list[tuple[int, object, str]]) -> RawFile:
    header: list[str] = []
    seen: set[str] = set()
    for _, item, _ in items:
        if isinstance(item, dict):
            for key in item:
                if key not in seen:
                    seen.add(key)
                    header.append(key)
    out = RawFile(format=fmt, encoding=encoding, header=header)
    for row_number, item, raw in items:
        if not isinstance(item, dict):
            out.bad_rows.append(BadRow(row_number, "invalid_json", "not a JSON object", raw))
            continue
        out.rows.append([_cell(item.get(key)) for key in header])
        out.row_numbers.append(row_number)
    return out


def read_json(data: bytes) -> RawFile:
    text, encoding = decode(data)
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected("unreadable", f"not valid JSON ({exc})") from None
    if isinstance(doc, dict):
        doc = doc.get("data", doc.get("records"))
    if not isinstance(doc, list):
        raise FileRejected(
            "unreadable", "expected a JSON array of objects (or one under 'data' / 'records')"
        )
    items = [(i + 1, item, json.dumps(item, ensure_ascii=False)) for i, item in enumerate(doc)]
    return _records_from_objects("json", encoding, items)


def read_jsonl(data: bytes) -> RawFile:
    text, encoding = decode(data)
    items: list[tuple[int, object, str]] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item: object = json.loads(line)
        except json.JSONDecodeError:
            item = None  # reported as invalid_json with the raw line
        items.append((line_number, item, line))
    return _records_from_objects("jsonl", encoding, items)


def read_file(path: Path) -> RawFile:
    fmt = file_format(path)
    if fmt == "xlsx":
        return read_xlsx(path)
    data = path.read_bytes()
    return {"csv": read_csv, "json": read_json, "jsonl": read_jsonl}[fmt](data)
