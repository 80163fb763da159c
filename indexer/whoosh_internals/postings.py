"""A segment's postings as our writer gathers and writes them, in place of Whoosh's PostingPool
and whoosh3's field writer: gathered per field in flat arrays as documents are added, sorted by
term with numpy at the flush, and written block by block in whoosh3's layout (its tag, block
headers and term table), so that Whoosh's readers and ours read them unchanged.

Whoosh keeps a tuple per posting, sorts them all at the flush and writes each with several
Python calls: 60% of a build's CPU, and 1.7 GB per writer process at 24k items."""

from __future__ import annotations

import pickle
import zlib
from array import array
from collections.abc import Iterable
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3FieldWriter, W3TermInfo
from whoosh.fields import FieldType, Schema
from whoosh.filedb.filetables import OrderedHashWriter
from whoosh.filedb.filetables import _lengths as _record_lengths
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import _length_byte_cache

# A block whose pickle is shorter is stored as it is: zlib makes it no shorter and costs more
# than the rest of the block's writing (whoosh3 meant this, but overwrites its own check).
COMPRESS_FROM = 64
_LONGEST = 106374  # whoosh's length_to_byte: this length and longer are byte 255
_NO_LENGTH = np.iinfo(np.int32).max


class FieldPostings:
    """One field's postings in the order added: a number per distinct term, and per posting
    its term's number, document, weight and value (joined bytes for a fixed-size format, a list
    for a variable one, none for an empty one)."""

    def __init__(self, field: FieldType) -> None:
        self.textual = type(field).index is FieldType.index  # terms kept as str, encoded once
        self.size = field.format.fixed_value_size()
        self.numbers: dict[str | bytes, int] = {}
        self.terms = array("I")
        self.docs = array("I")
        self.weights = array("f")
        self.values: bytearray | list[bytes] | None = (
            None if self.size == 0 else bytearray() if self.size and self.size > 0 else []
        )

    def add(
        self, docnum: int, items: Iterable[tuple[Any, int, float, bytes | None]], boost: float
    ) -> int:
        """A document's (term, frequency, weight, value) postings; returns their frequencies'
        sum (the field's length in the document)."""
        numbers, length = self.numbers, 0
        terms, docs, weights = self.terms.append, self.docs.append, self.weights.append
        values = self.values
        keep = None if values is None else values.extend if self.size else values.append
        for text, freq, weight, value in items:
            number = numbers.get(text)
            if number is None:
                number = numbers[text] = len(numbers)
            terms(number)
            docs(docnum)
            weights(weight * boost)
            if keep is not None:
                keep(value or b"")
            length += freq
        return length

    def add_columns(
        self,
        docnum: int,
        texts: list[str],
        freqs: list[int],
        weights: list[float],
        values: bytes | None,
        boost: float,
    ) -> int:
        """add for a document's postings given as columns (distinct terms; a fixed-size
        format's values joined), in calls that loop in C."""
        numbers = self.numbers
        found = list(map(numbers.get, texts))
        if None in found:
            for at, number in enumerate(found):
                if number is None:
                    found[at] = numbers.setdefault(texts[at], len(numbers))
        self.terms.extend(found)
        self.docs.extend(array("I", [docnum]) * len(found))
        self.weights.extend(weights if boost == 1 else [w * boost for w in weights])
        if self.values is not None and values:
            self.values += values
        return sum(freqs)


class TermPool:
    """Stands in for Whoosh's PostingPool in our segment writer (see the module's docstring).
    Document numbers only rise as a writer adds documents and merges segments, so each term's
    postings, kept in the order added, are in document order. Not for MpWriter's merging of
    sub-writer runs (multisegment builds only)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.fields: dict[str, FieldPostings] = {}

    @property
    def fieldnames(self) -> set[str]:
        return set(self.fields)

    def field(self, fieldname: str) -> FieldPostings:
        postings = self.fields.get(fieldname)
        if postings is None:
            postings = self.fields[fieldname] = FieldPostings(self.schema[fieldname])
        return postings

    def add_document_field(self, fieldname: str, docnum: int, value: Any, boost: float) -> int:
        """A document's value of an indexed field, analysed as Field.index would; returns the
        field's length in the document."""
        field = self.schema[fieldname]
        postings = self.field(fieldname)
        columns = getattr(field.format, "word_columns", None)
        if postings.textual and isinstance(value, str) and columns:  # our formats
            return postings.add_columns(docnum, *columns(value, field.analyzer), boost)
        if postings.textual and isinstance(value, str):  # Field.index, less a utf-8 step per term
            items = field.format.word_values(value, field.analyzer, mode="index")
        elif postings.textual:
            items = ((t.decode("utf-8"), *rest) for t, *rest in field.index(value))
        else:
            items = field.index(value)
        return postings.add(docnum, items, boost)

    def add(self, item: tuple[str, bytes, int, float, bytes | None]) -> None:
        """One posting, (field, term, document, weight, value), as Whoosh's merges add them."""
        fieldname, text, docnum, weight, value = item
        postings = self.field(fieldname)
        term = text.decode("utf-8") if postings.textual else text
        postings.add(docnum, [(term, 0, weight, value)], 1.0)

    def cleanup(self) -> None:
        self.fields = {}


