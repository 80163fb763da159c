"""bench/lines.py on a small index of our own, so the part cannot rot: it picks the most frequent
of its words, times the concordance, and exports every item through a real server, counting
the rows the core would write."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import ROOT, write_jsonl

sys.path.insert(0, str(ROOT))  # bench/ is the repository's own package, not an installed one
from bench import lines  # noqa: E402
from indexer import SearchIndex, SearchRequest, Settings, sync  # noqa: E402
from indexer.export import ExportRequest, export_items  # noqa: E402

ITEMS = 60


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench-lines")
    records = [
        {
            "id": f"b/{n}",
            "title": f"第{n}条新闻",
            "body": "推动高质量发展。" * (n % 4) + f"第{n}条新闻说到新时代的新征程。",
            "date": f"2024-01-{n % 28 + 1:02d}",
        }
        for n in range(ITEMS)
    ]
    feed = write_jsonl(folder / "corpus" / "feed.jsonl", records)
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [feed])
    return settings.index_dir


def test_the_part_measures_every_figure(index_dir: Path, tmp_path: Path) -> None:
    said: list[str] = []
    rows = lines.measure(index_dir, tmp_path, said.append)
    # none has 5,000 occurrences: the most frequent is measured
    assert said[0] == "concordance of 高质量发展: 90 occurrences in 45 items"
    figures = {row.figure.split(" (")[0].split(",")[0]: row.ours for row in rows}
    assert len(rows) == 8 and all(value and value > 0 for value in figures.values())
    exported = [r for r in rows if r.figure.startswith("CSV export of")]
    everything = ExportRequest(SearchRequest(q=lines.EVERY_ITEM), 10 * ITEMS)
    count = len(list(export_items(SearchIndex(Settings.from_env(index_dir=index_dir)), everything)))
    assert count == ITEMS and exported[0].figure == f"CSV export of {ITEMS} items: rows/s"
