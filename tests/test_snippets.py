"""Snippets: exact marks on the stored text's own characters as data, written out as escaped
HTML, plain text or for a terminal; best passages."""

import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from indexer.cli import as_terminal
from indexer.normalize import fold, normalize
from indexer.snippets import (
    PASSAGE_CHARS,
    Piece,
    Span,
    as_html,
    as_plain,
    find_spans,
    marked,
    occurrences,
    paragraphs_html,
    passages,
)


def mark(text: str, spans: list[Span]) -> str:
    return as_html(marked(text, spans))


def html_passages(text: str, spans: list[Span], limit: int = 3) -> list[str]:
    return [as_html(p) for p in passages(text, spans, limit)]


def test_marks_keep_the_stored_spacing() -> None:
    text = "一点 张 羽谈 到 过去，张羽说"
    html = mark(text, find_spans(normalize(text), ["张羽"]))
    assert html == "一点 <mark>张 羽</mark>谈 到 过去，<mark>张羽</mark>说"


def test_marks_find_traditional_and_full_width_text() -> None:
    text = "字節跳動推出ＡＩ工具"
    html = mark(text, find_spans(normalize(text), ["字节跳动", "ai"]))
    assert html == "<mark>字節跳動</mark>推出<mark>ＡＩ</mark>工具"


def test_everything_else_is_escaped() -> None:
    text = '<script>alert(1)</script> 张羽 "&"'
    html = mark(text, find_spans(normalize(text), ["张羽"]))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>张羽</mark>" in html and "&quot;&amp;&quot;" in html


def test_numbered_marks_for_the_document_page() -> None:
    text = "张羽 和 张羽"
    html = as_html(marked(text, find_spans(normalize(text), ["张羽"])), first_id=1)
    assert html.count('<mark id="m1">') == 1 and html.count('<mark id="m2">') == 1


def test_passages_pick_the_windows_with_most_distinct_matches() -> None:
    filler = "这是一段与查询无关的文字。" * 30
    text = filler + "互联网公益在这里出现。" + filler + "张羽谈互联网公益。" + filler
    chosen = html_passages(text, find_spans(normalize(text), ["张羽", "互联网公益"]), limit=1)
    assert len(chosen) == 1
    assert "<mark>张羽</mark>" in chosen[0] and "<mark>互联网公益</mark>" in chosen[0]
    assert chosen[0].startswith("…") and chosen[0].endswith("…")


def test_no_match_gives_the_opening_of_the_text() -> None:
    assert html_passages("短文。", []) == ["短文。"]
    assert html_passages("", []) == [""]
    long = "长" * 500
    assert html_passages(long, [])[0] == "长" * PASSAGE_CHARS + "…"


class _OnlyMarks(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


_TEXT = st.lists(st.sampled_from(list("张羽谈信息公益 <>&\"'\n，。Ａa1") + ["<mark>", "</b>"])).map(
    "".join
)


@given(_TEXT, st.lists(st.sampled_from(["张羽", "信息公益", "a1", "<", "羽"]), max_size=3))
def test_snippets_are_valid_escaped_html_with_only_mark_tags(text: str, needles: list) -> None:
    spans = find_spans(normalize(text), [fold(n) for n in needles])
    for html in html_passages(text, spans):
        parser = _OnlyMarks()
        parser.feed(html)
        assert set(parser.tags) <= {"mark"}
        assert html.count("<mark>") == html.count("</mark>")
        unmarked = re.sub(r"</?mark>", "", html)
        assert "<" not in unmarked and ">" not in unmarked


def test_marked_text_is_pieces_of_the_stored_text() -> None:
    text = "访华为契机，华为公司"
    spans = [Span(1, 3, frozenset({0}), straddle=True), Span(6, 8, frozenset({0}))]
    pieces = marked(text, spans)
    assert pieces == [
        Piece("访"),
        Piece("华为", "straddle"),
        Piece("契机，"),
        Piece("华为", "match"),
        Piece("公司"),
    ]
    assert as_plain(pieces) == text
    assert as_html(pieces) == '访<mark class="straddle">华为</mark>契机，<mark>华为</mark>公司'
    assert marked(text, spans, 2, 7) == [
        Piece("为", "straddle"),
        Piece("契机，"),
        Piece("华", "match"),
    ]


def test_a_terminal_shows_marks_as_brackets_when_piped_and_as_styles_on_a_tty() -> None:
    pieces = [Piece("<a>"), Piece("华为", "match"), Piece("&"), Piece("华为", "straddle")]
    assert as_terminal(pieces, tty=False) == "<a>【华为】&〔华为〕"
    assert as_terminal(pieces, tty=True) == "<a>\x1b[1;33m华为\x1b[0m&\x1b[4m华为\x1b[0m"


def test_passages_are_on_one_line_with_ellipses_where_the_text_goes_on() -> None:
    text = "开头" * 100 + "\n张羽\n" + "结尾" * 100
    (passage,) = passages(text, find_spans(normalize(text), ["张羽"]))
    assert passage[0] == Piece("…") and passage[-1] == Piece("…")
    assert "\n" not in as_plain(passage) and Piece("张羽", "match") in passage


def test_paragraphs_number_their_marks_on_across_lines() -> None:
    text = "张羽谈张羽\n\n<无关> & \n张羽"
    assert paragraphs_html(text, find_spans(normalize(text), ["张羽"])) == [
        '<mark id="m1">张羽</mark>谈<mark id="m2">张羽</mark>',
        "&lt;无关&gt; &amp; ",
        '<mark id="m3">张羽</mark>',
    ]


def test_a_limit_keeps_the_first_spans_of_every_needle() -> None:
    text = "甲乙" * 5 + "丙丁" + "甲乙" * 5
    spans = find_spans(normalize(text), ["甲乙", "丙丁"], limit=3)
    assert [(s.start, s.end) for s in spans] == [(0, 2), (2, 4), (4, 6)]
    # 甲乙 stops after three; 丙丁 (at 10) lies past where it stopped, so it is not kept
    spans = find_spans(normalize(text), ["甲乙", "丙丁"], limit=6)
    assert [(s.start, s.end) for s in spans] == [(0, 2), (2, 4), (4, 6), (6, 8), (8, 10), (10, 12)]
    assert occurrences(normalize(text), ["甲乙", "丙丁"]) == 11