def _deflate(data: bytes, level: int) -> bytes:
    """zlib data with a 4 KB window and a small hash: a block's pickle is a few KB at most, and
    zlib.compress sets up 256 KB of state per call (60 us for a 100-byte block, 5 here)."""
    packer = zlib.compressobj(level, zlib.DEFLATED, 12, 5)
    return packer.compress(data) + packer.flush()


def _length_bytes(lengths: np.ndarray) -> np.ndarray:
    """whoosh's length_to_byte over an array."""
    found = np.searchsorted(np.asarray(_length_byte_cache), lengths, side="left")
    return np.where(lengths >= _LONGEST, 255, found)


class _Sorted:
    """One field's postings in term order (each term's in the order added, its blocks in a
    row), with what every block and term info needs computed at once, and windows of them as
    lists for the writing loop (the whole field as Python lists would cost 100 bytes a
    posting)."""

    WINDOW = 1 << 16

    def __init__(self, postings: FieldPostings, lengths: list[int] | None, limit: int) -> None:
        self.texts = sorted(postings.numbers)
        rank = np.empty(len(self.texts), dtype=np.int32)
        rank[[postings.numbers[text] for text in self.texts]] = np.arange(len(self.texts))
        ranks = rank[np.frombuffer(postings.terms, dtype=np.uint32)]
        order = np.argsort(ranks, kind="stable")
        counts = np.bincount(ranks, minlength=len(self.texts))
        starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int32)
        self.starts = starts.tolist()
        docs = self.docs = np.frombuffer(postings.docs, dtype=np.uint32)[order].astype(np.int32)
        weights = self.weights = np.frombuffer(postings.weights, dtype=np.float32)[order]
        within = np.arange(len(docs), dtype=np.int32) - np.repeat(starts[:-1], counts)
        first = within % limit == 0
        self.gaps = docs.copy()  # a block's first id is stored whole, the rest as gaps
        self.gaps[1:] -= docs[:-1]
        self.gaps[first] = docs[first]
        blocks = np.flatnonzero(first)
        long = (
            np.asarray(lengths, dtype=np.int32)[docs]
            if lengths
            else np.zeros(len(docs), dtype=np.int32)
        )
        shortest = np.where(long > 0, long, _NO_LENGTH)
        self.block_weight = np.maximum.reduceat(weights, blocks).tolist()
        self.block_sum = np.add.reduceat(weights.astype(np.float64), blocks).tolist()
        self.block_low = self._bytes(np.minimum.reduceat(shortest, blocks))
        self.block_high = self._bytes(np.maximum.reduceat(long, blocks))
        heads = starts[:-1]
        self.term_low = self._bytes(np.minimum.reduceat(shortest, heads))
        self.term_high = self._bytes(np.maximum.reduceat(long, heads))
        self.term_weight = np.maximum.reduceat(weights, heads).tolist()
        self.values = postings.values
        if isinstance(postings.values, bytearray):
            rows = np.frombuffer(postings.values, dtype=np.uint8).reshape(-1, postings.size)
            self.values = rows[order].tobytes()
        elif postings.values is not None:
            self.values = [postings.values[n] for n in order.tolist()]
        self._window: tuple[int, int, list[int], list[int], list[float]] = (0, 0, [], [], [])

    @staticmethod
    def _bytes(lengths: np.ndarray) -> list[int]:
        """Lengths as whoosh's bytes, no length (none in the block) as 0."""
        return np.where(lengths == _NO_LENGTH, 0, _length_bytes(lengths)).tolist()

    def lists(self, start: int, end: int) -> tuple[int, list[int], list[int], list[float]]:
        """The documents, gaps and weights of a window holding postings start..end, as lists,
        and the position of the window's first."""
        at, stop, docs, gaps, weights = self._window
        if start < at or end > stop:
            at, stop = start, max(end, start + self.WINDOW)
            docs, gaps = self.docs[at:stop].tolist(), self.gaps[at:stop].tolist()
            weights = self.weights[at:stop].tolist()
            self._window = (at, stop, docs, gaps, weights)
        return at, docs, gaps, weights


