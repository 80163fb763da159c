"""The whole benchmark (`make bench`) and its smoke mode: ours and the baseline measured side by
side in one run, every corpus and index in one temporary folder removed at the end."""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from indexer import SearchIndex, SearchRequest, Settings

from . import bigdoc, build, durability, hostile, http, lines, reader, relevance, words
from . import trends as study
from .build import Run, run_timed, size_mb
from .corpus import ROOT, edited, load, replicated, sample, write_jsonl, write_seed_style
from .engines import Baseline, Engine, open_engines
from .latency import WARMUP, Timings, measure, percentile
from .memory import tree_memory
from .queries import Query, generate
from .report import Report, Row, Target

CODE = ("indexer", "webui")
FRACTION = 0.01
SCALED = "Scaled index (the corpus N times over, distinct ids)"
WORDS = "Word precision (words before characters)"
HOSTILE = "Hostile queries (issue 12)"
BIG = "Big documents (issue 12)"
DURABILITY = "Durability cost: fsync on / off (issue 13)"
LINES = "Concordance and export (issue 15)"
TRENDS = "Trends and co-occurring words (issue 15)"
READER = "Suggestions and pinyin (issue 14)"
PARTS = ("hostile", "bigdoc", "durability", "lines", "trends", "reader")  # also run alone
SAFETY_S = 90  # kept free of the budget for the report and slow moments
LOAD_AROUND_REINDEX_S = 1.0  # load before and after the reindex, to see it start and land


@dataclass(frozen=True)
class Plan:
    """How big each part of a run is."""

    mode: str
    docs: int | None  # None: the whole corpus
    queries: int
    http_s: float
    http_reindex_s: float  # the most the load around a reindex may last
    probes: int
    seed_docs: int
    budget_s: float
    word_set: words.Spec
    hostile_per_kind: int | None  # hostile queries of each kind (None: the whole set)
    hostile_s: float  # the two slowest hostile queries repeated while /healthz is polled
    big_mb: float  # the big document's JSON line
    durability_docs: int | None  # items built with fsync on and off (None: the whole corpus)
    durability_trials: int  # at most this many builds and reindexes, in cycles of on, off, off, on


FULL = Plan(
    "full", None, 500, 30, 120, 400, 3000, 25 * 60, words.Spec(), None, 5, bigdoc.SIZE_MB, 3000, 12
)
# 200 items hold few words 20 times: lower bars, so the smoke run still measures some (still
# 10 items using each word, so that a top 10 without straddles is possible).
SMOKE_WORDS = words.Spec(uses=10, straddles=2, max_share=0.25, words=20)
# The smoke run's CPU budget leaves room for only a taste of the last three parts: one hostile
# query of each kind, a 0.25 MB document, one build and reindex with fsync on and one off.
SMOKE = Plan("smoke", 200, 40, 1.5, 30, 30, 100, 60, SMOKE_WORDS, 1, 0.5, 0.25, 50, 2)

SECTIONS = (
    "Full build",
    "Nightly reindex",
    "Query latency, in-process",
    SCALED,
    "HTTP, 8 connections",
    "Memory of the serving process",
    "Relevance (known item)",
    WORDS,
    HOSTILE,
    BIG,
    DURABILITY,
    TRENDS,
    LINES,
    READER,
)


# Ours is served as deployed on this machine: one worker process per core; the hostile and
# big-document checks use one worker, so that a slow search and the next request share it.
SERVE_OPTIONS = ("--host", http.HOST, "--port", "0", "--workers", str(os.cpu_count() or 1))
ONE_WORKER = ("--host", http.HOST, "--port", "0", "--workers", "1")


@dataclass(frozen=True)
class Served:
    """What one server did: a plain load, a load around a reindex (whole and the reindex's own
    window), its memory after the plain load, and how long the reindex took."""

    plain: http.LoadStats
    around: http.LoadStats
    window: http.LoadStats
    pss: float
    rss: float
    hwm: float
    reindex_s: float


def _written(output: str) -> int | None:
    """Items a reindex added or updated, from its last line (ours: the report line; the
    baseline: JSON counts); None when it did not run incrementally."""
    lines = output.strip().splitlines()
    ours = re.search(r"^incremental .*added (\d+), updated (\d+)", lines[-1] if lines else "")
    if ours:
        return int(ours.group(1)) + int(ours.group(2))
    try:
        counts = json.loads(lines[-1])
    except (ValueError, IndexError):
        return None
    return counts.get("added", 0) + counts.get("updated", 0) if isinstance(counts, dict) else None


