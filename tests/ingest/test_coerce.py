from datetime import date, datetime
from decimal import Decimal

import polars as pl
import pytest

from pipelines.ingest.coerce import coerce as coerce_series
from pipelines.ingest.contract import Column, Plausibility


def coerce(
    column: Column, values: list[str | None], rules: Plausibility | None = None
) -> tuple[list, list]:
    series = pl.Series("v", values, dtype=pl.String)
    result = coerce_series(column, series, "Asia/Shanghai", rules, today=date(2026, 6, 1))
    return result.value.to_list(), result.reason.to_list()


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-01-05", date(2026, 1, 5)),
        ("2026/1/5", date(2026, 1, 5)),
        ("2026.1.5", date(2026, 1, 5)),
        ("2026年1月5日", date(2026, 1, 5)),
        ("２０２６年１月５日", date(2026, 1, 5)),  # full-width digits
        ("20260105", date(2026, 1, 5)),
        ("46027", date(2026, 1, 5)),  # Excel serial
        ("2026-01-05 00:00:00", date(2026, 1, 5)),  # how a workbook's date cell reads
    ],
)
def test_date_styles(text, expected):
    values, reasons = coerce(Column("d", "date"), [text])
    assert values == [expected]
    assert reasons == [None]


@pytest.mark.parametrize("text", ["2026-13-01", "2026-02-30", "next monday", "5/1/2026", "12"])
def test_unparseable_dates_are_reasons_not_nulls(text):
    values, reasons = coerce(Column("d", "date"), [text])
    assert values == [None]
    assert reasons == ["unparseable_date"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026-01-05 09:30", datetime(2026, 1, 5, 9, 30)),
        ("2026/1/5 8:05:09", datetime(2026, 1, 5, 8, 5, 9)),
        ("2026年1月5日 9时30分", datetime(2026, 1, 5, 9, 30)),
        ("2026-01-05T01:30:00Z", datetime(2026, 1, 5, 9, 30)),  # UTC → Asia/Shanghai
        ("2026-01-05T09:30:00+08:00", datetime(2026, 1, 5, 9, 30)),
        ("2026-01-04T20:30:00-05:00", datetime(2026, 1, 5, 9, 30)),
        ("46027.5", datetime(2026, 1, 5, 12, 0)),
        ("1767576600", datetime(2026, 1, 5, 9, 30)),  # epoch seconds (WeCom), UTC → local
        ("1767576600000", datetime(2026, 1, 5, 9, 30)),  # epoch milliseconds
        ("2026-01-05", datetime(2026, 1, 5)),
    ],
)
def test_timestamp_styles(text, expected):
    values, reasons = coerce(Column("t", "timestamp"), [text])
    assert values == [expected]
    assert reasons == [None]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("128000", "128000.00"),
        ("¥128,000", "128000.00"),
        ("￥128,000", "128000.00"),
        ("128000元", "128000.00"),
        ("12.8万", "128000.00"),
        ("12.8 万元", "128000.00"),
        ("RMB 12.8w", "128000.00"),
        ("１２.８万", "128000.00"),
        ("1.2亿", "120000000.00"),
        ("99.995", "100.00"),
    ],
)
def test_amount_styles(text, expected):
    values, reasons = coerce(Column("a", "amount_cny"), [text])
    assert values == [Decimal(expected)]
    assert reasons == [None]


def test_negative_amount_is_out_of_range_only_with_a_minimum():
    assert coerce(Column("a", "amount_cny", min=0), ["-500"])[1] == ["out_of_range"]
    assert coerce(Column("a", "amount_cny"), ["-500"]) == ([Decimal("-500.00")], [None])
    assert coerce(Column("a", "amount_cny", min=0), ["0"])[1] == [None]


def test_unparseable_number():
    assert coerce(Column("a", "amount_cny"), ["about 5k"])[1] == ["unparseable_number"]
    assert coerce(Column("n", "integer"), ["2.5", "3", "1,200"]) == (
        [None, 3, 1200],
        ["unparseable_number", None, None],
    )


