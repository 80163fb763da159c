"""A document's keywords and the documents like it, both by its words: TF-IDF against the
index's own document frequencies, and its most distinctive words searched as a weighted OR."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from typing import Any

from whoosh import query as wq

from .analysis import Pipeline
from .evaluate import evaluate, ranked
from .results import Keyword, Related, summary
from .snapshot import Snapshot

KEYWORDS = 8  # shown on a document page
RELATED_WORDS = 25  # searched for related documents
# Characters of a document read for its keywords and related documents: the head of a very
# long item speaks for it, at a bounded cost per page.
WORDS_SAMPLE = 20_000  # a long speech; its words cost 0.3 s at 50,000 (jieba, term look-ups)


def word_weights(
    snapshot: Snapshot, pipeline: Pipeline, stored: Mapping[str, Any]
) -> list[tuple[str, float]]:
    """The document's words by TF-IDF against the index's own document frequencies, most
    distinctive first."""
    text = f"{stored.get('title', '')}\n{stored.get('body', '')[:WORDS_SAMPLE]}"
    size = max(snapshot.size, 1)
    weighed = []
    for word, tf in pipeline.word_counts(text).items():
        frequency = snapshot.doc_frequency("words", word)
        if frequency:
            weighed.append((word, (1 + math.log(tf)) * math.log(size / frequency)))
    weighed.sort(key=lambda wx: (-wx[1], wx[0]))
    return [(w, x) for w, x in weighed if x > 0]


def keywords(weights: list[tuple[str, float]]) -> list[Keyword]:
    """The words a document page offers as searches, each saying something new."""
    weight = dict(weights)
    return [
        {"word": word, "weight": round(weight[word], 3)}
        for word in distinct((w for w, _ in weights), KEYWORDS)
    ]


def distinct(words: Iterable[str], most: int) -> list[str]:
    """Up to `most` words in their order, each saying something new: a word inside one already
    taken, or holding one, is left out (两国关系, not also 两国 and 关系)."""
    chosen: list[str] = []
    for word in words:
        if len(chosen) == most:
            break
        if not any(word in c or c in word for c in chosen):
            chosen.append(word)
    return chosen


def related_documents(
    snapshot: Snapshot, docnum: int, weights: list[tuple[str, float]], limit: int
) -> list[Related]:
    """More like this: the document's most distinctive words, as a weighted OR."""
    if not weights or not limit:
        return []
    terms = [wq.Term("words", w, boost=x) for w, x in weights[:RELATED_WORDS]]
    found = evaluate(wq.Or(terms), snapshot)
    others = found.ids != docnum
    ids, scores = found.ids[others], found.scores[others]
    best = [int(ids[at]) for at in itertools.islice(ranked(scores, limit), limit)]
    return [
        {"id": s["id"], "title": s["title"], "date": s["date"], "source": s["source"]}
        for s in (summary(snapshot.searcher.stored_fields(n)) for n in best)
    ]
