"""The hostile query set of bench/hostile.py on a small corpus: seeded, every kind, the core's
limits where the set puts them, and a runner that counts a refusal (400) as an answer and a 500
as an error, in-process and over HTTP."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import ROOT, SEED_CORPUS, write_jsonl

sys.path.insert(0, str(ROOT))  # bench/ is the repository's own package, not an installed one
from bench import hostile  # noqa: E402
from bench.corpus import Record, read_jsonl  # noqa: E402
from bench.queries import Query  # noqa: E402
from indexer import SearchIndex, SearchRequest, Settings, sync  # noqa: E402
from indexer.errors import IndexUnreadable, QueryError  # noqa: E402

PAST = ("or-past", "not-past", "terms-past", "too-long")  # the kinds the core must refuse


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's own texts cut into items of about 400 characters, as one JSONL file."""
    text = "".join(
        "".join(p.read_text(encoding="utf-8").split()) for p in sorted(SEED_CORPUS.glob("*.txt"))
    )
    rows = [
        {"id": f"item-{n}", "title": text[at : at + 12], "body": text[at : at + 400]}
        for n, at in enumerate(range(0, len(text) - 300, 300))
    ]
    return write_jsonl(tmp_path_factory.mktemp("hostile") / "corpus.jsonl", rows)


@pytest.fixture(scope="module")
def records(corpus: Path) -> list[Record]:
    return read_jsonl(corpus)


@pytest.fixture(scope="module")
def index(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SearchIndex]:
    settings = Settings.from_env(index_dir=tmp_path_factory.mktemp("index"), procs=1)
    sync(settings, [corpus])
    searcher = SearchIndex(settings)
    yield searcher
    searcher.close()


def test_the_set_is_seeded_and_holds_every_kind(records: list[Record]) -> None:
    queries = hostile.hostile_set(records, seed=3)
    assert queries == hostile.hostile_set(records, seed=3)
    assert queries != hostile.hostile_set(records, seed=4)
    assert {q.kind for q in queries} == set(hostile.KINDS)
    assert [q.kind for q in hostile.hostile_set(records, seed=3, per_kind=1)] == list(hostile.KINDS)
    frequent = hostile.frequent_chars(records, 5)
    assert [q.text for q in queries if q.kind == "char"][:5] == frequent


def test_the_set_stands_on_both_sides_of_each_limit(records: list[Record]) -> None:
    queries = hostile.hostile_set(records)
    by_kind = {kind: [q.text for q in queries if q.kind == kind] for kind in hostile.KINDS}
    longest = hostile.MAX_QUERY_CHARS
    assert all(len(t) <= longest for k, texts in by_kind.items() if k != "too-long" for t in texts)
    assert all(len(t) > longest for t in by_kind["too-long"])
    assert max(t.count(" OR ") + 1 for t in by_kind["or"]) == hostile.MAX_ALTERNATIVES
    assert min(t.count(" OR ") + 1 for t in by_kind["or-past"]) > hostile.MAX_ALTERNATIVES
    assert max(t.count("-") for t in by_kind["not"]) == hostile.MAX_EXCLUDED
    assert min(t.count("-") for t in by_kind["not-past"]) > hostile.MAX_EXCLUDED
    assert max(len(t.split()) for t in by_kind["terms"]) == hostile.MAX_UNITS
    assert min(len(t.split()) for t in by_kind["terms-past"]) > hostile.MAX_UNITS
    assert max(t.count("(") for t in by_kind["parens"]) > 100
    assert len(max(by_kind["text"], key=len)) == longest


def test_the_core_refuses_the_set_past_its_limits_and_answers_the_rest(
    records: list[Record], index: SearchIndex
) -> None:
    queries = hostile.hostile_set(records)
    outcomes = hostile.measure({"ours": hostile.ours(index.search)}, queries, queries[:2])["ours"]
    refused = {o.query for o in outcomes if o.status == hostile.REFUSED}
    assert {q for q in queries if q.kind in PAST} <= refused
    assert not {q for q in queries if q.kind in ("char", "or", "not", "terms")} & refused
    tally = hostile.Tally.of(outcomes)
    assert tally.answered == tally.queries == len(queries)
    assert tally.refused >= sum(q.kind in PAST for q in queries)
    assert tally.errors == tally.failed == 0


def _fake(answer: dict[str, Any] | Exception) -> Any:
    def search(request: SearchRequest) -> dict[str, Any]:
        if isinstance(answer, Exception):
            raise answer
        return answer

    return search


def test_refusals_are_answers_and_exceptions_are_500s() -> None:
    query = Query("的")
    statuses = [
        hostile.timed(hostile.ours(_fake(answer)), query).status
        for answer in (
            {"partial": False},
            {"partial": True},
            QueryError("too many"),
            IndexUnreadable("gone"),
            RuntimeError("bug"),
        )
    ]
    assert statuses == [
        hostile.ANSWERED,
        hostile.PARTIAL,
        hostile.REFUSED,
        hostile.FAILED,
        hostile.ERROR,
    ]
    tally = hostile.Tally.of([hostile.Outcome(query, 0.001 * n, s) for n, s in enumerate(statuses)])
    assert (tally.answered, tally.refused, tally.partial, tally.errors, tally.failed) == (
        3,
        1,
        1,
        1,
        1,
    )
    assert tally.slowest_ms == pytest.approx(4.0)
    assert tally.slowest_refusal_ms == pytest.approx(2.0)


class _Stub(BaseHTTPRequestHandler):
    """/api/search answering by its q: refuse → 400, boom → 500, slow → a partial 200."""

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        url = urlsplit(self.path)
        q = parse_qs(url.query).get("q", [""])[0]
        status, body = 200, {"status": "ok"}
        if url.path == "/api/search":
            status = {"refuse": 400, "boom": 500}.get(q, 200)
            body = {"hits": [], "partial": q == "slow"} if status == 200 else {"error": q}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def stub() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Stub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_over_http_a_400_is_an_answer_and_a_500_an_error(stub: str) -> None:
    texts = ["的", "slow", "refuse", "boom"]
    outcomes = hostile.sweep(stub, [Query(t) for t in texts])
    assert [o.status for o in outcomes] == [
        hostile.ANSWERED,
        hostile.PARTIAL,
        hostile.REFUSED,
        hostile.ERROR,
    ]
    tally = hostile.Tally.of(outcomes)
    assert (tally.answered, tally.errors, tally.failed) == (3, 1, 0)


def test_pressure_polls_healthz_while_the_queries_repeat(stub: str) -> None:
    pressed = hostile.pressure(stub, [Query("slow"), Query("boom")], 0.3)
    assert len(pressed.health) >= 3 and pressed.health_failures == 0
    tally = hostile.Tally.of(pressed.searches)
    assert tally.partial > 0 and tally.errors > 0 and tally.partial + tally.errors == tally.queries
