"""Turn text cells into typed values, vectorised with Polars, remembering why a cell failed.

For each contract column, :func:`coerce_column` returns two expressions: the typed value, and the
reason code when the cell is not acceptable (``None`` when it is). Accepted styles:

- every cell: Unicode NFKC (full-width digits and punctuation → half-width), trimmed; empty → null
- dates: ``2026-01-05``, ``2026/1/5``, ``2026.1.5``, ``2026年1月5日``, ``20260105``, Excel serials
- timestamps: the date styles plus ``HH:MM[:SS]`` (or ``H时M分``), ISO 8601 with ``T`` and an
  offset or ``Z`` (converted to the contract's local time zone), Excel serials with a fraction,
  Unix epoch seconds (10 digits) or milliseconds (13 digits)
- amounts: ``¥128,000``, ``128000元``, ``RMB 12.8w``, ``12.8万``, ``1.2亿``
"""

from __future__ import annotations

import polars as pl

from pipelines.ingest.contract import Column

_DATE_RE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_TIME_RE = (
    r"(?:[T\s]+(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?"
)
_TZ_RE = r"\s*(Z|[+-]\d{2}:?\d{2})?$"
_COMPACT_DATE_RE = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL_RE = r"^\d{5}(\.\d+)?$"
_EXCEL_EPOCH = pl.datetime(1899, 12, 30)

_BOOLEANS = {
    "true": True,
    "t": True,
    "yes": True,
    "y": True,
    "1": True,
    "是": True,
    "✓": True,
    "false": False,
    "f": False,
    "no": False,
    "n": False,
    "0": False,
    "否": False,
}


def clean_text(expr: pl.Expr) -> pl.Expr:
    """NFKC-normalise and trim; empty cells become null."""
    text = expr.cast(pl.String).str.normalize("NFKC").str.strip_chars()
    return pl.when(text == "").then(None).otherwise(text)


def _pad(expr: pl.Expr, width: int) -> pl.Expr:
    return expr.fill_null("0").str.pad_start(width, "0")


def _excel_serial(text: pl.Expr) -> pl.Expr:
    """Excel's day count (1899-12-30 epoch), for serials between 1927 and 2119."""
    days = pl.when(text.str.contains(_SERIAL_RE)).then(text.cast(pl.Float64, strict=False))
    in_range = days.is_between(10_000, 80_000)
    micros = (days * 86_400_000_000).round(0).cast(pl.Int64)
    return pl.when(in_range).then(_EXCEL_EPOCH + pl.duration(microseconds=micros))


def _epoch(text: pl.Expr, timezone: str) -> pl.Expr:
    """Unix time in seconds (10 digits) or milliseconds (13 digits), as WeCom's API sends it."""
    seconds = (
        pl.when(text.str.contains(r"^\d{10}$"))
        .then(text.cast(pl.Int64, strict=False) * 1_000_000)
        .when(text.str.contains(r"^\d{13}$"))
        .then(text.cast(pl.Int64, strict=False) * 1_000)
    )
    return (
        seconds.cast(pl.Datetime("us", "UTC"))
        .dt.convert_time_zone(timezone)
        .dt.replace_time_zone(None)
    )


