"""Corpus loading: every format and encoding in, every bad item reported and skipped."""

import codecs
import json
import os
from pathlib import Path

import pytest
from conftest import SHARED_CORPUS, needs_shared, write_jsonl

from indexer.dates import parse_date
from indexer.errors import CorpusError
from indexer.loader import MAX_INT_DIGITS, MAX_NESTING, CorpusReader


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
    (tmp_path / "notes.rtf").write_text("{\\rtf1 not a document}", "utf-8")
    (tmp_path / "heading-only.md").write_text("# 只有标题\n\n<!-- 注释 -->\n", "utf-8")
    (tmp_path / "markup-only.html").write_text("<p><!-- 注释 --></p><script>x()</script>", "utf-8")
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
    assert "empty body" in found["heading-only.md"]
    assert "no text once its markup is removed" in found["markup-only.html"]
    assert "notes.rtf" not in found, "unknown extensions are ignored quietly"
    assert all(p.skipped for p in reader.problems)
    _, verbose = read(tmp_path, max_file_bytes=1000, verbose=True)
    assert "unknown file type" in reasons(verbose)["notes.rtf"]
    ignored = [p for p in verbose.problems if p.kind == "ignored"]
    assert [Path(p.path).name for p in ignored] == ["notes.rtf"] and not ignored[0].skipped
    assert str(ignored[0]).startswith("ignored: ")
    assert len(verbose.problems) == len(reader.problems) + 1


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
        (20191120, "2019-11-20"),
        (2019112, None),
        (True, None),
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
        if doc.path.endswith(".jsonl"):
            counts[Path(doc.path).parent.name] = counts.get(Path(doc.path).parent.name, 0) + 1
    notes = {d.id: d.title for d in docs if d.path.endswith(".md")}  # README and PROVENANCE
    assert len(notes) == 5 and all(title and "#" not in title for title in notes.values())
    skipped = [p for p in reader.problems if p.skipped]
    empty = {p.doc_id for p in skipped if p.reason == "empty body"}
    cctv_empty = {i for i in empty if i.startswith("xwlb-")}
    sogou_empty = {i for i in empty if i.startswith("sogouca-")}
    assert len(cctv_empty) == 12 and len(sogou_empty) == 34
    assert counts["cctv-xwlb-2022-2026"] == 24102 - 12
    assert counts["provincial-gov-work-reports-2026"] == 31
    assert counts["chinanews-sohu-01joy"] + counts["sogouca-smarty-sample"] == 3593 + 200 - 34
    assert {p.reason for p in skipped} == {"empty body"}


def jsonl(*lines: str) -> str:
    return "".join(line + "\n" for line in lines)


def good(doc_id: str, **extra: object) -> str:
    return json.dumps({"id": doc_id, "title": "标题", "body": "正文", **extra}, ensure_ascii=False)


def nested(levels: int) -> object:
    """A value that nests `levels` levels deep: [[...[1]...]]."""
    value: object = 1
    for _ in range(levels):
        value = [value]
    return value


def test_a_json_number_date_reads_as_its_digits(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "a.jsonl", [{"id": "x", "body": "正文", "date": 20191120}])
    docs, reader = read(tmp_path)
    assert docs[0].date.isoformat() == "2019-11-20" and not reader.problems


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_jsonl_is_decoded_before_it_is_split_into_lines(
    tmp_path: Path, encoding: str
) -> None:
    """ "\n" is two bytes in UTF-16 and 0x0a also occurs inside characters (U+0A4E is 4e 0a)."""
    bom = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}.get(encoding, b"")
    text = jsonl(good("a", note="\u0a4e 上海"), good("b"), "", good("c", date="2020年1月2日"))
    (tmp_path / "u.jsonl").write_bytes(bom + text.replace("\n", "\r\n").encode(encoding))
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["a", "b", "c"] and not reader.problems
    assert docs[0].metadata == {"note": "\u0a4e 上海"} and docs[2].date.isoformat() == "2020-01-02"


