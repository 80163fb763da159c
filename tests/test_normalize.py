"""Normalisation: one searchable form, with offsets that lead back to the stored text."""

from hypothesis import given
from hypothesis import strategies as st

from indexer.normalize import HAN_RUN, Normalized, fold, normalize, reading_form


def test_nfkc_and_case_folding() -> None:
    assert fold("Ａ股 １２ iPhone") == "a股 12 iphone"


def test_traditional_becomes_simplified() -> None:
    assert fold("字節跳動 張羽") == "字节跳动张羽"


def test_spaces_between_han_are_joined_but_not_elsewhere() -> None:
    assert fold("张 羽谈 到 5G 网络") == "张羽谈到 5g 网络"
    assert fold("今日 头条\n推出") == "今日头条\n推出", "a line break is a writer's boundary"


def test_offsets_map_back_across_removed_spaces() -> None:
    text = "一点 张 羽谈 到"
    norm = normalize(text)
    at = norm.text.index("张羽")
    start, end = norm.source_span(at, at + 2)
    assert text[start:end] == "张 羽"


def test_offsets_map_back_across_expanding_characters() -> None:
    text = "ﬁ张 羽"  # the ligature grows into two characters
    norm = normalize(text)
    assert norm.text == "fi张羽"
    assert norm.source_span(0, 2) == (0, 1)
    assert text[slice(*norm.source_span(2, 4))] == "张 羽"


_ALPHABET = st.sampled_from(
    list("张羽谈字节跳动信息公益乾隆頭條寻人") + list(" \t\n,，。！Aa1１Ａｂ") + ["ﬁ", "①", "㍻"]
)


@given(st.text(_ALPHABET, max_size=60), st.integers(0, 60), st.integers(0, 60))
def test_every_normalised_span_comes_from_its_source(text: str, i: int, j: int) -> None:
    norm = normalize(text)
    start, end = sorted((min(i, len(norm.text)), min(j, len(norm.text))))
    source_start, source_end = norm.source_span(start, end)
    assert 0 <= source_start <= source_end <= len(text)
    piece = text[source_start:source_end]
    if start < end:
        # The source slice folds to the normalised slice, up to Han-space joining at its ends.
        assert norm.text[start:end] in fold(piece) or fold(piece) in norm.text


@given(st.text(_ALPHABET, max_size=80))
def test_offset_maps_stored_beside_the_text_come_back_the_same(text: str) -> None:
    norm = normalize(text)
    assert Normalized.unpacked(norm.text, norm.packed()) == norm


@given(st.text(alphabet="字节跳动张羽谈 \t\u00a0ab1\n", max_size=40), st.data())
def test_reading_form_joins_han_gaps_and_moves_offsets_with_them(text: str, data) -> None:
    reading, moved = reading_form(text)
    assert reading == normalize_gaps(text)
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    piece = text[start:end]
    if piece.strip(" \t\u00a0") != piece:  # a span never starts or ends on a space
        return
    assert reading[moved(start) : moved(end)] == normalize_gaps(piece)


def normalize_gaps(text: str) -> str:
    """Han gaps removed, the slow and obvious way."""
    out = []
    for i, char in enumerate(text):
        if char in " \t\u00a0":
            left = text[:i].rstrip(" \t\u00a0")
            right = text[i:].lstrip(" \t\u00a0")
            if left and right and HAN_RUN.fullmatch(left[-1]) and HAN_RUN.fullmatch(right[0]):
                continue
        out.append(char)
    return "".join(out)


def test_reading_form_of_the_seed_style_text() -> None:
    reading, moved = reading_form("字节 跳动 张 羽谈 信息 公益")
    assert reading == "字节跳动张羽谈信息公益"
    assert reading[moved(6) : moved(9)] == "张羽"
