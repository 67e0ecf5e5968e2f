"""Read a landing file into batches of text cells with Polars' own engines, whatever its format.

Every reader returns a :class:`Reading`: the file's format, encoding and header, and batches of
:class:`TextBatch` — a frame with the physical row number ``_row`` and one String column per header
position (``c0``, ``c1`` …), plus the records that could not even be split into cells, each with its
row number and reason. Typing is done later, in one place (``pipelines.ingest.validate``).

- CSV/TSV (``pl.read_csv``, every cell as text): in batches of ``landing.batch_mb``, so memory
  stays flat; each batch's records are first counted line by line (``csvscan``), decoded line by
  line when the file mixes encodings (``decoding``), and only good records reach the parser.
- JSON lines (``pl.read_ndjson``, every value as text) and JSON arrays (re-read as JSON lines):
  each line must be a JSON object; nested values are kept as JSON text.
- XLSX (calamine, through fastexcel): the first sheet, with its real row numbers (blank rows
  inside the sheet do not shift them); cells holding an Excel error are reported; the rows with a
  value are counted again from the sheet's XML.

Row numbers are what a person sees when opening the file: the header is row 1 in CSV (lines) and
XLSX (sheet rows); JSON lines count lines; a JSON array counts its elements from 1. Blank rows are
not rows. No message here quotes the file's content: a file may be anything.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import BinaryIO

import numpy as np
import polars as pl

from pipelines.ingest.contract import LandingSettings
from pipelines.ingest.csvscan import (
    BadRecord,
    Scan,
    count_bytes,
    raw_text,
    scan_block,
    split_record,
)
from pipelines.ingest.decoding import Decoder, Undecodable

FORMATS = {
    ".csv": "csv",
    ".tsv": "csv",
    ".txt": "csv",
    ".xlsx": "xlsx",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FileRejected(Exception):
    """The whole file cannot be loaded. ``reason_code`` is one of ``contract.FILE_REASONS``;
    ``message`` never quotes the file's content."""

    def __init__(self, reason_code: str, message: str):
        super().__init__(message)
        self.reason_code = reason_code
        self.message = message


@dataclass
class TextBatch:
    frame: pl.DataFrame  # _row (Int64) + c0..c{n-1} (String)
    bad: list[BadRecord] = field(default_factory=list)
    # cells the reader could not read as text: (row, column position, reason code, detail)
    cell_errors: list[tuple[int, int, str, str]] = field(default_factory=list)
    # True when the bytes the cells came from hold no control character: none needs a look
    control_free: bool = False


@dataclass
class Reading:
    format: str
    encoding: str | None
    header: list[str]
    batches: Iterator[TextBatch]


def file_format(name: str) -> str:
    fmt = FORMATS.get(PurePosixPath(name).suffix.lower())
    if fmt is None:
        raise FileRejected(
            "unreadable",
            f"unsupported file extension; accepted: {', '.join(sorted(FORMATS))}",
        )
    return fmt


def column_names(count: int) -> list[str]:
    return [f"c{i}" for i in range(count)]


def empty_frame(count: int) -> pl.DataFrame:
    schema = {"_row": pl.Int64} | dict.fromkeys(column_names(count), pl.String)
    return pl.DataFrame(schema=schema)


def read_file(name: str, handle: BinaryIO, settings: LandingSettings) -> Reading:
    """Read the landing file open as ``handle`` (its name gives the format)."""
    fmt = file_format(name)
    if fmt == "csv":
        return read_csv(handle, settings)
    data = handle.read()
    if fmt == "xlsx":
        return read_xlsx(data)
    decoder = Decoder(settings.max_undecodable_share)
    try:
        text, bad_lines = decoder.decode(data)
    except Undecodable as exc:
        raise FileRejected("undecodable", str(exc)) from None
    if fmt == "jsonl":
        return read_jsonl(text, bad_lines, decoder.encoding)
    if bad_lines:
        raise FileRejected("undecodable", "a JSON document must be text in one encoding")
    return read_json(text, decoder.encoding)


# --- CSV ----------------------------------------------------------------------------------------


