"""A parsed query turned into what the searcher runs: the Whoosh query over words and grams,
the exact check of each candidate against its stored normalised text, and the strings to mark."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from whoosh import query as wq

from .analysis import UNITS, Pipeline, bigrams, latin_words
from .dates import day_number
from .errors import QueryError
from .evaluate import Budget
from .query import And, Filter, Node, Not, Or, ParsedQuery, Text

# What one query may ask for: typed pieces in all, alternatives of one OR, words excluded.
MAX_UNITS = 64
MAX_ALTERNATIVES = 32
MAX_EXCLUDED = 16
# A lone typed character stands for every pair it starts (的 starts 2,400 at 24k items): the
# most frequent of them are read, up to this many postings or terms; past that the total is
# an estimate (约), and what is shown is still checked against the text.
LONE_POSTINGS = 200_000
LONE_TERMS = 256


class Lexicon(Protocol):
    """What planning asks of an index: how common a term is, what a prefix stands for."""

    def doc_frequency(self, field: str, text: str) -> int: ...

    def expansion(self, field: str, prefix: str) -> list[tuple[str, int]]: ...


@dataclass(frozen=True)
class Unit:
    """A string that must occur in the field's normalised text (or one of its synonyms), and
    the dictionary words in it that an item should use as words (not across two words)."""

    text: str
    # "han", "alnum", "compound" (2019年), "mixed" (A股, 1737例), "end" (到 of 到5日)
    kind: str
    synonyms: tuple[str, ...] = ()
    words: tuple[str, ...] = ()

    @property
    def variants(self) -> tuple[str, ...]:
        return (self.text, *self.synonyms)


@dataclass
class QueryPlan:
    """Everything the searcher needs from one query."""

    query: wq.Query
    node: Node
    required: wq.Query = wq.NullQuery
    needles: list[str] = field(default_factory=list)
    positive: list[Unit] = field(default_factory=list)
    exact: str | None = None
    units: dict[Text, list[Unit]] = field(default_factory=dict)
    # Which candidates use every typed word as a word (the first tier); None: no typed word
    # is a dictionary word, so there are no tiers.
    words: wq.Query | None = None
    # Which candidates likely hold the typed string itself (all its grams); None: every
    # candidate does as far as grams can tell (one unit).
    whole: wq.Query | None = None
    capped: bool = False  # a lone character was searched by its most frequent pairs only

    @property
    def checked(self) -> list[str]:
        """The typed words whose use as words decides the tier, in typed order."""
        return list(dict.fromkeys(w for u in self.positive for w in u.words))

    @property
    def sieve_exact(self) -> bool:
        """Do the grams alone decide every unit (Latin words, numbers, Han runs of one or two
        characters)? Then a count of candidates needs no verification."""
        return not self.capped and all(
            unit.kind in ("alnum", "compound", "end")
            or (unit.kind == "han" and all(len(v) <= 2 for v in unit.variants))
            for units in self.units.values()
            for unit in units
        )

    def matches(self, title: str, body: str) -> bool:
        """Does a candidate really hold the query (grams are only a sieve)?"""
        return self._eval(self.node, title, body)

    def holds_exact(self, title: str, body: str) -> bool:
        """Does a candidate hold the typed string itself (what ranks it first)?"""
        return bool(self.exact) and (self.exact in title or self.exact in body)

    def _eval(self, node: Node, title: str, body: str) -> bool:
        if isinstance(node, Text):
            haystacks = (title,) if node.field == "title" else (title, body)
            return all(
                any(v in h for v in unit.variants for h in haystacks) for unit in self.units[node]
            )
        if isinstance(node, And):
            return all(self._eval(i, title, body) for i in node.items)
        if isinstance(node, Or):
            return any(self._eval(i, title, body) for i in node.items)
        if isinstance(node, Not):
            return not self._eval(node.item, title, body)
        return True  # filters are exact in Whoosh already


def units_of(pipeline: Pipeline, text: Text) -> list[Unit]:
    """Break typed text into the pieces that must each occur: a quoted phrase is one piece;
    plain text is its jieba words, lone characters glued to a neighbour, numbers with units,
    a letter or number with the one character after it (A股, 1737例)."""
    norm = pipeline.normalize(text.text).text
    pieces = list(pipeline.pieces(norm))
    if not pieces:
        return []
    if text.phrase:
        kind = "han" if all(k == "han" for k, _, _ in pieces) else "mixed"
        phrase = "".join(p for _, p, _ in pieces) if kind == "han" else norm.strip()
        words = [w for k, p, _ in pieces if k == "han" for w, _, _ in pipeline.segment(p)]
        return [Unit(phrase, kind, words=_checked(pipeline, words))]
    found: list[tuple[str, str, tuple[str, ...]]] = []  # (text, kind, words)
    previous_end = -1
    for at, (kind, piece, offset) in enumerate(pieces):
        after_alnum = bool(found) and found[-1][1] == "alnum" and offset == previous_end
        if kind == "alnum":
            found.append((piece, "alnum", ()))
        elif len(piece) == 1 and after_alnum:
            alnum = found[-1][0]
            glued = "compound" if alnum.isdigit() and piece in UNITS else "mixed"
            found[-1] = (alnum + piece, glued, ())  # as the index writes 2019年; else verified
        elif _piece_kind(pieces, at) == "end":
            found.append((piece, "end", ()))  # 到 of 到5日: the index wrote it as a run's end
        else:
            words = [w for w, _, _ in pipeline.segment(piece)]
            for group in _glue_single_chars(words):
                text = "".join(group)
                # a dictionary word jieba cuts apart when typed alone (国强 → 国/强) is still
                # the word the reader means
                words = (text,) if pipeline.is_word(text) else _checked(pipeline, group)
                found.append((text, "han", words))
        previous_end = offset + len(piece)
    synonyms = pipeline.synonyms
    return [Unit(t, k, synonyms.get(t, ()), w) for t, k, w in found]


def _ends_run(pieces: list[tuple[str, str, int]], at: int) -> bool:
    """Is the Han piece at `at` followed at once by a Latin word or number (so the text's Han
    run ends there too)?"""
    if at + 1 >= len(pieces):
        return False
    _, piece, offset = pieces[at]
    return pieces[at + 1][2] == offset + len(piece)


def _piece_kind(pieces: list[tuple[str, str, int]], at: int) -> str:
    """A piece's kind, "end" for a lone Han character that ends its run."""
    kind, piece, _ = pieces[at]
    return "end" if kind == "han" and len(piece) == 1 and _ends_run(pieces, at) else kind


