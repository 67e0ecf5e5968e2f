"""Turn a column of text cells into typed values, vectorised with Polars, remembering why a cell
failed.

For each contract column, :func:`coerce` returns the typed values, the reason code of each cell
that is not acceptable (``None`` when it is) and a short detail. Accepted styles:

- every cell: Unicode NFKC (full-width digits and punctuation → half-width), trimmed; empty → null
- dates: ``2026-01-05``, ``2026/1/5``, ``2026.1.5``, ``2026年1月5日``, ``20260105``, Excel serials
- timestamps: the date styles plus ``HH:MM[:SS]`` (or ``H时M分``), ISO 8601 with ``T`` and an
  offset or ``Z`` (converted to the contract's local time zone), Excel serials with a fraction,
  Unix epoch seconds (10 digits) or milliseconds (13 digits)
- numbers: ``1234.5``, ``1,234.5`` (comma thousands), ``1 234.5`` (space thousands); a number
  whose separators allow two readings (``1.234,50``, ``1 234,50``, ``12,5``, ``1.234.567``) is
  ``ambiguous_number``, never guessed
- amounts: the number styles with ``¥``/``￥``/``RMB``/``CNY`` before, ``元``, ``万`` / ``w``
  (×10,000) or ``亿`` (×100,000,000) after: ``¥128,000``, ``128000元``, ``RMB 12.8w``, ``12.8万``

Then the plausibility rules of the contract (``plausibility`` per type, overridden per column):
a cell matching a named pattern (a phone number in an amount column) is ``implausible_value``; a
number outside ``min``/``max`` is ``out_of_range``; a date more than ``max_days_ahead`` days after
the load day, or before ``not_before``, is ``date_out_of_range``.

Most cells take a fast path (plain digits, ``YYYY-MM-DD[ HH:MM:SS]``, text that NFKC leaves alone or
maps character by character to ASCII: ``textclean``); only the others go through the regular
expressions and Polars' NFKC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import polars as pl

from pipelines.ingest.contract import Column, Plausibility
from pipelines.ingest.textclean import clean_series

_DATE_RE = r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_TIME_RE = (
    r"(?:[T\s]+(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.\d+)?\s*秒?)?\s*分?)?"
)
_TZ_RE = r"\s*(Z|[+-]\d{2}:?\d{2})?$"
_COMPACT_DATE_RE = r"^(\d{4})(\d{2})(\d{2})$"
_SERIAL_RE = r"^\d{5}(\.\d+)?$"
_EXCEL_EPOCH = pl.datetime(1899, 12, 30)

# A number as written: comma or space thousands (groups of three), a dot for decimals.
_NUMBER_RE = r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d{1,3}(?: \d{3})+|\d+)(?:\.\d+)?$"
# Separators that allow two readings: decimal comma, dots as thousands.
_AMBIGUOUS_RE = (
    r"^[+-]?(?:\d{1,3}(?:[. ]\d{3})+,\d+|\d+,\d{1,2}|\d+,\d{4,}|\d{1,3}(?:\.\d{3}){2,}"
    r"|\d{1,3}(?:\.\d{3})+\.\d+)$"
)
_CURRENCY_RE = r"^(?:rmb|cny|¥|￥)\s*"
_UNIT_RE = r"\s*(万|w|亿)?\s*(元|rmb|cny)?$"

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
_BAD_REASON = {
    "date": "unparseable_date",
    "timestamp": "unparseable_timestamp",
    "amount_cny": "unparseable_number",
    "integer": "unparseable_number",
    "decimal": "unparseable_number",
    "boolean": "invalid_value",
}


@dataclass
class Coerced:
    value: pl.Series
    reason: pl.Series  # reason code, or null
    detail: pl.Series  # what broke a plausibility rule, or null


def _eval(series: pl.Series, expr: pl.Expr) -> pl.Series:
    """``expr`` on ``series`` (as the column ``v``)."""
    return pl.DataFrame({"v": series}).select(expr.alias("v")).to_series()


def clean(series: pl.Series) -> pl.Series:
    """NFKC-normalise, trim; empty cells become null (``textclean``: fast where the text allows)."""
    return clean_series(series)


# --- dates and times ----------------------------------------------------------------------------


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


def _fast_timestamp(v: pl.Expr, kind: str = "timestamp") -> pl.Expr:
    """The commonest style, parsed without regular expressions (the others take the slow path)."""
    style = "%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M:%S"
    return v.str.to_datetime(style, strict=False, time_unit="us")


def timestamps(text: pl.Series, timezone: str) -> pl.Series:
    fast = _eval(text, _fast_timestamp(pl.col("v")))
    return _slow_where_needed(text, fast, parse_timestamp(pl.col("v"), timezone))


def _slow_where_needed(text: pl.Series, fast: pl.Series, slow: pl.Expr) -> pl.Series:
    """``fast`` where it parsed; ``slow`` (an expression on ``v``) on the remaining cells only."""
    todo = fast.is_null() & text.is_not_null()
    if not todo.any():
        return fast
    index = todo.arg_true()
    return fast.scatter(index, _eval(text.gather(index), slow).cast(fast.dtype))


# --- numbers ------------------------------------------------------------------------------------


def _number(text: pl.Expr) -> pl.Expr:
    """A number in an accepted style (``_NUMBER_RE``), else null."""
    return (
        pl.when(text.str.contains(_NUMBER_RE))
        .then(text.str.replace_all(r"[, ]", "").cast(pl.Float64, strict=False))
        .otherwise(None)
    )


def _plain(v: pl.Expr) -> pl.Expr:
    """The fast path: cells that are plainly a finite number."""
    value = v.cast(pl.Float64, strict=False)
    return pl.when(value.is_finite()).then(value)


def numbers(text: pl.Series) -> pl.Series:
    return _slow_where_needed(text, _eval(text, _plain(pl.col("v"))), _number(pl.col("v")))


def amount_expr(text: pl.Expr) -> pl.Expr:
    """A CNY amount from its text (as a float, rounded to fen later), else null."""
    lowered = text.str.to_lowercase().str.replace(_CURRENCY_RE, "")
    unit = lowered.str.extract(_UNIT_RE, 1)
    multiplier = (
        pl.when(unit.is_in(["万", "w"])).then(10_000.0).when(unit == "亿").then(1e8).otherwise(1.0)
    )
    digits = lowered.str.replace(_UNIT_RE, "")
    return _number(digits) * multiplier


def amounts(text: pl.Series) -> pl.Series:
    return _slow_where_needed(text, _eval(text, _plain(pl.col("v"))), amount_expr(pl.col("v")))


def _ambiguous(text: pl.Expr, kind: str) -> pl.Expr:
    if kind == "amount_cny":
        text = text.str.to_lowercase().str.replace(_CURRENCY_RE, "").str.replace(_UNIT_RE, "")
    return text.str.contains(_AMBIGUOUS_RE)


# --- columns ------------------------------------------------------------------------------------


def _fast(column: Column, v: pl.Expr) -> pl.Expr:
    """The column's value from its clean text by the fast path (null where it needs the slow)."""
    kind = column.type
    if column.values:  # spellings as the contract writes them; the others take the slow path
        exact = {s: c for c, spellings in column.values.items() for s in (c, *spellings)}
        return v.replace_strict(exact, default=None, return_dtype=pl.String)
    if kind in ("string", "json"):
        return v
    if kind in ("date", "timestamp"):
        return _fast_timestamp(v, kind)
    if kind in ("amount_cny", "integer", "decimal"):
        return _plain(v)
    if kind == "boolean":
        return v.str.to_lowercase().replace_strict(_BOOLEANS, default=None, return_dtype=pl.Boolean)
    raise ValueError(f"unknown type {kind!r}")  # pragma: no cover - the contract loader refuses


