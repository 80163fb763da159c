"""Readings of Han words as pinyin, and of Latin text typed as pinyin, as the keys pinyin search
and suggestions look words up by: full syllables without tones or spaces (zhangyu) and initials
(zy). Words are read from pypinyin's dictionaries directly (its phrases first, longest match,
then each character's readings): 30 times faster than its pinyin() call, which a vocabulary of
a hundred thousand words needs."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

from pypinyin.phrases_dict import phrases_dict
from pypinyin.pinyin_dict import pinyin_dict

# Readings kept per word: its usual one, and each with one character read another way (行, 重,
# 长 ...), so that a heteronym's other reading is found without every combination.
MAX_READINGS = 12
LONGEST_PHRASE = 10  # characters of the longest entry of pypinyin's phrase dictionary
INITIALS_CHARS = (2, 4)  # a typed abbreviation (zy, hlw) stands for a word of 2 to 4 characters
_SEPARATORS = re.compile(r"[\s'’]+")
_LETTERS = re.compile(r"[a-z]+")


@lru_cache(maxsize=4096)  # syllables of the dictionary, and what readers type
def _plain(syllable: str) -> str:
    """A syllable without its tone mark, ü written v as pypinyin and keyboards do (lǘ → lv),
    full-width letters folded (ｚｈａｎｇ → zhang)."""
    folded = unicodedata.normalize("NFKC", syllable).lower()
    decomposed = unicodedata.normalize("NFD", folded).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "v")


@cache
def _char_readings(char: str) -> tuple[str, ...]:
    """A character's readings, its usual one first; none for a character that is not Han."""
    found = pinyin_dict.get(ord(char))
    return tuple(dict.fromkeys(_plain(s) for s in found.split(","))) if found else ()


def _syllables(word: str) -> list[tuple[str, ...]] | None:
    """Each character's readings: a phrase of the dictionary fixes them (银行 yin hang), longest
    phrase first; None when a character has no reading."""
    found: list[tuple[str, ...]] = []
    at = 0
    while at < len(word):
        for end in range(min(len(word), at + LONGEST_PHRASE), at + 1, -1):
            phrase = phrases_dict.get(word[at:end])
            if phrase is not None:
                found += [(_plain(readings[0]),) for readings in phrase]
                at = end
                break
        else:
            readings = _char_readings(word[at])
            if not readings:
                return None
            found.append(readings)
            at += 1
    return found


def reading_keys(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """(full readings, initials) of a Han word: 重庆 → ({"chongqing"}, {"cq"}); a character
    outside a known phrase brings its other readings too (张羽 → zhangyu, zhanghu)."""
    syllables = _syllables(word)
    if not syllables:
        return frozenset(), frozenset()  # not all Han: no reading a reader would type
    usual = [readings[0] for readings in syllables]
    combos = [usual]
    for at, readings in enumerate(syllables):
        combos += [usual[:at] + [other] + usual[at + 1 :] for other in readings[1:]]
    combos = combos[:MAX_READINGS]
    return (
        frozenset("".join(c) for c in combos),
        frozenset("".join(s[0] for s in c) for c in combos),
    )


@cache
def _syllable_set() -> frozenset[str]:
    """Every syllable pypinyin knows, without tones (about 410)."""
    return frozenset(s for char in pinyin_dict for s in _char_readings(chr(char)))


@cache
def _first_letters() -> frozenset[str]:
    return frozenset(s[0] for s in _syllable_set())


def _splits(letters: str) -> bool:
    """Does a run of letters split into whole syllables (xian: xian or xi'an)?"""
    syllables = _syllable_set()
    ends = {0}
    for end in range(1, len(letters) + 1):
        if any(start in ends and letters[start:end] in syllables for start in range(end - 6, end)):
            ends.add(end)
    return len(letters) in ends


def _pieces(text: str) -> list[str] | None:
    """Text as runs of plain letters, split where the reader put a space or an apostrophe;
    None unless it is all letters (tone marks allowed)."""
    pieces = [p for p in _SEPARATORS.split(_plain(text.strip())) if p]
    return pieces if pieces and all(_LETTERS.fullmatch(p) for p in pieces) else None


def typed_letters(text: str) -> str | None:
    """The letters a reader typed as pinyin, however far: Zhāng y → zhangy (a prefix to
    complete); None for text that is not all letters."""
    pieces = _pieces(text)
    return "".join(pieces) if pieces else None


def typed_keys(text: str) -> tuple[str | None, str | None]:
    """(full key, initials key) a Latin word typed as pinyin may stand for, each None when it
    cannot: zhāng yǔ, zhang yu, zhangyu → ("zhangyu", None); hlw → (None, "hlw"); an → ("an",
    "an"); xi'an → ("xian", None); iPhone, 5G → (None, None)."""
    pieces = _pieces(text)
    if not pieces:
        return None, None
    joined = "".join(pieces)
    full = joined if all(_splits(p) for p in pieces) else None
    low, high = INITIALS_CHARS
    abbreviation = len(pieces) == 1 and low <= len(joined) <= high
    initials = joined if abbreviation and set(joined) <= _first_letters() else None
    return full, initials