def test_required_and_empty_cells():
    values, reasons = coerce(Column("s", "string", required=True), ["  ", None, " x "])
    assert values == [None, None, "x"]
    assert reasons == ["missing_required", "missing_required", None]
    # an optional empty cell is simply null
    assert coerce(Column("s", "date"), [""]) == ([None], [None])


def test_values_map_spellings_to_canonical_codes():
    column = Column("stage", "string", values={"demo": ("方案演示",), "won": ("赢单", "已成交")})
    values, reasons = coerce(column, ["方案演示", "DEMO", " 已成交 ", "谈判中", None])
    assert values == ["demo", "demo", "won", None, None]
    assert reasons == [None, None, None, "invalid_value", None]


def test_booleans():
    values, reasons = coerce(Column("b", "boolean"), ["是", "否", "TRUE", "0", "maybe"])
    assert values == [True, False, True, False, None]
    assert reasons == [None, None, None, None, "invalid_value"]


@pytest.mark.parametrize(
    "text", ["1.234,50", "1 234,50", "12,5", "1,2345", "1.234.567", "¥1.234,50", "1.234,50万"]
)
def test_ambiguous_numbers_are_quarantined_never_guessed(text):
    assert coerce(Column("a", "amount_cny"), [text]) == ([None], ["ambiguous_number"])


@pytest.mark.parametrize(
    "text, expected",
    [("1,234.50", "1234.50"), ("1 234.50", "1234.50"), ("1,234,567", "1234567.00")],
)
def test_unambiguous_separators_are_read(text, expected):
    assert coerce(Column("a", "amount_cny"), [text]) == ([Decimal(expected)], [None])


def test_malformed_numbers_are_unparseable_not_ambiguous():
    assert (
        coerce(Column("a", "amount_cny"), ["12.8.0万", "约十万", "inf", "nan"])[1]
        == ["unparseable_number"] * 4
    )


PHONE = Plausibility(
    max=1e9, patterns=(("a phone number", r"^\+?(86)?[\s-]*1[3-9]\d([\s-]*\d){8}$"),)
)


@pytest.mark.parametrize("text", ["13812345678", "+86 138 1234 5678", "138-1234-5678"])
def test_a_phone_number_in_an_amount_column_is_implausible(text):
    assert coerce(Column("a", "amount_cny"), [text], PHONE)[1] == ["implausible_value"]


def test_amount_bounds_come_from_the_rules():
    values, reasons = coerce(Column("a", "amount_cny", min=0), ["999999999", "1000000001"], PHONE)
    assert reasons == [None, "out_of_range"]
    assert values[0] == Decimal("999999999.00")


def test_dates_too_far_ahead_or_too_early_are_out_of_range():
    rules = Plausibility(max_days_ahead=30, not_before=date(2000, 1, 1))
    _, reasons = coerce(
        Column("d", "date"), ["2026-07-01", "2026-07-02", "1999-12-31", "2000-01-01"], rules
    )
    assert reasons == [None, "date_out_of_range", "date_out_of_range", None]
    _, reasons = coerce(Column("t", "timestamp"), ["2062-01-05 10:00"], rules)
    assert reasons == ["date_out_of_range"]


def test_cleaning_equals_nfkc_whatever_the_text():
    """NFKC is skipped only for plain ASCII: the result is NFKC's, trimmed, whatever the text."""
    import random
    import unicodedata

    from pipelines.ingest.coerce import clean

    rng = random.Random(3)
    common = [*range(0x20, 0x7F), *range(0xFF01, 0xFF5F), 0x3000, *range(0x4E00, 0x4E40),
              *range(0x3001, 0x3020)]  # fmt: skip
    rare = [0x301, 0x308, 0x1100, 0x1161, 0x2460, 0x2160, 0xFB01, 0x212B, 0x3099, 0x304B, 0xF900,
            0xA0, 0xBD, 0x2002, 0xFF61, 0xFFE5]  # fmt: skip
    for pool in (common, common + rare):
        values = ["".join(chr(rng.choice(pool)) for _ in range(rng.randint(0, 10)))
                  for _ in range(20_000)]  # fmt: skip
        expected = [unicodedata.normalize("NFKC", v).strip() or None for v in values]
        assert clean(pl.Series(values)).to_list() == expected
