"""Search over a real index of the project's corpus: what a reader types finds what they mean."""

import re
from pathlib import Path

import numpy as np
import pytest
from conftest import SEED_ID, write_jsonl

from indexer import SearchIndex, SearchRequest, Settings
from indexer.errors import AnalyzerMismatch, DocumentNotFound, IndexMissing, QueryError
from indexer.evaluate import ranked
from indexer.normalize import fold
from indexer.results import (
    DocumentPage,
    Filters,
    Hit,
    Keyword,
    Related,
    SearchResult,
    Stats,
    Suggestion,
    WordMatches,
)


def search(index: SearchIndex, q: str, **kwargs: object) -> dict:
    return index.search(SearchRequest(q=q, **kwargs))


def ids(result: dict) -> list[str]:
    return [hit["id"] for hit in result["hits"]]


def marked(result: dict, doc_id: str = SEED_ID) -> list[str]:
    hit = next(h for h in result["hits"] if h["id"] == doc_id)
    return re.findall(r"<mark>(.*?)</mark>", " ".join(hit["passages"]) + hit["title_html"])


@pytest.mark.parametrize(
    ("query", "marks"),
    [
        ("张羽", {"张羽"}),  # passages read as text: the segmenter's spaces are gone
        ("失踪人口", {"失踪人口"}),
        ("头条寻人", {"头条寻人"}),
        ("互联网公益", {"互联网公益"}),
        ("乌镇", {"乌镇"}),
        ("山里是好风光", {"山里是好风光"}),
        ('"信息 公益"', {"信息公益"}),
        ("字節跳動", {"字节跳动"}),
    ],
)
def test_seed_speech_is_found_with_the_matched_characters_marked(
    seed_index: SearchIndex, query: str, marks: set[str]
) -> None:
    result = search(seed_index, query)
    assert SEED_ID in ids(result)
    assert marks <= set(marked(result))


def test_every_place_of_a_name_is_marked_on_the_document_page(seed_index: SearchIndex) -> None:
    doc = seed_index.document(SEED_ID, q="张羽")
    body_places = fold(doc["body"]).count("张羽")
    assert doc["marks"] == body_places == 6
    assert "<mark>张羽</mark>谈" in doc["title_html"]  # as a reader reads it
    assert '<mark id="m1">' in "".join(doc["paragraphs_html"])
    stored = seed_index.document(SEED_ID, q="张羽", as_stored=True)
    assert doc["segmented"] and stored["as_stored"] and not doc["as_stored"]
    assert "<mark>张 羽</mark>谈" in stored["title_html"]  # the switch: as stored
    assert stored["marks"] == 6
    assert "字节跳动副总裁" in "".join(doc["paragraphs_html"])
    assert "字节 跳动 副总裁" in "".join(stored["paragraphs_html"])


def test_exclusion_and_title_field(seed_index: SearchIndex) -> None:
    assert SEED_ID not in ids(search(seed_index, "头条 -抖音"))
    assert "2020-toutiao-xunren-volunteers" in ids(search(seed_index, "头条 -抖音"))
    titled = ids(search(seed_index, "title:扶贫"))
    assert SEED_ID in titled and "regional-2019-001" in titled
    assert "2020-toutiao-xunren-volunteers" not in ids(search(seed_index, "title:失踪人口"))


def test_a_fragment_cut_mid_word_finds_its_document(seed_index: SearchIndex) -> None:
    assert ids(search(seed_index, "发挥市场优势来探"))[:1] == [SEED_ID]
    assert ids(search(seed_index, "羽谈到过去长"))[:1] == [SEED_ID]


def test_phrase_must_occur_as_written(seed_index: SearchIndex) -> None:
    assert search(seed_index, '"公益 信息"')["total"] == 0
    assert search(seed_index, "公益 信息")["total"] >= 1


