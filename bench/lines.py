"""Concordance and export (issue 15) on the benchmark corpus: a concordance page of 50 lines of
a word with at least 5,000 occurrences, in-process (by date: the target; by left and right
context, which read and sort every occurrence up to the core's cap, reported); then an export of
every item matching a word nearly every item holds, as CSV through the real server (waitress in
a subprocess, one worker), streamed to nowhere, in rows per second, with the server's RSS
before, at its peak during and after the export. Runs alone:

    python -m bench lines [--index DIR]
"""

from __future__ import annotations

import statistics
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.client import HTTPConnection
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from indexer import SearchIndex, SearchRequest, Settings
from indexer.concordance import KwicRequest, concordance
from indexer.limits import KWIC_MAX_LINES

from . import build, http
from .memory import rss_mb
from .report import Row, Target

KWIC_MS = 200  # target: a page of 50 lines by date
EXPORT_RPS = 2_000  # target: rows a second of a CSV export of every item
MIN_OCCURRENCES = 5_000
# Words tried for the concordance, most frequent first in news of this kind: the first with at
# least MIN_OCCURRENCES occurrences is measured (on a small corpus: the most frequent).
KWIC_WORDS = ("高质量发展", "新时代", "习近平", "发展")
EVERY_ITEM = "新闻"  # held by nearly every CCTV item (24,081 of 24,090)
REPEATS = 5
READ_BYTES = 1 << 16
SERVE = ("--host", http.HOST, "--port", "0", "--workers", "1")


@dataclass(frozen=True)
class Exported:
    """One export over HTTP: rows, seconds, bytes, and the server's RSS around it."""

    rows: int
    seconds: float
    megabytes: float
    rss_before: float
    rss_peak: float
    rss_after: float


def pick_word(index: SearchIndex) -> tuple[str, int, int]:
    """The first of KWIC_WORDS with enough occurrences (the most frequent when none has):
    (word, occurrences, items); occurrences are counted up to the concordance's cap."""
    counted = []
    for word in KWIC_WORDS:
        result = concordance(index, KwicRequest(SearchRequest(q=word), sort="right"))
        counted.append((word, result["total"] or 0, result["items"]))
        if counted[-1][1] >= MIN_OCCURRENCES:
            return counted[-1]
    return max(counted, key=lambda c: c[1])


def concordance_ms(index: SearchIndex, word: str, sort: str) -> float:
    """Median ms of a first page of 50 lines (after one unmeasured run)."""
    request = KwicRequest(SearchRequest(q=word), sort=sort)
    concordance(index, request)
    times = []
    for _ in range(REPEATS):
        began = time.perf_counter()
        concordance(index, request)
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def export_csv(url: str, pid: int, query: str) -> Exported:
    """GET /export.csv of every item matching query, read to its end and dropped."""
    parts = urlsplit(url)
    connection = HTTPConnection(parts.hostname, parts.port, timeout=600)
    connection.request("GET", "/?" + urlencode({"q": query}))  # the index opened, warm
    connection.getresponse().read()
    before = rss_mb(pid)
    with _sampled(pid) as peak:
        began = time.perf_counter()
        connection.request("GET", "/export.csv?" + urlencode({"q": query}))
        response = connection.getresponse()
        size = lines = 0
        while chunk := response.read(READ_BYTES):
            size += len(chunk)
            lines += chunk.count(b"\r\n")  # the csv module's row end (a field's own is \n)
        seconds = time.perf_counter() - began
    connection.close()
    time.sleep(0.5)
    return Exported(lines - 1, seconds, size / 1e6, before, max(peak), rss_mb(pid))


@contextmanager
def _sampled(pid: int, every_s: float = 0.05) -> Iterator[list[float]]:
    """A process's RSS sampled while the block runs."""
    samples = [rss_mb(pid)]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(every_s):
            samples.append(rss_mb(pid))

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()


def measure(index_dir: Path, tmp: Path, say: Callable[[str], None]) -> list[Row]:
    """Every figure of this part, over an index of the corpus."""
    index = SearchIndex(Settings.from_env(index_dir=index_dir))
    word, occurrences, items = pick_word(index)
    at_least = "at least " if occurrences >= KWIC_MAX_LINES else ""
    say(f"concordance of {word}: {at_least}{occurrences} occurrences in {items} items")
    how = (
        f"bench/lines.py: concordance(KwicRequest(SearchRequest(q={word!r}), sort=…)), page 1 "
        f"of 50 lines, median of {REPEATS} after one unmeasured, in-process over "
        f"{build.shown([str(index_dir)], tmp)}",
    )
    label = f"{word}: {at_least}{occurrences:,} occurrences in {items:,} items"
    rows = [
        Row(
            f"concordance page of 50 by date, ms ({label})",
            concordance_ms(index, word, "date"),
            None,
            Target("<=", KWIC_MS),
            how,
        ),
    ]
    for sort in ("left", "right"):
        rows.append(
            Row(
                f"concordance page of 50 by {sort} context, ms (reads and sorts up to "
                f"{KWIC_MAX_LINES:,} occurrences)",
                concordance_ms(index, word, sort),
                None,
                None,
                how,
            )
        )
    index.close()
    command = build.speechsearch("serve", "--index", str(index_dir), *SERVE)
    with http.serving(command) as server:
        say(f"export of {EVERY_ITEM!r} from {server.url} (process {server.pid})")
        done = export_csv(server.url, server.pid, EVERY_ITEM)
    how = (
        f"{build.shown(command, tmp)}; client: bench/lines.py, GET /export.csv?q={EVERY_ITEM} "
        "read to its end and dropped; RSS of the server process from /proc",
    )
    return rows + [
        Row(
            f"CSV export of {done.rows:,} items: rows/s",
            done.rows / done.seconds,
            None,
            Target(">=", EXPORT_RPS),
            how,
            0,
        ),
        Row(f"CSV export: s ({done.megabytes:.1f} MB)", done.seconds, None, None, how, 1),
        Row("server RSS MB before the export", done.rss_before, None, None, how, 0),
        Row("server RSS MB, peak during the export", done.rss_peak, None, None, how, 0),
        Row("server RSS MB after the export", done.rss_after, None, None, how, 0),
    ]
