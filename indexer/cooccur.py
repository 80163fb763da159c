"""The words most characteristic of the items a query selects, against the whole archive: a
log-likelihood (G²) contrast of how many selected items use a jieba word with how many of the
rest do. The words field says which items use a word but not which words an item uses, so
candidate words come from a sample of the selected items' stored text, cut by the pipeline,
and each candidate is then counted exactly among all selected items from its posting list."""

from __future__ import annotations

import math
import time
from collections import Counter
from typing import TYPE_CHECKING

import numpy as np

from .related import distinct
from .results import Cooccurrence, CooccurringWord

if TYPE_CHECKING:
    from .searcher import SearchIndex, SearchRequest, Selection

WORDS = 30  # words shown
# Selected items read for candidate words (evenly spread over them), and the characters of
# each read (title and the head of the body, where a report says what it is about): cutting
# text is the costly part when its runs are not cached yet, some microseconds a character.
SAMPLE = 60
SAMPLE_CHARS = 800
# Candidates counted exactly among all selected items (a posting list read each), the best by
# their G² estimated from the sample and the archive's document frequencies.
CANDIDATES = 120
# From a sample this large, a word used by only one sampled item is no candidate (most words
# of a sample are; looking up their document frequencies would cost more than the rest).
SAMPLE_ONCE = 20
# A word used by more than this share of the items outside the selection is common
# everywhere: it says little about the selection even when somewhat more common there.
COMMON = 0.2
# Frequent function words jieba keeps as words; the COMMON rule catches most others.
STOP_TEXT = (
    "我们 你们 他们 她们 它们 这个 那个 这些 那些 这样 那样 这里 那里 "
    "这种 一个 一些 一种 没有 不是 就是 还是 也是 已经 可以 因为 所以 "
    "但是 而且 并且 或者 如果 虽然 以及 其中 同时 通过 进行 表示 认为 "
    "对于 关于 由于 为了 之一 目前 今天 今年 记者 报道 自己 什么 怎么 "
    "如何 非常 更加 不断 得到 之后 以后 以来 其他 相关"
)
STOP_WORDS = frozenset(STOP_TEXT.split())
# Selected items checked against their stored text before counting (as trends do), else the
# counts are of the candidates.
CHECKS = 1_000


def cooccurring(index: SearchIndex, request: SearchRequest) -> Cooccurrence:
    """The WORDS words whose use in the selected items most exceeds their use in the rest of
    the archive, each with both counts; stop words, the query's own words, words inside or
    around them and words inside or around a better one left out."""
    began = time.perf_counter()
    with index.selected(request) as selection:
        snapshot = selection.snapshot
        ids, exact = selection.matching(CHECKS)
        live = len(snapshot.live())
        sample = ids[np.unique(np.linspace(0, len(ids) - 1, min(SAMPLE, len(ids))).astype(int))]
        used = _sampled_words(selection, sample)
        typed = selection.plan.needles
        rest = live - len(ids)
        estimated = []
        once = len(sample) < SAMPLE_ONCE  # a word in one sampled item may be a candidate
        for word, users in used.items():
            if users == 1 and not once:
                continue
            if word in STOP_WORDS or any(word in t or t in word for t in typed):
                continue
            inside = users * len(ids) / len(sample)
            outside = max(snapshot.doc_frequency("words", word) - inside, 0)
            estimated.append((_log_likelihood(inside, len(ids), outside, rest), word))
        estimated.sort(reverse=True)
        chosen = np.zeros(snapshot.size, dtype=bool)
        chosen[ids] = True
        counted: dict[str, CooccurringWord] = {}
        for _, word in estimated[:CANDIDATES]:
            users = snapshot.docs("words", word)
            inside, total = int(chosen[users].sum()), len(users)
            score = _log_likelihood(inside, len(ids), total - inside, rest)
            if score > 0 and total - inside <= COMMON * rest:
                counted[word] = {
                    "word": word,
                    "count": inside,
                    "archive": total,
                    "score": round(score, 2),
                }
    # on a tie the longer word (阅览室 before 阅览, which then goes as a word inside it)
    best = sorted(counted.values(), key=lambda w: (-w["score"], -len(w["word"]), w["word"]))
    return {
        "query": request.q,
        "items": len(ids),
        "exact": exact,
        "archive": live,
        "sampled": len(sample),
        "words": [counted[w] for w in distinct((w["word"] for w in best), WORDS)],
        "elapsed_ms": round((time.perf_counter() - began) * 1000, 2),
    }


def _sampled_words(selection: Selection, sample: np.ndarray) -> Counter[str]:
    """How many of the sampled items use each word (the words field's words), from the head
    of their stored, normalised text."""
    used: Counter[str] = Counter()
    for docnum in sample.tolist():
        stored = selection.snapshot.searcher.stored_fields(docnum)
        text = f"{stored.get('norm_title', '')}\n{stored.get('norm', '')[:SAMPLE_CHARS]}"
        used.update(selection.pipeline.word_counts(text).keys())
    return used


def _log_likelihood(inside: float, selected: int, outside: float, rest: int) -> float:
    """Dunning's G² of a word used by `inside` of `selected` items and `outside` of the `rest`;
    0 when it is not used more often inside than outside."""
    if not selected or inside * max(rest, 1) <= outside * selected:
        return 0.0
    total = selected + rest
    users = inside + outside
    g2 = 0.0
    for observed, row, column in (
        (inside, selected, users),
        (selected - inside, selected, total - users),
        (outside, rest, users),
        (rest - outside, rest, total - users),
    ):
        if observed:
            g2 += observed * math.log(observed * total / (row * column))
    return 2 * g2
