"""Lines of a query rather than its best hits: the concordance page `/kwic` and `/api/kwic`, and
the downloads `/export.csv` and `/export.jsonl` (the matching items, or with kind=kwic the
concordance), streamed as they are written."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import closing
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue

from indexer.concordance import KwicRequest, concordance
from indexer.errors import QueryError
from indexer.export import ITEM_COLUMNS, KWIC_COLUMNS, ExportRequest, export_items, export_lines
from indexer.limits import KWIC_PAGE_SIZE, KWIC_WIDTH
from indexer.tabular import MEDIA_TYPES, as_csv, as_jsonl

from .core import search_index
from .responses import respond, wants_json
from .search import search_request, whole_number

bp = Blueprint("lines", __name__)

KINDS = ("items", "kwic")
# Query-string parameters a concordance URL carries over; `page` is dropped by every change.
KWIC_KEPT = ("q", "from", "to", "source", "category", "match", "width", "sort", "size")


@bp.get("/kwic", endpoint="page")
@bp.get("/api/kwic", endpoint="api")
def kwic() -> ResponseReturnValue:
    """Every occurrence of ?q= with its context, the term in a column of its own."""
    if not wants_json() and not request.args.get("q", "").strip():
        return render_template("kwic.html", result=None)
    return respond("kwic.html", concordance(search_index(), kwic_request(request.args)))


@bp.get("/export.csv", endpoint="csv", defaults={"form": "csv"})
@bp.get("/export.jsonl", endpoint="jsonl", defaults={"form": "jsonl"})
def export(form: str) -> ResponseReturnValue:
    """The matching items (kind=items, in the search's sort) or the concordance (kind=kwic, in
    its sort) as a download, streamed from a private snapshot; at most ?limit= rows."""
    args = request.args
    kind = args.get("kind") or "items"
    if kind not in KINDS:
        raise QueryError("kind 只能是 items（文档）或 kwic（语境）(unknown kind)")
    most = current_app.config["EXPORT_MAX_ROWS"]
    limit = whole_number(args, "limit", most, "导出行数")
    if kind == "kwic":
        rows: Iterator[Any] = export_lines(search_index(), kwic_request(args), limit, most)
        columns = KWIC_COLUMNS
    else:
        search = search_request(_without(args, "page", "size"))
        rows = export_items(search_index(), ExportRequest(search, limit, most))
        columns = ITEM_COLUMNS
    text = as_csv(rows, columns) if form == "csv" else as_jsonl(rows)
    name = f"{args.get('q', '').strip()[:40]}-{'语境' if kind == 'kwic' else '文档'}.{form}"
    return Response(
        _closing(text, rows),
        content_type=MEDIA_TYPES[form],
        headers={
            "Content-Disposition": f'attachment; filename="speechsearch-{kind}.{form}"; '
            f"filename*=UTF-8''{quote(name, safe='')}"
        },
    )


def kwic_request(args: Mapping[str, str]) -> KwicRequest:
    """A KwicRequest from query-string text; the core validates the rest in its own words."""
    return KwicRequest(
        search=search_request(_without(args, "page", "size", "sort")),
        width=whole_number(args, "width", KWIC_WIDTH, "语境宽度"),
        sort=args.get("sort") or "date",
        page=whole_number(args, "page", 1, "页码"),
        size=whole_number(args, "size", KWIC_PAGE_SIZE, "每页条数"),
    )


@bp.app_template_global()
def kwic_url(endpoint: str = "lines.page", **changes: Any) -> str:
    """This concordance's (or search's) parameters with changes (None removes one), as a URL
    of the concordance page or a download; back on page 1 unless page given."""
    kept = {k: request.args[k] for k in KWIC_KEPT if request.args.get(k)}
    params = {**kept, **changes}
    return url_for(endpoint, **{k: v for k, v in params.items() if v not in (None, "")})


def _without(args: Mapping[str, str], *names: str) -> dict[str, str]:
    return {k: v for k, v in args.items() if k not in names}


def _closing(text: Iterator[str], rows: Iterator[Any]) -> Iterator[str]:
    """The written text; the rows (and the snapshot they read) closed when the response ends,
    a client going away included."""
    with closing(rows):
        yield from text
