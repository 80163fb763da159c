"""speechsearch core: corpus loading, Chinese analysis, the Whoosh index and search.

The names below are imported on first use, so that `import indexer.searcher` (a web worker)
does not load the writer and its process pool, nor `import indexer.indexing` the search side."""

from importlib import import_module
from typing import Any

# Each public name and the module that defines it.
_HOMES = {
    "AnalyzerConfig": "analysis",
    "CorpusReader": "loader",
    "Document": "documents",
    "Problem": "loader",
    "RunReport": "indexing",
    "SearchIndex": "searcher",
    "SearchRequest": "searcher",
    "Settings": "settings",
    "SpeechSearchError": "errors",
    "build_pipeline": "analysis",
    "sync": "indexing",
}

__all__ = list(_HOMES)


def __getattr__(name: str) -> Any:
    """A public name, loaded from its module the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{home}", __name__), name)
    globals()[name] = value
    return value
