"""A parsed query turned into what the searcher runs: the Whoosh query over words and grams,
the exact check of each candidate against its stored normalised text, and the strings to mark."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from whoosh import query as wq

from .analysis import Pipeline, bigrams
from .query import And, Filter, Node, Not, Or, ParsedQuery, Text

EXACT_BOOST = 8.0


@dataclass(frozen=True)
class Unit:
    """A string that must occur in the field's normalised text (or one of its synonyms)."""

    text: str
    kind: str  # "han" or "alnum"
    synonyms: tuple[str, ...] = ()

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

    @property
    def sieve_exact(self) -> bool:
        """Do the grams alone decide every unit (Latin words, numbers, Han runs of one or two
        characters)? Then a count of candidates needs no verification."""
        return all(
            unit.kind in ("alnum", "compound")
            or (unit.kind == "han" and all(len(v) <= 2 for v in unit.variants))
            for units in self.units.values()
            for unit in units
        )

    def matches(self, title: str, body: str) -> bool:
        """Does a candidate really hold the query (grams are only a sieve)?"""
        return self._eval(self.node, title, body)

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
    plain text is its jieba words, lone characters glued to a neighbour, numbers with units."""
    norm = pipeline.normalize(text.text).text
    pieces = list(pipeline.pieces(norm))
    if text.phrase:
        joined = " ".join(p for _, p, _ in pieces) if pieces else ""
        if not pieces:
            return []
        kind = "han" if all(k == "han" for k, _, _ in pieces) else "mixed"
        return [Unit(norm.strip() if kind != "han" else joined.replace(" ", ""), kind)]
    units: list[str] = []
    kinds: list[str] = []
    previous_end = -1
    for kind, piece, offset in pieces:
        if kind == "alnum":
            units.append(piece)
            kinds.append("alnum")
        elif len(piece) == 1 and kinds and kinds[-1] == "alnum" and offset == previous_end:
            units[-1] += piece  # 2019年: the number and its unit
            kinds[-1] = "compound"
        else:
            for word in _glue_single_chars([w for w, _, _ in pipeline.segment(piece)]):
                units.append(word)
                kinds.append("han")
        previous_end = offset + len(piece)
    synonyms = pipeline.synonyms
    return [Unit(u, k, synonyms.get(u, ())) for u, k in zip(units, kinds, strict=True)]


def _glue_single_chars(words: list[str]) -> list[str]:
    """Lone characters (的, 新, a cut mid-word) join the next word, or the previous at the end."""
    if len(words) <= 1:
        return words
    glued: list[str] = []
    pending = ""
    for word in words:
        if len(word) == 1:
            pending += word
            continue
        glued.append(pending + word)
        pending = ""
    if pending:
        if glued:
            glued[-1] += pending
        else:
            glued.append(pending)
    return glued


@dataclass(frozen=True)
class _Context:
    """What compiling needs: the pipeline, and document frequencies to pick the pair to score."""

    pipeline: Pipeline
    frequency: Callable[[str, str], int] | None = None


def _unit_query(ctx: _Context, unit: Unit, field_name: str) -> wq.Query:
    alternatives = [_string_query(ctx, v, unit.kind, field_name) for v in unit.variants]
    return alternatives[0] if len(alternatives) == 1 else wq.Or(alternatives)


def _string_query(ctx: _Context, text: str, kind: str, field_name: str) -> wq.Query:
    """Latin words and numbers are whole terms; Han runs are their pairs (a lone character: the
    pairs it starts, or itself at a run's end)."""
    if kind in ("alnum", "compound"):
        return wq.Term(field_name, text)
    if kind == "mixed":
        return wq.And(
            [
                _string_query(ctx, piece, piece_kind, field_name)
                for piece_kind, piece, _ in ctx.pipeline.pieces(text)
            ]
        )
    if len(text) == 1:
        return wq.Or([wq.Term(field_name, text), wq.Prefix(field_name, text)])
    grams = list(dict.fromkeys(bigrams(text)))
    if len(grams) == 1:
        return wq.Term(field_name, grams[0])
    # Every pair must match, but only the rarest is scored: BM25 over each pair of a word
    # counts the word several times and costs a score per pair per candidate.
    scored = min(grams, key=lambda g: ctx.frequency(field_name, g)) if ctx.frequency else grams[0]
    rest = [wq.Term(field_name, g) for g in grams if g != scored]
    return wq.And([wq.Term(field_name, scored), wq.ConstantScoreQuery(wq.And(rest), 0.0)])


def build_plan(
    parsed: ParsedQuery,
    pipeline: Pipeline,
    frequency: Callable[[str, str], int] | None = None,
) -> QueryPlan | None:
    """The plan for a parsed query, or None when nothing searchable was typed."""
    if parsed.node is None:
        return None
    plan = QueryPlan(query=wq.NullQuery, node=parsed.node)
    ctx = _Context(pipeline, frequency)
    required = _compile(parsed.node, ctx, plan, negated=False)
    if required is None:
        return None
    boosters: list[wq.Query] = [  # the title boost: units found in the title
        _unit_query(ctx, unit, "title_grams") for unit in plan.positive
    ]
    if parsed.exact:
        exact = pipeline.normalize(parsed.exact).text
        plan.exact = exact
        plan.needles.append(exact)
        han = "".join(p for k, p, _ in pipeline.pieces(exact) if k == "han")
        # The pairs that join the units: a document holding them all likely holds the typed
        # string itself, so it enters the window that verification ranks first.
        within = {g for u in plan.positive for g in bigrams(u.text)}
        joins = [g for g in dict.fromkeys(bigrams(han)) if g not in within]
        if len(han) > 2 and han in exact and joins:
            # boosted term by term: Whoosh drops the boost of an And it simplifies to one term
            boosters.append(wq.And([wq.Term("grams", g, boost=EXACT_BOOST) for g in joins]))
    plan.required = required
    plan.query = wq.AndMaybe(required, wq.Or(boosters)) if boosters else required
    plan.needles = sorted(set(plan.needles), key=len, reverse=True)
    return plan


def _compile(node: Node, ctx: _Context, plan: QueryPlan, negated: bool) -> wq.Query | None:
    if isinstance(node, Text):
        units = units_of(ctx.pipeline, node)
        plan.units[node] = units
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
        inner = _compile(node.item, ctx, plan, not negated)
        return wq.Not(inner) if inner is not None else None
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


def day_number(day: dt.date | None) -> int | None:
    """20191120 for 2019-11-20: the sortable, rangeable form of a date in the index."""
    return day.year * 10000 + day.month * 100 + day.day if day else None
