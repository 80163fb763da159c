"""Readings of Han words as pinyin (pypinyin: its phrase dictionary first, every reading of a
character it does not know in a phrase), the keys pinyin search and suggestions look words up by:
full syllables without tones or spaces (zhangyu) and initials (zy)."""

from __future__ import annotations

import itertools

from pypinyin import Style, pinyin

# Readings kept per word: a word of heteronyms (行, 重, 长 ...) has one per combination.
MAX_READINGS = 8


def reading_keys(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """(full readings, initials) of a Han word: 重庆 → ({"chongqing"}, {"cq"}); a character
    outside a known phrase brings each of its readings (张羽 → zhangyu, zhanghu)."""
    syllables = pinyin(word, style=Style.NORMAL, heteronym=True, errors="ignore")
    if len(syllables) != len(word):
        return frozenset(), frozenset()  # not all Han: no reading a reader would type
    combos = list(itertools.islice(itertools.product(*syllables), MAX_READINGS))
    return (
        frozenset("".join(c) for c in combos),
        frozenset("".join(s[0] for s in c) for c in combos),
    )
