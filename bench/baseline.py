"""THE BASELINE, not our code: the jieba + Whoosh tutorial recipe (ChineseAnalyzer with default
settings over title and body, MultifieldParser, hit.highlights("body")), kept here so every
benchmark figure of ours has the recipe's figure beside it, measured in the same run.

Only two fields are added to the tutorial schema, `date` and `source`, so that filtered queries
have an equivalent; they take no part in text analysis. Its nightly reindex is the obvious
Whoosh incremental pass (compare stored title/body, update_document what changed), and its web
app is the minimal Flask view with a searcher opened per request.

    python -m bench.baseline build --corpus FILE_OR_FOLDER --index DIR [--procs 2]
    python -m bench.baseline reindex --corpus FILE_OR_FOLDER --index DIR
    python -m bench.baseline serve --index DIR [--port 0]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.fields import DATETIME, ID, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.searching import Searcher

with warnings.catch_warnings():  # jieba.analyse leaves its idf.txt open on import
    warnings.simplefilter("ignore", ResourceWarning)
    from jieba.analyse import ChineseAnalyzer

LIMIT = 10


def schema() -> Schema:
    """The tutorial schema, plus date and source for filters."""
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(stored=True, analyzer=ChineseAnalyzer()),
        body=TEXT(stored=True, analyzer=ChineseAnalyzer()),
        date=DATETIME(),
        source=ID(),
    )


def read_corpus(path: Path) -> Iterator[dict[str, Any]]:
    """Records of a JSONL file, or of a folder of .txt files (title line, then the body)."""
    if path.is_dir():
        for file in sorted(path.rglob("*.txt")):
            title, _, body = file.read_text(encoding="utf-8").partition("\n")
            doc_id = file.relative_to(path).with_suffix("").as_posix()
            yield {"id": doc_id, "title": title, "body": body}
        return
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)


def fields_of(record: dict[str, Any]) -> dict[str, Any]:
    """writer.add_document arguments for one record."""
    values: dict[str, Any] = {
        "id": str(record["id"]),
        "title": record.get("title") or "",
        "body": record.get("body") or "",
    }
    if record.get("date"):
        values["date"] = dt.datetime.fromisoformat(str(record["date"])[:10])
    if record.get("source"):
        values["source"] = str(record["source"])
    return values


def build(corpus: Path, index_dir: Path, procs: int = 1) -> int:
    """The tutorial's full build: create_in, add every record, commit; returns the count."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), schema())
    writer = ix.writer(procs=procs, multisegment=True) if procs > 1 else ix.writer()
    count = 0
    for record in read_corpus(corpus):
        writer.add_document(**fields_of(record))
        count += 1
    writer.commit()
    return count


def reindex(corpus: Path, index_dir: Path) -> dict[str, int]:
    """The obvious incremental pass: stored title/body compared, changed records updated."""
    ix = whoosh_index.open_dir(str(index_dir))
    with ix.searcher() as searcher:
        stored = {f["id"]: (f["title"], f["body"]) for f in searcher.all_stored_fields()}
    writer = None
    counts = {"unchanged": 0, "updated": 0, "added": 0, "deleted": 0}
    for record in read_corpus(corpus):
        values = fields_of(record)
        old = stored.pop(values["id"], None)
        if old == (values["title"], values["body"]):
            counts["unchanged"] += 1
            continue
        writer = writer or ix.writer()
        writer.update_document(**values)
        counts["added" if old is None else "updated"] += 1
    for doc_id in stored:
        writer = writer or ix.writer()
        writer.delete_by_term("id", doc_id)
        counts["deleted"] += 1
    if writer is not None:
        writer.commit()
    return counts


def filter_query(
    date_from: str | None = None, date_to: str | None = None, source: str | None = None
) -> wq.Query | None:
    """The Whoosh filter for a date range and a source, or None when unfiltered."""
    parts: list[wq.Query] = []
    if date_from or date_to:
        start = dt.datetime.fromisoformat(date_from) if date_from else None
        end = dt.datetime.combine(dt.date.fromisoformat(date_to), dt.time.max) if date_to else None
        parts.append(wq.DateRange("date", start, end))
    if source:
        parts.append(wq.Term("source", source))
    return wq.And(parts) if parts else None


def search(
    searcher: Searcher,
    parser: MultifieldParser,
    q: str,
    date_from: str | None = None,
    date_to: str | None = None,
    source: str | None = None,
) -> list[dict[str, str]]:
    """Ten hits with the tutorial's snippets: parse, search, highlights("body")."""
    results = searcher.search(
        parser.parse(q), limit=LIMIT, filter=filter_query(date_from, date_to, source)
    )
    return [
        {"id": hit["id"], "title": hit["title"], "snippet": hit.highlights("body")}
        for hit in results
    ]


def parser_for(ix: whoosh_index.Index) -> MultifieldParser:
    """The obvious parser over both text fields."""
    return MultifieldParser(["title", "body"], schema=ix.schema)


def create_app(index_dir: Path) -> Any:
    """The minimal Flask app: open the index once, a searcher per request, JSON out."""
    from flask import Flask, jsonify, request

    app = Flask(__name__)
    ix = whoosh_index.open_dir(str(index_dir))
    parser = parser_for(ix)

    @app.get("/api/search")
    def api_search() -> Any:
        args = request.args
        began = time.perf_counter()
        with ix.searcher() as searcher:
            hits = search(
                searcher,
                parser,
                args.get("q", ""),
                args.get("from") or None,
                args.get("to") or None,
                args.get("source") or None,
            )
        return jsonify(hits=hits, elapsed_ms=round((time.perf_counter() - began) * 1000, 2))

    return app


def serve(index_dir: Path, host: str, port: int, threads: int = 4) -> None:
    """waitress in front of the app, printing its address the way `speechsearch serve` does."""
    import waitress

    server = waitress.create_server(create_app(index_dir), host=host, port=port, threads=threads)
    print(f"serving http://{host}:{server.effective_port}/", flush=True)  # type: ignore[union-attr]
    server.run()


def main(argv: list[str] | None = None) -> None:
    """Command line for the subprocesses the benchmark times."""
    parser = argparse.ArgumentParser(prog="python -m bench.baseline", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("build", "reindex"):
        sub = commands.add_parser(name)
        sub.add_argument("--corpus", type=Path, required=True)
        sub.add_argument("--index", type=Path, required=True)
        if name == "build":
            sub.add_argument("--procs", type=int, default=1)
    sub = commands.add_parser("serve")
    sub.add_argument("--index", type=Path, required=True)
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=0)
    sub.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    if args.command == "build":
        print(json.dumps({"documents": build(args.corpus, args.index, args.procs)}))
    elif args.command == "reindex":
        print(json.dumps(reindex(args.corpus, args.index)))
    else:
        serve(args.index, args.host, args.port, args.threads)


if __name__ == "__main__":
    sys.exit(main())
