"""Markup out of corpus text: HTML and Markdown bodies read by real parsers into the text a reader
sees, plain text left byte for byte, and the loader cleaning what it indexes. Every text here is
written for the test; the shared corpus is only read, by the test marked needs_shared."""

from __future__ import annotations

import itertools
import json
import re
import time
from pathlib import Path

import pytest
from conftest import SHARED_CORPUS, needs_shared, write_jsonl
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer import CorpusReader, SearchIndex, SearchRequest
from indexer.markup import FORMATS, Format, clean, clean_title, detect, document

# Shaped like a scraped news item: an HTML comment around Markdown paragraphs.
NEWS = (
    "<!--repaste.body.begin-->\n\n"
    "**本台消息**（晚间新闻）：今天上午，滨江市举行义务植树活动，三百名志愿者参加。\n\n"
    "活动现场，志愿者们分组种下银杏和香樟。  \n\n"
    "**植树造林 绿化家园**\n\n"
    "据介绍，今年全市计划新增绿地两千亩。<!--repaste.body.end-->"
)
NEWS_TEXT = (
    "本台消息（晚间新闻）：今天上午，滨江市举行义务植树活动，三百名志愿者参加。\n"
    "活动现场，志愿者们分组种下银杏和香樟。\n"
    "植树造林 绿化家园\n"
    "据介绍，今年全市计划新增绿地两千亩。"
)
HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")


def test_a_scraped_news_body_loses_its_comments_and_asterisks() -> None:
    assert detect(NEWS) == "markdown"
    assert clean(NEWS) == NEWS_TEXT


def test_the_end_comment_on_its_own_line_and_the_begin_comment_alone() -> None:
    body = "<!--repaste.body.begin-->**本台消息**（晚间新闻）：正文。\n\n<!--repaste.body.end-->"
    assert clean(body) == "本台消息（晚间新闻）：正文。"
    assert clean("<!--repaste.body.begin-->\n正文一段。") == "正文一段。"


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("**本台消息**（晚间新闻）：正文", "本台消息（晚间新闻）：正文"),
        ("**本台消息**：正文", "本台消息：正文"),
        # CommonMark alone keeps these asterisks: punctuation inside the marks, a letter outside
        ("**《晨报》**周刊刊登短文", "《晨报》周刊刊登短文"),
        ("城市**“绿色出行”**倡议", "城市“绿色出行”倡议"),
        ("会议强调**，要坚持**原则", "会议强调，要坚持原则"),
        ("他说：“**重要**”。", "他说：“重要”。"),
        ("你好*世界*。", "你好世界。"),
        # scraped pages leave a no-break or ideographic space inside the marks
        ("**本市春季植树活动圆满结束\xa0**\n正文", "本市春季植树活动圆满结束\n正文"),
        ("**\xa0印度央行推出新机制**", "\xa0印度央行推出新机制"),
        ("**驻地新增病例达新高\xa0\xa0 **\n正文", "驻地新增病例达新高\n正文"),
        ("**社区图书角开放\u3000**", "社区图书角开放"),
        # backslash escapes are text by the writer's word
        ("全天7\\*24小时服务", "全天7*24小时服务"),
        ("气温下降6\\~8℃", "气温下降6~8℃"),
        ("1\\. 第一条", "1. 第一条"),
        ("第一行\\\n第二行", "第一行\n第二行"),
        ("研发（R\\&D）投入", "研发（R&D）投入"),
    ],
)
def test_markdown_emphasis_next_to_chinese_punctuation(text: str, plain: str) -> None:
    assert clean(text, "markdown") == plain


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        (
            "# 标题\n\n正文第一段。\n\n## 小节\n\n正文第二段。",
            "标题\n正文第一段。\n小节\n正文第二段。",
        ),
        ("大标题\n===\n\n小标题\n---\n\n正文", "大标题\n小标题\n正文"),
        ('见[新华网](http://www.example.cn/a.html "标题")报道', "见新华网报道"),
        ("见[报道][1]。\n\n[1]: http://www.example.cn/", "见报道。"),
        ("![示意图：**大桥**](/img/a.png)全长十公里", "示意图：大桥全长十公里"),
        ("<http://www.example.cn>", "http://www.example.cn"),
        ("- 第一项\n- 第二项\n  续行\n* 第三项", "第一项\n第二项\n续行\n第三项"),
        ("1. 甲\n2. 乙\n\n3) 丙", "甲\n乙\n丙"),
        ("> 引用第一段\n>\n> > 嵌套引用", "引用第一段\n嵌套引用"),
        ("运行`make test`命令", "运行make test命令"),
        ("```python\nx = 1\n\n  y = 2\n```", "x = 1\n  y = 2"),
        ("    缩进的段落也是**段落**", "缩进的段落也是段落"),
        ("__强调__，_斜体_，***又粗又斜***", "强调，斜体，又粗又斜"),
        ("__init__与a_b_c", "__init__与a_b_c"),  # underscores inside words are text
        ("** 重要 **通知", "** 重要 **通知"),  # marks spaced off their text too
        ("上文\n\n---\n\n下文", "上文\n下文"),
        ("| 地区 | 人数 |\n|---|---|\n| 北京 | 30 |\n| 上海 | 25 |", "地区 人数\n北京 30\n上海 25"),
        ("实体：&amp; &lt;b&gt; &#20013;&#x6587; &copy;", "实体：& <b> 中文 ©"),
        ('段内<br>换行，<b>粗体</b>与<span class="x">文字</span>', "段内\n换行，粗体与文字"),
        ("前文<script>alert('**x**')</script>后文", "前文后文"),
        ("<div>\n块里的<em>文字</em>\n</div>\n\n**段落**", "块里的文字\n段落"),
        ("行尾空格  \n下一行\t\n\n\n\n再下一段", "行尾空格\n下一行\n再下一段"),
    ],
)
def test_markdown_is_read_for_its_text(text: str, plain: str) -> None:
    assert clean(text, "markdown") == plain


