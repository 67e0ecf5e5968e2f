"""The manifest tells the truth: files, encodings, row counts, headers, and every planted defect."""

from __future__ import annotations

import fnmatch
import json

import pytest

from pipelines.sample.defects import KINDS, PLACEHOLDERS
from tests.sample.landing import contract, header_map, norm, read, table_spec
from tests.sample.validate import validate_landing


def test_every_listed_file_exists_and_nothing_else_is_landed(landing, manifest):
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {
        p.relative_to(landing).as_posix()
        for p in landing.rglob("*")
        if p.is_file() and not any(part.startswith("_") for part in p.relative_to(landing).parts)
    }
    assert listed == on_disk
    sources = {p.split("/")[0] for p in listed}
    assert sources == {
        "crm", "erp", "meetings", "docs", "social", "wecom", "daily_reports", "rep_sheets"
    }  # fmt: skip


def test_row_counts_match_the_files(landing, manifest):
    broken = {
        d["file"]
        for d in manifest["defects"]
        if d["defect"] in ("truncated_xlsx", "wrong_encoding")
    }
    for f in manifest["files"]:
        if f["path"] in broken:
            continue
        assert len(read(landing, f).rows) == f["rows"], f["path"]


def test_encodings_are_what_the_manifest_says(landing, manifest):
    customers = (landing / "crm" / "customers.csv").read_bytes()
    customers.decode("gbk")
    with pytest.raises(UnicodeDecodeError):
        customers.decode("utf-8")
    assert (landing / "crm" / "opportunities.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    corrupted = {d["file"] for d in manifest["defects"] if d["defect"] == "wrong_encoding"}
    seen = set()
    for f in manifest["files"]:
        if f["format"] == "xlsx":
            assert (landing / f["path"]).read_bytes()[:2] == b"PK", f["path"]
            continue
        data = (landing / f["path"]).read_bytes()
        if f["path"] in corrupted:
            for enc in ("utf-8", "gb18030"):
                with pytest.raises(UnicodeDecodeError):
                    data.decode(enc)
            continue
        data.decode(f["encoding"])
        seen.add(f["encoding"])
        if f["encoding"] in ("gbk", "gb18030"):
            with pytest.raises(UnicodeDecodeError):
                data.decode("utf-8")
        assert data.startswith(b"\xef\xbb\xbf") == (f["encoding"] == "utf-8-sig"), f["path"]
    assert {"gbk", "utf-8-sig", "utf-8"} <= seen
    formats = {f["format"] for f in manifest["files"]}
    assert formats == {"csv", "xlsx", "json", "jsonl"}


def test_each_file_matches_the_globs_of_its_table_only(manifest):
    c = contract()
    globs = {
        f"{s}.{t}": spec["files"]
        for s, src in c["sources"].items()
        for t, spec in src["tables"].items()
    }
    for f in manifest["files"]:
        matching = [k for k, gs in globs.items() if any(fnmatch.fnmatch(f["path"], g) for g in gs)]
        assert matching == ([f["table"]] if f["table"] else []), f["path"]


def test_headers_are_canonical_names_or_contract_aliases(landing, manifest):
    c = contract()
    unknown = {
        (d["file"], d["header"]) for d in manifest["defects"] if d["defect"] == "unknown_header"
    }
    missing = {d["file"] for d in manifest["defects"] if d["defect"] == "missing_required_column"}
    broken = {
        d["file"]
        for d in manifest["defects"]
        if d["defect"] in ("truncated_xlsx", "wrong_encoding")
    }
    for f in manifest["files"]:
        if not f["table"] or f["path"] in broken:
            continue
        spec = table_spec(c, f["table"])
        hm = header_map(spec)
        r = read(landing, f)
        mapped = []
        for h in r.header:
            if norm(h) in hm:
                mapped.append(hm[norm(h)])
            elif f["path"] in missing:
                assert h == "客户单位"
            else:
                assert (f["path"], h) in unknown, (f["path"], h)
        assert len(mapped) == len(set(mapped)), f["path"]
        required = {
            n
            for n, col in spec["columns"].items()
            if col.get("required") and not col.get("from_path")  # from_path: from the file name
        }
        if f["path"] in missing:
            assert required - set(mapped) == {"customer_name"}
        else:
            assert required <= set(mapped), (f["path"], required - set(mapped))


def test_every_defect_kind_is_planted(manifest):
    kinds = {d["defect"] for d in manifest["defects"]}
    assert kinds == set(KINDS)
    for d in manifest["defects"]:
        assert (d["expect"], d["reason_code"]) == KINDS[d["defect"]]


def test_rows_with_a_problem_are_exactly_the_planted_ones_each_with_one_problem(landing, manifest):
    found = validate_landing(landing, manifest, contract())
    planted = {
        (d["file"], d["row"]): d
        for d in manifest["defects"]
        if d["expect"] in ("quarantine", "duplicate")
    }
    unplanned = {k: v for k, v in found.items() if k not in planted}
    # the engine does not parse epoch seconds yet; the validator does, so nothing is excused
    assert not unplanned, list(unplanned.items())[:5]
    for key, d in planted.items():
        assert key in found, f"planted defect has no problem: {d}"
        assert len(found[key]) == 1, (d, found[key])
        reason, column = found[key][0]
        assert reason == d["reason_code"], (d, found[key])
        if d["column"]:
            assert column == d["column"], (d, found[key])


def test_loaded_flagged_defects_are_really_there(landing, manifest):
    by_path = {f["path"]: f for f in manifest["files"]}
    flagged = [d for d in manifest["defects"] if d["expect"] == "loaded_flagged"]
    assert {d["defect"] for d in flagged} == {"placeholder_competitor", "unknown_header"}
    for d in flagged:
        r = read(landing, by_path[d["file"]])
        if d["defect"] == "unknown_header":
            assert d["row"] == 1 and d["header"] in r.header
        else:
            row = r.rows[d["row"]]
            brand = row[r.header.index("竞品品牌")]
            assert brand in PLACEHOLDERS


def test_file_defects_are_listed_with_the_files(landing, manifest):
    files = {f["path"]: f for f in manifest["files"]}
    file_level = [d for d in manifest["defects"] if d["expect"] == "file_error"]
    assert {d["reason_code"] for d in file_level} == {
        "unreadable", "undecodable", "unknown_table", "missing_required_column"
    }  # fmt: skip
    for d in file_level:
        assert d["file"] in files and d["row"] is None
    truncated = next(d for d in file_level if d["reason_code"] == "unreadable")
    with pytest.raises(Exception):  # noqa: B017 - any reader error: the workbook is cut off
        read(landing, files[truncated["file"]])
    assert json.loads((landing / "_manifest.json").read_text("utf-8"))["generator"]["file_defects"]
