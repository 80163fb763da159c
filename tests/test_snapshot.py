"""The snapshot's bulk-read posting lists, scores, columns and filters agree with what Whoosh
itself reads from the same segments (several segments, some with deleted documents)."""

import pytest
from conftest import open_snapshot
from whoosh import query as wq

from indexer.settings import Settings
from indexer.snapshot import Snapshot


def grams_by_frequency(snapshot: Snapshot) -> list[tuple[int, str]]:
    reader = snapshot.reader
    return sorted(
        ((reader.doc_frequency("grams", t), t) for t in reader.field_terms("grams")),
        reverse=True,
    )


def test_the_index_has_what_this_module_needs(snapshot: Snapshot) -> None:
    """Several segments, deletions, posting lists of many blocks and of one document."""
    frequencies = [df for df, _ in grams_by_frequency(snapshot)]
    assert len(snapshot.leaves) > 1
    assert any(leaf.has_deletions() for leaf, _ in snapshot.leaves)
    assert frequencies[0] > 400
    assert frequencies[-1] == 1


def test_posting_lists_and_scores_are_whooshs_own(snapshot: Snapshot) -> None:
    ranked = grams_by_frequency(snapshot)
    terms = [t for _, t in ranked[:15] + ranked[len(ranked) // 2 :][:15] + ranked[-15:]]
    for term in terms:
        expected = {
            hit.docnum: hit.score
            for hit in snapshot.searcher.search(wq.Term("grams", term), limit=None)
        }
        ids, scores = snapshot.scored("grams", term)
        assert list(ids) == sorted(expected), term
        assert list(scores) == pytest.approx([expected[d] for d in ids], rel=1e-9), term


def test_deleted_documents_are_not_in_any_posting_list(snapshot: Snapshot) -> None:
    live = set(snapshot.reader.all_doc_ids())
    assert snapshot.live() == live
    assert len(live) < snapshot.size
    for _, term in grams_by_frequency(snapshot)[:30]:
        assert set(snapshot.docs("grams", term)) <= live


def test_the_cache_keeps_within_its_bound_and_answers_the_same(mixed_index: Settings) -> None:
    with open_snapshot(mixed_index, cache_postings=1000) as small:
        terms = [t for _, t in grams_by_frequency(small)[:40]]
        first = [small.scored("grams", t) for t in terms]
        assert small.cached_postings <= 1000
        assert [small.scored("grams", t) for t in terms] == first


def test_source_and_date_filters_are_the_documents_whoosh_finds(snapshot: Snapshot) -> None:
    searcher = snapshot.searcher
    assert snapshot.valued("source", "乙台") == set(
        searcher.docs_for_query(wq.Term("source", "乙台"))
    )
    dated = snapshot.dated(20200301, 20211231)
    assert dated == set(searcher.docs_for_query(wq.NumericRange("day", 20200301, 20211231)))
    assert 0 < len(dated) < snapshot.size
    assert snapshot.dated(None, None) >= snapshot.live()


def test_newest_first_key_orders_by_day_then_index_order(snapshot: Snapshot) -> None:
    days = snapshot.column("day")
    order = sorted(snapshot.live(), key=snapshot.day_key(), reverse=True)
    assert [days[d] for d in order] == sorted((days[d] for d in order), reverse=True)
    same_day = [d for d in order if days[d] == days[order[0]]]
    assert same_day == sorted(same_day)


@pytest.mark.parametrize("scored", [True, False])
def test_reading_only_the_blocks_of_wanted_documents_finds_the_same(
    snapshot: Snapshot, mixed_index: Settings, scored: bool
) -> None:
    for _, term in grams_by_frequency(snapshot)[:10]:
        wanted = set(sorted(snapshot.live())[::97]) | {0, snapshot.size - 1}
        ids, scores = snapshot.scored("grams", term)
        pairs = zip(ids, scores, strict=True)
        expected = {d: (s if scored else 0.0) for d, s in pairs if d in wanted}
        with open_snapshot(mixed_index) as fresh:
            assert fresh.among("grams", term, wanted, scored) == pytest.approx(expected)
            assert fresh.cached_postings == 0  # read in part, not kept
            assert 0 < len(expected) < len(ids)
        assert snapshot.among("grams", term, wanted, scored) == pytest.approx(expected)  # kept