@pytest.mark.parametrize(
    ("html", "plain"),
    [
        ("<p>第一段</p><p>第二段</p>", "第一段\n第二段"),
        ("第一行<br>第二行<br/>第三行", "第一行\n第二行\n第三行"),
        (
            "<p>A&amp;B &lt;tag&gt; &quot;引号&quot; &#20013;&#x6587; &nbsp;x</p>",
            'A&B <tag> "引号" 中文 \xa0x',
        ),
        ("<p>未结束的实体 &amp 与 &unknown; 照旧</p>", "未结束的实体 & 与 &unknown; 照旧"),
        (
            "<div><p>甲<b>乙<i>丙</i>丁</b></p><ul><li>一</li><li>二</li></ul></div>",
            "甲乙丙丁\n一\n二",
        ),
        (
            "<p>中文\n换行不留空格，English\nwords keep one</p>",
            "中文换行不留空格，English words keep one",
        ),
        ("<p>  多个   空白\t\t合一  </p>", "多个 空白 合一"),
        ("<script>var s = '<p>不显示</p>';</script><style>p { color: red }</style>正文", "正文"),
        ("<template><p>模板</p></template><noscript>请启用脚本</noscript>正文", "正文"),
        ("<pre>第一行\n  缩进行\n\n第三行</pre>", "第一行\n  缩进行\n第三行"),
        (
            "<table><tr><th>地区</th><th>人数</th></tr><tr><td>北京</td><td>30</td></tr></table>",
            "地区 人数\n北京 30",
        ),
        ("<!-- 注释 -->正文<!-- 又一个 -->", "正文"),
        ("<!DOCTYPE html><html><body><h1>标题</h1><p>正文</p></body></html>", "标题\n正文"),
        ("<p>a<img src=x alt=图片>b</p>", "ab"),
        ("<h2>小标题</h2>段落", "小标题\n段落"),
    ],
)
def test_html_is_read_for_its_text(html: str, plain: str) -> None:
    assert clean(html, "html") == plain


