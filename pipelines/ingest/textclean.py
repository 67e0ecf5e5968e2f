"""Every text cell's cleaning — Unicode NFKC, trimmed, empty → null — fast where the text allows.

Polars' NFKC decomposes and recomposes every character of every cell (~40 MB/s here), while a
Chinese CRM extract is mostly characters NFKC leaves alone (CJK ideographs, ASCII) plus a few it
maps to one ASCII character (full-width punctuation: ``，`` → ``,``). So each column's bytes are
classified at once with NumPy, and only what needs it gets the full treatment:

- *safe* characters are left as they are: NFKC maps each to itself, none is a combining mark or
  can compose with the character before it, none is whitespace;
- *mapped* characters are replaced by their one-character ASCII image (not whitespace) in the
  buffer, bytes dropped and offsets shifted;
- a cell holding any other character (accents, compatibility forms, half-width katakana,
  characters outside the BMP, non-ASCII whitespace, unassigned code points), an edge byte that
  is ASCII whitespace, or no character at all, goes through Polars' own NFKC, trim and
  empty → null (:func:`clean_expr`), exactly as before.

Why this equals NFKC on a cell of safe and mapped characters only: NFKC is decompose, reorder,
compose. A safe character's full decomposition recomposes to itself, a mapped one decomposes to
ASCII; every character involved is a starter (no reordering), and composition only joins a
starter with a following *composition second*, which no safe character and no ASCII character is.
Whitespace is never produced, so trimming is decided by the original edge bytes. The test
``tests/ingest/test_textclean.py`` checks it against Polars' NFKC on random and hostile text.
"""

from __future__ import annotations

import functools
import unicodedata

import numpy as np
import polars as pl
import pyarrow as pa

SAFE, MAPPED, SLOW = 0, 1, 2
# Trimmed by Polars' ``strip_chars()`` (Rust's White_Space) among ASCII bytes.
_ASCII_SPACE = np.zeros(256, dtype=bool)
_ASCII_SPACE[[0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20]] = True
# Hangul vowel and trailing-consonant jamo compose algorithmically with the syllable before them.
_HANGUL_SECONDS = (range(0x1161, 0x1176), range(0x11A8, 0x11C3))
_CJK_LEADS = (0xE4, 0xE9)  # lead bytes of U+4000–U+9FFF, never looked at


def clean_expr(expr: pl.Expr) -> pl.Expr:
    """The slow path as an expression: NFKC, trimmed, empty → null (one reference to the text:
    an eager query would compute it once per reference)."""
    return expr.cast(pl.String).str.normalize("NFKC").str.strip_chars().replace("", None)


