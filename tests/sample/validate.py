"""A deliberately small, independent reading of the landing contract, to check the generator.

It is not the ingestion engine: it only knows enough (types, required, values, min, references,
exact duplicates, field counts) to find every problem a row has, so a test can assert that the
rows with problems are exactly the planted ones, each with exactly one problem.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from tests.sample.landing import Read, accepted_values, header_map, norm, read, table_spec

DATE_RE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
    r"(?:[T\s]+(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_when(text: str) -> bool:
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return True  # Excel serial
    if re.fullmatch(r"1\d{9}", text):
        return True  # epoch seconds (WeCom CreateTime)
    m = DATE_RE.match(text)
    if not m:
        return False
    try:
        y, mo, d = (int(x) for x in m.groups()[:3])
        date(y, mo, d)
        if m.group(4):
            datetime(y, mo, d, int(m.group(4)), int(m.group(5)), int(m.group(6) or 0))
    except ValueError:
        return False
    return True


def parse_amount(text: str) -> float | None:
    t = text.lower().replace(",", "").replace(" ", "")
    mult = 1.0
    if re.search(r"(万|w)元?$", t):
        mult = 10_000.0
    t = re.sub(r"(rmb|cny|¥|￥|元|万|w)", "", t)
    try:
        return float(t) * mult
    except ValueError:
        return None


def parse_int(text: str) -> float | None:
    try:
        v = float(text.replace(",", ""))
    except ValueError:
        return None
    return v if v == int(v) else None


def text_of(v) -> str:
    if v is None:
        return ""
    if isinstance(v, list | dict):
        return "json"
    return str(v).strip()


def problems(
    r: Read, spec: dict, refs: dict[str, set[str]], fmt: str
) -> dict[int, list[tuple[str, str | None]]]:
    """row number -> [(reason_code, column)]"""
    hm = header_map(spec)
    cols = spec["columns"]
    index = {hm[norm(h)]: i for i, h in enumerate(r.header) if norm(h) in hm}
    header_of = {hm[norm(h)]: h for h in r.header if norm(h) in hm}
    out: dict[int, list[tuple[str, str | None]]] = {}
    seen: set = set()
    keys: dict = {}
    for n, row in r.rows.items():
        found: list[tuple[str, str | None]] = []
        if isinstance(row, str):
            out[n] = [("invalid_json", None)]
            continue
        if isinstance(row, list) and len(row) != len(r.header):
            out[n] = [("wrong_field_count", None)]
            continue
        ident = repr(row)
        if ident in seen:
            out[n] = [("duplicate", None)]
            continue
        seen.add(ident)
        for name, col in cols.items():
            if isinstance(row, dict):
                raw = row.get(header_of.get(name, name))
            else:
                raw = row[index[name]] if name in index else None
            text = text_of(raw)
            if not text:
                # a from_path column without a header of its own takes its value from the path
                if col.get("required") and not col.get("from_path"):
                    found.append(("missing_required", name))
                continue
            typ = col["type"]
            if typ in ("date", "timestamp") and not parse_when(text):
                found.append((f"unparseable_{typ}", name))
                continue
            if typ in ("amount_cny", "integer"):
                v = parse_amount(text) if typ == "amount_cny" else parse_int(text)
                if v is None:
                    found.append(("unparseable_number", name))
                    continue
                if "min" in col and v < col["min"]:
                    found.append(("out_of_range", name))
                    continue
            ok = accepted_values(col)
            if ok is not None and norm(text) not in ok:
                found.append(("invalid_value", name))
                continue
            ref = col.get("references")
            if ref and ref in refs and text not in refs[ref]:
                found.append(("unknown_reference", name))
        pk = spec.get("primary_key") or []
        if pk and not found:
            # a pk column missing from the header comes from the file path: one value per file
            key = tuple(
                text_of(row.get(header_of.get(k, k)))
                if isinstance(row, dict)
                else (row[index[k]] if k in index else None)
                for k in pk
            )
            if key in keys:
                found.append(("duplicate_key_conflict", pk[0]))
            keys[key] = n
        if found:
            out[n] = found
    return out


def validate_landing(root: Path, manifest: dict, contract: dict) -> dict[tuple[str, int], list]:
    """(file, row) -> problems, over every readable file of the manifest."""
    quarantined = {
        (d["file"], d["row"])
        for d in manifest["defects"]
        if d["expect"] in ("quarantine", "duplicate")
    }
    rejected = {d["file"] for d in manifest["defects"] if d["expect"] == "file_error"}
    entries = [f for f in manifest["files"] if f["table"] and f["path"] not in rejected]
    reads = {f["path"]: read(root, f) for f in entries}
    # referenced values: what the referenced tables load (their rows that are not planted defects)
    refs: dict[str, set[str]] = {}
    for f in entries:
        spec = table_spec(contract, f["table"])
        hm = header_map(spec)
        r = reads[f["path"]]
        for h in r.header:
            name = hm.get(norm(h))
            if name is None:
                continue
            key = f"{f['table']}.{name}"
            vals = refs.setdefault(key, set())
            for n, row in r.rows.items():
                if (f["path"], n) in quarantined or isinstance(row, str):
                    continue
                v = (
                    row.get(h)
                    if isinstance(row, dict)
                    else (row[r.header.index(h)] if len(row) == len(r.header) else None)
                )
                if text_of(v):
                    vals.add(text_of(v))
    out: dict[tuple[str, int], list] = {}
    for f in entries:
        spec = table_spec(contract, f["table"])
        for n, found in problems(reads[f["path"]], spec, refs, f["format"]).items():
            out[(f["path"], n)] = found
    return out
