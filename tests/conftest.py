"""Real data in temp folders: corpora written to disk, indexes built by the real pipeline."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from whoosh.scoring import BM25F

from indexer import SearchIndex, Settings, sync
from indexer.snapshot import CACHE_POSTINGS, Matches, Snapshot
from indexer.store import IndexStore

ROOT = Path(__file__).resolve().parents[1]
SEED_CORPUS = ROOT / "corpus"
SHARED = Path(os.environ.get("SPEECHSEARCH_SHARED", ROOT.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
SEED_ID = "2019-wuzhen-zhangyu-internet-charity-speech"

needs_shared = pytest.mark.skipif(
    not SHARED_CORPUS.is_dir(), reason="research corpora not present at ../shared/corpus"
)


def write_jsonl(path: Path, records: Iterable[dict]) -> Path:
    """A JSONL corpus file, one record a line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
    )
    return path


def index_records(folder: Path, records: Iterable[dict]) -> Settings:
    """Records written as a JSONL corpus under folder and indexed into folder/index by the real
    pipeline (one process): the module-scoped indexes of the tests."""
    feed = write_jsonl(folder / "corpus" / "items.jsonl", records)
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [feed])
    return settings


@pytest.fixture
def build_index(tmp_path: Path) -> Callable[..., Settings]:
    """Index corpus paths into a fresh folder under tmp_path; returns the settings used."""

    def build(*corpus: Path, **overrides: object) -> Settings:
        settings = Settings.from_env(index_dir=tmp_path / "index", procs=1, **overrides)
        sync(settings, list(corpus))
        return settings

    return build


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The project's default corpus (the seed speech and our own documents), indexed once."""
    settings = Settings.from_env(index_dir=tmp_path_factory.mktemp("seed") / "index", procs=1)
    sync(settings, [SEED_CORPUS])
    return settings


@pytest.fixture(scope="session")
def seed_index(seed_settings: Settings) -> SearchIndex:
    return SearchIndex(seed_settings)


def mixed_records(count: int = 600) -> list[dict]:
    """Documents recombined from the project's corpus lines, seeded: common pairs in hundreds
    of them, so posting lists span many blocks."""
    import random

    lines = sorted(
        {
            line.strip()
            for path in SEED_CORPUS.rglob("*")
            if path.is_file()
            for text in _texts(path)
            for line in text.split("\n")
            if len(line.strip()) > 8
        }
    )
    rng = random.Random(7)
    return [
        {
            "id": f"mixed-{n:04d}",
            "title": rng.choice(lines)[:30],
            "body": "\n".join([*rng.sample(lines, rng.randint(2, 8)), f"编号 n{n}"]),
            "date": f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "source": rng.choice(["甲报", "乙台", "丙网"]),
        }
        for n in range(count)
    ]


@pytest.fixture(scope="session")
def mixed_index(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The 600 mixed_records indexed, then a reindex that modifies and deletes some: several
    segments, some with deleted documents."""
    records = mixed_records()
    folder = tmp_path_factory.mktemp("mixed")
    feed = write_jsonl(folder / "feed" / "mixed.jsonl", records)
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [feed.parent])
    changed = [
        dict(r, body=r["body"] + "\n修改后的段落") if i % 7 == 0 else r
        for i, r in enumerate(records)
        if i % 11
    ]
    write_jsonl(feed, changed)
    sync(settings, [feed.parent])
    return settings


def _texts(path: Path) -> list[str]:
    if path.suffix == ".jsonl":
        return [json.loads(line)["body"] for line in path.read_text("utf-8").splitlines()]
    return [path.read_text("utf-8")]


def scores_of(matches: Matches) -> dict[int, float]:
    """{docnum: score} of matched documents, to compare with Whoosh's hits."""
    return dict(zip(matches.ids.tolist(), matches.scores.tolist(), strict=True))


@contextlib.contextmanager
def open_snapshot(settings: Settings, cache_postings: int = CACHE_POSTINGS) -> Iterator[Snapshot]:
    """A snapshot of an index's live generation, opened as SearchIndex opens it, then closed."""
    store = IndexStore(settings.index_dir)
    searcher = store.open(store.require_current()).searcher(weighting=BM25F())
    shot = Snapshot(searcher, cache_postings)
    try:
        yield shot
    finally:
        shot.close()


@pytest.fixture
def snapshot(mixed_index: Settings) -> Iterator[Snapshot]:
    """A fresh snapshot (empty cache) of the mixed index."""
    with open_snapshot(mixed_index) as shot:
        yield shot