def _checked(pipeline: Pipeline, words: list[str]) -> tuple[str, ...]:
    """The dictionary words among a unit's jieba words: the ones an item can use as words."""
    return tuple(w for w in words if pipeline.is_word(w))


def _glue_single_chars(words: list[str]) -> list[list[str]]:
    """Lone characters (的, 新, a cut mid-word) join the next word, or the previous at the end;
    each group keeps its words."""
    if len(words) <= 1:
        return [words] if words else []
    glued: list[list[str]] = []
    pending: list[str] = []
    for word in words:
        if len(word) == 1:
            pending.append(word)
            continue
        glued.append([*pending, word])
        pending = []
    if pending:
        if glued:
            glued[-1].extend(pending)
        else:
            glued.append(pending)
    return glued


@dataclass
class _Context:
    """What compiling needs: the pipeline, the index's lexicon (document frequencies to pick
    the pair to score, what a lone character stands for), and what was counted so far."""

    pipeline: Pipeline
    lexicon: Lexicon | None = None
    budget: Budget | None = None
    capped: bool = False
    units: int = 0
    excluded: int = 0


def _unit_query(ctx: _Context, unit: Unit, field_name: str) -> wq.Query:
    alternatives = [_string_query(ctx, v, unit.kind, field_name) for v in unit.variants]
    return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)