def _blocks(handle: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """The file in blocks of about ``size`` bytes, each ending with a line feed (the last one
    may not); ``True`` with the last (the one that reaches the end of the file, so that no empty
    batch follows it)."""
    tail = b""
    while True:
        chunk = handle.read(size)
        if not chunk:
            yield tail, True
            return
        if _at_end(handle):
            yield b"".join((tail, chunk)), True
            return
        cut = chunk.rfind(b"\n") + 1
        if cut == 0:
            tail += chunk  # one long line: read on
            continue
        block = b"".join((tail, memoryview(chunk)[:cut]))  # one copy
        tail = chunk[cut:]
        yield block, False


def _at_end(handle: BinaryIO) -> bool:
    """Whether nothing is left to read (``False`` when it cannot be told without reading)."""
    if isinstance(handle, io.BytesIO):
        return handle.tell() >= len(handle.getbuffer())
    peek = getattr(handle, "peek", None)
    return peek is not None and not peek(1)


def _lines(data: bytes) -> Iterator[bytes]:
    """``data.split(b"\\n")``, one line at a time."""
    position = 0
    while (end := data.find(b"\n", position)) >= 0:
        yield data[position:end]
        position = end + 1
    yield data[position:]


def _header(
    data: bytes, bad_lines: dict[int, str], settings: LandingSettings
) -> tuple[list[str], str, int]:
    """(header cells, delimiter, lines up to and including the header) from the first block."""
    following = _lines(data)  # only as many lines as the header needs are split off
    lines: list[bytes] = []
    for line in following:
        lines.append(line)
        if line.strip():
            break
    else:
        raise FileRejected("empty", "the file has no header row")
    start = end = len(lines) - 1
    while b"\n".join(lines[start : end + 1]).count(b'"') % 2:
        end += 1
        line = next(following, None)
        if line is None or end - start >= settings.csv.max_lines_per_row:
            raise FileRejected("unreadable", "the header row's quoting is broken")
        lines.append(line)
    if any(i in bad_lines for i in range(start, end + 1)):
        raise FileRejected(
            "undecodable", "the header row is not text in any accepted encoding (UTF-8, GB18030)"
        )
    text = b"\n".join(lines[start : end + 1]).decode("utf-8", errors="replace")
    if _CONTROL.search(text) or "\ufffd" in text:
        raise FileRejected(
            "undecodable",
            "the header row holds control characters: the file is not text in an accepted "
            "encoding (UTF-16 without a byte-order mark? a binary file?)",
        )
    best: tuple[int, list[str | None], str] | None = None
    for order, delimiter in enumerate(settings.csv.delimiters):
        cells = split_record(text, delimiter)
        if cells is not None and (best is None or len(cells) > len(best[1])):
            best = (order, cells, delimiter)
    if best is None:
        raise FileRejected("unreadable", "the header row's quoting is broken")
    header = [(cell or "").strip() for cell in best[1]]
    return header, best[2], end + 1


def read_csv(handle: BinaryIO, settings: LandingSettings) -> Reading:
    decoder = Decoder(settings.max_undecodable_share)
    if handle.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        # two bytes per character: decoded whole (such files are small), then read as UTF-8
        handle.seek(0)
        text, _ = decoder.decode(handle.read())
        handle = io.BytesIO(text)
    handle.seek(0)
    blocks = _blocks(handle, max(1, int(settings.batch_mb * 1024 * 1024)))
    raw, final = next(blocks)
    try:
        data, bad_lines = decoder.decode(raw)
    except Undecodable as exc:
        raise FileRejected("undecodable", str(exc)) from None
    header, delimiter, header_lines = _header(data, bad_lines, settings)
    offset = 0
    for _ in range(header_lines):
        offset = data.index(b"\n", offset) + 1 if b"\n" in data[offset:] else len(data)
    body = data[offset:]
    bad_lines = {i - header_lines: r for i, r in bad_lines.items() if i >= header_lines}
    return Reading(
        format="csv",
        encoding=decoder.encoding or "utf-8",
        header=header,
        batches=_csv_batches(
            body, bad_lines, final, blocks, decoder, header_lines + 1, header, delimiter, settings
        ),
    )


def _csv_batches(
    data: bytes,
    bad_lines: dict[int, str],
    final: bool,
    blocks: Iterator[tuple[bytes, bool]],
    decoder: Decoder,
    first_line: int,
    header: list[str],
    delimiter: str,
    settings: LandingSettings,
) -> Iterator[TextBatch]:
    ncols = len(header)
    while True:
        scan, frame = _scan_and_parse(
            data, bad_lines, first_line, final, ncols, delimiter, settings
        )
        if frame is None:  # the parser refused the block: decode it line by line and retry
            try:
                data, bad_lines = decoder.lines(data)
            except Undecodable as exc:
                raise FileRejected("undecodable", str(exc)) from None
            scan, frame = _scan_and_parse(
                data, bad_lines, first_line, final, ncols, delimiter, settings
            )
            if frame is None:
                frame = _parse_exactly(scan.body, scan.rows, ncols, delimiter)
        yield TextBatch(_drop_blank_rows(frame), scan.bad, control_free=_control_free(scan))
        if final:
            return
        first_line += scan.carry_lines
        raw, final = next(blocks)
        try:
            decoded, bad_lines = decoder.decode(raw)
        except Undecodable as exc:
            raise FileRejected("undecodable", str(exc)) from None
        carried = scan.carry.count(b"\n")
        bad_lines = {i + carried: r for i, r in bad_lines.items()}
        data = scan.carry + decoded


def _scan_and_parse(data, bad_lines, first_line, final, ncols, delimiter, settings):
    scan = scan_block(
        data,
        first_line,
        ncols,
        delimiter.encode(),
        settings.csv.max_lines_per_row,
        final,
        bad_lines,
        settings.csv.quarantine_last_row_without_line_break,
    )
    return scan, _parse(scan.body, scan.rows, ncols, delimiter)


def _parse(body: bytes, rows: np.ndarray, ncols: int, delimiter: str) -> pl.DataFrame | None:
    """The records of ``body`` with Polars; ``None`` when it refuses them or finds another
    number of rows than the line scan counted."""
    if not body:
        return empty_frame(ncols)
    try:
        frame = pl.read_csv(
            body,
            has_header=False,
            separator=delimiter,
            quote_char='"',
            schema=dict.fromkeys(column_names(ncols), pl.String),
            raise_if_empty=False,
            truncate_ragged_lines=False,
            comment_prefix=None,
            null_values=None,
        )
    except Exception:  # invalid UTF-8, or anything the line scan did not foresee
        return None
    if frame.height != len(rows):
        return None
    # inserted in place: ``with_columns`` would first gather the parser's chunks into one
    return frame.insert_column(0, pl.Series("_row", rows, dtype=pl.Int64))


def _parse_exactly(body: bytes, rows: np.ndarray, ncols: int, delimiter: str) -> pl.DataFrame:
    """The slow, exact reading of ``body`` (Python's csv module), when the fast one disagreed
    with the line scan."""
    csv.field_size_limit(sys.maxsize)
    text = body.decode("utf-8", errors="replace")
    records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))
    if len(records) != len(rows) or any(len(r) != ncols for r in records):
        raise FileRejected(
            "unreadable", "the CSV parser and the line count disagree on this file's rows"
        )
    columns = list(zip(*records, strict=True)) if records else [()] * ncols
    data = {"_row": pl.Series(rows, dtype=pl.Int64)}
    for name, values in zip(column_names(ncols), columns, strict=True):
        data[name] = pl.Series([v if v != "" else None for v in values], dtype=pl.String)
    return pl.DataFrame(data)


