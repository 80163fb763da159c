"""Words before characters: items that use a typed word as a word rank above items where its
characters only meet across two words; mixed Latin/number runs find their items."""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from conftest import write_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer import SearchIndex, SearchRequest, Settings, sync
from indexer.normalize import fold
from webui import create_app

WORDS_CORPUS = Path(__file__).parent / "data" / "words.jsonl"


@pytest.fixture(scope="module")
def words_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """The small corpus that ships with the tests (tests/data/words.jsonl), plus enough items
    holding 到, 5日 and 下午 apart that the one holding 到5日下午 is not among the best by
    BM25 alone."""
    folder = tmp_path_factory.mktemp("words")
    filler = [
        {
            "id": f"filler-{n}",
            "title": "下午的会议",
            "body": "截止到。星期日下午开会。每月5日发放。来自。8月1日起实施。" * (n % 3 + 1),
        }
        for n in range(40)
    ]
    filler.append({"id": "exact-run", "title": "通知", "body": "活动持续到5日下午，自8日起恢复。"})
    write_jsonl(folder / "corpus" / "filler.jsonl", filler)
    (folder / "corpus" / "words.jsonl").write_bytes(WORDS_CORPUS.read_bytes())
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [folder / "corpus"])
    return SearchIndex(settings)


def _search(index: SearchIndex, q: str, **options: object) -> dict:
    return index.search(SearchRequest(q=q, size=50, **options))


def _ids(result: dict) -> list[str]:
    return [hit["id"] for hit in result["hits"]]


def test_word_use_ranks_above_characters_that_straddle_two_words(words_index):
    result = _search(words_index, "华为")
    ids = _ids(result)
    assert set(ids) == {"huawei-phone", "huawei-visit", "huawei-appoint"}
    assert ids[0] == "huawei-phone"
    assert [hit["words"] for hit in result["hits"]] == [True, False, False]
    assert result["words"] == {"checked": ["华为"], "total": 1, "straddle": 2}


def test_gas_pipeline_straddles_trachea(words_index):
    result = _search(words_index, "气管")
    assert _ids(result) == ["trachea", "gas-pipe"]
    assert [hit["words"] for hit in result["hits"]] == [True, False]


def test_match_words_hides_straddles_and_counts_that_tier(words_index):
    result = _search(words_index, "华为", match="words")
    assert _ids(result) == ["huawei-phone"]
    assert result["total"] == 1
    assert result["match"] == "words"
    assert sum(f["count"] for f in result["facets"]["source"]) == 1


def test_marks_tell_straddles_apart(words_index):
    hits = {hit["id"]: hit for hit in _search(words_index, "华为")["hits"]}
    assert "<mark>华为</mark>公司" in hits["huawei-phone"]["passages"][0]
    assert '访<mark class="straddle">华为</mark>契机' in hits["huawei-visit"]["passages"][0]


def test_document_page_counts_straddles_and_lists_keywords(words_index):
    page = words_index.document("huawei-phone", q="华为")
    assert page["marks"] == 2 and page["straddles"] == 0  # the body's two
    visit = words_index.document("huawei-visit", q="华为")
    assert visit["marks"] == 1 and visit["straddles"] == 1
    words = [k["word"] for k in page["keywords"]]
    assert 1 <= len(words) <= 8
    assert "华为" in words  # twice in the item, in few others
    assert all(len(w) > 1 for w in words)


def test_related_documents_share_distinctive_words(words_index):
    related = [r["id"] for r in words_index.document("huawei-phone")["related"]]
    assert related and related[0] not in ("huawei-phone",)


def test_presegmented_name_is_still_found(words_index):
    assert "presegmented" in _ids(_search(words_index, "张羽"))
    assert "presegmented" in _ids(_search(words_index, "互联网公益"))


def test_fragment_cut_mid_word_ranks_its_item_first(words_index):
    assert _ids(_search(words_index, "华为契机"))[0] == "huawei-visit"
    assert _ids(_search(words_index, "管道三百"))[0] == "gas-pipe"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("A股", "a-shares"),
        ("a股", "a-shares"),
        ("Ａ股", "a-shares"),
        ("H股", "a-shares"),
        ("确诊病例1737例", "measure-words"),
        ("救援队伍50人", "measure-words"),
        ("科研项目114项", "measure-words"),
        ("贺信等79篇", "measure-words"),
        ("下降约150米", "measure-words"),
        ("航班14230班", "measure-words"),
    ],
)
def test_letters_and_numbers_with_one_han_character(words_index, query, expected):
    assert expected in _ids(_search(words_index, query))


