"""The Whoosh schema: stored text as written, words and character grams from one pipeline."""

from __future__ import annotations

from whoosh import fields

from .analysis import GramCounts, Pipeline, WhooshTokenizer, WordSet
from .dates import day_number
from .documents import Document
from .normalize import normalize

TITLE_BOOST = 2.5


def build_schema(pipeline: Pipeline) -> fields.Schema:
    """Recall from one grams field over title and body (Han pairs with frequencies, verified
    against the stored `norm`); which items use a typed word as a word, from one words field
    over title and body (jieba words, whether used, no positions); titles also as jieba words
    with positions and as grams of their own, for title: and the title boost."""
    words = pipeline.analyzer("words")
    grams = pipeline.analyzer("grams")
    return fields.Schema(
        id=fields.ID(stored=True, unique=True, sortable=True),
        path=fields.ID(stored=True, sortable=True),
        hash=fields.ID(stored=True, sortable=True),
        title=fields.TEXT(analyzer=words, stored=True, field_boost=TITLE_BOOST),
        body=fields.STORED(),
        grams=_grams_field(grams),
        words=_words_field(words),
        title_grams=_grams_field(grams, TITLE_BOOST),
        norm=fields.STORED(),
        norm_map=fields.STORED(),
        norm_title=fields.STORED(),
        norm_title_map=fields.STORED(),
        date=fields.STORED(),
        year=fields.ID(stored=False, sortable=True),
        day=fields.NUMERIC(int, bits=32, sortable=True, default=0),  # ranges; undated sort last
        source=fields.ID(stored=True, sortable=True),
        category=fields.ID(stored=True, sortable=True),
        url=fields.STORED(),
        meta=fields.STORED(),
    )


def _grams_field(analyzer: WhooshTokenizer, boost: float = 1.0) -> fields.TEXT:
    """A field of term frequencies counted by the pipeline (GramCounts), without positions."""
    field = fields.TEXT(analyzer=analyzer, phrase=False, field_boost=boost)
    field.format = GramCounts(field_boost=boost)
    return field


def to_fields(doc: Document) -> dict[str, object]:
    """The keyword arguments of writer.add_document for one document."""
    body = normalize(doc.body)
    title = normalize(doc.title)
    values: dict[str, object] = {
        "id": doc.id,
        "path": doc.path,
        "hash": doc.content_hash,
        "title": doc.title,
        "body": doc.body,
        "grams": f"{doc.title}\n{doc.body}",
        "words": f"{doc.title}\n{doc.body}",
        "title_grams": doc.title,
        "norm": body.text,
        "norm_map": body.packed(),
        "norm_title": title.text,
        "norm_title_map": title.packed(),
        "url": doc.url,
        "meta": doc.metadata,
    }
    if doc.date:
        values["date"] = doc.date.isoformat()
        values["year"] = str(doc.date.year)
        values["day"] = day_number(doc.date)
    for name in ("source", "category"):
        value = getattr(doc, name)
        if value:
            values[name] = value
    return values


def _words_field(analyzer: WhooshTokenizer) -> fields.TEXT:
    """The words an item uses (WordSet), for the tiers, keywords and related documents."""
    field = fields.TEXT(analyzer=analyzer, phrase=False)
    field.format = WordSet()
    return field
