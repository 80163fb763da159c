"""The answers of the search core as named types: the CLI, the templates, the JSON API and the
benchmarks read them by key, so the keys are written down here. They are plain dicts (JSON
and templates take them as they are); key order is the order of the JSON the API sends."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypedDict

Filters = TypedDict(
    "Filters", {"from": str | None, "to": str | None, "source": str | None, "category": str | None}
)


class WordMatches(TypedDict):
    """How many results use every typed dictionary word as a word (the first tier)."""

    checked: list[str]  # the typed words that decide it
    total: int
    straddle: int  # results whose typed words only straddle two words


class FacetValue(TypedDict):
    value: str
    count: int


class Suggestion(TypedDict):
    """A query a reader could try instead of one that found nothing."""

    query: str
    label: str
    total: int


class Hit(TypedDict):
    """One result: title and passages with marks written out (HTML unless asked otherwise)."""

    id: str
    title: str
    title_html: str
    score: float | None  # None when sorted by date
    words: bool | None  # a word match; None when the query checks no dictionary word
    date: str | None
    source: str | None
    category: str | None
    url: str | None
    passages: list[str]


class SearchResult(TypedDict):
    """One page of results with its totals, facets, notices and suggestions."""

    query: str
    total: int
    total_exact: bool
    elapsed_ms: float
    page: int
    size: int
    pages: int
    sort: str
    filters: Filters
    match: str
    words: WordMatches
    hits: list[Hit]
    facets: dict[str, list[FacetValue]]
    partial: bool
    notices: list[str]
    suggestions: list[Suggestion]
    sparkline: Sparkline | None  # asked for (request.sparkline) and something found
    pinyin: PinyinSearch | None  # a Latin query searched as the Han words it reads as


class Keyword(TypedDict):
    word: str
    weight: float


class Related(TypedDict):
    """A document like the one shown."""

    id: str
    title: str
    date: str | None
    source: str | None


class DocumentPage(TypedDict):
    """A whole stored document with every match of a query marked, in HTML."""

    id: str
    title: str
    title_html: str
    body: str
    paragraphs_html: list[str]
    as_stored: bool  # shown with a pre-segmented source's spaces (else as a reader reads it)
    segmented: bool  # the stored text has spaces between Han characters to remove
    marks: int
    marks_shown: int  # marked on the page: at most MAX_PAGE_MARKS
    straddles: int
    date: str | None
    source: str | None
    category: str | None
    url: str | None
    metadata: dict[str, Any]
    keywords: list[Keyword]
    related: list[Related]


class Health(TypedDict):
    """What /healthz and `speechsearch stats` say of the live index."""

    status: str
    documents: int
    generation: str | None
    last_update: str | None
    last_run: dict[str, Any]


class Stats(Health):
    index: str
    size_bytes: int
    segments: int
    analyzer: dict[str, Any] | None


class Summary(TypedDict):
    """A stored document's fields as every answer shows them."""

    id: str
    title: str
    date: str | None
    source: str | None
    category: str | None
    url: str | None
    metadata: dict[str, Any]


def summary(stored: Mapping[str, Any]) -> Summary:
    """The one reading of Whoosh's stored fields into the answers' keys and defaults, for hits,
    document pages and related documents alike."""
    return {
        "id": stored["id"],
        "title": stored.get("title", ""),
        "date": stored.get("date"),
        "source": stored.get("source"),
        "category": stored.get("category"),
        "url": stored.get("url"),
        "metadata": stored.get("meta") or {},
    }


# -- concordance and export (issue 15) ---------------------------------------------------------


class KwicLine(TypedDict):
    """One occurrence with its context, as a reader reads the text (a pre-segmented source's
    spaces between Han characters removed, line breaks as spaces)."""

    id: str
    title: str
    date: str | None
    source: str | None
    offset: int  # where the occurrence starts in the stored body, in characters
    mark: int | None  # its mark on the document page (#m<mark>); None past MAX_PAGE_MARKS
    left: str
    term: str
    right: str
    straddle: bool  # a typed word whose characters only meet across two words


class Concordance(TypedDict):
    """One page of concordance lines of a query, with what is known of the whole."""

    query: str
    elapsed_ms: float
    sort: str
    width: int
    page: int
    size: int
    match: str
    filters: Filters
    items: int  # matching items (before their text is checked unless items_exact)
    items_exact: bool
    total: int | None  # occurrences in all; None when sorted by date and not read to the end
    more: bool  # a next page holds lines
    capped: bool  # only the first KWIC_MAX_LINES occurrences were read
    lines: list[KwicLine]
    notices: list[str]


class ItemRow(TypedDict):
    """One matching item as an export writes it."""

    id: str
    title: str
    date: str | None
    source: str | None
    url: str | None
    occurrences: int  # matches in the body, as the concordance lists them
    passage: str  # the first passage, as plain text


class ExportNote(TypedDict):
    """The last row of an export that stopped at its cap."""

    note: str
    rows: int


# -- studying the archive: trends and co-occurring words ------------------------------------


class Sparkline(TypedDict):
    """A search's matches by period, drawn small beside its total."""

    period: str  # month or year
    first: str | None  # the first period shown (2022-01, 2022); None: nothing dated
    last: str | None
    counts: list[int]
    shares: list[float | None]  # of the period's items (None: the period has none)
    undated: int


class TrendPeriod(TypedDict):
    """One period of a trend: its label, first and last day (within the date filters) and how
    many items of the archive (those the filters allow) it holds."""

    period: str  # 2022-03 or 2022
    start: str
    end: str
    items: int


class TrendSeries(TypedDict):
    """One query's matching items by period, aligned with the trend's periods."""

    query: str
    total: int
    exact: bool  # the counts are of exactly the matching items (else of unchecked candidates)
    undated: int  # matching items without a date, counted apart
    counts: list[int]
    shares: list[float | None]


class Trend(TypedDict):
    """Up to MAX_TREND_QUERIES queries counted by month or year, each as counts and shares."""

    queries: list[str]
    period: str
    periods: list[TrendPeriod]
    undated_items: int  # items the filters allow that have no date
    series: list[TrendSeries]
    filters: Filters
    match: str
    partial: bool
    elapsed_ms: float


class CooccurringWord(TypedDict):
    word: str
    count: int  # selected items using it
    archive: int  # live items using it
    score: float  # log-likelihood (G²) of selected against the rest of the archive


class Cooccurrence(TypedDict):
    """The words most characteristic of the items a query selects, against the archive."""

    query: str
    items: int  # the selected items the counts are of
    exact: bool  # those are exactly the matching items
    archive: int  # live items
    sampled: int  # selected items read for candidate words
    words: list[CooccurringWord]
    elapsed_ms: float


class TrendPage(Trend):
    """A trend with the co-occurring words of its first query: the trend page and its API."""

    cooccur: Cooccurrence | None


# -- what a reader types: completions and pinyin (issue 14) --------------------------------


class Completion(TypedDict):
    """A word, title or word read by its pinyin that completes what a reader is typing."""

    text: str
    count: int  # items holding it
    kind: str  # "word", "title" or "pinyin"


class Completions(TypedDict):
    query: str
    completions: list[Completion]


class PinyinSearch(TypedDict):
    """A Latin query that was searched as the Han words it reads as in pinyin."""

    typed: str  # the query as typed
    words: list[str]  # the Han words searched, most frequent first
    query: str  # the query that ran: 张羽 OR 张宇
    typed_total: int  # items the Latin text finds as typed (fewer)
