"""Known-item relevance: a clause or fragment that occurs in exactly one document is typed as a
query; success@10 and MRR@10 say how often and how high that document comes back. Runs inside
the full benchmark, or alone for tuning ranking on a subset:

    python -m bench relevance --docs 3000 --show-failures 10 [--workdir bench/out/rel]
"""

from __future__ import annotations

import argparse
import hashlib
import random
import re
import tempfile
import time
from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from indexer import Settings, sync
from indexer.normalize import HAN_RUN, fold

from . import baseline
from .corpus import Record, han_only, load, sample, searchable_text, write_jsonl, write_seed_style
from .engines import Baseline, Engine, Hit, Ours
from .queries import Query

KINDS = ("clause", "fragment")
SETS = ("cctv", "seed")
TOP = 10
CLAUSE = (4, 14)
FRAGMENT = (4, 10)
TARGETS = {  # (success@10, MRR@10) ours must reach
    "clause": (0.99, 0.95),
    "fragment": (0.97, 0.92),
}
_SENTENCE_END = re.compile(r"[。！？!?；;\n]+")


@dataclass(frozen=True)
class Probe:
    """Text a reader remembers from one document, and that document's id."""

    kind: str
    text: str
    expected: str


@dataclass(frozen=True)
class Miss:
    """A probe whose document was not first: where it came (None: not in the top 10), and what
    came first instead."""

    probe: Probe
    rank: int | None
    first: Hit | None


@dataclass
class Score:
    """success@10 and MRR@10 of one engine on one kind of probe."""

    probes: int = 0
    found: int = 0
    reciprocal: float = 0.0
    refused: int = 0  # probes the engine answered with an error
    misses: list[Miss] = field(default_factory=list)

    @property
    def success(self) -> float:
        return self.found / self.probes if self.probes else float("nan")

    @property
    def mrr(self) -> float:
        return self.reciprocal / self.probes if self.probes else float("nan")


