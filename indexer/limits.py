"""What a reader may ask of the core, in one place: the CLI uses these, and the web app's
settings default to them and may only tighten them."""

from __future__ import annotations

from .errors import QueryError

PAGE_SIZE = 10  # hits per page when the reader does not say
MAX_PAGE_SIZE = 100  # the most hits one page may ask for
MAX_QUERY_CHARS = 256
# The deepest result a reader may page to: every result up to the page asked for is checked
# against its text, so a page past this is refused before any search runs.
MAX_RESULTS = 10_000
RELATED = 5  # related documents on a document page
# Matches marked on a document page: a lone 的 in a 20 MB speech has a hundred thousand; past
# this many the page says how many it marked.
MAX_PAGE_MARKS = 5_000
# The exact-value filters a search takes, with the name a reader sees.
FILTERS = {"source": "来源", "category": "分类"}


def check_page_size(size: int, most: int = MAX_PAGE_SIZE) -> None:
    """Refuse a page size outside 1..most, in the words the page and the API show."""
    if not 1 <= size <= most:
        raise QueryError(f"每页条数应在 1 到 {most} 之间 (size out of range)")


# -- concordance and export (issue 15) ---------------------------------------------------------
KWIC_WIDTH = 20  # characters of context on each side of an occurrence
KWIC_MAX_WIDTH = 100
KWIC_PAGE_SIZE = 50  # concordance lines a page
# Occurrences a concordance reaches: sorting by context reads every one of them (the newest
# items first), so it sorts at most this many and says so; a page past them is refused.
KWIC_MAX_LINES = 10_000
EXPORT_ROWS = 100_000  # rows an export writes unless told fewer; the web app may lower it
EXPORT_MAX_ROWS = 1_000_000  # no setting or option goes past this
# Trends: queries compared side by side, and periods one chart may hold (50 years by month).
MAX_TREND_QUERIES = 5
MAX_TREND_PERIODS = 600


def check_whole(value: int, label: str, name: str, least: int, most: int) -> None:
    """Refuse a number outside least..most, in the words the page and the API show."""
    if not least <= value <= most:
        raise QueryError(f"{label}应在 {least} 到 {most:,} 之间 ({name} out of range)")
