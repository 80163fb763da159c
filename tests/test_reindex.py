"""The nightly reindex as an operator runs it: real corpora and indexes in temp folders, the real
`reindex` command in subprocesses, killed, raced, locked out, starved of disk, fed bad files."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEED_CORPUS, SEED_ID, write_jsonl

from indexer import CorpusReader, SearchIndex, SearchRequest, Settings, sync
from indexer.errors import AnalyzerMismatch, DocumentNotFound
from indexer.store import IndexStore

SCRIPT = ROOT / "scripts" / "nightly-reindex.sh"
LOCKED = 75
# Two-character words without the characters of the markers the tests search for (珊瑚 火山 冰川
# 极光 沙丘 旧版 新版), so a marker is found exactly where a test put it.
WORDS = [
    chars[i : i + 2]
    for chars in (
        "经济发展改革开放创新科技教育文化卫生医疗交通农业工业能源环境生态城市乡村",
        "人才就业社会保障住房旅游体育网络数据安全法治民生金融贸易投资制造服务市场",
        "企业政府人民公益铁路港口电力水利粮食森林草原河流湖泊海洋气象航天芯片医院",
    )
    for i in range(0, len(chars), 2)
]
SOURCES = ("新华社", "人民日报", "中国新闻网")
BIG = 1500  # documents: a full build with one process takes a few seconds
KILL_AFTER = (0.3, 1.0, 2.0)  # seconds: during start-up, while analysing, while writing
BROKEN_LINE = '{"id": "news-00003", "title": "断开的一行\n'
HOLD_LOCK = (
    "import sys\nfrom pathlib import Path\nfrom indexer.store import IndexStore\n"
    "with IndexStore(Path(sys.argv[1])).lock():\n    print('locked', flush=True)\n"
    "    sys.stdin.read()\n"
)


# -- corpora -------------------------------------------------------------------------------


def record(n: int, version: int = 0, extra: str = "") -> dict[str, Any]:
    """News item n: seeded words, so every item (and every version of it) is distinct."""
    pick = random.Random(n * 7919 + version)
    sentences = ["".join(pick.choices(WORDS, k=6)) for _ in range(8)]
    return {
        "id": f"news-{n:05d}",
        "title": "".join(pick.choices(WORDS, k=3)) + f"第{n}号",
        "body": "，".join(sentences) + f"。{extra}",
        "date": f"{2015 + n % 10}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
        "source": SOURCES[n % len(SOURCES)],
    }


def news(count: int, markers: dict[int, str] | None = None) -> list[dict[str, Any]]:
    """count news items; markers maps an item number to a word appended to its body."""
    return [record(n, extra=(markers or {}).get(n, "")) for n in range(count)]


def write_news(corpus: Path, records: Sequence[dict[str, Any]]) -> Path:
    return write_jsonl(corpus / "news.jsonl", records)


def write_speech(corpus: Path, name: str, title: str, body: str) -> Path:
    """A .txt document: title line, then the text; its id is its path without .txt."""
    path = corpus / "speeches" / f"{name}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{title}\n{body}\n", encoding="utf-8")
    return path


def expected(*corpus: Path) -> dict[str, str]:
    """id -> content hash of every good document of the corpus: what a finished run indexes."""
    return {doc.id: doc.content_hash for doc in CorpusReader(list(corpus)).documents()}


# -- the index -----------------------------------------------------------------------------


def settings_for(index: Path, **overrides: Any) -> Settings:
    """Settings of this index alone: no SPEECHSEARCH_* variable of the developer's shell."""
    return Settings(index_dir=index, procs=1, **overrides)


def indexed(index: Path) -> dict[str, str]:
    """id -> content hash of every document the live generation holds."""
    ix = IndexStore(index).open()
    try:
        with ix.searcher() as searcher:
            return {fields["id"]: fields["hash"] for fields in searcher.all_stored_fields()}
    finally:
        ix.close()


def generations(index: Path) -> list[str]:
    return sorted(p.name for p in index.glob("gen-*"))


def live_files(index: Path) -> dict[str, tuple[int, int]]:
    """Name -> (size, mtime) of the pointer and every file of the live generation."""
    store = IndexStore(index)
    folder = store.path(store.require_current())
    return {
        str(p.relative_to(index)): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in (index / "CURRENT", *folder.iterdir())
    }


