"""Read generated landing files back, the plain way (no ingestion engine), for the tests."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml

from pipelines.config import CONTRACT_PATH


@dataclass
class Read:
    header: list[str]
    rows: dict[int, object]  # row number (as in the manifest) -> list of cells, dict, or raw text


def read(root: Path, entry: dict) -> Read:
    path = root / entry["path"]
    fmt = entry["format"]
    if fmt == "csv":
        text = path.read_bytes().decode(entry["encoding"])
        records = list(csv.reader(io.StringIO(text)))
        return Read(records[0], {i: r for i, r in enumerate(records[1:], start=2)})
    if fmt == "xlsx":
        df = pl.read_excel(path, infer_schema_length=0)
        rows = {i: ["" if v is None else v for v in r] for i, r in enumerate(df.rows(), start=2)}
        return Read(df.columns, rows)
    if fmt == "json":
        doc = json.loads(path.read_text(encoding=entry["encoding"]))
        if isinstance(doc, dict):
            doc = doc.get("data") or doc.get("records")
        header = list(doc[0]) if doc else []
        return Read(header, dict(enumerate(doc, start=1)))
    lines = path.read_text(encoding=entry["encoding"]).splitlines()
    rows: dict[int, object] = {}
    header: list[str] = []
    for i, line in enumerate(lines, start=1):
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            rows[i] = line
            continue
        rows[i] = obj
        if not header:
            header = list(obj)
    return Read(header, rows)


def cell(r: Read, row_number: int, header: str):
    row = r.rows[row_number]
    if isinstance(row, dict):
        return row.get(header)
    return row[r.header.index(header)]


def contract() -> dict:
    return yaml.safe_load(CONTRACT_PATH.read_text(encoding="utf-8"))


def table_spec(c: dict, key: str) -> dict:
    source, table = key.split(".")
    return c["sources"][source]["tables"][table]


def norm(text: str) -> str:
    import unicodedata

    return " ".join(unicodedata.normalize("NFKC", str(text)).strip().split()).lower()


def header_map(spec: dict) -> dict[str, str]:
    out = {}
    for name, col in spec["columns"].items():
        for spelling in (name, *col.get("aliases", [])):
            out[norm(spelling)] = name
    return out


def accepted_values(col: dict) -> set[str] | None:
    if not col.get("values"):
        return None
    return {norm(s) for k, v in col["values"].items() for s in (k, *v)}
