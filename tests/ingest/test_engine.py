"""The ingestion engine on hand-written files: one per format case, then the failure cases."""

import codecs
import json
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest

from pipelines.ingest.contract import Column
from pipelines.ingest.engine import ingest_table, unmatched_files


def ingest_all(conn, contract, landing):
    return {t.name: ingest_table(conn, contract, t, landing) for t in contract.tables}


def audit(conn):
    rows = conn.execute(
        "select file_path, status, encoding, rows_read, rows_loaded, rows_quarantined, "
        "rows_duplicate, error_code, error_message from ingest.file_audit order by file_path"
    ).fetchall()
    keys = ["path", "status", "encoding", "read", "loaded", "quarantined", "duplicate", "code"]
    return {row[0]: dict(zip(keys + ["message"], row, strict=True)) for row in rows}


def test_every_format_case_loads(conn, contract, landing):
    ingest_all(conn, contract, landing)
    customers = dict(
        conn.execute(
            "select customer_id, struct_pack(customer_name, level, created_date, "
            "annual_purchase_cny, is_key) from raw_shop.customers"
        ).fetchall()
    )
    assert customers == {
        # GBK with Chinese headers, 2026/1/5, 12.8万, 是
        "C1": {
            "customer_name": "宁波精机",
            "level": "A",
            "created_date": date(2026, 1, 5),
            "annual_purchase_cny": Decimal("128000.00"),
            "is_key": True,
        },
        # 2026年1月6日, ￥128,000 (GBK has only the full-width yen sign), canonical value spelling
        "C2": {
            "customer_name": "杭州电气",
            "level": "B",
            "created_date": date(2026, 1, 6),
            "annual_purchase_cny": Decimal("128000.00"),
            "is_key": False,
        },
        # UTF-8 with BOM, English alias header "Customer", 20260107, RMB 12.8w
        "C3": {
            "customer_name": "绍兴纺机",
            "level": "A",
            "created_date": date(2026, 1, 7),
            "annual_purchase_cny": Decimal("128000.00"),
            "is_key": None,
        },
        # plain UTF-8, Excel serial date in a CSV, full-width digits
        "C4": {
            "customer_name": "温州阀门",
            "level": None,
            "created_date": date(2026, 1, 7),  # serial 46029
            "annual_purchase_cny": Decimal("128000.00"),
            "is_key": None,
        },
        # .xlsx: a real date cell, a number cell
        "C5": {
            "customer_name": "台州模具",
            "level": None,
            "created_date": date(2026, 1, 9),
            "annual_purchase_cny": Decimal("250000.00"),
            "is_key": None,
        },
        # .xlsx: an Excel serial in a number cell, 3.5万 in a text cell
        "C6": {
            "customer_name": "金华五金",
            "level": None,
            "created_date": date(2026, 1, 10),  # serial 46032
            "annual_purchase_cny": Decimal("35000.00"),
            "is_key": None,
        },
    }
    orders = conn.execute(
        "select order_id, ordered_at, quantity, lines, _source_row from raw_shop.orders "
        "order by order_id"
    ).fetchall()
    assert orders == [
        # JSON object with a "data" array; UTC converted to Asia/Shanghai; nested JSON kept as
        # written
        ("O1", datetime(2026, 1, 5, 10, 0), 3, '[{"sku": "XK-200", "qty": 3}]', 1),
        # JSON lines; the blank line 2 is not a row, so O3 is line 3
        ("O2", datetime(2026, 1, 6, 9, 30), 2, None, 1),
        ("O3", datetime(2026, 1, 7, 8, 5, 9), None, None, 3),
    ]
    encodings = {path: row["encoding"] for path, row in audit(conn).items()}
    assert encodings["shop/customers_gbk.csv"] == "gb18030"
    assert encodings["shop/customers_bom.csv"] == "utf-8-sig"
    assert encodings["shop/customers_utf8.csv"] == "utf-8"