def test_exact_run_ranks_above_scattered_words(build_index, tmp_path: Path) -> None:
    corpus = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "scattered", "title": "信息", "body": "信息很多。公益活动很多。信息与公益。"},
            {"id": "exact", "title": "报道", "body": "他们提出了信息公益的理念。"},
        ],
    )
    index = SearchIndex(build_index(corpus))
    assert ids(search(index, "信息 公益")) == ["exact", "scattered"]


def test_latin_numbers_and_units(seed_index: SearchIndex) -> None:
    assert ids(search(seed_index, "5G")) == ["regional-2019-002"]
    assert ids(search(seed_index, "2019年")) == ["regional-2019-002"]


def test_mark_is_not_marked_inside_a_longer_match_only_what_was_typed(
    seed_index: SearchIndex,
) -> None:
    result = search(seed_index, "马克思")
    assert ids(result) == ["regional-2020-003"]
    assert marked(result, "regional-2020-003") == ["马克思", "马克思"]


def test_filters_sorting_and_facets(seed_index: SearchIndex) -> None:
    everything = search(seed_index, "发展 OR 互联网 OR 公益")
    years = {f["value"]: f["count"] for f in everything["facets"]["year"]}
    assert years and set(years) <= {"2019", "2020"}
    by_date = search(seed_index, "互联网 OR 马克思", sort="date")
    dates = [h["date"] for h in by_date["hits"] if h["date"]]
    assert dates == sorted(dates, reverse=True)
    ranged = search(seed_index, "互联网 OR 马克思", date_from="2020-01-01", date_to="2020-12-31")
    assert ranged["hits"] and all(h["date"].startswith("2020") for h in ranged["hits"])
    sourced = search(seed_index, "互联网 OR 诈骗", source="网络资讯")
    assert sourced["hits"] and {h["source"] for h in sourced["hits"]} == {"网络资讯"}
    assert ids(search(seed_index, "乌镇 date:[2019-01-01 TO 2019-12-31]")) == ["regional-2019-002"]


def test_pagination(seed_index: SearchIndex) -> None:
    first = search(seed_index, "的", size=2)
    second = search(seed_index, "的", size=2, page=2)
    assert first["pages"] >= 2 and not set(ids(first)) & set(ids(second))
    with pytest.raises(QueryError, match="超出范围"):
        search(seed_index, "的", size=2, page=first["pages"] + 1)


def test_no_results_suggest_what_a_reader_would_try(seed_index: SearchIndex) -> None:
    result = search(seed_index, "张羽 马云")
    assert result["total"] == 0
    assert {"query": "张羽", "label": "去掉「马云」"}.items() <= result["suggestions"][0].items()
    shorter = search(seed_index, "失踪人口统计报告")["suggestions"]
    assert any(s["query"] in "失踪人口统计报告" for s in shorter)


def test_malformed_query_is_searched_with_a_notice(seed_index: SearchIndex) -> None:
    result = search(seed_index, '"张羽')
    assert SEED_ID in ids(result) and result["notices"]


@pytest.mark.parametrize(
    ("request_args", "message"),
    [
        ({"q": ""}, "请输入"),
        ({"q": "张" * 300}, "太长"),
        ({"q": "张羽", "page": 0}, "页码"),
        ({"q": "张羽", "size": 1000}, "每页"),
        ({"q": "张羽", "sort": "random"}, "排序"),
        ({"q": "张羽", "date_from": "昨天"}, "看不懂"),
        ({"q": "张羽", "date_from": "2020-02-01", "date_to": "2020-01-01"}, "晚于"),
        ({"q": "AND"}, "没有可以搜索"),
    ],
)
def test_bad_requests_raise_clear_errors(seed_index: SearchIndex, request_args, message) -> None:
    with pytest.raises(QueryError, match=message):
        seed_index.search(SearchRequest(**request_args))


def test_document_page_data_and_related(seed_index: SearchIndex) -> None:
    doc = seed_index.document("regional-2019-002", q="乌镇")
    assert doc["date"] == "2019-10-20" and doc["url"].startswith("https://")
    assert doc["related"] and all(r["id"] != "regional-2019-002" for r in doc["related"])
    with pytest.raises(DocumentNotFound):
        seed_index.document("../../etc/passwd")


