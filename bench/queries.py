"""Reproducible query mixes cut from the corpus itself: what readers type (one to three words,
whole clauses, fragments cut mid-word, quoted phrases) with and without date/source filters."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass

import jieba

from indexer.normalize import HAN_RUN

from .corpus import Record

KINDS = ("word", "words2", "words3", "clause", "fragment", "phrase", "date", "source")
# A run of text found in more than a fifth of the documents is boilerplate (the CCTV byline and
# the programme's name open nearly every CCTV item): a reader does not search for it, so
# queries are not cut from it.
BOILERPLATE_SHARE = 0.2


@dataclass(frozen=True)
class Query:
    """One search as both systems receive it: typed text plus optional filters."""

    text: str
    kind: str = "plain"
    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None

    def params(self) -> dict[str, str]:
        """The query string of /api/search (both web apps read q, from, to, source)."""
        given = {"q": self.text, "from": self.date_from, "to": self.date_to, "source": self.source}
        return {k: v for k, v in given.items() if v}


def _runs(record: Record, shortest: int) -> list[str]:
    text = f"{record.get('title') or ''}\n{record.get('body') or ''}"
    return [r for r in HAN_RUN.findall(text) if len(r) >= shortest]


def _words(run: str, rng: random.Random, count: int) -> str | None:
    words = [w for w in jieba.lcut(run) if len(w) > 1]
    if len(words) < count:
        return None
    first = rng.randrange(len(words) - count + 1)
    return " ".join(words[first : first + count])


def _cut(run: str, rng: random.Random, low: int, high: int) -> str:
    size = rng.randint(low, min(high, len(run)))
    start = rng.randrange(len(run) - size + 1)
    return run[start : start + size]


def _text(kind: str, runs: list[str], rng: random.Random) -> str | None:
    run = rng.choice(runs)
    if kind in ("word", "words2", "words3"):
        return _words(run, rng, {"word": 1, "words2": 2, "words3": 3}[kind])
    if kind == "clause":
        return run if len(run) <= 14 else None
    if kind == "fragment":
        return _cut(run, rng, 4, 10)
    return f'"{_cut(run, rng, 2, 6)}"'


def _date_window(dates: list[dt.date], rng: random.Random) -> tuple[str, str]:
    start = rng.choice(dates)
    end = start + dt.timedelta(days=rng.randint(30, 365))
    return start.isoformat(), end.isoformat()


def boilerplate(records: list[Record]) -> set[str]:
    """Han runs that occur in more than BOILERPLATE_SHARE of the documents."""
    counts = Counter(run for record in records for run in set(_runs(record, 4)))
    floor = max(2, BOILERPLATE_SHARE * len(records))
    return {run for run, n in counts.items() if n > floor}


def generate(records: list[Record], count: int, seed: int) -> list[Query]:
    """`count` queries, kinds in turn, each cut from a random record's own text outside its
    boilerplate (seeded, so runs compare)."""
    rng = random.Random(seed)
    common = boilerplate(records)
    dates = sorted({dt.date.fromisoformat(str(r["date"])[:10]) for r in records if r.get("date")})
    queries: list[Query] = []
    while len(queries) < count:
        kind = KINDS[len(queries) % len(KINDS)]
        record = rng.choice(records)
        runs = [run for run in _runs(record, 4) if run not in common]
        if not runs:
            continue
        typed = rng.choice(("word", "words2")) if kind in ("date", "source") else kind
        text = _text(typed, runs, rng)
        if not text:
            continue
        if kind == "date" and dates:
            queries.append(Query(text, kind, *_date_window(dates, rng)))
        elif kind == "source" and record.get("source"):
            queries.append(Query(text, kind, source=str(record["source"])))
        else:
            queries.append(Query(text, kind))
    return queries
