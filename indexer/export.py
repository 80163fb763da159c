"""The items a query selects, or its concordance, as rows for a file: streamed from a private
snapshot one item at a time, so an export of the whole archive holds no more than the rows
being written, and it never holds up searches. Past its cap (or when the query's time budget
ran out before every candidate was found) an export ends with a note row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TypeVar, cast

from .concordance import KWIC_MAX_LINES, KwicRequest, capped_note, occurrences, sorted_lines
from .errors import QueryError
from .limits import EXPORT_MAX_ROWS, EXPORT_ROWS, check_whole
from .results import ExportNote, ItemRow, KwicLine, summary
from .searcher import PARTIAL, SearchIndex, SearchRequest
from .snippets import as_plain, passages, readable

ITEM_COLUMNS = tuple(ItemRow.__annotations__)
KWIC_COLUMNS = tuple(KwicLine.__annotations__)
Row = TypeVar("Row")


@dataclass(frozen=True)
class ExportRequest:
    """An export as a reader asks for it: the items of a search in its order (relevance or
    date), at most `limit` rows; `most` is the largest limit this caller allows."""

    search: SearchRequest
    limit: int = EXPORT_ROWS
    most: int = EXPORT_ROWS

    def validate(self) -> None:
        if not 1 <= self.most <= EXPORT_MAX_ROWS:
            raise QueryError(f"导出上限最多 {EXPORT_MAX_ROWS:,} 行 (export cap out of range)")
        check_whole(self.limit, "导出行数", "limit", 1, self.most)
        self.search.validate()


def export_items(index: SearchIndex, request: ExportRequest) -> Iterator[ItemRow | ExportNote]:
    """The matching items in the search's order, each checked against its text, with how often
    the query occurs in its body and its first passage; a bad request raises here, before
    the first row (a web response has not started yet)."""
    request.validate()
    return _started(_items(index, request))


def export_lines(
    index: SearchIndex, request: KwicRequest, limit: int = EXPORT_ROWS, most: int = EXPORT_ROWS
) -> Iterator[KwicLine | ExportNote]:
    """The concordance of a query as rows, in date order as read; sorted by context it reads
    (at most KWIC_MAX_LINES occurrences) and sorts them first. Raises like export_items."""
    ExportRequest(request.search, limit, most).validate()
    request.validate()
    return _started(_lines(index, request, limit))


def _items(index: SearchIndex, request: ExportRequest) -> Iterator[ItemRow | ExportNote | None]:
    with index.selected(request.search, own=True) as selection:
        yield None  # the selection is open: the request is good
        searcher = selection.snapshot.searcher
        rows = 0
        for at in selection.order(by_date=request.search.sort == "date"):
            stored = searcher.stored_fields(int(selection.found.ids[at]))
            if not selection.holds(stored):
                continue
            if rows == request.limit:
                yield _note(rows)
                break
            spans = selection.body_spans(stored)
            shown = summary(stored)
            first = passages(*readable(stored.get("body", ""), spans), limit=1)
            yield {
                "id": shown["id"],
                "title": readable(shown["title"], [])[0],
                "date": shown["date"],
                "source": shown["source"],
                "url": shown["url"],
                "occurrences": len(spans),
                "passage": as_plain(first[0]) if first else "",
            }
            rows += 1
        if selection.budget.spent:
            yield {"note": PARTIAL, "rows": rows}


def _lines(
    index: SearchIndex, request: KwicRequest, limit: int
) -> Iterator[KwicLine | ExportNote | None]:
    by_date = request.sort == "date"
    with index.selected(request.search, own=True) as selection:
        yield None
        read = occurrences(selection, request)
        notes = []
        if not by_date:
            lines, capped = sorted_lines(read, request.sort)
            notes += [capped_note(KWIC_MAX_LINES)] * capped
            read = iter(lines)
        rows = 0
        for line in islice(read, limit):
            yield line
            rows += 1
        if next(read, None) is not None:
            yield _note(rows)
        for note in notes + [PARTIAL] * selection.budget.spent:
            yield {"note": note, "rows": rows}


def _note(rows: int) -> ExportNote:
    return {
        "note": f"已达导出上限 {rows:,} 行，后面的没有导出 (cap reached: {rows} rows)",
        "rows": rows,
    }


def _started(rows: Iterator[Row | None]) -> Iterator[Row]:
    """The rows, run up to their first yield: the selection is open (a bad query raised), and
    closing the rows (a client that went away) closes its snapshot."""
    next(rows)
    return cast(Iterator[Row], rows)