def parse_timestamp(text: pl.Expr, timezone: str) -> pl.Expr:
    """Local naive timestamp in ``timezone``; null where the text matches no accepted style."""
    parts = text.str.extract_groups(_DATE_RE + _TIME_RE + _TZ_RE)
    stamp = pl.concat_str(
        [
            parts.struct.field("1"),
            pl.lit("-"),
            _pad(parts.struct.field("2"), 2),
            pl.lit("-"),
            _pad(parts.struct.field("3"), 2),
            pl.lit(" "),
            _pad(parts.struct.field("4"), 2),
            pl.lit(":"),
            _pad(parts.struct.field("5"), 2),
            pl.lit(":"),
            _pad(parts.struct.field("6"), 2),
        ]
    ).str.to_datetime("%Y-%m-%d %H:%M:%S", strict=False, time_unit="us")
    offset = parts.struct.field("7")
    sign = pl.when(offset.str.starts_with("-")).then(-1).otherwise(1)
    digits = offset.str.replace_all(r"[^0-9]", "")
    offset_minutes = sign * (
        digits.str.slice(0, 2).cast(pl.Int64, strict=False) * 60
        + digits.str.slice(2, 2).cast(pl.Int64, strict=False)
    )
    as_utc = stamp - pl.duration(minutes=offset_minutes.fill_null(0))
    local = (
        as_utc.dt.replace_time_zone("UTC").dt.convert_time_zone(timezone).dt.replace_time_zone(None)
    )
    with_offset = pl.when(offset.is_not_null()).then(local).otherwise(stamp)
    compact = text.str.extract_groups(_COMPACT_DATE_RE)
    compact_date = pl.concat_str(
        [compact.struct.field("1"), compact.struct.field("2"), compact.struct.field("3")]
    ).str.to_datetime("%Y%m%d", strict=False, time_unit="us")
    return pl.coalesce(with_offset, compact_date, _excel_serial(text), _epoch(text, timezone))


def parse_amount(text: pl.Expr) -> pl.Expr:
    """CNY amount as a float (rounded to fen later); null where it is not a number."""
    lowered = text.str.to_lowercase()
    multiplier = (
        pl.when(lowered.str.contains(r"(万|w)\s*(元)?$"))
        .then(10_000.0)
        .when(lowered.str.contains(r"亿\s*(元)?$"))
        .then(100_000_000.0)
        .otherwise(1.0)
    )
    digits = lowered.str.replace_all(r"(rmb|cny|¥|￥|元|万|亿|w|,|\s)", "")
    return digits.cast(pl.Float64, strict=False) * multiplier


def parse_number(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"[,\s]", "").cast(pl.Float64, strict=False)


def coerce_column(column: Column, raw: pl.Expr, timezone: str) -> tuple[pl.Expr, pl.Expr]:
    """Return ``(typed value, reason code or null)`` for one contract column."""
    text = clean_text(raw)
    kind = column.type
    bad_reason: str | None = None
    if kind == "string" or kind == "json":
        value: pl.Expr = text
    elif kind == "date":
        value = parse_timestamp(text, timezone).dt.date()
        bad_reason = "unparseable_date"
    elif kind == "timestamp":
        value = parse_timestamp(text, timezone)
        bad_reason = "unparseable_timestamp"
    elif kind == "amount_cny":
        value = parse_amount(text).round(2).cast(pl.Decimal(18, 2), strict=False)
        bad_reason = "unparseable_number"
    elif kind == "integer":
        number = parse_number(text)
        value = pl.when(number == number.round(0)).then(number).cast(pl.Int64, strict=False)
        bad_reason = "unparseable_number"
    elif kind == "decimal":
        value = parse_number(text)
        bad_reason = "unparseable_number"
    elif kind == "boolean":
        value = text.str.to_lowercase().replace_strict(_BOOLEANS, default=None)
        bad_reason = "invalid_value"
    else:  # pragma: no cover - the contract loader rejects unknown types
        raise ValueError(f"unknown type {kind!r}")

    if column.values:
        lookup = column.value_lookup()
        # the same normalisation as contract.normalize_header, vectorised
        normalised = text.str.strip_chars('"').str.to_lowercase().str.replace_all(r"\s+", " ")
        value = normalised.replace_strict(lookup, default=None, return_dtype=pl.String)
        bad_reason = "invalid_value"

    reason = pl.lit(None, dtype=pl.String)
    if column.required:
        reason = pl.when(text.is_null()).then(pl.lit("missing_required")).otherwise(reason)
    if bad_reason is not None:
        reason = (
            pl.when(reason.is_null() & text.is_not_null() & value.is_null())
            .then(pl.lit(bad_reason))
            .otherwise(reason)
        )
    if column.min is not None:
        below = value.cast(pl.Float64) < column.min
        reason = pl.when(reason.is_null() & below).then(pl.lit("out_of_range")).otherwise(reason)
    return value, reason
