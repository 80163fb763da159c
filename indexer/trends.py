"""How often the archive speaks of something over time: the items a query selects (the same
set its search total counts) by month or year, as counts and as shares of all items of each
period (archives grow and shrink), up to MAX_TREND_QUERIES queries side by side."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .errors import QueryError
from .limits import MAX_TREND_QUERIES
from .periods import Timeline, check_period, timeline_of
from .results import Trend, TrendPeriod, TrendSeries

if TYPE_CHECKING:
    from .searcher import SearchIndex, SearchRequest

# Candidates of a query the grams cannot decide (a word of three or more characters) that are
# checked against their stored text, within the request's time budget, so that its counts are
# exact; past this many they are counted as candidates and the series says it is not exact
# (as a search total says 约).
TREND_CHECKS = 1_000


def trend(
    index: SearchIndex, queries: Sequence[str], request: SearchRequest, period: str | None = None
) -> Trend:
    """Each query's matching items by period (month, year, or by span when None), under the
    request's filters and match; blank queries are dropped, none or too many is a QueryError."""
    began = time.perf_counter()
    check_period(period)
    asked = [q.strip() for q in queries if q and q.strip()]
    if not asked:
        raise QueryError("请输入要搜索的词语 (empty query)")
    if len(asked) > MAX_TREND_QUERIES:
        raise QueryError(
            f"最多同时比较 {MAX_TREND_QUERIES} 个查询，这里有 {len(asked)} 个 (too many queries)"
        )
    first = dataclasses.replace(request, q=asked[0])  # the filters every query shares
    date_from, date_to = first.validate()
    timeline: Timeline | None = None
    series: list[TrendSeries] = []
    partial = False
    for q in asked:
        with index.selected(dataclasses.replace(request, q=q)) as selection:
            if timeline is None:
                timeline = timeline_of(selection.snapshot, selection.within, period)
            ids, exact = selection.matching(TREND_CHECKS)
            counts, undated = timeline.count(selection.snapshot.days()[ids])
            partial = partial or selection.budget.spent
        series.append(
            {
                "query": q,
                "total": len(ids),
                "exact": exact,
                "undated": undated,
                "counts": counts.tolist(),
                "shares": timeline.shares(counts),
            }
        )
    assert timeline is not None
    periods: list[TrendPeriod] = []
    for at, items in enumerate(timeline.items.tolist()):
        start, end = timeline.bounds(at)
        start, end = max(start, date_from or start), min(end, date_to or end)
        periods.append(
            {
                "period": timeline.label(at),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "items": items,
            }
        )
    return {
        "queries": asked,
        "period": timeline.period,
        "periods": periods,
        "undated_items": timeline.undated,
        "series": series,
        "filters": first.filters(),
        "match": request.match,
        "partial": partial,
        "elapsed_ms": round((time.perf_counter() - began) * 1000, 2),
    }