def test_conservation_and_quarantine_reasons(conn, contract, landing):
    (landing / "shop" / "customers_bad.csv").write_text(
        "customer_id,customer_name,created_date,annual_purchase_cny,level,vip\n"
        "B1,好客户,2026-01-05,100,A,yes\n"  # row 2: loaded; 'vip' kept aside
        "B2,坏日期,2026-02-30,100,A,\n"  # row 3: unparseable_date
        "B3,负金额,2026-01-05,-100,A,\n"  # row 4: out_of_range
        "B4,,2026-01-05,100,A,\n"  # row 5: missing_required
        "B5,错等级,2026-01-05,100,Z,\n"  # row 6: invalid_value
        "B1,好客户,2026-01-05,100,A,yes\n"  # row 7: exact duplicate of row 2
        "B1,另一个,2026-01-05,100,A,yes\n"  # row 8: duplicate_key_conflict
        "B6,截断\n",  # row 9: wrong_field_count
        encoding="utf-8",
    )
    (landing / "shop" / "orders_bad.jsonl").write_text(
        '{"order_id": "X1", "customer_id": "C1", "ordered_at": "2026-01-05 10:00"}\n'
        '{"order_id": "X2", "customer_id": "NOPE", "ordered_at": "2026-01-05 10:00"}\n'
        '{"order_id": "X3", "customer_id": "C1", "ordered_at": "yesterday"}\n'
        '{"order_id": "X4", "customer_id": "C1", "ordered_at": "2026-01-05 1\n',
        encoding="utf-8",
    )
    ingest_all(conn, contract, landing)
    rows = audit(conn)
    for row in rows.values():
        assert row["read"] == row["loaded"] + row["quarantined"] + row["duplicate"]
    assert rows["shop/customers_bad.csv"] | {"message": None} == {
        "path": "shop/customers_bad.csv",
        "status": "loaded",
        "encoding": "utf-8",
        "read": 8,
        "loaded": 1,
        "quarantined": 6,
        "duplicate": 1,
        "code": None,
        "message": None,
    }
    reasons = conn.execute(
        "select file_path, row_number, column_name, raw_value, reason_code from ingest.quarantine "
        "order by file_path, row_number"
    ).fetchall()
    assert reasons == [
        ("shop/customers_bad.csv", 3, "created_date", "2026-02-30", "unparseable_date"),
        ("shop/customers_bad.csv", 4, "annual_purchase_cny", "-100", "out_of_range"),
        ("shop/customers_bad.csv", 5, "customer_name", None, "missing_required"),
        ("shop/customers_bad.csv", 6, "level", "Z", "invalid_value"),
        ("shop/customers_bad.csv", 8, "customer_id", "B1", "duplicate_key_conflict"),
        ("shop/customers_bad.csv", 9, None, None, "wrong_field_count"),
        ("shop/orders_bad.jsonl", 2, "customer_id", "NOPE", "unknown_reference"),
        ("shop/orders_bad.jsonl", 3, "ordered_at", "yesterday", "unparseable_timestamp"),
        ("shop/orders_bad.jsonl", 4, None, None, "invalid_json"),
    ]
    message = conn.execute(
        "select reason from ingest.quarantine where row_number = 3 and file_path like '%.csv'"
    ).fetchone()[0]
    assert "customers_bad.csv" in message and "row 3" in message and "created_date" in message
    extra = conn.execute(
        "select _extra from raw_shop.customers where customer_id = 'B1'"
    ).fetchone()[0]
    assert json.loads(extra) == {"vip": "yes"}


def test_second_run_changes_nothing_and_a_new_version_replaces_the_old(conn, contract, landing):
    ingest_all(conn, contract, landing)
    snapshot = conn.execute("select * from raw_shop.customers order by all").fetchall()
    again = ingest_all(conn, contract, landing)
    assert {f.status for r in again.values() for f in r.files} == {"unchanged"}
    assert conn.execute("select * from raw_shop.customers order by all").fetchall() == snapshot

    # a corrected re-export of the same file replaces what it loaded before
    path = landing / "shop" / "customers_utf8.csv"
    path.write_text(
        "customer_id,customer_name,created_date\nC4,温州阀门厂,2026-01-09\nC7,新客户,2026-01-10\n",
        encoding="utf-8",
    )
    ingest_all(conn, contract, landing)
    from_file = conn.execute(
        "select customer_id, customer_name from raw_shop.customers "
        "where _source_file = 'shop/customers_utf8.csv' order by 1"
    ).fetchall()
    assert from_file == [("C4", "温州阀门厂"), ("C7", "新客户")]
    assert conn.execute("select count(*) from raw_shop.customers").fetchone()[0] == 7


