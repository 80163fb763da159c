"""The core's import graph runs one way: the index side (writing) and the query side (reading)
share pieces but never import each other, so a web worker never loads the writer; and the core
never imports the web app."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "indexer"

INDEX_SIDE = {
    "loader",
    "markup",
    "schema",
    "indexing",
    "whoosh_internals.writers",
    "whoosh_internals.postings",
}
QUERY_SIDE = {
    "query",
    "plan",
    "evaluate",
    "snapshot",
    "searcher",
    "snippets",
    "suggest",
    "related",
    "results",
    "limits",
    "concordance",
    "export",
    "tabular",
    "periods",
    "trends",
    "cooccur",
    "complete",
    "pinyin_search",
}
SHARED = {
    "analysis",
    "normalize",
    "segment",
    "dates",
    "settings",
    "store",
    "errors",
    "documents",
    "processes",
    "whoosh_internals",
    "pinyin",
    "vocabulary",
}
TOP = {"__init__", "__main__", "cli"}  # entry points over both sides


def _name(path: Path) -> str:
    """A file's module name under indexer/: "searcher", "whoosh_internals.writers"; a
    subpackage by its own name, indexer/'s own __init__ as "__init__"."""
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts.pop()
    return ".".join(parts)


FILES = {_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
MODULES = sorted(FILES)


def imports_of(module: str) -> set[str]:
    """Every module a file of indexer/ imports, anywhere in it, by absolute dotted name."""
    path = FILES[module]
    package = "indexer" if module == "__init__" else f"indexer.{module}"
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the file's package, one level up per extra dot
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)  # from . import x
    return found


def core_imports(module: str) -> set[str]:
    """The indexer modules a module imports, by their names under indexer/."""
    return {name.removeprefix("indexer.") for name in imports_of(module)} & set(MODULES) - {module}


def test_every_module_has_a_side() -> None:
    """A new module must say where it belongs before it can import anything."""
    sides = (INDEX_SIDE, QUERY_SIDE, SHARED, TOP)
    assert sorted(set().union(*sides)) == MODULES
    assert sum(len(side) for side in sides) == len(MODULES)


@pytest.mark.parametrize("module", sorted(INDEX_SIDE))
def test_the_index_side_never_imports_the_query_side(module: str) -> None:
    assert not core_imports(module) & QUERY_SIDE


@pytest.mark.parametrize("module", sorted(QUERY_SIDE))
def test_the_query_side_never_imports_the_index_side(module: str) -> None:
    assert not core_imports(module) & INDEX_SIDE


@pytest.mark.parametrize("module", sorted(SHARED))
def test_shared_pieces_import_only_shared_pieces(module: str) -> None:
    assert core_imports(module) <= SHARED


@pytest.mark.parametrize("module", MODULES)
def test_the_core_never_imports_the_web_app(module: str) -> None:
    assert not {name for name in imports_of(module) if name.split(".")[0] == "webui"}


@pytest.mark.parametrize("module", ["indexer.searcher", "indexer.cli", "webui", "webui.serve"])
def test_the_search_side_loads_no_writer(module: str) -> None:
    """In a fresh interpreter, as a web worker starts: no indexing module, no process pool, no
    pinyin dictionaries (60 MB a worker; the vocabulary holds the words' readings)."""
    probe = (
        f"import sys, {module}\n"
        "print(sorted(m for m in ('indexer.indexing', 'whoosh.multiproc', 'whoosh.writing',"
        " 'pypinyin') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
