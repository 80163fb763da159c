"""`/api/suggest`: completions of what a reader is typing, for the search box's combobox."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from .core import search_index

bp = Blueprint("complete", __name__)


@bp.get("/api/suggest", endpoint="api")
def suggest() -> ResponseReturnValue:
    """Up to 8 completions of ?q=, the most items first; an empty q has none."""
    typed = request.args.get("q", "").strip()
    return jsonify(search_index().suggest(typed, current_app.config["MAX_QUERY_CHARS"]))
