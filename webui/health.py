"""`/healthz` for monitors: what the live index holds, or 503 with the reason."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from flask.typing import ResponseReturnValue

from indexer.errors import SpeechSearchError

from .core import search_index

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Document count, generation and last update; the core's own reason when unusable."""
    try:
        return jsonify(search_index().health())
    except SpeechSearchError as exc:
        current_app.logger.error("health check failed: %s", exc)
        return jsonify(status="error", error=str(exc)), 503
