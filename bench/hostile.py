"""Hostile queries (issue 12): what a reader can type to make one search as costly as possible,
drawn from the corpus with a fixed seed — its most frequent characters alone, long OR and NOT
lists of them up to the core's limits and past them (refused with a 400, which counts as an
answer), 256 characters of running text, deep parentheses, and mixes of these. Measured
in-process (the slowest and p95 answer) and over HTTP (500s, and /healthz while the two
slowest repeat on two connections). Runs inside the full benchmark, or alone:

    python -m bench hostile
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from indexer import SearchRequest, SpeechSearchError
from indexer.errors import UsageError
from indexer.normalize import HAN_RUN

from .corpus import Record
from .engines import Engine
from .latency import percentile
from .queries import Query

SEED = 12
# The core's limits (issue 12): terms, alternatives of one OR, exclusions, characters; a query
# past one is refused. The tests check that the core still draws the lines here.
MAX_UNITS = 64
MAX_ALTERNATIVES = 32
MAX_EXCLUDED = 16
MAX_QUERY_CHARS = SearchRequest(q="").max_query_chars
SLOWEST_MS = 1000  # target: no hostile query takes longer in-process
HEALTH_MS = 100  # target: /healthz p95 and max while the two slowest repeat
HEALTH_EVERY_S = 0.05
FREQUENT = 100  # the corpus's most frequent Han characters the set is made of
KINDS = (
    "char",  # one frequent character alone: 的, 是 ...
    "or",  # 的 OR 是 OR 在 ... up to MAX_ALTERNATIVES
    "or-past",  # more alternatives than the core allows: refused
    "not",  # 的 -是 -在 ... up to MAX_EXCLUDED, and exclusions alone
    "not-past",
    "terms",  # frequent characters as separate words, up to MAX_UNITS
    "terms-past",
    "text",  # running text copied from the corpus, up to MAX_QUERY_CHARS
    "phrase",  # the same quoted: one piece of up to 254 characters
    "too-long",  # longer than MAX_QUERY_CHARS: refused
    "parens",  # 40 and more levels of parentheses, nested ORs and NOTs
    "mix",  # several of the above in one query
)

# What became of one query.
ANSWERED = "answered"
PARTIAL = "partial"  # answered with what was found when the 500 ms budget ran out
REFUSED = "refused"  # a 400 / UsageError: the query asks too much, an answer all the same
ERROR = "error"  # a 500 (in-process: an exception the web app turns into one)
FAILED = "failed"  # any other failure: 503, a dropped connection, a reply that is not JSON


def frequent_chars(records: Sequence[Record], count: int) -> list[str]:
    """The corpus's most frequent Han characters, most frequent first (ties by code point)."""
    counts: Counter[str] = Counter()
    for record in records:
        for run in HAN_RUN.findall(f"{record.get('title') or ''}\n{record.get('body') or ''}"):
            counts.update(run)
    return [c for c, _ in sorted(counts.items(), key=lambda cn: (-cn[1], cn[0]))[:count]]


def _or(chars: Sequence[str]) -> str:
    return " OR ".join(chars)


def _nots(chars: Sequence[str]) -> str:
    return " ".join(f"-{c}" for c in chars)


def _nested(chars: Sequence[str], joiner: str) -> str:
    """(a joiner (b joiner (c ...))): one level of parentheses per character."""
    text = chars[-1]
    for char in reversed(chars[:-1]):
        text = f"({char}{joiner}{text})"
    return text


def _windows(records: Sequence[Record], rng: random.Random, size: int, count: int) -> list[str]:
    """Runs of body text copied from random items, as a reader pastes a passage."""
    bodies = [text for r in records if len(text := " ".join((r.get("body") or "").split())) > size]
    found = []
    for body in rng.sample(bodies, min(count, len(bodies))):
        start = rng.randrange(len(body) - size + 1)
        found.append(body[start : start + size])
    return found


def _mix(pieces: Sequence[str], rng: random.Random) -> str:
    """Two to five pieces in random order, as many as fit MAX_QUERY_CHARS."""
    text = ""
    for piece in rng.sample(pieces, rng.randint(2, min(5, len(pieces)))):
        joined = f"{text} {piece}".strip()
        if len(joined) <= MAX_QUERY_CHARS:
            text = joined
    return text