def _string_query(ctx: _Context, text: str, kind: str, field_name: str) -> wq.Query:
    """Latin words and numbers are whole terms; Han runs are their pairs (a lone character: the
    pairs it starts, or itself at a run's end)."""
    if kind in ("alnum", "compound", "end"):
        return wq.Term(field_name, text)
    if kind == "mixed":
        pieces = list(ctx.pipeline.pieces(text))
        return wq.And(
            [
                _string_query(ctx, piece, _piece_kind(pieces, at), field_name)
                for at, (_, piece, _) in enumerate(pieces)
            ]
        )
    if len(text) == 1:
        return _lone_query(ctx, text, field_name)
    grams = list(dict.fromkeys(bigrams(text)))
    if len(grams) == 1:
        return wq.Term(field_name, grams[0])
    # Every pair must match, but only the rarest is scored: BM25 over each pair of a word
    # counts the word several times and costs a score per pair per candidate.
    lexicon = ctx.lexicon
    scored = min(grams, key=lambda g: lexicon.doc_frequency(field_name, g)) if lexicon else grams[0]
    rest = [wq.Term(field_name, g) for g in grams if g != scored]
    return wq.And([wq.Term(field_name, scored), wq.ConstantScoreQuery(wq.And(rest), 0.0)])


def _lone_query(ctx: _Context, char: str, field_name: str) -> wq.Query:
    """A lone Han character: itself at a run's end and the pairs it starts, the most frequent
    first, within LONE_POSTINGS / LONE_TERMS (all of them without a lexicon)."""
    if ctx.lexicon is None:
        return wq.Or([wq.Term(field_name, char), wq.Prefix(field_name, char)])
    if ctx.budget is not None and ctx.budget.expired():  # many lone characters: no time left
        ctx.capped = True
        return wq.Term(field_name, char)
    expansion = ctx.lexicon.expansion(field_name, char)
    terms: list[wq.Query] = []
    postings = 0
    for term, frequency in expansion:
        if terms and (postings + frequency > LONE_POSTINGS or len(terms) == LONE_TERMS):
            ctx.capped = True
            break
        terms.append(wq.Term(field_name, term))
        postings += frequency
    if not terms:
        return wq.Term(field_name, char)  # in no item
    return terms[0] if len(terms) == 1 else wq.Or(terms)


def build_plan(
    parsed: ParsedQuery,
    pipeline: Pipeline,
    lexicon: Lexicon | None = None,
    budget: Budget | None = None,
) -> QueryPlan | None:
    """The plan for a parsed query, or None when nothing searchable was typed; QueryError when
    it asks for more than one query may (MAX_UNITS, MAX_ALTERNATIVES, MAX_EXCLUDED). Lone
    characters planned once budget is spent stand for themselves only (the plan is capped)."""
    if parsed.node is None:
        return None
    plan = QueryPlan(query=wq.NullQuery, node=parsed.node)
    ctx = _Context(pipeline, lexicon, budget)
    required = _compile(parsed.node, ctx, plan, negated=False)
    if required is None:
        return None
    boosters = [_unit_query(ctx, unit, "title_grams") for unit in plan.positive]  # title boost
    if parsed.exact:
        plan.exact = pipeline.normalize(parsed.exact).text
        plan.needles.append(plan.exact)
        if len(plan.positive) > 1:
            plan.whole = _whole_query(pipeline, plan.exact)
    plan.words = _words_query(parsed.node, plan)
    plan.capped = ctx.capped
    plan.required = required
    plan.query = wq.AndMaybe(required, wq.Or(boosters)) if boosters else required
    plan.needles = sorted(set(plan.needles), key=len, reverse=True)
    return plan


def _whole_query(pipeline: Pipeline, exact: str) -> wq.Query | None:
    """The grams an item holding the typed string must hold, as the index writes them: the
    pairs of each Han run, a run's last character where the string goes on past it, Latin
    words and numbers whole (with their unit). An item holding them all likely holds the
    string; verification decides for the items shown."""
    pieces = list(pipeline.pieces(exact))
    terms: list[str] = []
    for at, (kind, piece, offset) in enumerate(pieces):
        if kind == "alnum":
            terms.extend(t for t, _, _, _ in latin_words(exact, piece, offset, 0))
            continue
        terms.extend(bigrams(piece) if len(piece) > 1 else [])
        if at < len(pieces) - 1:  # the string goes on past this run: the run ends here
            terms.append(piece[-1])
    unique = list(dict.fromkeys(terms))
    if not unique:
        return None
    return wq.And([wq.Term("grams", t) for t in unique])


