"""UTF-8 byte offsets (what the C library gives) to ``str`` indices.

The library's text is valid UTF-8, so every character takes 1 to 4
bytes; should a byte ever not decode, ``surrogateescape`` makes it one
character of its own, so the mapping stays exact either way.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import List, Sequence, Tuple


def decode(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _char_starts(text: str) -> List[int]:
    """Byte offset of each character of ``text`` and, last, its length."""
    starts = [0] * (len(text) + 1)
    pos = 0
    for i, ch in enumerate(text):
        starts[i] = pos
        cp = ord(ch)
        if cp < 0x80 or 0xDC80 <= cp <= 0xDCFF:  # ASCII, or an escaped byte
            pos += 1
        elif cp < 0x800:
            pos += 2
        elif cp < 0x10000:
            pos += 3
        else:
            pos += 4
    starts[len(text)] = pos
    return starts


def spans_to_str(text: str,
                 spans: Sequence[Tuple[int, int]]) -> List[Tuple[int, int]]:
    """Byte ranges [start, end) of ``text``'s UTF-8 as ``str`` ranges.

    A range that cut a character (the library never makes one) is widened
    to whole characters.
    """
    if not spans:
        return []
    if text.isascii():
        return [(s, e) for s, e in spans]
    starts = _char_starts(text)
    out = []
    for s, e in spans:
        first = bisect_right(starts, s) - 1
        last = bisect_left(starts, e)
        out.append((max(first, 0), min(last, len(text))))
    return out
