"""Set-at-a-time evaluation finds the documents Whoosh's own matchers find, with the same
scores, on a real index of several segments with deleted documents."""

import numpy as np
import pytest
from conftest import scores_of
from whoosh import query as wq

from indexer.analysis import build_pipeline
from indexer.evaluate import evaluate
from indexer.plan import build_plan
from indexer.query import parse
from indexer.settings import Settings
from indexer.snapshot import Snapshot


def whoosh_scores(snapshot: Snapshot, query: wq.Query) -> dict[int, float]:
    return {hit.docnum: hit.score for hit in snapshot.searcher.search(query, limit=None)}


def T(text: str, field: str = "grams", boost: float = 1.0) -> wq.Term:
    return wq.Term(field, text, boost=boost)


QUERIES = {
    "term": T("公益"),
    "boosted term": T("公益", boost=3.0),
    "title field": T("公益", "title_grams"),
    "and": wq.And([T("公益"), T("互联"), T("联网")]),
    "or": wq.Or([T("扶贫"), T("乌镇"), T("志愿")]),
    "and of ors": wq.And([wq.Or([T("扶贫"), T("公益")]), wq.Or([T("信息"), T("平台")])]),
    "and maybe": wq.AndMaybe(T("公益"), wq.Or([T("互联", "title_grams"), T("扶贫")])),
    "and not": wq.AndNot(T("公益"), T("扶贫")),
    "prefix": wq.Prefix("grams", "乌"),
    "date range": wq.And([T("公益"), wq.NumericRange("day", 20200101, 20211231)]),
    "source": wq.And([T("公益"), wq.Term("source", "丙网")]),
    "rare": T("n17"),
    "absent": wq.And([T("公益"), T("不存在的词")]),
}


@pytest.mark.parametrize("name", QUERIES)
def test_same_documents_and_scores_as_whoosh(snapshot: Snapshot, name: str) -> None:
    query = QUERIES[name]
    expected = whoosh_scores(snapshot, query)
    found = scores_of(evaluate(query, snapshot))
    assert found.keys() == expected.keys()
    assert [found[d] for d in expected] == pytest.approx(list(expected.values()), rel=1e-9)
    if name != "absent":
        assert found


def test_a_negation_alone_is_every_live_document_but_the_excluded(snapshot: Snapshot) -> None:
    live = set(snapshot.live().tolist())
    found = evaluate(wq.Not(T("公益")), snapshot)
    assert set(found.ids.tolist()) == live - set(whoosh_scores(snapshot, T("公益")))
    assert set(evaluate(wq.Every(), snapshot).ids.tolist()) == live


@pytest.mark.parametrize("size", [5, 400])  # lists read in part / read whole
def test_within_keeps_only_the_allowed_documents(snapshot: Snapshot, size: int) -> None:
    query = QUERIES["and maybe"]
    everything = scores_of(evaluate(query, snapshot))
    allowed = snapshot.live()[::3][:size]
    expected = {d: s for d, s in everything.items() if d in set(allowed.tolist())}
    assert expected
    assert scores_of(evaluate(query, snapshot, allowed)) == pytest.approx(expected, rel=1e-12)


def test_within_of_no_documents_matches_nothing(snapshot: Snapshot) -> None:
    for query in QUERIES.values():
        assert not len(evaluate(query, snapshot, np.zeros(0, dtype=np.int64)))


def test_constant_score_parts_count_for_nothing(snapshot: Snapshot) -> None:
    plain = scores_of(evaluate(T("公益"), snapshot))
    rest = wq.And([T("公益"), wq.ConstantScoreQuery(T("信息"), 0.0)])
    with_rest = scores_of(evaluate(rest, snapshot))
    assert with_rest and with_rest.items() <= plain.items()


@pytest.mark.parametrize(
    "text",
    [
        *("互联网公益", "张羽 公益", "头条寻人 -抖音", "扶贫 OR 乌镇"),
        *('"信息 公益"', "title:公益", "乌", "公益 date:[2020-01-01 TO 2021-12-31]"),
    ],
)
def test_search_plans_find_what_whoosh_finds(
    snapshot: Snapshot, mixed_index: Settings, text: str
) -> None:
    """Whoosh scores a ConstantScoreQuery of 0 as 1 (a falsy weight), so plans compare by
    documents; the parts compared by score are above."""
    pipeline = build_pipeline(mixed_index.analyzer_config())
    plan = build_plan(parse(text), pipeline, snapshot)
    assert plan is not None
    found = scores_of(evaluate(plan.query, snapshot))
    assert found.keys() == whoosh_scores(snapshot, plan.query).keys()


def test_a_query_it_cannot_evaluate_is_refused_by_name(snapshot: Snapshot) -> None:
    with pytest.raises(TypeError, match="Phrase"):
        evaluate(wq.Phrase("title", ["信息", "公益"]), snapshot)