@functools.cache
def _tables() -> tuple[np.ndarray, np.ndarray]:
    """For every BMP code point its class and, when mapped, its ASCII byte."""
    seconds: set[int] = {cp for r in _HANGUL_SECONDS for cp in r}
    # composites with a second character in the BMP are all in planes 0 and 1 (a test checks it)
    for cp in range(0x20000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2:
                seconds.add(int(parts[1], 16))
    classes = np.full(0x10000, SLOW, dtype=np.uint8)
    images = np.zeros(0x10000, dtype=np.uint8)
    classes[:0x80] = SAFE
    for cp in range(0x80, 0x10000):
        ch = chr(cp)
        if (
            0xD800 <= cp <= 0xDFFF
            or unicodedata.category(ch) == "Cn"
            or ch.isspace()
            or unicodedata.combining(ch)
            or cp in seconds
        ):
            continue
        image = unicodedata.normalize("NFKC", ch)
        if image == ch:
            classes[cp] = SAFE
        elif len(image) == 1 and ord(image) < 0x80 and not _ASCII_SPACE[ord(image)]:
            classes[cp] = MAPPED
            images[cp] = ord(image)
    # three-byte sequences starting with these bytes are U+4000–U+9FFF: CJK ideographs (and the
    # Yijing hexagrams), all safe — checked here, as the skip in clean_series relies on it
    first, last = _CJK_LEADS
    if not (classes[(first & 0x0F) << 12 : ((last & 0x0F) + 1) << 12] == SAFE).all():
        raise RuntimeError("this Python's Unicode data makes a CJK ideograph unsafe")
    return classes, images


def _large_string(series: pl.Series) -> pa.LargeStringArray:
    # through string views: Polars' own large-string export may keep bytes under null cells
    array = series.to_arrow(compat_level=pl.CompatLevel.newest())
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    array = array.cast(pa.large_string())
    if array.offset:  # buffers from the start
        array = pa.concat_arrays([array])
    return array


def clean_series(series: pl.Series) -> pl.Series:
    """``clean_expr`` of ``series``, computed the fast way where the text allows."""
    series = series.cast(pl.String)
    if not len(series) or series.null_count() == len(series):
        return series
    array = _large_string(series)
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64, count=len(array) + 1)
    data = np.frombuffer(array.buffers()[2] or b"", dtype=np.uint8, count=int(offsets[-1]))
    if offsets[0]:  # bytes before the first cell are none of the column's
        data, offsets = data[offsets[0] :], offsets - offsets[0]
    slow = _edges(series, offsets, data)
    if data.size and int(data.max()) >= 0x80:
        mapped_at, width, image = _characters(offsets, data, slow)
        if mapped_at.size:
            data, offsets = _replace(offsets, data, mapped_at, width, image)
            series_out = pl.Series(
                series.name,
                pa.LargeStringArray.from_buffers(
                    len(array), pa.py_buffer(offsets), pa.py_buffer(data), array.buffers()[0]
                ),
            )
        else:
            series_out = series
    else:
        series_out = series
    if slow.any():
        index = pl.Series(np.flatnonzero(slow), dtype=pl.UInt32)
        fixed = pl.DataFrame({"v": series.gather(index)}).select(clean_expr(pl.col("v")))
        series_out = series_out.scatter(index, fixed.to_series())
    return series_out


def _edges(series: pl.Series, offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Cells that need the slow path for their shape: ASCII whitespace at either end, or empty
    (not null)."""
    empty = offsets[:-1] == offsets[1:]
    if not data.size:
        return empty & ~series.is_null().to_numpy()
    first = data.take(offsets[:-1], mode="clip")
    last = data.take(offsets[1:] - 1, mode="clip")
    slow = _ASCII_SPACE[first]
    slow |= _ASCII_SPACE[last]
    slow &= ~empty
    if int(np.count_nonzero(empty)) > series.null_count():  # "" cells: null after cleaning
        slow |= empty & ~series.is_null().to_numpy()
    return slow


def _characters(
    offsets: np.ndarray, data: np.ndarray, slow: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mark the cells holding a slow character in ``slow``; return where the mapped characters
    are (byte offset of each), their width in bytes and their ASCII image."""
    classes, images = _tables()
    # lead bytes that start a character worth looking at: not the CJK ideographs' leads
    look = np.subtract(data, np.uint8(_CJK_LEADS[0])) > np.uint8(_CJK_LEADS[1] - _CJK_LEADS[0])
    look &= data >= 0xC0
    at = np.flatnonzero(look)
    del look
    lead = data[at].astype(np.int32)
    b1 = data.take(at + 1, mode="clip").astype(np.int32) & 0x3F
    b2 = data.take(at + 2, mode="clip").astype(np.int32) & 0x3F
    two = lead < 0xE0
    code = np.where(two, ((lead & 0x1F) << 6) | b1, ((lead & 0x0F) << 12) | (b1 << 6) | b2)
    kind = np.where(lead >= 0xF0, SLOW, classes[code & 0xFFFF])  # four bytes: beyond the BMP
    slow[np.searchsorted(offsets, at[kind == SLOW], side="right") - 1] = True
    mapped = kind == MAPPED
    return at[mapped], np.where(two[mapped], 2, 3), images[code[mapped]]


def _replace(
    offsets: np.ndarray, data: np.ndarray, at: np.ndarray, width: np.ndarray, image: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``data`` with the character of ``width`` bytes at each of ``at`` replaced by one ASCII
    byte ``image``, and the offsets shifted accordingly."""
    keep = np.ones(data.size, dtype=bool)
    keep[at + 1] = False
    keep[(at + 2)[width == 3]] = False
    out = data[keep]
    dropped = np.cumsum(width - 1)
    out[at - (dropped - (width - 1))] = image
    dropped = np.concatenate(([0], dropped))
    return out, offsets - dropped[np.searchsorted(at, offsets, side="left")]
