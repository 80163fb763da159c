"""Exceptions the core raises; the CLI and the web page turn them into messages."""


class SpeechSearchError(Exception):
    """Base class: every error the core raises on purpose carries a message fit for a user."""

    exit_code = 1


class UsageError(SpeechSearchError):
    """The caller asked for something that cannot be done as asked (exit code 2)."""

    exit_code = 2


class IndexMissing(UsageError):
    """No index at the given folder yet."""


class IndexUnreadable(SpeechSearchError):
    """The index exists but cannot be opened (corrupt, half-written by hand, wrong permissions)."""


class AnalyzerMismatch(SpeechSearchError):
    """The index was built with another analyzer configuration than the one in force now."""


class QueryError(UsageError):
    """The query or a search parameter is unusable (empty, too long, bad page, bad date...)."""


class DocumentNotFound(UsageError):
    """No document with that id in the index."""


class CorpusError(UsageError):
    """A corpus path does not exist or holds nothing that could be indexed."""


class IndexLocked(SpeechSearchError):
    """Another indexing run holds the lock (exit code 75, EX_TEMPFAIL)."""

    exit_code = 75


class IndexWriteError(SpeechSearchError):
    """Writing the index failed (disk full, read-only folder); the live index is untouched."""
