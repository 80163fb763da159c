"""Hostile corpora as an operator meets them: real files in temp folders, real indexes, the real
`index` and `reindex` commands. A bad record or file costs itself alone: the run exits 0 with
everything else indexed and says what was wrong, with one writer process or two."""

from __future__ import annotations

import codecs
import json
import os
import resource
import signal
import string
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import write_jsonl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_reindex import children, command_env, news, record, reindex_command, write_news

from indexer import CorpusReader, Settings, sync
from indexer.documents import Document
from indexer.indexing import storable_fields
from indexer.loader import MAX_INT_DIGITS, MAX_NESTING
from indexer.store import IndexStore


def run(command: str, corpus: Path, index: Path, *extra: str, **kwargs: Any):
    """`speechsearch index|reindex` to its end, without the developer's SPEECHSEARCH_*."""
    return subprocess.run(
        [sys.executable, "-m", "indexer", command, "--corpus", str(corpus)]
        + ["--index", str(index), "--quiet", *extra],
        capture_output=True,
        text=True,
        timeout=180,
        env=command_env(),
        **kwargs,
    )


def stored(index: Path) -> dict[str, dict[str, Any]]:
    """id -> stored fields of every document of the live generation."""
    ix = IndexStore(index).open()
    try:
        with ix.searcher() as searcher:
            return {fields["id"]: fields for fields in searcher.all_stored_fields()}
    finally:
        ix.close()


def deep(levels: int) -> str:
    return "[" * levels + "]" * levels


def meta_nested(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"v": 1}
    for _ in range(levels - 1):
        value = {"a": value}
    return value


def good(doc_id: str, **extra: Any) -> str:
    return json.dumps({"id": doc_id, "title": "好标题", "body": "失踪人口", **extra})