def test_full_width_a_shares_found_by_ascii_query(words_index):
    assert {"a-shares", "a-shares-fullwidth"} <= set(_ids(_search(words_index, "A股")))


@pytest.mark.parametrize("query", ["到5日下午", "自8日起"])
def test_typed_string_in_one_item_comes_first_though_its_parts_are_common(words_index, query):
    result = _search(words_index, query)
    assert result["total"] > 20  # its parts alone match the filler too
    assert _ids(result)[0] == "exact-run"


def test_new_user_dictionary_word_becomes_a_word_after_reindex(tmp_path: Path):
    corpus = write_jsonl(
        tmp_path / "corpus" / "c.jsonl",
        [
            {"id": "uses", "title": "景区", "body": "云栖谷景区今年接待游客超过十万人次。"},
            {"id": "other", "title": "山谷", "body": "白云栖息在谷底的树梢。"},
        ],
    )
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("", encoding="utf-8")
    settings = Settings.from_env(index_dir=tmp_path / "index", procs=1, userdict=userdict)
    sync(settings, [corpus])
    before = SearchIndex(settings).search(SearchRequest(q="云栖谷"))
    assert before["words"]["checked"] == []  # jieba's guess, not a dictionary word: no tiers
    userdict.write_text("云栖谷 10 ns\n", encoding="utf-8")
    assert sync(settings, [corpus]).mode == "rebuild"  # the analyzer configuration changed
    after = SearchIndex(settings).search(SearchRequest(q="云栖谷"))
    assert after["words"]["checked"] == ["云栖谷"]
    assert [(h["id"], h["words"]) for h in after["hits"]] == [("uses", True)]


def test_a_dictionary_word_jieba_cuts_apart_when_typed_alone_still_has_tiers(tmp_path: Path):
    """国强 is in the dictionary, but typed alone jieba cuts it 国/强."""
    corpus = write_jsonl(
        tmp_path / "corpus" / "c.jsonl",
        [
            {"id": "straddle", "title": "表态", "body": "中国强调和平解决争端。"},
            {"id": "word", "title": "古训", "body": "富国强兵是古人的理想。"},
        ],
    )
    settings = Settings.from_env(index_dir=tmp_path / "index", procs=1)
    sync(settings, [corpus])
    result = SearchIndex(settings).search(SearchRequest(q="国强"))
    assert result["words"]["checked"] == ["国强"]
    assert [(h["id"], h["words"]) for h in result["hits"]] == [("word", True), ("straddle", False)]


def test_synonyms_count_as_the_word(tmp_path: Path):
    corpus = write_jsonl(
        tmp_path / "corpus" / "c.jsonl",
        [{"id": "phone", "title": "新品", "body": "这款手机今天上市。"}],
    )
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("手机 移动电话\n", encoding="utf-8")
    settings = Settings.from_env(index_dir=tmp_path / "index", procs=1, synonyms=synonyms)
    sync(settings, [corpus])
    result = SearchIndex(settings).search(SearchRequest(q="移动电话"))
    assert [(h["id"], h["words"]) for h in result["hits"]] == [("phone", True)]


# -- the page and the API ------------------------------------------------------------------


@pytest.fixture(scope="module")
def words_client(words_index: SearchIndex, tmp_path_factory: pytest.TempPathFactory):
    app = create_app(
        {"TESTING": True, "INDEX_DIR": str(words_index.settings.index_dir)},
        instance_path=str(tmp_path_factory.mktemp("instance")),
    )
    return app.test_client()


def test_page_says_where_the_straddles_begin_and_offers_the_switch(words_client):
    text = words_client.get("/?q=华为").get_data(as_text=True)
    assert "其中 1 条按词匹配" in text
    note = text.index("以下 2 条中「华为」只是相邻的字，不是一个词")
    assert text.index("发布新款手机") < note < text.index("外长会谈")
    assert "match=words" in text
    assert text.count('class="hit hit-straddle"') == 2
    words_only = words_client.get("/?q=华为&match=words").get_data(as_text=True)
    assert "外长会谈" not in words_only and "发布新款手机" in words_only
    assert "也看字相邻的结果" in words_only