def _control_free(scan: Scan) -> bool:
    """Whether the bytes given to the parser hold none of the control characters of
    ``_CONTROL`` (counted by the line scan, or now)."""
    if scan.control_free is not None:
        return scan.control_free
    return not count_bytes(scan.body, ord(",")).control


def _drop_blank_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows whose cells are all empty or blank are not rows (Excel writes ``,,,`` lines)."""
    cells = [c for c in frame.columns if c != "_row"]
    if not cells or not frame.height:
        return frame
    maybe = frame.filter(
        pl.all_horizontal([pl.col(c).is_null() | (pl.col(c).str.len_bytes() <= 16) for c in cells])
    )
    if not maybe.height:
        return frame
    blank = maybe.filter(
        pl.all_horizontal([pl.col(c).str.strip_chars().fill_null("") == "" for c in cells])
    )
    if not blank.height:
        return frame
    return frame.filter(~pl.col("_row").is_in(blank.get_column("_row").implode()))


# --- JSON ---------------------------------------------------------------------------------------


def read_jsonl(data: bytes, bad_lines: dict[int, str], encoding: str | None) -> Reading:
    lines = data.split(b"\n")
    bad = [BadRecord(i + 1, r, None, raw_text(lines[i])) for i, r in sorted(bad_lines.items())]
    numbered = [(i + 1, line) for i, line in enumerate(lines) if i not in bad_lines]
    return _json_reading("jsonl", encoding, numbered, bad)


def read_json(data: bytes, encoding: str | None) -> Reading:
    try:
        doc = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        raise FileRejected("unreadable", "not a valid JSON document") from None
    if isinstance(doc, dict):
        doc = doc.get("data", doc.get("records"))
    if not isinstance(doc, list):
        raise FileRejected(
            "unreadable", "expected a JSON array of objects (or one under 'data' / 'records')"
        )
    numbered, bad = [], []
    for index, item in enumerate(doc, start=1):
        text = json.dumps(item, ensure_ascii=False).encode("utf-8")
        if isinstance(item, dict):
            numbered.append((index, text))
        else:
            bad.append(BadRecord(index, "invalid_json", None, raw_text(text)))
    return _json_reading("json", encoding, numbered, bad)


def _json_reading(
    fmt: str, encoding: str | None, numbered: list[tuple[int, bytes]], bad: list[BadRecord]
) -> Reading:
    numbered = [(n, line) for n, line in numbered if line.strip()]
    fast = _ndjson_fast(numbered)
    if fast is None:  # some line is not a JSON object, or the types clash: look at each line
        header: list[str] = []
        known: set[str] = set()
        good = []
        for number, line in numbered:
            try:
                item = json.loads(line)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError):
                item = None
            if not isinstance(item, dict):
                bad.append(BadRecord(number, "invalid_json", None, raw_text(line)))
                continue
            for key in item:
                if key not in known:
                    known.add(key)
                    header.append(key)
            good.append((number, line))
        frame = _ndjson_frame(good, header)
    else:
        frame, header = fast
    bad.sort(key=lambda b: b.row)
    return Reading(format=fmt, encoding=encoding or "utf-8", header=header,
                   batches=iter([TextBatch(frame, bad)]))  # fmt: skip


def _ndjson_fast(numbered: list[tuple[int, bytes]]) -> tuple[pl.DataFrame, list[str]] | None:
    """Every line read by Polars (twice: the keys, then every value as text), or ``None`` when
    it cannot: then each line is looked at."""
    body = b"\n".join(line for _, line in numbered)
    if not body:
        return empty_frame(0), []
    try:
        header = pl.read_ndjson(io.BytesIO(body), infer_schema_length=None).columns
    except Exception:
        return None
    frame = _ndjson_frame(numbered, header)
    return (frame, header) if frame.height == len(numbered) else None


def _ndjson_frame(numbered: list[tuple[int, bytes]], header: list[str]) -> pl.DataFrame:
    """The lines (each a JSON object) with every value as text: nested values as JSON."""
    names = column_names(len(header))
    rows = pl.Series("_row", [n for n, _ in numbered], dtype=pl.Int64)
    if not numbered:
        return empty_frame(len(header))
    body = b"\n".join(line for _, line in numbered)
    try:
        frame = pl.read_ndjson(io.BytesIO(body), schema=dict.fromkeys(header, pl.String))
        if frame.height != len(numbered):
            raise ValueError("another number of rows")
        frame = frame.select(pl.col(h).alias(n) for h, n in zip(header, names, strict=True))
    except Exception:  # the exact, slow way
        items = [json.loads(line) for _, line in numbered]
        frame = pl.DataFrame(
            {n: [_cell(item.get(h)) for item in items] for h, n in zip(header, names, strict=True)},
            schema=dict.fromkeys(names, pl.String),
        )
    return frame.select(rows, *names)


def _cell(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# --- XLSX ---------------------------------------------------------------------------------------

_ROW = re.compile(rb"<row\b[^>]*?\br=\"(\d+)\"[^>]*?(?:/>|>(.*?)</row>)", re.S)
_VALUE = re.compile(rb"<v>[^<]|<v\s[^>]*>[^<]|<is[\s>]")


def read_xlsx(data: bytes) -> Reading:
    import fastexcel

    try:
        reader = fastexcel.read_excel(data)
        sheet = reader.load_sheet(0, header_row=None, dtypes="string", skip_rows=0)
        batch, errors = sheet.to_arrow_with_errors()
    except Exception:  # calamine reports zip/xml damage with many exception types
        raise FileRejected("unreadable", "not a readable .xlsx workbook") from None
    frame = pl.from_arrow(batch)
    if not isinstance(frame, pl.DataFrame) or not frame.width:
        raise FileRejected("empty", "the first sheet has no header row")
    cells = column_names(frame.width)
    frame = frame.select(pl.all().cast(pl.String))
    frame.columns = cells
    frame = frame.with_columns(pl.int_range(1, frame.height + 1, dtype=pl.Int64).alias("_row"))
    cell_errors = [
        (int(e.position[0]) + 1, int(e.position[1]), "excel_error", "the cell holds an Excel error")
        for e in (errors.errors if errors is not None else [])
    ]
    error_rows = {row for row, *_ in cell_errors}
    has_value = pl.any_horizontal(pl.col(c).is_not_null() for c in cells) | pl.col("_row").is_in(
        sorted(error_rows)
    )
    valued = frame.filter(has_value)
    counted = _xlsx_rows_with_values(data)
    if counted is not None and counted != set(valued.get_column("_row").to_list()):
        raise FileRejected(
            "unreadable",
            f"the sheet holds {len(counted):,} rows with values but {valued.height:,} could be "
            "read: the workbook is damaged or uses features the reader does not support",
        )
    non_blank = valued.filter(
        ~pl.all_horizontal([pl.col(c).str.strip_chars().fill_null("") == "" for c in cells])
        | pl.col("_row").is_in(sorted(error_rows))
    )
    if not non_blank.height:
        raise FileRejected("empty", "the first sheet has no header row")
    header_row = non_blank.row(0, named=True)
    header = [(header_row[c] or "").strip() for c in cells]
    body = _drop_blank_rows(frame.filter(pl.col("_row") > header_row["_row"]))
    body = body.filter(pl.col("_row").is_in(valued.get_column("_row").implode()))
    errors_after = [e for e in cell_errors if e[0] > header_row["_row"]]
    kept = set(body.get_column("_row").to_list())
    missing = sorted({row for row, *_ in errors_after} - kept)
    if missing:  # a row whose only values are Excel errors is still a row
        extra = pl.DataFrame({"_row": missing}, schema={"_row": pl.Int64})
        body = pl.concat([body, extra], how="diagonal").sort("_row")
    return Reading(
        format="xlsx",
        encoding=None,
        header=header,
        batches=iter([TextBatch(body.select("_row", *cells), [], errors_after)]),
    )


def _xlsx_rows_with_values(data: bytes) -> set[int] | None:
    """Sheet rows that hold a value in the first sheet's XML (a second, simple count), or
    ``None`` when the workbook's layout is not the usual one."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as book:
            workbook = book.read("xl/workbook.xml")
            rels = book.read("xl/_rels/workbook.xml.rels")
            rid = re.search(rb"<sheet\b[^>]*?\br:id=\"([^\"]+)\"", workbook)
            if rid is None:
                return None
            target = re.search(
                rb"<Relationship\b[^>]*?Id=\"" + re.escape(rid.group(1)) + rb"\"[^>]*?>", rels
            )
            if target is None:
                return None
            path = re.search(rb"Target=\"([^\"]+)\"", target.group(0))
            if path is None:
                return None
            name = path.group(1).decode()
            name = name.lstrip("/") if name.startswith("/") else f"xl/{name}"
            xml = book.read(name)
    except (KeyError, zipfile.BadZipFile, OSError, UnicodeDecodeError):
        return None
    return {int(m.group(1)) for m in _ROW.finditer(xml) if m.group(2) and _VALUE.search(m.group(2))}


def control_character_pattern() -> str:
    return _CONTROL.pattern
