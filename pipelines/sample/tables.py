"""In-memory description of one landing file before it is written.

A :class:`Table` is one file: its source system, contract table, path, format, encoding, the
columns (canonical name, the header actually written, and what kind of value it holds) and the
rows. Rows are lists (CSV / XLSX) or dicts keyed by header (JSON / JSON lines). The defect planter
works on these objects, so it knows which column holds a date, an amount or a customer id without
reading the contract.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# column kinds the defect planter understands
STR, INT, AMOUNT, DATE, TS, ENUM, JSON = "str", "int", "amount", "date", "ts", "enum", "json"


@dataclass(frozen=True)
class Col:
    """One column of a landing file."""

    name: str  # canonical snake_case name in the contract
    header: str  # header written in the file (canonical name or an alias)
    kind: str = STR
    required: bool = False
    pk: bool = False
    ref: str | None = None  # e.g. "crm.customers.customer_id"
    min0: bool = False  # amount/number with min: 0 in the contract


@dataclass
class Table:
    """One landing file."""

    source: str
    table: str
    path: str  # relative to the landing root, '/'-separated
    fmt: str  # csv | xlsx | json | jsonl
    cols: list[Col]
    rows: list[Any] = field(default_factory=list)
    encoding: str | None = "utf-8"  # csv / json: python codec name; xlsx: None
    json_wrapper: str | None = None  # json: key holding the array ("data", "records") or None
    # xlsx: number format per column index for date / datetime cells
    extra_headers: list[str] = field(default_factory=list)  # unknown extra headers (defects)

    @property
    def key(self) -> str:
        return f"{self.source}.{self.table}"

    def col(self, name: str) -> Col:
        for c in self.cols:
            if c.name == name:
                return c
        raise KeyError(name)

    def index(self, name: str) -> int:
        for i, c in enumerate(self.cols):
            if c.name == name:
                return i
        raise KeyError(name)


class TruncatedRow(list):
    """A CSV row written with fewer fields than the header (a planted wrong_field_count)."""


class RawLine(str):
    """A JSON-lines line written verbatim (a planted invalid_json)."""
