"""Field lengths read in bulk are the ones Whoosh reads one document at a time."""

from indexer.lengths import Lengths, field_lengths
from indexer.snapshot import Snapshot


def test_bulk_lengths_are_whooshs_own(snapshot: Snapshot) -> None:
    for leaf, _ in snapshot.leaves:
        count = leaf.doc_count_all()
        in_memory = Lengths(leaf._perdoc)
        for field in ("grams", "title_grams", "title"):
            bulk = field_lengths(leaf._perdoc, field, count)
            one_by_one = [leaf.doc_field_length(d, field, 0) or 0 for d in range(count)]
            assert bulk == one_by_one
            assert any(bulk)
            assert [in_memory.doc_field_length(d, field) for d in range(count)] == [
                leaf._perdoc.doc_field_length(d, field) for d in range(count)
            ]