def test_a_bad_utf16_line_costs_only_itself(tmp_path: Path) -> None:
    unpaired = "\n".join([good("a"), "x", good("b"), ""]).encode("utf-16-le")
    unpaired = unpaired.replace("x".encode("utf-16-le"), b"\x00\xd8")  # a lone high surrogate
    (tmp_path / "u.jsonl").write_bytes(codecs.BOM_UTF16_LE + unpaired + b"{")  # and cut short
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["a", "b"]
    found = reasons(reader)
    assert "unpaired surrogate" in found["u.jsonl:2"] and "cut short" in found["u.jsonl:4"]


def test_a_long_record_is_skipped_without_being_read_whole(tmp_path: Path) -> None:
    big = good("big", note="字" * 3000)
    (tmp_path / "a.jsonl").write_text(jsonl(good("a"), big, good("b")), "utf-8")
    (tmp_path / "u.jsonl").write_bytes(jsonl(good("c"), big, good("d")).encode("utf-16"))
    docs, reader = read(tmp_path, max_file_bytes=2000)
    assert [d.id for d in docs] == ["a", "b", "c", "d"]
    assert {k: "over the" in v for k, v in reasons(reader).items()} == {
        "a.jsonl:2": True,
        "u.jsonl:2": True,
    }


@pytest.mark.parametrize(
    ("doc_id", "reason"),
    [
        ("a\nb", "control characters"),
        ("a\tb", "control characters"),
        ("nul\x00", "control characters"),
        ("del\x7f", "control characters"),
        ("/etc/passwd", "starts with '/'"),
        (".", "'.' or '..' segment"),
        ("..", "'.' or '..' segment"),
        ("a/../b", "'.' or '..' segment"),
        ("./x", "'.' or '..' segment"),
        ("x/.", "'.' or '..' segment"),
    ],
)
def test_ids_a_link_cannot_carry_are_refused_by_name(
    tmp_path: Path, doc_id: str, reason: str
) -> None:
    records = [{"id": i, "body": "正文"} for i in ("before", doc_id, "x")]
    write_jsonl(tmp_path / "a.jsonl", records)
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["before", "x"]
    (problem,) = reader.problems
    assert problem.skipped and problem.doc_id == doc_id and reason in problem.reason
    assert "change the id" in problem.reason and "\n" not in str(problem)


def test_ids_with_dots_inside_segments_are_fine(tmp_path: Path) -> None:
    ids = ["a.b", "..a", "a/.b/c..", "v1.2/x", "a/b"]
    write_jsonl(tmp_path / "a.jsonl", [{"id": i, "body": "正文"} for i in ids])
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ids and not reader.problems


def test_a_txt_file_whose_id_a_link_cannot_carry_is_refused(tmp_path: Path) -> None:
    (tmp_path / "line\nbreak.txt").write_text("标题\n正文", "utf-8")
    (tmp_path / "ok.txt").write_text("标题\n正文", "utf-8")
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["ok"]
    assert "control characters" in reader.problems[0].reason
    assert "rename the file" in reader.problems[0].reason


def test_nesting_up_to_the_limit_is_kept_deeper_metadata_dropped(tmp_path: Path) -> None:
    """The record is level 1, so a field may nest MAX_NESTING - 1 levels."""
    fits, too_deep = nested(MAX_NESTING - 1), nested(MAX_NESTING)
    write_jsonl(
        tmp_path / "a.jsonl",
        [
            {"id": "fits", "body": "正文", "m": fits},
            {"id": "deep", "body": "正文", "m": too_deep, "province": "浙江"},
            {"id": "after", "body": "正文"},
        ],
    )
    docs, reader = read(tmp_path)
    by_id = {d.id: d for d in docs}
    assert list(by_id) == ["fits", "deep", "after"]
    assert by_id["fits"].metadata == {"m": fits}
    assert by_id["deep"].metadata == {"province": "浙江"}
    (problem,) = reader.problems
    assert (problem.kind, problem.doc_id, problem.line) == ("warning", "deep", 2)
    assert f"{MAX_NESTING + 1} levels deep (at most {MAX_NESTING})" in problem.reason