def found(searcher: SearchIndex, q: str) -> set[str]:
    result = searcher.search(SearchRequest(q=q, size=100, facets=False))
    return {hit["id"] for hit in result["hits"]}


def hits(index: Path, q: str) -> set[str]:
    """Ids found by a page opened now."""
    return found(SearchIndex(settings_for(index)), q)


def last_run(index: Path) -> dict[str, Any]:
    report = IndexStore(index).last_report()
    assert report is not None, f"no last-run.json in {index}"
    return report


def counts(report: dict[str, Any]) -> dict[str, int]:
    return {k: report[k] for k in ("added", "updated", "deleted", "unchanged", "kept")}


# -- the command ---------------------------------------------------------------------------


def command_env(**settings: str) -> dict[str, str]:
    """This environment without the developer's SPEECHSEARCH_* settings, plus the given ones."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SPEECHSEARCH_")}
    return {**env, **settings}


def reindex_command(index: Path, corpus: Sequence[Path], *extra: str) -> list[str]:
    command = [sys.executable, "-m", "indexer", "reindex", "--index", str(index), "--quiet"]
    for path in corpus:
        command += ["--corpus", str(path)]
    return [*command, "--procs", "1", *extra]  # a later --procs in extra wins


def reindex(
    index: Path,
    *corpus: Path,
    extra: Sequence[str] = (),
    env: dict[str, str] | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.CompletedProcess[str]:
    """One run of `speechsearch reindex` to its end."""
    return subprocess.run(
        reindex_command(index, corpus, *extra),
        capture_output=True,
        text=True,
        timeout=120,
        env=env or command_env(),
        preexec_fn=preexec_fn,
    )


def start_reindex(index: Path, *corpus: Path, extra: Sequence[str] = ()) -> subprocess.Popen:
    return subprocess.Popen(
        reindex_command(index, corpus, *extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=command_env(),
    )


def children(pid: int) -> list[int]:
    """Direct children of a process (Linux)."""
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def kill(pids: Sequence[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def ok(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 0, done.stderr


def refused(done: subprocess.CompletedProcess[str], code: int, message: str) -> None:
    """The run failed the way an operator can act on: its exit code and, last, a line saying
    why (not a traceback)."""
    assert done.returncode == code, (done.stdout, done.stderr)
    assert re.search(message, done.stderr.strip().splitlines()[-1]), done.stderr


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return tmp_path / "corpus"


@pytest.fixture
def index(tmp_path: Path) -> Path:
    return tmp_path / "index"


def template(factory: pytest.TempPathFactory, count: int) -> Path:
    """A corpus of count news items and its index, built once per module."""
    folder = factory.mktemp(f"news{count}")
    write_news(folder / "corpus", news(count))
    sync(settings_for(folder / "index"), [folder / "corpus"])
    return folder


def copy_of(folder: Path, corpus: Path, index: Path) -> dict[str, str]:
    """A template copied to this test's folders; returns the indexed state."""
    shutil.copytree(folder / "corpus", corpus)
    shutil.copytree(folder / "index", index)
    return indexed(index)


@pytest.fixture(scope="module")
def small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template(tmp_path_factory, 300)


@pytest.fixture(scope="module")
def big_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return template(tmp_path_factory, BIG)


@pytest.fixture
def small(small_template: Path, corpus: Path, index: Path) -> dict[str, str]:
    """300 news items, indexed."""
    return copy_of(small_template, corpus, index)


@pytest.fixture
def big(big_template: Path, corpus: Path, index: Path) -> dict[str, str]:
    """BIG news items, indexed: a full build takes a few seconds."""
    return copy_of(big_template, corpus, index)


# -- 1. incremental runs -------------------------------------------------------------------


