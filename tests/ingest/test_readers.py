"""The readers' parts on hand-made bytes: the line scan, per-line decoding, the landing folder's
boundary, and a big file read in batches giving the same result as read whole."""

from __future__ import annotations

import codecs
import io
import os
from dataclasses import replace

import duckdb
import numpy as np
import pytest

from pipelines.ingest.contract import CsvSettings, LandingSettings
from pipelines.ingest.csvscan import scan_block, split_record
from pipelines.ingest.decoding import Decoder, Undecodable
from pipelines.ingest.discovery import display_name, scan_landing
from pipelines.ingest.engine import ingest_table
from pipelines.ingest.readers import FileRejected, read_csv


def scan(text: str, ncols: int = 3, final: bool = True, max_lines: int = 5, **kw):
    return scan_block(text.encode(), 2, ncols, b",", max_lines, final, **kw)


def reasons(result) -> list[tuple[int, str]]:
    return [(b.row, b.reason_code) for b in result.bad]


def test_a_clean_block_takes_the_fast_path_and_keeps_physical_rows():
    result = scan("a,b,c\nd,e,f\n")
    assert result.body == b"a,b,c\nd,e,f\n" and result.rows.tolist() == [2, 3]
    assert result.bad == [] and result.carry_lines == 2


def test_a_stray_quote_costs_one_row_not_the_rest_of_the_file():
    lines = [f"r{i},x,y" for i in range(12)]
    lines[3] = 'r3,"never closed,y'
    result = scan("\n".join(lines) + "\n")
    assert reasons(result) == [(5, "unterminated_quote")]
    assert result.rows.tolist() == [r for r in range(2, 14) if r != 5]


def test_a_multi_line_cell_is_one_record_numbered_by_its_first_line():
    result = scan('a,"line 1\nline 2, with comma\nline 3",c\nd,e,f\n')
    assert result.bad == [] and result.rows.tolist() == [2, 5]
    assert split_record('a,"x\n""y""",c', ",") == ["a", 'x\n"y"', "c"]


def test_a_cell_over_more_lines_than_allowed_is_quarantined_line_by_line():
    text = 'a,b,"' + "\n".join(f"l{i}" for i in range(8)) + '"\nd,e,f\n'
    result = scan(text, max_lines=5)
    rows = reasons(result)
    assert rows[0] == (2, "unterminated_quote") and len(rows) == 8
    assert {reason for _, reason in rows[1:-1]} == {"wrong_field_count"}
    assert rows[-1] == (9, "malformed_quotes")  # the stray closing quote
    assert result.rows.tolist() == [10]


def test_a_file_cut_off_quarantines_its_last_row():
    assert reasons(scan("a,b,c\nd,e,3")) == [(3, "truncated_row")]
    assert reasons(scan('a,b,c\nd,"e, cut')) == [(3, "truncated_row")]
    cut_in_cell = scan('a,b,c\nd,e,"first\nsecond')
    assert reasons(cut_in_cell) == [(3, "truncated_row"), (4, "truncated_row")]
    loaded = scan("a,b,c\nd,e,3", quarantine_unterminated_last_line=False)
    assert loaded.bad == [] and loaded.body == b"a,b,c\nd,e,3\n"


def test_blank_lines_are_not_rows_and_bad_lines_keep_their_numbers():
    result = scan('a,b,c\n\n\r\nd;e;f\ng,"h"x,i\n5" screen,b,c\nj,k,l\n', ncols=3)
    assert reasons(result) == [(5, "wrong_field_count"), (6, "malformed_quotes"),
                               (7, "malformed_quotes")]  # fmt: skip
    assert result.rows.tolist() == [2, 8]
    assert result.body == b"a,b,c\nj,k,l\n"


def test_an_unfinished_record_is_carried_to_the_next_block():
    first = scan('a,b,c\nd,"e\n', final=False)
    assert first.rows.tolist() == [2] and first.carry == b'd,"e\n' and first.carry_lines == 1
    second = scan_block(first.carry + b'f",g\n', 3, 3, b",", 5, True)
    assert second.rows.tolist() == [3] and second.bad == []


def test_mixed_encodings_are_decoded_line_by_line():
    data = "编号,名称\n1,上海\n".encode() + "2,北京\n".encode("gbk") + "3,杭州\n".encode()
    decoder = Decoder()
    out, bad = decoder.decode(data)
    assert decoder.encoding == "utf-8" and bad == {2: "undecodable_line"}
    assert out.decode().splitlines()[3] == "3,杭州"
    gbk = Decoder()
    assert gbk.decode("编号\n上海\n".encode("gbk")) == ("编号\n上海\n".encode(), {})
    assert gbk.encoding == "gb18030"
    bom_gbk = Decoder()
    bom_gbk.decode(codecs.BOM_UTF8 + "编号\n".encode("gbk"))
    assert bom_gbk.encoding == "gb18030"
    with pytest.raises(Undecodable):
        Decoder().decode(b"\xff\xfe\xfa\n\xff\xff\n\xfe\xfe\nok\n")


