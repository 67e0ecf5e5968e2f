"""Value formatting as the source systems really export it (dates, amounts, timestamps)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

EXCEL_EPOCH = date(1899, 12, 30)
SHANGHAI_OFFSET = timedelta(hours=8)


# dates -------------------------------------------------------------------------------------------
def d_iso(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}-{d.day:02d}"


def d_slash(d: date) -> str:
    """Excel on Windows with a Chinese locale: 2026/1/5."""
    return f"{d.year}/{d.month}/{d.day}"


def d_slash0(d: date) -> str:
    return f"{d.year}/{d.month:02d}/{d.day:02d}"


def d_cn(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def excel_serial(d: date) -> int:
    return (d - EXCEL_EPOCH).days


# timestamps (local Asia/Shanghai wall time) -------------------------------------------------------
def ts_iso(t: datetime) -> str:
    return f"{d_iso(t.date())} {t.hour:02d}:{t.minute:02d}:{t.second:02d}"


def ts_min(t: datetime) -> str:
    return f"{d_iso(t.date())} {t.hour:02d}:{t.minute:02d}"


def ts_slash(t: datetime) -> str:
    return f"{d_slash(t.date())} {t.hour}:{t.minute:02d}"


def ts_offset(t: datetime) -> str:
    """ISO 8601 with the +08:00 offset, as HTTP APIs export."""
    return f"{d_iso(t.date())}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}+08:00"


def epoch_seconds(t: datetime) -> int:
    """Local Shanghai wall time -> Unix epoch seconds."""
    return int((t - SHANGHAI_OFFSET).replace(tzinfo=UTC).timestamp())


# amounts -----------------------------------------------------------------------------------------
def _trim(x: float, digits: int) -> str:
    s = f"{x:.{digits}f}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def amt_yuan(x: float, symbol: str = "¥") -> str:
    """¥128,000.00"""
    return f"{symbol}{x:,.2f}"


def amt_comma(x: float) -> str:
    """128,000.00"""
    return f"{x:,.2f}"


def amt_plain(x: float) -> str:
    return f"{x:.2f}"


def amt_wan(x: float) -> str:
    """12.8万 (up to 4 decimals, so the value stays exact to the yuan)."""
    return _trim(x / 10000, 4) + "万"


def amt_int_yuan(x: float) -> str:
    """128000元"""
    return f"{round(x)}元"