@pytest.mark.parametrize("levels", [900, 100_000])
def test_json_too_deep_to_decode_costs_its_record_or_field(tmp_path: Path, levels: int) -> None:
    deep = "[" * levels + "]" * levels
    (tmp_path / "a.jsonl").write_text(
        jsonl(
            deep,  # a whole line
            f'{{"id": "t", "body": "正文", "title": {deep}}}',  # a known field
            f'{{"id": "m", "body": "正文", "meta": {deep}, "n": 1}}',  # metadata
            "[" * levels,  # unclosed
            good("after"),
        ),
        "utf-8",
    )
    (tmp_path / "b.json").write_text(f"[{good('j1')}, {deep}, {good('j2', m=1)}]", "utf-8")
    docs, reader = read(tmp_path)
    kept = {"m": {"n": 1}, "after": {}, "j1": {}, "j2": {"m": 1}}
    assert {d.id: d.metadata for d in docs} == kept
    found = reasons(reader)
    assert f"nested {levels:,} levels deep (at most {MAX_NESTING})" in found["a.jsonl:1"]
    assert "field 'title'" in found["a.jsonl:2"] and "flatten it" in found["a.jsonl:2"]
    assert "metadata field 'meta'" in found["a.jsonl:3"] and "dropped it" in found["a.jsonl:3"]
    assert f"nested {levels:,} levels deep" in found["a.jsonl:4"]
    assert f"nested {levels:,} levels deep" in found["b.json:2"]


def test_integers_longer_than_the_limit_cost_their_record(tmp_path: Path) -> None:
    longest, longer = "9" * MAX_INT_DIGITS, "-" + "9" * (MAX_INT_DIGITS + 1)
    (tmp_path / "a.jsonl").write_text(
        jsonl(
            f'{{"id": "fits", "body": "正文", "n": {longest}}}',
            f'{{"id": "over", "body": "正文", "n": {longer}}}',
            f'{{"id": {"1" * 5000}, "body": "正文"}}',
            good("after"),
        ),
        "utf-8",
    )
    (tmp_path / "b.json").write_text(
        f'[{good("j1")}, {{"id": "j", "body": "b", "n": [{longer}]}}, {good("j2")}]', "utf-8"
    )
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["fits", "after", "j1", "j2"]
    assert docs[0].metadata == {"n": int(longest)} and docs[0].content_hash
    found = reasons(reader)
    assert found["a.jsonl:2"] == (
        f"an integer of {MAX_INT_DIGITS + 1:,} digits (at most {MAX_INT_DIGITS:,}): "
        "write it as a string"
    )
    assert "5,000 digits" in found["a.jsonl:3"] and "digits" in found["b.json:2"]


