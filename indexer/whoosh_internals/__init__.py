"""The only place that relies on Whoosh's private names and on-disk layout: the whoosh3 codec's
posting blocks and length columns, BM25F's per-field B, the commit point of its storage, and
(in `.writers` and `.postings`) its segment writer, MpWriter and the layout of a new segment's
postings and term table. The rest of the core uses Whoosh's public API
and these functions and classes. Written for one version of whoosh-reloaded and checked against
the installed one at import, so an upgrade fails here, loudly, instead of decoding wrong
numbers elsewhere. The writer half is a submodule that only indexing imports, so the search side
never loads Whoosh's writers or its process pool."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

WRITTEN_FOR = "2.7.5"


def check_version(installed: str) -> None:
    """Refuse a Whoosh other than the one this module was written for: private names and the
    on-disk layout change without notice between versions."""
    if installed != WRITTEN_FOR:
        raise ImportError(
            f"indexer.whoosh_internals was written for whoosh-reloaded {WRITTEN_FOR}, but "
            f"{installed} is installed: it reads Whoosh's private names and on-disk layout. "
            f"Install whoosh-reloaded=={WRITTEN_FOR} (as pyproject.toml pins it), or check this "
            "module against the new version (tests/test_whoosh_internals.py) and update "
            "WRITTEN_FOR"
        )


def _installed() -> str:
    try:
        return version("whoosh-reloaded")
    except PackageNotFoundError:
        return "no whoosh-reloaded"


check_version(_installed())

# Imported only once the version is known to be the one these names belong to.
import io  # noqa: E402
import pickle  # noqa: E402
import struct  # noqa: E402
import zlib  # noqa: E402
from bisect import bisect_right  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from whoosh.util.numeric import byte_to_length  # noqa: E402

_BLOCK_LENGTH = struct.Struct("!i")
_HEADER = 4  # the "W3Bl" tag before the first block of a posting list
_DECODED = [byte_to_length(b) for b in range(256)]


# -- postings ------------------------------------------------------------------------------


def posting_gaps(
    leaf: Any, field: str, text: Any, wanted: list[int] | None = None
) -> tuple[list[int], list[float]]:
    """One segment's postings of a term, deleted documents included, as (gaps, weights): the
    document numbers are the running sum of the gaps. With wanted (ascending, segment
    numbering), blocks that can hold none of them are skipped. TermNotFound when the segment
    lacks the term. Every list of a whoosh3 segment is in blocks: this version never inlines
    one into its term info (W3TermInfo has no set_inline, so a writer asked to fails)."""
    matcher = leaf.postings(field, text)
    matcher = getattr(matcher, "child", matcher)  # the deletion filter; the caller drops them
    return _blocks(matcher, wanted)


def _blocks(matcher: W3LeafMatcher, wanted: list[int] | None) -> tuple[list[int], list[float]]:
    """Decode a whoosh3 posting list block by block from one read of its bytes; Whoosh's own
    matcher reads each block's header byte by byte through the file and decodes ids one
    generator step at a time. Layout: tag, then per block a signed length (negative on the
    last block), the pickled block info (count, last id, ...), and the (compressed) pickled
    ids (the first absolute, then gaps), weights and values. With wanted (sorted), a block none
    of them can be in is skipped."""
    length = matcher._length  # whoosh3's term info leaves it a 1-tuple (unpack without [0])
    length = length[0] if isinstance(length, tuple) else length
    raw = matcher._postfile.get(matcher._startoffset, length)
    stream = io.BytesIO(raw)
    gaps: list[int] = []
    weights: list[float] = []
    previous = 0  # the last id of the block decoded before
    position = _HEADER
    next_wanted = 0
    last = False
    while not last:
        (length,) = _BLOCK_LENGTH.unpack_from(raw, position)
        last = length < 0
        stream.seek(position + _BLOCK_LENGTH.size)
        count, last_id, _, compression, _, _ = pickle.load(stream)
        end = position + _BLOCK_LENGTH.size + abs(length)
        position = end
        if wanted is not None:
            if next_wanted == len(wanted):
                break
            if wanted[next_wanted] > last_id:  # no wanted document in this block
                continue
            next_wanted = bisect_right(wanted, last_id, next_wanted)
        data = raw[stream.tell() : end]
        block_gaps, block_weights, _ = pickle.loads(zlib.decompress(data) if compression else data)
        start = len(gaps)
        gaps.extend(block_gaps)
        gaps[start] -= previous  # the block's first id as a gap from the block decoded before
        previous = last_id
        if block_weights is None or isinstance(block_weights, float):
            weights.extend([1.0 if block_weights is None else block_weights] * count)
        else:
            weights.extend(block_weights)
    return gaps, weights


# -- field lengths -------------------------------------------------------------------------


def stored_lengths(perdoc: Any, field: str, count: int) -> list[int]:
    """Every document's length in field, as stored (one byte on a log scale; 0: none), from a
    whoosh3 per-document reader of count documents, in one read: Whoosh's own reader fetches
    one byte from the file per lookup."""
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, column._count) if column else b""
    return [*(_DECODED[b] if b else 0 for b in raw), *([0] * (count - len(raw)))]


def field_lengths(leaf: Any, field: str) -> list[int]:
    """Every document's length in field in one segment reader (deleted ones included), as its
    doc_field_length gives them one at a time (0 for none)."""
    return stored_lengths(leaf._perdoc, field, leaf.doc_count_all())


# -- term statistics -----------------------------------------------------------------------

_RECORD_LENGTHS = struct.Struct("!ii")  # an ordered hash file's record: key and value lengths
_DOC_FREQUENCY = struct.Struct("!I")  # in a W3TermInfo, after its flags byte and total weight
_DOC_FREQUENCY_AT = 5


def doc_frequencies(leaf: Any, field: str) -> list[tuple[str, int]]:
    """Every term of a field in one segment with its document frequency (deleted documents
    included), in term order, from one read of the term table: Whoosh's iter_field makes three
    reads from the file and a TermInfo object per term. Layout: records of key length, value
    length, key (the field's number as an unsigned short, then the term's UTF-8), value (the
    packed W3TermInfo), ordered by key."""
    terms = leaf._terms
    table = terms._tindex
    prefix = terms._keycoder(field, b"")
    start = table.closest_key_pos(prefix)
    if start is None:
        return []
    data = table.dbfile.get(start, table.endofdata - start)
    found: list[tuple[str, int]] = []
    at = 0
    while at < len(data):
        key_length, value_length = _RECORD_LENGTHS.unpack_from(data, at)
        key_at = at + _RECORD_LENGTHS.size
        value_at = key_at + key_length
        if data[key_at : key_at + len(prefix)] != prefix:
            break
        term = data[key_at + len(prefix) : value_at].decode("utf-8")
        found.append((term, _DOC_FREQUENCY.unpack_from(data, value_at + _DOC_FREQUENCY_AT)[0]))
        at = value_at + value_length
    return found


# -- scoring -------------------------------------------------------------------------------


def bm25f_b(weighting: Any, field: str) -> float:
    """The B a BM25F weighting uses for field (a field_B keyword argument, or its B)."""
    return weighting._field_B.get(field, weighting.B)


# -- storage -------------------------------------------------------------------------------


class CommitAwareStorage(FileStorage):
    """A FileStorage told when Whoosh commits: Whoosh writes its TOC to a temporary file and
    renames it into place (whoosh.index.TOC.write is the only caller of rename_file), so that
    rename is the moment a commit becomes live. Plain attributes only, so it pickles like
    FileStorage for MpWriter's worker processes."""

    def before_commit(self, folder: Path) -> None:
        """Called with the index folder before the TOC's rename makes a commit live."""

    def after_commit(self, folder: Path) -> None:
        """Called with the index folder once the rename has made it live."""

    def rename_file(self, oldname: str, newname: str, safe: bool = False) -> None:
        self.before_commit(Path(self.folder))
        super().rename_file(oldname, newname, safe)
        self.after_commit(Path(self.folder))
