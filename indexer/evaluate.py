"""A Whoosh query evaluated a set at a time over a snapshot's posting lists: each node yields its
matching documents with their summed scores, and an And narrows its later parts to what the
earlier ones matched. Same documents and scores as Whoosh's own matchers, without their cost of
microseconds per candidate per node."""

from __future__ import annotations

from collections.abc import Collection

from whoosh import query as wq

from .snapshot import Snapshot

Scores = dict[int, float]


def evaluate(
    query: wq.Query,
    snapshot: Snapshot,
    within: Collection[int] | None = None,
    scored: bool = True,
) -> Scores:
    """The documents matching query (only those in within, when given) with their scores
    (all 0.0 when not scored: the parts that only filter)."""
    if isinstance(query, wq.Term):
        return _term(snapshot, query, within, scored)
    if isinstance(query, wq.And):
        return _and(query.subqueries, snapshot, within, scored)
    if isinstance(query, wq.Or):
        return _or(query.subqueries, snapshot, within, scored)
    if isinstance(query, wq.AndMaybe):
        required = evaluate(query.a, snapshot, within, scored)
        if required and scored:
            for docnum, score in evaluate(query.b, snapshot, required.keys()).items():
                required[docnum] += score
        return required
    if isinstance(query, wq.AndNot):
        positive = evaluate(query.a, snapshot, within, scored)
        if positive:
            for docnum in evaluate(query.b, snapshot, positive.keys(), scored=False):
                del positive[docnum]
        return positive
    if isinstance(query, wq.Not):
        excluded = evaluate(query.query, snapshot, within, scored=False)
        return dict.fromkeys((d for d in _universe(snapshot, within) if d not in excluded), 0.0)
    if isinstance(query, wq.ConstantScoreQuery):
        found = evaluate(query.child, snapshot, within, scored=False)
        return dict.fromkeys(found, query.score) if scored else found
    if isinstance(query, wq.Every):
        return dict.fromkeys(_universe(snapshot, within), 0.0)
    if isinstance(query, wq.MultiTerm):  # prefixes, numeric and term ranges
        return _multi(query, snapshot, within, scored)
    if query is wq.NullQuery:
        return {}
    simpler = query.simplify(snapshot.reader)
    if type(simpler) is type(query):
        raise TypeError(f"cannot evaluate {type(query).__name__} queries")
    return evaluate(simpler, snapshot, within, scored)


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
    snapshot: Snapshot, term: wq.Term, within: Collection[int] | None, scored: bool
) -> Scores:
    if within is not None:
        found = snapshot.among(term.fieldname, term.text, within, scored)
    elif scored:
        found = dict(zip(*snapshot.scored(term.fieldname, term.text), strict=True))
    else:
        return dict.fromkeys(snapshot.docs(term.fieldname, term.text), 0.0)
    if scored and term.boost != 1.0:
        for docnum in found:
            found[docnum] *= term.boost
    return found


def _and(
    parts: list[wq.Query], snapshot: Snapshot, within: Collection[int] | None, scored: bool
) -> Scores:
    result: Scores | None = None
    for part in sorted(parts, key=lambda q: estimate(q, snapshot)):
        found = evaluate(part, snapshot, within if result is None else result.keys(), scored)
        if result is not None and scored:
            found = {d: result[d] + s for d, s in found.items()}
        result = found
        if not result:
            break
    return result or {}


def _or(
    parts: list[wq.Query], snapshot: Snapshot, within: Collection[int] | None, scored: bool
) -> Scores:
    result: Scores = {}
    for part in parts:
        found = evaluate(part, snapshot, within, scored)
        if not result:
            result = found
        elif scored:
            for docnum, score in found.items():
                result[docnum] = result.get(docnum, 0.0) + score
        else:
            result.update(found)
    return result


def _multi(
    query: wq.MultiTerm, snapshot: Snapshot, within: Collection[int] | None, scored: bool
) -> Scores:
    """The union of the expanded terms, scored as Whoosh scores it: the sum of their scores."""
    terms = [wq.Term(f, t, boost=query.boost) for f, t in query.expanded_terms(snapshot.reader)]
    return _or(terms, snapshot, within, scored)


def _universe(snapshot: Snapshot, within: Collection[int] | None) -> Collection[int]:
    live = snapshot.live()
    return live if within is None else [d for d in within if d in live]
