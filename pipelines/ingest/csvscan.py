"""Count a CSV block's records by a second, simple reading of its lines, before the parser sees it.

The CSV parser (Polars) is fast but, given a broken file, it can swallow the rest of the file into
one cell or load a row cut in half. So every block is first read as *lines*: where each line
starts, how many quotes it holds, which quotes sit where a quote may sit (at the start of a cell;
closing at its end, or doubled inside), and how many separators lie outside quotes. From that:

- a line with an even number of well-placed quotes and as many fields as the header is a record;
- a line whose last quote opens a cell (at a cell's start) and has no partner opens a quoted cell
  running over several lines: the record ends at the next line with an odd number of quotes, if
  that is at most ``max_lines`` lines on; it is then checked whole (quoting and field count). A
  quote not closed within ``max_lines`` lines is ``unterminated_quote``: that line is quarantined
  and reading resumes on the next one, so one stray quote costs one row, not the rest of the file;
- a file that ends without a final line break was cut off: its last row (or, when the cut falls
  inside a quoted cell, the lines of that cell) is ``truncated_row`` (the last row check can be
  switched off in the contract);
- every other line is quarantined with its reason (``wrong_field_count``, ``malformed_quotes``,
  ``undecodable_line``). A record over several lines that is bad quarantines each of its lines.

Blank lines are not rows. What the parser is then given is only the good records, and it must
return exactly one row per record, else the block is split by a slow, exact reader instead.
Row numbers are physical line numbers: the header is row 1, and a record spanning lines 7–9 is row
7, as an editor shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

QUOTE = ord('"')
LF = ord("\n")
CR = ord("\r")
TAB = ord("\t")
RAW_LIMIT = 2_000  # characters of a bad line kept in the quarantine's raw_record


@dataclass
class BadRecord:
    row: int  # physical row number (header = 1)
    reason_code: str
    detail: str | None  # what is wrong, beyond the reason's meaning; never the file's content
    raw: str  # the line as text, for ingest.quarantine.raw_record


@dataclass
class Scan:
    body: bytes  # the good records, in order, for the parser
    rows: np.ndarray  # the physical row number of each record in ``body``
    bad: list[BadRecord] = field(default_factory=list)
    carry: bytes = b""  # an unfinished quoted record, continued in the next block
    carry_lines: int = 0  # lines of this block before ``carry`` starts (all, without carry)
    control_free: bool | None = None  # ``body`` holds no control character (None: not counted)


@dataclass
class ByteCounts:
    line_feeds: int
    separators: int
    quotes: int
    control: int  # control characters: bytes below 0x20 but LF, CR and tab; and 0x7F


_CHUNK = 1 << 18  # bytes compared at a time: the comparisons' scratch stays in the cache


def count_bytes(data: bytes, sep: int) -> ByteCounts:
    """The line feeds, separators, quotes and control characters of ``data`` in one pass (in
    UTF-8 these bytes are never part of another character)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    scratch = np.empty(min(_CHUNK, arr.size), dtype=bool)
    lf = seps = quotes = low = allowed = delete = 0
    for start in range(0, arr.size, _CHUNK):
        chunk = arr[start : start + _CHUNK]
        hit = scratch[: chunk.size]
        lf += np.count_nonzero(np.equal(chunk, LF, out=hit))
        seps += np.count_nonzero(np.equal(chunk, sep, out=hit))
        quotes += np.count_nonzero(np.equal(chunk, QUOTE, out=hit))
        delete += np.count_nonzero(np.equal(chunk, 0x7F, out=hit))
        below = np.count_nonzero(np.less(chunk, 0x20, out=hit))
        low += below
        if below:
            allowed += np.count_nonzero(np.equal(chunk, CR, out=hit))
            if sep != TAB:
                allowed += np.count_nonzero(np.equal(chunk, TAB, out=hit))
    allowed += lf + (seps if sep == TAB else 0)
    return ByteCounts(int(lf), int(seps), int(quotes), int(low - allowed + delete))


def raw_text(data: bytes) -> str:
    """A bad line as printable text: control characters escaped, long lines cut."""
    text = data.decode("utf-8", errors="replace").rstrip("\r\n")
    text = "".join(ch if ch >= " " or ch == "\t" else f"\\x{ord(ch):02x}" for ch in text)
    if len(text) > RAW_LIMIT:
        text = f"{text[:RAW_LIMIT]}… ({len(text):,} characters)"
    return text