def write_postings(
    fieldwriter: W3FieldWriter,
    lengths: Any,
    pool: TermPool,
    blocklimit: int = 128,
    exact: bool = False,
) -> None:
    """Write a pool's postings in whoosh3's layout through its field writer's files (blocks of
    blocklimit postings, its tag before the first, the term info after, in its term table).
    Small blocks are stored uncompressed, the rest deflated with less state (readers see the
    same postings); exact=True writes what whoosh3's own field writer does, byte for byte."""
    level = fieldwriter._codec._compression
    compress_from = 0 if exact else COMPRESS_FROM
    deflate = zlib.compress if exact else _deflate
    postfile, table = fieldwriter._postfile, fieldwriter._tindex
    pack_info, dumps = W3TermInfo._struct.pack, pickle.dumps
    for fieldname in sorted(pool.fields):
        postings = pool.fields.pop(fieldname)  # freed once written: one field's copies at a time
        if not postings.numbers:  # values without terms: Whoosh starts no field either
            continue
        fieldwriter.start_field(fieldname, pool.schema[fieldname])
        prefix = pack_ushort(fieldwriter._fieldid)
        field = _Sorted(postings, lengths.of(fieldname) if lengths else None, blocklimit)
        size, values, starts = postings.size, field.values, field.starts
        position, block, rows = postfile.tell(), 0, []
        for number, text in enumerate(field.texts):
            start, end = starts[number], starts[number + 1]
            at, docs, gaps, weights = field.lists(start, end)
            chunks, total = [WHOOSH3_HEADER_MAGIC], 0.0
            for first in range(start, end, blocklimit):
                last = min(first + blocklimit, end)
                block_weights = weights[first - at : last - at]
                if values is None:
                    block_values = None
                elif size:
                    block_values = values[first * size : last * size]
                else:
                    block_values = tuple(v for v in values[first:last] if v)
                block_gaps = tuple(gaps[first - at : last - at])
                data = dumps((block_gaps, _mini(block_weights), block_values), 2)
                packed = level if level and len(data) >= compress_from else 0
                if packed:
                    data = deflate(data, packed)
                heaviest = field.block_weight[block]
                info = (
                    last - first,
                    docs[last - 1 - at],
                    heaviest if heaviest > 0 else 0,
                    packed,
                    field.block_low[block],
                    field.block_high[block],
                )
                info_bytes = dumps(info, 2)
                span = len(info_bytes) + len(data)
                chunks += (pack_int(-span if last == end else span), info_bytes, data)
                total += field.block_sum[block]
                block += 1
            written = b"".join(chunks)
            postfile.write(written)
            heaviest = field.term_weight[number]
            termbytes = pack_info(
                False,
                total,
                end - start,
                field.term_low[number],
                field.term_high[number],
                heaviest if heaviest > 0 else 0,
                docs[start - at],
                docs[end - 1 - at],
            )
            key = prefix + (text.encode("utf-8") if postings.textual else text)
            rows.append((key, termbytes + pack_long(position) + pack_int(len(written))))
            position += len(written)
        _add_rows(table, rows)
        fieldwriter.finish_field()


def _add_rows(table: OrderedHashWriter, rows: list[tuple[bytes, bytes]]) -> None:
    """OrderedHashWriter.add for rows in key order, in one write: each row its key and value
    lengths, key and value, its position noted in the table's index and hash buckets."""
    if not rows:
        return
    if rows[0][0] <= table.lastkey:
        raise ValueError(f"Keys must increase: {table.lastkey!r}..{rows[0][0]!r}")
    position = table.dbfile.tell()
    chunks = []
    note, buckets, hashed = table.index.append, table.buckets, table.hashfn
    for key, value in rows:
        note(position)
        h = hashed(key)
        buckets[h & 255].append((h, position))
        record = _record_lengths.pack(len(key), len(value)) + key + value
        chunks.append(record)
        position += len(record)
    table.dbfile.write(b"".join(chunks))
    table.lastkey = rows[-1][0]


def _mini(weights: list[float]) -> Any:
    """A block's weights as whoosh3 stores them: None when all 1, one number when all equal."""
    first = weights[0]
    if weights.count(first) != len(weights):
        return tuple(weights)
    return None if first == 1.0 else first
