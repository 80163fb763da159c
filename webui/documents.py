"""The document page `/doc/<id>` and `/api/doc/<id>`: ids are looked up in the index only."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask.typing import ResponseReturnValue

from .core import search_index
from .responses import respond

bp = Blueprint("documents", __name__)


# Slashes are never merged (create_app): an id such as "https://example.cn/a" arrives unchanged.
@bp.get("/doc/<path:doc_id>", endpoint="page")
@bp.get("/api/doc/<path:doc_id>", endpoint="api")
def document(doc_id: str) -> ResponseReturnValue:
    """The whole stored document with every match of ?q= marked, and related documents; as a
    reader reads it, or with a pre-segmented source's spaces (?view=stored)."""
    q = request.args.get("q", "").strip() or None
    as_stored = request.args.get("view") == "stored"
    found = search_index().document(
        doc_id, q=q, related=current_app.config["RELATED"], as_stored=as_stored
    )
    return respond("document.html", found)
