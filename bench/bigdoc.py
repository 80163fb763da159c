"""Big documents (issue 12): one JSONL record just under the 20 MB a record may hold, made of
the corpus's own paragraphs one after another, beside a few ordinary items. Its document page
(with every 的 marked, and without a query) and a search that finds it should each answer
within a second. Runs inside the full benchmark, or alone:

    python -m bench bigdoc
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from indexer import Settings

from .corpus import Record, write_jsonl

BIG_ID = "bench-big-document"
LIMIT_BYTES = Settings.from_env().max_file_bytes  # a longer record is skipped by the loader
SIZE_MB = 19.5  # the big record's JSON line, in MiB: just under the limit
OTHERS = 5  # ordinary items beside it
REPEATS = 3  # each figure is the slowest of this many calls (the first one opens the files)
TARGET_MS = 1000
MARKED = "的"  # the most frequent character: the page marks it hundreds of thousands of times


def big_record(records: Sequence[Record], size_bytes: int) -> Record:
    """The corpus's paragraphs in one record, its JSON line at most size_bytes: real text."""
    head = records[0]
    record: Record = {
        "id": BIG_ID,
        "title": f"大文档：语料段落依次拼接（{size_bytes / 1048576:g} MB）",
        "date": head.get("date"),
        "source": head.get("source"),
    }
    room = size_bytes - line_bytes({**record, "body": ""})
    paragraphs = (p for r in itertools.cycle(records) for p in (r.get("body") or "").split("\n"))
    kept: list[str] = []
    for paragraph in filter(str.strip, paragraphs):
        cost = len(json.dumps(paragraph, ensure_ascii=False).encode()) - 2 + len(r"\n")
        if cost > room:
            break
        kept.append(paragraph)
        room -= cost
    return {**record, "body": "\n".join(kept)}


def line_bytes(record: Record) -> int:
    """The record's JSONL line in bytes, newline included (what the loader's limit counts)."""
    return len((json.dumps(record, ensure_ascii=False) + "\n").encode())


def write_corpus(records: Sequence[Record], path: Path, size_mb: float) -> Record:
    """The big record, then OTHERS ordinary ones, as JSONL; returns the big record."""
    big = big_record(records, int(size_mb * 1048576))
    if line_bytes(big) > LIMIT_BYTES:
        raise ValueError(f"the big record takes {line_bytes(big):,} bytes, over the limit")
    write_jsonl([big, *records[:OTHERS]], path)
    return big


@dataclass(frozen=True)
class Timing:
    """One call timed REPEATS times."""

    label: str
    seconds: list[float]

    @property
    def slowest_ms(self) -> float:
        return max(self.seconds) * 1000


def timing(label: str, call: Callable[[], object], repeats: int = REPEATS) -> Timing:
    """The call's wall time, repeats times."""
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        call()
        seconds.append(time.perf_counter() - began)
    return Timing(label, seconds)


def listing(timings: Sequence[Timing]) -> str:
    """Every call's ms, one line a figure."""
    return "\n".join(
        f"{t.label:<44}" + "".join(f"{s * 1000:>10.1f}" for s in t.seconds) for t in timings
    )
