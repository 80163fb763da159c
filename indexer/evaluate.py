"""A Whoosh query evaluated a set at a time over a snapshot's posting lists: each node yields its
matching documents with their summed scores as arrays, and an And narrows its later parts to
what the earlier ones matched. Same documents and scores as Whoosh's own matchers, without
their cost of microseconds per candidate per node. The best of what matched are found by a
partial sort (ranked)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import numpy as np
from whoosh import query as wq

from .snapshot import Matches, Snapshot, positions

NOTHING = Matches(np.zeros(0, dtype=np.int64), np.zeros(0))


class Budget:
    """A request's time limit: evaluation stops where it is when it runs out (an AND keeps the
    documents its parts so far matched, an OR those of its parts so far) and says so, so
    one crafted query cannot hold a worker for seconds."""

    def __init__(self, seconds: float) -> None:
        self.deadline = time.monotonic() + seconds
        self.spent = False

    def expired(self) -> bool:
        if not self.spent and time.monotonic() >= self.deadline:
            self.spent = True
        return self.spent


def evaluate(
    query: wq.Query,
    snapshot: Snapshot,
    within: np.ndarray | None = None,
    scored: bool = True,
    budget: Budget | None = None,
) -> Matches:
    """The documents matching query (only those in within, ascending, when given) with their
    scores (all 0.0 when not scored: the parts that only filter); stopped short when budget
    runs out (budget.spent then says so)."""
    if isinstance(query, wq.Term):
        return _term(snapshot, query, within, scored)
    if isinstance(query, wq.And):
        return _and(query.subqueries, snapshot, within, scored, budget)
    if isinstance(query, wq.Or):
        found = []
        for part in query.subqueries:
            if budget is not None and found and budget.expired():
                break
            found.append(evaluate(part, snapshot, within, scored, budget))
        return _or(found, scored)
    if isinstance(query, wq.AndMaybe):
        required = evaluate(query.a, snapshot, within, scored, budget)
        if not (len(required) and scored) or (budget is not None and budget.expired()):
            return required
        optional = evaluate(query.b, snapshot, required.ids, budget=budget)
        scores = required.scores.copy()
        scores[positions(required.ids, optional.ids)[1]] += optional.scores
        return Matches(required.ids, scores)
    if isinstance(query, wq.AndNot):
        positive = evaluate(query.a, snapshot, within, scored, budget)
        if not len(positive):
            return positive
        excluded = evaluate(query.b, snapshot, positive.ids, False, budget).ids
        kept = np.isin(positive.ids, excluded, assume_unique=True, invert=True)
        return Matches(positive.ids[kept], positive.scores[kept])
    if isinstance(query, wq.Not):
        excluded = evaluate(query.query, snapshot, within, False, budget).ids
        universe = _universe(snapshot, within)
        return Matches.unscored(np.setdiff1d(universe, excluded, assume_unique=True))
    if isinstance(query, wq.ConstantScoreQuery):
        found = evaluate(query.child, snapshot, within, False, budget)
        return Matches(found.ids, np.full(len(found), query.score)) if scored else found
    if isinstance(query, wq.Every):
        return Matches.unscored(_universe(snapshot, within))
    if isinstance(query, wq.MultiTerm):  # prefixes, numeric and term ranges: the sum of terms
        terms = [wq.Term(f, t, boost=query.boost) for f, t in query.expanded_terms(snapshot.reader)]
        return evaluate(wq.Or(terms), snapshot, within, scored, budget) if terms else NOTHING
    if query is wq.NullQuery:
        return NOTHING
    simpler = query.simplify(snapshot.reader)
    if type(simpler) is type(query):
        raise TypeError(f"cannot evaluate {type(query).__name__} queries")
    return evaluate(simpler, snapshot, within, scored, budget)


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


def _term(snapshot: Snapshot, term: wq.Term, within: np.ndarray | None, scored: bool) -> Matches:
    if within is not None:
        found = snapshot.among(term.fieldname, term.text, within, scored)
    elif scored:
        found = snapshot.scored(term.fieldname, term.text)
    else:
        return Matches.unscored(snapshot.docs(term.fieldname, term.text))
    if scored and term.boost != 1.0:
        return Matches(found.ids, found.scores * term.boost)
    return found


def _and(
    parts: list[wq.Query],
    snapshot: Snapshot,
    within: np.ndarray | None,
    scored: bool,
    budget: Budget | None = None,
) -> Matches:
    result: Matches | None = None
    for part in sorted(parts, key=lambda q: estimate(q, snapshot)):
        if result is not None and budget is not None and budget.expired():
            break  # what the parts so far matched: more than the answer, checked when shown
        found = evaluate(part, snapshot, within if result is None else result.ids, scored, budget)
        if result is not None and scored:
            found = Matches(
                found.ids, result.scores[positions(result.ids, found.ids)[1]] + found.scores
            )
        result = found
        if not len(result):
            break
    return result if result is not None else NOTHING


def _or(found: list[Matches], scored: bool) -> Matches:
    """The union of the parts' documents, each scored with the sum of its parts' scores."""
    found = [m for m in found if len(m)]
    if len(found) <= 1:
        return found[0] if found else NOTHING
    ids, inverse = np.unique(np.concatenate([m.ids for m in found]), return_inverse=True)
    if not scored:
        return Matches.unscored(ids)
    summed = np.bincount(inverse, np.concatenate([m.scores for m in found]), len(ids))
    return Matches(ids, summed)


def _universe(snapshot: Snapshot, within: np.ndarray | None) -> np.ndarray:
    live = snapshot.live()
    return live if within is None else within[positions(live, within)[0]]


def ranked(keys: np.ndarray, first: int) -> Iterator[int]:
    """Positions of the largest keys first (equal keys in ascending position): the first
    window by a partial sort, the rest only when asked for."""
    count = len(keys)
    if count > first:
        threshold = np.partition(keys, count - first)[count - first]
        top = np.flatnonzero(keys >= threshold)
    else:
        top = np.arange(count)
    top = top[np.lexsort((top, -keys[top]))]
    yield from top.tolist()
    if len(top) < count:
        rest = np.lexsort((np.arange(count), -keys))
        yield from rest[len(top) :].tolist()
