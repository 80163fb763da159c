"""`python -m bench profile`: pyinstrument over our build and our queries, in one process (the
build with procs=1 so every call is seen), summarised as self and inclusive time per function
and self time per module, for whoever tunes the core. Full trees go to bench/out/."""

from __future__ import annotations

import argparse
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from indexer import Settings, sync

from .corpus import load, write_jsonl
from .engines import Ours
from .queries import generate
from .report import OUT

if TYPE_CHECKING:  # pyinstrument (the bench extra) is only needed when profiling
    from pyinstrument.frame import Frame

INTERVAL_S = 0.001


def _walk(frame: Frame, stack: tuple[str, ...] = ()) -> Iterator[tuple[Frame, tuple[str, ...]]]:
    yield frame, stack
    key = _key(frame)
    for child in frame.children:
        yield from _walk(child, (*stack, key))


def _key(frame: Frame) -> str:
    return f"{frame.function} ({frame.file_path_short}:{frame.line_no})"


def _module(frame: Frame) -> str:
    path = frame.file_path_short or "?"
    return path.split("site-packages/")[-1]


def summary(root: Frame, top: int) -> str:
    """Top functions by self time and by inclusive time (recursion counted once), and self time
    per module, each as a share of the whole profile."""
    total = root.time or 1e-9
    own: dict[str, float] = defaultdict(float)
    inclusive: dict[str, float] = defaultdict(float)
    modules: dict[str, float] = defaultdict(float)
    for frame, stack in _walk(root):
        if frame.is_synthetic:
            continue
        self_time = frame.time - sum(c.time for c in frame.children if not c.is_synthetic)
        own[_key(frame)] += self_time
        modules[_module(frame)] += self_time
        if _key(frame) not in stack and not _module(frame).startswith("bench/"):
            inclusive[_key(frame)] += frame.time

    def listing(title: str, values: dict[str, float]) -> list[str]:
        ranked = sorted(values.items(), key=lambda kv: -kv[1])[:top]
        return [title, *(f"  {v / total:6.1%}  {v:7.2f} s  {k}" for k, v in ranked), ""]

    return "\n".join(
        [f"profile total {total:.2f} s", ""]
        + listing("self time by function:", own)
        + listing("self time by module:", modules)
        + listing("inclusive time by function:", inclusive)
    )


def _profiled(name: str, top: int, work: Callable[[], object]) -> None:
    from pyinstrument import Profiler

    profiler = Profiler(interval=INTERVAL_S)
    profiler.start()
    work()
    session = profiler.stop()
    OUT.mkdir(parents=True, exist_ok=True)
    tree = profiler.output_text(unicode=True, color=False, show_all=False)
    (OUT / f"profile-{name}.txt").write_text(tree, encoding="utf-8")
    (OUT / f"profile-{name}.html").write_text(profiler.output_html(), encoding="utf-8")
    root = session.root_frame()
    text = summary(root, top) if root else "(nothing sampled)"
    (OUT / f"profile-{name}-summary.txt").write_text(text, encoding="utf-8")
    print(f"\n== {name} ==\n{text}")


def run(args: argparse.Namespace) -> None:
    """Profile a build of --docs items (or reuse --index) and --queries seeded queries."""
    corpus = load(args.docs, args.seed)
    with tempfile.TemporaryDirectory(prefix="speechsearch-profile-") as tmp:
        index_dir = args.index
        if index_dir is None:
            feed = Path(tmp) / "corpus.jsonl"
            write_jsonl(corpus.records, feed)
            index_dir = Path(tmp) / "index"
            settings = Settings.from_env(index_dir=index_dir, procs=1)
            _profiled("build", args.top, lambda: sync(settings, [feed]))
        if args.queries:
            engine = Ours(index_dir, facets=args.facets)
            queries = generate(corpus.records, args.queries, args.seed)
            engine.search(queries[0])  # open the searcher outside the profile
            _profiled("query", args.top, lambda: [engine.search(q) for q in queries])
            engine.close()
    print(f"full trees: {OUT}/profile-*.txt and .html")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of `python -m bench profile`."""
    parser.add_argument("--docs", type=int, default=3000, help="items to build (seeded subset)")
    parser.add_argument("--index", type=Path, help="profile queries over this index, no build")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--facets", action="store_true", help="queries with facets, as the UI")
    parser.add_argument("--top", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