def test_runs_follow_added_changed_and_deleted_documents(
    tmp_path: Path, corpus: Path, index: Path
) -> None:
    """The operator's week: a first build, a quiet night, a night with edits of every kind."""
    seed = shutil.copytree(SEED_CORPUS, tmp_path / "seed")
    records = news(200)
    write_news(corpus, records)
    write_speech(corpus, "a", "乡村教育座谈会", "关于乡村教育的讲话。")
    write_speech(corpus, "b", "城市交通发布会", "关于城市交通的讲话。")

    ok(reindex(index, corpus, seed))
    first = last_run(index)
    assert (first["mode"], first["reason"]) == ("rebuild", "new index")
    assert first["added"] == first["documents"] == len(expected(corpus, seed))
    assert SEED_ID in hits(index, "张羽")

    before = live_files(index)
    ok(reindex(index, corpus, seed))
    quiet = last_run(index)
    assert counts(quiet) == {**counts(first), "added": 0, "unchanged": first["added"]}
    assert live_files(index) == before, "a run without changes wrote to the index"

    records[5] = record(5, extra="珊瑚")
    records[6] = {**records[6], "title": "标题改动的报道"}
    del records[7]
    records.append(record(200, extra="火山"))
    write_news(corpus, records)
    write_speech(corpus, "b", "城市交通发布会", "关于城市交通的讲话，提到沙丘。")
    write_speech(corpus, "new", "新的讲话", "关于冰川保护的讲话。")
    (seed / f"{SEED_ID}.txt").unlink()
    ok(reindex(index, corpus, seed))

    changed = last_run(index)
    assert changed["mode"] == "incremental"
    assert counts(changed) == {
        "added": 2,
        "updated": 3,
        "deleted": 2,
        "unchanged": first["added"] - 5,
        "kept": 0,
    }
    assert indexed(index) == expected(corpus, seed)
    for marker, doc_id in [
        ("珊瑚", "news-00005"),
        ("火山", "news-00200"),
        ("冰川", "speeches/new"),
        ("沙丘", "speeches/b"),
        ("标题改动", "news-00006"),
    ]:
        assert doc_id in hits(index, marker)
    searcher = SearchIndex(settings_for(index))
    for gone in ("news-00007", SEED_ID):
        with pytest.raises(DocumentNotFound):
            searcher.document(gone)

    stats = subprocess.run(
        [sys.executable, "-m", "indexer", "stats", "--index", str(index), "--json"],
        capture_output=True,
        text=True,
        check=True,
        env=command_env(),
    )
    shown = json.loads(stats.stdout)["last_run"]
    assert shown == {k: v for k, v in changed.items() if k != "problems"}


def test_small_segments_are_merged_and_optimize_leaves_one(corpus: Path, index: Path) -> None:
    """Nightly commits add a segment each; merging keeps their number bounded."""
    records = news(120)
    write_news(corpus, records)
    settings = settings_for(index)
    sync(settings, [corpus])
    segments = []
    for night in range(12):
        records[night] = record(night, version=1)
        write_news(corpus, records)
        sync(settings, [corpus])
        segments.append(SearchIndex(settings).stats()["segments"])
    assert max(segments) <= 6, segments
    ok(reindex(index, corpus, extra=["--optimize"]))
    assert SearchIndex(settings).stats()["segments"] == 1
    assert indexed(index) == expected(corpus)


def test_a_night_that_adds_an_undated_speech_keeps_facets_working(
    corpus: Path, index: Path, small: dict[str, str]
) -> None:
    write_speech(corpus, "talk", "座谈会讲话", "关于珊瑚保护的讲话。")
    sync(settings_for(index), [corpus])
    result = SearchIndex(settings_for(index)).search(SearchRequest(q="珊瑚"))
    assert [hit["id"] for hit in result["hits"]] == ["speeches/talk"]
    assert result["facets"] == {"source": [], "year": []}


# -- 2. kill -9 ----------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["update", "rebuild"])
def test_sigkill_keeps_the_live_index_and_the_next_run_completes(
    mode: str, corpus: Path, index: Path, big: dict[str, str]
) -> None:
    """Killed at any moment, the previous state stays whole and searchable; the next run
    reaches what an uninterrupted run reaches."""
    extra = ["--rebuild"] if mode == "rebuild" else []
    if mode == "update":
        records = [record(n, version=int(n < 1200)) for n in range(200, BIG + 200)]
        write_news(corpus, records)
    target = expected(corpus)
    half_built = 0
    for delay in KILL_AFTER:
        process = start_reindex(index, corpus, extra=extra)
        time.sleep(delay)
        process.kill()
        process.wait()
        assert indexed(index) in (big, target)
        assert hits(index, "经济")
        half_built += len(generations(index)) > 1
    if mode == "rebuild":
        assert half_built, "no kill landed during the build: make the corpus bigger"

    ok(reindex(index, corpus, extra=extra))
    assert indexed(index) == target
    assert generations(index) == [IndexStore(index).current()]
    assert last_run(index)["documents"] == len(target)


