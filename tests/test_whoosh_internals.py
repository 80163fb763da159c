"""The one module that reads Whoosh's private names and on-disk layout answers as Whoosh's public
API does, on a real index of several segments with deleted documents; it refuses another Whoosh
version; and no other module of the core reaches into Whoosh's private names."""

from __future__ import annotations

import ast
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest
from conftest import mixed_records, write_jsonl
from whoosh import fields
from whoosh.scoring import BM25F
from whoosh.writing import SegmentWriter

from indexer.analysis import build_pipeline
from indexer.loader import CorpusReader
from indexer.schema import build_schema, to_fields
from indexer.settings import Settings
from indexer.snapshot import Snapshot
from indexer.store import IndexStore, storage
from indexer.whoosh_internals import (
    WRITTEN_FOR,
    CommitAwareStorage,
    bm25f_b,
    check_version,
    doc_frequencies,
    field_lengths,
    posting_gaps,
)
from indexer.whoosh_internals.writers import Lengths, Writer

PACKAGE = Path(__file__).resolve().parents[1] / "indexer"
FIELDS = ("grams", "title_grams", "title", "words")
BLOCK = 128  # postings per whoosh3 block


def terms_by_frequency(leaf: Any, field: str) -> list[str]:
    """A segment's terms of a field, most documents first."""
    return sorted(leaf.field_terms(field), key=lambda t: (-leaf.doc_frequency(field, t), t))


def sample(terms: list[str]) -> list[str]:
    """The most frequent, some in the middle and the rarest."""
    return terms[:8] + terms[len(terms) // 2 :][:8] + terms[-8:]


def public_postings(leaf: Any, field: str, text: str) -> list[tuple[int, float]]:
    """(document, weight) of a term's live postings through Whoosh's public matcher."""
    matcher = leaf.postings(field, text)
    found = []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight()))
        matcher.next()
    return found


def decoded(leaf: Any, field: str, text: str, wanted: list[int] | None = None) -> list[tuple]:
    """(document, weight) of the postings posting_gaps decodes, deleted documents included."""
    gaps, weights = posting_gaps(leaf, field, text, wanted)
    return list(zip(accumulate(gaps), weights, strict=True))


def test_the_index_has_what_these_tests_need(snapshot: Snapshot) -> None:
    """Several segments, deletions, and posting lists of many blocks in one segment."""
    assert len(snapshot.leaves) > 1
    assert any(leaf.has_deletions() for leaf, _ in snapshot.leaves)
    longest = max(
        leaf.doc_frequency("grams", terms_by_frequency(leaf, "grams")[0])
        for leaf, _ in snapshot.leaves
    )
    assert longest > 3 * BLOCK


@pytest.mark.parametrize("field", FIELDS)
def test_posting_lists_are_whooshs_own(snapshot: Snapshot, field: str) -> None:
    for leaf, _ in snapshot.leaves:
        for text in sample(terms_by_frequency(leaf, field)):
            found = decoded(leaf, field, text)
            live = [(d, w) for d, w in found if not leaf.is_deleted(d)]
            assert live == public_postings(leaf, field, text), text
            assert [d for d, _ in live] == list(leaf.postings(field, text).all_ids())
            assert len(found) == leaf.doc_frequency(field, text)


def test_reading_only_the_blocks_of_wanted_documents_finds_the_same(snapshot: Snapshot) -> None:
    skipped = 0
    for leaf, _ in snapshot.leaves:
        wanted = list(range(0, leaf.doc_count_all(), 151))
        for text in terms_by_frequency(leaf, "grams")[:10]:
            everything = decoded(leaf, "grams", text)
            some = decoded(leaf, "grams", text, wanted)
            chosen = set(wanted)
            assert [p for p in some if p[0] in chosen] == [p for p in everything if p[0] in chosen]
            skipped += len(some) < len(everything)
    assert skipped  # whole blocks were left undecoded


@pytest.mark.parametrize("field", FIELDS)
def test_field_lengths_are_whooshs_own(snapshot: Snapshot, field: str) -> None:
    for leaf, _ in snapshot.leaves:
        count = leaf.doc_count_all()
        bulk = field_lengths(leaf, field)
        assert bulk == [leaf.doc_field_length(d, field, 0) or 0 for d in range(count)]
        assert any(bulk)


