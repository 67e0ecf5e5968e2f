"""The fast cleaning of text cells (``textclean``) gives exactly Polars' NFKC, trimmed, empty →
null, whatever the text: random text from every kind of character, hostile text, odd layouts."""

from __future__ import annotations

import random
import unicodedata

import polars as pl
import pytest

from pipelines.ingest.textclean import MAPPED, SAFE, _tables, clean_expr, clean_series

CJK = [*range(0x4E00, 0x4E60), *range(0x9F00, 0x9F10), *range(0x3400, 0x3410)]
PUNCTUATION = [*range(0x3000, 0x3040), *range(0xFF00, 0xFFF0), *range(0x2010, 0x2070)]
ASCII = [*range(0x20, 0x7F), 0x09, 0x0A, 0x0D, 0x0B, 0x0C, 0x00, 0x1F, 0x7F]
HOSTILE = [
    0x0301, 0x0308, 0x0323, 0x3099, 0x309A, 0xFF9E, 0xFF9F,  # combining and voicing marks
    0x1100, 0x1161, 0x11A8, 0xAC00, 0xAC01,  # Hangul jamo and syllables
    0x304B, 0x30AB, 0xFF76, 0xFF61,  # kana, half-width katakana
    0x2460, 0x2160, 0xFB01, 0x212B, 0x2126, 0xF900, 0xFA10, 0x3250, 0x32FF, 0x33A1,  # compat
    0xA0, 0xAA, 0xB2, 0xBD, 0x17F, 0x2002, 0x2028, 0x205F, 0x85, 0x1680, 0xFEFF, 0x200B,
    0xFFE5, 0xFFE0, 0x0CCB, 0x0CC2, 0x0CD5, 0x09BE, 0x09D7, 0x0B3E, 0x1B35,  # composition seconds
    0x1F600, 0x20000, 0x2F800, 0x1109A, 0x11099, 0x110BA, 0x1D15E, 0xE000, 0xFFFD,  # astral
    0x0378, 0x9FFF, 0x4DC0, 0x2FA1D,
]  # fmt: skip


def _slow(values: list[str | None]) -> list[str | None]:
    return (
        pl.DataFrame({"v": values}, schema={"v": pl.String})
        .select(clean_expr(pl.col("v")))["v"]
        .to_list()
    )


def _text(rng: random.Random, pool: list[int], most: int = 12) -> str | None:
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.08:
        return rng.choice(["", " ", "\u3000", "\t \r", "\u00a0x\u00a0"])
    return "".join(chr(rng.choice(pool)) for _ in range(rng.randint(0, most)))


@pytest.mark.parametrize(
    "pool",
    [ASCII, ASCII + CJK, CJK + PUNCTUATION, ASCII + CJK + PUNCTUATION + HOSTILE, HOSTILE],
    ids=["ascii", "ascii+cjk", "cjk+punctuation", "everything", "hostile"],
)
def test_fast_cleaning_equals_nfkc_on_random_text(pool):
    rng = random.Random(len(pool))
    values = [_text(rng, pool) for _ in range(30_000)]
    assert clean_series(pl.Series(values, dtype=pl.String)).to_list() == _slow(values)


def test_fast_cleaning_equals_nfkc_on_every_bmp_character_in_context():
    """Each BMP character alone, after a starter, before a combining mark and at the edges."""
    chars = [chr(cp) for cp in range(0x80, 0x10000) if not 0xD800 <= cp <= 0xDFFF]
    values = []
    for ch in chars:
        values += [ch, f"a{ch}", f"{ch}\u0301", f" {ch}x", f"中{ch}文，", f"ｅ{ch}"]
    assert clean_series(pl.Series(values)).to_list() == _slow(values)


def test_fast_cleaning_on_sliced_and_chunked_columns():
    rng = random.Random(7)
    pool = ASCII + CJK + PUNCTUATION + HOSTILE
    parts = [pl.Series([_text(rng, pool) for _ in range(5_000)]) for _ in range(3)]
    chunked = parts[0].append(parts[1]).append(parts[2])
    assert chunked.n_chunks() == 3
    assert clean_series(chunked).to_list() == _slow(chunked.to_list())
    sliced = chunked.slice(1_234, 6_000)
    assert clean_series(sliced).to_list() == _slow(sliced.to_list())
    assert clean_series(pl.Series([], dtype=pl.String)).to_list() == []
    assert clean_series(pl.Series([None, None], dtype=pl.String)).to_list() == [None, None]


def test_the_character_classes_are_what_the_proof_needs():
    """Safe characters are their own NFKC and no composition second; mapped ones become one
    non-blank ASCII character; every composite whose second character is in the BMP lies in the
    planes the tables scan."""
    classes, images = _tables()
    for cp in range(0x80, 0x10000):
        ch = chr(cp)
        if classes[cp] == SAFE:
            assert unicodedata.normalize("NFKC", ch) == ch and not ch.isspace(), hex(cp)
            assert not unicodedata.combining(ch), hex(cp)
        elif classes[cp] == MAPPED:
            assert unicodedata.normalize("NFKC", ch) == chr(images[cp]), hex(cp)
            assert not chr(images[cp]).isspace()
    for cp in range(0x20000, 0x110000):
        decomposition = unicodedata.decomposition(chr(cp))
        if decomposition and not decomposition.startswith("<"):
            assert len(decomposition.split()) == 1, hex(cp)  # singletons compose with nothing
