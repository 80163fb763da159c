"""Marks and passages straight from the stored text: the normalised query strings are found in
the normalised text and mapped back, so no segmenter runs over a hit at query time."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from html import escape

from .normalize import Normalized

PASSAGE_CHARS = 120
MAX_PASSAGES = 3
_LEAD = 30


@dataclass(frozen=True)
class Span:
    """[start, end) in the stored text, and which needle matched there."""

    start: int
    end: int
    needle: int


def find_spans(norm: Normalized, needles: list[str]) -> list[Span]:
    """Every occurrence of every needle, as non-overlapping spans of the stored text."""
    found: list[Span] = []
    text = norm.text
    for index, needle in enumerate(needles):
        if not needle:
            continue
        at = text.find(needle)
        while at >= 0:
            start, end = norm.source_span(at, at + len(needle))
            found.append(Span(start, end, index))
            at = text.find(needle, at + 1)
    found.sort(key=lambda s: (s.start, -s.end))
    merged: list[Span] = []
    for span in found:
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            merged[-1] = Span(last.start, max(last.end, span.end), last.needle)
        else:
            merged.append(span)
    return merged


def mark(
    text: str,
    spans: list[Span],
    start: int = 0,
    end: int | None = None,
    first_id: int | None = None,
) -> str:
    """text[start:end] as escaped HTML with spans in <mark>; numbered id="mN" from first_id on."""
    end = len(text) if end is None else end
    out: list[str] = []
    pos = start
    number = first_id
    for span in spans:
        s, e = max(span.start, start), min(span.end, end)
        if e <= s:
            continue
        out.append(escape(text[pos:s]))
        if number is None:
            out.append(f"<mark>{escape(text[s:e])}</mark>")
        else:
            out.append(f'<mark id="m{number}">{escape(text[s:e])}</mark>')
            number += 1
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def passages(text: str, spans: list[Span], limit: int = MAX_PASSAGES) -> list[str]:
    """Up to `limit` windows of about PASSAGE_CHARS characters holding the most distinct matches."""
    if not spans:
        cut = min(len(text), PASSAGE_CHARS)
        return [_flat(escape(text[:cut])) + ("…" if cut < len(text) else "")]
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
        ("…" if start > 0 else "")
        + _flat(mark(text, spans, start, end))
        + ("…" if end < len(text) else "")
        for start, end in windows
    ]


def _window(
    text: str, anchor: int, spans: list[Span], starts: list[int], ends: list[int]
) -> tuple[int, int, int]:
    """The window starting a little before anchor, and its score: distinct needles inside
    first, then matches inside (spans are sorted and never overlap, so bisecting finds them)."""
    start = max(0, anchor - _LEAD)
    line_start = text.rfind("\n", 0, anchor) + 1
    if anchor - line_start <= _LEAD:
        start = max(start, line_start)
    end = min(len(text), start + PASSAGE_CHARS)
    cut = bisect_right(starts, end - 1) - 1  # the last span starting before end
    if cut >= 0 and spans[cut].start < end < spans[cut].end:  # never cut a mark in half
        end = spans[cut].end
    inside = spans[bisect_left(starts, start) : bisect_right(ends, end)]
    score = len({s.needle for s in inside}) * 100 + len(inside)
    return start, end, score


def _flat(html: str) -> str:
    return html.replace("\n", " ")
