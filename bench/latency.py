"""In-process query latency: every query through each engine in turn, so both see the same
moment of a machine shared with other work."""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

from .engines import Engine
from .queries import Query

WARMUP = 20


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of unsorted values; NaN for none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


@dataclass(frozen=True)
class Latency:
    """Milliseconds per query over a run."""

    queries: int
    p50: float
    p95: float
    p99: float
    errors: int

    @classmethod
    def of(cls, seconds: Sequence[float], errors: int = 0) -> Latency:
        ms = [s * 1000 for s in seconds]
        return cls(
            len(ms),
            percentile(ms, 50),
            percentile(ms, 95),
            percentile(ms, 99),
            errors,
        )


@dataclass(frozen=True)
class Timings:
    """Seconds per query of one engine, with each query's kind, for totals and breakdowns."""

    samples: list[tuple[str, float]]
    errors: int

    def overall(self) -> Latency:
        return Latency.of([s for _, s in self.samples], self.errors)

    def kinds(self) -> dict[str, Latency]:
        """Latency per query kind (which kind of query is slow)."""
        names = dict.fromkeys(k for k, _ in self.samples)
        return {n: Latency.of([s for k, s in self.samples if k == n]) for n in names}


def measure(engines: Sequence[Engine], queries: Sequence[Query]) -> dict[str, Timings]:
    """Every query through each engine in turn, after a short warm-up (file cache, jieba, the
    first searcher)."""
    for query in queries[:WARMUP]:
        for engine in engines:
            engine.search(query)
    samples: dict[str, list[tuple[str, float]]] = {e.name: [] for e in engines}
    errors = {e.name: e.errors for e in engines}
    for query in queries:
        for engine in engines:
            began = time.perf_counter()
            engine.search(query)
            samples[engine.name].append((query.kind, time.perf_counter() - began))
    return {e.name: Timings(samples[e.name], e.errors - errors[e.name]) for e in engines}
