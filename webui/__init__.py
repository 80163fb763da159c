"""The search page and JSON API over the core: one Flask app, small blueprints, thin views."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider

from indexer import SearchIndex, Settings, limits
from indexer.errors import UsageError

from . import complete, documents, health, lines, search, trends
from .core import EXTENSION
from .responses import register_error_handlers
from .templating import register_template_helpers

LIMITS = ("PAGE_SIZE", "MAX_PAGE_SIZE", "MAX_QUERY_CHARS", "RELATED", "MAX_RESULTS")
WEB_MAX_PAGE_SIZE = 50  # the page offers fewer hits at once than the core allows
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}
# Pages and API answers may be reused this long (back button, paging back and forth); a
# reindex shows within the minute. Errors and /healthz are never stored.
CACHE_SECONDS = 60


class StrictJSON(DefaultJSONProvider):
    """UTF-8 JSON every parser accepts: a NaN or Infinity in stored metadata becomes null."""

    ensure_ascii = False
    sort_keys = False
    mimetype = "application/json; charset=utf-8"

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """Python's json writes NaN and Infinity, which JSON has not; they become null."""
        return super().dumps(_finite(obj), allow_nan=False, **kwargs)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def create_app(
    test_config: Mapping[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """The app factory (Flask's flaskr layout), so tests and `speechsearch serve` build alike."""
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("SPEECHSEARCH_INDEX") or os.path.join(app.instance_path, "index"),
        PAGE_SIZE=limits.PAGE_SIZE,
        MAX_PAGE_SIZE=WEB_MAX_PAGE_SIZE,
        MAX_QUERY_CHARS=limits.MAX_QUERY_CHARS,
        RELATED=limits.RELATED,
        MAX_RESULTS=limits.MAX_RESULTS,
        USERDICT=None,
        SYNONYMS=None,
        EXPORT_MAX_ROWS=limits.EXPORT_ROWS,
        SPARKLINE=True,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SPEECHSEARCH")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["DEBUG"] = False  # never the debugger, never a traceback in a response
    _check_limits(app)
    _check_export(app)
    app.json = StrictJSON(app)
    # Routing never redirects (to merged slashes, or from "" to "/"): werkzeug would build the
    # Location from the Host header a client sends. Set before the blueprints add their rules,
    # so that an id with "//" in it also reaches /doc/ and its links unchanged.
    app.url_map.merge_slashes = False
    app.url_map.strict_slashes = False

    app.extensions[EXTENSION] = SearchIndex(
        Settings.from_env(
            index_dir=Path(app.config["INDEX_DIR"]),
            userdict=_path_or_none(app.config["USERDICT"]),
            synonyms=_path_or_none(app.config["SYNONYMS"]),
        )
    )
    app.after_request(_secure)
    app.after_request(_cache_policy)
    register_error_handlers(app)
    register_template_helpers(app)
    for module in (search, documents, health, lines, trends, complete):
        app.register_blueprint(module.bp)
    trends.register_trend_helpers(app)
    return app


def _check_limits(app: Flask) -> None:
    """Checked at start-up, so a bad setting stops `serve` in one line, not every request."""
    for key in LIMITS:
        value = app.config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(f"setting {key} must be a whole number >= 0, not {value!r}")
    if not 1 <= app.config["PAGE_SIZE"] <= app.config["MAX_PAGE_SIZE"] <= limits.MAX_PAGE_SIZE:
        raise UsageError(f"settings need 1 <= PAGE_SIZE <= MAX_PAGE_SIZE <= {limits.MAX_PAGE_SIZE}")
    if app.config["MAX_QUERY_CHARS"] < 1:
        raise UsageError("setting MAX_QUERY_CHARS must be 1 or more")
    if app.config["MAX_RESULTS"] < app.config["MAX_PAGE_SIZE"]:
        raise UsageError("setting MAX_RESULTS must be at least MAX_PAGE_SIZE")
    if not isinstance(app.config["SPARKLINE"], bool):
        value = app.config["SPARKLINE"]
        raise UsageError(f"setting SPARKLINE must be true or false, not {value!r}")


def _check_export(app: Flask) -> None:
    """EXPORT_MAX_ROWS: the most rows one export writes, never past the core's hard maximum."""
    value = app.config["EXPORT_MAX_ROWS"]
    if isinstance(value, bool) or not isinstance(value, int):
        raise UsageError(f"setting EXPORT_MAX_ROWS must be a whole number, not {value!r}")
    if not 1 <= value <= limits.EXPORT_MAX_ROWS:
        raise UsageError(f"setting EXPORT_MAX_ROWS must be 1 to {limits.EXPORT_MAX_ROWS}")


def _path_or_none(value: Any) -> Path | None:
    return Path(value) if value else None


def _secure(response: Response) -> Response:
    """The same protective headers on every answer: pages, JSON, static files and errors."""
    response.headers.update(SECURITY_HEADERS)
    return response


def _cache_policy(response: Response) -> Response:
    """Dynamic answers say how long they may be reused; static files keep Flask's own rule."""
    if request.endpoint == "static" and response.status_code < 400:
        return response
    if response.status_code >= 400 or request.endpoint == "health.healthz":
        response.headers["Cache-Control"] = "no-store"
    else:
        response.headers["Cache-Control"] = f"max-age={CACHE_SECONDS}"
    return response
