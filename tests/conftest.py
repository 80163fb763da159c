"""Real data in temp folders: corpora written to disk, indexes built by the real pipeline."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from indexer import SearchIndex, Settings, sync

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
