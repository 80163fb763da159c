"""The one analysis factory: the same normalisation, words and character grams for the index
and for queries, with every token carrying its position and its offsets in the stored text."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import struct
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from importlib.metadata import version
from pathlib import Path

import jieba
from whoosh.analysis import Token, Tokenizer
from whoosh.formats import Existence, Frequency

from .normalize import HAN_CLASS, Normalized, normalize
from .segment import FastCut, load_cutter, tokenizer

# Bump when tokens or the schema change in a way that needs a reindex.
ANALYZER_VERSION = "8"  # 8: a JSONL record fingerprinted by its line (rebuilt once)
# Han runs whose jieba words a process remembers: a run (a clause between punctuation) recurs
# across an archive (a quarter of the CCTV corpus's Han text), and a query's runs across pages.
RUN_CACHE = 65536
ALIGN_CACHE = 2048  # the runs around a query's matches, remembered across the next pages
# Characters of a Han run on each side of an occurrence that decide how it is cut: the whole
# run for a clause, a window for a run that never stops (a text without punctuation).
ALIGN_CONTEXT = 64

jieba.setLogLevel(logging.WARNING)

_PIECES = re.compile(
    f"(?P<han>[{HAN_CLASS}]+)|(?P<alnum>[0-9a-z\u00c0-\u024f]+(?:[.\\-_+#&'][0-9a-z\u00c0-\u024f]+)*)"
)
# A number written with its unit is one word to a reader (2019年, 5月, 30万).
UNITS = frozenset("年月日号时分秒元个万亿岁倍")
_HAN = re.compile(f"[{HAN_CLASS}]")


@dataclass(frozen=True)
class Tok:
    """A token: its normalised text, its position in the token stream, and its source span."""

    text: str
    pos: int
    start: int
    end: int


@dataclass(frozen=True)
class AnalyzerConfig:
    """What shapes the tokens; recorded in the index so queries know they speak its language."""

    userdict: str | None = None
    synonyms: str | None = None

    def fingerprint(self) -> dict[str, str | None]:
        return {
            "analyzer": ANALYZER_VERSION,
            "jieba": version("jieba"),
            "opencc": version("opencc"),
            "whoosh": version("whoosh-reloaded"),
            "markdown-it-py": version("markdown-it-py"),  # the loader's cleaning of markup
            "lxml": version("lxml"),
            "userdict": _file_digest(self.userdict),
            "synonyms": _file_digest(self.synonyms),
        }


def _file_digest(path: str | None) -> str | None:
    if not path:
        return None
    return "sha256:" + hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def latin_words(
    text: str, piece: str, offset: int, pos: int
) -> Iterator[tuple[str, int, int, int]]:
    """A Latin word or number whole, and a number with its unit (2019年) at the same position."""
    end = offset + len(piece)
    yield piece, pos, offset, end
    if piece.isdigit() and end < len(text) and text[end] in UNITS:
        yield piece + text[end], pos, offset, end + 1


def inner_words(word: str, freq: Mapping[str, float | None]) -> Iterator[tuple[str, int, int]]:
    """(part, start, end) of the dictionary words inside a longer word (search mode: 中华 and
    人民 of 中华人民共和国), for the words field and the title's words alike."""
    for n in range(2, len(word)):
        for i in range(len(word) - n + 1):
            part = word[i : i + n]
            if freq.get(part):
                yield part, i, i + n