def _slow(column: Column, timezone: str) -> pl.Expr | None:
    """The regular-expression path for the cells the fast one left."""
    if column.values:
        # the same normalisation as contract.normalize_header, vectorised
        normalised = pl.col("v").str.strip_chars('"').str.to_lowercase()
        return normalised.str.replace_all(r"\s+", " ").replace_strict(
            column.value_lookup(), default=None, return_dtype=pl.String
        )
    if column.type in ("string", "json", "boolean"):
        return None
    if column.type in ("date", "timestamp"):
        return parse_timestamp(pl.col("v"), timezone)
    if column.type == "amount_cny":
        return amount_expr(pl.col("v"))
    return _number(pl.col("v"))


def _final(column: Column, v: pl.Expr) -> pl.Expr:
    if column.values:
        return v
    if column.type == "date":
        return v.dt.date()
    if column.type == "amount_cny":
        return v.round(2).cast(pl.Decimal(18, 2), strict=False)
    if column.type == "integer":
        return pl.when(v == v.round(0)).then(v).cast(pl.Int64, strict=False)
    return v


def accepted_values_text(column: Column) -> str:
    """What an unmapped value is told: 'accepted: high (紧急), medium (一般), low (不急)'."""
    listed = [
        f"{code} ({'、'.join(spellings)})" if spellings else code
        for code, spellings in (column.values or {}).items()
    ]
    return "accepted: " + ", ".join(listed)


