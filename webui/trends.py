"""The trend page `/trends` with `/api/trends`, and `/api/cooccur`: one view, one dict each,
from the core's trend and co-occurring words; the chart is drawn here as SVG numbers."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Flask, jsonify, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from indexer.cooccur import cooccurring
from indexer.errors import QueryError
from indexer.results import Cooccurrence, TrendPage
from indexer.trends import trend

from .charts import Chart, bar_chart, shown, spark_bars
from .core import search_index
from .responses import respond
from .search import search_request

bp = Blueprint("trends", __name__)

SHOWS = {"share": "占比", "count": "条数"}
# Parameters a trend URL carries over besides its queries.
KEPT = ("period", "show", "from", "to", "source", "category", "match")


@bp.get("/trends", endpoint="page")
@bp.get("/api/trends", endpoint="api")
def trends() -> ResponseReturnValue:
    """Up to five queries by month or year, with the first one's co-occurring words."""
    show_of(request.args)
    queries = request.args.getlist("q")
    base = search_request(request.args)
    found = trend(search_index(), queries, base, request.args.get("period") or None)
    first = dataclasses.replace(base, q=found["queries"][0])
    page: TrendPage = {**found, "cooccur": cooccurring(search_index(), first)}
    return respond("trends.html", page)


@bp.get("/api/cooccur", endpoint="cooccur")
def cooccur() -> ResponseReturnValue:
    """The words most characteristic of what a query finds."""
    result: Cooccurrence = cooccurring(search_index(), search_request(request.args))
    return jsonify(result)


def show_of(args: Mapping[str, str]) -> str:
    """The page's way of showing values: share (default) or count; anything else a 400."""
    show = args.get("show") or "share"
    if show not in SHOWS:
        raise QueryError("显示方式只能是 share（占比）或 count（条数）(unknown show)")
    return show


def trends_url(changes: Mapping[str, Any] | None = None, **more: Any) -> str:
    """This trend page's URL with changes (None removes a parameter; q takes a list)."""
    params: MultiDict[str, Any] = MultiDict(
        [("q", q) for q in request.args.getlist("q") if q.strip()]
    )
    params.update({k: request.args[k] for k in KEPT if request.args.get(k)})
    for key, value in {**(changes or {}), **more}.items():
        params.setlist(key, value if isinstance(value, list) else [value])
    kept = MultiDict([(k, v) for k, v in params.items(multi=True) if v not in (None, "")])
    return url_for("trends.page", **kept.to_dict(flat=False))


def period_search(result: TrendPage, series: int, at: int) -> str:
    """The search of one query over one period, filters kept: where a bar leads."""
    period = result["periods"][at]
    filters = result["filters"]
    params = {
        "q": result["series"][series]["query"],
        "from": period["start"],
        "to": period["end"],
        "source": filters["source"],
        "category": filters["category"],
        "match": None if result["match"] == "all" else result["match"],
    }
    return url_for("search.page", **{k: v for k, v in params.items() if v})


def chart_of(result: TrendPage) -> Chart:
    """The bar chart of the page's trend, as the reader asked to see it."""
    return bar_chart(
        result, show_of(request.args), lambda series, at: period_search(result, series, at)
    )


def register_trend_helpers(app: Flask) -> None:
    """What the trend page and the sparkline on the results page call."""
    for helper in (trends_url, period_search, chart_of, show_of, spark_bars):
        app.add_template_global(helper)
    app.add_template_global(SHOWS, "shows")
    app.add_template_global(KEPT, "trend_kept")
    app.add_template_filter(shown, "shown")