def hostile_set(
    records: Sequence[Record], seed: int = SEED, per_kind: int | None = None
) -> list[Query]:
    """The set in KINDS order (per_kind: the first of each), seeded so that runs compare."""
    rng = random.Random(seed)
    chars = frequent_chars(records, FREQUENT)
    top = chars[:MAX_UNITS]

    def drawn(n: int) -> list[str]:
        return rng.sample(chars, n)

    made: dict[str, list[str]] = {kind: [] for kind in KINDS}
    made["char"] = chars[:16]
    for n in (4, 8, 16, MAX_ALTERNATIVES):
        made["or"] += [_or(top[:n]), _or(drawn(n))]
    made["or"].append(" | ".join(top[:MAX_ALTERNATIVES]))
    made["or-past"] = [_or(top[: MAX_ALTERNATIVES + 1]), _or(drawn(48))]
    for n in (4, 8, MAX_EXCLUDED):
        made["not"] += [f"{top[0]} {_nots(top[1 : n + 1])}", f"{top[n]} {_nots(drawn(n))}"]
    made["not"] += [_nots(top[:MAX_EXCLUDED]), f"{top[0]} NOT ({_or(top[1 : MAX_EXCLUDED + 1])})"]
    made["not-past"] = [f"{top[0]} {_nots(top[1 : MAX_EXCLUDED + 2])}", _nots(drawn(24))]
    for n in (16, 32, MAX_UNITS):
        made["terms"] += [" ".join(top[:n]), " ".join(drawn(n))]
    made["terms-past"] = [" ".join(chars[: MAX_UNITS + 1]), " ".join(drawn(FREQUENT))]
    for size in (64, 128, MAX_QUERY_CHARS):
        made["text"] += _windows(records, rng, size, 3)
    made["phrase"] = [f'"{w}"' for w in _windows(records, rng, MAX_QUERY_CHARS - 2, 3)]
    made["phrase"] += [f'"{w}"' for w in _windows(records, rng, 32, 3)]
    made["too-long"] = [*_windows(records, rng, MAX_QUERY_CHARS + 1, 1), "的" * 1000]
    deepest = (MAX_QUERY_CHARS - 1) // 2
    made["parens"] = [
        "(" * 40 + top[0] + ")" * 40,
        "(" * deepest + top[0] + ")" * deepest,
        "(" * 40 + " ".join(top[:8]),  # unbalanced: searched as plain words
        _nested(top[:41], " | "),  # 40 levels
        _nested(top[:41], " "),
        _nested(top[: MAX_EXCLUDED + 1], " NOT "),  # 16 levels, 16 exclusions
        "NOT (" * (MAX_EXCLUDED + 1) + top[0] + ")" * (MAX_EXCLUDED + 1),
    ]
    pieces = [
        f"({_or(drawn(8))})",
        f"({_or(drawn(16))})",
        _nots(drawn(4)),
        _nots(drawn(8)),
        *rng.sample(chars[:16], 4),
        *[f'"{w}"' for w in _windows(records, rng, 16, 4)],
        *_windows(records, rng, 48, 2),
        "(" * 20 + _or(drawn(4)) + ")" * 20,
        f"title:{top[0]}",
        "date:[2022 TO 2026]",
    ]
    made["mix"] = [_mix(pieces, rng) for _ in range(12)]
    return [Query(text, kind) for kind in KINDS for text in made[kind][:per_kind]]


# -- in-process ----------------------------------------------------------------------------

Ask = Callable[[Query], str]  # sends a query, returns what became of it (a status above)


@dataclass(frozen=True)
class Outcome:
    """One query sent once: how long its answer took and what the answer was."""

    query: Query
    seconds: float
    status: str


def ours(search: Callable[[SearchRequest], dict[str, Any]]) -> Ask:
    """The core as /api/search calls it (10 hits, facets on): a UsageError is its 400."""

    def ask(query: Query) -> str:
        try:
            result = search(SearchRequest(q=query.text))
        except UsageError:
            return REFUSED
        except SpeechSearchError:
            return FAILED  # an unusable index: the web app's 503
        return PARTIAL if result.get("partial") else ANSWERED

    return ask


def through(engine: Engine) -> Ask:
    """An engine of bench/engines.py (the baseline): whatever it returns is an answer."""

    def ask(query: Query) -> str:
        engine.search(query)
        return ANSWERED

    return ask


def timed(ask: Ask, query: Query) -> Outcome:
    """One query through ask; any exception it lets out is what the web app answers 500."""
    began = time.perf_counter()
    try:
        status = ask(query)
    except Exception:  # the measurement: a hostile query must not break the engine
        status = ERROR
    return Outcome(query, time.perf_counter() - began, status)


def measure(
    asks: dict[str, Ask], queries: Sequence[Query], warmup: Sequence[Query]
) -> dict[str, list[Outcome]]:
    """Each query through every system in turn, so both see the same moment of the machine."""
    for query in warmup:
        for ask in asks.values():
            timed(ask, query)
    outcomes: dict[str, list[Outcome]] = {name: [] for name in asks}
    for query in queries:
        for name, ask in asks.items():
            outcomes[name].append(timed(ask, query))
    return outcomes


