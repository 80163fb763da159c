"""The query language a reader types: words (all must match), "quoted text", OR, NOT / -word,
parentheses, title:, source:, category:, date:[A TO B]. Malformed input never fails: it is
searched as plain words, with a notice saying why; only a date no calendar holds is refused."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from .dates import parse_date
from .errors import QueryError


@dataclass(frozen=True)
class Text:
    """Typed text; phrase=True when quoted (must occur as written); field None = title or body."""

    text: str
    field: str | None = None
    phrase: bool = False


@dataclass(frozen=True)
class Filter:
    """source:, category: (exact value) or date: (inclusive range, either end open)."""

    field: str
    value: str | None = None
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Text | Filter | And | Or | Not


@dataclass(frozen=True)
class ParsedQuery:
    """The tree, the notices for the reader, and the typed string for the exact-run boost."""

    node: Node | None
    notices: tuple[str, ...] = ()
    exact: str | None = None


class _Malformed(Exception):
    pass


_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "”": "”"}
_TOKEN = re.compile(
    r"""\s*(?:
      (?P<open>\()|(?P<close>\))
    | (?P<field>(?i:title|source|category|date)):(?=\S)
    | (?P<range>\[[^\]]*\])
    | (?P<quote>["“「『”])
    | (?P<word>[^\s()"“”「」『』]+)
    )""",
    re.VERBOSE,
)


def _lex(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise _Malformed(f"无法理解的字符「{text[pos]}」")
        kind = match.lastgroup or ""
        if kind == "quote":
            opener = match.group("quote")
            close = text.find(_QUOTES[opener], match.end())
            if close < 0:
                raise _Malformed("引号不成对")
            tokens.append(("phrase", text[match.end() : close]))
            pos = close + 1
            continue
        tokens.append((kind, match.group(kind)))
        pos = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Node:
        node = self.or_expr()
        if self.peek() is not None:
            raise _Malformed("括号不成对")
        return node

    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.peek() in (("word", "OR"), ("word", "|")):
            self.take()
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items: list[Node] = []
        while (token := self.peek()) is not None and token[0] != "close":
            if token in (("word", "OR"), ("word", "|")):
                break
            if token == ("word", "AND"):
                self.take()
                if not items or self.peek() is None or self.peek()[0] == "close":
                    raise _Malformed("AND 两边都要有词语")
                continue
            items.append(self.unary())
        if not items:
            raise _Malformed("运算符两边都要有词语")
        return items[0] if len(items) == 1 else And(tuple(items))

    def unary(self) -> Node:
        kind, value = self.take()
        if (kind, value) == ("word", "NOT"):
            if self.peek() is None:
                raise _Malformed("NOT 后面要有词语")
            return Not(self.unary())
        if kind == "word" and value.startswith("-") and len(value) > 1:
            return Not(Text(value[1:]))
        return self.primary(kind, value)

    def primary(self, kind: str, value: str) -> Node:
        if kind == "open":
            node = self.or_expr()
            if self.peek() != ("close", ")"):
                raise _Malformed("括号不成对")
            self.take()
            return node
        if kind == "field":
            if self.peek() is None:
                raise _Malformed(f"{value}: 后面要有内容")
            return _field(value.lower(), *self.take())
        if kind == "phrase":
            if not value.strip():
                raise _Malformed("引号里没有内容")
            return Text(value, phrase=True)
        if kind == "word" and value not in ("AND", "OR", "NOT", "|"):
            return Text(value)
        raise _Malformed(f"「{value}」用错了位置")


def _field(name: str, kind: str, value: str) -> Node:
    if name == "title":
        if kind not in ("word", "phrase"):
            raise _Malformed("title: 后面要有词语")
        return Text(value, field="title", phrase=kind == "phrase")
    if name == "date":
        return _date_filter(value[1:-1] if kind == "range" else value)
    if kind not in ("word", "phrase"):
        raise _Malformed(f"{name}: 后面要有取值")
    return Filter(name, value=value)


# The year of a date as typed: the first four of eight digits (20200131), else every digit
# before "-", "年" or the end, so that 0000 and 10000 are read as years, not as nonsense.
_YEAR = re.compile(r"(\d{4})\d{4}$|(\d+)(?=-\d|\s*年|$)")


def _check_year(text: str) -> None:
    """Year 0 and years past 9999 are dates no calendar here holds: a reader is told so."""
    match = _YEAR.match(text)
    digits = (match.group(1) or match.group(2)) if match else ""
    # len first: a run of thousands of digits is past 9999 anyway, and int() refuses it
    if digits and (len(digits) > 9 or not dt.MINYEAR <= int(digits) <= dt.MAXYEAR):
        raise QueryError(f"日期「{text}」超出范围：年份应在 1 到 9999 之间 (date out of range)")


def _date_bounds(text: str) -> tuple[dt.date, dt.date] | None:
    """First and last day meant by 2020, 2020-03 or a full date."""
    text = text.strip()
    _check_year(text)
    if re.fullmatch(r"\d{4}", text):
        year = int(text)
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = re.fullmatch(r"(\d{4})-(\d{1,2})", text)
    if month:
        year, mon = int(month.group(1)), int(month.group(2))
        if not 1 <= mon <= 12:
            return None
        return dt.date(year, mon, 1), dt.date(year, mon, calendar.monthrange(year, mon)[1])
    day = parse_date(text)
    return (day, day) if day else None


def _date_filter(text: str) -> Filter:
    parts = re.split(r"\s+TO\s+", text.strip(), flags=re.IGNORECASE)
    if len(parts) == 1:
        bounds = _date_bounds(parts[0])
        if not bounds:
            raise _Malformed(f"看不懂的日期「{text}」，请写成 2020-01-31")
        return Filter("date", start=bounds[0], end=bounds[1])
    if len(parts) != 2:
        raise _Malformed("日期范围请写成 date:[2020-01-01 TO 2020-12-31]")
    ends: list[dt.date | None] = []
    for index, part in enumerate(parts):
        if part.strip() in ("", "*"):
            ends.append(None)
            continue
        bounds = _date_bounds(part)
        if not bounds:
            raise _Malformed(f"看不懂的日期「{part}」，请写成 2020-01-31")
        ends.append(bounds[index])
    return Filter("date", start=ends[0], end=ends[1])


def _plain_words(text: str) -> list[str]:
    """Everything a malformed query typed, minus its syntax."""
    stripped = re.sub(
        r"""[()"“”「」『』\[\]|]|\b(?:AND|OR|NOT)\b|(?i:title|source|category|date):""", " ", text
    )
    return [w.lstrip("-") for w in stripped.split() if w.lstrip("-")]


def _exact(node: Node) -> str | None:
    """The typed string of a plain query (words and filters only), for ranking whole runs first."""
    items = node.items if isinstance(node, And) else (node,)
    texts = [i for i in items if isinstance(i, Text) and i.field is None]
    if not texts or any(not isinstance(i, Text | Filter) for i in items):
        return None
    return " ".join(t.text for t in texts)


def parse(text: str) -> ParsedQuery:
    """The query tree of what the reader typed; never raises on syntax, only QueryError for a
    date before year 1 or after 9999 (no reading of it could be searched)."""
    text = unicodedata.normalize("NFKC", text).strip()
    if not text:
        return ParsedQuery(None)
    try:
        node = _Parser(_lex(text)).parse()
        return ParsedQuery(node, (), _exact(node))
    except _Malformed as exc:
        words = _plain_words(text)
        notice = f"查询语法有误（{exc}），已按普通词语搜索。"
        if not words:
            return ParsedQuery(None, (notice,))
        node = And(tuple(Text(w) for w in words)) if len(words) > 1 else Text(words[0])
        return ParsedQuery(node, (notice,), " ".join(words))
