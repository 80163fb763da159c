"""Corpus loading: every format and encoding in, every bad item reported and skipped."""

import json
from pathlib import Path

import pytest
from conftest import SHARED_CORPUS, needs_shared, write_jsonl

from indexer.dates import parse_date
from indexer.errors import CorpusError
from indexer.loader import CorpusReader


def read(*paths: Path, **kwargs: object) -> tuple[list, CorpusReader]:
    reader = CorpusReader(list(paths), **kwargs)
    return list(reader.documents()), reader


def reasons(reader: CorpusReader) -> dict[str, str]:
    return {Path(p.path).name + (f":{p.line}" if p.line else ""): p.reason for p in reader.problems}


def test_txt_title_body_and_id_from_the_relative_path(tmp_path: Path) -> None:
    (tmp_path / "2019" / "11").mkdir(parents=True)
    (tmp_path / "2019" / "11" / "speech.txt").write_text("\n\n标题\n\n第一段\n第二段\n\n", "utf-8")
    docs, reader = read(tmp_path)
    assert [(d.id, d.title, d.body) for d in docs] == [("2019/11/speech", "标题", "第一段\n第二段")]
    assert not reader.problems


@pytest.mark.parametrize(
    ("data", "title"),
    [
        ("标题\n正文".encode("utf-8-sig"), "标题"),
        ("标题\n正文".encode("gb18030"), "标题"),
        ("標題\n正文".encode("big5").decode("big5").encode("gb18030"), "標題"),
        ("标题\n正文".encode("utf-16"), "标题"),
    ],
)
def test_encodings(tmp_path: Path, data: bytes, title: str) -> None:
    (tmp_path / "a.txt").write_bytes(data)
    docs, reader = read(tmp_path)
    assert [d.title for d in docs] == [title] and not reader.problems


def test_jsonl_and_json_with_metadata_and_dates(tmp_path: Path) -> None:
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": 1, "title": "甲", "body": "正文", "date": "2019年11月20日", "province": "浙江"},
            {"id": "b", "title": "乙", "body": "正文", "date": "2020-03-05T08:00:00", "url": "u"},
        ],
    )
    (tmp_path / "c.json").write_text(
        json.dumps([{"id": "c", "title": "丙", "body": "正文", "source": "新华社"}]), "utf-8"
    )
    docs, reader = read(tmp_path)
    by_id = {d.id: d for d in docs}
    assert by_id["1"].date.isoformat() == "2019-11-20" and by_id["1"].metadata == {
        "province": "浙江"
    }
    assert by_id["b"].date.isoformat() == "2020-03-05" and by_id["b"].url == "u"
    assert by_id["c"].source == "新华社" and not reader.problems


def test_unreadable_date_keeps_the_document_with_a_warning(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "title": "t", "body": "b", "date": "去年"}])
    docs, reader = read(tmp_path)
    assert docs[0].date is None
    assert not reader.problems[0].skipped and "unreadable date" in reader.problems[0].reason


def test_every_bad_kind_is_reported_and_the_good_file_kept(tmp_path: Path) -> None:
    (tmp_path / "good.txt").write_text("好标题\n好正文", "utf-8")
    (tmp_path / "undecodable.txt").write_bytes(b"\xff\xfe\xfa\xfb\x81\x30" * 3 + b"\x80")
    (tmp_path / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_text("\n  \n", "utf-8")
    (tmp_path / "title-only.txt").write_text("只有标题\n\n", "utf-8")
    (tmp_path / "big.txt").write_text("标题\n" + "字" * 2000, "utf-8")
    (tmp_path / "notes.md").write_text("# not a document", "utf-8")
    (tmp_path / "records.jsonl").write_text(
        '{"id": "j1", "title": "t", "body": "b"}\n'
        "{not json}\n"
        '{"title": "no id", "body": "b"}\n'
        '{"id": "j1", "title": "again", "body": "b"}\n'
        '{"id": "j2", "title": "t", "body": "  "}\n'
        "[1, 2]\n",
        "utf-8",
    )
    docs, reader = read(tmp_path, max_file_bytes=1000)
    assert sorted(d.id for d in docs) == ["good", "j1"]
    found = reasons(reader)
    assert "undecodable bytes" in found["undecodable.txt"]
    assert "binary file" in found["binary.txt"]
    assert found["empty.txt"] == "empty file"
    assert "empty file" in found["blank.txt"]
    assert "empty body" in found["title-only.txt"]
    assert "over the" in found["big.txt"] and "SPEECHSEARCH_MAX_FILE_MB" in found["big.txt"]
    assert "malformed JSON line" in found["records.jsonl:2"]
    assert found["records.jsonl:3"] == "missing id"
    assert "duplicate id" in found["records.jsonl:4"]
    assert found["records.jsonl:5"] == "empty body"
    assert "not a JSON object" in found["records.jsonl:6"]
    assert "notes.md" not in found, "unknown extensions are ignored quietly"
    assert all(p.skipped for p in reader.problems)
    _, verbose = read(tmp_path, max_file_bytes=1000, verbose=True)
    assert "unknown file type" in reasons(verbose)["notes.md"]


def test_missing_corpus_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="does not exist"):
        read(tmp_path / "nowhere")


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2019-11-20", "2019-11-20"),
        ("2019-11-20T08:30:00+08:00", "2019-11-20"),
        ("2019年11月20日", "2019-11-20"),
        ("20191120", "2019-11-20"),
        ("2019-02-30", None),
        ("昨天", None),
        ("", None),
        (None, None),
    ],
)
def test_dates(value: object, iso: str | None) -> None:
    day = parse_date(value)
    assert (day.isoformat() if day else None) == iso


@needs_shared
def test_every_shared_corpus_loads_and_reports_empty_bodies_by_id() -> None:
    docs, reader = read(SHARED_CORPUS)
    counts: dict[str, int] = {}
    for doc in docs:
        counts[Path(doc.path).parent.name] = counts.get(Path(doc.path).parent.name, 0) + 1
    skipped = [p for p in reader.problems if p.skipped]
    empty = {p.doc_id for p in skipped if p.reason == "empty body"}
    cctv_empty = {i for i in empty if i.startswith("xwlb-")}
    sogou_empty = {i for i in empty if i.startswith("sogouca-")}
    assert len(cctv_empty) == 12 and len(sogou_empty) == 34
    assert counts["cctv-xwlb-2022-2026"] == 24102 - 12
    assert counts["provincial-gov-work-reports-2026"] == 31
    assert counts["chinanews-sohu-01joy"] + counts["sogouca-smarty-sample"] == 3593 + 200 - 34
    assert {p.reason for p in skipped} == {"empty body"}
