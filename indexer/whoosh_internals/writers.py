"""The writer half of whoosh_internals: Whoosh's segment writer and its parallel MpWriter,
changed through their private methods and attributes where they leave no public way in.
Imported by indexing only, so the search side never loads Whoosh's writers or process pool."""

from __future__ import annotations

import multiprocessing
import pickle
import queue
import sys
from typing import Any

from whoosh import multiproc
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.reading import SegmentReader
from whoosh.util import random_name
from whoosh.writing import IndexingError, SegmentWriter

from ..errors import IndexWriteError
from ..processes import die_with_parent
from . import doc_frequencies, stored_lengths
from .postings import TermPool, write_postings

PICKLE_PROTOCOL = 2  # what MpWriter hands its writer processes


class Lengths:
    """A new segment's field lengths, each field's read whole from its per-document reader,
    for the postings writer (the blocks and term infos hold the shortest and longest)."""

    def __init__(self, perdoc: Any) -> None:
        self._perdoc = perdoc
        self._fields: dict[str, list[int]] = {}

    def of(self, field: str) -> list[int]:
        """Every document's length in field (0: none)."""
        lengths = self._fields.get(field)
        if lengths is None:
            lengths = stored_lengths(self._perdoc, field, self._perdoc.doc_count_all())
            self._fields[field] = lengths
        return lengths

    def close(self) -> None:
        self._perdoc.close()


class _OurSegment:
    """What both our writers change in the segment a writer process of Whoosh's writes itself:
    its postings gathered by .postings' TermPool and written by write_postings (exact=True:
    byte for byte as Whoosh would, for comparison), merged segments' postings included; and,
    for a field named counted, its terms' document frequencies in the segments the commit merges
    away noted (merged_frequencies), since their files are gone once it is done."""

    def _start(self, exact: bool, counted: str | None) -> None:
        self.pool = TermPool(self.schema)  # type: ignore[attr-defined]
        self.exact = exact
        self.counted = counted
        self.merged_frequencies: dict[str, int] = {}

    def _merge_segments(self, mergetype: Any, optimize: Any, merge: Any) -> list[Any]:
        """SegmentWriter's, noting the counted field's frequencies in the segments merged."""
        before = list(self.segments)  # type: ignore[attr-defined]
        kept = super()._merge_segments(mergetype, optimize, merge)  # type: ignore[misc]
        staying = {segment.segment_id() for segment in kept}
        for segment in before:
            if self.counted and segment.segment_id() not in staying:
                reader = SegmentReader(self.storage, self.schema, segment)  # type: ignore[attr-defined]
                try:
                    counts = self.merged_frequencies
                    for term, items in doc_frequencies(reader, self.counted):
                        counts[term] = counts.get(term, 0) + items
                finally:
                    reader.close()
        return kept

    def _flush_segment(self) -> None:  # whoosh.writing.SegmentWriter's, but for TermPool
        self.perdocwriter.close()  # type: ignore[attr-defined]
        lengths = (
            Lengths(self.per_document_reader())  # type: ignore[attr-defined]
            if self.codec.length_stats  # type: ignore[attr-defined]
            else None
        )
        write_postings(
            self.fieldwriter,  # type: ignore[attr-defined]
            lengths,
            self.pool,
            self.codec._blocklimit,  # type: ignore[attr-defined]
            self.exact,
        )
        self.fieldwriter.close()  # type: ignore[attr-defined]
        if lengths:
            lengths.close()


class Writer(_OurSegment, SegmentWriter):
    """Whoosh's segment writer with our segment (_OurSegment) and its own add_document."""

    def __init__(
        self, ix: Any, exact: bool = False, counted: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(ix, **kwargs)
        self._start(exact, counted)

    def add_document(self, **fields: Any) -> None:
        """SegmentWriter.add_document for the kinds of field this schema has (no spelling or
        vector fields), each field's postings handed to the pool at once."""
        self._check_state()
        perdoc, schema, docnum = self.perdocwriter, self.schema, self.docnum
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        docboost = self._doc_boost(fields)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                if field.separate_spelling() or field.vector:
                    raise IndexingError(f"field {name}: spelling and vectors are not written")
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    length = self.pool.add_document_field(name, docnum, value, boost)
                    length = length if field.scorable else 0
                stored = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(stored))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1


class _WriterProcess(SubWriterTask):
    """A writer process that dies with the run (orphaned, it would wait for work forever) and
    that, failing, tells the main process what it was doing and why, not a traceback."""

    def __init__(self, *args: Any, failures: multiprocessing.Queue) -> None:
        super().__init__(*args)
        self.failures = failures
        self.doing = "starting"

    def run(self) -> None:
        die_with_parent()
        multiproc.SegmentWriter = Writer  # the writer run() makes, in this process only
        try:
            super().run()
        except Exception as exc:
            hint = " (disk full or unwritable index folder?)" if isinstance(exc, OSError) else ""
            self.failures.put(
                f"a writer process failed while {self.doing}: {type(exc).__name__}: {exc}{hint}"
            )
            self.failures.close()
            self.failures.join_thread()  # the report is in the pipe before the process ends
            sys.exit(1)

    def _process_file(self, filename: str, doc_count: int) -> None:
        """SubWriterTask's, noting the document being written for a failure report."""
        temp = self.writer.temp_storage()
        with temp.open_file(filename).raw_file() as f:
            for _ in range(doc_count):
                _, fields = pickle.load(f)
                self.doing = f"writing document {fields['id'][:200]!r}"
                self.writer.add_document(**fields)
        temp.delete_file(filename)
        self.doing = "finishing its segment"


class ParallelWriter(_OurSegment, MpWriter):
    """MpWriter whose writer processes use Writer and report their failures, which stop the
    run before anything is committed (raise_failure); its own segment, where an incremental
    run's merges go, is ours too (_OurSegment)."""

    def __init__(self, *args: Any, counted: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._start(False, counted)
        self.failures: multiprocessing.Queue = multiprocessing.Queue()

    def _commit_toc(self, segments: list[Any]) -> None:
        """MpWriter's, unless a writer process failed: whoosh's _commit goes on without the
        segment of a writer that sent none, which in an update would commit the old versions'
        deletion without their new versions."""
        self.raise_failure()
        super()._commit_toc(segments)

    def _new_task(self) -> _WriterProcess:
        task = _WriterProcess(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            failures=self.failures,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self) -> None:
        """MpWriter's, but a batch waits for a live writer process, never for a failed one."""
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as f:
            for item in self.docbuffer:
                pickle.dump(item, f, PICKLE_PROTOCOL)
        if len(self.tasks) < self.procs:
            self._new_task()
        job = (filename, len(self.docbuffer))
        while True:
            self.raise_failure()
            try:
                self.jobqueue.put(job, timeout=1)
                break
            except queue.Full:
                continue
        self.docbuffer = []

    def raise_failure(self) -> None:
        """Stop the build with what a failed writer process reported, if one failed."""
        if all(task.exitcode in (None, 0) for task in self.tasks):
            return
        try:
            reason = self.failures.get(timeout=1)
        except queue.Empty:
            codes = [task.exitcode for task in self.tasks if task.exitcode]
            reason = f"a writer process died with exit code {codes[0]} (killed? out of memory?)"
        raise IndexWriteError(f"{reason}; the live index is untouched")

    def cancel(self) -> None:
        """Stop the writer processes too: MpWriter only flags its own copies of them."""
        self.jobqueue.cancel_join_thread()
        for task in self.tasks:
            task.kill()
            task.join()
        SegmentWriter.cancel(self)
