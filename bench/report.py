"""The run's record: when, which commit, which machine, and every figure beside its baseline
and target with the command that produced it, appended to docs/BENCHMARKS.md (full runs) or
written to bench/out/ (smoke runs)."""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
from dataclasses import asdict, dataclass, field
from importlib.metadata import version
from pathlib import Path

from .corpus import ROOT
from .memory import total_ram_mb

DOC = ROOT / "docs" / "BENCHMARKS.md"
OUT = ROOT / "bench" / "out"


@dataclass(frozen=True)
class Target:
    """A goal for our figure: `op` is "<=" or ">="."""

    op: str
    value: float

    def met(self, measured: float | None) -> bool | None:
        if measured is None or math.isnan(measured):
            return None
        return measured <= self.value if self.op == "<=" else measured >= self.value

    def __str__(self) -> str:
        return f"{'≤' if self.op == '<=' else '≥'} {self.value:g}"


@dataclass(frozen=True)
class Row:
    """One line of the table: our figure, the baseline's, the target, how it was measured."""

    figure: str
    ours: float | None
    baseline: float | None
    target: Target | None = None
    how: tuple[str, ...] = ()
    digits: int = 1


@dataclass
class Report:
    """Everything a run measured, in the order it was measured."""

    mode: str
    argv: list[str]
    title: str = ""  # the heading's words; "<mode> run" when empty
    part: str = ""  # a part run alone: written to bench/out/<part>.md like a smoke run
    started: str = field(
        default_factory=lambda: dt.datetime.now().astimezone().isoformat("T", "seconds")
    )
    load_before: tuple[float, ...] = field(default_factory=os.getloadavg)
    load_after: tuple[float, ...] = ()
    corpus: str = ""
    elapsed_s: float = 0.0
    sections: dict[str, list[Row]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    details: dict[str, str] = field(default_factory=dict)  # title -> preformatted text

    def add(self, section: str, rows: list[Row]) -> None:
        self.sections.setdefault(section, []).extend(rows)

    def markdown(self) -> str:
        """The run as a Markdown section: header, the table, commands, notes, details."""
        commands: dict[str, int] = {}
        lines = [f"## {self.started} — {self.title or self.mode + ' run'}", "", *self._header(), ""]
        lines += [
            "| figure | ours | baseline | ours/baseline | target (ours) | met | how |",
            "|---|--:|--:|--:|---|:-:|---|",
        ]
        for section, rows in self.sections.items():
            if not rows:
                continue
            lines.append(f"| **{section}** | | | | | | |")
            for row in rows:
                refs = ", ".join(f"[{commands.setdefault(c, len(commands) + 1)}]" for c in row.how)
                met = row.target.met(row.ours) if row.target else None
                lines.append(
                    f"| {row.figure} | {_num(row.ours, row.digits)} "
                    f"| {_num(row.baseline, row.digits)} | {_ratio(row.ours, row.baseline)} "
                    f"| {row.target or ''} | {'' if met is None else ('✅' if met else '❌')} "
                    f"| {refs} |"
                )
        lines += ["", "Commands (`$TMP` is the run's temporary folder, removed at the end):", ""]
        lines += [f"{n}. `{c}`" for c, n in commands.items()]
        if self.notes:
            lines += ["", "Notes:", "", *[f"- {n}" for n in self.notes]]
        for title, text in self.details.items():
            lines += ["", f"<details><summary>{title}</summary>", "", "```", text, "```"]
            lines += ["", "</details>"]
        return "\n".join(lines) + "\n"

    def _header(self) -> list[str]:
        return [
            f"- command: `{' '.join(self.argv)}`; total {self.elapsed_s:.0f} s",
            f"- commit: {_commit()}",
            f"- machine: {_machine()}",
            f"- load average (1/5/15 min) before: {_load(self.load_before)}, "
            f"after: {_load(self.load_after)} (the 2 cores are shared with other work)",
            f"- versions: Python {platform.python_version()}, whoosh-reloaded "
            f"{version('whoosh-reloaded')}, jieba {version('jieba')}",
            f"- corpus: {self.corpus}",
        ]

    def write(self) -> Path:
        """Append to docs/BENCHMARKS.md (full run) or write bench/out/ (smoke, a part alone);
        JSON beside."""
        OUT.mkdir(parents=True, exist_ok=True)
        stamp = self.started.replace(":", "")[:17]
        name = "-".join(filter(None, (self.part, self.mode)))
        (OUT / f"results-{name}-{stamp}.json").write_text(
            json.dumps(asdict(self), ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        if self.mode == "smoke" or self.part:
            target = OUT / f"{name}.md"
            target.write_text(self.markdown(), encoding="utf-8")
            return target
        with open(DOC, "a", encoding="utf-8") as handle:
            handle.write("\n" + self.markdown())
        return DOC


def _num(value: float | None, digits: int) -> str:
    if value is None:
        return "—"
    if math.isnan(value):
        return "n/a"
    return f"{value:,.{digits}f}"


def _ratio(ours: float | None, baseline: float | None) -> str:
    if ours is None or baseline is None or math.isnan(ours) or math.isnan(baseline):
        return ""
    if baseline == 0:
        return "—" if ours == 0 else "∞"
    return f"{ours / baseline:.2f}×"


def _load(values: tuple[float, ...]) -> str:
    return " / ".join(f"{v:.2f}" for v in values) or "?"


def _git(*args: str) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return ""
    return result.stdout.strip()


def _commit() -> str:
    """Short HEAD, marked dirty when the work tree differs from it (as it did when measured)."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = _git("status", "--porcelain")
    return f"{head}{' (dirty)' if dirty else ''}"


def _machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores, {total_ram_mb() / 1024:.0f} GiB RAM, {model}, "
        f"{platform.system()} {platform.release()}"
    )