def test_api_states_the_tier_it_counts(words_client):
    everything = words_client.get("/api/search?q=华为").get_json()
    assert everything["match"] == "all" and everything["total"] == 3
    assert everything["words"] == {"checked": ["华为"], "total": 1, "straddle": 2}
    only = words_client.get("/api/search?q=华为&match=words").get_json()
    assert only["total"] == 1 and [h["id"] for h in only["hits"]] == ["huawei-phone"]
    bad = words_client.get("/api/search?q=华为&match=chars")
    assert bad.status_code == 400 and "match" in bad.get_json()["error"]


def test_document_page_links_its_keywords(words_client):
    page = words_client.get("/doc/huawei-phone").get_data(as_text=True)
    assert "关键词" in page and "/?q=%E5%8D%8E%E4%B8%BA" in page  # 华为, linked to a search
    api = words_client.get("/api/doc/huawei-visit?q=华为").get_json()
    assert api["straddles"] == 1 and api["keywords"]
    shown = words_client.get("/doc/huawei-visit?q=华为").get_data(as_text=True)
    assert "只是相邻的字" in shown and 'class="straddle"' in shown


# -- properties over generated documents ----------------------------------------------------

HAN = "华为公司访问天然气管道中国人民银行发展高质量股份例人项篇"
LATIN = string.ascii_lowercase[:6] + string.digits + "ＡＢ０１２"
_TEXT = st.text(alphabet=HAN + LATIN + " ", min_size=4, max_size=40)


def _runs(text: str) -> list[str]:
    """Runs of text a reader could copy: they start and end on a Han character or the edge of
    a Latin word or number (the index keeps those whole), never on a space."""
    folded = text
    cuts = [
        i
        for i in range(len(folded) + 1)
        if i in (0, len(folded))
        or not (_latin(folded[i - 1]) and _latin(folded[i]))  # not inside a Latin word
    ]
    runs = []
    for a in cuts:
        for b in cuts:
            run = folded[a:b]
            if b > a and run.strip() == run and run.strip():
                runs.append(run)
    return runs


def _latin(char: str) -> bool:
    return fold(char).isascii() and fold(char).isalnum()


def _holds(text: str, run: str) -> bool:
    """Does text hold run where a reader sees it: not inside a longer Latin word or number?"""
    at = text.find(run)
    while at >= 0:
        end = at + len(run)
        cut_before = at > 0 and _latin(text[at - 1]) and _latin(run[0])
        cut_after = end < len(text) and _latin(text[end]) and _latin(run[-1])
        if not (cut_before or cut_after):
            return True
        at = text.find(run, at + 1)
    return False


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(texts=st.lists(_TEXT, min_size=1, max_size=4), data=st.data())
def test_any_copied_run_finds_every_item_holding_it(tmp_path_factory, texts, data):
    """Whatever the mix of Han, Latin, digits, full-width forms and spaces, a run copied from an
    item finds that item and every other item whose text holds it (the word tiers reorder,
    they never remove)."""
    folder = tmp_path_factory.mktemp("prop")
    records = [{"id": f"d{n}", "title": "", "body": t} for n, t in enumerate(texts)]
    (folder / "c.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    settings_ = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings_, [folder / "c.jsonl"])
    index = SearchIndex(settings_)
    source = data.draw(st.sampled_from(records))
    runs = _runs(source["body"])
    if not runs:
        return
    run = data.draw(st.sampled_from(runs))
    found = set(_ids(index.search(SearchRequest(q=run, size=100, facets=False))))
    holding = {r["id"] for r in records if _holds(fold(r["body"]), fold(run))}
    assert holding <= found, (run, holding - found)
    index.close()


def test_presegmented_item_reads_as_text_with_a_switch_to_the_stored_form(words_client):
    hits = words_client.get("/api/search?q=张羽").get_json()["hits"]
    assert "<mark>张羽</mark>谈到互联网公益" in hits[0]["passages"][0]
    page = words_client.get("/doc/presegmented?q=张羽").get_data(as_text=True)
    assert "字节跳动副总裁<mark" in page and "显示存储的原文" in page
    stored = words_client.get("/doc/presegmented?q=张羽&view=stored").get_data(as_text=True)
    assert "字节 跳动 副总裁 <mark" in stored and "按阅读方式显示" in stored


def test_keywords_say_something_new_each(words_index):
    words = [k["word"] for k in words_index.document("huawei-visit")["keywords"]]
    assert words and len(set(words)) == len(words)
    assert not any(a != b and a in b for a in words for b in words)
