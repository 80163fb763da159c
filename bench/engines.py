"""Ours and the baseline behind one in-process interface, so latency and relevance run the
same queries through both the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from whoosh import index as whoosh_index

from indexer import SearchIndex, SearchRequest, Settings, SpeechSearchError

from . import baseline
from .queries import Query

Hit = tuple[str, str]  # (id, title)


class Engine(Protocol):
    name: str
    errors: int

    def search(self, query: Query) -> list[Hit]: ...

    def close(self) -> None: ...


class Ours:
    """The search core as the web app calls it: ten hits with passages (facets off by default,
    as the baseline computes none); a query the core refuses counts as an error."""

    name = "ours"

    def __init__(self, index_dir: Path, facets: bool = False) -> None:
        self.index = SearchIndex(Settings.from_env(index_dir=index_dir))
        self.facets = facets
        self.errors = 0

    def search(self, query: Query) -> list[Hit]:
        request = SearchRequest(
            q=query.text,
            size=10,
            date_from=query.date_from,
            date_to=query.date_to,
            source=query.source,
            facets=self.facets,
        )
        try:
            hits = self.index.search(request)["hits"]
        except SpeechSearchError:
            self.errors += 1
            return []
        return [(h["id"], h["title"]) for h in hits]

    def close(self) -> None:
        self.index.close()


class Baseline:
    """The tutorial recipe with one searcher kept open (the in-process best case)."""

    name = "baseline"

    def __init__(self, index_dir: Path) -> None:
        ix = whoosh_index.open_dir(str(index_dir))
        self.searcher = ix.searcher()
        self.parser = baseline.parser_for(ix)
        self.errors = 0

    def search(self, query: Query) -> list[Hit]:
        hits = baseline.search(
            self.searcher,
            self.parser,
            query.text,
            query.date_from,
            query.date_to,
            query.source,
        )
        return [(h["id"], h["title"]) for h in hits]

    def close(self) -> None:
        self.searcher.close()


def open_engines(ours_dir: Path, baseline_dir: Path) -> list[Engine]:
    """Both systems over their indexes of the same corpus."""
    return [Ours(ours_dir), Baseline(baseline_dir)]
