"""Export rows written out as text, for a download or a file: CSV (UTF-8 with a BOM, so Excel
opens Chinese as Chinese) or JSON Lines (strict JSON), a chunk of rows at a time. A note row
(the export stopped at its cap) is a last CSV row of one field starting with "#", and a JSON
line {"note", "rows"}."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

FORMATS = ("csv", "jsonl")
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson; charset=utf-8"}
BOM = "\ufeff"
CHUNK_ROWS = 200  # rows per chunk handed on: few writes, little held


def as_csv(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> Iterator[str]:
    """A BOM and a header line, then the rows (values in columns' order; None empty)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write(BOM)
    writer.writerow(columns)
    for count, row in enumerate(rows, start=1):
        if "note" in row:
            writer.writerow([f"# {row['note']}"])
        else:
            writer.writerow([row[name] for name in columns])
        if count % CHUNK_ROWS == 0:
            yield _drained(buffer)
    yield _drained(buffer)


def as_jsonl(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """One JSON object a line, UTF-8 as it is; a NaN or Infinity is refused, never written."""
    lines: list[str] = []
    for row in rows:
        lines.append(json.dumps(row, ensure_ascii=False, allow_nan=False) + "\n")
        if len(lines) == CHUNK_ROWS:
            yield "".join(lines)
            lines.clear()
    yield "".join(lines)


def _drained(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
