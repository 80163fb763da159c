"""Settings of the core, with defaults, overridable by environment variables and arguments."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from .analysis import AnalyzerConfig

DEFAULT_MAX_FILE_MB = 20


def default_index_dir() -> Path:
    """Flask-style instance folder beside where the command runs, unless SPEECHSEARCH_INDEX says."""
    env = os.environ.get("SPEECHSEARCH_INDEX")
    return Path(env) if env else Path.cwd() / "instance" / "index"


def _env_path(name: str) -> Path | None:
    value = os.environ.get(name)
    return Path(value) if value else None


@dataclass(frozen=True)
class Settings:
    """Where the index lives and how documents are read and analysed."""

    index_dir: Path = field(default_factory=default_index_dir)
    max_file_bytes: int = DEFAULT_MAX_FILE_MB * 1024 * 1024
    userdict: Path | None = None
    synonyms: Path | None = None
    procs: int = 2

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        """Defaults, then SPEECHSEARCH_* environment variables, then non-None overrides."""
        base = cls(
            index_dir=default_index_dir(),
            max_file_bytes=int(
                float(os.environ.get("SPEECHSEARCH_MAX_FILE_MB", DEFAULT_MAX_FILE_MB)) * 1024 * 1024
            ),
            userdict=_env_path("SPEECHSEARCH_USERDICT"),
            synonyms=_env_path("SPEECHSEARCH_SYNONYMS"),
            procs=int(os.environ.get("SPEECHSEARCH_PROCS", 2)),
        )
        given = {k: v for k, v in overrides.items() if v is not None}
        if "index_dir" in given:
            given["index_dir"] = Path(given["index_dir"])  # type: ignore[arg-type]
        return replace(base, **given)  # type: ignore[arg-type]

    def analyzer_config(self) -> AnalyzerConfig:
        """The analyzer files these settings name, as the index records and queries need them."""
        return AnalyzerConfig(
            userdict=str(self.userdict) if self.userdict else None,
            synonyms=str(self.synonyms) if self.synonyms else None,
        )
