"""The word-precision set of bench/words.py on a hand-written corpus: which items use a word and
which only straddle it, the bars a word must pass, and the shares computed from a top 10."""

from __future__ import annotations

import math
import sys

import pytest
from conftest import ROOT, write_jsonl

sys.path.insert(0, str(ROOT))  # bench/ is the repository's own package, not an installed one
from bench.corpus import Record, read_jsonl  # noqa: E402
from bench.engines import Hit  # noqa: E402
from bench.queries import Query  # noqa: E402
from bench.words import (  # noqa: E402
    Spec,
    Top,
    Word,
    build_set,
    evaluate,
    held_words,
    mean_share,
    pooled_share,
    random_mean,
    random_pooled,
    used_words,
)
from indexer.analysis import build_pipeline  # noqa: E402

TEXTS = {
    "use-1": ("华为公司发布新手机", "华为公司今天发布了新款手机。"),
    "use-2": ("华为手机销量增长", "华为手机销量持续增长。"),
    "use-3": ("华为举行发布会", "华为在深圳举行发布会。"),
    "straddle-1": ("总统访华", "总统访华为两国关系开辟新局面。"),  # 访华/为
    "straddle-2": ("访华为契机", "以此次访华为契机，深化合作。"),
    "pipe-1": ("天然气管道铺设完成", "天然气管道铺设完成。"),  # 天然气/管道
    "pipe-2": ("天然气管网建设", "天然气管网建设加快。"),
    "airway": ("气管炎患者增多", "冬季气管炎患者增多。"),  # 气管炎: 气管 inside a word
}
EVERY = Spec(uses=1, straddles=1, max_share=1.0, words=1000)


@pytest.fixture(scope="module")
def records(tmp_path_factory: pytest.TempPathFactory) -> list[Record]:
    """The hand-written corpus, written to and read back from a JSONL file."""
    path = tmp_path_factory.mktemp("words") / "corpus.jsonl"
    rows = [{"id": i, "title": t, "body": b, "date": "2024-01-01"} for i, (t, b) in TEXTS.items()]
    return read_jsonl(write_jsonl(path, rows))


def _by_text(words: list[Word]) -> dict[str, Word]:
    return {word.text: word for word in words}


def test_a_word_is_used_or_only_straddled() -> None:
    pipeline = build_pipeline()
    assert "华为" in used_words(pipeline, "华为公司发布")
    assert "华为" not in used_words(pipeline, "访华为契机")
    assert "华为" in held_words(pipeline, "访华为契机")
    assert "气管" not in used_words(pipeline, "天然气管道")
    assert "气管" in held_words(pipeline, "天然气管道")
    assert "气管" in used_words(pipeline, "气管炎")  # a dictionary word inside a longer one


def test_the_set_splits_the_items_holding_a_word(records: list[Record]) -> None:
    words = _by_text(build_set(records, EVERY))
    assert words["华为"].uses == {"use-1", "use-2", "use-3"}
    assert words["华为"].straddles == {"straddle-1", "straddle-2"}
    assert words["华为"].random_share == pytest.approx(2 / 5)
    assert words["气管"].uses == {"airway"}
    assert words["气管"].straddles == {"pipe-1", "pipe-2"}


def test_the_set_keeps_only_words_past_every_bar(records: list[Record]) -> None:
    kept = _by_text(build_set(records, Spec(uses=3, straddles=2, max_share=1.0, words=1000)))
    assert "华为" in kept and "气管" not in kept  # 气管: one item uses it
    assert all(len(w.uses) >= 3 and len(w.straddles) >= 2 for w in kept.values())
    assert "华为" not in _by_text(build_set(records, Spec(uses=3, straddles=3, max_share=1.0)))
    common = Spec(uses=3, straddles=2, max_share=4 / len(records))  # 华为 is in 5 items
    assert "华为" not in _by_text(build_set(records, common))


def test_the_sample_is_seeded_and_bounded(records: list[Record]) -> None:
    every = build_set(records, EVERY)
    few = Spec(uses=1, straddles=1, max_share=1.0, words=2, seed=11)
    chosen = build_set(records, few)
    assert len(chosen) == 2 and set(chosen) <= set(every)
    assert chosen == build_set(records, few)


class _Fixed:
    """An engine answering each word with the ids given for it."""

    name = "fixed"
    errors = 0

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def search(self, query: Query) -> list[Hit]:
        return [(doc_id, "") for doc_id in self.answers.get(query.text, [])]

    def close(self) -> None:
        pass


def test_shares_of_the_top_10() -> None:
    words = [
        Word("华为", frozenset({"a", "b", "c"}), frozenset({"x", "y"})),
        Word("气管", frozenset({"d"}), frozenset({"z"})),
        Word("无果", frozenset({"e"}), frozenset({"w"})),
    ]
    engine = _Fixed({"华为": ["a", "x", "b", "stranger"], "气管": ["z", "d"]})
    tops = evaluate(words, [engine])["fixed"]
    assert tops == [Top(4, 1, 1), Top(2, 1, 0), Top(0, 0, 0)]
    assert mean_share(tops) == pytest.approx(100 * (1 / 4 + 1 / 2) / 2)  # 无果: no hits, left out
    assert pooled_share(tops) == pytest.approx(100 * 2 / 6)
    assert math.isnan(mean_share([Top(0, 0, 0)]))
    assert random_mean(words) == pytest.approx(100 * (2 / 5 + 1 / 2 + 1 / 2) / 3)
    assert random_pooled(words) == pytest.approx(100 * 4 / 9)
