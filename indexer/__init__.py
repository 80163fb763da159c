"""speechsearch core: corpus loading, Chinese analysis, the Whoosh index and search."""

from .analysis import AnalyzerConfig, build_pipeline
from .documents import Document
from .errors import SpeechSearchError
from .indexing import RunReport, sync
from .loader import CorpusReader, Problem
from .searcher import SearchIndex, SearchRequest
from .settings import Settings

__all__ = [
    "AnalyzerConfig",
    "CorpusReader",
    "Document",
    "Problem",
    "RunReport",
    "SearchIndex",
    "SearchRequest",
    "Settings",
    "SpeechSearchError",
    "build_pipeline",
    "sync",
]
