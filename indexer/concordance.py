"""Keyword in context: every occurrence of a query in the items it selects, with the characters
around it as a reader reads them, sortable by date or by the left or right neighbours (the
term in a column of its own, so the page and the terminal can align it)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any

from .errors import QueryError
from .limits import (
    KWIC_MAX_LINES,
    KWIC_MAX_WIDTH,
    KWIC_PAGE_SIZE,
    KWIC_WIDTH,
    MAX_PAGE_MARKS,
    check_page_size,
    check_whole,
)
from .results import Concordance, KwicLine, summary
from .searcher import PARTIAL, SearchIndex, SearchRequest, Selection
from .snippets import Span, readable

# date: the search's date order (items using the typed words as words first, each newest
# first), occurrences in text order; left: by the characters before the term, read from the
# term backwards; right: by the characters after it.
SORTS = ("date", "left", "right")
# A page by date within this many lines is read under the search lock, on the snapshot searches
# keep warm; deeper pages (up to KWIC_MAX_LINES items read) and context sorts on a private one.
LOCKED_LINES = 500
_LINE_BREAKS = str.maketrans("\r\n\u2028\u2029", "    ")


def capped_note(count: int) -> str:
    """What a page or an export says when a context sort read only the first count lines."""
    return (
        f"只读取了按时间排在最前的 {count:,} 处，更早的没有列出 "
        f"(only the first {count} occurrences were read)"
    )


@dataclass(frozen=True)
class KwicRequest:
    """A concordance as a reader asks for it: the search (query, filters, match) selects the
    items; match="words" also leaves out occurrences that only straddle two words."""

    search: SearchRequest
    width: int = KWIC_WIDTH
    sort: str = "date"
    page: int = 1
    size: int = KWIC_PAGE_SIZE

    def validate(self) -> None:
        self.search.validate()
        check_whole(self.width, "语境宽度", "width", 1, KWIC_MAX_WIDTH)
        if self.sort not in SORTS:
            raise QueryError("排序只能是 date（时间）、left（左邻）或 right（右邻）(unknown sort)")
        if self.page < 1:
            raise QueryError("页码从 1 开始 (page must be 1 or more)")
        check_page_size(self.size)
        if self.page * self.size > KWIC_MAX_LINES:
            raise QueryError(
                f"语境最多列出前 {KWIC_MAX_LINES:,} 处，请缩小搜索范围 "
                f"(page beyond the first {KWIC_MAX_LINES} occurrences)"
            )


def concordance(index: SearchIndex, request: KwicRequest) -> Concordance:
    """One page of lines. By date only the items up to the page are read; by context every
    occurrence (up to KWIC_MAX_LINES) is read and sorted, on a private snapshot so that
    searches are not held up meanwhile (so is a deep page by date)."""
    began = time.perf_counter()
    request.validate()
    first = (request.page - 1) * request.size
    by_date = request.sort == "date"
    own = not by_date or first + request.size > LOCKED_LINES
    with index.selected(request.search, own=own) as selection:
        read = occurrences(selection, request)
        if by_date:
            lines = list(islice(read, first + request.size + 1))
            ended = len(lines) <= first + request.size
            capped = False
        else:
            lines, capped = sorted_lines(read, request.sort)
            ended = True
        items = len(selection.found)
        items_exact = selection.plan.sieve_exact and not selection.budget.spent
        partial = selection.budget.spent
    if request.page > 1 and len(lines) <= first:
        raise QueryError(f"第 {request.page} 页超出范围：语境没有这么多行 (page beyond the last)")
    search = request.search
    return {
        "query": search.q,
        "elapsed_ms": round((time.perf_counter() - began) * 1000, 2),
        "sort": request.sort,
        "width": request.width,
        "page": request.page,
        "size": request.size,
        "match": search.match,
        "filters": search.filters(),
        "items": items,
        "items_exact": items_exact,
        "total": len(lines) if ended else None,
        "more": len(lines) > first + request.size,
        "capped": capped,
        "lines": lines[first : first + request.size],
        "notices": [capped_note(KWIC_MAX_LINES)] * capped + [PARTIAL] * partial,
    }


def occurrences(selection: Selection, request: KwicRequest) -> Iterator[KwicLine]:
    """Every occurrence in the selected items in date order: each item read (and checked
    against its text) only when the lines before it are used up."""
    words_only = request.search.match == "words"
    for at in selection.order(by_date=True):
        stored = selection.snapshot.searcher.stored_fields(int(selection.found.ids[at]))
        if not selection.holds(stored):
            continue
        for line in item_lines(stored, selection.body_spans(stored), request.width):
            if not (words_only and line["straddle"]):
                yield line


def item_lines(stored: dict[str, Any], spans: list[Span], width: int) -> Iterator[KwicLine]:
    """One item's occurrences with `width` characters each side, cut from its body as a reader
    reads it (张 羽 of a pre-segmented source is the one occurrence 张羽)."""
    shown = summary(stored)
    title = readable(shown["title"], [])[0]
    text, moved = readable(stored.get("body", ""), spans)
    for number, (span, at) in enumerate(zip(spans, moved, strict=True), start=1):
        yield {
            "id": shown["id"],
            "title": title,
            "date": shown["date"],
            "source": shown["source"],
            "offset": span.start,
            "mark": number if number <= MAX_PAGE_MARKS else None,
            "left": text[max(0, at.start - width) : at.start].translate(_LINE_BREAKS),
            "term": text[at.start : at.end],
            "right": text[at.end : at.end + width].translate(_LINE_BREAKS),
            "straddle": span.straddle,
        }


def sorted_lines(read: Iterator[KwicLine], sort: str) -> tuple[list[KwicLine], bool]:
    """The first KWIC_MAX_LINES lines read, by their left context read backwards from the
    term, or by their right context (by character, so the same neighbours stand together);
    date order among equals. With whether more lines were left unread (capped)."""
    lines = list(islice(read, KWIC_MAX_LINES + 1))
    capped = len(lines) > KWIC_MAX_LINES
    lines = lines[:KWIC_MAX_LINES]
    if sort == "left":
        return sorted(lines, key=lambda line: (line["left"][::-1], line["term"])), capped
    return sorted(lines, key=lambda line: (line["right"], line["term"])), capped
