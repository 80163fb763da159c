"""The speechsearch command, run as a real process over real indexes."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SEED_CORPUS, SEED_ID, write_jsonl


def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    index = tmp_path_factory.mktemp("cli") / "index"
    done = run("index", "--corpus", str(SEED_CORPUS), "--index", str(index), "--procs", "1")
    assert done.returncode == 0, done.stderr
    assert "added 7" in done.stdout and "skipped 0, warnings 0" in done.stdout
    return index


def test_search_prints_marked_hits(seed_dir: Path) -> None:
    done = run("search", "--index", str(seed_dir), "张羽")
    assert done.returncode == 0
    assert SEED_ID in done.stdout and "【张羽】" in done.stdout


def test_json_lines_for_many_queries_from_stdin(seed_dir: Path) -> None:
    queries = ["张羽", "失踪人口", "", "头条寻人", '"信息 公益', "no-such-thing"] * 34
    done = run("search", "--index", str(seed_dir), "--json", "-", stdin="\n".join(queries[:200]))
    lines = done.stdout.splitlines()
    assert done.returncode == 0 and len(lines) == 200
    first = json.loads(lines[0])
    assert set(first) == {"query", "total", "elapsed_ms", "hits"}
    assert set(first["hits"][0]) == {"id", "title", "score", "date", "source", "snippet"}
    assert "<mark>张羽</mark>" in first["hits"][0]["snippet"]
    assert "error" in json.loads(lines[2])


def test_second_index_run_changes_nothing(seed_dir: Path) -> None:
    done = run("index", "--corpus", str(SEED_CORPUS), "--index", str(seed_dir))
    assert done.returncode == 0 and "unchanged 7" in done.stdout and "added 0" in done.stdout


def test_stats(seed_dir: Path) -> None:
    done = run("stats", "--index", str(seed_dir))
    assert done.returncode == 0 and "documents:   7" in done.stdout and "jieba=" in done.stdout
    info = json.loads(run("stats", "--index", str(seed_dir), "--json").stdout)
    assert info["documents"] == 7 and info["analyzer"]["analyzer"]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["search", "张羽"], 2, "no index at"),
        (["search", "--index", "{seed}", ""], 2, "请输入"),
        (["stats"], 2, "speechsearch index"),
        (["index", "--corpus", "{missing}"], 2, "does not exist"),
    ],
)
def test_errors_are_one_line_with_exit_codes(
    seed_dir: Path, tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    args = [a.format(seed=seed_dir, missing=tmp_path / "missing") for a in args]
    if "--index" not in args:
        args += ["--index", str(tmp_path / "empty-index")]
    done = run(*args)
    assert done.returncode == code and message in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_corrupt_index_says_rebuild(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert run("index", "--corpus", str(SEED_CORPUS), "--index", str(index)).returncode == 0
    for toc in index.glob("gen-*/_MAIN_*.toc"):
        toc.write_bytes(b"garbage")
    done = run("search", "--index", str(index), "张羽")
    assert done.returncode == 1 and "--rebuild" in done.stderr and "Traceback" not in done.stderr


def test_bad_files_are_listed_and_the_run_still_succeeds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(corpus / "a.jsonl", [{"id": "ok", "title": "好", "body": "失踪人口"}, {"id": "x"}])
    (corpus / "bin.txt").write_bytes(b"\x00\x01\x02")
    done = run("index", "--corpus", str(corpus), "--index", str(tmp_path / "index"))
    assert done.returncode == 0
    assert "a.jsonl:2 [x]: empty body" in done.stderr and "bin.txt: binary file" in done.stderr
    assert "added 1" in done.stdout and "skipped 2" in done.stdout


def test_nothing_indexable_fails_clearly(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_text("", "utf-8")
    done = run("index", "--corpus", str(tmp_path), "--index", str(tmp_path / "index"))
    assert done.returncode == 2 and "no document could be indexed" in done.stderr
