"""One normalisation for index and query: NFKC, lower case, Traditional→Simplified, Han spaces
joined; with a map from every normalised offset back to the stored text."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import accumulate
from operator import sub

import opencc

HAN_CLASS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
HAN_RUN = re.compile(f"[{HAN_CLASS}]+")
# Horizontal space between two Han characters is a segmenter's cut, not a writer's boundary.
# The pattern starts on the space and looks back from there: 4x faster over a long text than
# a look-behind tried at every character.
_SPACE = "[ \t\u00a0\u200b\ufeff]"
_HAN_GAP = re.compile(f"{_SPACE}(?<=[{HAN_CLASS}]{_SPACE}){_SPACE}*(?=[{HAN_CLASS}])")


@cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


@lru_cache(maxsize=65536)
def _fold_char(char: str) -> str:
    return unicodedata.normalize("NFKC", char).lower()


_ONE_TO_ONE: set[str] = set()  # characters seen folding to exactly one character


def _one_to_one(chars: set[str]) -> bool:
    """Does every character fold to exactly one? (Only those never seen before are checked.)"""
    for char in chars - _ONE_TO_ONE:
        if len(_fold_char(char)) != 1:
            return False
        _ONE_TO_ONE.add(char)
    return True


@dataclass(frozen=True)
class OffsetMap:
    """Piecewise-linear map from offsets in a derived string to offsets in its source."""

    starts: tuple[int, ...] = (0,)
    sources: tuple[int, ...] = (0,)

    def __call__(self, pos: int) -> int:
        i = bisect_right(self.starts, pos) - 1
        return self.sources[i] + (pos - self.starts[i])


IDENTITY = OffsetMap()


class _MapBuilder:
    """Collects breakpoints while a transform walks its input."""

    def __init__(self) -> None:
        self.starts = [0]
        self.sources = [0]

    def mark(self, out_pos: int, src_pos: int) -> None:
        if self.sources[-1] + (out_pos - self.starts[-1]) == src_pos:
            return
        if self.starts[-1] == out_pos:
            self.sources[-1] = src_pos
        else:
            self.starts.append(out_pos)
            self.sources.append(src_pos)

    def build(self) -> OffsetMap:
        if len(self.starts) == 1 and self.sources[0] == 0:
            return IDENTITY
        return OffsetMap(tuple(self.starts), tuple(self.sources))


@dataclass(frozen=True)
class Normalized:
    """Normalised text plus the maps that lead each of its offsets back to the original."""

    text: str
    maps: tuple[OffsetMap, ...] = ()

    def source_offset(self, pos: int) -> int:
        for offset_map in reversed(self.maps):
            pos = offset_map(pos)
        return pos

    def packed(self) -> tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]:
        """The offset maps as plain tuples, stored beside the normalised text so that marking
        a hit needs no normalisation at query time."""
        return tuple((m.starts, m.sources) for m in self.maps)

    @classmethod
    def unpacked(cls, text: str, packed: tuple) -> Normalized:
        """The inverse of packed()."""
        return cls(text, tuple(OffsetMap(starts, sources) for starts, sources in packed))

    def source_span(self, start: int, end: int) -> tuple[int, int]:
        """The original text's [start, end) that normalised into text[start:end]."""
        if end <= start:
            s = self.source_offset(start)
            return s, s
        return self.source_offset(start), self.source_offset(end - 1) + 1


def _fold_chars(text: str) -> tuple[str, OffsetMap]:
    """NFKC + lower case per character, recording where a character grew or shrank."""
    pieces: list[str] = []
    builder = _MapBuilder()
    out = 0
    for src, char in enumerate(text):
        folded = _fold_char(char)
        for k in range(len(folded)):
            builder.mark(out + k, src)
        out += len(folded)
        pieces.append(folded)
    builder.mark(out, len(text))
    return "".join(pieces), builder.build()


def _to_simplified(text: str) -> str:
    converted = _t2s().convert(text)
    if len(converted) == len(text):
        return converted
    per_char = "".join(_t2s().convert(c) for c in text)
    return per_char if len(per_char) == len(text) else text


def _join_han(text: str) -> tuple[str, OffsetMap]:
    """Han gaps removed; each gap's end is a breakpoint (gaps never touch: Han lies between)."""
    spans = [m.span() for m in _HAN_GAP.finditer(text)]
    if not spans:
        return text, IDENTITY
    ends = [end for _, end in spans]
    removed = accumulate(end - start for start, end in spans)
    starts = (0, *map(sub, ends, removed))
    return _HAN_GAP.sub("", text), OffsetMap(starts, (0, *ends))


def reading_form(text: str) -> tuple[str, Callable[[int], int]]:
    """Text as a reader reads it: the spaces a segmenter put between Han characters removed
    (字节 跳动 → 字节跳动, the same joining the index does), with where each offset of the
    text lands in it (an offset inside a removed gap lands where the gap was). The gaps are
    listed only as far as the offsets asked for: a long item marked near its start, or not at
    all, is not walked to its end."""
    reading = _HAN_GAP.sub("", text)
    if len(reading) == len(text):
        return text, _same
    upcoming = _HAN_GAP.finditer(text)
    gaps: list[tuple[int, int]] = []
    starts: list[int] = []
    removed: list[int] = [0]  # characters removed before each listed gap, and after the last

    def moved(pos: int) -> int:
        while not starts or starts[-1] <= pos:  # list every gap starting at or before pos
            gap = next(upcoming, None)
            if gap is None:
                break
            gaps.append(gap.span())
            starts.append(gap.start())
            removed.append(removed[-1] + gap.end() - gap.start())
        at = bisect_right(starts, pos) - 1
        if at < 0:
            return pos
        start, end = gaps[at]
        return start - removed[at] if pos < end else pos - removed[at + 1]

    return reading, moved


def _same(pos: int) -> int:
    return pos


def normalize(text: str) -> Normalized:
    """The searchable form of text, with offsets back into it."""
    # Whole-text NFKC is fast; when no character grows or shrinks (full-width punctuation and
    # letters, the common case), characters map one to one and no offset map is needed.
    if unicodedata.is_normalized("NFKC", text):  # then each character is its own NFKC form
        folded = text.lower()
        uneven = len(folded) != len(text)
    else:
        folded = unicodedata.normalize("NFKC", text).lower()
        uneven = len(folded) != len(text) or not _one_to_one(set(text))
    fold_map = IDENTITY
    if uneven:
        folded, fold_map = _fold_chars(text)
    simplified = _to_simplified(folded)
    joined, join_map = _join_han(simplified)
    maps = tuple(m for m in (fold_map, join_map) if m is not IDENTITY)
    return Normalized(joined, maps)


def fold(text: str) -> str:
    """Just the normalised text (queries, verification)."""
    return normalize(text).text
