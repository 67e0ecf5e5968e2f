"""Planted defects: row-level ones injected into tables, file-level ones written as extra files.

Row defects are *injected rows* (a mutated copy of a real row with a fresh primary key) or exact
copies, never edits of real rows, so the story stays intact whatever the engine quarantines. Each
injected row has exactly one problem. Every defect is listed in the manifest with the row number
(CSV/XLSX: header = row 1; JSON lines: 1-based line; JSON array: 1-based index).
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import Any

from .tables import AMOUNT, DATE, ENUM, INT, STR, TS, Col, RawLine, Table, TruncatedRow

# defect kind -> (expect, reason_code)
KINDS: dict[str, tuple[str, str]] = {
    "unparseable_date": ("quarantine", "unparseable_date"),
    "unparseable_timestamp": ("quarantine", "unparseable_timestamp"),
    "negative_amount": ("quarantine", "out_of_range"),
    "unparseable_number": ("quarantine", "unparseable_number"),
    "unknown_customer_id": ("quarantine", "unknown_reference"),
    "missing_required": ("quarantine", "missing_required"),
    "invalid_enum": ("quarantine", "invalid_value"),
    "truncated_row": ("quarantine", "wrong_field_count"),
    "invalid_json_line": ("quarantine", "invalid_json"),
    "duplicate_row": ("duplicate", "duplicate"),
    "placeholder_competitor": ("loaded_flagged", "placeholder_value"),
    "unknown_header": ("loaded_flagged", "unknown_column"),
    # file level (only with --file-defects)
    "truncated_xlsx": ("file_error", "unreadable"),
    "wrong_encoding": ("file_error", "undecodable"),
    "unknown_table_file": ("file_error", "unknown_table"),
    "missing_required_column": ("file_error", "missing_required_column"),
}
ROW_KINDS = [
    "unparseable_date",
    "unparseable_timestamp",
    "negative_amount",
    "unparseable_number",
    "unknown_customer_id",
    "missing_required",
    "invalid_enum",
    "truncated_row",
    "invalid_json_line",
    "duplicate_row",
    "placeholder_competitor",
]

BAD_DATES = ["2026-02-30", "2026/13/05", "待定", "2026年2月30日", "下周三", "0000-00-00"]
BAD_TS = ["2026-02-30 10:00", "2026-13-01 09:00:00", "待定", "昨天下午", "25:61", "2026/2/30 9:15"]
BAD_NUMBERS = ["约十万", "面议", "12.8.0万", "待定", "#VALUE!", "见附件"]
BAD_INTS = ["两台", "#N/A", "若干"]
BAD_ENUMS = ["待确认", "未知类型", "其它类型", "暂无分类"]
PLACEHOLDERS = ["友商", "竞品", "其他", "某品牌", "N/A"]
EXTRA_HEADERS = ["备注2", "临时列", "Unnamed: 12", "是否重点跟进", "录入人备注"]
CUSTOMER_REF = "crm.customers.customer_id"


@dataclass
class Flag:
    """A defect attached to a row object; resolved to a row number when the file is final."""

    kind: str
    row: Any  # the row object (None: header / file level)
    column: str | None
    extra: dict | None = None


def applicable(t: Table) -> list[str]:
    cols = [c for c in t.cols if not c.pk]
    out = []
    if any(c.kind == DATE for c in cols):
        out.append("unparseable_date")
    if any(c.kind == TS for c in cols):
        out.append("unparseable_timestamp")
    if any(c.kind in (AMOUNT, INT) and c.min0 for c in cols):
        out.append("negative_amount")
    if any(c.kind in (AMOUNT, INT) for c in cols):
        out.append("unparseable_number")
    if any(c.ref == CUSTOMER_REF for c in cols):
        out.append("unknown_customer_id")
    if any(c.required for c in cols):
        out.append("missing_required")
    if any(c.kind == ENUM for c in cols):
        out.append("invalid_enum")
    if t.fmt == "csv":
        out.append("truncated_row")
    if t.fmt == "jsonl":
        out.append("invalid_json_line")
    if any(c.name == "competitor_brand" for c in t.cols):
        out.append("placeholder_competitor")
    out.append("duplicate_row")
    return out


class Planter:
    def __init__(self, rng: random.Random, rate: float) -> None:
        self.rng = rng
        self.rate = rate
        self.counter = 0
        self.seen: dict[str, int] = {k: 0 for k in ROW_KINDS}

    def plant(self, t: Table, flags: list[Flag]) -> None:
        """Inject row defects into t (in place); append their Flags."""
        if self.rate <= 0 or not t.rows:
            return
        kinds = applicable(t)
        expected = self.rate * len(t.rows)
        n = int(expected) + (1 if self.rng.random() < expected - int(expected) else 0)
        originals = list(t.rows)
        pk_seen = {self._pk(t, r) for r in originals}
        for _ in range(n):
            # the kind seen least so far, ties broken at random: every kind shows up early
            kind = min(kinds, key=lambda k: (self.seen[k], self.rng.random()))
            self.seen[kind] += 1
            base = self.rng.choice(originals)
            made = self._make(t, base, kind, pk_seen)
            if made is None:
                continue
            row, column = made
            if kind == "duplicate_row":
                pos = self.rng.randint(t.rows.index(base) + 1, len(t.rows))
            else:
                pos = self.rng.randint(0, len(t.rows))
            t.rows.insert(pos, row)
            flags.append(Flag(kind, row, column))

    def add_extra_header(self, t: Table, flags: list[Flag]) -> None:
        name = self.rng.choice(EXTRA_HEADERS)
        t.extra_headers.append(name)
        for r in t.rows:
            if isinstance(r, list) and not isinstance(r, TruncatedRow):
                r.append(self.rng.choice(["", "", "是", "否", "待跟进", "已确认"]))
        flags.append(Flag("unknown_header", None, None, {"header": name}))

    # ---------------------------------------------------------------------------------------------
    def _pk(self, t: Table, r: Any) -> tuple:
        return tuple(self._get(t, r, c) for c in t.cols if c.pk)

    @staticmethod
    def _get(t: Table, r: Any, c: Col) -> Any:
        if isinstance(r, dict):
            return r.get(c.header)
        return r[t.cols.index(c)]

    @staticmethod
    def _set(t: Table, r: Any, c: Col, v: Any) -> None:
        if isinstance(r, dict):
            r[c.header] = v
        else:
            r[t.cols.index(c)] = v

    def _fresh_pk(self, t: Table, r: Any, pk_seen: set) -> None:
        own = [c for c in t.cols if c.pk and c.ref is None and c.kind in (STR, INT)]
        if not own:
            return
        c = own[-1]
        while True:
            self.counter += 1
            v = self._get(t, r, c)
            if c.kind == INT or isinstance(v, int):
                nv: Any = 900000 + self.counter
                if isinstance(v, str):
                    nv = str(nv)
            else:
                s = str(v)
                prefix = s.rstrip("0123456789")
                width = max(len(s) - len(prefix), 6)
                nv = f"{prefix}9{self.counter:0{width - 1}d}"
            self._set(t, r, c, nv)
            key = self._pk(t, r)
            if key not in pk_seen:
                pk_seen.add(key)
                return

    def _make(self, t: Table, base: Any, kind: str, pk_seen: set) -> tuple[Any, str | None] | None:
        rng = self.rng
        if kind == "duplicate_row":
            return (copy.copy(base) if not isinstance(base, str) else RawLine(base)), None
        row = copy.deepcopy(base)
        if isinstance(row, RawLine):
            return None
        self._fresh_pk(t, row, pk_seen)
        nonpk = [c for c in t.cols if not c.pk]

        def pick(pred) -> Col | None:
            cands = [c for c in nonpk if pred(c)]
            return rng.choice(cands) if cands else None

        if kind == "unparseable_date":
            c = pick(lambda c: c.kind == DATE)
            self._set(t, row, c, rng.choice(BAD_DATES))
        elif kind == "unparseable_timestamp":
            c = pick(lambda c: c.kind == TS)
            self._set(t, row, c, rng.choice(BAD_TS))
        elif kind == "negative_amount":
            c = pick(lambda c: c.kind in (AMOUNT, INT) and c.min0)
            v = _number(self._get(t, row, c)) or rng.randint(1000, 90000)
            neg = -abs(v)
            if t.fmt in ("csv",) or isinstance(self._get(t, row, c), str):
                neg = f"-{abs(v):.2f}" if c.kind == AMOUNT else str(-abs(int(v)))
            self._set(t, row, c, neg)
        elif kind == "unparseable_number":
            c = pick(lambda c: c.kind in (AMOUNT, INT))
            self._set(t, row, c, rng.choice(BAD_NUMBERS if c.kind == AMOUNT else BAD_INTS))
        elif kind == "unknown_customer_id":
            c = pick(lambda c: c.ref == CUSTOMER_REF)
            self._set(t, row, c, f"C9{rng.randint(0, 9999):04d}X")
        elif kind == "missing_required":
            c = pick(lambda c: c.required)
            self._set(t, row, c, None if t.fmt in ("json", "jsonl") else "")
        elif kind == "invalid_enum":
            c = pick(lambda c: c.kind == ENUM)
            self._set(t, row, c, rng.choice(BAD_ENUMS))
        elif kind == "placeholder_competitor":
            c = t.col("competitor_brand")
            self._set(t, row, c, rng.choice(PLACEHOLDERS))
        elif kind == "truncated_row":
            cut = rng.randint(2, max(2, len(row) - 1))
            return TruncatedRow(row[: len(row) - cut] if cut < len(row) else row[:1]), None
        elif kind == "invalid_json_line":
            text = json.dumps(row, ensure_ascii=False, separators=(",", ":"))
            return RawLine(text[: max(5, len(text) * 2 // 3)]), None
        else:  # pragma: no cover
            raise ValueError(kind)
        return row, c.name


def _number(v: Any) -> float | None:
    if isinstance(v, int | float):
        return float(v)
    if not isinstance(v, str):
        return None
    s = v.replace("¥", "").replace("￥", "").replace(",", "").replace("元", "").strip()
    mult = 1.0
    if s.endswith("万"):
        s, mult = s[:-1], 10000.0
    try:
        return float(s) * mult
    except ValueError:
        return None


def row_number(t: Table, idx: int) -> int:
    return idx + 2 if t.fmt in ("csv", "xlsx") else idx + 1


def file_defects(root, tables: list[Table], rng: random.Random) -> tuple[list[dict], list[dict]]:
    """Files that cannot be loaded at all (only with --file-defects). Each is an extra file next to
    the real ones, so the real data stays complete."""
    from .writers import csv_bytes

    files: list[dict] = []
    defects: list[dict] = []

    def add(
        path: str, table: str | None, rows: int, enc: str | None, fmt: str, kind: str, col=None
    ):
        expect, reason = KINDS[kind]
        files.append({"path": path, "table": table, "rows": rows, "encoding": enc, "format": fmt})
        defects.append(
            {
                "defect": kind,
                "file": path,
                "row": None,
                "column": col,
                "expect": expect,
                "reason_code": reason,
            }
        )

    # a truncated .xlsx (the download was cut off)
    xl = next(t for t in tables if t.fmt == "xlsx" and t.table == "orders")
    data = (root / xl.path).read_bytes()
    path = xl.path.replace(".xlsx", "_resend.xlsx")
    (root / path).write_bytes(data[: len(data) * 11 // 20])
    add(path, xl.key, len(xl.rows), None, "xlsx", "truncated_xlsx")

    # a GBK daily report whose bytes were damaged: neither UTF-8 nor GB18030 decodes it
    dr = next(t for t in tables if t.key == "daily_reports.daily_reports")
    raw = bytearray(csv_bytes(dr))
    for i in range(3, min(len(raw), 4000), 97):
        raw[i] = 0xFF
    path = dr.path.replace(".csv", "_copy.csv")
    (root / path).write_bytes(bytes(raw))
    add(path, dr.key, len(dr.rows), "gbk", "csv", "wrong_encoding")

    # a file that matches no table in the contract
    cu = next(t for t in tables if t.key == "crm.customers")
    path = "crm/客户导出(副本).csv"
    (root / path).write_bytes(csv_bytes(cu))
    add(path, None, len(cu.rows), cu.encoding, "csv", "unknown_table_file")

    # a new rep's spreadsheet whose customer column has a header no alias covers
    sheet = next(t for t in tables if t.source == "rep_sheets" and t.fmt == "csv")
    clone = Table(
        sheet.source,
        sheet.table,
        "rep_sheets/E9999_新同事拜访记录.csv",
        "csv",
        [
            Col(c.name, "客户单位" if c.name == "customer_name" else c.header, c.kind)
            for c in sheet.cols
        ],
        [list(r) for r in sheet.rows[:25] if not isinstance(r, TruncatedRow)],
        encoding="utf-8-sig",
    )
    (root / clone.path).write_bytes(csv_bytes(clone))
    add(
        clone.path,
        clone.key,
        len(clone.rows),
        "utf-8-sig",
        "csv",
        "missing_required_column",
        "customer_name",
    )
    rng.random()
    return files, defects