# -- 3. searches during a run --------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "allowed", "final"),
    [
        pytest.param(
            [],
            {"旧版": {200, 100}, "新版": {0, 100}, "documents": {200}},
            {"旧版": 100, "新版": 100, "documents": 200},
            id="update",
        ),
        pytest.param(
            ["--rebuild"],
            {"旧版": {200}, "新版": {0}, "documents": {200}},
            {"旧版": 200, "新版": 0, "documents": 200},
            id="rebuild",
        ),
    ],
)
def test_searches_during_a_run_see_the_old_or_the_new_state(
    extra: list[str],
    allowed: dict[str, set[int]],
    final: dict[str, int],
    corpus: Path,
    index: Path,
) -> None:
    """Threads sharing one SearchIndex, as the web page does, never fail or see half a run."""
    write_news(corpus, [record(n, extra="旧版") for n in range(200)])
    settings = settings_for(index)
    sync(settings, [corpus])
    if not extra:
        write_news(corpus, [record(n, extra="新版" if n < 100 else "旧版") for n in range(200)])
    page = SearchIndex(settings)

    def probe(name: str) -> int:
        if name == "documents":
            return page.health()["documents"]
        return page.search(SearchRequest(q=name, facets=False))["total"]

    seen: dict[str, set[int]] = {name: set() for name in allowed}
    errors: list[str] = []
    done = threading.Event()

    def keep_probing() -> None:
        while not done.is_set():
            for name in allowed:
                try:
                    seen[name].add(probe(name))
                except Exception as exc:  # every error is a finding
                    errors.append(f"{type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=keep_probing) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        ok(reindex(index, corpus, extra=extra))
    finally:
        done.set()
        for thread in threads:
            thread.join()
    assert errors == []
    assert all(seen[name] <= allowed[name] for name in allowed), seen
    assert {name: probe(name) for name in allowed} == final


# -- 4. one run at a time ------------------------------------------------------------------


def test_a_second_run_exits_75_at_once_while_the_lock_is_held(
    corpus: Path, index: Path, small: dict[str, str]
) -> None:
    write_news(corpus, news(300, {1: "珊瑚"}))
    with IndexStore(index).lock():
        began = time.monotonic()
        done = reindex(index, corpus)
    refused(done, LOCKED, r"another indexing run holds .*reindex\.lock")
    assert time.monotonic() - began < 20, "the second run waited for the lock"
    assert indexed(index) == small


def hold_lock(index: Path, corpus: Path) -> tuple[subprocess.Popen, list[int]]:
    """A process that takes the run lock and waits."""
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(index)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=command_env(),
    )
    assert process.stdout is not None and process.stdout.readline() == "locked\n"
    return process, []


def parallel_rebuild(index: Path, corpus: Path) -> tuple[subprocess.Popen, list[int]]:
    """A full rebuild with two writer processes, caught once both run (the corpus is big
    enough that its main process is still feeding them)."""
    process = start_reindex(index, corpus, extra=["--rebuild", "--procs", "2"])
    deadline = time.monotonic() + 30
    while len(workers := children(process.pid)) < 2 and process.poll() is None:
        assert time.monotonic() < deadline, "the rebuild started no workers"
        time.sleep(0.05)
    return process, workers


@pytest.mark.parametrize(
    "holder",
    [
        hold_lock,
        parallel_rebuild,
    ],
)
def test_a_killed_holder_does_not_block_the_next_run(
    holder: Callable[[Path, Path], tuple[subprocess.Popen, list[int]]],
    corpus: Path,
    index: Path,
    big: dict[str, str],
) -> None:
    process, workers = holder(index, corpus)
    try:
        process.kill()
        process.communicate()
        write_news(corpus, news(BIG, {1: "珊瑚"}))
        ok(reindex(index, corpus))
        assert indexed(index) == expected(corpus)
    finally:
        kill(workers)


# -- 5. analyzer configuration -------------------------------------------------------------


