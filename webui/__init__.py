"""The search page and JSON API over the core: one Flask app, small blueprints, thin views."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response

from indexer import SearchIndex, Settings
from indexer.errors import UsageError

from . import documents, health, search
from .core import EXTENSION
from .responses import register_error_handlers
from .templating import register_template_helpers

LIMITS = ("PAGE_SIZE", "MAX_PAGE_SIZE", "MAX_QUERY_CHARS", "RELATED")
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def create_app(
    test_config: Mapping[str, Any] | None = None, instance_path: str | None = None
) -> Flask:
    """The app factory (Flask's flaskr layout), so tests and `speechsearch serve` build alike."""
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("SPEECHSEARCH_INDEX") or os.path.join(app.instance_path, "index"),
        PAGE_SIZE=10,
        MAX_PAGE_SIZE=50,
        MAX_QUERY_CHARS=256,
        RELATED=5,
        USERDICT=None,
        SYNONYMS=None,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("SPEECHSEARCH")
    if test_config:
        app.config.from_mapping(test_config)
    app.config["DEBUG"] = False  # never the debugger, never a traceback in a response
    _check_limits(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.json.mimetype = "application/json; charset=utf-8"  # type: ignore[attr-defined]

    app.extensions[EXTENSION] = SearchIndex(
        Settings.from_env(
            index_dir=Path(app.config["INDEX_DIR"]),
            userdict=_path_or_none(app.config["USERDICT"]),
            synonyms=_path_or_none(app.config["SYNONYMS"]),
        )
    )
    app.after_request(_secure)
    register_error_handlers(app)
    register_template_helpers(app)
    for module in (search, documents, health):
        app.register_blueprint(module.bp)
    return app


def _check_limits(app: Flask) -> None:
    """Checked at start-up, so a bad setting stops `serve` in one line, not every request."""
    for key in LIMITS:
        value = app.config[key]
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise UsageError(f"setting {key} must be a whole number >= 0, not {value!r}")
    if not 1 <= app.config["PAGE_SIZE"] <= app.config["MAX_PAGE_SIZE"] <= 100:
        raise UsageError("settings need 1 <= PAGE_SIZE <= MAX_PAGE_SIZE <= 100")
    if app.config["MAX_QUERY_CHARS"] < 1:
        raise UsageError("setting MAX_QUERY_CHARS must be 1 or more")


def _path_or_none(value: Any) -> Path | None:
    return Path(value) if value else None


def _secure(response: Response) -> Response:
    """The same protective headers on every answer: pages, JSON, static files and errors."""
    response.headers.update(SECURITY_HEADERS)
    return response
