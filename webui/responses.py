"""One result dict, two faces: JSON under /api/, an HTML page elsewhere; errors alike."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from indexer.errors import SpeechSearchError

from .core import status_of

UNAVAILABLE = "搜索索引暂时不可用，请稍后再试 (index unavailable)"
INTERNAL = "服务器出了点问题，请稍后再试 (internal error)"
HTTP_MESSAGES = {
    404: "找不到这个页面 (not found)",
    405: "不支持这种请求方式 (method not allowed)",
}


def wants_json() -> bool:
    """API routes answer JSON, including their errors; everything else answers a page."""
    return request.path.startswith("/api/")


def respond(template: str, data: dict[str, Any]) -> ResponseReturnValue:
    """The view's dict as JSON for the API, rendered into the template for the page."""
    if wants_json():
        return jsonify(data)
    return render_template(template, result=data)


def error_response(status: int, message: str) -> tuple[Response | str, int]:
    """`{"error": message}` for the API, the error page (search box kept) for a page."""
    if wants_json():
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Core errors become 400/404/503 with their message; anything else a logged, bare 500."""

    @app.errorhandler(SpeechSearchError)
    def core_error(exc: SpeechSearchError) -> ResponseReturnValue:
        status = status_of(exc)
        if status == 503:  # the reason names server paths: it goes to the log and /healthz
            current_app.logger.error("index unavailable on %s: %s", request.path, exc)
            return error_response(status, UNAVAILABLE)
        if status >= 500:
            current_app.logger.exception("core error on %s", request.path)
            return error_response(status, INTERNAL)
        return error_response(status, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        status = exc.code or 500
        message = HTTP_MESSAGES.get(status, f"请求无法处理 ({status} {exc.name})")
        headers = [(k, v) for k, v in exc.get_headers() if k.lower() != "content-type"]
        return *error_response(status, message), headers  # Allow: of a 405 is kept

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> ResponseReturnValue:
        current_app.logger.exception("unexpected error on %s", request.path)
        return error_response(500, INTERNAL)
