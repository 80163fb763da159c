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