def hostile_corpus(root: Path, folder: str = "") -> set[str]:
    """Good documents beside every kind of hostile input of issue 12, in root/folder; returns
    the ids a run over root must index."""
    corpus = root / folder
    corpus.mkdir(parents=True, exist_ok=True)
    lines = [
        good("g1"),
        '{"id": "huge", "body": "正文", "n": ' + "9" * 5000 + "}",
        deep(100_000),
        '{"id": "deep-field", "body": "正文", "n": ' + deep(100_000) + "}",
        json.dumps({"id": "meta", "body": "正文", "m": meta_nested(900), "province": "浙江"}),
        json.dumps({"id": "line\nbreak", "body": "正文"}),
        json.dumps({"id": "a/../b", "body": "正文"}),
        json.dumps({"id": "/root", "body": "正文"}),
        good("dated", date=20191120),
        good("g2"),
    ]
    (corpus / "feed.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    utf16 = "\n".join([good("u1", note="\u0a4e"), good("u2")]) + "\n"
    (corpus / "utf16.jsonl").write_bytes(codecs.BOM_UTF16_LE + utf16.encode("utf-16-le"))
    (corpus / "list.json").write_text(f"[{good('j1')}, {deep(100_000)}, {good('j2')}]", "utf-8")
    with open(os.fsencode(corpus) + b"/bad\xffname.txt", "wb") as f:
        f.write("标题\n失踪人口的正文".encode())
    (corpus / "notes.rtf").write_text("not a document", "utf-8")
    txt = f"{folder}/bad\\xffname" if folder else "bad\\xffname"
    return {"g1", "deep-field", "meta", "dated", "g2", "u1", "u2", "j1", "j2", txt}


# -- item 1, 3, 4, 7: hostile records cost only themselves ---------------------------------


@pytest.mark.parametrize("procs", ["1", "2"])
def test_hostile_records_cost_only_themselves(tmp_path: Path, procs: str) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    expected = hostile_corpus(corpus)
    done = run("index", corpus, index, "--procs", procs)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "disk full" not in done.stderr
    documents = stored(index)
    assert set(documents) == expected
    assert documents["meta"]["meta"] == {"province": "浙江"}
    assert documents["deep-field"]["meta"] == {}
    assert documents["dated"]["date"] == "2019-11-20"
    assert documents["u1"]["meta"] == {"note": "\u0a4e"}
    problems = done.stderr
    assert f"feed.jsonl:2: an integer of 5,000 digits (at most {MAX_INT_DIGITS:,})" in problems
    assert f"feed.jsonl:3: JSON nested 100,000 levels deep (at most {MAX_NESTING})" in problems
    assert "feed.jsonl:4 [deep-field]: metadata field 'n'" in problems
    assert "feed.jsonl:5 [meta]: metadata field 'm' nests the record 901 levels deep" in problems
    assert "feed.jsonl:6 [line\\nbreak]: the id holds control characters" in problems
    assert "feed.jsonl:7 [a/../b]: the id has a '.' or '..' segment" in problems
    assert "feed.jsonl:8 [/root]: the id starts with '/'" in problems
    assert "list.json:2: JSON nested 100,000 levels deep" in problems
    assert "bad\\xffname.txt: the file name is not valid UTF-8" in problems
    assert "notes.rtf" not in problems and "skipped 6, warnings 3" in done.stdout


def test_an_incremental_run_keeps_the_good_new_files_beside_a_hostile_one(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_news(corpus, news(30))
    sync(Settings(index_dir=index, procs=1), [corpus])
    before = stored(index)
    write_jsonl(corpus / "new" / "a.jsonl", [record(100), record(101)])
    (corpus / "new" / "b.txt").write_text("新的讲话\n关于珊瑚的讲话。", "utf-8")
    hostile = hostile_corpus(corpus, "hostile")
    done = run("reindex", corpus, index)
    assert done.returncode == 0, done.stderr
    report = IndexStore(index).last_report()
    assert report is not None and report["mode"] == "incremental"
    assert (report["added"], report["unchanged"], report["deleted"]) == (3 + len(hostile), 30, 0)
    now = stored(index)
    assert set(now) == set(before) | {"news-00100", "news-00101", "new/b"} | hostile
    assert {k: now[k]["hash"] for k in before} == {k: v["hash"] for k, v in before.items()}


# -- item 2: two writer processes ----------------------------------------------------------


def test_metadata_that_cannot_be_stored_is_dropped_before_a_writer_sees_it(
    tmp_path: Path,
) -> None:
    """The main process checks each document as the writers will store it. The loader never
    hands over metadata this deep; a Document made by other code can."""
    reader = CorpusReader([tmp_path])
    deep_meta = Document(id="d", title="t", body="正文", metadata=meta_nested(5000), path="p")
    fields = storable_fields(deep_meta, reader)
    assert fields is not None and fields["meta"] == {} and fields["id"] == "d"
    unstorable = Document(id="s", title="t", body="正文\ud800", path="p")
    assert storable_fields(unstorable, reader) is None
    dropped, skipped = reader.problems
    assert (dropped.kind, dropped.doc_id) == ("warning", "d") and "metadata" in dropped.reason
    assert "RecursionError" in dropped.reason
    assert (skipped.kind, skipped.doc_id) == ("skipped", "s") and "UnicodeEncodeError" in str(
        skipped
    )


def file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_failed_writer_process_says_what_failed(tmp_path: Path) -> None:
    """A file limit that only a writer process's segment reaches, as on a disk that fills up
    while it writes."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_news(corpus, news(300))
    done = run(
        "index", corpus, index, "--procs", "2", "--rebuild", preexec_fn=file_size_limit(200_000)
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: a writer process failed while ")
    assert "OSError: [Errno 27] File too large" in line and "disk full" in line
    assert line.endswith("the live index is untouched")


def test_a_failed_writer_process_in_a_reindex_commits_nothing(tmp_path: Path) -> None:
    """An incremental run hands the changed items to writer processes too: one that fails
    leaves the live index as it was (whoosh's MpWriter would commit without its segment, the
    old versions deleted and the new ones lost)."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_news(corpus, news(300))
    assert run("index", corpus, index, "--procs", "2").returncode == 0
    before = stored(index)
    write_news(corpus, [record(n, version=1) for n in range(300)])
    done = run("reindex", corpus, index, "--procs", "2", preexec_fn=file_size_limit(200_000))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: a writer process failed while ")
    assert line.endswith("the live index is untouched")
    assert stored(index) == before
    assert run("reindex", corpus, index, "--procs", "2").returncode == 0  # the next run
    assert {k: v["hash"] for k, v in stored(index).items()} != {
        k: v["hash"] for k, v in before.items()
    }
    assert set(stored(index)) == set(before)


def test_a_killed_writer_process_stops_the_build_at_once(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_news(corpus, news(3000))
    process = subprocess.Popen(
        reindex_command(index, [corpus], "--procs", "2"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    deadline = time.monotonic() + 60
    while len(workers := children(process.pid)) < 2:
        assert time.monotonic() < deadline and process.poll() is None, "no writer started"
        time.sleep(0.05)
    os.kill(workers[0], signal.SIGKILL)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stderr
    assert stderr.strip() == (
        "error: a writer process died with exit code -9 (killed? out of memory?); "
        "the live index is untouched"
    )
    assert IndexStore(index).current() is None


# -- item 5, 6: ignored files, files deleted during a run ----------------------------------


def test_verbose_lists_ignored_files_without_counting_them(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", [{"id": "a", "body": "正文"}])
    (corpus / "notes.rtf").write_text("# notes", "utf-8")
    (corpus / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    done = run("index", corpus, tmp_path / "index", "-v")
    assert done.returncode == 0, done.stderr
    assert "ignored: " in done.stderr
    assert "notes.rtf: unknown file type .rtf, ignored" in done.stderr
    assert "photo.jpg" in done.stderr and "skipped 0, warnings 0" in done.stdout


def test_files_deleted_during_a_run_are_warned_about_and_leave_the_index(tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_news(corpus / "a", news(20))
    write_jsonl(corpus / "b" / "more.jsonl", [record(50), record(51)])
    (corpus / "c.txt").write_text("讲话\n关于珊瑚的讲话。", "utf-8")
    settings = Settings(index_dir=index, procs=1)
    sync(settings, [corpus])

    def delete_the_rest(count: int) -> None:
        if count == 1:
            (corpus / "b" / "more.jsonl").unlink()
            (corpus / "c.txt").unlink()

    write_news(corpus / "a", [record(n, version=1) for n in range(20)])
    report = sync(settings, [corpus], progress=delete_the_rest)
    assert (report.updated, report.deleted, report.skipped, report.warnings) == (20, 3, 0, 2)
    assert all("vanished during the run" in p for p in report.problems)
    assert set(stored(index)) == {f"news-{n:05d}" for n in range(20)}


# -- item 8: generated corpora -------------------------------------------------------------

SAFE_ID = st.from_regex(r"[a-z0-9\u4e00-\u4e2f_-]{1,8}(/[a-z0-9_-]{1,6}){0,2}", fullmatch=True)
TEXT = st.text(min_size=1, max_size=40).filter(str.strip)  # no surrogates: Hypothesis's default
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=8,
)
VALID = st.fixed_dictionaries(
    {"title": TEXT, "body": TEXT},
    optional={
        "date": st.sampled_from(["2019-11-20", 20191120, "2019年11月20日", "昨天", 7]),
        "source": st.text(max_size=8),
        "extra": JSON_VALUES,
        "deep": st.integers(MAX_NESTING - 3, MAX_NESTING + 40).map(lambda n: json.loads(deep(n))),
    },
)
NOT_JSON = string.printable.replace('"', "").replace("\n", "")  # cannot spell a JSON object


def raw(**members: str) -> str:
    """A JSON object from its members' JSON texts."""
    return "{" + ", ".join(f'"{name}": {value}' for name, value in members.items()) + "}"


@st.composite
def invalid_item(draw: st.DrawFn, doc_id: str) -> tuple[str, bool]:
    """One line no record may come of, each kind of refusal the loader knows; and whether the
    line is JSON (a .json file holding a line that is not cannot be read at all)."""
    body = json.dumps(draw(TEXT))
    kind = draw(st.integers(0, 9))
    if kind == 0:
        empty = draw(st.sampled_from(["", "  ", None, 3, ["a"]]))
        return json.dumps({"id": doc_id, "body": empty}), True
    if kind == 1:
        return raw(title='"no id"', body=body), True
    if kind == 2:
        return json.dumps(draw(JSON_VALUES.filter(lambda v: not isinstance(v, dict)))), True
    if kind == 3:
        bad_id = doc_id + draw(st.sampled_from(["\n", "\t", "\x00", "\x85"])) + "z"
        return json.dumps({"id": bad_id, "body": draw(TEXT)}), True
    if kind == 4:
        bad_id = draw(st.sampled_from(["/", "./", "../", "a/../"])) + doc_id
        return json.dumps({"id": bad_id, "body": draw(TEXT)}), True
    if kind == 5:
        return raw(id=f'"{doc_id}"', body=body, n="7" * (MAX_INT_DIGITS + 1)), True
    if kind == 6:
        return deep(draw(st.integers(MAX_NESTING + 1, 3000))), True
    if kind == 7:
        return raw(id=f'"{doc_id}"', title=deep(MAX_NESTING), body=body), True
    if kind == 8:
        return json.dumps({"id": doc_id, "body": draw(TEXT)})[: draw(st.integers(1, 8))], False
    return draw(st.text(NOT_JSON, min_size=1, max_size=20)), False


@st.composite
def corpora(draw: st.DrawFn) -> tuple[list[tuple[str, str, list[str]]], set[str]]:
    """Files (name, encoding, lines) mixing valid and invalid records; the ids that are valid."""
    ids = draw(st.lists(SAFE_ID, min_size=1, max_size=8, unique=True))
    ascii_only = draw(st.booleans())
    items = [
        (json.dumps({"id": f"v{i}", **draw(VALID)}, ensure_ascii=ascii_only), True) for i in ids
    ]
    items += [draw(invalid_item(f"x{n}")) for n in draw(st.lists(st.integers(0, 99), unique=True))]
    items = draw(st.permutations(items))
    files = []
    while items:
        size = draw(st.integers(1, len(items)))
        chunk, items = items[:size], items[size:]
        kind = "json" if all(is_json for _, is_json in chunk) and draw(st.booleans()) else "jsonl"
        encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"]))
        files.append((f"f{len(files)}.{kind}", encoding, [line for line, _ in chunk]))
    return files, {f"v{i}" for i in ids}


def write_file(folder: Path, name: str, encoding: str, lines: list[str]) -> None:
    text = "[" + ",\n".join(lines) + "]" if name.endswith(".json") else "\n".join(lines) + "\n"
    (folder / name).write_bytes(text.encode(encoding))


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(corpora())
def test_generated_corpora_index_every_valid_record_and_nothing_else(
    corpus: tuple[list[tuple[str, str, list[str]]], set[str]],
) -> None:
    files, valid = corpus
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "corpus").mkdir()
        for name, encoding, lines in files:
            write_file(root / "corpus", name, encoding, lines)
        report = sync(Settings(index_dir=root / "index", procs=1), [root / "corpus"])
        assert set(stored(root / "index")) == valid, report.problems
    lines = [line for _, _, lines in files for line in lines]
    assert report.added == len(valid)
    assert report.skipped == sum(bool(line.strip()) for line in lines) - len(valid)