class Haystack:
    """Every document's text in one string, to tell which documents hold a probe."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str]) -> None:
        self.ids = list(ids)
        self.starts: list[int] = []
        pieces, at = [], 0
        for text in texts:
            self.starts.append(at)
            pieces.append(text)
            at += len(text) + 1
        self.text = "\x00".join(pieces)

    def only_owner(self, probe: str) -> str | None:
        """The id of the one document holding probe; None when none or several do."""
        at = self.text.find(probe)
        if at < 0:
            return None
        doc = bisect_right(self.starts, at) - 1
        end = self.starts[doc + 1] if doc + 1 < len(self.starts) else len(self.text)
        return None if self.text.find(probe, end) >= 0 else self.ids[doc]


def clauses(text: str) -> list[str]:
    """Han runs of 4-14 characters with punctuation (or a line end) on both sides."""
    low, high = CLAUSE
    found = []
    for match in HAN_RUN.finditer(text):
        before = text[match.start() - 1] if match.start() else "\n"
        after = text[match.end()] if match.end() < len(text) else "\n"
        if low <= len(match.group()) <= high and not before.isalnum() and not after.isalnum():
            found.append(match.group())
    return found


def fragment(text: str, rng: random.Random) -> str | None:
    """A 4-10 character run cut anywhere from one sentence (mid-word cuts included)."""
    low, high = FRAGMENT
    sentences = [s for s in _SENTENCE_END.split(text) if s.strip()]
    runs = [r for s in rng.sample(sentences, len(sentences)) for r in HAN_RUN.findall(s)]
    runs = [r for r in runs if len(r) >= low]
    if not runs:
        return None
    run = runs[0]
    size = rng.randint(low, min(high, len(run)))
    start = rng.randrange(len(run) - size + 1)
    return run[start : start + size]


def make_probes(
    kind: str, sources: Sequence[tuple[str, str]], haystack: Haystack, count: int, seed: int
) -> list[Probe]:
    """Up to `count` probes of a kind, one per document in a seeded order, each kept only when
    it occurs in exactly one document of the haystack."""
    rng = random.Random(f"{seed}-{kind}")
    order = rng.sample(range(len(sources)), len(sources))
    probes: dict[str, Probe] = {}
    for index in order:
        if len(probes) >= count:
            break
        doc_id, text = sources[index]
        if kind == "clause":
            candidates = clauses(text)
            cut = rng.choice(candidates) if candidates else None
        else:
            cut = fragment(text, rng)
        if cut and cut not in probes and haystack.only_owner(cut) == doc_id:
            probes[cut] = Probe(kind, cut, doc_id)
    return list(probes.values())


def score(engine: Engine, probes: Sequence[Probe]) -> dict[str, Score]:
    """success@10 and MRR@10 per kind of probe; misses keep what came first instead."""
    scores = {kind: Score() for kind in dict.fromkeys(p.kind for p in probes)}
    for probe in probes:
        errors = engine.errors
        hits = engine.search(Query(probe.text, probe.kind))
        ids = [doc_id for doc_id, _ in hits[:TOP]]
        rank = ids.index(probe.expected) + 1 if probe.expected in ids else None
        result = scores[probe.kind]
        result.probes += 1
        result.refused += engine.errors - errors
        if rank:
            result.found += 1
            result.reciprocal += 1 / rank
        if rank != 1:
            result.misses.append(Miss(probe, rank, hits[0] if hits else None))
    return scores


@dataclass(frozen=True)
class Collection:
    """A set of documents to probe: where probes are cut, and what they must match."""

    name: str
    sources: list[tuple[str, str]]
    haystack: Haystack

    def probes(self, count: int, seed: int) -> list[Probe]:
        """`count` probes of each kind, seeded."""
        return [
            probe
            for kind in KINDS
            for probe in make_probes(kind, self.sources, self.haystack, count, seed)
        ]


def cctv_collection(records: Sequence[Record]) -> Collection:
    """Probes cut from, and checked against, the normalised title and body of each record."""
    texts = [(str(r["id"]), searchable_text(r)) for r in records]
    return Collection("cctv", texts, Haystack([i for i, _ in texts], [t for _, t in texts]))


def seed_collection(records: Sequence[Record], rewritten: dict[str, str]) -> Collection:
    """Probes cut from the original text, checked against the Han-only seed-style rewrite."""
    sources = [(str(r["id"]), searchable_text(r)) for r in records]
    ids = list(rewritten)
    return Collection("seed", sources, Haystack(ids, [han_only(fold(rewritten[i])) for i in ids]))


Result = dict[tuple[str, str, str], Score]  # (set, system, kind) -> score


def evaluate(collection: Collection, engines: Sequence[Engine], count: int, seed: int) -> Result:
    """Every engine on the collection's probes, keyed by (set, system, kind)."""
    probes = collection.probes(count, seed)
    result: Result = {}
    for engine in engines:
        for kind, value in score(engine, probes).items():
            result[(collection.name, engine.name, kind)] = value
    return result


def table(result: Result) -> str:
    """The scores as a plain-text table, with ours' targets beside them."""
    header = f"{'set':<6}{'kind':<10}{'system':<10}{'probes':>7}{'success@10':>12}{'MRR@10':>9}"
    lines = [header + f"{'refused':>9}   target (ours)"]
    for (name, system, kind), s in sorted(result.items()):
        target = TARGETS[kind] if system == "ours" else None
        shown = f"   >= {target[0]:.2f} / >= {target[1]:.2f}" if target else ""
        lines.append(
            f"{name:<6}{kind:<10}{system:<10}{s.probes:>7}{s.success:>12.3f}{s.mrr:>9.3f}"
            f"{s.refused:>9}{shown}"
        )
    return "\n".join(lines)


def failures(result: Result, limit: int) -> str:
    """The first `limit` misses of each (set, system, kind): probe, expected, what came first."""
    lines = []
    for (name, system, kind), s in sorted(result.items()):
        if not s.misses or not limit:
            continue
        lines.append(f"\n{name} / {system} / {kind}: {len(s.misses)} not first")
        for miss in s.misses[:limit]:
            where = f"rank {miss.rank}" if miss.rank else "not in top 10"
            first = f"{miss.first[0]} 「{miss.first[1][:30]}」" if miss.first else "(no hits)"
            lines.append(
                f"  「{miss.probe.text}」 expected {miss.probe.expected}: {where}; first {first}"
            )
    return "\n".join(lines)


