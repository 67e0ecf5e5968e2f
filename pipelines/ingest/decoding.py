"""Text from bytes, line by line when it has to be: UTF-8, UTF-8 with BOM, UTF-16 with BOM, GB18030.

A file's encoding is read from its bytes, never from its name: a UTF-16 byte-order mark decides;
else (a UTF-8 byte-order mark removed: some tools put one before GBK text) the first block holding
non-ASCII bytes decides: strict UTF-8 if it is; else UTF-8 still when most of its non-ASCII
lines are valid UTF-8 (a UTF-8 file with a few GBK lines: UTF-8 text often decodes as GB18030 too,
as nonsense); else GB18030 (a superset of the GBK and GB2312 that Excel on Chinese Windows writes).
Lines that do not decode in the file's encoding are reported (with their index in the block), to
be quarantined with their row number.
The result is always UTF-8 bytes with the same lines as the input: a bad line is kept, decoded with
replacement characters, so that the quoting structure around it survives.

The line feed, the quote and the separators are ASCII bytes that never occur inside a multi-byte
character of these encodings, so lines can be found before decoding.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

ACCEPTED = ("utf-8", "gb18030")


class Undecodable(Exception):
    """The block is not text in any accepted encoding (too many bad lines)."""


@dataclass
class Decoder:
    """Decodes one file's blocks in order; ``encoding`` is decided by the first block that needs
    it and kept for the rest of the file."""

    max_bad_share: float = 0.5
    encoding: str | None = None  # utf-8 | utf-8-sig | utf-16 | gb18030; None while all ASCII
    _first: bool = field(default=True, repr=False)
    _bom: bool = field(default=False, repr=False)

    def decode(self, data: bytes) -> tuple[bytes, dict[int, str]]:
        """UTF-8 bytes of ``data`` and ``{line index in data: reason code}`` of its bad lines."""
        if self._first:
            self._first = False
            if data.startswith(codecs.BOM_UTF8):
                data = data[len(codecs.BOM_UTF8) :]
                self._bom = True
            elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self.encoding = "utf-16"
                try:
                    return data.decode("utf-16").encode("utf-8"), {}
                except UnicodeDecodeError:
                    raise Undecodable("the bytes are not valid UTF-16 text") from None
        if self.encoding == "utf-16":  # already turned into UTF-8 by the first call
            return data, {}
        if data.isascii():
            if self._bom and self.encoding is None:
                self.encoding = "utf-8-sig"
            return data, {}
        if self.encoding is None:
            return self._decide(data)
        codec = "utf-8" if self.encoding in ("utf-8", "utf-8-sig") else self.encoding
        if codec == "utf-8":
            # Validating here would cost a full pass: the CSV parser validates UTF-8 anyway, and
            # a block it refuses comes back through ``lines``.
            return data, {}
        out, bad = decode_lines(data, codec)
        self._check_share(data, bad)
        return out, bad

    def lines(self, data: bytes) -> tuple[bytes, dict[int, str]]:
        """``data`` (bytes this decoder returned, which a parser then found invalid) line by line
        as UTF-8: what ``decode`` passed on unchecked is checked now."""
        out, bad = decode_lines(data, "utf-8")
        self._check_share(data, bad)
        return out, bad

    def _decide(self, data: bytes) -> tuple[bytes, dict[int, str]]:
        """The first block with non-ASCII bytes decides. UTF-8 text with a few GBK lines often
        still decodes as GB18030 (as nonsense), so UTF-8 wins whenever more of the block's
        non-ASCII lines are valid UTF-8 than are not; then its other lines are the bad ones."""
        if valid_utf8(data):
            self.encoding = "utf-8-sig" if self._bom else "utf-8"
            return data, {}
        out, bad = decode_lines(data, "utf-8")
        non_ascii = sum(1 for line in data.split(b"\n") if not line.isascii())
        if non_ascii - len(bad) > len(bad):
            self.encoding = "utf-8-sig" if self._bom else "utf-8"
        else:
            # a UTF-8 byte-order mark before GBK text happens (a tool adding it blindly)
            self.encoding = "gb18030"
            try:
                return data.decode("gb18030").encode("utf-8"), {}
            except UnicodeDecodeError:
                out, bad = decode_lines(data, "gb18030")
        self._check_share(data, bad)
        return out, bad

    def _check_share(self, data: bytes, bad: dict[int, str]) -> None:
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if bad and len(bad) > self.max_bad_share * lines:
            raise Undecodable(
                f"{len(bad):,} of {lines:,} lines are not text in any accepted encoding (tried "
                f"{', '.join(ACCEPTED)})"
            )


def valid_utf8(data: bytes) -> bool:
    """Whether ``data`` is valid UTF-8: Arrow's vectorised check, without building a Python
    string (three times faster than ``bytes.decode`` on Chinese text)."""
    offsets = np.array([0, len(data)], dtype=np.int64)
    array = pa.Array.from_buffers(
        pa.large_binary(), 1, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    try:
        array.cast(pa.large_string())
    except pa.ArrowInvalid:
        return False
    return True


def decode_lines(data: bytes, codec: str) -> tuple[bytes, dict[int, str]]:
    """Decode ``data`` with ``codec``; lines that fail are decoded with replacement characters
    and reported as ``undecodable_line``. Work is linear: decoding resumes after each bad line."""
    view = memoryview(data)
    parts: list[str] = []
    bad: dict[int, str] = {}
    pos = 0
    line = 0  # index of the line starting at ``pos``
    while pos < len(data):
        try:
            parts.append(codecs.decode(view[pos:], codec))
            break
        except UnicodeDecodeError as exc:
            error_at = pos + exc.start
        line_start = data.rfind(b"\n", pos, error_at) + 1 or pos
        line_start = max(line_start, pos)
        line_end = data.find(b"\n", error_at)
        line_end = len(data) if line_end < 0 else line_end + 1
        parts.append(codecs.decode(view[pos:line_start], codec))
        line += data.count(b"\n", pos, line_start)
        parts.append(codecs.decode(view[line_start:line_end], codec, errors="replace"))
        bad[line] = "undecodable_line"
        line += 1
        pos = line_end
    return "".join(parts).encode("utf-8"), bad