def _checks(column: Column, rules: Plausibility, today: date, t: pl.Expr, v: pl.Expr) -> list:
    """(condition on the text ``t`` and value ``v``, reason code, detail), in the order tried."""
    numeric = column.type in ("amount_cny", "integer", "decimal") and not column.values
    checks: list[tuple[pl.Expr, str, pl.Expr | None]] = []
    if column.required:
        checks.append((t.is_null(), "missing_required", None))
    for name, pattern in rules.patterns:
        checks.append((t.str.contains(pattern), "implausible_value", pl.lit(f"looks like {name}")))
    bad = "invalid_value" if column.values else _BAD_REASON.get(column.type)
    if bad is not None:
        failed = t.is_not_null() & v.is_null()
        if numeric:
            checks.append((failed & _ambiguous(t, column.type), "ambiguous_number", None))
        accepted = pl.lit(accepted_values_text(column)) if column.values else None
        checks.append((failed, bad, accepted))
    if numeric:
        number = v.cast(pl.Float64)
        if column.min is not None:
            checks.append((number < column.min, "out_of_range", pl.lit(f"below {column.min:g}")))
        if rules.max is not None:
            checks.append((number > rules.max, "out_of_range", pl.lit(f"above {rules.max:,.0f}")))
    if column.type in ("date", "timestamp") and not column.values:
        day = v.dt.date() if column.type == "timestamp" else v
        if rules.max_days_ahead is not None:
            latest = today + timedelta(days=rules.max_days_ahead)
            why = f"after {latest} ({rules.max_days_ahead} days after the load day)"
            checks.append((day > latest, "date_out_of_range", pl.lit(why)))
        if rules.not_before is not None:
            checks.append(
                (day < rules.not_before, "date_out_of_range", pl.lit(f"before {rules.not_before}"))
            )
    return checks


def _reason(checks: list) -> tuple[pl.Expr, pl.Expr]:
    reason: pl.Expr = pl.lit(None, dtype=pl.String)
    detail: pl.Expr = pl.lit(None, dtype=pl.String)
    for condition, code, why in reversed(checks):  # the first check that fails wins
        hit = condition.fill_null(False)
        reason = pl.when(hit).then(pl.lit(code)).otherwise(reason)
        detail = (
            pl.when(hit).then(why if why is not None else pl.lit(None, pl.String)).otherwise(detail)
        )
    return reason, detail


def coerce_frame(
    columns: list[Column],
    frame: pl.DataFrame,
    timezone: str,
    rules: dict[str, Plausibility],
    today: date,
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Typed values, reason codes and details of ``frame``'s text columns (named as the contract
    columns). Each stage is one Polars query over every column, so columns run in parallel."""
    names = [c.name for c in columns]
    if not frame.height:
        frame = frame.select(pl.col(n).cast(pl.String) for n in names)
    text = pl.DataFrame([clean_series(frame.get_column(n)).alias(n) for n in names])
    fast = text.select(_fast(c, pl.col(c.name)).alias(c.name) for c in columns)
    for column in columns:
        slow = _slow(column, timezone)
        if slow is not None:
            fast = fast.with_columns(
                _slow_where_needed(text[column.name], fast[column.name], slow).alias(column.name)
            )
    values = fast.select(_final(c, pl.col(c.name)).alias(c.name) for c in columns)
    both = pl.concat(
        [text.select(pl.all().name.prefix("t_")), values.select(pl.all().name.prefix("v_"))],
        how="horizontal",
    )
    judged = [
        _reason(_checks(c, rules[c.name], today, pl.col(f"t_{c.name}"), pl.col(f"v_{c.name}")))
        for c in columns
    ]
    out = both.with_columns(  # with_columns: a column whose reason is a literal is broadcast
        *(r.alias(f"r_{c.name}") for c, (r, _) in zip(columns, judged, strict=True)),
        *(d.alias(f"d_{c.name}") for c, (_, d) in zip(columns, judged, strict=True)),
    )
    reasons = out.select(pl.col(f"r_{n}").alias(n) for n in names)
    details = out.select(pl.col(f"d_{n}").alias(n) for n in names)
    return values, reasons, details


def coerce(
    column: Column,
    raw: pl.Series,
    timezone: str,
    rules: Plausibility | None = None,
    today: date | None = None,
) -> Coerced:
    """Typed values, reason codes and details for one contract column's cells."""
    frame = pl.DataFrame({column.name: raw.cast(pl.String)})
    values, reasons, details = coerce_frame(
        [column], frame, timezone, {column.name: rules or Plausibility()}, today or date.today()
    )
    return Coerced(values[column.name], reasons[column.name], details[column.name])
