"""Ways out of a search that found nothing, as a Chinese reader would try them: drop a word,
a shorter run, title words that start the same way; each offered with how many it finds."""

from __future__ import annotations

import itertools

import numpy as np

from .analysis import Pipeline
from .errors import QueryError
from .evaluate import evaluate
from .plan import QueryPlan, build_plan
from .query import And, ParsedQuery, Text, parse
from .results import Suggestion
from .snapshot import Snapshot

# Searches one set of suggestions may run, however long the query.
SUGGESTION_PROBES = 12
SUGGESTIONS = 6


def suggestions(
    snapshot: Snapshot, pipeline: Pipeline, plan: QueryPlan, within: np.ndarray | None
) -> list[Suggestion]:
    """Queries that find something (among within, when given), the most results first."""
    budget = iter(range(SUGGESTION_PROBES))
    found: dict[str, Suggestion] = {}

    def probe(text: str, label: str) -> bool:
        if text in found or next(budget, None) is None:
            return False
        count = _plain_count(snapshot, pipeline, text, within)
        if count:
            found[text] = {"query": text, "label": label, "total": count}
        return bool(count)

    texts = [u.text for u in plan.positive]
    if 1 < len(texts) <= 6:
        for i, dropped in enumerate(texts):
            probe(" ".join(texts[:i] + texts[i + 1 :]), f"去掉「{dropped}」")
    for unit in plan.positive[:2]:
        run = unit.text[:12]
        if unit.kind != "han" or len(run) < 3:
            continue
        for size in range(len(run) - 1, 1, -1):  # the longest prefix or suffix that exists
            if probe(run[:size], f"更短的「{run[:size]}」") or probe(
                run[-size:], f"更短的「{run[-size:]}」"
            ):
                break
    reader = snapshot.reader
    for unit in plan.positive[:2]:
        words = {
            w.decode("utf-8") if isinstance(w, bytes) else w
            for w in itertools.islice(reader.expand_prefix("title", unit.text[:2]), 200)
        }
        for word in sorted(
            (w for w in words if w != unit.text and len(w) > 1),
            key=lambda w: -reader.doc_frequency("title", w),
        )[:3]:
            probe(word, f"相近词「{word}」")
    return sorted(found.values(), key=lambda s: -s["total"])[:SUGGESTIONS]


def _plain_count(
    snapshot: Snapshot, pipeline: Pipeline, text: str, within: np.ndarray | None
) -> int:
    """Items holding text's plain words; 0 for text a reader's search would read as syntax
    (a quoted date:0000 turned into a filter), so that no suggestion leads elsewhere."""
    words = tuple(Text(w) for w in text.split())
    node = words[0] if len(words) == 1 else And(words)
    try:
        if parse(text).node != node:
            return 0
    except QueryError:
        return 0
    plan = build_plan(ParsedQuery(node), pipeline, snapshot)
    return len(evaluate(plan.required, snapshot, within)) if plan else 0