def split_record(text: str, sep: str) -> list[str | None] | None:
    """Split one record (it may span lines) like RFC 4180; ``None`` when its quoting is broken.

    An unquoted empty cell is ``None``, a quoted one ``""`` (as the fast parser does)."""
    fields: list[str | None] = []
    i, n = 0, len(text)
    if text.endswith("\r"):
        n -= 1
    while True:
        if i < n and text[i] == '"':
            i += 1
            chunks = []
            while True:
                j = text.find('"', i)
                if j < 0 or j >= n:
                    return None  # never closed
                chunks.append(text[i:j])
                if j + 1 < n and text[j + 1] == '"':
                    chunks.append('"')
                    i = j + 2
                    continue
                i = j + 1
                break
            fields.append("".join(chunks))
            if i < n and text[i] != sep:
                return None  # text after the closing quote
        else:
            j = text.find(sep, i)
            j = n if j < 0 or j > n else j
            cell = text[i:j]
            if '"' in cell:
                return None  # a quote inside an unquoted cell
            fields.append(cell if cell else None)
            i = j
        if i >= n:
            return fields
        i += 1  # the separator
        if i == n:
            fields.append(None)
            return fields


def _line_bounds(arr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end (exclusive of the line feed) of every line of ``arr``."""
    newlines = np.flatnonzero(arr == LF)
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(arr)]))
    if len(arr) and arr[-1] == LF:  # the last line feed ends the last line
        starts, ends = starts[:-1], ends[:-1]
    return starts, ends


def scan_block(
    data: bytes,
    first_line: int,
    ncols: int,
    sep: bytes,
    max_lines: int,
    final: bool,
    bad_lines: dict[int, str] | None = None,
    quarantine_unterminated_last_line: bool = True,
) -> Scan:
    """Find the records of ``data`` (complete lines; the last may lack its line feed only when
    ``final``). ``first_line`` is the physical number of its first line; ``bad_lines`` maps line
    indexes that did not decode to their reason."""
    bad_lines = bad_lines or {}
    if not data:
        return Scan(b"", np.empty(0, dtype=np.int64))
    if not bad_lines and data.endswith(b"\n"):
        counts = count_bytes(data, sep[0])
        lines = counts.line_feeds
        if not counts.quotes and ncols > 1 and counts.separators == (ncols - 1) * lines:
            # No quotes and the right number of separators in all: one record per line (the
            # parser refuses a line with too many fields, so none can have too few, and a blank
            # line would have none).
            rows = np.arange(first_line, first_line + lines, dtype=np.int64)
            return Scan(data, rows, carry_lines=lines, control_free=not counts.control)
    arr = np.frombuffer(data, dtype=np.uint8)
    starts, ends = _line_bounds(arr)
    nlines = len(starts)
    sep_byte = sep[0]

    quotes = np.flatnonzero(arr == QUOTE)
    quote_line = np.searchsorted(starts, quotes, side="right") - 1
    quotes_per_line = np.bincount(quote_line, minlength=nlines)
    first_quote = np.searchsorted(quotes, starts)
    ordinal = np.arange(len(quotes)) - first_quote[quote_line]
    before = np.where(quotes > 0, arr[np.maximum(quotes - 1, 0)], LF)
    after = np.where(quotes + 1 < len(arr), arr[np.minimum(quotes + 1, len(arr) - 1)], LF)
    at_start = quotes == starts[quote_line]
    at_end = quotes + 1 == ends[quote_line]
    opening_ok = at_start | (before == sep_byte) | (before == QUOTE)
    closing_ok = at_end | (after == sep_byte) | (after == QUOTE) | (after == CR)
    misplaced = np.where(ordinal % 2 == 0, ~opening_ok, ~closing_ok)
    bad_quoting = np.zeros(nlines, dtype=bool)
    bad_quoting[quote_line[misplaced]] = True

    seps = np.flatnonzero(arr == sep_byte)
    sep_line = np.searchsorted(starts, seps, side="right") - 1
    quotes_before = np.searchsorted(quotes, seps) - first_quote[sep_line]
    fields = 1 + np.bincount(sep_line[quotes_before % 2 == 0], minlength=nlines)

    odd = quotes_per_line % 2 == 1
    length = ends - starts
    blank = (length == 0) | ((length == 1) & (arr[np.minimum(starts, len(arr) - 1)] == CR))
    special = odd | bad_quoting | (fields != ncols) | blank
    for index in bad_lines:
        special[index] = True
    unterminated_last = final and len(arr) and arr[-1] != LF
    if unterminated_last and quarantine_unterminated_last_line:
        special[nlines - 1] = True

    excluded = np.zeros(nlines, dtype=bool)  # not given to the parser
    continuation = np.zeros(nlines, dtype=bool)  # inside a multi-line record
    odd_lines = np.flatnonzero(odd)
    bad: list[BadRecord] = []
    carry_from: int | None = None

    def line_bytes(i: int, j: int | None = None) -> bytes:
        return data[starts[i] : ends[i if j is None else j]]

    def quarantine(i: int, reason: str, detail: str | None) -> None:
        excluded[i] = True
        bad.append(BadRecord(first_line + i, reason, detail, raw_text(line_bytes(i))))

    skip_until = -1
    for i in np.flatnonzero(special).tolist():
        if i <= skip_until:
            continue
        if odd[i] and not bad_quoting[i]:  # a quoted cell opens here and runs on
            k = np.searchsorted(odd_lines, i, side="right")
            j = int(odd_lines[k]) if k < len(odd_lines) else None
            if j is not None and j - i + 1 <= max_lines:
                record = line_bytes(i, j).decode("utf-8", errors="replace")
                cells = split_record(record, sep.decode())
                reason = next((bad_lines[x] for x in range(i, j + 1) if x in bad_lines), None)
                if reason is None and cells is None:
                    reason = "malformed_quotes"
                if reason is None and len(cells) != ncols:
                    reason = "wrong_field_count"
                cut = unterminated_last and j == nlines - 1 and quarantine_unterminated_last_line
                if reason is None and cut:
                    reason = "truncated_row"
                if reason is None:
                    continuation[i + 1 : j + 1] = True
                else:
                    detail = _detail(reason, ncols, len(cells) if cells else None)
                    span = f"in the record spanning rows {first_line + i}–{first_line + j}"
                    for x in range(i, j + 1):
                        quarantine(x, reason, f"{detail}; {span}" if detail else span)
                skip_until = j
                continue
            if j is None and nlines - i < max_lines and not final:
                carry_from = i  # the record may close in the next block
                excluded[i:] = True
                break
            if j is None and final and unterminated_last and nlines - i <= max_lines:
                for x in range(i, nlines):
                    quarantine(
                        x,
                        "truncated_row",
                        f"the file ends inside a quoted cell opened on row {first_line + i}: "
                        "the row was cut off",
                    )
                break
            if i in bad_lines:
                quarantine(i, bad_lines[i], _detail(bad_lines[i], ncols, None))
            else:
                quarantine(
                    i,
                    "unterminated_quote",
                    f"a quoted cell opened on this row is not closed within {max_lines} lines",
                )
            continue
        if i in bad_lines:
            quarantine(i, bad_lines[i], _detail(bad_lines[i], ncols, None))
        elif blank[i] or not line_bytes(i).strip():
            excluded[i] = True  # a blank line is not a row
        elif unterminated_last and i == nlines - 1 and quarantine_unterminated_last_line:
            quarantine(
                i,
                "truncated_row",
                "the file does not end with a line break, so its last row may be cut off",
            )
        elif bad_quoting[i]:
            quarantine(i, "malformed_quotes", _detail("malformed_quotes", ncols, None))
        elif fields[i] != ncols:
            quarantine(i, "wrong_field_count", _detail("wrong_field_count", ncols, int(fields[i])))

    keep = ~excluded
    rows = first_line + np.flatnonzero(keep & ~continuation)
    if keep.all():
        body = data if data.endswith(b"\n") else data + b"\n"
    else:
        body = _join_kept(data, starts, ends, keep)
    carry = b"" if carry_from is None else data[starts[carry_from] :]
    return Scan(
        body, rows.astype(np.int64), bad, carry, nlines if carry_from is None else carry_from
    )


def _join_kept(data: bytes, starts: np.ndarray, ends: np.ndarray, keep: np.ndarray) -> bytes:
    """The kept lines of ``data`` (each with its line feed), in order."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], keep.astype(np.int8), [0]))))
    parts = []
    view = memoryview(data)
    for first, last in zip(edges[::2].tolist(), (edges[1::2] - 1).tolist(), strict=True):
        parts.append(view[starts[first] : ends[last]])
        parts.append(b"\n")
    return b"".join(parts)


def _detail(reason: str, ncols: int, found: int | None) -> str | None:
    if reason == "wrong_field_count":
        count = "another number of" if found is None else str(found)
        return f"{count} fields where the header has {ncols}"
    if reason == "truncated_row":
        return "the file does not end with a line break, so its last row may be cut off"
    return None
