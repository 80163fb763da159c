"""The search page `/` and `/api/search`: one view, one result dict from the core."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

from flask import Blueprint, current_app, render_template, request
from flask.typing import ResponseReturnValue

from indexer import SearchRequest
from indexer.errors import QueryError
from indexer.limits import FILTERS, check_page_size
from indexer.results import SearchResult

from .core import search_index
from .responses import respond, wants_json

bp = Blueprint("search", __name__)

MAX_FILTER_CHARS = 100


@bp.get("/", endpoint="page")
@bp.get("/api/search", endpoint="api")
def search() -> ResponseReturnValue:
    """Results for ?q= (the home page when a reader has not typed anything yet)."""
    if not wants_json() and not request.args.get("q", "").strip():
        return render_template("home.html", health=search_index().health())
    return respond("search.html", search_result(request.args))


def search_result(args: Mapping[str, str]) -> SearchResult:
    """The core's answer to the query string; bad parameters and unknown filters: QueryError."""
    return search_index().search(search_request(args))


def search_request(args: Mapping[str, str]) -> SearchRequest:
    """A SearchRequest from query-string text; the core validates the rest in its own words."""
    config = current_app.config
    size = whole_number(args, "size", config["PAGE_SIZE"], "每页条数")
    check_page_size(size, config["MAX_PAGE_SIZE"])
    return SearchRequest(
        q=args.get("q", "").strip(),
        page=whole_number(args, "page", 1, "页码"),
        size=size,
        sort=args.get("sort") or "relevance",
        date_from=args.get("from") or None,
        date_to=args.get("to") or None,
        source=_filter_value(args, "source"),
        category=_filter_value(args, "category"),
        max_query_chars=config["MAX_QUERY_CHARS"],
        match=args.get("match") or "all",
        max_results=config["MAX_RESULTS"],
        sparkline=config["SPARKLINE"],
        pinyin=args.get("pinyin") != "0",
    )


def whole_number(args: Mapping[str, str], name: str, default: int, label: str) -> int:
    text = args.get(name, "").strip()
    if not text:
        return default
    if not re.fullmatch(r"[0-9]{1,9}", text):
        shown = text if len(text) <= 20 else text[:20] + "…"
        raise QueryError(f"{label}「{shown}」应是正整数 ({name} must be a whole number)")
    return int(text)


def _filter_value(args: Mapping[str, str], name: str) -> str | None:
    value = args.get(name, "").strip()
    if len(value) > MAX_FILTER_CHARS or any(unicodedata.category(c) == "Cc" for c in value):
        raise QueryError(f"{FILTERS[name]}的取值不对 (bad {name} value)")
    return value or None