@pytest.mark.parametrize(
    "html",
    [
        "<div><p>没有关闭的标签",
        "<p class='未闭合的属性>正文",
        "正文<!-- 没有结束的注释",
        "<script>没有结束的脚本",
        "<![if !supportLists]>列表<![endif]>",
        "<![unknown[x]]>正文",
        "</p></div>多余的结束标签",
        "<p <p>>>奇怪<</p>",
        "&#0;&#xd800;&#x110000;&#99999999999;",
        "<" * 1000 + "<p>",
    ],
)
def test_malformed_html_is_cleaned_as_well_as_it_can_be(html: str) -> None:
    text = clean(html, "html")
    assert "\n\n" not in text and "没有结束的脚本" not in text and "<!--" not in text


@pytest.mark.parametrize(
    "text",
    [
        "全天7*24小时和5*8小时值守",  # lone asterisks as a multiplication sign
        "王**和李**出席了座谈",  # masked names
        "手机号138****1234已登记",
        "x < 5 且 y > 3，a<b>c",  # comparisons, one thing that looks like a tag
        "参考文献[1](2019年版)第三章",  # a bracketed remark is not a link
        "#话题# 今天的讨论",
        "审议了《关于调整<某某社区公约>的说明》",
        "变量a_b_c与__init__",
        "标题\n===\n- 列表\n1. 编号\n    缩进\n> 引用",  # Markdown-like, but no sign of it
        "价格：100元&nbsp;起",
        "",
        "\n\n  \n",
    ],
)
def test_ordinary_text_is_left_byte_for_byte(text: str) -> None:
    assert detect(text) == "text"
    assert clean(text) is text and clean_title(text) is text


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ("<!--x-->正文", "html"),
        ("  <p>正文", "html"),
        ("<!doctype html><p>[链接](http://a.cn)</p>", "html"),
        ("正文<br>第二行<br>第三行", "html"),
        ("正文 <b>粗</b>", "html"),
        ("**加粗**的正文", "markdown"),
        ("正文，**加粗**。", "markdown"),
        ("正文 __加粗__ 文字", "markdown"),
        ("详见[报道](https://www.example.cn/a)", "markdown"),
        ("![图](/a.png)", "markdown"),
        ("<!--x-->\n\n**本台消息**（晚间新闻）", "markdown"),
        ("正文<br>只有一个标签", "text"),
        ("报道称，攻击者注入了 <script>alert(1)</script> 和 <img src=x> 标签", "text"),
    ],
)
def test_detection(text: str, fmt: Format) -> None:
    assert detect(text) == fmt


def test_the_text_format_turns_cleaning_off() -> None:
    assert clean(NEWS, "text") == NEWS


@pytest.mark.parametrize(
    ("title", "fmt", "plain"),
    [
        ("**重要**通知", None, "重要通知"),
        ("1. 第一条 **重点**", "markdown", "1. 第一条 重点"),
        ("<b>标题</b>&amp;副题", "html", "标题&副题"),
        ("# 普通标题", None, "# 普通标题"),
        ("<p>第一行</p><p>第二行</p>", "html", "第一行 第二行"),
    ],
)
def test_titles_are_cleaned_onto_one_line(title: str, fmt: Format | None, plain: str) -> None:
    assert clean_title(title, fmt) == plain


@pytest.mark.parametrize(
    ("text", "fmt", "title", "body"),
    [
        (
            "<html><head><title> 页面\n标题 </title><style>p{}</style></head>"
            "<body><h1>大标题</h1><p>正文</p></body></html>",
            "html",
            "页面 标题",
            "大标题\n正文",
        ),
        ("<p>导语</p><h1>大标题</h1><p>正文</p>", "html", "大标题", "导语\n正文"),
        ("<h2>小标题</h2><p>正文</p>", "html", "小标题", "正文"),
        ("日期行\n\n## 标题\n\n正文**一**", "markdown", "标题", "日期行\n正文一"),
        ("第一行 **粗**\n\n第二段", "markdown", "第一行 粗", "第二段"),
        ("", "markdown", "", ""),
    ],
)
def test_whole_files_have_a_title_and_a_body(text: str, fmt: Format, title: str, body: str) -> None:
    assert document(text, fmt) == (title, body)