def test_the_writers_lengths_are_a_per_document_readers_own(snapshot: Snapshot) -> None:
    """Lengths gives the postings writer each field's lengths as Whoosh's reader has them."""
    for leaf, _ in snapshot.leaves:
        codec, storage, segment = leaf.codec(), leaf.storage(), leaf.segment()
        perdoc = codec.per_document_reader(storage, segment)
        in_memory = Lengths(codec.per_document_reader(storage, segment))
        documents = range(segment.doc_count_all())
        try:
            for field in ("grams", "title_grams", "title"):
                assert in_memory.of(field) == [
                    perdoc.doc_field_length(d, field) or 0 for d in documents
                ]
        finally:
            in_memory.close()
            perdoc.close()


# -- our segment writer against Whoosh's -----------------------------------------------------


def _fields(tmp_path: Path, records: list[dict]) -> list[dict]:
    """The writer's fields of records, read by the real loader."""
    reader = CorpusReader([write_jsonl(tmp_path / "feed.jsonl", records)], 1 << 20, False)
    return [to_fields(doc) for doc in reader.documents()]


def _written(folder: Path, writer: type, batches: list[list[dict]], **options: Any) -> Path:
    """Each batch committed by its own writer (the later ones deleting every 5th document
    first), segments left as separate files so that they compare."""
    folder.mkdir()
    ix = storage(folder).create_index(build_schema(build_pipeline()))
    for n, batch in enumerate(batches):
        w = writer(ix, compound=False, **options)
        if n:
            for docnum in range(0, ix.doc_count_all(), 5):
                w.delete_document(docnum)
        for document in batch:
            w.add_document(**document)
        w.commit(merge=False)
    return folder


def _files(folder: Path) -> dict[str, bytes]:
    """A folder's segment files by segment order and extension (segment names are random)."""
    ix = storage(folder).open_index()
    return {
        f"{n}{path.suffix}": path.read_bytes()
        for n, segment in enumerate(ix._segments())
        for path in sorted(folder.glob(f"*{segment.segment_id()}*"))
    }


def test_our_writer_writes_the_bytes_whoosh_writes(tmp_path: Path) -> None:
    """With exact=True, every file of a segment is Whoosh's own, byte for byte: terms, posting
    blocks and their statistics, lengths, stored fields, columns."""
    fields = _fields(tmp_path, mixed_records(300))
    whoosh = _files(_written(tmp_path / "whoosh", SegmentWriter, [fields]))
    ours = _files(_written(tmp_path / "ours", Writer, [fields], exact=True))
    assert set(ours) == set(whoosh) >= {"0.trm", "0.pst", "0.col"}
    assert all(ours[name] == whoosh[name] for name in whoosh), [
        name for name in whoosh if ours[name] != whoosh[name]
    ]


def test_merged_segments_are_written_as_whoosh_merges_them(tmp_path: Path) -> None:
    """Merging segments with deleted documents (an optimize after a reindex) renumbers the
    documents and feeds the pool from readers: still Whoosh's bytes."""
    fields = _fields(tmp_path, mixed_records(240))
    batches = [fields[:160], fields[160:]]
    merged = {}
    for name, writer, options in (("whoosh", SegmentWriter, {}), ("ours", Writer, {"exact": 1})):
        folder = _written(tmp_path / name, SegmentWriter, batches)
        ix = storage(folder).open_index()
        assert len(ix._segments()) == 2 and ix.doc_count() < ix.doc_count_all()
        writer(ix, compound=False, **options).commit(optimize=True)
        merged[name] = _files(folder)
    assert merged["ours"] == merged["whoosh"]


def _postings(folder: Path) -> dict[tuple[str, bytes], tuple]:
    """Every term's statistics and postings (document, weight, value), through Whoosh's API."""
    found = {}
    with storage(folder).open_index().reader() as reader:
        for field, text in reader.all_terms():
            info = reader.term_info(field, text)
            stats = (info.doc_frequency(), info.weight(), info.min_length(), info.max_length())
            matcher = reader.postings(field, text)
            listed = []
            while matcher.is_active():
                listed.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            found[field, text] = (stats, info.max_weight(), listed)
    return found


