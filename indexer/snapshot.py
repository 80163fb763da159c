"""One searcher's index held in memory the way searching uses it: whole posting lists with each
posting's BM25F score, field lengths and columns, each read in bulk once into numpy arrays and
kept while that searcher lives (a commit or a new generation brings a new snapshot)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

import numpy as np
from whoosh.reading import TermNotFound

from .whoosh_internals import bm25f_b, field_lengths, posting_gaps

# Posting lists kept per snapshot, counted in postings (16 bytes each, 24 once scored): enough
# for the pairs that recur across queries (中国, 发展, 习近 ...), bounded for the serving
# process's memory.
CACHE_POSTINGS = 3_000_000
# A list longer than this many times the wanted documents is read only in the blocks holding
# them (each block spans ~128 postings, so fewer wanted documents leave most blocks unread).
PARTIAL_RATIO = 32
# Finding wanted documents in a list: through a table over all document numbers when they are
# more than 1/16 of them (measured: 5x faster than binary search at 240k of 240k, even at 20k).
DENSE_RATIO = 16


class Matches:
    """Documents in ascending order with a score each: a term's postings or what a query
    matched. The arrays may be the snapshot's own: build new ones, never write into them."""

    __slots__ = ("ids", "scores")

    def __init__(self, ids: np.ndarray, scores: np.ndarray) -> None:
        self.ids = ids
        self.scores = scores

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def unscored(cls, ids: np.ndarray) -> Matches:
        return cls(ids, np.zeros(len(ids)))


class _Entry:
    """A cached posting list: documents, and their weights (term frequencies times a field
    boost: whole numbers and halves, exact in float32) until their scores are asked for, which
    replace them (a serving worker holds millions of postings: 16 bytes each, not 24)."""

    __slots__ = ("ids", "weights", "scores")

    def __init__(self, ids: np.ndarray, weights: np.ndarray) -> None:
        self.ids = _frozen(ids)
        self.weights: np.ndarray | None = _frozen(weights.astype(np.float32))
        self.scores: np.ndarray | None = None


def _frozen(values: np.ndarray) -> np.ndarray:
    values.flags.writeable = False  # shared by every query that reads the term
    return values