def test_the_landing_folder_is_a_boundary(tmp_path):
    landing, outside = tmp_path / "landing", tmp_path / "outside"
    (landing / "crm").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.csv").write_text("token\n", encoding="utf-8")
    (landing / "crm" / "ok.csv").write_text("a\n", encoding="utf-8")
    (landing / "crm" / "link.csv").symlink_to(outside / "secret.csv")
    (landing / "linked_folder").symlink_to(outside)
    os.mkfifo(landing / "crm" / "pipe.csv")
    (landing / "crm" / "~$ok.xlsx").write_bytes(b"lock")
    (landing / "_truth").mkdir()
    (landing / "_truth" / "x.csv").write_text("a\n", encoding="utf-8")
    os.utime(landing / "crm" / "ok.csv", (1, 1))
    name = os.path.join(os.fsencode(landing / "crm"), b"\xc9\xcf\xba\xa3.csv")  # GBK 上海
    with open(name, "wb") as handle:
        handle.write(b"a\n")
    inventory = scan_landing(landing, LandingSettings(junk_files=("~$*",)), settle=60)
    assert [f.rel for f in inventory.files] == ["crm/ok.csv"]
    assert {(s.rel, s.code) for s in inventory.refused} == {
        ("crm/link.csv", "outside_landing"),
        ("linked_folder", "outside_landing"),
        ("crm/pipe.csv", "outside_landing"),
    }
    assert {(s.rel, s.code) for s in inventory.skipped} == {
        ("crm/~$ok.xlsx", "junk_file"),
        ("crm/上海.csv", "still_being_written"),
    }
    assert display_name(os.fsdecode(b"\xff\xfe.csv")) == "\\xff\\xfe.csv"


def test_a_header_that_is_not_text_rejects_the_file():
    settings = LandingSettings()
    with pytest.raises(FileRejected) as error:
        read_csv(io.BytesIO("a,b\n1,2\n".encode("utf-16-le")), settings)
    assert error.value.reason_code == "undecodable"
    with pytest.raises(FileRejected) as error:
        read_csv(io.BytesIO(b"\n\n  \n"), settings)
    assert error.value.reason_code == "empty"


def test_a_big_file_read_in_batches_gives_what_it_gives_read_whole(tmp_path, contract):
    """Duplicates and key conflicts are found across batches; row numbers run on."""
    rng = np.random.default_rng(5)
    lines = ["customer_id,customer_name,created_date,annual_purchase_cny"]
    for i in range(3000):
        note = '"多行\n备注"' if i % 97 == 0 else f"客户{i}"
        lines.append(f"K{i},{note},2026-01-{1 + i % 28:02d},{rng.integers(1, 10**6)}")
    lines += [lines[10], lines[2000].replace("客户", "改名"), 'K9999,"never closed,,']
    data = ("\n".join(lines) + "\n").encode()
    results = {}
    for label, batch_mb in (("whole", 64.0), ("batches", 0.004)):  # 0.004 MB: ~25 batches
        root = tmp_path / label / "shop"
        root.mkdir(parents=True)
        (root / "customers_big.csv").write_bytes(data)
        settings = replace(
            contract.landing, batch_mb=batch_mb, csv=CsvSettings(max_lines_per_row=3)
        )
        small = replace(contract, landing=settings)
        with duckdb.connect(str(tmp_path / f"{label}.duckdb")) as conn:
            [result] = ingest_table(
                conn, small, small.table("shop", "customers"), root.parent
            ).files
            rows = conn.execute(
                "select _source_row, customer_id, customer_name from raw_shop.customers order by 1"
            ).fetchall()
            quarantine = conn.execute(
                "select row_number, reason_code from ingest.quarantine order by 1"
            ).fetchall()
        results[label] = (result.rows_read, result.rows_loaded, result.rows_quarantined,
                          result.rows_duplicate, rows, quarantine)  # fmt: skip
    assert results["whole"] == results["batches"]
    read, loaded, quarantined, duplicate, rows, quarantine = results["whole"]
    assert (read, loaded, quarantined, duplicate) == (3003, 3000, 2, 1)
    assert quarantine == [(3034, "duplicate_key_conflict"), (3035, "unterminated_quote")]
    assert rows[-1][0] == 3032 and rows[1] == (4, "K1", "客户1")  # physical rows, past the cells