class ReaderPart:
    """Suggestions and pinyin (issue 14), over an index of this run's corpus: a mixin of
    Bench, kept apart so that the part reads as one piece."""

    tmp: Path
    seed: int
    records: list[dict]
    report: Report

    def reader_part(self, index_dir: Path, corpus: Path | None) -> None:
        """The vocabulary's build time, suggest latency, pinyin recall and the archive's Latin
        words with pinyin on and off; with corpus (the part alone: a full run's "Nightly
        reindex" has it), a no-change reindex of it."""
        built = reader.build_times(index_dir, self.records, self.tmp / "vocabulary")
        again = None
        if corpus is not None:
            command = build.speechsearch(
                "reindex", "--corpus", str(corpus), "--index", str(index_dir), "--quiet"
            )
            again = run_timed(command, self.tmp)
        index = SearchIndex(Settings.from_env(index_dir=index_dir))
        try:
            typed = reader.prefixes(self.records, reader.PREFIXES)
            p50, p95, slowest = reader.suggest_ms(index, typed)
            recall = reader.pinyin_recall(
                index, reader.title_words(self.records, reader.PINYIN_ITEMS)
            )
            latin = reader.latin_words(self.records, reader.LATIN_WORDS)
            changed, which, held = reader.latin_changed(index, latin)
        finally:
            index.close()
        items = f"{len(self.records):,} items"
        vocab_how = (
            f"python -m bench reader: bench/reader.py build_times, indexer.vocabulary.build over "
            f"the built index of {items} into a scratch folder (titles as a build collects them; "
            "then as a reindex that changed one item, the first file's titles and readings "
            "reused)",
        )
        suggest_how = (
            f"python -m bench reader: SearchIndex.suggest (as /api/suggest) over "
            f"{len(typed)} prefixes of bench/reader.py prefixes (seed {reader.SEED}): the first "
            "1-4 characters of a title, the first 1-8 letters of a title word's pinyin, or its "
            "initials",
        )
        recall_how = (
            f"python -m bench reader: one title word (2-4 characters) of each of {recall.words} "
            f"items (seed {reader.SEED}) typed as pypinyin's lazy_pinyin reading, full and "
            "initials; found when among the first 3 words the search reads the text as",
        )
        latin_how = (
            f"python -m bench reader: {len(latin)} distinct Latin words of the corpus's text "
            f"(seed {reader.SEED}), of which the {held} its search finds as typed are searched "
            "with pinyin on and off; changed: another total or first page",
        )
        reindexed = []
        if again is not None:
            reindexed.append(
                Row(
                    "no-change reindex, wall s (the vocabulary untouched)",
                    again.wall_s,
                    None,
                    Target("<=", reader.REINDEX_S),
                    (again.command,),
                    2,
                )
            )
        self.report.add(
            READER,
            [
                Row(
                    f"vocabulary step of a full build, s ({items}, {built.size_mb:.0f} MB file)",
                    built.full_s,
                    None,
                    Target("<=", reader.VOCABULARY_S),
                    vocab_how,
                    2,
                ),
                Row("vocabulary step of a reindex, s", built.reused_s, None, None, vocab_how, 2),
                *reindexed,
                Row("suggest p50 ms", p50, None, None, suggest_how, 2),
                Row(
                    "suggest p95 ms",
                    p95,
                    None,
                    Target("<=", reader.SUGGEST_P95_MS),
                    suggest_how,
                    2,
                ),
                Row("suggest slowest ms", slowest, None, None, suggest_how, 2),
                Row(
                    "pinyin, full syllables: intended word among the first 3",
                    recall.full,
                    None,
                    Target(">=", reader.FULL_TARGET),
                    recall_how,
                    3,
                ),
                Row(
                    "pinyin, initials: intended word among the first 3",
                    recall.initials,
                    None,
                    Target(">=", reader.INITIALS_TARGET),
                    recall_how,
                    3,
                ),
                Row(
                    f"archive's Latin words ({held} found as typed) whose results change "
                    "with pinyin",
                    changed,
                    None,
                    Target("<=", 0),
                    latin_how,
                    3,
                ),
            ],
        )
        self.report.details[f"{READER}: words missed and Latin words changed"] = "\n".join(
            [
                f"full syllables missed ({len(recall.missed_full)}): "
                + ", ".join(recall.missed_full),
                f"initials missed ({len(recall.missed_initials)}): "
                + ", ".join(recall.missed_initials),
                f"Latin words changed ({len(which)}): " + ", ".join(which),
            ]
        )


