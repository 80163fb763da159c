"""One searcher's index held in memory the way searching uses it: whole posting lists with each
posting's BM25F score, field lengths and columns, each read in bulk once and kept while that
searcher lives (a commit or a new generation brings a new snapshot)."""

from __future__ import annotations

import io
import pickle
import struct
import zlib
from array import array
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from itertools import accumulate
from typing import Any, NamedTuple

from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.reading import TermNotFound

from .lengths import field_lengths

# Posting lists kept per snapshot, counted in postings (8 bytes each, 16 once scored): enough
# for the pairs that recur across queries (中国, 发展, 习近 ...), bounded for the serving
# process's memory.
CACHE_POSTINGS = 3_000_000
# A list longer than this many times the wanted documents is read only in the blocks holding
# them (each block spans ~128 postings, so fewer wanted documents leave most blocks unread) ...
PARTIAL_RATIO = 32
# ... and a list read whole is searched by bisection below this ratio, scanned above it.
LOOKUP_RATIO = 8

_BLOCK_LENGTH = struct.Struct("!i")
_HEADER = 4  # the "W3Bl" tag before the first block of a posting list


class Posting(NamedTuple):
    """A term's live documents in ascending order, with each one's score for the term."""

    ids: array
    scores: array


class _Entry:
    """A cached posting list: documents, weights (term frequencies), scores once asked for."""

    __slots__ = ("ids", "weights", "scores")

    def __init__(self, ids: array, weights: array) -> None:
        self.ids = ids
        self.weights = weights
        self.scores: array | None = None


class Snapshot:
    """The live documents of one searcher as plain arrays; not thread-safe (the SearchIndex
    lock guards it)."""

    def __init__(self, searcher: Any, cache_postings: int = CACHE_POSTINGS) -> None:
        self.searcher = searcher
        self.reader = searcher.reader()
        self.leaves = [(leaf, offset) for leaf, offset in self.reader.leaf_readers()]
        self.size = self.reader.doc_count_all()
        self._deleted = [leaf.deleted_docs_set for leaf, _ in self.leaves]
        self._limit = cache_postings
        self._held = 0
        self._postings: OrderedDict[tuple[str, Any], _Entry] = OrderedDict()
        self._frequencies: dict[tuple[str, Any], int] = {}
        self._norms: dict[str, list[float]] = {}
        self._columns: dict[str, list[Any]] = {}
        self._filters: dict[str, set[int]] = {}
        self._live: set[int] | None = None
        self._day_order: tuple[list[int], list[int]] | None = None

    def close(self) -> None:
        self.searcher.close()

    # -- documents -------------------------------------------------------------------------

    def live(self) -> set[int]:
        """Every document not deleted."""
        if self._live is None:
            self._live = {
                offset + d
                for (leaf, offset), deleted in zip(self.leaves, self._deleted, strict=True)
                for d in range(leaf.doc_count_all())
                if d not in deleted
            }
        return self._live

    def doc_frequency(self, field: str, text: Any) -> int:
        """Documents holding a term, deleted ones included (Whoosh's statistic), remembered:
        plans and evaluation ask for the same terms several times."""
        key = (field, text)
        if key not in self._frequencies:
            self._frequencies[key] = self.reader.doc_frequency(field, text)
        return self._frequencies[key]

    # -- postings --------------------------------------------------------------------------

    @property
    def cached_postings(self) -> int:
        """How many postings the cache holds now."""
        return self._held

    def docs(self, field: str, text: Any) -> array:
        """A term's live documents across segments, ascending."""
        return self._entry(field, text).ids

    def scored(self, field: str, text: Any) -> Posting:
        """A term's live documents with their scores by the searcher's weighting (Whoosh's
        BM25F formula and statistics), computed once per term."""
        entry = self._entry(field, text)
        if entry.scores is None:
            entry.scores = array("d", self._scores(field, text, entry.ids, entry.weights))
        return Posting(entry.ids, entry.scores)

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

    def among(self, field: str, text: Any, wanted: Collection[int], scored: bool) -> dict:
        """Which wanted documents hold a term, with their scores (0.0 when not scored). A list
        already read is searched; a long one is not read whole for a few wanted documents: only
        its blocks whose range of documents holds one are decoded (and nothing is kept, as it
        depends on what is wanted). This keeps an AND about as cheap as its rarest part."""
        cached = (field, text) in self._postings
        if cached or len(wanted) * PARTIAL_RATIO >= self.doc_frequency(field, text):
            entry = self._entry(field, text)
            ids, weights = entry.ids, entry.weights
            size = len(ids)
            if len(wanted) * LOOKUP_RATIO < size:
                hits = [i for d in wanted if (i := bisect_left(ids, d)) < size and ids[i] == d]
                found, found_weights = [ids[i] for i in hits], [weights[i] for i in hits]
            else:
                found = sorted(set(wanted).intersection(ids))
                found_weights = [weights[bisect_left(ids, d)] for d in found]
        else:
            found, found_weights = self._read(field, text, sorted(wanted))
        if not scored:
            return dict.fromkeys(found, 0.0)
        return dict(zip(found, self._scores(field, text, found, found_weights), strict=True))

    def _read(self, field: str, text: Any, wanted: list[int] | None = None) -> tuple[array, array]:
        """A term's live postings across segments, in index numbering; only those of wanted
        (sorted) when given, reading only the blocks that can hold them."""
        ids = array("i")
        weights = array("f")
        for (leaf, offset), deleted in zip(self.leaves, self._deleted, strict=True):
            local = None
            if wanted is not None:
                low = bisect_left(wanted, offset)
                high = bisect_left(wanted, offset + leaf.doc_count_all())
                if low == high:
                    continue
                local = [d - offset for d in wanted[low:high]]
            try:
                leaf_ids, leaf_weights = _leaf_postings(leaf, field, text, local)
            except TermNotFound:
                continue
            if deleted:
                kept = [i for i, d in enumerate(leaf_ids) if d not in deleted]
                leaf_ids = [leaf_ids[i] for i in kept]
                leaf_weights = [leaf_weights[i] for i in kept]
            ids.extend(map(offset.__add__, leaf_ids) if offset else leaf_ids)
            weights.extend(leaf_weights)
        return ids, weights

    def _scores(
        self, field: str, text: Any, ids: Sequence[int], weights: Sequence[float]
    ) -> list[float]:
        if not self.reader.schema[field].scorable:
            return list(weights)
        weighting = self.searcher.weighting
        k1 = weighting.K1
        scale = self.searcher.idf(field, text) * (k1 + 1)
        norms = self._length_norms(field)
        return [scale * w / (w + norms[d]) for d, w in zip(ids, weights, strict=True)]

    def _length_norms(self, field: str) -> list[float]:
        """K1 * (1 - B + B * length / average) per document: the length half of BM25."""
        if field not in self._norms:
            weighting = self.searcher.weighting
            b = weighting._field_B.get(field, weighting.B)
            k1 = weighting.K1
            average = self.searcher.avg_field_length(field) or 1
            self._norms[field] = [
                k1 * ((1 - b) + b * (length or 1) / average)
                for leaf, _ in self.leaves
                for length in field_lengths(leaf._perdoc, field, leaf.doc_count_all())
            ]
        return self._norms[field]

    # -- columns ---------------------------------------------------------------------------

    def column(self, name: str) -> list[Any]:
        """A column's values by docnum (None where a segment has no such column)."""
        if name not in self._columns:
            # leaf by leaf: MultiReader.column_reader misplaces the documents of a segment
            # without the column (a nightly segment of undated .txt speeches has no year)
            values: list[Any] = []
            for leaf, _ in self.leaves:
                if leaf.has_column(name):
                    values.extend(leaf.column_reader(name))
                else:
                    values.extend([None] * leaf.doc_count_all())
            self._columns[name] = values
        return self._columns[name]

    def valued(self, name: str, value: str) -> set[int]:
        """Live documents whose source (or category) is exactly value."""
        key = f"{name}={value}"
        if key not in self._filters:
            column = self.column(name)
            self._filters[key] = {d for d in self.live() if column[d] == value}
        return self._filters[key]

    def day_key(self) -> Callable[[int], int]:
        """Sort key for newest first: the day number, then index order among the same day
        (undated documents have day 0, so they come last)."""
        days = self.column("day")
        size = self.size
        return lambda docnum: (days[docnum] or 0) * size - docnum

    def dated(self, start: int | None, end: int | None) -> set[int]:
        """Live documents whose day lies in [start, end], by bisecting the sorted days."""
        if self._day_order is None:
            days = [d or 0 for d in self.column("day")]
            order = sorted(self.live(), key=days.__getitem__)
            self._day_order = ([days[d] for d in order], order)
        keys, order = self._day_order
        return set(order[bisect_left(keys, start or 1) : bisect_right(keys, end or 99991231)])


