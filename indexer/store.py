"""Index generations on disk: CURRENT names the live one; a rebuild writes a new one beside it
and switches with one atomic rename, so readers never see a half-built index.

Committed means on disk: every publish step syncs the files it makes live, then their folder,
before the pointer to them moves (Whoosh's TOC within a generation, CURRENT between
generations), then the pointer's folder. A killed run loses nothing a finished run wrote; a power
cut keeps the last finished run. SPEECHSEARCH_FSYNC=0 (read once, at import) leaves the index's
own files and folders to the OS's writeback, as Whoosh alone does, to measure what syncing costs;
CURRENT, analyzer.json and the run report are synced either way."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index

from .errors import IndexLocked, IndexMissing, IndexUnreadable, IndexWriteError
from .whoosh_internals import CommitAwareStorage

CURRENT = "CURRENT"
ANALYZER_FILE = "analyzer.json"
REPORT_FILE = "last-run.json"
LOCK_FILE = "reindex.lock"
_GENERATION = re.compile(r"^gen-(\d{6})$")
FSYNC = os.environ.get("SPEECHSEARCH_FSYNC", "1") != "0"


class DurableStorage(CommitAwareStorage):
    """A storage whose commits survive a power cut: the segment files and the TOC reach the
    disk before the rename that makes a commit live, and the rename right after it. The syncs
    happen here, in the process that commits, because the segment files of a parallel build are
    written by MpWriter's worker processes."""

    def before_commit(self, folder: Path) -> None:
        _sync_folder(folder)

    def after_commit(self, folder: Path) -> None:
        fsync_path(folder)


def storage(path: Path) -> FileStorage:
    """Whoosh storage without mmap: with it, Whoosh copies every segment file it opens into
    memory as well (BufferFile wraps the map in a BytesIO), doubling the server's RSS."""
    return (DurableStorage if FSYNC else FileStorage)(str(path), supports_mmap=False)


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_path(path.parent)


def fsync_path(path: Path) -> None:
    """Sync a file or a folder by name: on Linux a read-only descriptor syncs either."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(path: Path) -> None:
    """Sync every file of a folder, then the folder; subfolders (Whoosh's temporary pools) are
    not part of the index. Files already on disk cost one cheap fsync each."""
    with os.scandir(path) as entries:
        for entry in entries:
            if entry.is_file(follow_symlinks=False):
                fsync_path(Path(entry.path))
    fsync_path(path)


def _make_dirs(path: Path) -> None:
    """mkdir -p whose new folders survive a power cut: each one's entry in its parent is synced."""
    if path.is_dir():
        return
    _make_dirs(path.parent)
    path.mkdir(exist_ok=True)
    fsync_path(path.parent)


class IndexStore:
    """The index folder: generations, the CURRENT pointer, the run lock and the last report."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def current(self) -> str | None:
        """Name of the live generation, or None when nothing was published yet."""
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise IndexUnreadable(f"cannot read {self.root / CURRENT}: {exc.strerror}") from exc
        if not _GENERATION.match(name):
            raise IndexUnreadable(
                f"{self.root / CURRENT} is damaged; rebuild with `speechsearch index --rebuild`"
            )
        return name

    def path(self, generation: str) -> Path:
        return self.root / generation

    def require_current(self) -> str:
        generation = self.current()
        if generation is None:
            raise IndexMissing(
                f"no index at {self.root}; create it with `speechsearch index --corpus PATH "
                f"--index {self.root}`"
            )
        return generation

    def open(self, generation: str | None = None) -> Index:
        """The Whoosh index of a generation (default: the live one)."""
        generation = generation or self.require_current()
        path = self.path(generation)
        try:
            return storage(path).open_index()
        except FileNotFoundError as exc:
            raise IndexUnreadable(
                f"index generation {path} is missing; rebuild with `speechsearch index --rebuild`"
            ) from exc
        except Exception as exc:  # Whoosh raises many kinds on damaged files
            raise IndexUnreadable(
                f"index at {path} cannot be opened ({type(exc).__name__}: {exc}); "
                "rebuild with `speechsearch index --rebuild`"
            ) from exc

    def analyzer_fingerprint(self, generation: str) -> dict[str, Any] | None:
        try:
            return json.loads((self.path(generation) / ANALYZER_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def new_generation(self, fingerprint: dict[str, Any]) -> tuple[str, Path]:
        """A fresh, empty generation folder (not live until publish)."""
        numbers = [int(m.group(1)) for p in self._generations() if (m := _GENERATION.match(p.name))]
        name = f"gen-{max(numbers, default=0) + 1:06d}"
        path = self.path(name)
        path.mkdir(parents=True)
        _write_atomic(path / ANALYZER_FILE, json.dumps(fingerprint, indent=2, sort_keys=True))
        return name, path

    def publish(self, generation: str) -> None:
        """Make a generation live in one atomic step, then remove the older ones. Its files and
        its folder's entry reach the disk before CURRENT names it, whatever order the file system
        keeps: Whoosh's last commit synced the files already, so this costs little."""
        if FSYNC:
            _sync_folder(self.path(generation))
            fsync_path(self.root)
        _write_atomic(self.root / CURRENT, generation + "\n")
        self.remove_stale(keep=generation)

    def remove_stale(self, keep: str | None) -> None:
        """Drop generations that are not live (old ones, or half-built ones of a killed run)."""
        for path in self._generations():
            if path.name != keep:
                shutil.rmtree(path, ignore_errors=True)

    def _generations(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return [p for p in self.root.iterdir() if p.is_dir() and _GENERATION.match(p.name)]

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One indexing run at a time; the OS drops the lock when a killed run dies."""
        try:
            _make_dirs(self.root)
            handle = open(self.root / LOCK_FILE, "a+")  # noqa: SIM115
        except OSError as exc:
            raise IndexWriteError(f"cannot write to {self.root}: {exc.strerror}") from exc
        try:
            try:
                # lockf, not flock: a POSIX lock belongs to this process alone, so the writer
                # processes a parallel build forks cannot keep holding it once it is killed
                fcntl.lockf(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    raise IndexLocked(
                        f"another indexing run holds {self.root / LOCK_FILE}; "
                        "try again when it ends"
                    ) from exc
                raise
            yield
        finally:
            handle.close()

    def check_writable(self, generation: str | None) -> None:
        """Raise OSError unless the index folder and the live generation take new files."""
        for folder in (self.root, *([self.path(generation)] if generation else [])):
            probe = folder / ".write-probe"
            probe.write_bytes(b"")
            probe.unlink()

    def write_report(self, report: dict[str, Any]) -> None:
        _write_atomic(self.root / REPORT_FILE, json.dumps(report, ensure_ascii=False, indent=2))

    def last_report(self) -> dict[str, Any] | None:
        try:
            return json.loads((self.root / REPORT_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