class Bench(ReaderPart):
    """One run's state: the corpus, the index folders, what was measured so far."""

    def __init__(self, plan: Plan, report: Report, tmp: Path, seed: int) -> None:
        self.plan = plan
        self.report = report
        self.tmp = tmp
        self.seed = seed
        self.began = time.monotonic()
        self.corpus = load(plan.docs, seed)
        self.records = self.corpus.records
        self.feed = tmp / "feed" / "corpus.jsonl"
        self.feed_bytes = write_jsonl(self.records, self.feed)
        self.ours_ix = tmp / "ours"
        self.base_ix = tmp / "baseline"
        self.queries: list[Query] = generate(self.records, plan.queries, seed)
        self.durations: dict[str, float] = {}
        self.edited = 0
        report.corpus = f"{self.corpus.label}, {self.feed_bytes / 1e6:.1f} MB of JSONL"
        for section in SECTIONS:
            report.add(section, [])

    def say(self, message: str) -> None:
        print(f"[{time.monotonic() - self.began:6.0f} s] {message}", file=sys.stderr, flush=True)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        """Time a step, for the budget and the log."""
        self.say(f"{name} ...")
        began = time.monotonic()
        yield
        self.durations[name] = time.monotonic() - began
        self.say(f"{name}: {self.durations[name]:.0f} s")

    # -- 1-2: full builds ------------------------------------------------------------------

    def builds(self) -> None:
        items = len(self.records)
        mb = self.feed_bytes / 1048576
        ours = self._index(self.feed, self.ours_ix)
        variants = {
            "1 process": self._baseline_build(self.feed, self.base_ix, 1),
            "procs=2": self._baseline_build(self.feed, self.tmp / "baseline-mp", 2),
        }
        sizes = {"ours": size_mb(self.ours_ix), "1 process": size_mb(self.base_ix)}
        sizes["procs=2"] = size_mb(self.tmp / "baseline-mp")
        shutil.rmtree(self.tmp / "baseline-mp")
        self.durations["ours build"] = ours.wall_s
        self.durations["baseline procs=2"] = variants["procs=2"].wall_s
        figures: list[tuple[str, Callable[[Run], float], Target | None, int]] = [
            ("wall s", lambda r: r.wall_s, Target("<=", 60), 1),
            ("docs/s", lambda r: items / r.wall_s, None, 0),
            ("MB/s", lambda r: mb / r.wall_s, None, 2),
            ("peak RSS MB, largest process", lambda r: r.peak_rss_mb, None, 0),
            ("peak RSS MB, all processes", lambda r: r.tree_peak_mb, None, 0),
        ]
        how = {label: (ours.command, other.command) for label, other in variants.items()}
        rows = [
            Row(f"{figure} (baseline {label})", value(ours), value(other), target, how[label], n)
            for figure, value, target, n in figures
            for label, other in variants.items()
        ]
        rows += [
            Row(f"index size MB (baseline {label})", sizes["ours"], sizes[label], how=how[label])
            for label in variants
        ]
        self.report.add("Full build", rows)

    def _index(self, corpus: Path, index_dir: Path) -> Run:
        args = ("--corpus", str(corpus), "--index", str(index_dir), "--procs", "2", "--quiet")
        return run_timed(build.speechsearch("index", *args), self.tmp)

    def _baseline_build(self, corpus: Path, index_dir: Path, procs: int) -> Run:
        command = build.baseline(
            "build", "--corpus", str(corpus), "--index", str(index_dir), "--procs", str(procs)
        )
        return run_timed(command, self.tmp)

    # -- 4 and 7 (CCTV): in-process latency and relevance, over the same open indexes -------

    def latency_and_relevance(self) -> None:
        engines = open_engines(self.ours_ix, self.base_ix)
        try:
            began = time.monotonic()
            timings = measure(engines, self.queries)
            self.durations["latency"] = time.monotonic() - began
            self._latency_rows("Query latency, in-process", timings, Target("<=", 20))
            self._relevance(relevance.cctv_collection(self.records), engines, self.corpus.name)
        finally:
            for engine in engines:
                engine.close()

    def _latency_rows(self, section: str, timings: dict[str, Timings], p95: Target | None) -> None:
        ours, base = timings["ours"].overall(), timings["baseline"].overall()
        how = (
            f"python -m bench: in-process, {ours.queries} seeded queries (bench/queries.py), "
            "each through ours (SearchIndex.search, 10 hits, passages, facets off) and the "
            "baseline (bench/baseline.py search: parse, search(limit=10), highlights) in turn",
        )
        rows = [
            Row("p50 ms", ours.p50, base.p50, how=how),
            Row("p95 ms", ours.p95, base.p95, p95, how),
            Row("p99 ms", ours.p99, base.p99, how=how),
            Row("queries the engine refused (errors)", ours.errors, base.errors, None, how, 0),
        ]
        self.report.add(section, rows)
        lines = [
            f"{'kind':<10}{'n':>5}  {'ours p50':>9}{'ours p95':>9}  {'base p50':>9}{'base p95':>9}"
        ]
        ours_kinds, base_kinds = timings["ours"].kinds(), timings["baseline"].kinds()
        for kind, mine in ours_kinds.items():
            other = base_kinds[kind]
            lines.append(
                f"{kind:<10}{mine.queries:>5}  {mine.p50:>9.1f}{mine.p95:>9.1f}  "
                f"{other.p50:>9.1f}{other.p95:>9.1f}"
            )
        self.report.details[f"{section}: ms by query kind"] = "\n".join(lines)

    def _relevance(
        self, collection: relevance.Collection, engines: Sequence[Engine], label: str
    ) -> None:
        began = time.monotonic()
        result = relevance.evaluate(collection, engines, self.plan.probes, self.seed)
        self.durations[f"relevance {label}"] = time.monotonic() - began
        how = (
            f"python -m bench relevance --sets {collection.name} "
            f"--probes {self.plan.probes} (same code; here over this run's indexes)",
        )
        rows = []
        for kind in relevance.KINDS:
            ours = result[(collection.name, "ours", kind)]
            base = result[(collection.name, "baseline", kind)]
            success, mrr = relevance.TARGETS[kind]
            rows += [
                Row(
                    f"{label} {kind}s: success@10 ({ours.probes} probes)",
                    ours.success,
                    base.success,
                    Target(">=", success),
                    how,
                    3,
                ),
                Row(f"{label} {kind}s: MRR@10", ours.mrr, base.mrr, Target(">=", mrr), how, 3),
            ]
        self.report.add("Relevance (known item)", rows)
        refused = sum(score.refused for score in result.values())
        if refused:
            self.report.notes.append(f"{label} relevance: {refused} probes answered by an error")
        self.report.details[f"Relevance, {label}: table and first misses"] = (
            relevance.table(result) + "\n" + relevance.failures(result, 5)
        )

    # -- 8: words before characters (issue 11), over the CCTV indexes ----------------------

    def word_precision(self) -> None:
        spec = self.plan.word_set
        chosen = words.build_set(self.records, spec)
        if not chosen:
            self.report.notes.append(
                f"word precision not measured: no word meets the set's bars ({spec})"
            )
            return
        engines = open_engines(self.ours_ix, self.base_ix)
        try:
            result = words.evaluate(chosen, engines)
        finally:
            for engine in engines:
                engine.close()
        how = (f"python -m bench words (same code; set: {spec}; here over this run's indexes)",)
        ours, base = result["ours"], result["baseline"]
        random_order = words.random_mean(chosen)
        self.report.add(
            WORDS,
            [
                Row(
                    f"straddle-only items in the top 10, % (mean over {len(chosen)} words)",
                    words.mean_share(ours),
                    words.mean_share(base),
                    Target("<=", words.TARGET),
                    how,
                ),
                Row(
                    "the same, pooled over all top-10 hits, %",
                    words.pooled_share(ours),
                    words.pooled_share(base),
                    None,
                    how,
                ),
                Row(
                    "random order: straddle-only share of all items holding the word, % "
                    "(the same for both)",
                    random_order,
                    random_order,
                    None,
                    how,
                ),
            ],
        )
        self.report.details[f"{WORDS}: table and words"] = (
            words.table(chosen, result) + "\n\n" + words.listing(chosen, result)
        )

    # -- 3: nightly reindex ----------------------------------------------------------------

    def _reindex_commands(self) -> tuple[list[str], list[str]]:
        ours = build.speechsearch(
            "reindex", "--corpus", str(self.feed), "--index", str(self.ours_ix), "--quiet"
        )
        base = build.baseline("reindex", "--corpus", str(self.feed), "--index", str(self.base_ix))
        return ours, base

    def reindex(self) -> None:
        ours_cmd, base_cmd = self._reindex_commands()
        same = (run_timed(ours_cmd, self.tmp), run_timed(base_cmd, self.tmp))
        changed_records, count = edited(self.records, FRACTION, seed=1)
        write_jsonl(changed_records, self.feed)
        changed = (run_timed(ours_cmd, self.tmp), run_timed(base_cmd, self.tmp))
        for run in same:
            self._check(run, 0)
        for run in changed:
            self._check(run, count)
        self.edited = count
        how = (
            f"{changed[0].command}  (after rewriting $TMP/feed/corpus.jsonl with {count} "
            "bodies changed by bench/corpus.py edited())",
            changed[1].command,
        )
        self.report.add(
            "Nightly reindex",
            [
                Row(
                    "no change, s",
                    same[0].wall_s,
                    same[1].wall_s,
                    Target("<=", 3),
                    (same[0].command, same[1].command),
                    2,
                ),
                Row(
                    f"1% changed ({count} items), s",
                    changed[0].wall_s,
                    changed[1].wall_s,
                    Target("<=", 5),
                    how,
                    2,
                ),
            ],
        )

    def _check(self, run: Run, expected: int) -> None:
        """A reindex that was not incremental, or wrote another number of items than were
        edited, is noted beside the table: its time would mislead."""
        if _written(run.output) != expected:
            last = run.output.strip().splitlines()[-1:] or ["(no output)"]
            self.report.notes.append(
                f"expected `{run.command}` to write {expected} items; it said {last[0]!r}"
            )

    # -- 5-6: HTTP and memory --------------------------------------------------------------

    def serving(self) -> None:
        write_jsonl(self.records, self.feed)  # the edits undone: another 1% change to index
        ours_reindex, base_reindex = self._reindex_commands()
        commands = {
            "ours": (
                build.speechsearch("serve", "--index", str(self.ours_ix), *SERVE_OPTIONS),
                ours_reindex,
            ),
            "baseline": (
                build.baseline(
                    "serve", "--index", str(self.base_ix), "--host", http.HOST, "--port", "0"
                ),
                base_reindex,
            ),
        }
        ours, base = (self._serve(serve, reindex) for serve, reindex in commands.values())
        serve_how = tuple(
            f"{build.shown(serve, self.tmp)}; client: bench/http.py, {http.CONCURRENCY} "
            f"keep-alive connections, GET /api/search over the {len(self.queries)} queries"
            for serve, _ in commands.values()
        )
        both = serve_how + tuple(
            build.shown(r, self.tmp) + " during the load" for _, r in commands.values()
        )
        figures: list[tuple[str, Callable[[Served], float], Target | None, tuple[str, ...], int]]
        figures = [
            (f"requests/s ({self.plan.http_s:g} s)", lambda s: s.plain.rps, None, serve_how, 1),
            ("p50 ms", lambda s: s.plain.p50_ms, None, serve_how, 1),
            ("p95 ms", lambda s: s.plain.p95_ms, Target("<=", 60), serve_how, 1),
            ("errors", lambda s: s.plain.errors, Target("<=", 0), serve_how, 0),
            ("during a 1% reindex: requests/s", lambda s: s.window.rps, None, both, 1),
            ("during a 1% reindex: p95 ms", lambda s: s.window.p95_ms, None, both, 1),
            (
                f"errors from {LOAD_AROUND_REINDEX_S:g} s before to {LOAD_AROUND_REINDEX_S:g} s "
                "after the reindex",
                lambda s: s.around.errors,
                Target("<=", 0),
                both,
                0,
            ),
            ("reindex wall s under load", lambda s: s.reindex_s, None, both[2:], 2),
        ]
        rows = [Row(f, value(ours), value(base), t, how, d) for f, value, t, how, d in figures]
        self.report.add("HTTP, 8 connections", rows)
        self.report.add(
            "Memory of the serving process",
            [
                Row(
                    "MB after the load, all server processes (PSS: shared pages counted once)",
                    ours.pss,
                    base.pss,
                    Target("<=", 300),
                    serve_how,
                    0,
                ),
                Row("RSS MB after the load, one process", ours.rss, base.rss, None, serve_how, 0),
                Row("peak RSS MB (VmHWM), one process", ours.hwm, base.hwm, None, serve_how, 0),
            ],
        )

    def _serve(self, serve: list[str], reindex: list[str]) -> Served:
        """Load, RSS, then load again around a 1% reindex; the server stopped after."""
        with http.serving(serve) as server:
            self.say(f"server pid {server.pid} at {server.url}")
            plain = http.LoadStats.of(http.load(server.url, self.queries, self.plan.http_s))
            pss, rss, hwm = tree_memory(server.pid)
            box: dict[str, list[http.Sample]] = {}
            stop = threading.Event()
            loader = threading.Thread(
                target=lambda: box.update(
                    samples=http.load(server.url, self.queries, self.plan.http_reindex_s, stop)
                )
            )
            loader.start()
            try:
                time.sleep(LOAD_AROUND_REINDEX_S)
                start = time.monotonic()
                run = run_timed(reindex, self.tmp)
                end = time.monotonic()
                self._check(run, self.edited)
                time.sleep(LOAD_AROUND_REINDEX_S)
            finally:
                stop.set()
                loader.join()
        samples = box["samples"]
        return Served(
            plain,
            http.LoadStats.of(samples),
            http.LoadStats.of(samples, start, end),
            pss,
            rss,
            hwm,
            run.wall_s,
        )

    # -- 7 (seed style) --------------------------------------------------------------------

    def seed_style(self) -> None:
        records = sample(self.records, self.plan.seed_docs, self.seed)
        folder = self.tmp / "seed-style"
        rewritten = write_seed_style(records, folder, self.seed)
        ours_ix, base_ix = self.tmp / "ours-seed", self.tmp / "baseline-seed"
        self._index(folder, ours_ix)
        self._baseline_build(folder, base_ix, 1)
        engines = open_engines(ours_ix, base_ix)
        try:
            self._relevance(
                relevance.seed_collection(records, rewritten),
                engines,
                f"seed-style ({len(records):,} items)",
            )
        finally:
            for engine in engines:
                engine.close()

    # -- 9: hostile queries (issue 12), over this run's CCTV indexes -----------------------

    def hostile_queries(self) -> None:
        """The hostile set in-process (ours and the baseline), then over HTTP with /healthz."""
        queries = hostile.hostile_set(self.records, per_kind=self.plan.hostile_per_kind)
        index = SearchIndex(Settings.from_env(index_dir=self.ours_ix))
        recipe = Baseline(self.base_ix)
        try:
            asks = {"ours": hostile.ours(index.search), "baseline": hostile.through(recipe)}
            outcomes = hostile.measure(asks, queries, self.queries[:WARMUP])
        finally:
            index.close()
            recipe.close()
        slowest = [o.query for o in hostile.slowest(outcomes["ours"], 2)]
        command = build.speechsearch("serve", "--index", str(self.ours_ix), *ONE_WORKER)
        with http.serving(command) as server:
            self.say(f"hostile queries against {server.url} (process {server.pid})")
            swept = hostile.Tally.of(hostile.sweep(server.url, queries))
            pressed = hostile.pressure(server.url, slowest, self.plan.hostile_s)
        ours, base = (hostile.Tally.of(outcomes[name]) for name in ("ours", "baseline"))
        repeated = hostile.Tally.of(pressed.searches)
        how = (
            f"python -m bench hostile (same code; here over this run's indexes): "
            f"{len(queries)} queries of bench/hostile.py (seed {hostile.SEED}), each through ours "
            "(SearchIndex.search as /api/search asks: 10 hits, facets on) and the baseline "
            "(bench/baseline.py search) in turn",
        )
        served = (
            f"{build.shown(command, self.tmp)}; client: bench/hostile.py, GET /api/search of "
            "each query once, then the 2 slowest (in-process) repeated on 2 connections while "
            f"GET /healthz is polled every {hostile.HEALTH_EVERY_S * 1000:g} ms",
        )
        health = pressed.health_ms
        health_target = Target("<=", hostile.HEALTH_MS)
        self.report.add(
            HOSTILE,
            [
                Row(
                    f"slowest ms ({len(queries)} queries)",
                    ours.slowest_ms,
                    base.slowest_ms,
                    Target("<=", hostile.SLOWEST_MS),
                    how,
                ),
                Row("p95 ms", ours.p95_ms, base.p95_ms, None, how),
                Row(
                    "answered, refusals (400) included",
                    ours.answered,
                    base.answered,
                    Target(">=", len(queries)),
                    how,
                    0,
                ),
                Row(
                    "refused: past the limits or too long", ours.refused, base.refused, None, how, 0
                ),
                Row("slowest refusal ms", ours.slowest_refusal_ms, None, None, how),
                Row("partial: the 500 ms budget ran out", ours.partial, None, None, how, 0),
                Row(
                    "errors (exceptions: a 500 over HTTP)",
                    ours.errors + ours.failed,
                    base.errors + base.failed,
                    Target("<=", 0),
                    how,
                    0,
                ),
                Row("over HTTP, each once: slowest ms", swept.slowest_ms, None, None, served),
                Row("over HTTP, each once: 500s", swept.errors, None, Target("<=", 0), served, 0),
                Row("over HTTP, each once: partial", swept.partial, None, None, served, 0),
                Row(
                    f"/healthz p95 ms, {len(health)} polls while the 2 slowest repeat "
                    f"({self.plan.hostile_s:g} s, 1 worker)",
                    percentile(health, 95),
                    None,
                    health_target,
                    served,
                ),
                Row("/healthz max ms", max(health, default=math.nan), None, health_target, served),
                Row(
                    "/healthz answers not 200",
                    pressed.health_failures,
                    None,
                    Target("<=", 0),
                    served,
                    0,
                ),
                Row(
                    f"the 2 slowest repeated ({repeated.queries} answers, {repeated.partial} "
                    "partial): 500s",
                    repeated.errors,
                    None,
                    Target("<=", 0),
                    served,
                    0,
                ),
            ],
        )
        if swept.failed or repeated.failed:
            self.report.notes.append(
                f"hostile queries over HTTP: {swept.failed + repeated.failed} answers neither "
                "200, 400 nor 500 (503, a dropped connection or a reply that is not JSON)"
            )
        self.report.details[f"{HOSTILE}: ms by kind (in-process)"] = hostile.table(outcomes)
        self.report.details[f"{HOSTILE}: the slowest"] = "\n\n".join(
            f"{name}:\n{hostile.listing(found)}" for name, found in outcomes.items()
        )

    # -- 10: a big document (issue 12) -----------------------------------------------------

    def big_documents(self, size_mb: float) -> None:
        """One record of size_mb beside a few items: its page and a search finding it, timed."""
        folder = self.tmp / "big"
        big = bigdoc.write_corpus(self.records, folder / "big.jsonl", size_mb)
        built = self._index(folder / "big.jsonl", folder / "index")
        word = generate([big], 1, self.seed)[0].text
        index = SearchIndex(Settings.from_env(index_dir=folder / "index"))
        try:
            timings = [
                bigdoc.timing("document page, no query", lambda: index.document(bigdoc.BIG_ID)),
                bigdoc.timing(
                    f"document page, q={bigdoc.MARKED}",
                    lambda: index.document(bigdoc.BIG_ID, q=bigdoc.MARKED),
                ),
                bigdoc.timing(f"search {word}", lambda: index.search(SearchRequest(q=word))),
            ]
            marks = index.document(bigdoc.BIG_ID, q=bigdoc.MARKED)["marks"]
            found = [hit["id"] for hit in index.search(SearchRequest(q=word))["hits"]]
        finally:
            index.close()
        if bigdoc.BIG_ID not in found:
            self.report.notes.append(f"big document: the search for {word} did not find it")
        command = build.speechsearch("serve", "--index", str(folder / "index"), *ONE_WORKER)
        path = f"/doc/{bigdoc.BIG_ID}?q={quote(bigdoc.MARKED)}"
        with http.serving(command) as server, closing(hostile.Client(server.url)) as client:
            pages: list[tuple[int, bytes]] = []
            timings.append(bigdoc.timing(f"GET {path}", lambda: pages.append(client.get(path))))
        if any(code != 200 for code, _ in pages):
            self.report.notes.append(f"big document: GET {path} answered {[c for c, _ in pages]}")
        shutil.rmtree(folder)
        in_process = (
            f"python -m bench bigdoc (same code): in-process SearchIndex.document / .search "
            f"over {built.command}, each the slowest of {bigdoc.REPEATS} calls",
        )
        served = (f"{build.shown(command, self.tmp)}; GET {path} {bigdoc.REPEATS} times",)
        figures = [
            f"document page without q, ms (slowest of {bigdoc.REPEATS})",
            f"document page with q={bigdoc.MARKED}, ms ({marks:,} marks)",
            f"search {word} finding it, ms",
            f"HTTP GET /doc/<id>?q={bigdoc.MARKED}, ms ({len(pages[-1][1]) / 1e6:.1f} MB page)",
        ]
        target = Target("<=", bigdoc.TARGET_MS)
        mb = bigdoc.line_bytes(big) / 1048576
        self.report.add(
            BIG,
            [
                Row(
                    f"index one {mb:.1f} MB record and {bigdoc.OTHERS} items: wall s",
                    built.wall_s,
                    None,
                    None,
                    (built.command,),
                ),
                Row(
                    "the same: peak RSS MB, all processes",
                    built.tree_peak_mb,
                    None,
                    None,
                    (built.command,),
                    0,
                ),
                *(
                    Row(figure, t.slowest_ms, None, target, how)
                    for figure, t, how in zip(
                        figures, timings, (in_process,) * 3 + (served,), strict=True
                    )
                ),
            ],
        )
        self.report.details[f"{BIG}: ms of each call"] = bigdoc.listing(timings)

    # -- 11: what syncing the index files costs (issue 13) ---------------------------------

    def fsync_cost(self, docs: int | None, most: int) -> None:
        """At most `most` trials of on, off, off, on; cycles after the first only if they fit."""
        records = sample(self.records, docs, self.seed)
        changed, count = edited(records, FRACTION, seed=1)
        folder = self.tmp / "durability"
        cycle = len(durability.ORDER)
        trials: list[durability.Trial] = []
        began = time.monotonic()
        while len(trials) < most:
            order = durability.ORDER[: most - len(trials)]
            feed, index_dir = folder / "corpus.jsonl", folder / "index"
            trials += durability.cycle(records, changed, feed, index_dir, self.tmp, order)
            if (time.monotonic() - began) * cycle / len(trials) > self._remaining():
                break
        shutil.rmtree(folder)
        for trial in trials:
            self._check(trial.reindex, count)
        items = (
            f"{len(records):,} items (whole corpus)"
            if len(records) == len(self.records)
            else f"{len(records):,} items (fixed subset, seed {self.seed})"
        )
        builds = durability.Cost.of(trials, lambda t: t.build)
        reindexes = durability.Cost.of(trials, lambda t: t.reindex)
        on = tuple(c for t in trials[:1] for c in (t.build.command, t.reindex.command))
        off = tuple(c for t in trials[1:2] for c in (t.build.command, t.reindex.command))
        how = on + off
        target = Target("<=", durability.TARGET)
        rows = []
        for label, cost in (
            (f"full build, {items}", builds),
            (f"1% reindex, {count:,} items changed", reindexes),
        ):
            rows += [
                Row(
                    f"{label}: s, fsync on (median of {cost.trials})", cost.on_s, None, None, how, 2
                ),
                Row(
                    f"{label}: s, SPEECHSEARCH_FSYNC=0 (median of {cost.trials})",
                    cost.off_s,
                    None,
                    None,
                    how,
                    2,
                ),
                Row(f"{label}: on / off", cost.ratio, None, target, how, 3),
            ]
        self.report.add(DURABILITY, rows)
        self.report.details[f"{DURABILITY}: every trial, in order"] = durability.listing(trials)

    def _remaining(self) -> float:
        """Seconds of the budget left, SAFETY_S kept aside."""
        return self.plan.budget_s - (time.monotonic() - self.began) - SAFETY_S

    # -- 4 (10x) ---------------------------------------------------------------------------

    def scale(self, choice: str, times: int) -> None:
        """The corpus `times` over with distinct ids: build, latency, serving memory."""
        builds = self.durations.get("ours build", 0) + self.durations.get("baseline procs=2", 0)
        projected = times * builds + 3 * self.durations.get("latency", 0)
        remaining = self._remaining()
        if choice == "off" or (choice == "auto" and projected > remaining):
            reason = f"projected {projected:.0f} s ({times}× this run's builds) > {remaining:.0f} s"
            self.report.notes.append(
                f"{times}× index not measured in this run: "
                f"{'--scale10 off' if choice == 'off' else reason + ' left of the budget'}. "
                "`python -m bench --scale10 only` measures it alone."
            )
            return
        big = self.tmp / f"x{times}.jsonl"
        size = write_jsonl(replicated(self.records, times), big)
        ours_ix, base_ix = self.tmp / f"ours-x{times}", self.tmp / f"baseline-x{times}"
        ours = self._index(big, ours_ix)
        base = self._baseline_build(big, base_ix, 2)
        big.unlink()
        items = f"{len(self.records) * times:,} items, {size / 1e6:.0f} MB"
        how = (ours.command, base.command)
        self.report.add(
            SCALED,
            [
                Row(
                    f"build wall s ({items}; baseline procs=2)", ours.wall_s, base.wall_s, None, how
                ),
                Row(
                    "build peak RSS MB, all processes",
                    ours.tree_peak_mb,
                    base.tree_peak_mb,
                    None,
                    how,
                    0,
                ),
                Row("index size MB", size_mb(ours_ix), size_mb(base_ix), None, how),
            ],
        )
        engines = open_engines(ours_ix, base_ix)
        try:
            p95 = Target("<=", 60) if times == 10 else None
            self._latency_rows(SCALED, measure(engines, self.queries), p95)
        finally:
            for engine in engines:
                engine.close()
        load_s = min(10, self.plan.http_s)
        commands = (
            build.speechsearch("serve", "--index", str(ours_ix), *SERVE_OPTIONS),
            build.baseline("serve", "--index", str(base_ix), "--host", http.HOST, "--port", "0"),
        )
        pss = []
        for command in commands:
            with http.serving(command) as server:
                http.load(server.url, self.queries, load_s)
                pss.append(tree_memory(server.pid)[0])
        how = tuple(build.shown(c, self.tmp) for c in commands)
        self.report.add(
            SCALED,
            [Row(f"serving MB (PSS, all processes) after a {load_s:g} s load", *pss, None, how, 0)],
        )

    # -- 12: trends and co-occurring words (issue 15) --------------------------------------

    def trends(self) -> None:
        """Trend and co-occurring words in-process over this run's index, then the cost of the
        sparkline beside every search total: in-process and over HTTP, SPARKLINE on and off."""
        index = SearchIndex(Settings.from_env(index_dir=self.ours_ix))
        try:
            figures = study.in_process(index, self.records, self.seed)
            requests = [
                SearchRequest(q=q.text, date_from=q.date_from, date_to=q.date_to, source=q.source)
                for q in self.queries
            ]
            without, with_line = study.search_cost(index, requests)
        finally:
            index.close()
        load_s = min(10, self.plan.http_s)
        command = build.speechsearch("serve", "--index", str(self.ours_ix), *SERVE_OPTIONS)
        samples: dict[str, list[http.Sample]] = {"false": [], "true": []}
        for setting in ("false", "true") * study.ALTERNATIONS:  # the machine's load drifts
            with http.serving(command, {"SPEECHSEARCH_SPARKLINE": setting}) as server:
                samples[setting] += http.load(server.url, self.queries, load_s / 2)
        off, on = (http.LoadStats.of(samples[s]) for s in ("false", "true"))
        in_process = (
            f"python -m bench trends (same code; here over this run's index): in-process "
            f"indexer.trends.trend / indexer.cooccur.cooccurring, the first call and "
            f"{study.TREND_REPEATS} (trend) or {study.COOCCUR_REPEATS} (words) repeats; "
            f"words picked by their totals (bench/trends.py, seed {self.seed})",
        )
        searches = (
            f"python -m bench trends: in-process SearchIndex.search of the {len(requests)} "
            "seeded queries (bench/queries.py), each without and with sparkline=True in turn, "
            "3 rounds",
        )
        served = (
            f"{build.shown(command, self.tmp)} with SPEECHSEARCH_SPARKLINE=false / true, "
            f"alternated {study.ALTERNATIONS} times, {load_s / 2:g} s each; GET /api/search of the "
            "seeded queries "
            f"from {http.CONCURRENCY} connections (bench/http.py)",
        )
        word, common = figures["word"], figures["common"]
        one, side, words = figures["trend"], figures["side"], figures["cooccur"]
        trend_ms, cooccur_ms = Target("<=", study.TREND_MS), Target("<=", study.COOCCUR_MS)
        rows = [
            Row(
                f"trend of {word} ({figures['word_total']:,} items): p50 ms",
                one.p50_ms,
                None,
                None,
                in_process,
            ),
            Row("the same: p95 ms", one.p95_ms, None, trend_ms, in_process),
            Row("the same: first call, ms", one.first_ms, None, None, in_process),
            Row(
                f"trend of {study.SIDE_BY_SIDE} words side by side: p95 ms",
                side.p95_ms,
                None,
                None,
                in_process,
            ),
            Row(
                f"co-occurring words of {common} ({figures['common_total']:,} items): p50 ms",
                words.p50_ms,
                None,
                None,
                in_process,
            ),
            Row("the same: p95 ms", words.p95_ms, None, cooccur_ms, in_process),
            Row(
                "the same: first call (its posting lists and text cut anew), ms",
                words.first_ms,
                None,
                cooccur_ms,
                in_process,
            ),
            Row(
                "search p50 ms without the sparkline",
                percentile(without, 50),
                None,
                None,
                searches,
                2,
            ),
            Row("the same with it", percentile(with_line, 50), None, None, searches, 2),
            Row(
                "search p95 ms without the sparkline",
                percentile(without, 95),
                None,
                None,
                searches,
                2,
            ),
            Row("the same with it", percentile(with_line, 95), None, None, searches, 2),
            Row(
                "the sparkline's cost: median of the per-search differences, ms",
                percentile([w - o for o, w in zip(without, with_line, strict=True)], 50),
                None,
                None,
                searches,
                3,
            ),
            Row("HTTP /api/search p50 ms, SPARKLINE off", off.p50_ms, None, None, served),
            Row("the same, SPARKLINE on", on.p50_ms, None, None, served),
            Row("HTTP /api/search p95 ms, SPARKLINE off", off.p95_ms, None, None, served),
            Row("the same, SPARKLINE on", on.p95_ms, None, None, served),
            Row("HTTP requests/s, SPARKLINE off", off.rps, None, None, served),
            Row("the same, SPARKLINE on", on.rps, None, None, served),
            Row("HTTP errors, off + on", off.errors + on.errors, None, Target("<=", 0), served, 0),
        ]
        self.report.add(TRENDS, rows)
        self.report.details[f"{TRENDS}: words"] = study.listing(figures)

    def everything(self, scale: str, times: int) -> None:
        if scale != "only":
            with self.step("full builds (ours, baseline, baseline procs=2)"):
                self.builds()
            with self.step(f"latency ({len(self.queries)} queries) and CCTV relevance"):
                self.latency_and_relevance()
            with self.step("word precision"):
                self.word_precision()
            with self.step("nightly reindex"):
                self.reindex()
            with self.step("HTTP load and memory"):
                self.serving()
            with self.step("seed-style relevance"):
                self.seed_style()
            with self.step("hostile queries"):
                self.hostile_queries()
            with self.step("big document"):
                self.big_documents(self.plan.big_mb)
            with self.step("durability cost"):
                self.fsync_cost(self.plan.durability_docs, self.plan.durability_trials)
            if self.plan.mode == "full":  # the smoke run's CPU budget has no room for these
                with self.step("trends and co-occurring words"):
                    self.trends()
                with self.step("concordance and export"):
                    self.report.add(LINES, lines.measure(self.ours_ix, self.tmp, self.say))
            with self.step("suggestions and pinyin"):
                self.reader_part(self.ours_ix, None)
        with self.step(f"{times}× index ({scale})"):
            self.scale(scale, times)

    def alone(self, args: argparse.Namespace) -> None:
        """One part on its own (python -m bench hostile | bigdoc | durability | trends | lines)."""
        if args.command == "hostile":
            with self.step("our index and the baseline's (procs=2)"):
                self._index(self.feed, self.ours_ix)
                self._baseline_build(self.feed, self.base_ix, 2)
            with self.step("hostile queries"):
                self.hostile_queries()
        elif args.command == "trends":
            if args.index:  # built before from the same corpus: reused across repeats
                self.ours_ix = args.index
            else:
                with self.step("our index"):
                    self._index(self.feed, self.ours_ix)
            with self.step("trends and co-occurring words"):
                self.trends()
        elif args.command == "reader":
            index_dir, corpus = args.index or self.ours_ix, args.corpus or self.feed
            if not args.index:
                with self.step("our index"):
                    self._index(self.feed, self.ours_ix)
            with self.step("suggestions and pinyin"):
                self.reader_part(index_dir, corpus)
        elif args.command == "bigdoc":
            with self.step("big document"):
                self.big_documents(args.size_mb or self.plan.big_mb)
        elif args.command == "lines":
            self.concordance_and_export(args.index)
        else:
            with self.step("durability cost"):
                cycles = args.cycles and args.cycles * len(durability.ORDER)
                self.fsync_cost(args.docs, cycles or self.plan.durability_trials)

    # -- concordance and export (issue 15), alone: python -m bench lines -------------------

    def concordance_and_export(self, index: Path | None) -> None:
        """Over this run's new index of the corpus (or an existing one, --index)."""
        if index is None:
            with self.step("our index"):
                self._index(self.feed, self.ours_ix)
        with self.step("concordance and export"):
            self.report.add(LINES, lines.measure(index or self.ours_ix, self.tmp, self.say))
        if index is not None:
            self.report.notes.append(f"over an existing index, {index} (--index)")


