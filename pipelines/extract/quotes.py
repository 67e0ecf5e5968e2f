"""Quotes from WeCom chat (聊天报价): amount, product model and delivery period from message text.

Plain functions, patterns and units from ``quote_patterns.yaml``. ``extract_text`` reads one
message; ``write_wecom_quotes`` reads the latest version of every WeCom text message from
``raw_wecom.messages`` and writes one row per message with an amount or a model to
``raw_extract.wecom_quotes``, with the extractor version as provenance. Which rows are quote
events (amount and model, sent by a rep) and which opportunity they belong to is decided in dbt
(``fct_chat_quotes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl

from pipelines.config import parse_yaml

if TYPE_CHECKING:
    from pipelines.engines import Connection

PATTERNS_PATH = Path(__file__).with_name("quote_patterns.yaml")
TABLE = "raw_extract.wecom_quotes"
QUOTE_SCHEMA = {
    "message_id": pl.String,
    "amount_cny": pl.Decimal(18, 2),
    "amount_text": pl.String,
    "product_model": pl.String,
    "delivery_days": pl.Int32,
    "delivery_text": pl.String,
    "is_quote": pl.Boolean,
    "extractor_version": pl.String,
    "extracted_at": pl.Datetime("us"),
}


@dataclass(frozen=True)
class UnitPattern:
    regex: re.Pattern[str]
    units: dict[str, Decimal]


@dataclass(frozen=True)
class QuotePatterns:
    version: str
    amounts: tuple[UnitPattern, ...]
    model: re.Pattern[str]
    deliveries: tuple[UnitPattern, ...]


@dataclass(frozen=True)
class Extraction:
    amount_cny: Decimal | None = None
    amount_text: str | None = None
    product_model: str | None = None
    delivery_days: int | None = None
    delivery_text: str | None = None

    @property
    def is_quote(self) -> bool:
        """A quote event needs an amount and a model."""
        return self.amount_cny is not None and self.product_model is not None

    @property
    def is_empty(self) -> bool:
        return self.amount_cny is None and self.product_model is None


def load_patterns(path: Path = PATTERNS_PATH) -> QuotePatterns:
    spec = parse_yaml(path.read_text(encoding="utf-8"))

    def unit_patterns(section: dict) -> tuple[UnitPattern, ...]:
        units = {str(k): Decimal(str(v)) for k, v in section["units"].items()}
        return tuple(UnitPattern(re.compile(p), units) for p in section["patterns"])

    return QuotePatterns(
        version=str(spec["version"]),
        amounts=unit_patterns(spec["amount"]),
        model=re.compile(spec["model"]["pattern"]),
        deliveries=unit_patterns(spec["delivery"]),
    )


def _first(patterns: tuple[UnitPattern, ...], text: str) -> tuple[Decimal, str] | None:
    """The first match of the first pattern that matches, as number × unit and the matched text."""
    for pattern in patterns:
        for match in pattern.regex.finditer(text):
            unit = match.groupdict().get("unit") or ""
            if unit not in pattern.units:
                continue
            number = Decimal(match.group("number").replace(",", ""))
            return number * pattern.units[unit], match.group(0)
    return None


def extract_amount(text: str, patterns: QuotePatterns) -> tuple[Decimal, str] | None:
    found = _first(patterns.amounts, text)
    if found is None or found[0] <= 0:
        return None
    return found[0].quantize(Decimal("0.01")), found[1]


def extract_model(text: str, patterns: QuotePatterns) -> str | None:
    match = patterns.model.search(text)
    return match.group("model") if match else None


def extract_delivery_days(text: str, patterns: QuotePatterns) -> tuple[int, str] | None:
    found = _first(patterns.deliveries, text)
    if found is None or found[0] <= 0:
        return None
    return int(found[0]), found[1]


def extract_text(text: str | None, patterns: QuotePatterns) -> Extraction:
    if not text:
        return Extraction()
    amount = extract_amount(text, patterns)
    delivery = extract_delivery_days(text, patterns)
    return Extraction(
        amount_cny=amount[0] if amount else None,
        amount_text=amount[1] if amount else None,
        product_model=extract_model(text, patterns),
        delivery_days=delivery[0] if delivery else None,
        delivery_text=delivery[1] if delivery else None,
    )


LATEST_TEXT_MESSAGES = """
    select msgid, content
    from (
        select
            msgid,
            msgtype,
            content,
            row_number() over (
                partition by msgid order by _ingested_at desc, _source_file desc, _source_row desc
            ) as version_rank
        from raw_wecom.messages
    ) as versions
    where version_rank = 1 and msgtype = 'text' and content is not null
    order by msgid
"""


def extract_rows(
    messages: list[tuple[str, str]], patterns: QuotePatterns, extracted_at: datetime
) -> list[tuple]:
    rows = []
    for message_id, content in messages:
        found = extract_text(content, patterns)
        if found.is_empty:
            continue
        rows.append(
            (
                message_id,
                found.amount_cny,
                found.amount_text,
                found.product_model,
                found.delivery_days,
                found.delivery_text,
                found.is_quote,
                patterns.version,
                extracted_at,
            )
        )
    return rows


def write_wecom_quotes(conn: Connection, patterns: QuotePatterns) -> int:
    """Replace ``raw_extract.wecom_quotes`` with the extraction of every WeCom text message."""
    messages = conn.execute(LATEST_TEXT_MESSAGES).fetchall()
    rows = extract_rows(messages, patterns, datetime.now(UTC).replace(tzinfo=None))
    conn.execute("create schema if not exists raw_extract")
    conn.execute(
        f"""
        create or replace table {TABLE} (
            message_id varchar not null,
            amount_cny decimal(18, 2),
            amount_text varchar,
            product_model varchar,
            delivery_days integer,
            delivery_text varchar,
            is_quote boolean not null,
            extractor_version varchar not null,
            extracted_at timestamp not null
        )
        """
    )
    if rows:
        # one columnar insert: executemany inserts row by row (30 s for 7k rows at scale 1)
        frame = pl.DataFrame(rows, schema=QUOTE_SCHEMA, orient="row")
        conn.register("lastmile_quotes", frame.to_arrow())
        conn.execute(f"insert into {TABLE} select * from lastmile_quotes")
        conn.unregister("lastmile_quotes")
    return len(rows)
