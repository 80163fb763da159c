"""Words before characters (issue 11): a typed word should bring the items that use it as a word
before those that only hold its characters across a word boundary (华为 in 访华为契机: 访华/为).
The word-precision set is drawn from the corpus with a fixed seed; its figure is the share of
each system's top 10 that are such straddle-only items, beside their share among all items that
hold the characters (what a random order would give). Runs inside the full benchmark, or alone:

    python -m bench words [--docs N] [--workdir DIR] [--seed S]
"""

from __future__ import annotations

import argparse
import math
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import Pipeline, build_pipeline
from indexer.normalize import HAN_RUN

from . import relevance
from .corpus import Record, load, searchable_text, write_jsonl
from .engines import Engine
from .queries import Query

TOP = relevance.TOP
TARGET = 2.0  # ours: at most this % of the top 10 only straddles, on average over the words
SYSTEMS = ("ours", "baseline")
LENGTHS = (2, 3)


@dataclass(frozen=True)
class Spec:
    """How the set is drawn: what each word must meet, how many words, the seed."""

    uses: int = 20  # items that use the word as a word, at least
    straddles: int = 5  # items that hold its characters only across a boundary, at least
    max_share: float = 0.05  # items holding its characters, at most (国家, 进行: not searches)
    words: int = 70
    seed: int = 11

    def __str__(self) -> str:
        return (
            f"up to {self.words} words of {'-'.join(map(str, LENGTHS))} Han characters from "
            f"jieba's dictionary, each used as a word by ≥ {self.uses} items, only straddled by "
            f"≥ {self.straddles}, held by ≤ {self.max_share:.0%} of all items; seed {self.seed}"
        )


@dataclass(frozen=True)
class Word:
    """A word of the set and the ids of the items that hold its characters, split by how."""

    text: str
    uses: frozenset[str]
    straddles: frozenset[str]

    @property
    def random_share(self) -> float:
        """Straddle-only share of every item holding the characters: a random order's top 10."""
        return len(self.straddles) / (len(self.uses) + len(self.straddles))


def used_words(pipeline: Pipeline, text: str) -> set[str]:
    """Dictionary words of 2-3 Han characters that normalised text uses as words: jieba's default
    cut (HMM on) of each Han run with the index's segmenter, plus the dictionary words inside
    a longer word (search mode), as Pipeline._words cuts them; spelled out here, not taken from
    the index's analysis, so that the set stays the same when the index changes."""
    freq = pipeline.segmenter.FREQ
    found: set[str] = set()
    for run in HAN_RUN.findall(text):
        for word in pipeline.segmenter.cut(run, HMM=True):
            found.add(word)
            if len(word) > 2:
                found.update(word[i : i + n] for n in LENGTHS for i in range(len(word) - n + 1))
    return {word for word in found if len(word) in LENGTHS and freq.get(word)}


def held_words(pipeline: Pipeline, text: str) -> set[str]:
    """Dictionary words of 2-3 Han characters whose characters stand side by side in text."""
    freq = pipeline.segmenter.FREQ
    return {
        run[i : i + n]
        for run in HAN_RUN.findall(text)
        for n in LENGTHS
        for i in range(len(run) - n + 1)
        if freq.get(run[i : i + n])
    }


def build_set(records: Sequence[Record], spec: Spec) -> list[Word]:
    """The set: spec.words drawn with spec.seed from every word meeting spec, sorted."""
    pipeline = build_pipeline()
    ids = [str(r["id"]) for r in records]
    texts = [searchable_text(r) for r in records]
    users: defaultdict[str, list[int]] = defaultdict(list)
    holders: Counter[str] = Counter()
    for i, text in enumerate(texts):
        for word in used_words(pipeline, text):
            users[word].append(i)
        holders.update(held_words(pipeline, text))
    bound = spec.max_share * len(records)
    eligible = sorted(
        word
        for word, items in users.items()
        if len(items) >= spec.uses
        and holders[word] - len(items) >= spec.straddles
        and holders[word] <= bound
    )
    chosen = random.Random(spec.seed).sample(eligible, min(spec.words, len(eligible)))
    words = []
    for word in sorted(chosen):
        using = set(users[word])
        straddling = [ids[i] for i, text in enumerate(texts) if word in text and i not in using]
        words.append(Word(word, frozenset(ids[i] for i in using), frozenset(straddling)))
    return words


@dataclass(frozen=True)
class Top:
    """One system's top 10 for one word: its hits, the straddle-only ones among them, and the
    ones that do not hold the word's characters at all."""

    hits: int
    straddles: int
    strangers: int


Result = dict[str, list[Top]]  # system -> one Top per word of the set, in the set's order


