"""The snapshot's bulk-read posting lists, scores, columns and filters agree with what Whoosh
itself reads from the same segments (several segments, some with deleted documents)."""

import numpy as np
import pytest
from conftest import open_snapshot, scores_of
from whoosh import query as wq

from indexer.settings import Settings
from indexer.snapshot import PARTIAL_RATIO, Snapshot


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
        found = scores_of(snapshot.scored("grams", term))
        assert list(found) == sorted(expected), term
        assert found == pytest.approx(expected, rel=1e-9), term


def test_deleted_documents_are_not_in_any_posting_list(snapshot: Snapshot) -> None:
    live = sorted(snapshot.reader.all_doc_ids())
    assert snapshot.live().tolist() == live
    assert len(live) < snapshot.size
    for _, term in grams_by_frequency(snapshot)[:30]:
        assert set(snapshot.docs("grams", term).tolist()) <= set(live)


def test_the_cache_keeps_within_its_bound_and_answers_the_same(mixed_index: Settings) -> None:
    with open_snapshot(mixed_index, cache_postings=1000) as small:
        terms = [t for _, t in grams_by_frequency(small)[:40]]
        first = [scores_of(small.scored("grams", t)) for t in terms]
        assert small.cached_postings <= 1000
        assert [scores_of(small.scored("grams", t)) for t in terms] == first


def test_source_and_date_filters_are_the_documents_whoosh_finds(snapshot: Snapshot) -> None:
    searcher = snapshot.searcher
    valued = snapshot.valued("source", "乙台").tolist()
    assert valued == sorted(searcher.docs_for_query(wq.Term("source", "乙台")))
    assert len(snapshot.valued("source", "没有的台")) == 0
    dated = snapshot.dated(20200301, 20211231).tolist()
    in_range = wq.NumericRange("day", 20200301, 20211231)
    assert dated == sorted(searcher.docs_for_query(in_range))
    assert 0 < len(dated) < snapshot.size
    assert snapshot.dated(None, None).tolist() == snapshot.live().tolist()


def test_day_numbers_are_the_day_column_with_undated_as_zero(snapshot: Snapshot) -> None:
    column = snapshot.column("day")
    assert snapshot.days().tolist() == [d or 0 for d in column]
    assert len(set(column)) > 10


def test_codes_index_each_documents_column_value(snapshot: Snapshot) -> None:
    values, codes = snapshot.codes("source")
    assert [values[c] for c in codes.tolist()] == snapshot.column("source")
    assert len(values) == len(set(values))


@pytest.mark.parametrize("scored", [True, False])
def test_reading_only_the_blocks_of_wanted_documents_finds_the_same(
    snapshot: Snapshot, mixed_index: Settings, scored: bool
) -> None:
    for _, term in grams_by_frequency(snapshot)[:10]:
        wanted = np.union1d(snapshot.live()[::97], [0, snapshot.size - 1])
        everything = scores_of(snapshot.scored("grams", term))
        chosen = set(wanted.tolist())
        expected = {d: (s if scored else 0.0) for d, s in everything.items() if d in chosen}
        with open_snapshot(mixed_index) as fresh:
            found = scores_of(fresh.among("grams", term, wanted, scored))
            assert found == pytest.approx(expected)
            assert fresh.cached_postings == 0  # read in part, not kept
            assert 0 < len(expected) < len(everything)
        kept = scores_of(snapshot.among("grams", term, wanted, scored))
        assert kept == pytest.approx(expected)


def test_wanted_documents_after_a_lists_last_posting_find_nothing(mixed_index: Settings) -> None:
    """Read in part, the wanted documents lie past the list's last posting in its segment, so
    no block of it is decoded: an empty answer."""
    checked = 0
    with open_snapshot(mixed_index) as snapshot:
        for _, term in grams_by_frequency(snapshot)[:200]:
            last = int(snapshot.docs("grams", term)[-1])
            leaf, offset = max(
                (lo for lo in snapshot.leaves if lo[1] <= last), key=lambda lo: lo[1]
            )
            after = [
                d for d in snapshot.live().tolist() if last < d < offset + leaf.doc_count_all()
            ]
            if not 0 < len(after) * PARTIAL_RATIO < snapshot.doc_frequency("grams", term):
                continue
            with open_snapshot(mixed_index) as cold:
                for scored in (True, False):
                    found = cold.among("grams", term, np.array(after[:3]), scored)
                    assert len(found) == 0 and found.ids.dtype == np.int64
            checked += 1
    assert checked
