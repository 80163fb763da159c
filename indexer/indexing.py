"""Bring an index up to date with a corpus: a full build into a new generation, or an
incremental pass (added / changed / removed documents) committed once."""

from __future__ import annotations

import contextlib
import datetime as dt
import pickle
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from . import vocabulary
from .analysis import build_pipeline
from .documents import Document
from .errors import CorpusError, IndexUnreadable, IndexWriteError
from .loader import CorpusReader, Problem
from .schema import build_schema, to_fields
from .settings import Settings
from .store import IndexStore, storage
from .vocabulary import Title, title_of
from .whoosh_internals.writers import PICKLE_PROTOCOL, ParallelWriter, Writer

Progress = Callable[[int], None]


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
    config = settings.analyzer_config()
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
                _update(store, current, reader, report, optimize, progress, settings.procs)
            report.problems = [str(p) for p in reader.problems]
            report.skipped = sum(p.kind == "skipped" for p in reader.problems)
            report.warnings = sum(p.kind == "warning" for p in reader.problems)
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
        writer = ParallelWriter(ix, procs=settings.procs, multisegment=True)
    else:
        writer = Writer(ix)
    titles: dict[str, Title | None] = {}
    try:
        for doc in reader.documents():
            fields = storable_fields(doc, reader)
            if fields is None:
                continue
            writer.add_document(**fields)
            titles[doc.id] = _title(fields)
            report.added += 1
            if progress:
                progress(report.added)
        if not report.added:
            listed = "".join(f"\n  {p}" for p in reader.problems[:20])
            raise CorpusError(
                f"no document could be indexed from {', '.join(map(str, reader.paths))}{listed}"
            )
        writer.commit()  # a writer process's failure raises before anything is committed
        written_ix = storage(path).open_index()
        written = written_ix.doc_count()
        if written != report.added:  # a writer process that died without a word
            raise IndexWriteError(
                f"the new index holds {written} of {report.added} documents (a writer process "
                "was lost: killed, or out of memory?); the live index is untouched"
            )
        live = store.current()  # its vocabulary's readings are reused
        base = vocabulary.newest(store.path(live)) if live else None
        vocabulary.build(written_ix, path, titles, whole=True, base=base)
    except BaseException:
        with contextlib.suppress(Exception):  # on a full disk cancel() fails too
            writer.cancel()
        store.remove_stale(keep=store.current())
        raise
    report.documents = report.added
    store.publish(generation)


def storable_fields(doc: Document, reader: CorpusReader) -> dict[str, object] | None:
    """The writer's fields of doc, hashed and pickled here in the main process as the writers
    will, since a failure here costs one document and in a writer process the whole build:
    metadata that cannot be stored is dropped with a warning, a document that still cannot be
    is skipped."""
    try:
        return _pickled(doc)
    except Exception as exc:
        reason = _error(exc)
    if doc.metadata:
        try:
            fields = _pickled(replace(doc, metadata={}))
        except Exception as exc:
            reason = _error(exc)
        else:
            dropped = f"metadata cannot be stored ({reason}): dropped it, kept the document"
            reader.problems.append(Problem(doc.path, dropped, None, doc.id, "warning"))
            return fields
    reader.problems.append(Problem(doc.path, f"cannot be stored ({reason})", None, doc.id))
    return None


def _pickled(doc: Document) -> dict[str, object]:
    fields = to_fields(doc)
    pickle.dumps(fields, PICKLE_PROTOCOL)
    return fields


def _title(fields: dict[str, object]) -> Title:
    return title_of(str(fields["title"]), str(fields["norm_title"]))


def _error(exc: Exception) -> str:
    return f"{type(exc).__name__}: {str(exc)[:200]}"


def _existing(ix) -> dict[str, tuple[str, str]]:
    """id -> (content hash, source path) of every live document, read from columns."""
    with ix.reader() as r:  # each column read whole: 2x faster than one value at a time
        ids, hashes, paths = (list(r.column_reader(name)) for name in ("id", "hash", "path"))
        return {ids[n]: (hashes[n], paths[n]) for n in r.all_doc_ids()}


def _update_writer(ix: Any, procs: int, optimize: bool) -> Writer | ParallelWriter:
    """The writer of an incremental run: with procs > 1, writer processes analyse the changed
    items while this one reads on (each writes a segment of its own), unless the run merges
    every segment (MpWriter's own process would merge them through Whoosh's slow pool); both
    note the words of the segments their commit merges away, for the vocabulary."""
    if procs > 1 and not optimize:
        return ParallelWriter(ix, procs=procs, multisegment=True, counted="words")
    return Writer(ix, counted="words")


def _update(store, generation, reader, report, optimize, progress, procs) -> None:
    ix = store.open(generation)
    folder = store.path(generation)
    base = vocabulary.path_for(folder, ix.latest_generation())
    segments = vocabulary.segments_of(ix)  # what base counted words from
    titles: dict[str, Title | None] = {}
    existing = _existing(ix)
    reader.known = {doc_id: content_hash for doc_id, (content_hash, _) in existing.items()}
    writer = None
    try:
        for count, doc in enumerate(reader.documents(), start=1):
            old = existing.pop(doc.id, None)
            if old is not None and old[0] == doc.content_hash:
                report.unchanged += 1  # nothing to prepare for a writer
                if progress:
                    progress(count)
                continue
            fields = storable_fields(doc, reader)
            if fields is None:
                if old is not None:  # as in a file with errors: the last good version stays
                    report.kept += 1
                continue
            if old is not None and old[0] == fields["hash"]:
                report.unchanged += 1
            else:
                writer = writer or _update_writer(ix, procs, optimize)
                writer.update_document(**fields)
                titles[doc.id] = _title(fields)
                if old is None:
                    report.added += 1
                else:
                    report.updated += 1
            if progress:
                progress(count)
        for doc_id, (_, path) in existing.items():
            if reader.had_errors(path):
                report.kept += 1
                reason = "file has errors; the last good version stays"
                reader.problems.append(Problem(path, reason, None, doc_id, "warning"))
                continue
            if not report.indexed + report.unchanged + report.kept:
                raise CorpusError(
                    f"no document could be read from {', '.join(map(str, reader.paths))}: "
                    "refusing to delete the whole index (an unmounted or emptied corpus?)"
                )
            writer = writer or _update_writer(ix, procs, optimize)
            writer.delete_by_term("id", doc_id)
            titles[doc_id] = None
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
    counted = vocabulary.Counted(segments, writer.merged_frequencies) if writer else None
    vocabulary.build(ix, folder, titles, whole=False, base=base, counted=counted)
