"""Whoosh's per-document field lengths read in bulk: its own reader fetches one byte from the
file per lookup, and both writing postings and scoring look one up per posting."""

from __future__ import annotations

from typing import Any

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.util.numeric import byte_to_length

_DECODED = [byte_to_length(b) for b in range(256)]


def field_lengths(perdoc: Any, field: str, count: int) -> list[int]:
    """Every document's length in field, as stored (one byte on a log scale; 0: none), from
    a whoosh3 per-document reader of count documents."""
    column = perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    raw = column._dbfile.get(column._basepos, column._count) if column else b""
    return [*(_DECODED[b] if b else 0 for b in raw), *([0] * (count - len(raw)))]


class Lengths:
    """A per-document reader's doc_field_length from memory, for Whoosh's postings writer."""

    def __init__(self, perdoc: Any) -> None:
        self._perdoc = perdoc
        self._fields: dict[str, list[int]] = {}

    def doc_field_length(self, docnum: int, field: str, default: Any = 0) -> Any:
        lengths = self._fields.get(field)
        if lengths is None:
            lengths = field_lengths(self._perdoc, field, self._perdoc.doc_count_all())
            self._fields[field] = lengths
        return lengths[docnum] or None  # as Whoosh: None for a document without the field

    def close(self) -> None:
        self._perdoc.close()
