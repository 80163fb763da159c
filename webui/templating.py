"""Small helpers the templates call: shareable search URLs, page windows, dates, safe links."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, request, url_for
from markupsafe import Markup

from .core import deepest_page
from .search import search_request

# Query-string parameters a search URL carries over; `page` is dropped by every change.
KEPT = ("q", "sort", "from", "to", "source", "category", "size", "match", "pinyin")


def search_params(*dropped: str) -> dict[str, str]:
    """This search's parameters minus some: hidden inputs of forms that change the others."""
    return {k: request.args[k] for k in KEPT if k not in dropped and request.args.get(k)}


def search_url(changes: dict[str, Any] | None = None, **more: Any) -> str:
    """This search's URL with changes (None removes one), back on page 1 unless page given."""
    params: dict[str, Any] = {**search_params(), **(changes or {}), **more}
    return url_for("search.page", **{k: v for k, v in params.items() if v not in (None, "")})


def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to offer: first, last and a few around the current; None is a gap. The
    last is the deepest a reader may open, so that no link leads to a refusal."""
    pages = min(pages, deepest_page(search_request(request.args).size))
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    window: list[int | None] = []
    for number in shown:
        if window and number - (window[-1] or 0) > 1:
            window.append(None)
        window.append(number)
    return window


def chinese_date(value: str | None) -> str:
    """2020-03-30 as a Chinese reader writes it: 2020年3月30日."""
    if not value:
        return ""
    day = dt.date.fromisoformat(value)
    return f"{day.year}年{day.month}月{day.day}日"


def external_url(value: str | None) -> str | None:
    """A stored URL fit for href: http(s) only, so a `javascript:` URL stays plain text."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    return value.strip() if parts.scheme in ("http", "https") and parts.netloc else None


def plain(value: Any) -> str:
    """Metadata values as text: strings as they are, anything else as compact JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def as_paragraphs(paragraphs_html: list[str]) -> Markup:
    """The core's HTML paragraphs (escaped there, marks its only markup) joined in one call: a
    loop in the template costs a second on a 20 MB speech's 70,000 lines."""
    return Markup("\n".join(f"<p>{html}</p>" for html in paragraphs_html))


def register_template_helpers(app: Flask) -> None:
    """Make the helpers above available in every template."""
    app.add_template_global(search_params)
    app.add_template_global(search_url)
    app.add_template_global(page_window)
    app.add_template_global(deepest_page)
    app.add_template_global(external_url)
    app.add_template_filter(chinese_date)
    app.add_template_filter(plain)
    app.add_template_filter(as_paragraphs)