def bigrams(run: str) -> list[str]:
    """Overlapping character pairs of a Han run; a lone character stands for itself."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def parse_synonyms(text: str) -> dict[str, tuple[str, ...]]:
    """Synonym groups, one per line, terms split by commas or spaces; '#' starts a comment."""
    groups: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0]
        terms = [normalize(t).text for t in re.split(r"[,，\s]+", line) if t.strip()]
        unique = tuple(dict.fromkeys(terms))
        for term in unique:
            groups[term] = tuple(t for t in unique if t != term)
    return groups


class Pipeline:
    """Built once per configuration by build_pipeline; shared by indexing and querying."""

    def __init__(self, config: AnalyzerConfig) -> None:
        self.config = config

    @cached_property
    def fingerprint(self) -> dict[str, str | None]:
        """The configuration this pipeline works with (its files as first used, not as now)."""
        return self.config.fingerprint()

    @cached_property
    def segmenter(self) -> jieba.Tokenizer:
        """jieba itself, for what compares with it (the cutter reads its own cached table)."""
        return tokenizer(self.config.userdict)

    @cached_property
    def cutter(self) -> FastCut:
        """jieba's cut of a Han run, faster: what indexing body words spends its time on."""
        return load_cutter(self.config.userdict)

    def warm_up(self) -> None:
        """Load the cutter's table now, so the first query or document does not pay for it,
        and server processes forked after this share it."""
        self.cutter  # noqa: B018 (built on first use)

    @cached_property
    def synonyms(self) -> dict[str, tuple[str, ...]]:
        if not self.config.synonyms:
            return {}
        return parse_synonyms(Path(self.config.synonyms).read_text(encoding="utf-8"))

    @staticmethod
    @lru_cache(maxsize=8)
    def normalize(text: str) -> Normalized:
        """Cached: each stored text is normalised for several fields in a row."""
        return normalize(text)

    def segment(self, run: str) -> list[tuple[str, int, int]]:
        """jieba words of a normalised Han run (its default cut, by the faster cutter), with
        offsets inside the run."""
        found: list[tuple[str, int, int]] = []
        start = 0
        for word in self.cutter.cut(run):
            found.append((word, start, start + len(word)))
            start += len(word)
        return found

    def is_word(self, text: str) -> bool:
        """Is text a word of the dictionary (jieba's, or the user dictionary)? Only such words
        can be told apart from two neighbouring words; names jieba guesses cannot."""
        return len(text) > 1 and self.cutter.is_word(text)

    def _cut_run(self, run: str) -> tuple[tuple[str, int, int], ...]:
        """(word, start, end) of a Han run: its jieba words of two or more characters and the
        dictionary words inside the longer ones (search mode)."""
        freq = self.cutter.table
        found: list[tuple[str, int, int]] = []
        start = 0
        for word in self.cutter.cut(run):
            end = start + len(word)
            if len(word) > 1:
                found.append((word, start, end))
            found.extend((part, start + i, start + j) for part, i, j in inner_words(word, freq))
            start = end
        return tuple(found)

    @cached_property
    def run_words(self) -> Callable[[str], tuple[tuple[str, int, int], ...]]:
        """The words of a Han run (_cut_run) as the index writes them, remembered per run."""
        return lru_cache(maxsize=RUN_CACHE)(self._cut_run)

    @cached_property
    def _runs_checked(self) -> Callable[[str], tuple[tuple[str, int, int], ...]]:
        """The same for the runs around marked matches: a few per hit, remembered a while (a
        serving worker held 17 MB of them after 500 queries in the index's large cache)."""
        return lru_cache(maxsize=ALIGN_CACHE)(self._cut_run)

    def word_counts(self, text: str) -> Counter[str]:
        """How often each Han word (run_words) occurs in text: what the words field stores."""
        counts: Counter[str] = Counter()
        for kind, piece, _ in self.pieces(self.normalize(text).text):
            if kind == "han" and len(piece) > 1:
                counts.update(w for w, _, _ in self.run_words(piece))
        return counts

    def aligned(self, text: str, start: int, end: int) -> bool:
        """Does text[start:end] (normalised) stand as a word of its Han run, as the index cut
        it, rather than across two words?"""
        low, high = start, end
        while low > max(0, start - ALIGN_CONTEXT) and _HAN.match(text[low - 1]):
            low -= 1
        while high < min(len(text), end + ALIGN_CONTEXT) and _HAN.match(text[high]):
            high += 1
        return (text[start:end], start - low, end - low) in self._runs_checked(text[low:high])

    def pieces(self, text: str) -> Iterator[tuple[str, str, int]]:
        """(kind, text, offset) of each Han run or Latin/number word in normalised text."""
        for match in _PIECES.finditer(text):
            yield match.lastgroup or "", match.group(), match.start()

    def tokens(self, kind: str, text: str, spans: bool = True) -> Iterator[Tok]:
        """Tokens of "words" or "grams" for stored text; spans=False leaves start/end in
        normalised offsets (Whoosh does not need them, and mapping costs)."""
        norm = self.normalize(text)
        stream = self._words(norm.text) if kind == "words" else self._grams(norm.text)
        if not spans:
            return (Tok(*t) for t in stream)
        return (Tok(t, p, *norm.source_span(s, e)) for t, p, s, e in stream)

    def _words(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """Words (jieba search mode for Han, Latin/numbers kept whole) with positions."""
        freq = self.cutter.table
        pos = 0
        for kind, piece, offset in self.pieces(text):
            if kind == "alnum":
                yield from latin_words(text, piece, offset, pos)
                pos += 1
                continue
            for word, start, _ in self.segment(piece):
                start += offset
                yield word, pos, start, start + len(word)
                for part, i, j in inner_words(word, freq):
                    yield part, pos, start + i, start + j
                for synonym in self.synonyms.get(word, ()):
                    yield synonym, pos, start, start + len(word)
                pos += 1

    def _grams(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        """Han bigrams plus each run's last character, so any typed run is findable; Latin words
        and numbers whole (with their unit: 2019年)."""
        pos = 0
        for kind, piece, offset in self.pieces(text):
            if kind != "han":
                yield from latin_words(text, piece, offset, pos)
                pos += 1
                continue
            for i, gram in enumerate(bigrams(piece)):
                yield gram, pos, offset + i, offset + i + len(gram)
                pos += 1
            if len(piece) > 1:
                last = offset + len(piece) - 1
                yield piece[-1], pos, last, last + 1
                pos += 1

    def gram_counts(self, text: str) -> Counter[str]:
        """How often each gram of _grams occurs in text, without positions or offsets: what
        a frequency field stores, at a fraction of the cost of a token stream."""
        norm = self.normalize(text).text
        counts: Counter[str] = Counter()
        for kind, piece, offset in self.pieces(norm):
            if kind != "han":
                counts.update(t for t, _, _, _ in latin_words(norm, piece, offset, 0))
            elif len(piece) == 1:
                counts[piece] += 1
            else:
                counts.update(map(str.__add__, piece[:-1], piece[1:]))
                counts[piece[-1]] += 1
        return counts

    def analyzer(self, kind: str) -> WhooshTokenizer:
        """The Whoosh analyzer for 'words' or 'grams' fields (pickled into the index schema)."""
        return WhooshTokenizer(self.config, kind)


def build_pipeline(config: AnalyzerConfig = AnalyzerConfig()) -> Pipeline:  # noqa: B008
    """The factory: one pipeline per configuration and version of its files, for indexing and
    for querying alike (an edited user dictionary or synonyms file gives a new one)."""
    return _pipeline(config, _file_state(config.userdict), _file_state(config.synonyms))


@lru_cache(maxsize=4)
def _pipeline(config: AnalyzerConfig, *file_states: object) -> Pipeline:
    return Pipeline(config)


def _file_state(path: str | None) -> tuple[int, int, int] | None:
    try:
        stat = os.stat(path) if path else None
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size, stat.st_ino) if stat else None


class WhooshTokenizer(Tokenizer):
    """Adapts the pipeline to Whoosh; pickles as its configuration only."""

    def __init__(self, config: AnalyzerConfig, kind: str) -> None:
        self.config = config
        self.kind = kind

    def __call__(  # type: ignore[override]
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        pipeline = build_pipeline(self.config)
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for tok in pipeline.tokens(self.kind, value, spans=chars):
            token.text = tok.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = tok.text
            if positions:
                token.pos = start_pos + tok.pos
            if chars:
                token.startchar = start_char + tok.start
                token.endchar = start_char + tok.end
            yield token


# A document's postings in one field as columns: terms, frequencies, weights, and the values
# of a fixed-size format joined (None for a format without values).
Columns = tuple[list[str], list[int], list[float], bytes | None]


def _as_values(columns: Columns, size: int) -> Iterator[tuple[str, int, float, bytes]]:
    """Columns in Whoosh's form, (term, frequency, weight, value) per posting, for its own
    writer (ours takes the columns)."""
    texts, freqs, weights, joined = columns
    for at, (text, freq, weight) in enumerate(zip(texts, freqs, weights, strict=True)):
        yield text, freq, weight, joined[at * size : (at + 1) * size] if joined else b""


class GramCounts(Frequency):
    """The postings format of the grams fields: frequencies counted from the pipeline's gram
    strings directly, not from a Whoosh Token per gram (most of a build's analysis time)."""

    def word_columns(self, value: str, analyzer: WhooshTokenizer) -> Columns:
        """The postings as columns, for our writer's pool: no Python step per posting."""
        counts = build_pipeline(analyzer.config).gram_counts(value)
        freqs = list(counts.values())
        boost = self.field_boost
        weights = [float(n) for n in freqs] if boost == 1 else [n * boost for n in freqs]
        return list(counts), freqs, weights, struct.pack(f"!{len(freqs)}I", *freqs)

    def word_values(self, value, analyzer, **kwargs):  # type: ignore[no-untyped-def]
        return _as_values(self.word_columns(value, analyzer), self.fixed_value_size())


class WordSet(Existence):
    """The postings format of the words field: which words an item uses, no frequencies (the
    tiers ask only whether; keywords count a document's words from its text)."""

    def word_columns(self, value: str, analyzer: WhooshTokenizer) -> Columns:
        """The postings as columns, for our writer's pool: no Python step per posting."""
        words = list(build_pipeline(analyzer.config).word_counts(value))
        return words, [1] * len(words), [self.field_boost] * len(words), None

    def word_values(self, value, analyzer, **kwargs):  # type: ignore[no-untyped-def]
        return _as_values(self.word_columns(value, analyzer), 0)
