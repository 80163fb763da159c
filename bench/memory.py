"""Resident memory of a process and its children, read from /proc, because a build with worker
processes or a server is measured from outside (ru_maxrss only sees the largest process)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

PROC = Path("/proc")


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in (PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def rss_mb(pid: int) -> float:
    """Current resident set size of one process in MB (0 once it is gone)."""
    return _status_kb(pid, "VmRSS") / 1024


def peak_rss_mb(pid: int) -> float:
    """Highest resident set size one live process has had (VmHWM) in MB."""
    return _status_kb(pid, "VmHWM") / 1024


def pss_mb(pid: int) -> float:
    """Proportional set size of one process in MB: its private pages plus its share of pages
    shared with others (forked server workers share the code and the dictionary)."""
    try:
        for line in (PROC / str(pid) / "smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0.0


def tree_memory(pid: int) -> tuple[float, float, float]:
    """(PSS summed over pid and its descendants, largest RSS, largest VmHWM) in MB: what a
    server of one or several processes holds in memory."""
    pids = descendants(pid)
    return (
        sum(pss_mb(p) for p in pids),
        max(rss_mb(p) for p in pids),
        max(peak_rss_mb(p) for p in pids),
    )


def descendants(pid: int) -> list[int]:
    """pid and every live process below it, found by walking parent ids in /proc."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, ()))
    return found


class TreeSampler:
    """Polls a process tree's summed RSS (and its largest VmHWM) in a thread, since workers
    come and go during a run."""

    def __init__(self, pid: int, interval_s: float = 0.25) -> None:
        self.pid = pid
        self.interval_s = interval_s
        self.peak_mb = 0.0
        self.largest_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            pids = descendants(self.pid)
            self.peak_mb = max(self.peak_mb, sum(rss_mb(p) for p in pids))
            self.largest_kb = max([self.largest_kb, *(_status_kb(p, "VmHWM") for p in pids)])
            self._stop.wait(self.interval_s)

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def total_ram_mb() -> float:
    """The machine's memory, for the report header."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 1048576
