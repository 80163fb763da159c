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

from .related import WORDS_SAMPLE
from .results import Cooccurrence, CooccurringWord

if TYPE_CHECKING:
    from .searcher import SearchIndex, SearchRequest

WORDS = 30  # words shown
SAMPLE = 200  # selected items read for candidate words (evenly spread over them)
CANDIDATES = 300  # words of the sample counted exactly
# A word used by more than this share of the items outside the selection is common
# everywhere: it says little about the selection even when a little more common there.
COMMON = 0.3
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
CHECKS = 2_000


def cooccurring(index: SearchIndex, request: SearchRequest) -> Cooccurrence:
    """The WORDS words whose use in the selected items most exceeds their use in the rest of
    the archive, each with both counts; stop words, the query's own words and words inside or
    around them left out."""
    began = time.perf_counter()
    with index.selected(request) as selection:
        snapshot, pipeline = selection.snapshot, selection.pipeline
        ids, exact = selection.matching(CHECKS)
        live = len(snapshot.live())
        sample = ids[np.unique(np.linspace(0, len(ids) - 1, min(SAMPLE, len(ids))).astype(int))]
        used: Counter[str] = Counter()
        for docnum in sample.tolist():
            stored = snapshot.searcher.stored_fields(docnum)
            text = f"{stored.get('norm_title', '')}\n{stored.get('norm', '')[:WORDS_SAMPLE]}"
            used.update(pipeline.word_counts(text).keys())
        typed = selection.plan.needles
        candidates = [
            word
            for word, _ in sorted(used.items(), key=lambda wn: (-wn[1], wn[0]))
            if word not in STOP_WORDS and not any(word in t or t in word for t in typed)
        ][:CANDIDATES]
        chosen = np.zeros(snapshot.size, dtype=bool)
        chosen[ids] = True
        scored: list[CooccurringWord] = []
        for word in candidates:
            users = snapshot.docs("words", word)
            inside, total = int(chosen[users].sum()), len(users)
            if total - inside > COMMON * (live - len(ids)):
                continue
            score = _log_likelihood(inside, len(ids), total - inside, live - len(ids))
            if score > 0:
                scored.append(
                    {"word": word, "count": inside, "archive": total, "score": round(score, 2)}
                )
    scored.sort(key=lambda w: (-w["score"], w["word"]))
    return {
        "query": request.q,
        "items": len(ids),
        "exact": exact,
        "archive": live,
        "sampled": len(sample),
        "words": scored[:WORDS],
        "elapsed_ms": round((time.perf_counter() - began) * 1000, 2),
    }


def _log_likelihood(inside: int, selected: int, outside: int, rest: int) -> float:
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