def test_an_analyzer_change_rebuilds_beside_the_live_index(
    tmp_path: Path, corpus: Path, index: Path
) -> None:
    """A new or edited user dictionary: a new generation, switched to, the old one removed; a
    page still on the old configuration is told to reindex."""
    write_news(corpus, news(60))
    userdict = tmp_path / "userdict.txt"
    env = command_env(SPEECHSEARCH_USERDICT=str(userdict))
    sync(settings_for(index), [corpus])
    page = SearchIndex(settings_for(index))
    assert found(page, "经济")

    for entries in ("珊瑚礁 10 n\n", "珊瑚礁 10 n\n火山口 10 n\n"):
        userdict.write_text(entries, encoding="utf-8")
        live = IndexStore(index).current()
        ok(reindex(index, corpus, env=env))
        report = last_run(index)
        assert report["mode"] == "rebuild"
        assert "analyzer configuration" in report["reason"]
        assert report["generation"] != live
        assert generations(index) == [report["generation"]]
        assert indexed(index) == expected(corpus)

    ok(reindex(index, corpus, env=env))
    assert last_run(index)["mode"] == "incremental"
    with pytest.raises(AnalyzerMismatch, match=r"userdict.*speechsearch reindex"):
        page.search(SearchRequest(q="经济"))


def test_a_running_page_follows_a_synonyms_change(
    tmp_path: Path, corpus: Path, index: Path
) -> None:
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# none yet\n", encoding="utf-8")
    write_speech(corpus, "lab", "计算机教室落成", "乡村学校的计算机教室今年建成。")
    settings = settings_for(index, synonyms=synonyms)
    sync(settings, [corpus])
    page = SearchIndex(settings)
    assert found(page, "电脑") == set()
    synonyms.write_text("电脑, 计算机\n", encoding="utf-8")
    ok(reindex(index, corpus, env=command_env(SPEECHSEARCH_SYNONYMS=str(synonyms))))
    assert last_run(index)["mode"] == "rebuild"
    assert found(page, "电脑") == {"speeches/lab"}


# -- 6. bad documents ----------------------------------------------------------------------


def binary_speech(corpus: Path) -> tuple[str, str]:
    path = corpus / "speeches" / "b.txt"
    path.write_bytes(b"\x00\x01\xff\xfe" * 64)
    return str(path), "speeches/b"


def malformed_line(corpus: Path) -> tuple[str, str]:
    path = corpus / "news.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[3] = BROKEN_LINE
    path.write_text("".join(lines), encoding="utf-8")
    return f"{path}:4", "news-00003"


@pytest.mark.parametrize("spoil", [binary_speech, malformed_line])
def test_a_document_that_turns_bad_keeps_its_last_good_version(
    spoil: Callable[[Path], tuple[str, str]], corpus: Path, index: Path
) -> None:
    settings = settings_for(index)
    write_news(corpus, news(40, {3: "极光"}))
    write_speech(corpus, "b", "沙丘考察报告", "关于沙丘和极光的讲话。")
    sync(settings, [corpus])
    before = indexed(index)

    write_news(corpus, news(40, {3: "极光", 10: "火山"}))
    where, kept = spoil(corpus)
    sync(settings, [corpus])
    report = last_run(index)
    assert (report["kept"], report["updated"], report["skipped"]) == (1, 1, 1)
    problems = "\n".join(report["problems"])
    assert f"skipped: {where}" in problems
    assert f"[{kept}]: file has errors; the last good version stays" in problems
    assert indexed(index)[kept] == before[kept]
    assert kept in hits(index, "极光")
    assert hits(index, "火山") == {"news-00010"}

    write_news(corpus, news(40, {3: "冰川", 10: "火山"}))
    write_speech(corpus, "b", "沙丘考察报告", "关于沙丘和冰川的讲话。")
    sync(settings, [corpus])
    assert (last_run(index)["kept"], last_run(index)["updated"]) == (0, 2)
    assert hits(index, "冰川") == {"news-00003", "speeches/b"}


def test_an_empty_corpus_does_not_wipe_the_index(
    tmp_path: Path, index: Path, small: dict[str, str]
) -> None:
    empty = tmp_path / "mnt"
    empty.mkdir()
    refused(reindex(index, empty), 2, r"^error: no document")
    assert indexed(index) == small


# -- 7. read-only folder, full disk --------------------------------------------------------