def top(engine: Engine, word: Word) -> Top:
    """The word typed alone into the engine; its top 10 counted by how each hit holds it."""
    ids = [doc_id for doc_id, _ in engine.search(Query(word.text, "word"))[:TOP]]
    straddles = sum(i in word.straddles for i in ids)
    strangers = sum(i not in word.straddles and i not in word.uses for i in ids)
    return Top(len(ids), straddles, strangers)


def evaluate(words: Sequence[Word], engines: Sequence[Engine]) -> Result:
    """Every engine's top 10 for every word of the set."""
    return {engine.name: [top(engine, word) for word in words] for engine in engines}


def mean_share(tops: Sequence[Top]) -> float:
    """Straddle-only % of the top 10, averaged over the words with any hit (the target's)."""
    shares = [t.straddles / t.hits for t in tops if t.hits]
    return 100 * sum(shares) / len(shares) if shares else math.nan


def pooled_share(tops: Sequence[Top]) -> float:
    """Straddle-only % of all top-10 hits of all words together."""
    hits = sum(t.hits for t in tops)
    return 100 * sum(t.straddles for t in tops) / hits if hits else math.nan


def random_mean(words: Sequence[Word]) -> float:
    """Straddle-only % of all items holding the characters, averaged over the words."""
    return 100 * sum(w.random_share for w in words) / len(words) if words else math.nan


def random_pooled(words: Sequence[Word]) -> float:
    """Straddle-only % of all items holding the characters, all words together."""
    held = sum(len(w.uses) + len(w.straddles) for w in words)
    return 100 * sum(len(w.straddles) for w in words) / held if held else math.nan


def table(words: Sequence[Word], result: Result) -> str:
    """The figures as a plain-text table: each system, then the random order."""
    header = f"{'system':<14}{'words':>6}{'no hits':>8}{'hits':>6}{'strangers':>10}"
    lines = [f"{header}{'mean %':>8}{'pooled %':>9}   target (ours)"]
    for system, tops in result.items():
        shown = f"   <= {TARGET:g}" if system == "ours" else ""
        lines.append(
            f"{system:<14}{len(tops):>6}{sum(not t.hits for t in tops):>8}"
            f"{sum(t.hits for t in tops):>6}{sum(t.strangers for t in tops):>10}"
            f"{mean_share(tops):>8.1f}{pooled_share(tops):>9.1f}{shown}"
        )
    lines.append(
        f"{'random order':<14}{len(words):>6}{'':>8}{'':>6}{'':>10}"
        f"{random_mean(words):>8.1f}{random_pooled(words):>9.1f}   (all items holding the word)"
    )
    return "\n".join(lines)


def listing(words: Sequence[Word], result: Result) -> str:
    """One line a word: items using it, items only straddling it, and each system's top 10 as
    straddle-only hits / hits."""
    systems = list(result)
    lines = [
        f"{'word':<6}{'uses':>6}{'straddles':>10}{'random %':>9}"
        + "".join(f"{s:>10}" for s in systems)
    ]
    for n, word in enumerate(words):
        tops = "".join(f"{f'{result[s][n].straddles}/{result[s][n].hits}':>10}" for s in systems)
        lines.append(
            f"{word.text:<6}{len(word.uses):>6}{len(word.straddles):>10}"
            f"{100 * word.random_share:>9.1f}{tops}"
        )
    return "\n".join(lines)


# -- running alone -------------------------------------------------------------------------


def run(args: argparse.Namespace) -> Result:
    """The set and its figures on their own: corpus subset, set, indexes (kept in --workdir
    under the names `python -m bench relevance` gives them, so either reuses the other's)."""
    began = time.monotonic()
    corpus = load(args.docs)
    spec = Spec(seed=args.seed)
    with ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"corpus: {corpus.label}; work folder {workdir}")
        words = build_set(corpus.records, spec)
        print(f"set: {len(words)} words ({spec}), {time.monotonic() - began:.0f} s")
        jsonl = workdir / "cctv.jsonl"
        write_jsonl(corpus.records, jsonl)
        stamp = relevance._stamp(corpus.records, 0)
        engines = relevance._engines(
            stack,
            SYSTEMS,
            lambda: relevance._ours_index(jsonl, workdir / "ours-cctv", args.procs),
            lambda: relevance._baseline_index(jsonl, workdir / "base-cctv", stamp),
        )
        result = evaluate(words, list(engines))
    print(table(words, result))
    print()
    print(listing(words, result))
    print(f"\n{time.monotonic() - began:.0f} s")
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m bench words`."""
    parser.add_argument("--docs", type=int, help="seeded subset of the corpus (default: all)")
    parser.add_argument("--workdir", type=Path, help="keep indexes here between runs")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=Spec.seed, help="seed of the word sample")
