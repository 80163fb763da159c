"""A Latin query typed as pinyin, read as the Han words of the archive it may stand for:
zhangyu → 张羽, 张宇; zhang yu, zhāng yǔ alike; hlw → 互联网; hulianwang gongyi → 互联网 公益;
and whether those words, rather than the text as typed, are what the reader is looking for."""

from __future__ import annotations

from dataclasses import dataclass

from .pinyin import typed_keys
from .vocabulary import Vocabulary

WORDS_PER_READING = 3  # the most frequent words of one reading that the search ORs together
# ... each in at least this share of the items of the most frequent: hlw is 互联网 (449 items
# of the CCTV archive), not also 好莱坞 (5)
LEAST_SHARE = 0.1
OPERATORS = {"OR", "AND", "NOT"}
# A Latin query that finds items as typed is a term of the archive (CCTV, pH, an English
# word): it keeps its meaning, unless it reads as whole syllables whose words are this many
# times as common (beijing, written in a few English items, is 北京 in thousands); an
# abbreviation of initials (CBD, ATM) always keeps it.
FULL_MARGIN = 10


@dataclass(frozen=True)
class PinyinReading:
    """The Han words each typed pinyin word stands for, most frequent first, and the query
    that searches them: an OR of each word's readings, the words ANDed."""

    groups: tuple[tuple[str, ...], ...]
    initials: bool = False  # some typed word was read as initials

    def worth_searching(self, typed_total: int, read_total: int) -> bool:
        """Search the words rather than the text as typed, given how many items each finds."""
        if not typed_total:
            return read_total > 0
        return not self.initials and read_total > FULL_MARGIN * typed_total

    @property
    def words(self) -> list[str]:
        return [word for group in self.groups for word in group]

    @property
    def query(self) -> str:
        return " ".join(
            group[0] if len(group) == 1 else f"({' OR '.join(group)})" for group in self.groups
        )


def read_as_pinyin(vocabulary: Vocabulary | None, q: str) -> PinyinReading | None:
    """The Han words q may stand for when all of it reads as pinyin: first as one word
    (zhang yu → zhangyu), else word by word, each as full syllables or else as initials;
    None when any part reads as no word of the archive (or q has Han, digits or syntax)."""
    typed = q.split()
    if vocabulary is None or not typed or OPERATORS & set(typed):
        return None
    whole, _ = typed_keys(q)
    if whole and len(typed) > 1:
        found = _words(vocabulary, whole, initials=False)
        if found:
            return PinyinReading((found,))
    groups = []
    abbreviated = False
    for word in typed:
        full, initials = typed_keys(word)
        found = _words(vocabulary, full, initials=False) if full else ()
        if not found and initials:
            found = _words(vocabulary, initials, initials=True)
            abbreviated = True
        if not found:
            return None
        groups.append(found)
    return PinyinReading(tuple(groups), abbreviated)


def _words(vocabulary: Vocabulary, key: str, initials: bool) -> tuple[str, ...]:
    """The words read as key that a reader most likely meant: the most frequent, and the
    next ones when they are not much rarer."""
    found = vocabulary.read_as(key, initials, WORDS_PER_READING)
    return tuple(e.text for e in found if e.items >= LEAST_SHARE * found[0].items)