def code_digest() -> str:
    """Fingerprint of the code under test, to tell whether it changed while the run went."""
    digest = hashlib.sha256()
    for path in sorted(p for d in CODE for p in (ROOT / d).rglob("*") if p.is_file()):
        if "__pycache__" not in path.parts:
            digest.update(path.relative_to(ROOT).as_posix().encode() + path.read_bytes())
    return digest.hexdigest()


def run(args: argparse.Namespace) -> int:
    """The benchmark: measure, write the report, leave nothing behind."""
    plan = SMOKE if args.smoke else FULL
    part = args.command if args.command in PARTS else ""
    if part:
        title = f"{part} only"
    elif args.scale10 == "only":
        title = f"scaled index only ({args.scale_times}×)"
    else:
        title = ""
    report = Report(plan.mode, ["python -m bench", *sys.argv[1:]], title=title, part=part)
    began, code = time.monotonic(), code_digest()
    with tempfile.TemporaryDirectory(prefix="speechsearch-bench-") as name:
        print(f"work folder {name}", file=sys.stderr, flush=True)
        bench = Bench(plan, report, Path(name), args.seed)
        if part:
            bench.alone(args)
        else:
            bench.everything(args.scale10, args.scale_times)
    if code_digest() != code:
        report.notes.insert(
            0,
            "**The code under test (indexer/, webui/) changed while this run went**: figures "
            "measured after the change mix two versions of it.",
        )
    report.details["Steps of this run, s"] = "\n".join(
        f"{seconds:7.0f}  {name}" for name, seconds in bench.durations.items()
    )
    report.elapsed_s = time.monotonic() - began
    report.load_after = os.getloadavg()
    target = report.write()
    print(report.markdown())
    print(f"written to {target}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of the full run."""
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few hundred items, seconds per part; writes bench/out/, not docs/BENCHMARKS.md",
    )
    parser.add_argument(
        "--scale10",
        choices=("auto", "on", "off", "only"),
        default="auto",
        help="the 10x index: auto = only if it fits the 25-min budget; on = always; only = alone",
    )
    parser.add_argument(
        "--scale-times",
        type=int,
        default=10,
        metavar="N",
        help="copies of the corpus in the scaled index (10; fewer for a measured midpoint)",
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of every sample and query")


def add_parts(commands: argparse._SubParsersAction) -> None:
    """The parts that also run alone, each writing bench/out/<part>.md."""
    commands.add_parser("hostile", help="hostile queries only, over new full-corpus indexes")
    big = commands.add_parser("bigdoc", help="a big document only: its page and a search")
    big.add_argument(
        "--size-mb", type=float, help=f"the big record's MiB ({bigdoc.SIZE_MB:g}; smoke: 0.5)"
    )
    study_part = commands.add_parser(
        "trends", help="trends, co-occurring words and the sparkline's cost"
    )
    study_part.add_argument(
        "--index", type=Path, help="an index of the same corpus built before (skips the build)"
    )
    durable = commands.add_parser("durability", help="builds and reindexes, fsync on and off")
    durable.add_argument("--docs", type=int, help="seeded subset of the corpus (default: all)")
    durable.add_argument("--cycles", type=int, default=3, help="cycles of on, off, off, on (3)")
    lined = commands.add_parser("lines", help="concordance page and CSV export (issue 15) only")
    lined.add_argument("--index", type=Path, help="an existing index (default: build one)")
    part = commands.add_parser("reader", help="suggestions and pinyin only (issue 14)")
    part.add_argument(
        "--index", type=Path, help="an index of this corpus already built (default: build one)"
    )
    part.add_argument("--corpus", type=Path, help="the corpus that index was built from")
