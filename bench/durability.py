"""Durability cost (issue 13): a full build and a 1% reindex with the index files fsynced (the
default) and with SPEECHSEARCH_FSYNC=0, in the order on, off, off, on (a machine that speeds up
or slows down during a cycle weighs on both alike), repeated as the time allows. Runs inside
the full benchmark (on a fixed subset), or alone:

    python -m bench durability
"""

from __future__ import annotations

import shutil
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import build
from .build import Run, run_timed
from .corpus import Record, write_jsonl

ORDER = (True, False, False, True)  # fsync on, off, off, on
TARGET = 1.05  # syncing may cost at most 5% of a build's or a reindex's wall time
OFF = ("env", "SPEECHSEARCH_FSYNC=0")


@dataclass(frozen=True)
class Trial:
    """A full build, then a reindex after the feed changed, both with fsync on or off."""

    fsync: bool
    build: Run
    reindex: Run


def commands(feed: Path, index_dir: Path, fsync: bool) -> tuple[list[str], list[str]]:
    """The build and the reindex, as a user runs them (SPEECHSEARCH_FSYNC=0 before when off)."""
    prefix = [] if fsync else list(OFF)
    where = ("--corpus", str(feed), "--index", str(index_dir), "--quiet")
    return (
        [*prefix, *build.speechsearch("index", *where, "--procs", "2")],
        [*prefix, *build.speechsearch("reindex", *where)],
    )


def cycle(
    records: Sequence[Record],
    changed: Sequence[Record],
    feed: Path,
    index_dir: Path,
    tmp: Path,
    order: Sequence[bool] = ORDER,
) -> list[Trial]:
    """A fresh build and a 1% reindex per entry of order, the feed rewritten for each."""
    trials = []
    for fsync in order:
        shutil.rmtree(index_dir, ignore_errors=True)
        build_command, reindex_command = commands(feed, index_dir, fsync)
        write_jsonl(records, feed)
        built = run_timed(build_command, tmp)
        write_jsonl(changed, feed)
        trials.append(Trial(fsync, built, run_timed(reindex_command, tmp)))
    shutil.rmtree(index_dir)
    return trials


@dataclass(frozen=True)
class Cost:
    """Median seconds with fsync on and off: one trial slowed by other work moves it least."""

    on_s: float
    off_s: float
    trials: int  # of each

    @property
    def ratio(self) -> float:
        return self.on_s / self.off_s

    @classmethod
    def of(cls, trials: Sequence[Trial], pick: Callable[[Trial], Run]) -> Cost:
        on = [pick(t).wall_s for t in trials if t.fsync]
        off = [pick(t).wall_s for t in trials if not t.fsync]
        return cls(statistics.median(on), statistics.median(off), len(on))


def listing(trials: Sequence[Trial]) -> str:
    """Every trial's wall seconds, in the order run."""
    lines = [f"{'trial':>5}  {'fsync':<6}{'build s':>9}{'reindex s':>11}"]
    for n, trial in enumerate(trials, start=1):
        lines.append(
            f"{n:>5}  {'on' if trial.fsync else 'off':<6}"
            f"{trial.build.wall_s:>9.2f}{trial.reindex.wall_s:>11.2f}"
        )
    return "\n".join(lines)
