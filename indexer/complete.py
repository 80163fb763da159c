"""Completions of what a reader is typing, from the vocabulary built with the index: words,
titles and the words whose pinyin starts with the typed letters, the most items first."""

from __future__ import annotations

from .normalize import fold
from .pinyin import typed_letters
from .results import Completion
from .vocabulary import Vocabulary


def completions(vocabulary: Vocabulary | None, typed: str) -> list[Completion]:
    """Up to 8 completions of typed: a Han prefix folded as search folds it (字節 → 字节), or
    letters read as the start of a pinyin key (Zhāng y → zhangy) or of a Latin word."""
    if vocabulary is None or not typed.strip():
        return []
    prefix = typed_letters(typed) or fold(typed.strip())
    return [{"text": e.text, "count": e.items, "kind": e.kind} for e in vocabulary.complete(prefix)]