def test_a_bare_huge_integer_in_a_json_list_refuses_the_file(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text(f"[{good('j1')}, {'9' * 5000}]", "utf-8")
    (tmp_path / "c.json").write_text(good("c"), "utf-8")
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["c"] and "5,000 digits" in reasons(reader)["b.json"]


def test_unpaired_surrogate_escapes_are_replaced_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text(
        jsonl(
            '{"id": "s\\ud800", "title": "\\udfff", "body": "正文\\ud83d",'
            ' "m\\udc00": ["\\ud800"]}',
            '{"id": "pair", "body": "\\ud83d\\ude00 and \\\\ud800 as text"}',
        ),
        "utf-8",
    )
    docs, reader = read(tmp_path)
    first, second = docs
    assert (first.id, first.title, first.body) == ("s\ufffd", "\ufffd", "正文\ufffd")
    assert first.metadata == {"m\ufffd": ["\ufffd"]} and first.content_hash
    assert second.body == "\U0001f600 and \\ud800 as text"
    (problem,) = reader.problems
    assert problem.kind == "warning" and "U+FFFD" in problem.reason


def test_a_file_name_that_is_not_utf8_gets_a_safe_id(tmp_path: Path) -> None:
    folder = os.fsencode(tmp_path)
    with open(folder + b"/bad\xffname.txt", "wb") as f:
        f.write("标题\n正文".encode())
    with open(folder + b"/\xe4\xb8.jsonl", "wb") as f:
        f.write(good("j").encode())
    docs, reader = read(tmp_path)
    assert [(d.id, Path(d.path).name) for d in docs] == [
        ("bad\\xffname", "bad\\xffname.txt"),
        ("j", "\\xe4\\xb8.jsonl"),
    ]
    assert all(d.content_hash and d.path.encode("utf-8") for d in docs)
    assert [(p.kind, "not valid UTF-8" in p.reason) for p in reader.problems] == [
        ("warning", True)
    ] * 2


def test_files_deleted_during_a_run_are_warnings(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        (tmp_path / f"{name}.txt").write_text("标题\n正文", "utf-8")
    (tmp_path / "d.jsonl").write_text(good("d"), "utf-8")
    (tmp_path / "e.json").write_text(good("e"), "utf-8")
    reader = CorpusReader([tmp_path])
    documents = reader.documents()
    assert next(documents).id == "a"
    for name in ("b.txt", "d.jsonl", "e.json"):
        (tmp_path / name).unlink()
    assert [d.id for d in documents] == ["c"]
    assert [(Path(p.path).name, p.kind) for p in reader.problems] == [
        ("b.txt", "warning"),
        ("d.jsonl", "warning"),
        ("e.json", "warning"),
    ]
    assert all("vanished during the run" in p.reason for p in reader.problems)
    assert not reader.files_with_errors


def test_links_and_pipes_are_reported_not_read(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("标题\n正文", "utf-8")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(tmp_path / "pipe.jsonl")
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["ok"]
    found = {Path(p.path).name: p for p in reader.problems}
    assert found["dangling.txt"].kind == "warning"
    assert "broken symbolic link" in found["dangling.txt"].reason
    assert found["pipe.jsonl"].skipped and "not a regular file" in found["pipe.jsonl"].reason


def test_an_unlistable_folder_is_reported_and_its_documents_count_as_errors(
    tmp_path: Path,
) -> None:
    """A path past PATH_MAX cannot be listed, as an unreadable folder cannot (as root, the only
    way to make one here)."""
    (tmp_path / "ok.txt").write_text("标题\n正文", "utf-8")
    deep = tmp_path / "deep"
    deep.mkdir()
    fd = os.open(deep, os.O_RDONLY)
    try:
        for _ in range(20):  # 20 x 250 characters: beyond PATH_MAX (4096)
            os.mkdir("d" * 250, dir_fd=fd)
            inner = os.open("d" * 250, os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    docs, reader = read(tmp_path)
    assert [d.id for d in docs] == ["ok"]
    (problem,) = reader.problems
    assert problem.skipped and "cannot list the folder" in problem.reason
    unlisted = Path(problem.path)
    assert reader.had_errors(str(unlisted / "d" / "x.txt")) and not reader.had_errors(
        str(tmp_path / "ok.txt")
    )


def test_a_reindex_skips_known_lines_unparsed_and_reads_changed_ones(tmp_path: Path) -> None:
    """A JSONL line an index holds as it is comes back as its id and fingerprint only (no
    parsing, no markup cleaning); an edited line, even in spacing alone, is read again, and a
    repeat of a known line is still a duplicate."""
    records = [{"id": f"n{n}", "title": f"标题{n}", "body": f"**正文** 第{n}段"} for n in range(3)]
    feed = write_jsonl(tmp_path / "feed.jsonl", records)
    first = {doc.id: doc for doc in CorpusReader([feed]).documents()}
    assert first["n0"].body == "正文 第0段"  # markup cleaned on the first read

    lines = feed.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace(", ", ",  ", 1)  # the same record, written differently
    feed.write_text("\n".join([*lines, lines[2]]) + "\n", encoding="utf-8")
    again = CorpusReader([feed], known={i: d.content_hash for i, d in first.items()})
    docs = {doc.id: doc for doc in again.documents()}

    assert docs["n0"].content_hash == first["n0"].content_hash and docs["n0"].body == ""
    assert docs["n1"].content_hash != first["n1"].content_hash
    assert docs["n1"].body == "正文 第1段"
    assert [p.reason for p in again.problems] == [
        f"duplicate id, first seen in {feed}:3; kept the first"
    ]
