"""What a reader types (issue 14): the vocabulary's build time, suggestion latency in-process,
how well typed pinyin finds the word meant, and that the archive's own Latin words keep their
meaning. Every set is drawn from the corpus with a fixed seed."""

from __future__ import annotations

import random
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jieba
from pypinyin import lazy_pinyin

from indexer import SearchIndex, SearchRequest
from indexer.errors import QueryError
from indexer.normalize import HAN_RUN, fold
from indexer.pinyin_search import read_as_pinyin
from indexer.store import IndexStore
from indexer.vocabulary import Title, build, title_of

from .latency import WARMUP, percentile

SEED = 14
PREFIXES = 1000  # typed prefixes timed
PINYIN_ITEMS = 200  # items whose title words are typed as pinyin
LATIN_WORDS = 200  # the archive's own Latin words searched with and without pinyin
SUGGEST_P95_MS = 10
FULL_TARGET = 0.95
INITIALS_TARGET = 0.7
VOCABULARY_S = 2.0
REINDEX_S = 3.0
_LATIN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]{2,}(?![A-Za-z0-9])")

Record = dict[str, Any]


@dataclass(frozen=True)
class Built:
    """The vocabulary of a whole index built from scratch, then as a reindex does (titles and
    readings reused), in seconds, with its size."""

    full_s: float
    reused_s: float
    size_mb: float


def build_times(index_dir: Path, records: list[Record], scratch: Path) -> Built:
    """The vocabulary step of a full build (titles as the build collects them, every reading
    computed) and of a reindex that changed one item (the previous file's titles and
    readings reused), each into a scratch folder: the live index is not touched."""
    ix = IndexStore(index_dir).open()
    titles: dict[str, Title | None] = {
        r["id"]: title_of(r.get("title", ""), fold(r.get("title", ""))) for r in records
    }
    first, second = scratch / "full", scratch / "reindex"
    for folder in (first, second):
        folder.mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()
    made = build(ix, first, titles, whole=True, base=None)
    full = time.perf_counter() - began
    one = records[0]["id"]
    began = time.perf_counter()
    build(ix, second, {one: titles[one]}, whole=False, base=made)
    reused = time.perf_counter() - began
    size = made.stat().st_size / 1048576
    ix.close()
    shutil.rmtree(scratch)
    return Built(full, reused, size)


def prefixes(records: list[Record], count: int, seed: int = SEED) -> list[str]:
    """What readers type into the box: the first 1-4 characters of a title (Han), or the
    first 1-8 letters of a title word's pinyin, or its initials, in equal parts."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        title = fold(rng.choice(records).get("title", ""))
        words = [w for w in jieba.lcut(title) if HAN_RUN.fullmatch(w) and len(w) > 1]
        kind = len(found) % 3
        if kind == 0 and HAN_RUN.match(title):
            found.append(title[: rng.randint(1, 4)])
        elif kind and words:
            syllables = lazy_pinyin(rng.choice(words))
            typed = "".join(syllables) if kind == 1 else "".join(s[0] for s in syllables)
            found.append(typed[: rng.randint(1, min(8, len(typed)))])
    return found


def suggest_ms(index: SearchIndex, typed: list[str]) -> tuple[float, float, float]:
    """p50, p95 and slowest ms of SearchIndex.suggest over the typed prefixes (as
    /api/suggest asks), after a warm-up."""
    for text in typed[:WARMUP]:
        index.suggest(text)
    spent = []
    for text in typed:
        began = time.perf_counter()
        index.suggest(text)
        spent.append((time.perf_counter() - began) * 1000)
    return percentile(spent, 50), percentile(spent, 95), max(spent)


def title_words(records: list[Record], count: int, seed: int = SEED) -> list[str]:
    """One title word (2-4 Han characters, jieba's cut) from each of count seeded items."""
    rng = random.Random(seed)
    chosen: list[str] = []
    for record in rng.sample(records, len(records)):
        words = [
            w
            for w in jieba.lcut(fold(record.get("title", "")))
            if HAN_RUN.fullmatch(w) and 2 <= len(w) <= 4
        ]
        if words:
            chosen.append(rng.choice(words))
        if len(chosen) == count:
            break
    return chosen


@dataclass(frozen=True)
class Recall:
    """The share of words found among the first 3 readings offered, typed two ways."""

    words: int
    full: float
    initials: float
    missed_full: list[str]
    missed_initials: list[str]


def pinyin_recall(index: SearchIndex, words: list[str]) -> Recall:
    """Each word typed as its usual full pinyin (pypinyin's own reading, not ours) and as its
    initials: is it among the words the search reads the typed text as?"""
    vocabulary = index.vocabulary()
    missed: dict[str, list[str]] = {"full": [], "initials": []}
    for word in words:
        syllables = lazy_pinyin(word)
        for way, typed in (
            ("full", "".join(syllables)),
            ("initials", "".join(s[0] for s in syllables)),
        ):
            reading = read_as_pinyin(vocabulary, typed)
            if reading is None or word not in reading.words[:3]:
                missed[way].append(f"{word} {typed}")
    share = {way: 1 - len(m) / len(words) if words else float("nan") for way, m in missed.items()}
    return Recall(len(words), share["full"], share["initials"], missed["full"], missed["initials"])


def latin_words(records: list[Record], count: int, seed: int = SEED) -> list[str]:
    """Distinct Latin words of the archive's titles and bodies (CCTV, 5G's letters, names)."""
    found = sorted(
        {m.group(0) for r in records for m in _LATIN.finditer(f"{r.get('title')} {r.get('body')}")}
    )
    return random.Random(seed).sample(found, min(count, len(found)))


def latin_changed(index: SearchIndex, words: list[str]) -> tuple[float, list[str], int]:
    """The share of the Latin words the archive holds (those its search finds as typed: a
    piece of a URL is no word of the index) whose results (total and first page) change when
    pinyin may read them; which changed, and how many the archive holds."""
    changed = []
    held = 0
    for word in words:
        as_typed = _outcome(index, word, False)
        if not isinstance(as_typed[0], int) or not as_typed[0]:
            continue
        held += 1
        read = _outcome(index, word, True)
        if read[:2] != as_typed[:2]:
            changed.append(f"{word} → {read[2]}")
    return (len(changed) / held if held else float("nan")), changed, held


def _outcome(index: SearchIndex, word: str, pinyin: bool) -> tuple[Any, Any, Any]:
    """(total, first page's ids, words read as pinyin) of a search; a refusal (a lone OR is
    syntax, nothing to search) as its message."""
    try:
        answer = index.search(SearchRequest(q=word, pinyin=pinyin))
    except QueryError as exc:
        return str(exc), None, None
    hits = [h["id"] for h in answer["hits"]]
    return answer["total"], hits, (answer["pinyin"] or {}).get("words")