def test_our_writers_blocks_hold_the_postings_whoosh_writes(tmp_path: Path) -> None:
    """By default small blocks are stored uncompressed and the rest deflated with less state:
    other bytes, the same terms, postings and statistics, and no bigger."""
    fields = _fields(tmp_path, mixed_records(300))
    whoosh = _written(tmp_path / "whoosh", SegmentWriter, [fields[:200], fields[200:]])
    ours = _written(tmp_path / "ours", Writer, [fields[:200], fields[200:]])
    assert _postings(ours) == _postings(whoosh)
    assert _files(ours)["0.pst"] != _files(whoosh)["0.pst"]
    assert size(ours, ".pst") <= size(whoosh, ".pst")


def size(folder: Path, suffix: str) -> int:
    return sum(path.stat().st_size for path in folder.glob(f"*{suffix}"))


def test_the_b_of_each_field_is_the_one_bm25f_scores_with(snapshot: Snapshot) -> None:
    weighting = BM25F(B=0.5, title_B=0.9)
    for field in ("title", "grams"):
        leaf = snapshot.leaves[0][0]
        text = terms_by_frequency(leaf, field)[0]
        assert bm25f_b(weighting, field) == weighting.scorer(snapshot.searcher, field, text).B
    assert bm25f_b(weighting, "title") == 0.9 and bm25f_b(weighting, "grams") == 0.5


def test_another_whoosh_version_is_refused_with_what_to_do() -> None:
    check_version(WRITTEN_FOR)
    with pytest.raises(ImportError, match=r"indexer\.whoosh_internals.*2\.7\.6") as refused:
        check_version("2.7.6")
    assert f"whoosh-reloaded=={WRITTEN_FOR}" in str(refused.value)


class _Recording(CommitAwareStorage):
    """Notes which TOC files exist at each hook, to see where the commit point falls."""

    def _tocs(self, folder: Path) -> list[str]:
        return sorted(p.name for p in folder.glob("*.toc"))

    def before_commit(self, folder: Path) -> None:
        self.events.append(("before", self._tocs(folder)))

    def after_commit(self, folder: Path) -> None:
        self.events.append(("after", self._tocs(folder)))


def test_the_commit_hooks_surround_the_toc_rename(tmp_path: Path) -> None:
    storage = _Recording(str(tmp_path))
    storage.events = []
    ix = storage.create_index(fields.Schema(id=fields.ID(stored=True)))
    storage.events.clear()  # creating the index wrote its first TOC
    writer = ix.writer()
    writer.add_document(id="a")
    writer.commit()
    ix.close()
    assert [kind for kind, _ in storage.events] == ["before", "after"]
    (_, before), (_, after) = storage.events
    assert before == ["_MAIN_0.toc"] and after == ["_MAIN_0.toc", "_MAIN_1.toc"]


def _reaches_into_whoosh(path: Path) -> list[str]:
    """Private names a file uses: imported from Whoosh, or an attribute of anything but self."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("whoosh"):
            found += [f"{node.module}.{a.name}" for a in node.names if a.name.startswith("_")]
            if node.module.split(".")[:2] in (
                ["whoosh", "codec"],
                ["whoosh", "multiproc"],
                ["whoosh", "writing"],
            ):
                found.append(node.module)
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            owner = node.value
            if not node.attr.startswith("__") and not (
                isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            ):
                found.append(f"{ast.unparse(owner)}.{node.attr}")
    return found


@pytest.mark.parametrize(
    "path",
    sorted(p for p in PACKAGE.glob("*.py")),
    ids=lambda p: p.name,
)
def test_no_other_module_reaches_into_whoosh(path: Path) -> None:
    assert _reaches_into_whoosh(path) == []


def test_the_check_above_sees_what_whoosh_internals_does() -> None:
    found = _reaches_into_whoosh(PACKAGE / "whoosh_internals" / "__init__.py")
    assert "whoosh.codec.whoosh3._lenfield" in found and "weighting._field_B" in found


@pytest.mark.parametrize("field", ["words", "grams", "title", "year"])
def test_doc_frequencies_are_whooshs_term_statistics(mixed_index: Settings, field: str) -> None:
    """Every term of a field, in order, with the document frequency Whoosh's iter_field
    gives, in every segment (the mixed index has several, with deletions)."""
    store = IndexStore(mixed_index.index_dir)
    with store.open().reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert len(leaves) > 1
        for leaf in leaves:
            expected = [(t.decode("utf-8"), i.doc_frequency()) for t, i in leaf.iter_field(field)]
            assert expected and doc_frequencies(leaf, field) == expected
