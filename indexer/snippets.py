"""Marks and passages straight from the stored text: the normalised query strings are found in
the normalised text and mapped back, so no segmenter runs over a hit at query time. Marked text
is data (pieces of text, each plain or marked), written out as HTML for the page and the API
(as_html), as plain text (as_plain), or for a terminal by the CLI."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from html import escape
from typing import Literal, NamedTuple

from .normalize import Normalized, reading_form

PASSAGE_CHARS = 120
MAX_PASSAGES = 3
_LEAD = 30
# Occurrences of one word checked for straddling: each cuts its Han run, so a very long item
# stops checking past this many (the rest are marked as words).
MAX_ALIGN_CHECKS = 2000
# Matches a hit's passages are chosen among: the first ones of a very long item are enough.
PASSAGE_SPANS = 1000


@dataclass(frozen=True)
class Span:
    """[start, end) in the stored text, which needles matched there (the typed string's span
    covers the words inside it), and whether that match is a typed word whose characters only
    meet across two words of the text (a straddle)."""

    start: int
    end: int
    needles: frozenset[int]
    straddle: bool = False


Aligned = Callable[[str, int, int], bool]


def find_spans(
    norm: Normalized,
    needles: list[str],
    words: Collection[str] = (),
    aligned: Aligned | None = None,
    limit: int | None = None,
) -> list[Span]:
    """Every occurrence of every needle (or the first `limit` spans: a lone 的 in a 20 MB item
    occurs a hundred thousand times), as non-overlapping spans of the stored text; an
    occurrence of a needle in words that aligned(text, start, end) rejects is a straddle."""
    found: list[Span] = []
    text = norm.text
    known = len(text)  # every occurrence before this offset is found
    for index, needle in enumerate(needles):
        if not needle:
            continue
        checks = MAX_ALIGN_CHECKS if aligned is not None and needle in words else 0
        taken = 0
        at = text.find(needle)
        while at >= 0:
            if _inside_latin(text, at, at + len(needle)):  # 5 in 58: not what the index matched
                at = text.find(needle, at + 1)
                continue
            if limit is not None and taken == limit:
                known = min(known, at)
                break
            start, end = norm.source_span(at, at + len(needle))
            straddle = checks > 0 and not aligned(text, at, at + len(needle))
            checks -= 1
            taken += 1
            found.append(Span(start, end, frozenset((index,)), straddle))
            at = text.find(needle, at + 1)
    if known < len(text):  # past where a needle stopped, another's spans might be cut wrong
        edge = norm.source_offset(known)
        found = [s for s in found if s.start < edge]
    found.sort(key=lambda s: (s.start, -s.end))
    merged: list[Span] = []
    for span in found:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(
                last.start,
                max(last.end, span.end),
                last.needles | span.needles,
                last.straddle and span.straddle,
            )
        else:
            merged.append(span)
    return merged if limit is None else merged[:limit]


def occurrences(norm: Normalized, needles: list[str]) -> int:
    """How often the needles occur in the text (what find_spans would find without a limit,
    less the rare overlaps it merges), counted without mapping a single offset."""
    return sum(norm.text.count(needle) for needle in needles if needle)


def readable(text: str, spans: list[Span]) -> tuple[str, list[Span]]:
    """Text as a reader reads it (the spaces of a pre-segmented source between Han characters
    removed) with the spans moved along, still exactly on the matched characters."""
    reading, moved = reading_form(text)
    if len(reading) == len(text):
        return text, spans
    return reading, [replace(s, start=moved(s.start), end=moved(s.end)) for s in spans]


def _latin(char: str) -> bool:
    return char.isascii() and char.isalnum()


def _inside_latin(text: str, start: int, end: int) -> bool:
    """Does text[start:end] begin or end inside a Latin word or number (the index keeps those
    whole, so a needle there is not a match)?"""
    return (start > 0 and _latin(text[start]) and _latin(text[start - 1])) or (
        end < len(text) and _latin(text[end - 1]) and _latin(text[end])
    )


Kind = Literal["match", "straddle"] | None


class Piece(NamedTuple):
    """A run of the stored text and how it is marked: None (not), "match", or "straddle" (a
    typed word whose characters only meet across two words of the text)."""

    text: str
    kind: Kind = None


Marked = list[Piece]
# Writes marked text out, as the page, the API or a terminal shows it.
Render = Callable[[Sequence[Piece]], str]


def marked(text: str, spans: list[Span], start: int = 0, end: int | None = None) -> Marked:
    """text[start:end] cut into plain and marked pieces at the spans (empty pieces left out)."""
    end = len(text) if end is None else end
    pieces: Marked = []
    pos = start
    for span in spans:
        s, e = max(span.start, start), min(span.end, end)
        if e <= s:
            continue
        if s > pos:
            pieces.append(Piece(text[pos:s]))
        pieces.append(Piece(text[s:e], "straddle" if span.straddle else "match"))
        pos = e
    if end > pos:
        pieces.append(Piece(text[pos:end]))
    return pieces


def passages(text: str, spans: list[Span], limit: int = MAX_PASSAGES) -> list[Marked]:
    """Up to `limit` windows of about PASSAGE_CHARS characters holding the most distinct
    matches, on one line each, with "…" where the text goes on."""
    if not spans:
        cut = min(len(text), PASSAGE_CHARS)
        return [_flat(marked(text, [], 0, cut)) + ([Piece("…")] if cut < len(text) else [])]
    starts = [s.start for s in spans]
    ends = [s.end for s in spans]
    remaining = list(spans)
    chosen: list[tuple[int, int]] = []
    while remaining and len(chosen) < limit:
        start, end, _ = max(
            (_window(text, s.start, spans, starts, ends) for s in remaining),
            key=lambda w: (w[2], -w[0]),
        )
        chosen.append((start, end))
        remaining = [s for s in remaining if s.end <= start or s.start >= end]
    windows: list[list[int]] = []
    for start, end in sorted(chosen):
        if windows and start <= windows[-1][1]:
            windows[-1][1] = max(windows[-1][1], end)
        else:
            windows.append([start, end])
    return [
        ([Piece("…")] if start > 0 else [])
        + _flat(marked(text, spans, start, end))
        + ([Piece("…")] if end < len(text) else [])
        for start, end in windows
    ]


def paragraphs_html(text: str, spans: list[Span]) -> list[str]:
    """Each non-blank line of text as HTML, its marks numbered on across lines from id="m1" so
    the document page can link to each; lines without a mark (most of a long item) come from
    one escape over the whole text."""
    escaped = escape(text).split("\n")
    found: list[str] = []
    offset = 0
    number = 1
    first = 0  # spans are sorted and never overlap: each line takes the next few
    for at, line in enumerate(text.split("\n")):
        end = offset + len(line)
        while first < len(spans) and spans[first].end <= offset:
            first += 1
        last = first
        while last < len(spans) and spans[last].start < end:
            last += 1
        if last > first:
            found.append(as_html(marked(text, spans[first:last], offset, end), number))
        elif line.strip():
            found.append(escaped[at])
        number += last - first
        offset = end + 1
    return found


def as_html(pieces: Sequence[Piece], first_id: int | None = None) -> str:
    """Escaped HTML whose only markup is <mark> (<mark class="straddle"> for a straddle),
    numbered id="mN" from first_id on, so the document page can link to each."""
    out: list[str] = []
    number = first_id
    for text, kind in pieces:
        if kind is None:
            out.append(escape(text))
            continue
        attributes = ' class="straddle"' if kind == "straddle" else ""
        if number is not None:
            attributes += f' id="m{number}"'
            number += 1
        out.append(f"<mark{attributes}>{escape(text)}</mark>")
    return "".join(out)


def as_plain(pieces: Sequence[Piece]) -> str:
    """The text alone, marks dropped."""
    return "".join(text for text, _ in pieces)


def _window(
    text: str, anchor: int, spans: list[Span], starts: list[int], ends: list[int]
) -> tuple[int, int, int]:
    """The window starting a little before anchor, and its score: distinct needles matched as
    words inside first, then distinct needles, then matches inside (spans are sorted and never
    overlap, so bisecting finds them)."""
    start = max(0, anchor - _LEAD)
    line_start = text.rfind("\n", max(0, anchor - _LEAD), anchor) + 1  # only a near one counts
    if anchor - line_start <= _LEAD:
        start = max(start, line_start)
    end = min(len(text), start + PASSAGE_CHARS)
    cut = bisect_right(starts, end - 1) - 1  # the last span starting before end
    if cut >= 0 and spans[cut].start < end < spans[cut].end:  # never cut a mark in half
        end = spans[cut].end
    inside = spans[bisect_left(starts, start) : bisect_right(ends, end)]
    as_words = frozenset().union(*(s.needles for s in inside if not s.straddle))
    needles = frozenset().union(*(s.needles for s in inside))
    score = len(as_words) * 10_000 + len(needles) * 100 + len(inside)
    return start, end, score


def _flat(pieces: Marked) -> Marked:
    """A passage on one line: its line breaks as spaces."""
    return [Piece(text.replace("\n", " "), kind) for text, kind in pieces]
