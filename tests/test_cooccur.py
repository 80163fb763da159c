"""Co-occurring words on a corpus whose answer is known: tree-planting items (more than the
sample the candidates come from) whose own words are found with exact counts, while common
words, stop words, the query's word and words inside better ones are left out."""

from __future__ import annotations

import pytest
from conftest import index_records

from indexer import SearchIndex, SearchRequest
from indexer.cooccur import SAMPLE, WORDS, cooccurring

TREES = 130  # more than SAMPLE: candidates come from a sample, counts from every item
OTHERS = 400
# Our own sentences. Every tree item's words (jieba's): 一早 志愿者 (志愿 愿者 inside it) 来到
# 河边 植树 搬运 树苗 街道 绿化 帮忙, with 街区 居民 今天 that every item has; half of them
# and a tenth of the others also mention a 公园.
TREE = "第{n}号街区的志愿者一早来到河边植树，搬运树苗，给街道做绿化。居民今天也来帮忙。"
OTHER = [
    "第{n}号街区的菜市场今天开门，居民买到新鲜蔬菜，摊主说价格平稳。",
    "第{n}号街区的地铁站今天延长运营，居民出行更方便。",
    "第{n}号街区的图书馆今天开放阅览室，居民带孩子来借书。",
]
PARK = "公园里有人散步。"
OWN = {"一早", "志愿者", "来到", "河边", "搬运", "树苗", "街道", "绿化", "帮忙"}


def records() -> list[dict[str, str]]:
    trees = [
        {
            "id": f"tree-{n:03d}",
            "title": f"社区简讯{n}",
            "body": TREE.format(n=n) + (PARK if n % 2 else ""),
            "source": "甲报" if n % 2 else "乙台",
        }
        for n in range(TREES)
    ]
    others = [
        {
            "id": f"other-{n:03d}",
            "title": f"社区简讯{TREES + n}",
            "body": OTHER[n % 3].format(n=n) + (PARK if n % 10 == 0 else ""),
            "source": "乙台",
        }
        for n in range(OTHERS)
    ]
    return trees + others


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    folder = tmp_path_factory.mktemp("cooccur")
    settings = index_records(folder, records())
    return SearchIndex(settings)


def test_the_items_own_words_come_first_with_exact_counts(index: SearchIndex) -> None:
    result = cooccurring(index, SearchRequest(q="植树"))
    assert (result["items"], result["archive"], result["exact"]) == (TREES, TREES + OTHERS, True)
    assert result["sampled"] == SAMPLE < TREES
    words = {w["word"]: w for w in result["words"]}
    first = [w["word"] for w in result["words"][: len(OWN)]]
    assert set(first) == OWN
    assert all((words[w]["count"], words[w]["archive"]) == (TREES, TREES) for w in OWN)
    assert first[0] == "志愿者"  # a tie goes to the longer word
    park = words["公园"]  # half the tree items, a tenth of the others
    assert (park["count"], park["archive"]) == (TREES // 2, TREES // 2 + OTHERS // 10)
    assert park["score"] < words["树苗"]["score"]
    assert len(result["words"]) <= WORDS


def test_common_stop_query_and_inner_words_are_left_out(index: SearchIndex) -> None:
    shown = {w["word"] for w in cooccurring(index, SearchRequest(q="植树"))["words"]}
    assert not shown & {"植树", "居民", "街区", "今天", "志愿", "愿者"}
    assert all(len(word) > 1 for word in shown)
    # A query of two words leaves both out, and words holding them.
    shown = {w["word"] for w in cooccurring(index, SearchRequest(q="树苗 绿化"))["words"]}
    assert "志愿者" in shown and not shown & {"树苗", "绿化"}


def test_filters_choose_the_items_the_archive_stays_whole(index: SearchIndex) -> None:
    result = cooccurring(index, SearchRequest(q="植树", source="甲报"))
    assert result["items"] == TREES // 2
    seedling = next(w for w in result["words"] if w["word"] == "树苗")
    assert (seedling["count"], seedling["archive"]) == (TREES // 2, TREES)


def test_nothing_found_is_no_words(index: SearchIndex) -> None:
    result = cooccurring(index, SearchRequest(q="火箭"))
    assert (result["items"], result["sampled"], result["words"]) == (0, 0, [])
