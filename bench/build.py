"""Builds and reindexes timed from outside, each in its own subprocess, as a user runs them:
wall seconds, the largest process's peak RSS (GNU time) and the whole tree's (sampled)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .corpus import ROOT
from .memory import TreeSampler

# GNU time measures the command's own peak RSS; ru_maxrss read here would also count this
# (large) process, whose high-water mark a vfork'd child inherits across exec.
TIME = "/usr/bin/time"


@dataclass(frozen=True)
class Run:
    """One timed command."""

    command: str
    wall_s: float
    peak_rss_mb: float  # the largest single process (GNU time's %M, else sampled VmHWM)
    tree_peak_mb: float  # all processes of the run together, sampled every 0.25 s
    output: str


def speechsearch(*args: str) -> list[str]:
    """Our command line: the installed `speechsearch` script beside this Python."""
    script = Path(sys.executable).with_name("speechsearch")
    return [str(script), *args] if script.exists() else [sys.executable, "-m", "indexer", *args]


def baseline(*args: str) -> list[str]:
    """The baseline's command line (bench/baseline.py)."""
    return [sys.executable, "-m", "bench.baseline", *args]


def shown(command: list[str], tmp: Path) -> str:
    """A command as the report prints it: temp paths as $TMP, this Python's folder as .venv/bin."""
    text = shlex.join(command).replace(str(tmp), "$TMP").replace(str(ROOT) + "/", "")
    return text.replace(str(Path(sys.executable).parent), ".venv/bin")


def run_timed(command: list[str], tmp: Path) -> Run:
    """Run a command to its end; a failure raises with its output, since a figure from a
    failed run would be wrong."""
    report = tmp / f".maxrss-{time.monotonic_ns()}"
    timed = [TIME, "-f", "%M", "-o", str(report), *command] if os.access(TIME, os.X_OK) else command
    began = time.perf_counter()
    process = subprocess.Popen(
        timed, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    status = None
    try:
        with TreeSampler(process.pid) as sampler, process.stdout as stream:  # type: ignore[union-attr]
            output = stream.read()
            _, status = os.waitpid(process.pid, 0)
        wall = time.perf_counter() - began
    finally:
        if status is None:
            process.kill()
            process.wait()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"{shlex.join(command)} failed ({process.returncode}):\n{output}")
    largest = int(report.read_text().split()[-1]) if report.exists() else sampler.largest_kb
    report.unlink(missing_ok=True)
    return Run(shown(command, tmp), wall, largest / 1024, sampler.peak_mb, output)


def size_mb(path: Path) -> float:
    """Bytes on disk under a folder, in MB."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1048576
