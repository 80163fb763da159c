"""Trends and co-occurring words (issue 15): a word matching ~10k of the 24k CCTV items counted
by period, five words side by side, the co-occurring words of a word matching ~5k items, all
in-process (p50/p95 over repeats, the first call apart); and what the sparkline beside every
search total costs, in-process and over HTTP (/api/search with the SPARKLINE setting on and
off). The words are picked from the index by their totals, so the part runs on any corpus.
Runs inside the full benchmark, or alone:

    python -m bench trends
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from indexer import SearchIndex, SearchRequest
from indexer.analysis import build_pipeline
from indexer.cooccur import cooccurring
from indexer.trends import trend

from .corpus import Record, sample
from .latency import percentile

TREND_SHARE = 10_000 / 24_102  # a word matching ~10k items of the 24k CCTV corpus
COOCCUR_SHARE = 5_000 / 24_102
SIDE_BY_SIDE = 5
TREND_REPEATS = 30
COOCCUR_REPEATS = 10
TREND_MS = 100  # targets of the issue
COOCCUR_MS = 500
ALTERNATIONS = 3  # HTTP loads with the sparkline off, then on, this many times
SAMPLED = 300  # items whose words are candidates
CANDIDATES = 60  # their most common words, each searched for its total


@dataclass(frozen=True)
class Timing:
    """Milliseconds of the first call and of the repeats after it."""

    first_ms: float
    p50_ms: float
    p95_ms: float
    repeats: int

    @classmethod
    def of(cls, call: Callable[[], object], repeats: int) -> Timing:
        ms = []
        for _ in range(repeats + 1):
            began = time.perf_counter()
            call()
            ms.append((time.perf_counter() - began) * 1000)
        rest = ms[1:]
        return cls(ms[0], percentile(rest, 50), percentile(rest, 95), len(rest))


def totals(index: SearchIndex, records: Sequence[Record], seed: int) -> dict[str, int]:
    """The most common words of a seeded sample of items (two characters or more), each with
    the number of items its search finds."""
    pipeline = build_pipeline()
    used: Counter[str] = Counter()
    for record in sample(list(records), SAMPLED, seed):
        text = f"{record.get('title') or ''}\n{record.get('body') or ''}"
        used.update(pipeline.word_counts(text).keys())
    common = [w for w, _ in sorted(used.items(), key=lambda wn: (-wn[1], wn[0]))][:CANDIDATES]
    return {w: index.search(SearchRequest(q=w, size=1, facets=False))["total"] for w in common}


def nearest(found: dict[str, int], items: int, share: float, count: int = 1) -> list[str]:
    """The words whose totals come nearest share of the items."""
    return sorted(found, key=lambda w: (abs(found[w] - share * items), w))[:count]


def search_cost(
    index: SearchIndex, queries: Sequence[SearchRequest], rounds: int = 3
) -> tuple[list[float], list[float]]:
    """Milliseconds of each search without and with the sparkline, one after the other so both
    see the same moments of a shared machine, which goes first alternating (the second finds
    the first's posting lists read)."""
    without: list[float] = []
    with_line: list[float] = []
    for turn in range(rounds):
        for at, request in enumerate(queries):
            order = ((False, without), (True, with_line))
            for line, into in order if (turn + at) % 2 == 0 else order[::-1]:
                asked = dataclasses.replace(request, sparkline=line)
                began = time.perf_counter()
                index.search(asked)
                into.append((time.perf_counter() - began) * 1000)
    return without, with_line


def in_process(index: SearchIndex, records: Sequence[Record], seed: int) -> dict[str, object]:
    """Every in-process figure of the part, with the words measured and their totals."""
    found = totals(index, records, seed)
    items = len(records)
    word = nearest(found, items, TREND_SHARE)[0]
    five = nearest(found, items, TREND_SHARE, SIDE_BY_SIDE)
    common = nearest(found, items, COOCCUR_SHARE)[0]
    one = Timing.of(lambda: trend(index, [word], SearchRequest(q=word)), TREND_REPEATS)
    side = Timing.of(lambda: trend(index, five, SearchRequest(q=five[0])), TREND_REPEATS)
    words = Timing.of(lambda: cooccurring(index, SearchRequest(q=common)), COOCCUR_REPEATS)
    shown = trend(index, [word], SearchRequest(q=word))
    listed = cooccurring(index, SearchRequest(q=common))
    return {
        "word": word,
        "word_total": found[word],
        "period": shown["period"],
        "periods": len(shown["periods"]),
        "five": five,
        "trend": one,
        "side": side,
        "common": common,
        "common_total": listed["items"],
        "cooccur": words,
        "listed": [w["word"] for w in listed["words"]],
    }


def listing(figures: dict[str, object]) -> str:
    """The words measured and what co-occurs with the second one, for the report's details."""
    return "\n".join(
        [
            f"trend word: {figures['word']} ({figures['word_total']:,} items, "
            f"{figures['periods']} periods by {figures['period']})",
            f"side by side: {' '.join(figures['five'])}",  # type: ignore[arg-type]
            f"co-occurring words of {figures['common']} ({figures['common_total']:,} items):",
            "  " + " ".join(figures["listed"]),  # type: ignore[arg-type]
        ]
    )
