"""A hostile landing corpus: the files real users and broken systems drop beside good extracts.

:func:`write_corpus` writes them into a landing folder (next to a generated company, whose ids the
good rows use) and returns, for each, what must happen to it: loaded, partly quarantined (with the
rows and reasons), rejected or skipped (with the reason). The expected row counts are counted here,
from how each file is built — independently of the readers' own line scan and of the parser.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import xlsxwriter

SECRET = "LASTMILE_SECRET_TOKEN=do-not-leak-8c1f2e"
SETTLING = "crm/sales_logs_h33_still_copying.csv"
LOG_HEADER = ["日志编号", "客户编号", "联系人编号", "销售工号", "拜访时间", "场景模板", "商机编号",
              "摘要", "客户需求", "演示产品", "参与人", "录音摘要", "备注"]  # fmt: skip
ORDER_HEADER = ["订单编号", "订单日期", "客户编号", "客户名称", "产品型号", "数量", "单价", "金额",
                "销售员工号"]  # fmt: skip
OPPORTUNITY_HEADER = ["商机编号", "商机名称", "客户编号", "负责人工号", "阶段", "金额", "创建时间"]


@dataclass(frozen=True)
class Refs:
    """Ids of the generated company that good rows refer to."""

    customer: str
    contact: str
    rep: str
    rep_without_sheet: str
    message: dict
    meeting: dict


@dataclass
class Expect:
    path: str  # as the audit names it
    what: str
    status: str  # loaded | rejected | skipped
    code: str | None = None  # error_code of a rejected or skipped file
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicate: int = 0
    reasons: list[tuple[int, str]] = field(default_factory=list)  # (row, reason_code)
    source_rows: list[int] | None = None  # the loaded rows' row numbers, when checked
    table: str = ""  # qualified raw table, for source_rows
    good_ids: list[str] = field(default_factory=list)  # sales logs that must reach the marts
    warning: str | None = None  # a word the audit's warning must hold


class Ids:
    def __init__(self) -> None:
        self.n = 0

    def log(self) -> str:
        self.n += 1
        return f"SLH{self.n:06d}"


def _csv(rows: list[list[str]], sep: str = ",", newline: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerows(rows)
    return out.getvalue()


def write_corpus(landing: Path, outside: Path, refs: Refs) -> list[Expect]:
    ids = Ids()
    expects: list[Expect] = []

    def log(**over: str) -> list[str]:
        values = {
            "日志编号": ids.log(),
            "客户编号": refs.customer,
            "联系人编号": refs.contact,
            "销售工号": refs.rep,
            "拜访时间": "2026-10-15 10:00:00",
            "场景模板": "售后回访",
            "商机编号": "",
            "摘要": "售后回访，了解设备运行情况",
            "客户需求": "",
            "演示产品": "",
            "参与人": "",
            "录音摘要": "",
            "备注": "客户提出要看同行业案例",
        }
        values.update(over)
        return [values[h] for h in LOG_HEADER]

    def put(rel: str, data: bytes | str, encoding: str = "utf-8") -> Path:
        path = landing / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
        return path

    def logs_file(rel, what, rows, sep=",", newline="\n", encoding="utf-8", prefix=b"", **kw):
        text = _csv([LOG_HEADER, *rows], sep, newline)
        put(rel, prefix + text.encode(encoding))
        good = [r[0] for r in rows]
        expects.append(Expect(rel, what, "loaded", read=len(rows), loaded=len(rows),
                              good_ids=good, **kw))  # fmt: skip

    # --- loaded whole -------------------------------------------------------------------------
    logs_file("crm/sales_logs_h01_good.csv", "a clean UTF-8 extract", [log() for _ in range(5)])
    logs_file("crm/sales_logs_h02_bom_crlf.csv", "UTF-8 with BOM and CRLF line ends",
              [log() for _ in range(3)], newline="\r\n", prefix=codecs.BOM_UTF8)  # fmt: skip
    logs_file("crm/sales_logs_h03_gbk.csv", "GBK, as Excel on Chinese Windows saves it",
              [log() for _ in range(3)], encoding="gbk")  # fmt: skip
    logs_file("crm/sales_logs_h04_semicolon.csv", "semicolon-separated (European Excel)",
              [log(摘要="回访; 分号也在内容里") for _ in range(3)], sep=";")  # fmt: skip
    logs_file("crm/sales_logs_h05_tabs.csv", "tab-separated although named .csv",
              [log() for _ in range(3)], sep="\t")  # fmt: skip
    logs_file("crm/sales_logs_h23_utf16.csv", "UTF-16 with a byte-order mark",
              [log() for _ in range(2)], encoding="utf-16")  # fmt: skip
    logs_file("crm/sales_logs_h41_bom_gbk.csv", "a UTF-8 byte-order mark before GBK text",
              [log() for _ in range(2)], encoding="gbk", prefix=codecs.BOM_UTF8)  # fmt: skip
    huge = "很长的备注" * 40_000  # 200,000 characters in one cell
    logs_file("crm/sales_logs_h13_huge_cell.csv", "a 200,000-character cell",
              [log(备注=huge), log()])  # fmt: skip

    multiline = [log(), log(备注="第一行\n第二行，有逗号\n第三行"), log()]
    logs_file("crm/sales_logs_h07_multiline.csv", "a quoted cell over three lines", multiline,
              source_rows=[2, 3, 6], table="raw_crm.sales_logs")  # fmt: skip

    rows = [log(), log(), log()]
    text = _csv([LOG_HEADER]) + "\n" + _csv(rows[:1]) + ",,,,,,,,,,,,\n\n" + _csv(rows[1:])
    put("crm/sales_logs_h19_blank_lines.csv", text)
    expects.append(Expect("crm/sales_logs_h19_blank_lines.csv", "blank and ,,,, lines between rows",
                          "loaded", read=3, loaded=3, source_rows=[3, 6, 7],
                          table="raw_crm.sales_logs", good_ids=[r[0] for r in rows]))  # fmt: skip

    rows = [log() for _ in range(2)]
    name = os.path.join(os.fsencode(landing / "crm"), b"sales_logs_h32_\xc9\xcf\xba\xa3.csv")
    with open(name, "wb") as handle:  # the name is GBK bytes, not UTF-8
        handle.write(_csv([LOG_HEADER, *rows]).encode())
    expects.append(Expect("crm/sales_logs_h32_上海.csv", "a file name in GBK bytes", "loaded",
                          read=2, loaded=2, good_ids=[r[0] for r in rows]))  # fmt: skip

    put("crm/sales_logs_h18_header_only.csv", _csv([LOG_HEADER]))
    expects.append(Expect("crm/sales_logs_h18_header_only.csv", "a header and no rows", "loaded"))

    # --- partly quarantined -------------------------------------------------------------------
    rows = [log() for _ in range(40)]
    lines = _csv([LOG_HEADER, *rows]).splitlines()
    lines[10] = lines[10].replace("售后回访，了解设备运行情况", '"售后回访，引号没有闭合')
    put("crm/sales_logs_h06_unterminated.csv", "\n".join(lines) + "\n")
    expects.append(Expect("crm/sales_logs_h06_unterminated.csv",
                          "a stray quote that never closes (it used to swallow the file)",
                          "loaded", read=40, loaded=39, quarantined=1,
                          reasons=[(11, "unterminated_quote")]))  # fmt: skip

    opening = log(备注="开头\n" + "\n".join(f"第{i}行" for i in range(2, 35)) + "\n结尾")
    text = _csv([LOG_HEADER, log(), log(), opening])
    put("crm/sales_logs_h08_long_cell.csv", text)
    # lines: header, 2 good rows, the opening row (4), 33 lines inside the cell (5–37), the
    # closing line (38): the cell runs over 35 lines, more than the 30 a row may span
    expects.append(Expect("crm/sales_logs_h08_long_cell.csv",
                          "a quoted cell over 35 lines (more than a row may span)", "loaded",
                          read=37, loaded=2, quarantined=35,
                          reasons=[(4, "unterminated_quote"),
                                   *[(r, "wrong_field_count") for r in range(5, 38)],
                                   (38, "malformed_quotes")]))  # fmt: skip

    rows = [log() for _ in range(5)]
    text = _csv([LOG_HEADER, *rows])
    put("crm/sales_logs_h09_truncated.csv", text[: text.rindex("客户提出") + 2])
    expects.append(Expect("crm/sales_logs_h09_truncated.csv",
                          "a copy cut inside its last cell", "loaded", read=5, loaded=4,
                          quarantined=1, reasons=[(6, "truncated_row")]))  # fmt: skip

    rows = [log() for _ in range(3)] + [log(摘要="回访，内容, 有逗号")]
    text = _csv([LOG_HEADER, *rows])
    put("crm/sales_logs_h10_cut_in_quote.csv", text[: text.rindex("有逗号")])
    expects.append(Expect("crm/sales_logs_h10_cut_in_quote.csv",
                          "a copy cut inside a quoted cell", "loaded", read=4, loaded=3,
                          quarantined=1, reasons=[(5, "truncated_row")]))  # fmt: skip

    rows = [log(), log(摘要="回访\x00记录"), log(), log()]
    put("crm/sales_logs_h11_nul.csv", _csv([LOG_HEADER, *rows]))
    expects.append(Expect("crm/sales_logs_h11_nul.csv", "a NUL byte in one row", "loaded",
                          read=4, loaded=3, quarantined=1,
                          reasons=[(3, "control_characters")]))  # fmt: skip

    rows = [log() for _ in range(4)]
    data = [line.encode() for line in _csv([LOG_HEADER, *rows]).splitlines(keepends=True)]
    data[2] = data[2].decode().encode("gbk")
    put("crm/sales_logs_h12_mixed_encoding.csv", b"".join(data))
    expects.append(Expect("crm/sales_logs_h12_mixed_encoding.csv",
                          "one GBK line in a UTF-8 file", "loaded", read=4, loaded=3,
                          quarantined=1, reasons=[(3, "undecodable_line")]))  # fmt: skip

    rows = [log(), log()]
    text = _csv([LOG_HEADER, rows[0]]) + ";".join(log()) + "\n" + _csv([rows[1]])
    put("crm/sales_logs_h14_row_with_semicolons.csv", text)
    expects.append(Expect("crm/sales_logs_h14_row_with_semicolons.csv",
                          "one row written with another delimiter", "loaded", read=3, loaded=2,
                          quarantined=1, reasons=[(3, "wrong_field_count")]))  # fmt: skip

    first = log()
    conflict = list(first)
    conflict[7] = "同一编号，内容不同"
    rows = [first, log(), list(first), conflict]
    put("crm/sales_logs_h20_duplicates.csv", _csv([LOG_HEADER, *rows]))
    expects.append(Expect("crm/sales_logs_h20_duplicates.csv",
                          "an exact copy of a row and a row reusing its id", "loaded", read=4,
                          loaded=2, duplicate=1, quarantined=1,
                          reasons=[(5, "duplicate_key_conflict")]))  # fmt: skip

    rows = [log(拜访时间="46310.4375"), log(拜访时间="2062-01-05 10:00:00"),
            log(拜访时间="2026-02-30 10:00:00"), log(场景模板="随便聊聊")]  # fmt: skip
    put("crm/sales_logs_h21_values.csv", _csv([LOG_HEADER, *rows]))
    expects.append(Expect("crm/sales_logs_h21_values.csv",
                          "an Excel serial, a date decades ahead, 30 February, a template that "
                          "does not exist", "loaded", read=4, loaded=1, quarantined=3,
                          reasons=[(3, "date_out_of_range"), (4, "unparseable_timestamp"),
                                   (5, "invalid_value")]))  # fmt: skip

    rows = [log(), log(), log()]
    text = _csv([LOG_HEADER, *rows]).replace("了解设备运行情况", '演示5" 屏幕', 1)
    put("crm/sales_logs_h22_inch_mark.csv", text)
    expects.append(Expect("crm/sales_logs_h22_inch_mark.csv",
                          'a quote inside an unquoted cell (5" screen)', "loaded", read=3,
                          loaded=2, quarantined=1, reasons=[(2, "malformed_quotes")]))  # fmt: skip

    amounts = [
        "1.234,50",
        "1 234,50",
        "+86 138 1234 5678",
        "13812345678",
        "2,000,000,000",
        "约十万",
    ]
    rows = [[f"OPH{i:04d}", "敌意测试商机", refs.customer, refs.rep, "赢单", amount,
             "2026-09-01 09:00:00"] for i, amount in enumerate(amounts, start=1)]  # fmt: skip
    put("crm/opportunities_h25_amounts.csv", _csv([OPPORTUNITY_HEADER, *rows]))
    expects.append(Expect("crm/opportunities_h25_amounts.csv",
                          "amounts that are ambiguous, phone numbers, too large, not numbers",
                          "loaded", read=6, quarantined=6,
                          reasons=[(2, "ambiguous_number"), (3, "ambiguous_number"),
                                   (4, "implausible_value"), (5, "implausible_value"),
                                   (6, "out_of_range"), (7, "unparseable_number")]))  # fmt: skip

    expects.append(_orders_workbook(landing / "erp" / "orders_h26_sheet.xlsx", refs))

    message = dict(refs.message, msgid="wxmsgH1", msgtime="2026-10-15T10:00:00+08:00")
    renamed = {("MsgID" if k == "msgid" else k): v for k, v in message.items()}
    renamed["MsgID"] = "wxmsgH2"
    both = dict(message, msgid="wxmsgH3", MsgID="wxmsgH3b")
    lines = [json.dumps(message, ensure_ascii=False), json.dumps(renamed, ensure_ascii=False),
             json.dumps(both, ensure_ascii=False), '{"msgid": "wxmsgH4", "action": "se', "",
             "[1, 2]"]  # fmt: skip
    put("wecom/messages_h34.jsonl", "\n".join(lines) + "\n")
    expects.append(Expect("wecom/messages_h34.jsonl",
                          "JSON lines: MsgID for msgid, both in one record, a cut line, an array",
                          "loaded", read=5, loaded=2, quarantined=3,
                          reasons=[(3, "conflicting_keys"), (4, "invalid_json"),
                                   (6, "invalid_json")]))  # fmt: skip

    meetings = [dict(refs.meeting, meetingId=f"MTH{i}") for i in (1, 2)]
    meetings = [{k: v for k, v in m.items() if k != "meeting_id"} for m in meetings]
    put(
        "meetings/meetings_h35.json",
        json.dumps({"data": [meetings[0], "not a meeting", meetings[1]]}, ensure_ascii=False),
    )
    expects.append(Expect("meetings/meetings_h35.json", "a JSON array holding a string",
                          "loaded", read=3, loaded=2, quarantined=1,
                          reasons=[(2, "invalid_json")]))  # fmt: skip

    sheet = f"rep_sheets/{refs.rep_without_sheet}_h38拜访记录.csv"
    put(sheet, _csv([["序号", "业务员", "拜访日期", "客户名称", "联络人(新)", "拜访内容"],
                     ["9001", "测试", "2026/10/12", "某客户", "王工", "回访"],
                     ["9002", "测试", "2026/10/13", "某客户", "王工", "回访"]]))  # fmt: skip
    expects.append(Expect(sheet, "a rep's sheet that renamed an optional column", "loaded",
                          read=2, loaded=2, warning="contact_name"))  # fmt: skip

    # --- rejected whole -----------------------------------------------------------------------
    def rejected(rel: str, data: bytes | str, code: str, what: str) -> None:
        put(rel, data)
        expects.append(Expect(rel, what, "rejected", code=code))

    rejected("crm/sales_logs_h15_hash_separated.csv",
             _csv([LOG_HEADER, log()], sep="#"), "missing_required_column",
             "separated by # (not an accepted delimiter)")  # fmt: skip
    rejected("crm/sales_logs_h16_duplicate_header.csv",
             _csv([["日志编号", *LOG_HEADER[1:], "日志编号"], [*log(), "X"]]), "ambiguous_header",
             "the same header twice")  # fmt: skip
    rejected("crm/sales_logs_h17_empty.csv", b"", "empty", "an empty file")
    rejected("crm/sales_logs_h24_utf16_no_bom.csv",
             _csv([LOG_HEADER, log()]).encode("utf-16-le"), "undecodable",
             "UTF-16 without a byte-order mark")  # fmt: skip
    rejected("crm/sales_logs_h39_picture.csv",
             b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8, "undecodable",
             "a picture renamed .csv")  # fmt: skip
    rejected("erp/orders_h27_truncated.xlsx",
             (landing / "erp" / "orders_h26_sheet.xlsx").read_bytes()[:3000], "unreadable",
             "a workbook cut off in the download")  # fmt: skip
    rejected("crm/客户导出_h36.csv", _csv([["客户编号"], ["C1"]]), "unknown_table",
             "a file no table claims")  # fmt: skip

    secret = outside / "secrets.env"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    (landing / "crm" / "sales_logs_h30_link.csv").symlink_to(secret)
    expects.append(Expect("crm/sales_logs_h30_link.csv", "a symbolic link to a secrets file "
                          "outside the folder", "rejected", code="outside_landing"))  # fmt: skip
    (landing / "crm" / "sales_logs_h31_link_inside.csv").symlink_to(
        landing / "crm" / "sales_logs_h01_good.csv"
    )
    expects.append(Expect("crm/sales_logs_h31_link_inside.csv",
                          "a symbolic link to another landing file", "rejected",
                          code="outside_landing"))  # fmt: skip

    # --- skipped ------------------------------------------------------------------------------
    for rel, what in [
        ("erp/~$orders_h28.xlsx", "an Excel lock file"),
        ("crm/.DS_Store", "macOS folder settings"),
        ("erp/Thumbs.db", "Windows thumbnails"),
        ("crm/sales_logs_h29.csv.crdownload", "a download in progress"),
        ("crm/sales_logs_h29b.csv.part", "a partial copy"),
        ("crm/导出.tmp", "a temporary file"),
    ]:
        put(rel, b"\x00junk\xff")
        expects.append(Expect(rel, what, "skipped", code="junk_file"))
    put(SETTLING, _csv([LOG_HEADER, log()]))
    expects.append(Expect(SETTLING, "a file still being copied", "skipped",
                          code="still_being_written"))  # fmt: skip
    return expects


def _orders_workbook(path: Path, refs: Refs) -> Expect:
    """An ERP workbook as people leave it: blank rows, a merged cell, formulas, an Excel error,
    a date as a serial number and as text."""
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("订单")
    day = book.add_format({"num_format": "yyyy-mm-dd"})

    def order(row: int, order_id: str | None, amount: float | None = 1000.0) -> None:
        if order_id is not None:
            sheet.write_string(row, 0, order_id)
        sheet.write_string(row, 2, refs.customer)
        sheet.write_string(row, 3, "敌意测试客户")
        sheet.write_string(row, 4, "XK-200")
        sheet.write_number(row, 5, 1)
        sheet.write_number(row, 6, 1000)
        if amount is not None:
            sheet.write_number(row, 7, amount)
        sheet.write_string(row, 8, refs.rep)

    sheet.write_row(0, 0, ORDER_HEADER)
    order(1, "OH1")
    sheet.write_datetime(1, 1, datetime(2026, 10, 1), day)  # sheet row 2
    order(3, "OH2")  # row 3 is blank
    sheet.write_number(3, 1, 46300)  # an Excel serial: 2026-10-04
    sheet.merge_range(4, 0, 5, 0, "OH3")  # rows 5–6 share the order id: row 6 has none
    for row in (4, 5):
        order(row, None)
        sheet.write_string(row, 1, "2026-10-05")
    order(6, "OH4", amount=None)
    sheet.write_formula(6, 7, "=H2*2", None, 2000)
    sheet.write_string(6, 1, "2026-10-06")
    order(7, "OH5", amount=None)
    sheet.write_formula(7, 7, "=1/0", None, "#DIV/0!")
    sheet.write_string(7, 1, "2026-10-07")
    sheet.write_string(9, 0, "  ")  # row 10: only blanks
    order(10, "OH6")
    sheet.write_string(10, 1, "2026/10/8")
    book.close()
    return Expect("erp/orders_h26_sheet.xlsx",
                  "a workbook with blank rows, a merged cell, formulas, an Excel error, dates as "
                  "serials and text", "loaded", read=7, loaded=5, quarantined=2,
                  reasons=[(6, "missing_required"), (8, "excel_error")],
                  source_rows=[2, 4, 5, 7, 11], table="raw_erp.orders")  # fmt: skip
