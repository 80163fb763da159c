"""The vocabulary built with the index and the completions read from it: ranking, folding,
pinyin prefixes, the precomputed answers of common prefixes, and reindexing (our own words)."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from unittest.mock import patch

import pytest
from conftest import index_records, write_jsonl
from hypothesis import given
from hypothesis import settings as run_settings
from hypothesis import strategies as st
from test_pinyin import records as pinyin_records

from indexer import SearchIndex, Settings, sync, vocabulary
from indexer.errors import QueryError
from indexer.store import IndexStore
from indexer.vocabulary import SCAN_ROWS, Row, files

# Titles of one family, so that a prefix is shared by more entries than a look-up may scan.
FAMILY = SCAN_ROWS + 40
TWINS = {"甲": 5, "乙": 4, "丙": 3}  # titles shared by several items: counts 5, 4, 3


def family_records() -> list[dict[str, str]]:
    found = [
        {"id": f"family-{n}", "title": f"测试标题{n}号", "body": "本期内容从略。"}
        for n in range(FAMILY)
    ]
    found += [
        {"id": f"twin-{name}-{k}", "title": f"测试标题{name}", "body": "同名的稿件。"}
        for name, count in TWINS.items()
        for k in range(count)
    ]
    return found


def records() -> list[dict[str, str]]:
    return [
        *pinyin_records(),
        {
            "id": "gy-1",
            "title": "公益周报",
            "body": "公益机构公开了年度报告。iPhone 用户也能捐款。",
        },
        {"id": "gy-2", "title": "公益周报", "body": "这家公司参与了公益项目。"},
        {"id": "gy-3", "title": "社区动态", "body": "社区公益活动吸引了居民。"},
        {"id": "gy-4", "title": "基金会账目说明", "body": "基金会公开账目。"},
        *family_records(),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("vocabulary")
    settings = index_records(folder, records())
    return settings


@pytest.fixture(scope="module")
def index(built: Settings) -> SearchIndex:
    return SearchIndex(built)


def offered(index: SearchIndex, typed: str) -> list[tuple[str, int, str]]:
    return [(c["text"], c["count"], c["kind"]) for c in index.suggest(typed)["completions"]]


def vocabulary_file(settings: Settings) -> Path:
    store = IndexStore(settings.index_dir)
    found = files(store.path(store.require_current()))
    assert len(found) == 1
    return found[0][1]


def test_completions_are_ranked_by_items(index: SearchIndex) -> None:
    found = offered(index, "公")
    assert found[:2] == [("公益", 5, "word"), ("公开", 2, "word")]
    counts = [count for _, count, _ in found]
    assert counts == sorted(counts, reverse=True)
    assert ("公益周报", 2, "title") in found
    assert len(found) <= 8


def test_titles_complete_as_a_reader_reads_them(index: SearchIndex) -> None:
    assert offered(index, "公益周") == [("公益周报", 2, "title")]


def test_traditional_and_full_width_input_are_folded(index: SearchIndex) -> None:
    assert offered(index, "銀行")[0] == ("银行", 3, "word")
    assert offered(index, "ｇｏｎｇｙ")[0] == ("公益", 5, "pinyin")


def test_pinyin_prefixes_and_initials(index: SearchIndex) -> None:
    assert offered(index, "zhangy")[:3] == [
        ("张宇", 4, "pinyin"),
        ("张羽", 2, "pinyin"),
        ("章鱼", 2, "pinyin"),
    ]
    assert offered(index, "zhāng yǔ")[0] == ("张宇", 4, "pinyin")
    assert ("互联网", 2, "pinyin") in offered(index, "hlw")
    assert offered(index, "chongq")[0] == ("重庆", 3, "pinyin")


def test_words_in_one_item_are_not_read_by_sound(index: SearchIndex) -> None:
    """Pinyin keys only for words in at least two items: 公司 (one item) is no pinyin."""
    assert ("公司", 1, "word") in offered(index, "公司")
    assert all(text != "公司" for text, _, _ in offered(index, "gongsi"))


def test_a_common_prefix_answers_from_its_stored_best(index: SearchIndex, built: Settings) -> None:
    with sqlite3.connect(vocabulary_file(built)) as db:
        stored = db.execute("SELECT count(*) FROM top WHERE prefix = '测试'").fetchone()[0]
    assert stored == 8  # more than SCAN_ROWS entries start with it
    found = offered(index, "测试")
    assert found[0] == ("测试", FAMILY + sum(TWINS.values()), "word")
    assert found[1:4] == [(f"测试标题{name}", count, "title") for name, count in TWINS.items()]
    assert len(found) == 8
    assert offered(index, "测试标题甲") == [("测试标题甲", 5, "title")]  # a short scan


def test_empty_and_unknown_prefixes(index: SearchIndex) -> None:
    assert index.suggest("")["completions"] == []
    assert index.suggest("   ")["completions"] == []
    assert index.suggest("鑫鑫鑫")["completions"] == []
    assert index.suggest("qqqqzzzz")["completions"] == []


def test_too_long_a_prefix_is_refused(index: SearchIndex) -> None:
    with pytest.raises(QueryError):
        index.suggest("公" * 300)


def test_reindex_keeps_the_vocabulary_up_to_date(
    build_index: Callable[..., Settings], tmp_path: Path
) -> None:
    feed = write_jsonl(tmp_path / "corpus" / "items.jsonl", records())
    settings = build_index(feed)
    index = SearchIndex(settings)
    first = vocabulary_file(settings)
    assert offered(index, "量子") == offered(index, "liangzi") == []
    assert ("基金会账目说明", 1, "title") in offered(index, "基金会账")

    before = (first.stat().st_ino, first.stat().st_mtime_ns)
    sync(settings, [feed])  # nothing changed: the vocabulary is not rebuilt
    assert vocabulary_file(settings) == first
    assert (first.stat().st_ino, first.stat().st_mtime_ns) == before

    changed = [r for r in records() if r["id"] != "gy-4"] + [
        {"id": "new-1", "title": "量子通信新进展", "body": "量子通信实验取得突破。"},
        {"id": "new-2", "title": "科技简讯", "body": "研究人员谈量子通信的应用。"},
    ]
    write_jsonl(feed, changed)
    report = sync(settings, [feed])
    assert (report.added, report.deleted) == (2, 1)
    assert vocabulary_file(settings) != first and not first.exists()
    assert ("量子", 2, "word") in offered(index, "量子")
    assert ("量子通信新进展", 1, "title") in offered(index, "量子")
    assert ("量子", 2, "pinyin") in offered(index, "liangzi")
    assert offered(index, "zhangy")[0] == ("张宇", 4, "pinyin")  # readings reused
    assert offered(index, "基金会账") == []


def test_a_lost_vocabulary_is_rebuilt_by_the_next_run(
    build_index: Callable[..., Settings], tmp_path: Path
) -> None:
    """A run killed between its commit and its vocabulary: the next run, with nothing else to
    do, builds it again (its titles read from the index)."""
    feed = write_jsonl(tmp_path / "corpus" / "items.jsonl", records())
    settings = build_index(feed)
    expected = offered(SearchIndex(settings), "公")
    vocabulary_file(settings).unlink()
    assert offered(SearchIndex(settings), "公") == []
    report = sync(settings, [feed])
    assert report.unchanged == len(records())
    assert offered(SearchIndex(settings), "公") == expected


def _tables(path: Path) -> dict[str, list[tuple]]:
    with sqlite3.connect(path) as db:
        return {
            table: sorted(db.execute(f"SELECT * FROM {table}").fetchall())
            for table in ("entries", "top", "titles", "readings")
        }


@pytest.mark.parametrize("optimize", [True, False], ids=["merged", "segment-added"])
def test_a_patched_vocabulary_is_what_a_whole_write_gives(
    build_index: Callable[..., Settings], tmp_path: Path, optimize: bool
) -> None:
    """A reindex copies the last vocabulary and changes what its run changed; the file is the
    one written whole from the index afterwards: counts up and down, words gone and new, words
    that start or stop being read by sound, titles that change key, heavy prefixes' best; with
    the old segments merged into one (counts drop with deletions) and with a segment added
    (deleted items count until a merge)."""
    feed = write_jsonl(tmp_path / "corpus" / "items.jsonl", records())
    settings = build_index(feed)
    first = _tables(vocabulary_file(settings))
    gone = {"gy-2", "twin-甲-0", "family-3"}  # 公益 3 items to 2, 周报 2 to 1; a twin title
    changed = [r for r in records() if r["id"] not in gone]
    changed += [
        {"id": "new-1", "title": "测试标题乙", "body": "基金会账目的量子说明。"},  # a twin more
        {"id": "new-2", "title": "量子通信新进展", "body": "量子通信实验取得突破。"},
    ]
    for record in changed:
        if record["id"] == "gy-3":
            record["title"] = "社区公益动态"  # a title leaving its key for a new one
        if record["id"] == "gy-4":
            record["body"] = "基金会没有公开账目。"
    write_jsonl(feed, changed)
    report = sync(settings, [feed], optimize=optimize)
    assert (report.added, report.updated, report.deleted) == (2, 2, 3)
    patched = vocabulary_file(settings)
    tables = _tables(patched)
    assert tables != first
    assert ("量子", "", "量子", 2, "word") in tables["entries"]
    assert ("liangzi", "f", "量子", 2, "pinyin") in tables["entries"]
    read_as_zhoubao = [row for row in tables["entries"] if row[2] == "周报" and row[4] == "pinyin"]
    assert bool(read_as_zhoubao) is not optimize  # 周报 in 1 item, or 2 with the deleted one

    patched.unlink()  # the next run, with nothing to index, writes it whole from the index
    assert sync(settings, [feed]).unchanged == len(changed)
    assert _tables(vocabulary_file(settings)) == tables


def _top_of(rows: set[Row]) -> list[tuple]:
    return sorted(vocabulary._heavy_prefixes(sorted(rows, key=vocabulary._table_order)))


# Entries over a small alphabet, so that prefixes are shared by many of them (heavy past a few
# entries in this test), and counts from a small range, so that ties on the count are decided
# by kind, length and the table's order.
_ENTRY = st.tuples(
    st.text(alphabet="ab", min_size=1, max_size=6),
    st.sampled_from(["", "f", "i"]),
    st.text(alphabet="甲乙丙丁", min_size=1, max_size=3),
    st.integers(min_value=1, max_value=5),
    st.sampled_from(vocabulary.KINDS),
)


@run_settings(max_examples=150, deadline=None)
@given(
    base=st.lists(_ENTRY, min_size=10, max_size=120),
    dropped=st.lists(st.integers(min_value=0), max_size=30),
    recounted=st.lists(st.tuples(st.integers(min_value=0), st.integers(1, 5)), max_size=30),
    new=st.lists(_ENTRY, max_size=40),
)
def test_patched_best_completions_are_those_found_from_all_entries(
    base: list[Row], dropped: list[int], recounted: list[tuple[int, int]], new: list[Row]
) -> None:
    """_patch_top, told what a run removed and added, leaves every heavy prefix's best as
    _heavy_prefixes finds them from all entries: prefixes that become heavy or stop being,
    best entries removed, counts up and down, ties (heavy past 6 entries here, prefixes of at
    most 3 characters, so that a few dozen entries hold all cases)."""
    rows = {vocabulary._entry_id(r): r for r in base}
    before = set(rows.values())
    ids = sorted(rows)
    for at in dropped:
        rows.pop(ids[at % len(ids)], None)
    for at, items in recounted:
        if (entry_id := ids[at % len(ids)]) in rows:
            key, reading, text, _, kind = rows[entry_id]
            rows[entry_id] = (key, reading, text, items, kind)
    for row in new:
        rows.setdefault(vocabulary._entry_id(row), row)
    after = set(rows.values())
    with (
        patch.object(vocabulary, "SCAN_ROWS", 6),
        patch.object(vocabulary, "LONGEST_PREFIX", 3),
        sqlite3.connect(":memory:") as db,
    ):
        db.executescript(vocabulary._SCHEMA)
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", after)
        db.executemany("INSERT INTO top VALUES (?, ?, ?, ?, ?, ?, ?)", _top_of(before))
        vocabulary._patch_top(db, before - after, after - before)
        assert sorted(db.execute("SELECT * FROM top")) == _top_of(after)
