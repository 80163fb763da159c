"""Pinyin: readings of Han words, Latin text typed as pinyin, and searching by sound on a real
index (the sentences below are our own)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import index_records, write_jsonl

from indexer import SearchIndex, SearchRequest, Settings
from indexer.pinyin import SYLLABLES, reading_keys, typed_keys, typed_letters

SENTENCES = {
    "zhangyu-1": "歌手张宇昨晚在重庆开唱，现场座无虚席。",
    "zhangyu-2": "张宇的新专辑在重庆首发。",
    "zhangyu-3": "乐评人说张宇的嗓音依旧。",
    "zhangyu-4": "张宇下个月还将去成都演出。",
    "zhangyu-5": "张羽表示，互联网公益需要更多人参与。",
    "zhangyu-6": "张羽谈到互联网公益的新做法。",
    "zhangyu-7": "海洋馆新来的章鱼很受孩子欢迎。",
    "zhangyu-8": "章鱼会变色，游客看得入迷。",
    "bank-1": "这家银行推出了面向小微企业的贷款。",
    "bank-2": "两家银行在重庆设立了新的分行。",
    "bank-3": "银行门口排起了长队。",
    "calm-1": "小镇恢复了往日的安宁。",
    "calm-2": "夜深了，村子里一片安宁。",
    "latin-1": "Letter to an old friend, written in English by a visitor.",
    "latin-2": "An open day at the library drew many readers.",
    "latin-3": "She wrote an essay about the river.",
    "latin-4": "It was an honour to meet the team.",
    "latin-5": "Dang Thi Lan visited the museum with her class.",
}


def records() -> list[dict[str, str]]:
    return [{"id": key, "title": f"稿件{key}", "body": text} for key, text in SENTENCES.items()]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    folder = tmp_path_factory.mktemp("pinyin")
    settings = index_records(folder, records())
    return SearchIndex(settings)


def ids(result: dict) -> set[str]:
    return {hit["id"] for hit in result["hits"]}


# -- readings ------------------------------------------------------------------------------


def test_heteronyms_are_read_as_the_word_is() -> None:
    assert reading_keys("重庆") == ({"chongqing"}, {"cq"})
    assert reading_keys("银行") == ({"yinhang"}, {"yh"})


def test_a_character_outside_a_phrase_brings_its_other_readings() -> None:
    full, initials = reading_keys("张羽")
    assert {"zhangyu", "zhanghu"} <= full
    assert "zy" in initials


def test_non_han_words_have_no_reading() -> None:
    assert reading_keys("iphone") == (frozenset(), frozenset())
    assert reading_keys("5g") == (frozenset(), frozenset())


@pytest.mark.parametrize(
    ("typed", "keys"),
    [
        ("zhangyu", ("zhangyu", None)),
        ("zhang yu", ("zhangyu", None)),
        ("zhāng yǔ", ("zhangyu", None)),
        ("ZhangYu", ("zhangyu", None)),
        ("ｚｈａｎｇｙｕ", ("zhangyu", None)),
        ("xi'an", ("xian", None)),
        ("lǜse", ("lvse", None)),
        ("hlw", (None, "hlw")),
        ("zy", (None, "zy")),
        ("an", ("an", "an")),
        ("dang", ("dang", "dang")),
        ("iPhone", (None, None)),
        ("5G", (None, None)),
        ("covid", (None, None)),
        ("张羽", (None, None)),
        ("zhangyuxyz", (None, None)),
    ],
)
def test_typed_keys(typed: str, keys: tuple[str | None, str | None]) -> None:
    assert typed_keys(typed) == keys


def test_typed_letters_are_a_prefix_however_far_typed() -> None:
    assert typed_letters("Zhāng y") == "zhangy"
    assert typed_letters("张") is None
    assert typed_letters("5g") is None


# -- searching by sound --------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["zhangyu", "zhang yu", "zhāng yǔ", "Zhang Yu"])
def test_full_pinyin_searches_the_words_it_reads_as(index: SearchIndex, typed: str) -> None:
    result = index.search(SearchRequest(q=typed))
    reading = result["pinyin"]
    assert reading is not None
    assert reading["typed"] == typed
    assert reading["words"][0] == "张宇"  # the most frequent reading first
    assert set(reading["words"]) == {"张宇", "张羽", "章鱼"}
    assert reading["typed_total"] == 0
    assert ids(result) == {f"zhangyu-{n}" for n in range(1, 9)}
    assert result["query"] == typed
    assert all("<mark>" in "".join(hit["passages"]) for hit in result["hits"])


@pytest.mark.parametrize(
    ("typed", "word", "found"),
    [
        ("chongqing", "重庆", {"zhangyu-1", "zhangyu-2", "bank-2"}),
        ("yinhang", "银行", {"bank-1", "bank-2", "bank-3"}),
        ("hlw", "互联网", {"zhangyu-5", "zhangyu-6"}),
    ],
)
def test_heteronyms_and_initials_find_their_words(
    index: SearchIndex, typed: str, word: str, found: set[str]
) -> None:
    result = index.search(SearchRequest(q=typed))
    assert result["pinyin"] is not None and result["pinyin"]["words"] == [word]
    assert ids(result) == found


def test_wrong_readings_of_heteronyms_find_nothing(index: SearchIndex) -> None:
    for typed in ("zhongqing", "yinxing"):
        result = index.search(SearchRequest(q=typed))
        assert result["pinyin"] is None and result["total"] == 0


def test_several_words_each_read_as_pinyin(index: SearchIndex) -> None:
    result = index.search(SearchRequest(q="hulianwang gongyi"))
    assert result["pinyin"] is not None
    assert result["pinyin"]["words"] == ["互联网", "公益"]
    assert ids(result) == {"zhangyu-5", "zhangyu-6"}


def test_a_latin_word_of_the_archive_keeps_its_meaning(index: SearchIndex) -> None:
    """ "an" is pinyin (initials of 安宁) but an English word of the archive here; so is the
    name Dang (a syllable no word of 2 characters reads as)."""
    for typed in ("an", "dang"):
        result = index.search(SearchRequest(q=typed))
        as_typed = index.search(SearchRequest(q=typed, pinyin=False))
        assert result["pinyin"] is None
        assert ids(result) == ids(as_typed) and result["total"] == as_typed["total"] > 0


def test_a_latin_word_the_archive_does_not_hold_is_read(
    build_index: Callable[..., Settings], tmp_path: Path
) -> None:
    """The same "an" in an archive without it: read as 安宁."""
    kept = [r for r in records() if not r["id"].startswith("latin")]
    index = SearchIndex(build_index(write_jsonl(tmp_path / "corpus" / "items.jsonl", kept)))
    result = index.search(SearchRequest(q="an"))
    assert result["pinyin"] is not None and result["pinyin"]["words"] == ["安宁"]
    assert result["pinyin"]["typed_total"] == 0
    assert ids(result) == {"calm-1", "calm-2"}
    assert index.search(SearchRequest(q="an", pinyin=False))["total"] == 0


@pytest.mark.parametrize(("han_items", "read"), [(4, False), (11, True)])
def test_whole_syllables_of_the_archive_are_read_only_when_far_rarer(
    build_index: Callable[..., Settings], tmp_path: Path, han_items: int, read: bool
) -> None:
    """Chongqing written in one English item: kept, unless 重庆 is in over ten times as many."""
    items = [{"id": "english", "title": "A visit", "body": "We flew to Chongqing in May."}]
    items += [
        {"id": f"han-{n}", "title": f"稿件{n}", "body": f"重庆第{n}场雨下了一夜。"}
        for n in range(han_items)
    ]
    index = SearchIndex(build_index(write_jsonl(tmp_path / "corpus" / "items.jsonl", items)))
    result = index.search(SearchRequest(q="chongqing"))
    assert (result["pinyin"] is not None) == read
    assert result["total"] == (han_items if read else 1)


def test_han_queries_are_never_read_by_sound(index: SearchIndex) -> None:
    result = index.search(SearchRequest(q="张羽"))
    assert result["pinyin"] is None
    assert ids(result) == {"zhangyu-5", "zhangyu-6"}  # not 张宇 nor 章鱼


def test_syntax_and_mixed_queries_are_not_read(index: SearchIndex) -> None:
    for typed in ("zhangyu OR gongyi", "张羽 gongyi", "title:zhangyu", "5g"):
        assert index.search(SearchRequest(q=typed))["pinyin"] is None


def test_the_syllables_typed_pinyin_is_read_by_are_those_of_pypinyin() -> None:
    from pypinyin.pinyin_dict import pinyin_dict

    from indexer.pinyin import _char_readings

    assert {s for code in pinyin_dict for s in _char_readings(chr(code))} == SYLLABLES
