"""The quote extractor's plain functions, on the formats reps write in chat."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import dagster as dg
import duckdb
import pytest

from pipelines.extract.quotes import (
    TABLE,
    extract_rows,
    extract_text,
    load_patterns,
    write_wecom_quotes,
)


@pytest.fixture(scope="module")
def patterns():
    return load_patterns()


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("XK-200这套报价12.8万", "128000"),
        ("含税¥128,000,预计4周内交货", "128000"),
        ("整套总价128000元", "128000"),
        ("最新报价 RMB 12.8w（SV-220）", "128000"),
        ("总价12.8W", "128000"),
        ("最新报价 ￥1,123,700.00（RB-7）", "1123700"),
        ("报价128,000元", "128000"),
        ("人民币 35万元", "350000"),
    ],
)
def test_amount_formats(patterns, text, amount):
    assert extract_text(text, patterns).amount_cny == Decimal(amount)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("交期30天", 30),
        ("预计4周内交货", 28),
        ("货期2个月", 60),
        ("大约35天左右到货", 35),
        ("交期约5周", 35),
        ("交期 30 天", 30),
        ("报价12.8万", None),
    ],
)
def test_delivery_periods_in_days(patterns, text, days):
    assert extract_text(text, patterns).delivery_days == days


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("王总，XK-200这套报价12.8万", "XK-200"),
        ("型号 VS-60A，含税", "VS-60A"),
        ("MES-Lite整套总价", "MES-Lite"),
        ("最新报价 12.8万（RB-7）", "RB-7"),
        ("整体总价控制在12.8万以内可以吗", None),
    ],
)
def test_product_models(patterns, text, model):
    assert extract_text(text, patterns).product_model == model


def test_model_digits_and_phone_numbers_are_not_amounts(patterns):
    assert extract_text("SV-220 方案资料发您了", patterns).amount_cny is None
    assert extract_text("我电话13406047455,有事随时打", patterns).amount_cny is None
    assert extract_text("交期30天", patterns).amount_cny is None


def test_a_quote_needs_an_amount_and_a_model(patterns):
    assert extract_text("王总，XK-200这套报价12.8万,交期30天", patterns).is_quote
    assert not extract_text("整体总价控制在12.8万以内可以吗", patterns).is_quote
    assert not extract_text("朱总,我们新出了RB-7视觉方案", patterns).is_quote
    assert extract_text("", patterns).is_empty and extract_text(None, patterns).is_empty


def test_rows_keep_provenance_and_skip_messages_without_anything(patterns):
    at = datetime(2026, 1, 1)
    rows = extract_rows([("m1", "XK-200报价12.8万"), ("m2", "好的")], patterns, at)
    assert rows == [
        ("m1", Decimal("128000.00"), "12.8万", "XK-200", None, None, True, patterns.version, at)
    ]


def _raw_messages(path):
    conn = duckdb.connect(str(path))
    conn.execute("create schema raw_wecom")
    conn.execute(
        "create table raw_wecom.messages (msgid varchar, msgtype varchar, content varchar,"
        " _ingested_at timestamp, _source_file varchar, _source_row integer)"
    )
    conn.execute(
        "insert into raw_wecom.messages values"
        " ('m1', 'text', '旧版本 XK-200 报价10万', '2026-01-01', 'a', 1),"
        " ('m1', 'text', 'XK-200 报价12.8万,交期30天', '2026-01-02', 'b', 1),"
        " ('m2', 'file', 'XK-200方案12.8万.pdf', '2026-01-02', 'b', 2),"
        " ('m3', 'text', '好的', '2026-01-02', 'b', 3)"
    )
    return conn


def test_write_reads_the_latest_text_version(tmp_path, patterns):
    conn = _raw_messages(tmp_path / "w.duckdb")
    assert write_wecom_quotes(conn, patterns) == 1
    row = conn.execute(
        "select message_id, amount_cny, product_model, delivery_days, extractor_version"
        f" from {TABLE}"
    ).fetchall()
    assert row == [("m1", Decimal("128000.00"), "XK-200", 30, patterns.version)]
    # idempotent: a second run replaces the table
    assert write_wecom_quotes(conn, patterns) == 1
    assert conn.execute(f"select count(*) from {TABLE}").fetchall() == [(1,)]


def test_asset_materialises_on_a_temp_duckdb(tmp_path, monkeypatch):
    from pipelines.extract.assets import wecom_quotes
    from pipelines.resources import Warehouse

    db = tmp_path / "build.duckdb"
    _raw_messages(db).close()
    monkeypatch.setenv("LASTMILE_HOME", str(tmp_path))
    monkeypatch.setenv("LASTMILE_BUILD_DB", str(db))
    result = dg.materialize([wecom_quotes], resources={"warehouse": Warehouse.from_environment()})
    assert result.success
    conn = duckdb.connect(str(db), read_only=True)
    assert conn.execute(f"select count(*) from {TABLE} where is_quote").fetchall() == [(1,)]