def writable(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


@contextlib.contextmanager
def read_only(paths: Sequence[Path]) -> Iterator[None]:
    """No write to paths, for root too (chattr +i, as chmod does not stop root); else skip."""
    modes = {p: p.stat().st_mode for p in paths}
    for path, mode in modes.items():
        path.chmod(mode & ~0o222)
    immutable = False
    try:
        if writable(paths[0]) and shutil.which("chattr"):
            chattr = subprocess.run(["chattr", "+i", *map(str, paths)], capture_output=True)
            immutable = chattr.returncode == 0
        if writable(paths[0]):
            pytest.skip("cannot make a folder read-only here (root, and no chattr +i)")
        yield
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", *map(str, paths)], check=True)
        for path, mode in modes.items():
            path.chmod(mode)


@pytest.mark.parametrize(
    "whole",
    [
        True,
        False,
    ],
    ids=["folder-and-contents", "folder-only"],
)
def test_a_read_only_index_fails_clearly_and_stays_as_it_was(
    whole: bool, corpus: Path, index: Path, small: dict[str, str]
) -> None:
    write_news(corpus, news(300, {1: "珊瑚"}))
    files = live_files(index)
    paths = [index, *index.rglob("*")] if whole else [index]
    with read_only(paths):
        done = reindex(index, corpus)
    refused(done, 1, r"^error: .*(cannot write|writing the index)")
    assert indexed(index) == small
    assert files.items() <= live_files(index).items()


def file_size_limit(limit: int) -> Callable[[], None]:
    """A child whose writes beyond limit bytes fail with EFBIG, as on a full disk."""

    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


@pytest.mark.parametrize(
    "extra",
    [
        [],
        ["--rebuild"],
        ["--rebuild", "--procs", "2"],
    ],
    ids=["update", "rebuild", "parallel-rebuild"],
)
def test_a_full_disk_fails_clearly_and_leaves_the_live_index(
    extra: list[str], corpus: Path, index: Path, small: dict[str, str]
) -> None:
    write_news(corpus, [record(n, version=1) for n in range(300)])
    files = live_files(index)
    done = reindex(index, corpus, extra=extra, preexec_fn=file_size_limit(200_000))
    refused(done, 1, r"^error: .*the live index is untouched")
    assert indexed(index) == small
    assert files.items() <= live_files(index).items()


# -- 8. the nightly script -----------------------------------------------------------------


def nightly(tmp_path: Path, corpus: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """scripts/nightly-reindex.sh as cron runs it: from elsewhere, set up by the environment."""
    env = command_env(
        SPEECHSEARCH_INDEX=str(tmp_path / "index"),
        SPEECHSEARCH_CORPUS=f"{corpus}:{tmp_path / 'seed'}",
        SPEECHSEARCH_LOG=str(tmp_path / "logs" / "reindex.log"),
    )
    return subprocess.run(
        ["bash", str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )


def log_runs(tmp_path: Path) -> list[list[str]]:
    """The log's lines grouped by run, each line's timestamp and pid checked."""
    runs: dict[str, list[str]] = {}
    for line in (tmp_path / "logs" / "reindex.log").read_text(encoding="utf-8").splitlines():
        match = re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} reindex\[(\d+)\] (.*)", line)
        assert match, f"line without timestamp: {line!r}"
        runs.setdefault(match.group(1), []).append(match.group(2))
    return list(runs.values())


def test_the_nightly_script_logs_each_run_and_passes_on_exit_codes(
    tmp_path: Path, corpus: Path
) -> None:
    shutil.copytree(SEED_CORPUS, tmp_path / "seed")
    write_news(corpus, news(50))
    index = tmp_path / "index"

    succeeded = [nightly(tmp_path, corpus), nightly(tmp_path, corpus, "--optimize")]
    assert [(done.returncode, done.stdout, done.stderr) for done in succeeded] == [(0, "", "")] * 2
    assert last_run(index)["unchanged"] == len(expected(corpus, tmp_path / "seed"))
    with IndexStore(index).lock():
        locked = nightly(tmp_path, corpus)

    assert locked.returncode == LOCKED
    assert "nightly reindex failed with exit code 75" in locked.stderr
    assert "another indexing run holds" in locked.stderr
    runs = log_runs(tmp_path)
    assert [run[-1] for run in runs] == ["end: exit 0", "end: exit 0", "end: exit 75"]
    assert all(run[0].startswith("start: ") and "reindex --corpus" in run[0] for run in runs)
    assert "--optimize" in runs[1][0]
    assert any(re.match(r"rebuild \(new index\) → gen-000001: added \d+", s) for s in runs[0])
    assert any(re.match(r"incremental .* unchanged \d+", line) for line in runs[1])