def _words_query(node: Node, plan: QueryPlan) -> wq.Query | None:
    """The typed tree over the words field: each typed word that is a dictionary word must be
    a word of the item; None where a branch checks nothing (it cannot tell the tiers apart)."""
    if isinstance(node, Text):
        parts = [q for u in plan.units.get(node, []) if (q := _unit_words(u)) is not None]
        return (parts[0] if len(parts) == 1 else wq.And(parts)) if parts else None
    if isinstance(node, And):
        parts = [q for i in node.items if (q := _words_query(i, plan)) is not None]
        return (parts[0] if len(parts) == 1 else wq.And(parts)) if parts else None
    if isinstance(node, Or):
        parts = [_words_query(i, plan) for i in node.items]
        return None if any(p is None for p in parts) else wq.Or(parts)
    return None  # filters and negations say nothing of words


def _unit_words(unit: Unit) -> wq.Query | None:
    if not unit.words:
        return None
    terms = [wq.Term("words", w) for w in unit.words]
    main = terms[0] if len(terms) == 1 else wq.And(terms)
    if not unit.synonyms:
        return main
    return wq.Or([main, *(wq.Term("words", s) for s in unit.synonyms)])


def _compile(node: Node, ctx: _Context, plan: QueryPlan, negated: bool) -> wq.Query | None:
    if isinstance(node, Text):
        units = units_of(ctx.pipeline, node)
        plan.units[node] = units
        ctx.units += len(units)
        if ctx.units > MAX_UNITS:
            raise QueryError(
                f"查询太长：最多 {MAX_UNITS} 个词语，请分开搜索 (more than {MAX_UNITS} terms)"
            )
        if not units:
            return None
        if not negated:
            plan.positive.extend(units)
            plan.needles.extend(v for u in units for v in u.variants)
        field_name = "title_grams" if node.field == "title" else "grams"
        queries = [_unit_query(ctx, u, field_name) for u in units]
        return queries[0] if len(queries) == 1 else wq.And(queries)
    if isinstance(node, Filter):
        return filter_query(node.field, node.value, node.start, node.end)
    if isinstance(node, Not):
        ctx.excluded += 1
        if ctx.excluded > MAX_EXCLUDED:
            raise QueryError(
                f"最多排除 {MAX_EXCLUDED} 个词语 (more than {MAX_EXCLUDED} exclusions)"
            )
        inner = _compile(node.item, ctx, plan, not negated)
        return wq.Not(inner) if inner is not None else None
    if isinstance(node, Or) and len(node.items) > MAX_ALTERNATIVES:
        raise QueryError(
            f"OR 最多连接 {MAX_ALTERNATIVES} 个选项 (more than {MAX_ALTERNATIVES} alternatives)"
        )
    parts = [q for i in node.items if (q := _compile(i, ctx, plan, negated)) is not None]
    if not parts:
        return None
    if isinstance(node, Or):
        return wq.Or(parts)
    positives = [q for q in parts if not isinstance(q, wq.Not)]
    negatives = [q.query for q in parts if isinstance(q, wq.Not)]
    positive = (
        wq.And(positives) if len(positives) > 1 else (positives[0] if positives else wq.Every())
    )
    if not negatives:
        return positive
    return wq.AndNot(positive, wq.Or(negatives) if len(negatives) > 1 else negatives[0])


def filter_query(
    name: str, value: str | None = None, start: dt.date | None = None, end: dt.date | None = None
) -> wq.Query:
    """Exact filters: source/category values, inclusive date ranges."""
    if name == "date":
        return wq.NumericRange("day", day_number(start), day_number(end))
    return wq.Term(name, value or "")