def positions(ids: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where the wanted documents that are in ids (both ascending) sit: (mask over wanted,
    their indexes in ids). Many wanted: through a table over the document numbers (linear);
    few: by binary search."""
    if not len(ids) or not len(wanted):
        return np.zeros(len(wanted), dtype=bool), np.zeros(0, dtype=np.int64)
    span = max(ids[-1], wanted[-1]) + 1
    if len(wanted) * DENSE_RATIO > span:
        table = np.full(span, -1, dtype=np.int64)
        table[ids] = np.arange(len(ids))
        at = table[wanted]
        hit = at >= 0
    else:
        at = np.searchsorted(ids, wanted)
        np.minimum(at, len(ids) - 1, out=at)
        hit = ids[at] == wanted
    return hit, at[hit]


class Snapshot:
    """The live documents of one searcher as plain arrays; not thread-safe (the SearchIndex
    lock guards it)."""

    def __init__(self, searcher: Any, cache_postings: int = CACHE_POSTINGS) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = [(leaf, offset) for leaf, offset in self.reader.leaf_readers()]
        self.size = self.reader.doc_count_all()
        self._deleted = [
            np.array(sorted(leaf.deleted_docs_set), dtype=np.int64) for leaf, _ in self.leaves
        ]
        self._limit = cache_postings
        self._held = 0
        self._postings: OrderedDict[tuple[str, Any], _Entry] = OrderedDict()
        self._frequencies: dict[tuple[str, Any], int] = {}
        self._expansions: dict[tuple[str, str], list[tuple[str, int]]] = {}
        self._norms: dict[str, np.ndarray] = {}
        self._codes: dict[str, tuple[list[Any], np.ndarray]] = {}
        self._filters: dict[str, np.ndarray] = {}
        self._live: np.ndarray | None = None
        self._days: np.ndarray | None = None

    def close(self) -> None:
        self.searcher.close()

    # -- documents -------------------------------------------------------------------------

    def live(self) -> np.ndarray:
        """Every document not deleted, ascending."""
        if self._live is None:
            self._live = _frozen(
                np.concatenate(
                    [
                        np.setdiff1d(np.arange(leaf.doc_count_all()), deleted) + offset
                        for (leaf, offset), deleted in zip(self.leaves, self._deleted, strict=True)
                    ]
                    or [np.zeros(0, dtype=np.int64)]
                ).astype(np.int64)
            )
        return self._live

    def doc_frequency(self, field: str, text: Any) -> int:
        """Documents holding a term, deleted ones included (Whoosh's statistic), remembered:
        plans and evaluation ask for the same terms several times."""
        key = (field, text)
        if key not in self._frequencies:
            self._frequencies[key] = self.reader.doc_frequency(field, text)
        return self._frequencies[key]

    def expansion(self, field: str, prefix: str) -> list[tuple[str, int]]:
        """The terms starting with prefix and their document frequencies, most frequent first,
        remembered: what a lone typed character may stand for. Read segment by segment (the
        merged reader decodes each term's statistics ten times slower)."""
        key = (field, prefix)
        if key not in self._expansions:
            counts: dict[str, int] = {}
            for leaf, _ in self.leaves:
                for text, info in leaf.iter_prefix(field, prefix):
                    term = text.decode("utf-8") if isinstance(text, bytes) else text
                    counts[term] = counts.get(term, 0) + info.doc_frequency()
            self._expansions[key] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return self._expansions[key]

    # -- postings --------------------------------------------------------------------------

    @property
    def cached_postings(self) -> int:
        """How many postings the cache holds now."""
        return self._held

    def docs(self, field: str, text: Any) -> np.ndarray:
        """A term's live documents across segments, ascending."""
        return self._entry(field, text).ids

    def scored(self, field: str, text: Any) -> Matches:
        """A term's live documents with their scores by the searcher's weighting (Whoosh's
        BM25F formula and statistics), computed once per term."""
        entry = self._entry(field, text)
        if entry.scores is None:
            assert entry.weights is not None
            entry.scores = _frozen(self._scores(field, text, entry.ids, entry.weights))
            entry.weights = None
        return Matches(entry.ids, entry.scores)

    def _entry(self, field: str, text: Any) -> _Entry:
        key = (field, text)
        entry = self._postings.get(key)
        if entry is not None:
            self._postings.move_to_end(key)
            return entry
        entry = _Entry(*self._read(field, text))
        self._postings[key] = entry
        self._held += len(entry.ids)
        while self._held > self._limit and len(self._postings) > 1:
            _, dropped = self._postings.popitem(last=False)
            self._held -= len(dropped.ids)
        return entry

    def among(self, field: str, text: Any, wanted: np.ndarray, scored: bool) -> Matches:
        """Which wanted documents (ascending) hold a term, with their scores (0.0 when not
        scored). A list already read is searched; a long one is not read whole for a few wanted
        documents: only its blocks whose range of documents holds one are decoded (and nothing
        is kept, as it depends on what is wanted). This keeps an AND about as cheap as its
        rarest part."""
        cached = (field, text) in self._postings
        if cached or len(wanted) * PARTIAL_RATIO >= self.doc_frequency(field, text):
            entry = self._entry(field, text)
            hit, at = positions(entry.ids, wanted)
            found = wanted[hit]
            if not scored:
                return Matches.unscored(found)
            if entry.scores is not None:  # the same numbers as scoring these anew
                return Matches(found, entry.scores[at])
            assert entry.weights is not None
            found_weights = entry.weights[at]
        else:
            found, found_weights = self._read(field, text, wanted)
        if not scored:
            return Matches.unscored(found)
        return Matches(found, self._scores(field, text, found, found_weights))

    def _read(
        self, field: str, text: Any, wanted: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """A term's live postings across segments, in index numbering; only those of wanted
        (ascending) when given, reading only the blocks that can hold them."""
        ids: list[np.ndarray] = []
        weights: list[np.ndarray] = []
        for (leaf, offset), deleted in zip(self.leaves, self._deleted, strict=True):
            local = None
            if wanted is not None:
                low, high = np.searchsorted(wanted, (offset, offset + leaf.doc_count_all()))
                if low == high:
                    continue
                local = wanted[low:high] - offset
            try:
                leaf_ids, leaf_weights = _leaf_postings(leaf, field, text, local)
            except TermNotFound:
                continue
            if len(deleted):
                kept = np.isin(leaf_ids, deleted, assume_unique=True, invert=True)
                leaf_ids, leaf_weights = leaf_ids[kept], leaf_weights[kept]
            ids.append(leaf_ids + offset)
            weights.append(leaf_weights)
        if not ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(ids), np.concatenate(weights)

    def _scores(self, field: str, text: Any, ids: np.ndarray, weights: np.ndarray) -> np.ndarray:
        weights = weights.astype(np.float64)  # a cached list's are float32
        if not self.reader.schema[field].scorable:
            return weights
        k1 = self.searcher.weighting.K1
        scale = self.searcher.idf(field, text) * (k1 + 1)
        return scale * weights / (weights + self._length_norms(field)[ids])

    def _length_norms(self, field: str) -> np.ndarray:
        """K1 * (1 - B + B * length / average) per document: the length half of BM25."""
        if field not in self._norms:
            weighting = self.searcher.weighting
            b = bm25f_b(weighting, field)
            k1 = weighting.K1
            average = self.searcher.avg_field_length(field) or 1
            lengths = np.array(
                [length or 1 for leaf, _ in self.leaves for length in field_lengths(leaf, field)],
                dtype=np.float64,
            )
            self._norms[field] = _frozen(k1 * ((1 - b) + b * lengths / average))
        return self._norms[field]

    # -- columns ---------------------------------------------------------------------------

    def column(self, name: str) -> list[Any]:
        """A column's values by docnum (None where a segment has no such column), read anew:
        what searching keeps of a column are its arrays (codes, days)."""
        # leaf by leaf: MultiReader.column_reader misplaces the documents of a segment without
        # the column (a nightly segment of undated .txt speeches has no year)
        values: list[Any] = []
        for leaf, _ in self.leaves:
            if leaf.has_column(name):
                values.extend(leaf.column_reader(name))
            else:
                values.extend([None] * leaf.doc_count_all())
        return values

    def codes(self, name: str) -> tuple[list[Any], np.ndarray]:
        """A column as its distinct values and each document's index into them, for counting
        and filtering at array speed."""
        if name not in self._codes:
            column = self.column(name)
            values = list(dict.fromkeys(column))
            index = {v: i for i, v in enumerate(values)}
            self._codes[name] = (values, _frozen(np.array([index[v] for v in column])))
        return self._codes[name]

    def valued(self, name: str, value: str) -> np.ndarray:
        """Live documents whose source (or category) is exactly value, ascending."""
        key = f"{name}={value}"
        if key not in self._filters:
            values, codes = self.codes(name)
            live = self.live()
            matching = live[codes[live] == values.index(value)] if value in values else live[:0]
            self._filters[key] = _frozen(matching)
        return self._filters[key]

    def days(self) -> np.ndarray:
        """Each document's day number (20191120), 0 when undated: newest first is largest."""
        if self._days is None:
            self._days = _frozen(np.array([d or 0 for d in self.column("day")], dtype=np.int64))
        return self._days

    def dated(self, start: int | None, end: int | None) -> np.ndarray:
        """Live documents whose day lies in [start, end], ascending."""
        live = self.live()
        days = self.days()[live]
        return live[(days >= (start or 1)) & (days <= (end or 99991231))]


def _leaf_postings(
    leaf: Any, field: str, text: Any, wanted: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """One segment's postings of a term, deleted documents included; only those of wanted
    (ascending, segment numbering) when given."""
    gaps, found = posting_gaps(leaf, field, text, None if wanted is None else wanted.tolist())
    ids = np.cumsum(np.fromiter(gaps, dtype=np.int64, count=len(gaps)))
    weights = np.fromiter(found, dtype=np.float64, count=len(found))
    if wanted is None:
        return ids, weights
    kept = np.isin(ids, wanted, assume_unique=True)
    return ids[kept], weights[kept]