def _leaf_postings(
    leaf: Any, field: str, text: Any, wanted: list[int] | None = None
) -> tuple[Sequence[int], Sequence[float]]:
    """One segment's postings of a term, deleted documents included; only those of wanted
    (sorted, segment numbering) when given."""
    matcher = leaf.postings(field, text)
    matcher = getattr(matcher, "child", matcher)  # the deletion filter; the caller drops them
    if isinstance(matcher, W3LeafMatcher):
        ids, weights = _blocks(matcher, wanted)
    else:
        ids, weights = array("i"), array("f")  # postings held in memory (a new segment)
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    if wanted is None:
        return ids, weights
    keep = set(wanted)
    pairs = [(d, w) for d, w in zip(ids, weights, strict=True) if d in keep]
    return [d for d, _ in pairs], [w for _, w in pairs]


def _blocks(matcher: W3LeafMatcher, wanted: list[int] | None = None) -> tuple[array, array]:
    """Decode a whoosh3 posting list block by block from one read of its bytes; Whoosh's own
    matcher reads each block's header byte by byte through the file and decodes ids one
    generator step at a time. Layout: tag, then per block a signed length (negative on the
    last block), the pickled block info (count, last id, ...), and the (compressed) pickled
    ids/weights/values. With wanted (sorted), a block none of them can be in is skipped."""
    length = matcher._length  # whoosh3's term info leaves it a 1-tuple (unpack without [0])
    length = length[0] if isinstance(length, tuple) else length
    raw = matcher._postfile.get(matcher._startoffset, length)
    stream = io.BytesIO(raw)
    ids = array("i")
    weights = array("f")
    position = _HEADER
    next_wanted = 0
    while True:
        (length,) = _BLOCK_LENGTH.unpack_from(raw, position)
        stream.seek(position + _BLOCK_LENGTH.size)
        count, last_id, _, compression, _, _ = pickle.load(stream)
        end = position + _BLOCK_LENGTH.size + abs(length)
        if wanted is not None:
            if next_wanted == len(wanted):
                return ids, weights
            if wanted[next_wanted] > last_id:  # no wanted document in this block
                position = end
                if length < 0:
                    return ids, weights
                continue
            next_wanted = bisect_right(wanted, last_id, next_wanted)
        data = raw[stream.tell() : end]
        deltas, block_weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        ids.extend(accumulate(deltas))
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([1.0 if block_weights is None else block_weights] * count)
        else:
            weights.extend(block_weights)
        if length < 0:
            return ids, weights
        position = end