@dataclass(frozen=True)
class Tally:
    """What became of a run of queries, and how long the answers took."""

    queries: int
    answered: int  # every answer but an error: results, partial results and refusals
    refused: int
    partial: int
    errors: int  # 500s
    failed: int
    slowest_ms: float
    p95_ms: float
    slowest_refusal_ms: float

    @classmethod
    def of(cls, outcomes: Sequence[Outcome]) -> Tally:
        ms = [o.seconds * 1000 for o in outcomes]
        refusals = [o.seconds * 1000 for o in outcomes if o.status == REFUSED]
        count = Counter(o.status for o in outcomes)
        return cls(
            len(outcomes),
            count[ANSWERED] + count[PARTIAL] + count[REFUSED],
            count[REFUSED],
            count[PARTIAL],
            count[ERROR],
            count[FAILED],
            max(ms, default=float("nan")),
            percentile(ms, 95),
            max(refusals, default=float("nan")),
        )


def slowest(outcomes: Sequence[Outcome], count: int) -> list[Outcome]:
    """The slowest answers first."""
    return sorted(outcomes, key=lambda o: -o.seconds)[:count]


def table(outcomes: dict[str, list[Outcome]]) -> str:
    """Per kind: each system's slowest and p95 ms, and our refusals, partial answers, errors."""
    systems = list(outcomes)
    head = "".join(f"{f'{s} max':>14}{f'{s} p95':>14}" for s in systems)
    lines = [f"{'kind':<11}{'n':>4}{head}{'refused':>9}{'partial':>9}{'errors':>8}"]
    for kind in KINDS:
        chosen = {s: [o for o in outcomes[s] if o.query.kind == kind] for s in systems}
        mine = Tally.of(chosen[systems[0]])
        cells = "".join(
            f"{Tally.of(chosen[s]).slowest_ms:>14.1f}{Tally.of(chosen[s]).p95_ms:>14.1f}"
            for s in systems
        )
        lines.append(
            f"{kind:<11}{mine.queries:>4}{cells}{mine.refused:>9}{mine.partial:>9}"
            f"{mine.errors + mine.failed:>8}"
        )
    return "\n".join(lines)


def listing(outcomes: Sequence[Outcome], count: int = 8) -> str:
    """The slowest queries, each with its time, status and (shortened) text."""
    return "\n".join(
        f"{o.seconds * 1000:8.1f} ms  {o.status:<8} {o.query.kind:<10} {_short(o.query.text)}"
        for o in slowest(outcomes, count)
    )


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else f"{text[:width]}… ({len(text)} characters)"


# -- over HTTP -----------------------------------------------------------------------------


class Client:
    """One keep-alive connection to a server, opened again after a failure."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "", parts.port
        self.connection: http.client.HTTPConnection | None = None

    def get(self, path: str) -> tuple[int, bytes]:
        """Status and body; (0, b"") when the connection failed."""
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            self.connection.request("GET", path)
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            return 0, b""

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def search_path(query: Query) -> str:
    return f"/api/search?{urlencode(query.params())}"


def status_of(code: int, body: bytes) -> str:
    """What an /api/search answer means: 200 (partial or not), 400 refused, 500 an error."""
    if code == 200:
        try:
            partial = json.loads(body).get("partial")
        except (ValueError, AttributeError):
            return FAILED
        return PARTIAL if partial else ANSWERED
    return {400: REFUSED, 500: ERROR}.get(code, FAILED)


def over_http(client: Client) -> Ask:
    """Queries as GET /api/search over the client's connection."""
    return lambda query: status_of(*client.get(search_path(query)))


def sweep(url: str, queries: Sequence[Query]) -> list[Outcome]:
    """Every query once over one connection."""
    with closing(Client(url)) as client:
        ask = over_http(client)
        return [timed(ask, query) for query in queries]


@dataclass(frozen=True)
class Pressure:
    """The repeated searches' outcomes, and each /healthz poll's ms and status."""

    searches: list[Outcome]
    health: list[tuple[float, int]]

    @property
    def health_ms(self) -> list[float]:
        return [ms for ms, _ in self.health]

    @property
    def health_failures(self) -> int:
        return sum(code != 200 for _, code in self.health)


def pressure(url: str, queries: Sequence[Query], seconds: float) -> Pressure:
    """The queries repeated at once while /healthz is polled afresh, as a monitor does."""
    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    searches: list[Outcome] = []

    def repeat(query: Query) -> None:
        with closing(Client(url)) as client:
            ask = over_http(client)
            mine = []
            while time.monotonic() < deadline:
                mine.append(timed(ask, query))
        with lock:
            searches.extend(mine)

    threads = [threading.Thread(target=repeat, args=(q,)) for q in queries]
    for thread in threads:
        thread.start()
    health: list[tuple[float, int]] = []
    while (now := time.monotonic()) < deadline:
        with closing(Client(url)) as client:
            began = time.perf_counter()
            code, _ = client.get("/healthz")
            health.append(((time.perf_counter() - began) * 1000, code))
        time.sleep(max(0.0, now + HEALTH_EVERY_S - time.monotonic()))
    for thread in threads:
        thread.join()
    return Pressure(searches, health)
