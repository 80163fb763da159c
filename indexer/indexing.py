"""Bring an index up to date with a corpus: a full build into a new generation, or an
incremental pass (added / changed / removed documents) committed once."""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from whoosh import multiproc
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.writing import SegmentWriter

from .analysis import AnalyzerConfig, build_pipeline
from .errors import CorpusError, IndexUnreadable, IndexWriteError
from .lengths import Lengths
from .loader import CorpusReader, Problem
from .processes import die_with_parent
from .schema import build_schema, to_fields
from .settings import Settings
from .store import IndexStore, storage

Progress = Callable[[int], None]
WRITER_LIMIT_MB = 2048


@dataclass
class RunReport:
    """What an indexing run did; saved as JSON beside the index for monitoring."""

    mode: str = "incremental"
    reason: str = ""
    generation: str = ""
    started: str = ""
    finished: str = ""
    elapsed_s: float = 0.0
    added: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    kept: int = 0
    skipped: int = 0
    warnings: int = 0
    documents: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def indexed(self) -> int:
        return self.added + self.updated

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Worker(SubWriterTask):
    """A writer process that dies with the run: orphaned, it would wait for work forever."""

    def run(self) -> None:
        die_with_parent()
        multiproc.SegmentWriter = _Writer  # the writer run() makes, in this process only
        super().run()


class _Writer(SegmentWriter):
    """Whoosh's segment writer with the field lengths in memory while it writes postings."""

    def _flush_segment(self) -> None:  # whoosh.writing.SegmentWriter's, but for Lengths
        self.perdocwriter.close()
        lengths = Lengths(self.per_document_reader()) if self.codec.length_stats else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if lengths:
            lengths.close()


class _MpWriter(MpWriter):
    def _new_task(self) -> _Worker:
        task = _Worker(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
        )
        self.tasks.append(task)
        task.start()
        return task


def analyzer_config(settings: Settings) -> AnalyzerConfig:
    return AnalyzerConfig(
        userdict=str(settings.userdict) if settings.userdict else None,
        synonyms=str(settings.synonyms) if settings.synonyms else None,
    )


def _now() -> str:
    return dt.datetime.now(dt.UTC).astimezone().isoformat(timespec="seconds")


def sync(
    settings: Settings,
    corpus: Iterable[Path],
    *,
    rebuild: bool = False,
    optimize: bool = False,
    verbose: bool = False,
    progress: Progress | None = None,
) -> RunReport:
    """Index the corpus into settings.index_dir under the run lock; returns the run's report."""
    store = IndexStore(settings.index_dir)
    report = RunReport(started=_now())
    began = time.monotonic()
    config = analyzer_config(settings)
    fingerprint = config.fingerprint()
    reader = CorpusReader(list(corpus), settings.max_file_bytes, verbose)
    with store.lock():
        current = store.current()
        store.remove_stale(keep=current)
        report.reason = _rebuild_reason(store, current, fingerprint, rebuild)
        try:
            store.check_writable(current)  # fail before changing anything, not after a commit
            if report.reason:
                report.mode = "rebuild"
                _build(store, settings, config, fingerprint, reader, report, progress)
            else:
                assert current is not None
                report.generation = current
                _update(store, current, reader, report, optimize, progress)
            report.problems = [str(p) for p in reader.problems]
            report.skipped = sum(p.skipped for p in reader.problems)
            report.warnings = len(reader.problems) - report.skipped
            report.finished = _now()
            report.elapsed_s = round(time.monotonic() - began, 3)
            store.write_report(report.to_dict())
        except OSError as exc:
            raise IndexWriteError(
                f"writing the index in {settings.index_dir} failed ({exc.strerror or exc}); "
                "the live index is untouched. Free disk space or fix permissions and run again"
            ) from exc
    return report


def _rebuild_reason(
    store: IndexStore, current: str | None, fingerprint: dict[str, Any], rebuild: bool
) -> str:
    if current is None:
        return "new index"
    if rebuild:
        return "--rebuild"
    if store.analyzer_fingerprint(current) != fingerprint:
        return "analyzer configuration changed"
    try:
        store.open(current).close()
    except IndexUnreadable:
        return "live index unreadable"
    return ""


def _build(store, settings, config, fingerprint, reader, report, progress) -> None:
    generation, path = store.new_generation(fingerprint)
    report.generation = generation
    ix = storage(path).create_index(build_schema(build_pipeline(config)))
    if settings.procs > 1:
        writer = _MpWriter(ix, procs=settings.procs, multisegment=True, limitmb=WRITER_LIMIT_MB)
    else:
        writer = _Writer(ix, limitmb=WRITER_LIMIT_MB)
    try:
        for doc in reader.documents():
            writer.add_document(**to_fields(doc))
            report.added += 1
            if progress:
                progress(report.added)
        if not report.added:
            listed = "".join(f"\n  {p}" for p in reader.problems[:20])
            raise CorpusError(
                f"no document could be indexed from {', '.join(map(str, reader.paths))}{listed}"
            )
        writer.commit()
        written = storage(path).open_index().doc_count()
        if written != report.added:  # MpWriter drops a failed worker's segment silently
            raise IndexWriteError(
                f"the new index holds {written} of {report.added} documents (a writer process "
                "failed: disk full?); the live index is untouched"
            )
    except BaseException:
        with contextlib.suppress(Exception):  # on a full disk cancel() fails too
            writer.cancel()
        store.remove_stale(keep=store.current())
        raise
    report.documents = report.added
    store.publish(generation)


def _existing(ix) -> dict[str, tuple[str, str]]:
    """id -> (content hash, source path) of every live document, read from columns."""
    with ix.reader() as r:
        ids, hashes, paths = (r.column_reader(name) for name in ("id", "hash", "path"))
        return {ids[n]: (hashes[n], paths[n]) for n in r.all_doc_ids()}


def _update(store, generation, reader, report, optimize, progress) -> None:
    ix = store.open(generation)
    existing = _existing(ix)
    writer = None
    try:
        for count, doc in enumerate(reader.documents(), start=1):
            old = existing.pop(doc.id, None)
            if old is not None and old[0] == doc.content_hash:
                report.unchanged += 1
            else:
                writer = writer or _Writer(ix, limitmb=WRITER_LIMIT_MB)
                writer.update_document(**to_fields(doc))
                if old is None:
                    report.added += 1
                else:
                    report.updated += 1
            if progress:
                progress(count)
        for doc_id, (_, path) in existing.items():
            if path in reader.files_with_errors:
                report.kept += 1
                reader.problems.append(
                    Problem(
                        path, "file has errors; the last good version stays", None, doc_id, False
                    )
                )
                continue
            if not report.indexed + report.unchanged + report.kept:
                raise CorpusError(
                    f"no document could be read from {', '.join(map(str, reader.paths))}: "
                    "refusing to delete the whole index (an unmounted or emptied corpus?)"
                )
            writer = writer or _Writer(ix, limitmb=WRITER_LIMIT_MB)
            writer.delete_by_term("id", doc_id)
            report.deleted += 1
        if writer is not None:
            writer.commit(optimize=optimize)
        elif optimize:
            ix.optimize()
    except BaseException:
        if writer is not None:
            with contextlib.suppress(Exception):  # on a full disk cancel() fails too
                writer.cancel()
        raise
    report.documents = ix.doc_count()