def test_missing_index_and_changed_analyzer(tmp_path: Path, seed_settings: Settings) -> None:
    with pytest.raises(IndexMissing, match="speechsearch index"):
        SearchIndex(Settings.from_env(index_dir=tmp_path / "none")).health()
    synonyms = tmp_path / "syn.txt"
    synonyms.write_text("央视 中央电视台\n", encoding="utf-8")
    other = Settings.from_env(index_dir=seed_settings.index_dir, synonyms=synonyms)
    with pytest.raises(AnalyzerMismatch, match="reindex"):
        search(SearchIndex(other), "张羽")


def test_health_reports_documents_and_generation(seed_index: SearchIndex) -> None:
    health = seed_index.health()
    assert health["documents"] == 7 and health["generation"] == "gen-000001"
    assert health["last_run"]["added"] == 7


def test_synonyms_and_user_dictionary_apply_to_queries(build_index, tmp_path: Path) -> None:
    corpus = write_jsonl(
        tmp_path / "c.jsonl",
        [
            {"id": "cctv", "title": "央视报道", "body": "央视今天报道了乌镇的会议。"},
            {"id": "other", "title": "别的", "body": "中央电视台的节目。"},
        ],
    )
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("央视, 中央电视台\n", encoding="utf-8")
    index = SearchIndex(build_index(corpus, synonyms=synonyms))
    result = search(index, "中央电视台")
    assert sorted(ids(result)) == ["cctv", "other"]
    assert "<mark>央视</mark>" in " ".join(result["hits"][ids(result).index("cctv")]["passages"])


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_pages_are_slices_of_one_ranking(mixed_index: Settings, sort: str) -> None:
    """Deep pages rank past the first window the same way as one big page does."""
    index = SearchIndex(mixed_index)
    paged = [
        hit
        for page in range(1, 5)
        for hit in index.search(SearchRequest(q="公益", sort=sort, page=page, size=10))["hits"]
    ]
    whole = index.search(SearchRequest(q="公益", sort=sort, size=40))["hits"]
    assert [h["id"] for h in paged] == [h["id"] for h in whole]
    assert len({h["id"] for h in paged}) == 40
    if sort == "date":
        days = [h["date"] or "" for h in paged]
        assert days == sorted(days, reverse=True)
    else:
        scores = [h["score"] for h in paged]
        assert scores == sorted(scores, reverse=True)


def test_ranking_is_largest_first_with_ties_in_index_order_past_the_window() -> None:
    keys = np.array([1.0, 3.0, 3.0, 2.0, 3.0, 0.0, 2.0])
    assert list(ranked(keys, 2)) == [1, 2, 4, 3, 6, 0, 5]  # the window takes every tie
    assert list(ranked(keys, 10)) == [1, 2, 4, 3, 6, 0, 5]
    assert list(ranked(np.zeros(0), 3)) == []


def test_answers_have_the_keys_of_their_named_types_in_order(seed_index: SearchIndex) -> None:
    """The types in indexer/results.py are what the JSON API sends, key for key."""
    result = search(seed_index, "张羽")
    assert list(result) == list(SearchResult.__annotations__)
    assert list(result["hits"][0]) == list(Hit.__annotations__)
    assert list(result["filters"]) == list(Filters.__annotations__)
    assert list(result["words"]) == list(WordMatches.__annotations__)
    doc = seed_index.document(SEED_ID, q="张羽")
    assert list(doc) == list(DocumentPage.__annotations__)
    assert doc["related"] and list(doc["related"][0]) == list(Related.__annotations__)
    assert list(doc["keywords"][0]) == list(Keyword.__annotations__)
    empty = search(seed_index, "张羽 不存在的词语")
    assert empty["suggestions"] and list(empty["suggestions"][0]) == list(
        Suggestion.__annotations__
    )
    assert list(seed_index.stats()) == list(Stats.__annotations__)
