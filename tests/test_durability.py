"""Committed means on disk: indexing runs crashed at every file operation on a simulated disk that
keeps only what was synced (in the spirit of Lucene's MockDirectoryWrapper) still open, still
hold the last finished run, and are repaired by the next run; without syncing, they are not."""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import io
import os
import pickle
import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from conftest import write_jsonl

from indexer import CorpusReader, RunReport, SearchIndex, SearchRequest, Settings, sync
from indexer import store as store_module
from indexer.store import DurableStorage, IndexStore, storage

CHARS = "经济发展改革开放创新科技教育文化卫生医疗交通农业工业能源环境生态城市乡村人才就业社会保障"
WRITING = frozenset("wax+")
Image = dict[str, str | None]  # path under the disk -> digest of the content, None for a folder


# -- corpora -------------------------------------------------------------------------------


def item(n: int, version: int = 0) -> dict[str, Any]:
    """News item n; each version has other words, so an update shows in the stored hash."""
    pick = random.Random(n * 7919 + version)
    return {
        "id": f"item-{n:03d}",
        "title": f"第{n}号报告",
        "body": "，".join("".join(pick.choices(CHARS, k=12)) for _ in range(6)) + "。",
        "date": f"2020-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
        "source": "新华社",
    }


FIRST = [item(n) for n in range(24)]
# the next night: 3 gone, 4 changed, 4 new
SECOND = [item(n, 1 if n % 6 == 0 else 0) for n in range(3, 28)]


def expected(corpus: Path) -> dict[str, str]:
    """id -> content hash of every document of the corpus: what a finished run indexes."""
    return {doc.id: doc.content_hash for doc in CorpusReader([corpus]).documents()}


def indexed(index: Path) -> dict[str, str] | None:
    """id -> content hash of every document the live generation holds; None without one."""
    store = IndexStore(index)
    if store.current() is None:
        return None
    ix = store.open()
    try:
        with ix.searcher() as searcher:
            return {fields["id"]: fields["hash"] for fields in searcher.all_stored_fields()}
    finally:
        ix.close()


# -- the simulated disk --------------------------------------------------------------------