def test_a_changed_table_contract_reloads_its_files(conn, contract, landing):
    ingest_all(conn, contract, landing)
    customers = contract.table("shop", "customers")
    widened = replace(
        customers,
        columns=(*customers.columns, Column("city", "string", aliases=("城市",))),
    )
    (landing / "shop" / "customers_utf8.csv").write_text(
        "customer_id,customer_name,城市\nC4,温州阀门,温州\n", encoding="utf-8"
    )
    result = ingest_table(conn, contract, widened, landing)
    statuses = {f.path: f.status for f in result.files}
    # every file of the table is reloaded under the new contract, not only the changed one
    assert set(statuses.values()) == {"loaded"}
    assert conn.execute(
        "select city from raw_shop.customers where customer_id = 'C4'"
    ).fetchone() == ("温州",)
    again = ingest_table(conn, contract, widened, landing)
    assert {f.status for f in again.files} == {"unchanged"}


@pytest.mark.parametrize(
    "name, content, code, words",
    [
        (
            "customers_latin1.csv",
            "customer_id,customer_name\nC9,Zürich\n".encode("utf-16-le"),
            "undecodable",
            ["not text"],
        ),
        (
            "customers_noid.csv",
            "客户,等级\n宁波,A\n".encode(),
            "missing_required_column",
            ["customer_id", "客户"],
        ),
        (
            "customers_twice.csv",
            "客户编号,customer_id,客户名称\nC1,C1,x\n".encode(),
            "ambiguous_header",
            ["客户编号", "customer_id"],
        ),
        (
            "customers_cut.xlsx",
            b"PK\x03\x04truncated",
            "unreadable",
            ["xlsx"],
        ),
        ("customers_empty.csv", codecs.BOM_UTF8, "empty", ["header"]),
    ],
)
def test_unreadable_files_are_rejected_whole_with_a_message(
    conn, contract, landing, name, content, code, words
):
    (landing / "shop" / name).write_bytes(content)
    results = ingest_all(conn, contract, landing)
    rejected = results["customers"].rejected
    assert [f.path for f in rejected] == [f"shop/{name}"]
    assert rejected[0].error_code == code
    message = rejected[0].describe_error()
    assert f"shop/{name}" in message
    for word in words:
        assert word in message
    # nothing from it is loaded; the other files of the table and the other tables are
    assert (
        conn.execute(
            "select count(*) from raw_shop.customers where _source_file = ?", [f"shop/{name}"]
        ).fetchone()[0]
        == 0
    )
    assert conn.execute("select count(*) from raw_shop.customers").fetchone()[0] == 6
    assert conn.execute("select count(*) from raw_shop.orders").fetchone()[0] == 3
    assert audit(conn)[f"shop/{name}"]["status"] == "rejected"


def test_files_matching_no_table_are_listed(contract, landing):
    (landing / "shop" / "refunds.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    (landing / "_manifest.json").write_text("{}", encoding="utf-8")
    (landing / "shop" / "_truth").mkdir()
    (landing / "shop" / "_truth" / "x.csv").write_text("a\n", encoding="utf-8")
    assert unmatched_files(contract, landing) == ["shop/refunds.csv"]


def test_a_column_can_come_from_the_file_path(conn, tmp_path):
    from pipelines.ingest.contract import load_contract

    path = tmp_path / "contract.yaml"
    path.write_text(
        "landing: {settle_seconds: 0}\n"
        "sources:\n  sheets:\n    tables:\n      visits:\n        files: ['sheets/*.csv']\n"
        "        primary_key: [rep_id, seq_no]\n        columns:\n"
        "          rep_id: {type: string, required: true, from_path: '^sheets/([^_/]+)_'}\n"
        "          seq_no: {type: integer, required: true, aliases: [序号]}\n",
        encoding="utf-8",
    )
    contract = load_contract(path)
    landing = tmp_path / "landing" / "sheets"
    landing.mkdir(parents=True)
    (landing / "E1004_孙鑫拜访记录.csv").write_text("序号\n1\n2\n", encoding="utf-8")
    (landing / "E1005_周.csv").write_text("rep_id,序号\nE7,1\n", encoding="utf-8")  # column wins
    (landing / "nameless.csv").write_text("序号\n1\n", encoding="utf-8")
    result = ingest_table(conn, contract, contract.table("sheets", "visits"), tmp_path / "landing")
    assert conn.execute("select rep_id, seq_no from raw_sheets.visits order by all").fetchall() == [
        ("E1004", 1),
        ("E1004", 2),
        ("E7", 1),
    ]
    [rejected] = result.rejected
    assert rejected.path == "sheets/nameless.csv"
    assert "from the file's path" in rejected.error_message