def test_a_txt_file_keeps_its_first_line_as_the_title() -> None:
    assert document("前言 **一**\n\n## 小节\n\n正文", "markdown", title_line=True) == (
        "前言 一",
        "小节\n正文",
    )


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters="<>*_[]#\\`")))
def test_text_without_markup_characters_comes_out_unchanged(text: str) -> None:
    assert clean(text) == text and clean_title(text) == text


MARKUPISH = st.lists(
    st.sampled_from(
        list("<>*_[]#\\`!-()/:=|~&;\"' \t\n\r\xa0\u3000ap甲乙。（）“”《》")
        + ["<p>", "</p>", "<br>", "<!--", "-->", "<script>", "</script>", "**", "](", "&amp;"]
        + ["<![", "]]>", "```", "    ", "\n\n", "> ", "- ", "1. ", "&#x", "<style>", "<pre>"]
    ),
    max_size=60,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(MARKUPISH, st.sampled_from([None, *FORMATS]))
def test_any_text_is_cleaned_without_raising(text: str, fmt: Format | None) -> None:
    cleaned = clean(text, fmt)
    if (fmt or detect(text)) != "text":
        lines = cleaned.split("\n")
        assert all(line.strip() and line == line.rstrip() for line in lines) or cleaned == ""
    assert "\n" not in clean_title(text, fmt) or (fmt or detect(text)) == "text"
    title, body = document(text, fmt or "markdown")
    assert "\n" not in title and not body.startswith("\n")


@pytest.mark.parametrize(
    "text",
    ["<a " * 20000, "<a\n" * 20000, "<![CDATA[x>" * 10000, "<!--" * 20000, "</a" * 20000]
    + ["**a" * 20000, "[a](" * 20000, "*" * 60000, "_a __b " * 10000, "> " * 20000 + "x"],
)
def test_long_hostile_texts_take_linear_time(text: str) -> None:
    """Each is read in about a second at most; Python 3.11's html.parser takes minutes on the
    first ones, which is why HTML is read by lxml."""
    began = time.perf_counter()
    for fmt in FORMATS:
        clean(text, fmt)
        clean_title(text, fmt)
    detect(text)
    assert time.perf_counter() - began < 10


def test_the_loader_cleans_each_kind_of_file_into_a_real_index(build_index, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_jsonl(
        corpus / "feed.jsonl",
        [
            {"id": "news", "title": "**滨江**植树", "body": NEWS, "date": "2024-03-12"},
            {
                "id": "html",
                "title": "<b>网页</b>",
                "body": "<p>樟树&amp;银杏</p>",
                "format": "HTML",
            },
            {"id": "text", "title": "**原样**", "body": "**原样保留**的正文", "format": "text"},
            {"id": "md", "title": "标题", "body": "# 小标题\n\n- 桂花", "format": "markdown"},
            {"id": "odd", "title": "t", "body": "**丁香**花", "format": ["markdown"]},
            {"id": "bare", "title": "t", "body": "<!-- 只有注释 --><script>x()</script>"},
        ],
    )
    (corpus / "page.html").write_text(
        "<!DOCTYPE html><html><head><title>网页标题</title><style>body{}</style></head>"
        "<body><h1>头条</h1><p>第一段 &ldquo;玉兰&rdquo;</p><p>第二段<br>第三行</p>"
        "<script>var x = '<p>不该出现</p>';</script></body></html>",
        "utf-8",
    )
    (corpus / "notes.md").write_text(
        "# 笔记标题\n\n正文里有**海棠**和[链接](http://a.cn)。\n", "utf-8"
    )
    (corpus / "plain.txt").write_text("纯文本标题\n全天7*24小时，王**参加。\n", "utf-8")
    (corpus / "scraped.txt").write_text("抓取的标题\n\n" + NEWS, "utf-8")
    reader = CorpusReader([corpus])
    docs = {d.id: d for d in reader.documents()}
    assert docs["news"].title == "滨江植树" and docs["news"].body == NEWS_TEXT
    assert (docs["html"].title, docs["html"].body) == ("网页", "樟树&银杏")
    assert (docs["text"].title, docs["text"].body) == ("**原样**", "**原样保留**的正文")
    assert docs["md"].body == "小标题\n桂花"
    assert docs["odd"].body == "丁香花"
    assert all("format" not in d.metadata for d in docs.values())
    assert (docs["page"].title, docs["page"].body) == (
        "网页标题",
        "头条\n第一段 “玉兰”\n第二段\n第三行",
    )
    assert (docs["notes"].title, docs["notes"].body) == ("笔记标题", "正文里有海棠和链接。")
    assert (docs["plain"].title, docs["plain"].body) == ("纯文本标题", "全天7*24小时，王**参加。")
    assert (docs["scraped"].title, docs["scraped"].body) == ("抓取的标题", NEWS_TEXT)
    problems = {p.doc_id: (p.kind, p.reason) for p in reader.problems}
    assert problems["odd"][0] == "warning" and "unknown format ['markdown']" in problems["odd"][1]
    assert problems["bare"] == ("skipped", "empty body once its markup is removed")

    index = SearchIndex(build_index(corpus))

    def hits(q: str) -> list[dict]:
        return index.search(SearchRequest(q=q))["hits"]

    found = hits("本台消息")
    assert {h["id"] for h in found} == {"news", "scraped"}
    assert all("*" not in " ".join(h["passages"]) + h["title"] for h in found)
    assert hits("repaste") == [] and hits("不该出现") == []
    assert [h["id"] for h in hits("玉兰")] == ["page"]


@needs_shared
def test_the_first_500_cctv_items_lose_their_markup_and_keep_their_han_text(
    tmp_path: Path,
) -> None:
    path = SHARED_CORPUS / "cctv-xwlb-2022-2026" / "cctv_xwlb.jsonl"
    with path.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line in itertools.islice(lines, 500)]
    raw = {r["id"]: r["body"] for r in records}
    assert sum("<!--" in body for body in raw.values()) > 50
    assert sum("**" in body for body in raw.values()) > 400
    sample = write_jsonl(tmp_path / "cctv500.jsonl", records)
    docs = list(CorpusReader([sample]).documents())
    assert len(docs) == sum(bool(body.strip()) for body in raw.values())
    for doc in docs:
        assert "**" not in doc.body and "<!--" not in doc.body, doc.id
        assert len(HAN.findall(doc.body)) == len(HAN.findall(raw[doc.id])), doc.id


def test_a_reindex_compares_records_before_cleaning_and_cleans_what_changed(tmp_path: Path):
    from indexer import Settings, sync

    records = [
        {"id": f"m{n}", "title": f"**标题{n}**", "body": f"<!--begin-->**本台消息**第{n}条。"}
        for n in range(3)
    ]
    corpus = write_jsonl(tmp_path / "c.jsonl", records)
    settings = Settings.from_env(index_dir=tmp_path / "index", procs=1)
    sync(settings, [corpus])
    records[1]["body"] = "**新华社消息**改过的第1条。"
    write_jsonl(corpus, records)
    report = sync(settings, [corpus])
    assert (report.unchanged, report.updated) == (2, 1)
    assert sync(settings, [corpus]).unchanged == 3  # and the next run finds nothing to do
    index = SearchIndex(settings)
    for q, doc_id in (("本台消息", "m0"), ("新华社消息", "m1"), ("标题2", "m2")):
        hit = index.search(SearchRequest(q=q))["hits"][0]
        assert hit["id"] == doc_id
        assert "*" not in hit["passages"][0] + hit["title"] and "<!--" not in hit["passages"][0]