# -- running alone -------------------------------------------------------------------------


def _ours_index(corpus: Path, index_dir: Path, procs: int) -> Path:
    """Our index of the corpus; incremental, so a kept --workdir costs only a hash check."""
    sync(Settings.from_env(index_dir=index_dir, procs=procs), [corpus])
    return index_dir


def _baseline_index(corpus: Path, index_dir: Path, stamp: str) -> Path:
    """The baseline's index, rebuilt only when the corpus written for it changed."""
    marker = index_dir / "bench-corpus.stamp"
    if not (marker.is_file() and marker.read_text() == stamp):
        baseline.build(corpus, index_dir)
        marker.write_text(stamp)
    return index_dir


def _stamp(records: Sequence[Record], seed: int) -> str:
    ids = "\n".join(str(r["id"]) for r in records)
    return f"{seed}:{hashlib.sha1(ids.encode()).hexdigest()}"


def _engines(
    stack: ExitStack, systems: Sequence[str], ours: Callable[[], Path], base: Callable[[], Path]
) -> Iterator[Engine]:
    for system in systems:
        engine: Engine = Ours(ours()) if system == "ours" else Baseline(base())
        stack.callback(engine.close)
        yield engine


def run(args: argparse.Namespace) -> Result:
    """The evaluation on its own: corpus subset, indexes (kept in --workdir if given), scores."""
    began = time.monotonic()
    corpus = load(args.docs, args.seed)
    result: Result = {}
    with ExitStack() as stack:
        workdir = args.workdir or Path(stack.enter_context(tempfile.TemporaryDirectory()))
        workdir.mkdir(parents=True, exist_ok=True)
        print(f"corpus: {corpus.label}; work folder {workdir}")
        if "cctv" in args.sets:
            records = corpus.records
            jsonl = workdir / "cctv.jsonl"
            write_jsonl(records, jsonl)
            engines = list(
                _engines(
                    stack,
                    args.systems,
                    lambda: _ours_index(jsonl, workdir / "ours-cctv", args.procs),
                    lambda: _baseline_index(jsonl, workdir / "base-cctv", _stamp(records, 0)),
                )
            )
            result |= evaluate(cctv_collection(records), engines, args.probes, args.seed)
        if "seed" in args.sets:
            records = sample(corpus.records, args.seed_docs, args.seed)
            folder = workdir / "seed-style"
            rewritten = write_seed_style(records, folder, args.seed)
            stamp = _stamp(records, args.seed)
            engines = list(
                _engines(
                    stack,
                    args.systems,
                    lambda: _ours_index(folder, workdir / "ours-seed", args.procs),
                    lambda: _baseline_index(folder, workdir / "base-seed", stamp),
                )
            )
            result |= evaluate(seed_collection(records, rewritten), engines, args.probes, args.seed)
    print(table(result))
    print(failures(result, args.show_failures))
    print(f"\n{time.monotonic() - began:.0f} s")
    return result


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m bench relevance`."""
    parser.add_argument("--docs", type=int, help="seeded subset of the corpus (default: all)")
    parser.add_argument("--seed-docs", type=int, default=3000, help="items in the seed rewrite")
    parser.add_argument("--probes", type=int, default=400, help="probes of each kind per set")
    parser.add_argument("--sets", type=_choices(SETS), default=list(SETS), help="cctv,seed")
    parser.add_argument(
        "--systems", type=_choices(("ours", "baseline")), default=["ours", "baseline"]
    )
    parser.add_argument("--show-failures", type=int, default=0, metavar="N")
    parser.add_argument("--workdir", type=Path, help="keep indexes here between runs")
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)


def _choices(allowed: Sequence[str]) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        values = [v.strip() for v in text.split(",") if v.strip()]
        unknown = [v for v in values if v not in allowed]
        if unknown or not values:
            raise argparse.ArgumentTypeError(f"choose from {', '.join(allowed)}")
        return values

    return parse
