"""A Whoosh query evaluated a set at a time over a snapshot's posting lists: each node yields its
matching documents with their summed scores, and an And narrows its later parts to what the
earlier ones matched. Same documents and scores as Whoosh's own matchers, without their cost of
microseconds per candidate per node."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Collection

from whoosh import query as wq

from .snapshot import Snapshot

Scores = dict[int, float]

# Below this many candidates per posting, look each candidate up instead of scanning the list.
_LOOKUP_RATIO = 8


def evaluate(query: wq.Query, snapshot: Snapshot, within: Collection[int] | None = None) -> Scores:
    """The documents matching query (only those in within, when given) with their scores."""
    if isinstance(query, wq.Term):
        return _term(snapshot, query.fieldname, query.text, query.boost, within)
    if isinstance(query, wq.And):
        return _and(query.subqueries, snapshot, within)
    if isinstance(query, wq.Or):
        return _or(query.subqueries, snapshot, within)
    if isinstance(query, wq.AndMaybe):
        required = evaluate(query.a, snapshot, within)
        optional = evaluate(query.b, snapshot, required.keys()) if required else {}
        for docnum, score in optional.items():
            required[docnum] += score
        return required
    if isinstance(query, wq.AndNot):
        positive = evaluate(query.a, snapshot, within)
        if positive:
            for docnum in evaluate(query.b, snapshot, positive.keys()):
                del positive[docnum]
        return positive
    if isinstance(query, wq.Not):
        excluded = evaluate(query.query, snapshot, within)
        return dict.fromkeys((d for d in _universe(snapshot, within) if d not in excluded), 0.0)
    if isinstance(query, wq.ConstantScoreQuery):
        return dict.fromkeys(evaluate(query.child, snapshot, within), query.score)
    if isinstance(query, wq.Every):
        return dict.fromkeys(_universe(snapshot, within), 0.0)
    if isinstance(query, wq.MultiTerm):  # prefixes, numeric and term ranges
        return _multi(query, snapshot, within)
    if query is wq.NullQuery:
        return {}
    simpler = query.simplify(snapshot.reader)
    if type(simpler) is type(query):
        raise TypeError(f"cannot evaluate {type(query).__name__} queries")
    return evaluate(simpler, snapshot, within)


def estimate(query: wq.Query, snapshot: Snapshot) -> int:
    """About how many documents a query matches, to evaluate the narrowest part of an And
    first."""
    if isinstance(query, wq.Term):
        return snapshot.doc_frequency(query.fieldname, query.text)
    if isinstance(query, wq.And):
        return min((estimate(q, snapshot) for q in query.subqueries), default=0)
    if isinstance(query, wq.Or):
        return sum(estimate(q, snapshot) for q in query.subqueries)
    if isinstance(query, (wq.AndMaybe, wq.AndNot)):
        return estimate(query.a, snapshot)
    if isinstance(query, wq.ConstantScoreQuery):
        return estimate(query.child, snapshot)
    return snapshot.size


def _term(
    snapshot: Snapshot, field: str, text: object, boost: float, within: Collection[int] | None
) -> Scores:
    ids, scores = snapshot.postings(field, text)
    if within is None:
        found = dict(zip(ids, scores, strict=True))
    elif len(within) * _LOOKUP_RATIO < len(ids):
        found = {}
        size = len(ids)
        for docnum in within:
            at = bisect_left(ids, docnum)
            if at < size and ids[at] == docnum:
                found[docnum] = scores[at]
    else:
        found = {d: s for d, s in zip(ids, scores, strict=True) if d in within}
    if boost != 1.0:
        for docnum in found:
            found[docnum] *= boost
    return found


def _and(parts: list[wq.Query], snapshot: Snapshot, within: Collection[int] | None) -> Scores:
    result: Scores | None = None
    for part in sorted(parts, key=lambda q: estimate(q, snapshot)):
        found = evaluate(part, snapshot, within if result is None else result.keys())
        if result is not None:
            found = {d: result[d] + s for d, s in found.items()}
        result = found
        if not result:
            break
    return result or {}


def _or(parts: list[wq.Query], snapshot: Snapshot, within: Collection[int] | None) -> Scores:
    result: Scores = {}
    for part in parts:
        found = evaluate(part, snapshot, within)
        if not result:
            result = found
            continue
        for docnum, score in found.items():
            result[docnum] = result.get(docnum, 0.0) + score
    return result


def _multi(query: wq.MultiTerm, snapshot: Snapshot, within: Collection[int] | None) -> Scores:
    """The union of the expanded terms, scored as Whoosh scores it: the sum of their scores."""
    terms = [wq.Term(f, t, boost=query.boost) for f, t in query.expanded_terms(snapshot.reader)]
    return _or(terms, snapshot, within)


def _universe(snapshot: Snapshot, within: Collection[int] | None) -> Collection[int]:
    live = snapshot.live()
    return live if within is None else [d for d in within if d in live]
