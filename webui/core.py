"""The app's one SearchIndex, which HTTP status each of the core's errors means, and how deep
a reader may page."""

from __future__ import annotations

from flask import current_app

from indexer import SearchIndex
from indexer.errors import (
    AnalyzerMismatch,
    DocumentNotFound,
    IndexMissing,
    IndexUnreadable,
    SpeechSearchError,
    UsageError,
)

EXTENSION = "speechsearch"

# First match wins: IndexMissing is a UsageError, yet it means the service is unavailable.
STATUSES: tuple[tuple[type[SpeechSearchError] | tuple[type[SpeechSearchError], ...], int], ...] = (
    ((IndexMissing, IndexUnreadable, AnalyzerMismatch), 503),
    (DocumentNotFound, 404),
    (UsageError, 400),
)


def search_index() -> SearchIndex:
    """The SearchIndex built once by create_app; it follows reindexing by itself."""
    return current_app.extensions[EXTENSION]


def status_of(exc: SpeechSearchError) -> int:
    """400 for bad input, 404 for an unknown document, 503 when the index cannot be used."""
    return next((status for kinds, status in STATUSES if isinstance(exc, kinds)), 500)


def deepest_page(size: int) -> int:
    """The last page a reader may open at this size: the core checks every result up to the
    page asked for against its text, so results past MAX_RESULTS are refused, not searched."""
    return current_app.config["MAX_RESULTS"] // size
