#!/usr/bin/env python3
"""Kill `speechsearch reindex` with SIGKILL at random moments, many times over, and count what a
killed run broke: unreadable indexes, lost documents, states that are neither the one before nor
the one after the run, a lock still held, worker processes left behind. A benchmark-style check
(tests/test_reindex.py does a few fixed kills); exit status 1 when anything broke.

    .venv/bin/python scripts/kill-test.py [--kills 20] [--docs 1500] [--procs 1] [--seed 0]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from indexer import CorpusReader, SearchIndex, SearchRequest, Settings
from indexer.errors import IndexLocked
from indexer.store import IndexStore

CHARS = "经济发展改革开放创新科技教育文化卫生医疗交通农业工业能源环境生态城市乡村人才就业"
WORDS = [CHARS[i : i + 2] for i in range(0, len(CHARS), 2)]
MAX_KILLS = 200
MAX_DOCS = 20000


def item(n: int, version: int) -> dict[str, Any]:
    """News item n in one of its versions: seeded words, distinct for every (n, version)."""
    pick = random.Random(n * 7919 + version * 104729)
    body = "，".join("".join(pick.choices(WORDS, k=6)) for _ in range(8))
    title = "".join(pick.choices(WORDS, k=3)) + f"第{n}号"
    date = f"{2016 + n % 9}-{n % 12 + 1:02d}-{n % 28 + 1:02d}"
    return {"id": f"item-{n:06d}", "title": title, "body": body, "date": date, "source": "新华社"}


class Corpus:
    """A JSONL corpus whose items change between runs as a nightly corpus does."""

    def __init__(self, folder: Path, docs: int, rng: random.Random) -> None:
        self.path = folder / "items.jsonl"
        self.versions = dict.fromkeys(range(docs), 0)
        self.next = docs
        self.rng = rng
        folder.mkdir(parents=True)
        self.write()

    def write(self) -> None:
        lines = (json.dumps(item(n, v), ensure_ascii=False) for n, v in self.versions.items())
        self.path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def edit(self) -> None:
        """A fifth of the items changed, one in twenty deleted, as many new ones."""
        numbers = list(self.versions)
        for n in self.rng.sample(numbers, len(numbers) // 5):
            self.versions[n] += 1
        for n in self.rng.sample(numbers, len(numbers) // 20):
            del self.versions[n]
            self.versions[self.next] = 0
            self.next += 1
        self.write()

    def expected(self) -> dict[str, str]:
        return {d.id: d.content_hash for d in CorpusReader([self.path]).documents()}


def state(index: Path) -> dict[str, str] | None:
    """id -> hash of the live generation after a search through it; None when unreadable."""
    try:
        SearchIndex(Settings.from_env(index_dir=index)).search(SearchRequest(q="经济"))
        ix = IndexStore(index).open()
        with ix.searcher() as searcher:
            return {f["id"]: f["hash"] for f in searcher.all_stored_fields()}
    except Exception as exc:  # an unreadable index is what this script counts
        print(f"  unreadable: {type(exc).__name__}: {exc}", file=sys.stderr)
        return None


def children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    """Running or waiting; a zombie (dead, not reaped yet) does not count."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0] != "Z"
    except OSError:
        return False


def lock_is_free(index: Path) -> bool:
    try:
        with IndexStore(index).lock():
            return True
    except IndexLocked:
        return False


def command(index: Path, corpus: Path, procs: int, rebuild: bool) -> list[str]:
    extra = ["--rebuild"] if rebuild else []
    return [
        sys.executable, "-m", "indexer", "reindex", "--quiet", "--index", str(index),
        "--corpus", str(corpus), "--procs", str(procs), *extra,
    ]  # fmt: skip


def run(index: Path, corpus: Path, procs: int, rebuild: bool = False) -> tuple[int, float]:
    began = time.monotonic()
    done = subprocess.run(command(index, corpus, procs, rebuild), capture_output=True, timeout=600)
    return done.returncode, time.monotonic() - began


def kill_once(
    index: Path, corpus: Corpus, procs: int, rebuild: bool, delay: float, tally: Counter[str]
) -> None:
    """One run killed after delay seconds; tallies what it left behind."""
    before = state(index) or {}
    target = corpus.expected()
    process = subprocess.Popen(
        command(index, corpus.path, procs, rebuild),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    time.sleep(delay)
    workers = children(process.pid)
    tally["kills during a run" if process.poll() is None else "kills after the run ended"] += 1
    process.kill()
    process.wait()
    time.sleep(0.2)
    left = [pid for pid in workers if alive(pid)]
    tally["worker processes left behind"] += len(left)
    tally["lock still held after the kill"] += not lock_is_free(index)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    after = state(index)
    if after is None:
        tally["unreadable indexes"] += 1
        return
    tally["lost documents"] += len((before.keys() & target.keys()) - after.keys())
    if after == before:
        tally["old state"] += 1
    elif after == target:
        tally["new state"] += 1
    else:
        tally["neither old nor new state"] += 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=20, help=f"at most {MAX_KILLS}")
    parser.add_argument("--docs", type=int, default=1500, help=f"at most {MAX_DOCS}")
    parser.add_argument("--procs", type=int, default=1, help="writer processes of a rebuild")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    kills, docs = min(args.kills, MAX_KILLS), min(args.docs, MAX_DOCS)
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="kill-test-") as tmp:
        index = Path(tmp) / "index"
        corpus = Corpus(Path(tmp) / "corpus", docs, rng)
        code, full = run(index, corpus.path, args.procs)
        if code:
            print(f"the first build failed with exit code {code}", file=sys.stderr)
            return 1
        tally: Counter[str] = Counter()
        began = time.monotonic()
        for _ in range(kills):
            rebuild = rng.random() < 1 / 3
            if not rebuild:
                corpus.edit()
            kill_once(index, corpus, args.procs, rebuild, rng.uniform(0.05, full), tally)
        code, _ = run(index, corpus.path, args.procs)
        final = state(index)
        matches = final == corpus.expected()
        generations = sorted(p.name for p in index.glob("gen-*"))

    broken = [
        "unreadable indexes",
        "lost documents",
        "neither old nor new state",
        "lock still held after the kill",
        "worker processes left behind",
    ]
    print(
        f"kill-test: {kills} SIGKILLs of `speechsearch reindex` over {docs} documents "
        f"(--procs {args.procs}, seed {args.seed}); a full build takes {full:.1f}s; "
        f"{time.monotonic() - began:.0f}s in all"
    )
    for name in ["kills during a run", "kills after the run ended", "old state", "new state"]:
        print(f"  {name + ':':<34}{tally[name]}")
    for name in broken:
        print(f"  {name + ':':<34}{tally[name]}")
    print(
        f"  final clean run: exit {code}, {len(final or {})} documents, "
        f"matches the corpus: {'yes' if matches else 'NO'}, generations left: {len(generations)}"
    )
    healthy = code == 0 and matches and len(generations) == 1
    return 0 if healthy and not any(tally[name] for name in broken) else 1


if __name__ == "__main__":
    sys.exit(main())
