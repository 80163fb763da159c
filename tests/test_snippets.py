"""Snippets: exact marks on the stored text's own characters, escaped HTML, best passages."""

import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from indexer.normalize import fold, normalize
from indexer.snippets import PASSAGE_CHARS, find_spans, mark, passages


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
    html = mark(text, find_spans(normalize(text), ["张羽"]), first_id=1)
    assert html.count('<mark id="m1">') == 1 and html.count('<mark id="m2">') == 1


def test_passages_pick_the_windows_with_most_distinct_matches() -> None:
    filler = "这是一段与查询无关的文字。" * 30
    text = filler + "互联网公益在这里出现。" + filler + "张羽谈互联网公益。" + filler
    chosen = passages(text, find_spans(normalize(text), ["张羽", "互联网公益"]), limit=1)
    assert len(chosen) == 1
    assert "<mark>张羽</mark>" in chosen[0] and "<mark>互联网公益</mark>" in chosen[0]
    assert chosen[0].startswith("…") and chosen[0].endswith("…")


def test_no_match_gives_the_opening_of_the_text() -> None:
    assert passages("短文。", []) == ["短文。"]
    long = "长" * 500
    assert passages(long, [])[0] == "长" * PASSAGE_CHARS + "…"


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
    for html in passages(text, spans):
        parser = _OnlyMarks()
        parser.feed(html)
        assert set(parser.tags) <= {"mark"}
        assert html.count("<mark>") == html.count("</mark>")
        unmarked = re.sub(r"</?mark>", "", html)
        assert "<" not in unmarked and ">" not in unmarked