@dataclass
class Disk:
    """The files under `top` as a power cut would leave them: a file's content survives only as
    it was at its last fsync, a folder's entries (creations, renames, deletions) only as they
    were at the folder's last fsync. Before every file operation of this process it records
    three crash images: the process killed (all the OS has), a power cut (only what was synced)
    and a power cut on a file system that journals names first (every name, but the content of
    a file never synced torn in half). Other processes (MpWriter's workers) are not stopped
    between their operations, but what they wrote is in the images taken after."""

    top: Path
    pid: int = field(default_factory=os.getpid)
    blobs: dict[str, bytes] = field(default_factory=dict)
    names: dict[str, int] = field(default_factory=dict)  # live path -> file identity
    synced: dict[int, str] = field(default_factory=dict)  # identity -> digest at its last fsync
    listed: dict[str, dict[str, int | None]] = field(default_factory=dict)  # folder's synced names
    images: dict[str, tuple[str, Image]] = field(default_factory=dict)  # key -> (label, image)
    points: int = 0
    fsyncs: int = 0
    _ids: Iterator[int] = field(default_factory=count)

    # state

    def _mine(self, path: Any) -> str | None:
        """The absolute path if it is under the disk and this is the process under test."""
        if os.getpid() != self.pid or not isinstance(path, str | os.PathLike):
            return None
        path = os.path.abspath(os.fspath(path))
        top = str(self.top)
        return path if path == top or path.startswith(top + os.sep) else None

    def _identity(self, path: str) -> int:
        """Files written by other processes (MpWriter's workers) get one when first seen."""
        return self.names.setdefault(path, next(self._ids))

    def _keep(self, data: bytes) -> str:
        """Contents are kept once, by digest: most crash images share most of their files."""
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        self.blobs.setdefault(digest, data)
        return digest

    def _store(self, path: str) -> str:
        with open(path, "rb") as handle:
            return self._keep(handle.read())

    def _torn(self, digest: str) -> str:
        return self._keep(self.blobs[digest][: len(self.blobs[digest]) // 2])

    def _sync(self, path: str) -> None:
        if os.path.isdir(path):
            self.listed[path] = {
                entry.name: None if entry.is_dir() else self._identity(entry.path)
                for entry in os.scandir(path)
            }
        else:
            self.synced[self._identity(path)] = self._store(path)

    def seal(self) -> None:
        """Everything now under the disk is synced, as after a night's quiet writeback."""
        for folder, _, files in os.walk(self.top):
            self._sync(folder)
            for name in files:
                self._sync(os.path.join(folder, name))

    def _forget(self, path: str) -> None:
        self.names = {
            p: i for p, i in self.names.items() if p != path and not p.startswith(path + os.sep)
        }

    # crash images

    def _live(self) -> Image:
        image: Image = {}
        for folder, folders, files in os.walk(self.top):
            image.update({self._rel(os.path.join(folder, name)): None for name in folders})
            for name in files:
                path = os.path.join(folder, name)
                image[self._rel(path)] = self._store(path)
        return image

    def _power_cut(self) -> Image:
        image: Image = {}

        def walk(folder: str) -> None:
            for name, identity in self.listed.get(folder, {}).items():
                path = os.path.join(folder, name)
                key = self._rel(path)
                if identity is None:
                    image[key] = None
                    walk(path)
                else:  # a name synced before its content: the content is lost
                    image[key] = self.synced.get(identity) or self._keep(b"")

        walk(str(self.top))
        return image

    def _names_first(self, live: Image) -> Image:
        image: Image = {}
        for key, digest in live.items():
            identity = self.names.get(os.path.join(self.top, key))
            if digest is None:
                image[key] = None
            elif identity is not None and identity in self.synced:
                image[key] = self.synced[identity]
            else:
                image[key] = self._torn(digest)
        return image

    def crash_point(self, label: str) -> None:
        """Record what each kind of crash would leave if it struck now."""
        self.points += 1
        live = self._live()
        for kind, image in (
            ("killed", live),
            ("power cut", self._power_cut()),
            ("power cut, names first", self._names_first(live)),
        ):
            key = hashlib.blake2b(repr(sorted(image.items())).encode()).hexdigest()
            self.images.setdefault(key, (f"{kind} {label}", image))

    def materialize(self, image: Image, where: Path) -> None:
        for key, digest in sorted(image.items()):
            path = where / key
            if digest is None:
                path.mkdir(parents=True, exist_ok=True)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(self.blobs[digest])

    # the file operations watched

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Route this process's file operations through the disk while the block runs."""
        real = {
            name: getattr(os, name)
            for name in ("fsync", "open", "rename", "replace", "remove", "unlink", "mkdir", "rmdir")
        }
        real_open, real_rmtree = builtins.open, shutil.rmtree

        def fsync(fd: int) -> None:
            path = os.readlink(f"/proc/self/fd/{fd}")
            if self._mine(path):
                self.crash_point(f"before fsync {self._rel(path)}")
                real["fsync"](fd)
                self.fsyncs += 1
                self._sync(path)
            else:
                real["fsync"](fd)

        def create(path: str | None, label: str) -> None:
            if path:
                self.crash_point(f"before {label} {self._rel(path)}")
                if os.path.exists(path):
                    self.synced.pop(self._identity(path), None)  # the truncation reached the disk
                else:
                    self.names[path] = next(self._ids)

        def open_(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
            if WRITING & set(mode):
                create(self._mine(file), f"open({mode!r})")
            return real_open(file, mode, *args, **kwargs)

        def os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
            if flags & os.O_CREAT and not kwargs.get("dir_fd"):
                create(self._mine(path), "os.open")
            return real["open"](path, flags, *args, **kwargs)

        def move(name: str) -> Callable[..., None]:
            def rename(src: Any, dst: Any, **kwargs: Any) -> None:
                old, new = self._mine(src), self._mine(dst)
                if old and new and not kwargs:
                    self.crash_point(f"before {name} {self._rel(old)} -> {self._rel(new)}")
                    real[name](src, dst)
                    for path in [p for p in self.names if p == old or p.startswith(old + os.sep)]:
                        self.names[new + path[len(old) :]] = self.names.pop(path)
                else:
                    real[name](src, dst, **kwargs)

            return rename

        def drop(name: str) -> Callable[..., None]:
            def remove(path: Any, *args: Any, **kwargs: Any) -> None:
                mine = None if kwargs.get("dir_fd") else self._mine(path)
                if mine:
                    self.crash_point(f"before {name} {self._rel(mine)}")
                real[name](path, *args, **kwargs)
                if mine:
                    self._forget(mine)

            return remove

        def mkdir(path: Any, *args: Any, **kwargs: Any) -> None:
            mine = None if kwargs.get("dir_fd") else self._mine(path)
            if mine:
                self.crash_point(f"before mkdir {self._rel(mine)}")
            real["mkdir"](path, *args, **kwargs)

        def rmtree(path: Any, *args: Any, **kwargs: Any) -> None:
            mine = self._mine(path)
            if mine:
                self.crash_point(f"before rmtree {self._rel(mine)}")
            real_rmtree(path, *args, **kwargs)
            if mine:
                self._forget(mine)

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(os, "fsync", fsync)
            patch.setattr(os, "open", os_open)
            patch.setattr(builtins, "open", open_)
            patch.setattr(io, "open", open_)  # pathlib opens through io.open
            for name in ("rename", "replace"):
                patch.setattr(os, name, move(name))
            for name in ("remove", "unlink", "rmdir"):
                patch.setattr(os, name, drop(name))
            patch.setattr(os, "mkdir", mkdir)
            patch.setattr(shutil, "rmtree", rmtree)
            yield

    def _rel(self, path: str) -> str:
        return os.path.relpath(path, self.top)


# -- runs, crashes and checks --------------------------------------------------------------


@dataclass
class Night:
    """One indexing run on the simulated disk and every state a crash during it could leave."""

    disk: Disk
    settings: Settings
    corpus: Path
    before: dict[str, str] | None  # what the last finished run left
    after: dict[str, str]  # what this run indexes
    report: RunReport
    during: dict[str, tuple[str, Image]]  # crash images while the run ran
    finished: dict[str, tuple[str, Image]]  # crash images once it returned


def night(
    tmp_path: Path, first: list[dict[str, Any]] | None, second: list[dict[str, Any]], **options: Any
) -> Night:
    """Index `first` (if given) normally, then index `second` on the watched disk."""
    disk = Disk(tmp_path / "disk")
    disk.top.mkdir()
    settings = Settings(index_dir=disk.top / "index", procs=options.pop("procs", 1))
    corpus = tmp_path / "corpus"
    before = None
    if first is not None:
        write_jsonl(corpus / "news.jsonl", first)
        sync(settings, [corpus])
        before = expected(corpus)
    write_jsonl(corpus / "news.jsonl", second)
    disk.seal()
    with disk.watching():
        report = sync(settings, [corpus], **options)
    during, disk.images = disk.images, {}
    disk.crash_point("after the run")
    return Night(disk, settings, corpus, before, expected(corpus), report, during, disk.images)


def problem(run: Night, label: str, image: Image, where: Path, finished: bool) -> str | None:
    """What is wrong after this crash: the index does not open or search, holds something else
    than the last finished run, or the next run does not bring it up to date."""
    run.disk.materialize(image, where)
    settings = Settings(index_dir=where / "index", procs=1)
    try:
        found = indexed(settings.index_dir)
        if finished and found != run.after:
            return f"{label}: the finished run is lost ({_differ(found, run.after)})"
        if found not in (run.before, run.after):
            return (
                f"{label}: neither the last finished run nor this one ({_differ(found, run.after)})"
            )
        if found:
            n = int(sorted(found)[len(found) // 2].split("-")[1])
            search = SearchIndex(settings)
            try:
                hits = search.search(SearchRequest(q=f"第{n}号报告"))["hits"]
            finally:
                search.close()
            if f"item-{n:03d}" not in [hit["id"] for hit in hits]:
                return f"{label}: a search misses item-{n:03d}"
        if finished:
            report = IndexStore(settings.index_dir).last_report()
            if report != run.report.to_dict():
                return f"{label}: the finished run's report is lost"
        repaired = sync(settings, [run.corpus])
        store = IndexStore(settings.index_dir)
        if indexed(settings.index_dir) != run.after:
            return f"{label}: the next run did not repair the index"
        if sorted(p.name for p in settings.index_dir.glob("gen-*")) != [repaired.generation]:
            return f"{label}: the next run left stale generations"
        if store.last_report() != repaired.to_dict():
            return f"{label}: the next run's report is not saved"
    except Exception as exc:  # any failure to open, search or repair is what we look for
        return f"{label}: {type(exc).__name__}: {exc}"
    return None


def _differ(found: dict[str, str] | None, wanted: dict[str, str]) -> str:
    if found is None:
        return "no index"
    missing = len(wanted.keys() - found.keys())
    changed = sum(found[k] != v for k, v in wanted.items() if k in found)
    extra = len(found.keys() - wanted.keys())
    return f"{missing} missing, {changed} stale, {extra} extra of {len(wanted)}"


def problems(run: Night, where: Path) -> list[str]:
    """Every problem of every distinct crash image of the run."""
    found = []
    for n, (finished, images) in enumerate(((False, run.during), (True, run.finished))):
        for m, (label, image) in enumerate(images.values()):
            if (trouble := problem(run, label, image, where / f"{n}-{m}", finished)) is not None:
                found.append(trouble)
    return found


# -- the tests -----------------------------------------------------------------------------


NIGHTS = {
    "first build": (None, FIRST, {}),
    "incremental reindex": (FIRST, SECOND, {}),
    "full rebuild": (FIRST, SECOND, {"rebuild": True}),
    "parallel first build": (None, FIRST, {"procs": 2}),
    "parallel incremental reindex": (FIRST, SECOND, {"procs": 2}),
}


@pytest.mark.parametrize("name", NIGHTS)
def test_a_crash_at_any_point_keeps_the_last_finished_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(store_module, "FSYNC", True)  # whatever SPEECHSEARCH_FSYNC the shell has
    first, second, options = NIGHTS[name]
    run = night(tmp_path, first, second, **options)
    assert run.report.documents == len(run.after)
    assert run.disk.points >= 20 and run.disk.fsyncs >= 8, "the disk saw the run's operations"
    assert problems(run, tmp_path / "crashed") == []


# whoosh.index.TOC.read leaves the file open when a torn TOC fails to parse
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("name", ["first build", "incremental reindex"])
def test_without_syncing_a_power_cut_loses_a_finished_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(store_module, "FSYNC", False)
    first, second, options = NIGHTS[name]
    run = night(tmp_path, first, second, **options)
    lost = [p for p in problems(run, tmp_path / "crashed") if "after the run" in p]
    assert any(p.startswith("power cut") for p in lost), lost


def test_the_storage_pickles_for_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MpWriter's workers get the storage as it is (or pickled, when not forked)."""
    monkeypatch.setattr(store_module, "FSYNC", True)
    copy = pickle.loads(pickle.dumps(storage(tmp_path)))
    assert type(copy) is DurableStorage
    assert (copy.folder, copy.supports_mmap) == (str(tmp_path), False)
