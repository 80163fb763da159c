"""The real web servers under a bounded local load: a subprocess on a free 127.0.0.1 port,
eight keep-alive client threads for a fixed time and request count, then the server stopped."""

from __future__ import annotations

import http.client
import itertools
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlencode, urlsplit

from .corpus import ROOT
from .latency import percentile
from .queries import Query

HOST = "127.0.0.1"
CONCURRENCY = 8
MAX_REQUESTS = 200_000  # a hard stop whatever the duration
START_TIMEOUT_S = 90
_ADDRESS = re.compile(r"serving (http://127\.0\.0\.1:\d+)/")


@dataclass
class Server:
    """A running server: its base URL and process id (for RSS)."""

    url: str
    pid: int


@contextmanager
def serving(command: list[str], env: Mapping[str, str] | None = None) -> Iterator[Server]:
    """Start a server that prints `serving http://127.0.0.1:PORT/` (with env added to the
    environment); always stopped on exit, its whole process group (it is the leader of a new
    session)."""
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env} if env else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    log: list[str] = []
    drain = threading.Thread(target=_drain, args=(process.stdout,), daemon=True)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        url = None
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            log.append(line)
            match = _ADDRESS.search(line)
            url = match.group(1) if match else None
        if url is None:
            raise RuntimeError(f"server did not start: {' '.join(command)}\n{''.join(log)}")
        drain.start()
        _wait_ready(url)
        yield Server(url, process.pid)
    finally:
        _stop(process)
        if drain.ident is not None:
            drain.join(timeout=10)
        if process.stdout:
            process.stdout.close()


def _drain(stream: IO[str] | None) -> None:
    """Read the server's output to its end, so a chatty server never blocks on a full pipe."""
    for _ in stream or ():
        pass


def _wait_ready(url: str) -> None:
    """The first answer (any status) proves the app is loaded and its index opened."""
    parts = urlsplit(url)
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            connection.request("GET", "/api/search?q=%E4%B8%AD%E5%9B%BD")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"server at {url} never answered")


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@dataclass(frozen=True)
class Sample:
    """One request: when it started (monotonic s), how long it took, whether it was a 200."""

    start: float
    seconds: float
    ok: bool


def load(
    url: str,
    queries: Sequence[Query],
    duration_s: float,
    stop: threading.Event | None = None,
    concurrency: int = CONCURRENCY,
) -> list[Sample]:
    """GET /api/search for each query in turn from `concurrency` keep-alive connections, until
    `duration_s` passes, `stop` is set or MAX_REQUESTS were sent."""
    parts = urlsplit(url)
    paths = [f"/api/search?{urlencode(q.params())}" for q in queries]
    feed = itertools.cycle(paths)
    lock = threading.Lock()
    samples: list[Sample] = []
    deadline = time.monotonic() + duration_s

    def worker() -> None:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine: list[Sample] = []
        while time.monotonic() < deadline and not (stop and stop.is_set()):
            with lock:
                if len(samples) + len(mine) >= MAX_REQUESTS:
                    break
                path = next(feed)
            began = time.monotonic()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                ok = response.status == 200 and "hits" in json.loads(body)
            except (OSError, http.client.HTTPException, ValueError):
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                ok = False
            mine.append(Sample(began, time.monotonic() - began, ok))
        connection.close()
        with lock:
            samples.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return samples


@dataclass(frozen=True)
class LoadStats:
    """Throughput and latency of a load run (or of the part of it inside a window)."""

    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    errors: int

    @classmethod
    def of(
        cls, samples: Sequence[Sample], start: float | None = None, end: float | None = None
    ) -> LoadStats:
        chosen = [
            s
            for s in samples
            if (start is None or s.start >= start) and (end is None or s.start <= end)
        ]
        if not chosen:
            return cls(0, 0.0, 0.0, float("nan"), float("nan"), 0)
        first = min(s.start for s in chosen)
        last = max(s.start + s.seconds for s in chosen)
        span = max(last - first, 1e-9)
        ms = [s.seconds * 1000 for s in chosen]
        errors = sum(not s.ok for s in chosen)
        return cls(
            len(chosen), span, len(chosen) / span, percentile(ms, 50), percentile(ms, 95), errors
        )
