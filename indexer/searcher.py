"""Search over the live generation: ranking, verification, filters, facets and snippets, with
suggestions (suggest) and related documents (related); each answer is one plain dict of a
named type (results), for text, HTML or JSON alike."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import math
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import query as wq
from whoosh.index import EmptyIndexError
from whoosh.scoring import BM25F

from .analysis import Pipeline, build_pipeline
from .complete import completions
from .dates import day_number, parse_date
from .errors import AnalyzerMismatch, DocumentNotFound, IndexUnreadable, QueryError
from .evaluate import Budget, evaluate, ranked
from .limits import (
    FILTERS,
    MAX_PAGE_MARKS,
    MAX_QUERY_CHARS,
    MAX_RESULTS,
    PAGE_SIZE,
    RELATED,
    check_page_size,
)
from .normalize import Normalized
from .periods import sparkline
from .pinyin import typed_letters
from .pinyin_search import read_as_pinyin
from .plan import QueryPlan, build_plan
from .query import ParsedQuery, parse
from .related import keywords, related_documents, word_weights
from .results import (
    Completions,
    DocumentPage,
    FacetValue,
    Filters,
    Health,
    Hit,
    PinyinSearch,
    SearchResult,
    Stats,
    summary,
)
from .settings import Settings
from .snapshot import Matches, Snapshot
from .snippets import (
    PASSAGE_SPANS,
    Render,
    Span,
    as_html,
    find_spans,
    marked,
    occurrences,
    paragraphs_html,
    passages,
    readable,
)
from .store import IndexStore
from .suggest import suggestions
from .vocabulary import Vocabulary
from .vocabulary import newest as vocabulary_file

PARTIAL = "查询太复杂，已在时限内停止，结果可能不完整 (partial: the time budget was spent)"
SORTS = ("relevance", "date")
MATCHES = ("all", "words")  # every item holding the characters, or only those using the words
# Milliseconds a search may spend finding and checking candidates; past it the answer is what
# was found so far, marked partial (a crafted query cannot hold a worker for seconds).
BUDGET_MS = 500
HEALTH_WAIT = 0.005  # seconds a health check waits for a running search
RERANK_WINDOW = 20
FACET_FIELDS = ("source", "year")
FACET_LIMIT = 12
# Documents holding every gram of a typed string of several words that are checked for the
# string itself, so the one item that holds it ranks first though its parts are common.
WHOLE_CHECKS = 256
DAY_TIER = 100_000_000  # above every day number (20191120): a tier before dates


@dataclass(frozen=True)
class SearchRequest:
    """One search as a reader asks for it; validate() says what is wrong in words."""

    q: str
    page: int = 1
    size: int = PAGE_SIZE
    sort: str = "relevance"
    date_from: str | None = None
    date_to: str | None = None
    source: str | None = None
    category: str | None = None
    facets: bool = True
    max_query_chars: int = MAX_QUERY_CHARS
    match: str = "all"
    max_results: int = MAX_RESULTS
    budget_ms: int = BUDGET_MS
    sparkline: bool = False  # also count the matches by period (the chart beside the total)
    pinyin: bool = True  # a Latin query that reads as pinyin may be searched as Han words

    def value_filters(self) -> list[tuple[str, str, str]]:
        """(field, label, value) of the exact-value filters asked for."""
        asked = {"source": self.source, "category": self.category}
        return [(name, label, value) for name, label in FILTERS.items() if (value := asked[name])]

    def filters(self) -> Filters:
        """The filters asked for, dates written out as ISO dates."""
        date_from, date_to = self.validate()
        return {
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            "source": self.source,
            "category": self.category,
        }

    def validate(self) -> tuple[dt.date | None, dt.date | None]:
        if not self.q or not self.q.strip():
            raise QueryError("请输入要搜索的词语 (empty query)")
        if len(self.q) > self.max_query_chars:
            raise QueryError(
                f"查询太长：{len(self.q)} 个字符，最多 {self.max_query_chars} 个 (query too long)"
            )
        if self.page < 1:
            raise QueryError("页码从 1 开始 (page must be 1 or more)")
        check_page_size(self.size)
        last, limit = self.max_results // self.size, self.max_results
        if self.page > last:
            raise QueryError(
                f"每页 {self.size} 条时最多翻到第 {last} 页（前 {limit:,} 条结果），请缩小搜索范围"
                f" (page beyond the first {limit} results)"
            )
        if self.sort not in SORTS:
            raise QueryError("排序只能是 relevance（相关度）或 date（时间）(unknown sort)")
        if self.match not in MATCHES:
            raise QueryError("match 只能是 all（全部）或 words（只看按词匹配）(unknown match)")
        bounds = []
        for label, value in (("起始日期", self.date_from), ("结束日期", self.date_to)):
            if value in (None, ""):
                bounds.append(None)
                continue
            day = parse_date(value)
            if day is None:
                raise QueryError(f"{label}「{value}」看不懂，请写成 2020-01-31 (bad date)")
            bounds.append(day)
        if bounds[0] and bounds[1] and bounds[0] > bounds[1]:
            raise QueryError("起始日期晚于结束日期 (date_from is after date_to)")
        return bounds[0], bounds[1]


@dataclass(frozen=True)
class Selection:
    """What a query selects, with the snapshot and pipeline it was read with: `found` are the
    candidates in document order with their BM25F scores (the set every total counts; verify
    against the stored text unless plan.sieve_exact), `words` which of them use every typed
    word as a word (None: no tiers), `budget` what is left of the request's time, `within` the
    documents the request's filters allow (None: every live one)."""

    snapshot: Snapshot
    pipeline: Pipeline
    plan: QueryPlan
    found: Matches
    words: np.ndarray | None
    budget: Budget
    within: np.ndarray | None = None

    def matching(self, most: int) -> tuple[np.ndarray, bool]:
        """The selected documents and whether they are exactly the matches: so when the grams
        decide (sieve_exact), or once each is checked against its stored text, which is done
        when there are at most `most` and the budget lasts (else the candidates, not exact)."""
        ids = self.found.ids
        exact = not (self.budget.spent or self.plan.capped)
        if self.plan.sieve_exact or not exact or len(ids) > most:
            return ids, exact and self.plan.sieve_exact
        kept = np.ones(len(ids), dtype=bool)
        for at, docnum in enumerate(ids.tolist()):
            if self.budget.expired():
                return ids, False
            kept[at] = self.holds(self.snapshot.searcher.stored_fields(docnum))
        return ids[kept], True

    def order(self, by_date: bool) -> Iterator[int]:
        """Positions in found in the search's order (ranking_keys), first first."""
        tier = _tier(self.words, len(self.found))
        keys = ranking_keys(self.snapshot, self.plan, self.found, tier, by_date, self.budget)
        return ranked(keys, RERANK_WINDOW)

    def holds(self, stored: dict[str, Any]) -> bool:
        """Does a candidate really hold the query (the grams are a sieve)?"""
        return self.plan.sieve_exact or self.plan.matches(
            stored.get("norm_title", ""), stored.get("norm", "")
        )

    def body_spans(self, stored: dict[str, Any]) -> list[Span]:
        """Where the query matched a candidate's body, as the document page marks it."""
        return matched_spans(_body_norm(stored), self.plan, self.pipeline)


class _Held:
    """The snapshot a SearchIndex holds, its searcher closed when the index object goes away."""

    snapshot: Snapshot | None = None

    def close(self) -> None:
        if self.snapshot is not None:
            self.snapshot.close()
        self.snapshot = None


class SearchIndex:
    """The search core over an index folder; follows new generations and commits by itself."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.store = IndexStore(settings.index_dir)
        self.pipeline = build_pipeline(settings.analyzer_config())
        self._lock = threading.Lock()
        self._generation: str | None = None
        self._documents = 0  # of the snapshot held, for a health check that cannot wait
        self._held = _Held()
        weakref.finalize(self, self._held.close)  # no open segment files outlive the index
        self._words_lock = threading.Lock()  # not the search lock: completions never wait
        self._vocabulary: Vocabulary | None = None
        self.pipeline.warm_up()

    # -- opening -------------------------------------------------------------------------

    def _fresh(self) -> Snapshot:
        """The snapshot of the live state; a reindex switching files underneath gets a retry."""
        for attempt in range(3):
            try:
                return self._reopen()
            except (IndexUnreadable, EmptyIndexError, OSError):
                self._close()
                if attempt == 2:
                    raise
                time.sleep(0.05)
        raise AssertionError("unreachable")

    def _reopen(self) -> Snapshot:
        """Reopen when a new generation was published or a commit landed."""
        generation = self.store.require_current()
        held = self._held.snapshot
        if generation != self._generation or held is None:
            ix = self.store.open(generation)
            built = self.store.analyzer_fingerprint(generation)
            pipeline = build_pipeline(self.pipeline.config)  # a new one when its files changed
            wanted = pipeline.fingerprint
            if built != wanted:
                ix.close()
                changed = sorted(k for k in wanted if (built or {}).get(k) != wanted[k])
                raise AnalyzerMismatch(
                    "the index was built with another analyzer configuration "
                    f"({', '.join(changed)} differ); run `speechsearch reindex` to rebuild it"
                )
            pipeline.warm_up()  # a new dictionary loads here, not inside a search's budget
            self._close()
            self._generation, self.pipeline = generation, pipeline
            self._held.snapshot = Snapshot(ix.searcher(weighting=BM25F()))
            self._documents = self._held.snapshot.searcher.doc_count()
        elif not held.searcher.up_to_date():
            # A new searcher, not refresh(): whoosh-reloaded 2.7.5 reuses the readers of old
            # segments with their old deletions, so deleted documents would stay visible.
            snapshot = Snapshot(self.store.open(generation).searcher(weighting=BM25F()))
            self._close()
            self._held.snapshot = snapshot
            self._documents = snapshot.searcher.doc_count()
        return self._held.snapshot

    def _close(self) -> None:
        self._held.close()

    def close(self) -> None:
        with self._lock:
            self._close()

    # -- search --------------------------------------------------------------------------

    def search(self, request: SearchRequest, marks: Render = as_html) -> SearchResult:
        """Ranked, verified, paginated hits with snippets, facets, notices and suggestions; marks
        writes out each hit's marked title and passages (HTML, as the page and the API send
        them, unless the caller shows them elsewhere)."""
        began = time.perf_counter()
        request.validate()
        parsed = parse(request.q)
        with self._lock:
            snapshot = self._fresh()  # may bring a new pipeline (new analyzer files)
            budget = Budget(request.budget_ms / 1000)  # planning, finding and checking
            parsed, by_pinyin = self._by_pinyin(snapshot, parsed, request, budget)
            plan, within = self._plan(snapshot, parsed, request, budget)
            ran = self._run(snapshot, plan, within, request, budget, marks)
            hits, total, exact_total, facets, as_words, line = ran
            pages = max(1, math.ceil(total / request.size))
            if request.page > pages and total:
                raise QueryError(
                    f"第 {request.page} 页超出范围：共 {pages} 页 (page beyond the last)"
                )
            offered = [] if total else suggestions(snapshot, self.pipeline, plan, within)
        return {
            "query": request.q,
            "total": total,
            "total_exact": exact_total,
            "elapsed_ms": round((time.perf_counter() - began) * 1000, 2),
            "page": request.page,
            "size": request.size,
            "pages": pages,
            "sort": request.sort,
            "filters": request.filters(),
            "match": request.match,
            "words": {
                "checked": plan.checked if as_words is not None else [],
                "total": total if as_words is None else as_words,
                "straddle": 0 if as_words is None else total - as_words,
            },
            "hits": hits,
            "facets": facets,
            "partial": budget.spent,
            "notices": list(parsed.notices) + ([PARTIAL] if budget.spent else []),
            "suggestions": offered,
            "sparkline": line,
            "pinyin": by_pinyin,
        }

    @contextlib.contextmanager
    def selected(self, request: SearchRequest, own: bool = False) -> Iterator[Selection]:
        """The documents a query and its filters select (the candidates every total counts),
        for studying them rather than paging: trends, concordances, co-occurring words,
        export. The snapshot is held for the caller inside the with block: under the lock, or
        with own=True a private one on the live generation, for long reads (a streamed export)
        that must not hold up searches."""
        request.validate()
        parsed = parse(request.q)
        with contextlib.ExitStack() as stack:
            if own:
                with self._lock:
                    self._fresh()  # the live generation and its pipeline
                    searcher = self.store.open(self._generation).searcher(weighting=BM25F())
                snapshot = Snapshot(searcher)
                stack.callback(snapshot.close)
            else:
                stack.enter_context(self._lock)
                snapshot = self._fresh()
            budget = Budget(request.budget_ms / 1000)
            plan, within = self._plan(snapshot, parsed, request, budget)
            found, as_words = _candidates(snapshot, plan, within, request.match, budget)
            yield Selection(snapshot, self.pipeline, plan, found, as_words, budget, within)

    def _plan(
        self, snapshot: Snapshot, parsed: ParsedQuery, request: SearchRequest, budget: Budget
    ) -> tuple[QueryPlan, np.ndarray | None]:
        """The query's plan and the documents its filters allow (None: all); unknown filter
        values and queries with nothing to search are a QueryError."""
        date_from, date_to = request.validate()
        plan = build_plan(parsed, self.pipeline, snapshot, budget)
        if plan is None:
            raise QueryError("查询里没有可以搜索的词语 (nothing searchable in the query)")
        for name, label, value in request.value_filters():
            if not snapshot.doc_frequency(name, value):
                raise QueryError(f"没有{label}为「{value}」的文档 (unknown {name})")
        allowed = [snapshot.valued(name, v) for name, _, v in request.value_filters()]
        if date_from or date_to:
            allowed.append(snapshot.dated(day_number(date_from), day_number(date_to)))
        return plan, functools.reduce(_both, allowed) if allowed else None

    def _run(
        self,
        snapshot: Snapshot,
        plan: QueryPlan,
        within: np.ndarray | None,
        request: SearchRequest,
        budget: Budget,
        marks: Render,
    ):
        """Every candidate found and scored in one pass, ranked in tiers: the typed string
        itself, then every typed word used as a word, then BM25F; the best verified against
        their stored text (the grams are a sieve). Totals and facets over all candidates but
        those that failed verification (only the first tier's with match=words)."""
        found, as_words = _candidates(snapshot, plan, within, request.match, budget)
        wanted = request.page * request.size
        window = max(RERANK_WINDOW, wanted * 2)
        by_date = request.sort == "date"
        tier = _tier(as_words, len(found))
        keys = ranking_keys(snapshot, plan, found, tier, by_date, budget)
        kept: list[tuple[bool, float, float | None, bool, dict[str, Any]]] = []
        rejected: list[int] = []
        best = ranked(keys, window)
        while len(kept) < wanted or len(kept) + len(rejected) < window:
            if (kept or len(rejected) >= window) and budget.expired():
                break
            at = next(best, None)
            if at is None:
                break
            stored = snapshot.searcher.stored_fields(int(found.ids[at]))
            title = stored.get("norm_title", "")
            if not plan.matches(title, stored.get("norm", "")):
                rejected.append(at)
                continue
            exact = plan.holds_exact(title, stored["norm"])
            score = None if by_date else float(found.scores[at])
            kept.append((exact, float(keys[at]), score, bool(tier[at]), stored))
        if not by_date:
            kept.sort(key=lambda k: (k[0], k[1]), reverse=True)
        total = len(found) - len(rejected)
        words_total = None
        if as_words is not None:
            words_total = int(as_words.sum()) - int(as_words[rejected].sum())
        exact_total = not (budget.spent or plan.capped) and (
            plan.sieve_exact or len(kept) + len(rejected) == len(found)
        )
        matched = np.delete(found.ids, rejected)
        facets = self._facets(snapshot, matched) if request.facets else {}
        line = sparkline(snapshot, within, matched) if request.sparkline and total else None
        page = kept[(request.page - 1) * request.size : wanted]
        hits = [
            self._hit(stored, score, plan, words if as_words is not None else None, marks)
            for _, _, score, words, stored in page
        ]
        return hits, total, exact_total, facets, words_total, line

    @staticmethod
    def _facets(snapshot: Snapshot, docnums: np.ndarray) -> dict[str, list[FacetValue]]:
        """Facet values with counts: sources by count, years newest first."""
        facets: dict[str, list[FacetValue]] = {}
        for name in FACET_FIELDS:
            values, codes = snapshot.codes(name)
            counts = np.bincount(codes[docnums], minlength=len(values)).tolist()
            pairs = [(k, v) for k, v in zip(values, counts, strict=True) if k and v]
            if name == "year":
                pairs.sort(reverse=True)
            else:
                pairs.sort(key=lambda kv: (-kv[1], kv[0]))
            facets[name] = [{"value": k, "count": v} for k, v in pairs[:FACET_LIMIT]]
        return facets

    def _hit(
        self,
        stored: dict[str, Any],
        score: float | None,
        plan: QueryPlan,
        words: bool | None,
        marks: Render,
    ) -> Hit:
        shown = summary(stored)
        body = stored.get("body", "")
        return {
            "id": shown["id"],
            "title": shown["title"],
            "title_html": marks(
                marked(*readable(shown["title"], self._spans(_title_norm(stored), plan)))
            ),
            "score": None if score is None else round(score, 4),
            "words": words,
            "date": shown["date"],
            "source": shown["source"],
            "category": shown["category"],
            "url": shown["url"],
            "passages": [
                marks(p)
                for p in passages(
                    *readable(body, self._spans(_body_norm(stored), plan, PASSAGE_SPANS))
                )
            ],
        }

    def _spans(
        self, norm: Normalized, plan: QueryPlan | None, limit: int | None = None
    ) -> list[Span]:
        """Where the query matched a text; typed words that only straddle two words flagged."""
        return [] if plan is None else matched_spans(norm, plan, self.pipeline, limit)

    # -- what a reader types: pinyin and completions (issue 14) ----------------------------

    def _by_pinyin(
        self, snapshot: Snapshot, parsed: ParsedQuery, request: SearchRequest, budget: Budget
    ) -> tuple[ParsedQuery, PinyinSearch | None]:
        """The query to run: a Latin query that reads as pinyin becomes the Han words it
        stands for when the Latin text as typed finds nothing, or far less than they do
        (iPhone, 5G and the archive's own Latin words keep their meaning; see
        PinyinReading.worth_searching); Han is never read by sound."""
        if not request.pinyin or typed_letters(request.q) is None:
            return parsed, None  # not all letters: no vocabulary look-up on a Han query
        reading = read_as_pinyin(self.vocabulary(), request.q)
        if reading is None:
            return parsed, None
        han = parse(reading.query)
        typed_plan, within = self._plan(snapshot, parsed, request, budget)
        han_plan, _ = self._plan(snapshot, han, request, budget)
        typed = len(evaluate(typed_plan.query, snapshot, within, budget=budget))
        read = len(evaluate(han_plan.query, snapshot, within, budget=budget))
        if not reading.worth_searching(typed, read):
            return parsed, None
        return han, {
            "typed": request.q,
            "words": reading.words,
            "query": reading.query,
            "typed_total": typed,
        }

    def suggest(self, typed: str, max_chars: int = MAX_QUERY_CHARS) -> Completions:
        """Up to 8 completions of what a reader is typing, the most items first: an index
        look-up in the vocabulary built with the live index, never a scan."""
        if len(typed) > max_chars:
            raise QueryError(f"输入太长：最多 {max_chars} 个字符 (prefix too long)")
        return {"query": typed, "completions": completions(self.vocabulary(), typed)}

    def vocabulary(self) -> Vocabulary | None:
        """The newest vocabulary of the live generation (None while none was built): files
        are never changed, a new commit brings a new one, so a listing tells which."""
        with self._words_lock:
            for _ in range(3):  # a reindex may replace the newest file as it is opened
                newest = vocabulary_file(self.store.path(self.store.require_current()))
                if newest is None or (self._vocabulary and self._vocabulary.path == newest):
                    break
                with contextlib.suppress(sqlite3.Error):
                    self._vocabulary = Vocabulary(newest)
                    break
            else:
                return None
            if newest is None:
                self._vocabulary = None
            return self._vocabulary

    # -- documents -----------------------------------------------------------------------

    def document(
        self, doc_id: str, q: str | None = None, related: int = RELATED, as_stored: bool = False
    ) -> DocumentPage:
        """The whole stored document, every match of q marked, its keywords and up to `related`
        related documents; shown as a reader reads it (a pre-segmented source's spaces between
        Han characters removed) unless as_stored."""
        with self._lock:
            snapshot = self._fresh()
            searcher = snapshot.searcher
            docnum = searcher.document_number(id=doc_id)
            if docnum is None:
                raise DocumentNotFound(f"没有编号为「{doc_id}」的文档 (no such document)")
            stored = searcher.stored_fields(docnum)
            plan = None
            if q and q.strip():
                plan = build_plan(parse(q[:MAX_QUERY_CHARS]), self.pipeline)
            weights = word_weights(snapshot, self.pipeline, stored)
            alike = related_documents(snapshot, docnum, weights, related)
        shown = summary(stored)
        body = stored.get("body", "")
        norm = _body_norm(stored)
        shown_spans = self._spans(norm, plan, MAX_PAGE_MARKS)
        title = (shown["title"], self._spans(_title_norm(stored), plan))
        reading = readable(body, shown_spans)
        shown_body = (body, shown_spans) if as_stored else reading
        return {
            "id": shown["id"],
            "title": shown["title"],
            "title_html": as_html(marked(*(title if as_stored else readable(*title)))),
            "body": body,
            "paragraphs_html": paragraphs_html(*shown_body),
            "as_stored": as_stored,
            "segmented": len(reading[0]) != len(body),
            "marks": (
                len(shown_spans)
                if len(shown_spans) < MAX_PAGE_MARKS
                else occurrences(norm, plan.needles if plan else [])
            ),
            "marks_shown": len(shown_spans),
            "straddles": sum(s.straddle for s in shown_spans),
            "date": shown["date"],
            "source": shown["source"],
            "category": shown["category"],
            "url": shown["url"],
            "metadata": shown["metadata"],
            "keywords": keywords(weights),
            "related": alike,
        }

    # -- state ---------------------------------------------------------------------------

    def health(self) -> Health:
        """Document count, generation and last update of the live index (raises when unusable).
        It waits at most HEALTH_WAIT for a search to finish; past that it answers from the
        snapshot that search holds, so a slow search never makes the service look dead."""
        report = self.store.last_report() or {}
        if self._lock.acquire(timeout=HEALTH_WAIT):
            try:
                documents = self._fresh().searcher.doc_count()
                generation = self._generation
            finally:
                self._lock.release()
        elif self._generation is not None:
            documents, generation = self._documents, self._generation
        else:
            raise IndexUnreadable("the index is being opened by a search; try again")
        return {
            "status": "ok",
            "documents": documents,
            "generation": generation,
            "last_update": report.get("finished"),
            "last_run": {k: v for k, v in report.items() if k != "problems"},
        }

    def stats(self) -> Stats:
        """What `speechsearch stats` prints: counts, size, last update, analyzer configuration."""
        health = self.health()
        folder = self.store.path(health["generation"])
        size = sum(p.stat().st_size for p in Path(folder).iterdir() if p.is_file())
        with self._lock:
            segments = len(self._fresh().leaves)
        return {
            **health,
            "index": str(self.settings.index_dir),
            "size_bytes": size,
            "segments": segments,
            "analyzer": self.store.analyzer_fingerprint(health["generation"]),
        }


def _candidates(
    snapshot: Snapshot, plan: QueryPlan, within: np.ndarray | None, match: str, budget: Budget
) -> tuple[Matches, np.ndarray | None]:
    """Every document the plan's sieve finds, scored, and which of them use every typed word as
    a word (None: no tiers, or no time left to tell); with match="words" only those."""
    found = evaluate(plan.query, snapshot, within, budget=budget)
    as_words = None if budget.expired() else _among(plan.words, snapshot, found)
    if as_words is not None and match == "words":
        found = Matches(found.ids[as_words], found.scores[as_words])
        as_words = np.ones(len(found), dtype=bool)
    return found, as_words


def matched_spans(
    norm: Normalized, plan: QueryPlan, pipeline: Pipeline, limit: int | None = None
) -> list[Span]:
    """Where the query matched a text (the first `limit` places, when given); typed words
    that only straddle two words flagged."""
    return find_spans(norm, plan.needles, plan.checked, pipeline.aligned, limit)


def _tier(as_words: np.ndarray | None, count: int) -> np.ndarray:
    """Which found documents are in the first tier: all of them when there are no tiers."""
    return as_words if as_words is not None else np.ones(count, dtype=bool)


def ranking_keys(
    snapshot: Snapshot,
    plan: QueryPlan,
    found: Matches,
    tier: np.ndarray,
    by_date: bool,
    budget: Budget,
) -> np.ndarray:
    """The search's order of found as keys, largest first: by date, word matches (tier) first,
    each newest first; else the typed string itself, then word matches, then the rest, each by
    BM25F. One rule for a page of results and for an export of all of them."""
    if by_date:
        return snapshot.days()[found.ids] + tier * DAY_TIER
    whole = None if budget.expired() else _whole(snapshot, plan, found)
    tiers = tier + (2 * whole if whole is not None else 0)
    return found.scores + tiers * (float(found.scores.max(initial=0.0)) + 1.0)


def _whole(snapshot: Snapshot, plan: QueryPlan, found: Matches) -> np.ndarray | None:
    """Which found documents hold the typed string itself (a mask): those holding all its
    grams, checked against their stored text when they are few enough."""
    likely = _among(plan.whole, snapshot, found)
    if likely is None or not plan.exact:
        return likely
    at = np.flatnonzero(likely)
    if len(at) > WHOLE_CHECKS:
        return likely
    for position in at.tolist():
        stored = snapshot.searcher.stored_fields(int(found.ids[position]))
        likely[position] = plan.holds_exact(stored.get("norm_title", ""), stored["norm"])
    return likely


def _among(query: wq.Query | None, snapshot: Snapshot, found: Matches) -> np.ndarray | None:
    """Which found documents (a mask over them) also match query; None without a query."""
    if query is None:
        return None
    if not len(found):
        return np.zeros(0, dtype=bool)
    matched = evaluate(query, snapshot, found.ids, scored=False).ids
    return np.isin(found.ids, matched, assume_unique=True)


def _both(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Documents in both ascending arrays."""
    return np.intersect1d(first, second, assume_unique=True)


def _body_norm(stored: dict[str, Any]) -> Normalized:
    """The body's normalised text and offset map as indexed."""
    return Normalized.unpacked(stored.get("norm", ""), stored.get("norm_map", ()))


def _title_norm(stored: dict[str, Any]) -> Normalized:
    return Normalized.unpacked(stored.get("norm_title", ""), stored.get("norm_title_map", ()))
