"""Markup out of corpus text: HTML and Markdown become the plain text a reader sees, so neither
the document page nor the index shows tags, comments, entities or emphasis asterisks.

Markdown is parsed by markdown-it-py (CommonMark) and rendered to HTML by its own renderer; HTML
is parsed by lxml (libxml2: HTML5 recovery, linear time on any input) and walked for its text. A
text without markup is returned as it came."""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Sequence
from html import escape
from typing import Any, Literal

from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline import StateInline
from markdown_it.rules_inline.state_inline import Delimiter
from markdown_it.token import Token

Format = Literal["html", "markdown", "text"]
FORMATS: tuple[Format, ...] = ("html", "markdown", "text")

# Tags that shape text, the sign of an HTML body; not <script>, <img> or <iframe>, which a plain
# text quotes when it writes about them (a report on a script injection).
_TAG_NAMES = (
    "a|abbr|address|article|aside|b|big|blockquote|body|br|caption|center|cite|code|dd|del|div"
    "|dl|dt|em|figcaption|figure|font|footer|h[1-6]|header|hr|i|ins|li|main|mark|nav|ol|p|pre"
    "|q|s|section|small|span|strike|strong|sub|sup|table|tbody|td|tfoot|th|thead|tr|u|ul"
)
# Lengths are bounded so that a hostile text costs linear time.
_HTML_PAGE = re.compile(r"\s*<(?:!doctype\s|html[\s>])", re.I)
_HTML_START = re.compile(rf"\s*<(?:!--|(?:{_TAG_NAMES})[\s/>])", re.I)
_HTML_TAG = re.compile(rf"<(?:!--|/?(?:{_TAG_NAMES})(?:\s[^<>]{{0,500}})?/?>)", re.I)
_MD_SIGNS = re.compile(
    # **strong** or __strong__, opened where a word does not go on before it
    r"(?<![\w*\\])(\*\*|__)(?=[^\s*_])[^\n]{0,500}?[^\s*_\\]\1"
    # [text](url) or ![alt](url), the url a link's and not a bracketed remark's
    r"|\[[^\[\]\n]{1,500}\]\((?:[a-zA-Z][a-zA-Z0-9+.-]{0,30}:|/|\.|#|www\.)[^\s()]{0,2000}\)"
)
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_SURROGATE = re.compile("[\ud800-\udfff]")
_THREAD = threading.local()

_BLOCKS = frozenset(
    "address article aside blockquote body caption center dd details dialog div dl dt fieldset"  # noqa: SIM905
    " figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend li main nav ol"
    " p pre section summary table tbody tfoot thead tr ul".split()
)
_HIDDEN = frozenset({"script", "style", "template", "noscript"})
_GLUE = re.compile(r"[^\S\n]*?[\xa0\u3000]")  # within the line
_GLUE_REACH = 16
_HEADINGS = {f"h{n}": n for n in range(1, 7)}


def detect(text: str) -> Format:
    """The format a text plainly shows, cheaply and conservatively: Markdown for a strong-emphasis
    pair or a link, HTML for a page, a comment or known tag at the start, or two known tags;
    anything else is text, which is left alone."""
    if _HTML_PAGE.match(text):
        return "html"
    if _MD_SIGNS.search(text):
        return "markdown"
    if _HTML_START.match(text):
        return "html"
    tags = _HTML_TAG.finditer(text)
    if next(tags, None) and next(tags, None):
        return "html"
    return "text"


def clean(text: str, fmt: Format | None = None) -> str:
    """The text of a body: one paragraph a line, no blank lines, no trailing spaces; a text of
    format "text" (or detected as such when fmt is None) comes back unchanged."""
    fmt = fmt or detect(text)
    if fmt == "text":
        return text
    return "\n".join(line for line, _ in _read(text, fmt).lines)


def clean_title(text: str, fmt: Format | None = None) -> str:
    """The text of a title, on one line; Markdown is read inline, so `1. 标题` keeps its number."""
    fmt = fmt or detect(text)
    if fmt == "text":
        return text
    return " ".join(line for line, _ in _read(text, fmt, inline=True).lines)


def document(text: str, fmt: Format, title_line: bool = False) -> tuple[str, str]:
    """Title and body of a whole HTML or Markdown file: the title from <title>, else the first
    <h1> (HTML) or heading (Markdown), else the first line, as always with title_line (a .txt
    file's rule); the body is the rest."""
    out = _read(text, fmt)
    lines = [line for line, _ in out.lines]
    if fmt == "html" and out.titles:
        return out.titles[0], "\n".join(lines)
    wanted = () if title_line else (1,) if fmt == "html" else (1, 2, 3, 4, 5, 6)
    at = next((i for i, (_, level) in enumerate(out.lines) if level in wanted), 0)
    return (lines[at] if lines else ""), "\n".join(lines[:at] + lines[at + 1 :])


class _Lines:
    """Text gathered line by line, each line with the level of the heading it belongs to, and
    the text of each <title> apart."""

    def __init__(self) -> None:
        self.lines: list[tuple[str, int]] = []
        self.titles: list[str] = []
        self.level = 0
        self._parts: list[str] = []

    def text(self, text: str) -> None:
        if text:
            self._parts.append(text)

    def last(self) -> str:
        """The last character of the line being written, "" at its start."""
        return self._parts[-1][-1] if self._parts else ""

    def newline(self) -> None:
        """Ends the line being written; a blank one is dropped."""
        line = "".join(self._parts).rstrip()
        self._parts = []
        if line.strip():
            self.lines.append((line, self.level))


def _read(text: str, fmt: Format, inline: bool = False) -> _Lines:
    """The lines of an HTML or Markdown text (inline: a title's Markdown, without blocks)."""
    if fmt == "markdown":
        text = _MD.renderInline(text) if inline else _markdown_html(text)
    out = _Lines()
    reader = getattr(_THREAD, "html", None)
    if reader is None:  # one for each thread, as making one costs more than reading a body
        reader = _THREAD.html = _HTMLText()
    reader.read(text, out)
    return out


def _markdown_html(text: str) -> str:
    """Markdown as HTML, by markdown-it's renderer (its text escaped, its HTML as written)."""
    env: dict[str, Any] = {}
    tokens = _MD.parse(text, env)
    for token in tokens:
        if token.type == "html_block":
            token.content = _html_block(token.content)
    return _MD.renderer.render(tokens, _MD.options, env)


def _html_block(html: str) -> str:
    """An HTML block of a Markdown text, as written unless a line of its text shows Markdown
    signs, as when a scraper runs a comment and Markdown together on one line
    (`<!--begin-->**本台消息**`, all HTML to CommonMark): then its text, such lines rendered."""
    if not _MD_SIGNS.search(html):  # text shows no sign its HTML does not show
        return html
    block = _read(html, "html")
    if not any(_MD_SIGNS.search(line) for line, _ in block.lines):
        return html
    parts = [f"<title>{escape(title)}</title>" for title in block.titles]
    for line, level in block.lines:
        tag = f"h{level}" if level else "p"
        inner = _MD.renderInline(line) if _MD_SIGNS.search(line) else escape(line)
        parts.append(f"<{tag}>{inner}</{tag}>\n")
    return "".join(parts)


def _cjk(char: str) -> bool:
    """A CJK character as the CJK-friendly emphasis amendment means it: wide, not an emoji
    (approximated by the emoji blocks), or an ideographic variation selector."""
    point = ord(char)
    if 0xE0100 <= point <= 0xE01EF:
        return True
    if 0x2300 <= point <= 0x2BFF or 0x1F000 <= point <= 0x1FAFF:
        return False
    return unicodedata.east_asian_width(char) in ("W", "F", "H")


class _HTMLText:
    """The target of lxml's HTML parser, writing HTML as a browser shows it: block elements and
    <br> end lines, runs of white space are one space (none at a line break between two CJK
    characters), <pre> keeps its lines, table cells are apart, <script>, <style>, <template>
    and <noscript> are dropped with their content, <title> is set apart."""

    def __init__(self) -> None:
        self._parser = etree.HTMLParser(target=self, recover=True, huge_tree=True, no_network=True)
        self._start(_Lines())

    def _start(self, out: _Lines) -> None:
        self.out = out
        self._hidden = 0
        self._pre = 0
        self._space = ""  # white space since the last text: "", " ", or "\n" if it broke a line
        self._title: list[str] | None = None

    def read(self, html: str, out: _Lines) -> None:
        """Parses a whole text into out; libxml2 recovers from any error as browsers do."""
        self._start(out)
        self._parser.feed(_SURROGATE.sub("\ufffd", html))  # UTF-8 cannot carry a lone surrogate
        self._parser.close()
        self._break()

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag == "title":
            self._title = []
        elif tag == "br" or tag in _BLOCKS:
            self._break()
            self._pre += tag == "pre"
            self.out.level = _HEADINGS.get(tag, self.out.level)
        elif tag in ("td", "th"):
            self._space = " "  # cells stay apart, even two of CJK text

    def end(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag == "title" and self._title is not None:
            title = _HTML_SPACE.sub(" ", "".join(self._title)).strip()
            self.out.titles += [title] if title else []
            self._title = None
        elif tag in _BLOCKS:
            self._break()
            self._pre = max(0, self._pre - (tag == "pre"))
            self.out.level = 0 if tag in _HEADINGS else self.out.level

    def data(self, data: str) -> None:
        if self._hidden:
            return
        if self._title is not None:
            self._title.append(data)
        elif self._pre:
            first, *rest = data.split("\n")
            self._word(first)
            for line in rest:
                self._break()
                self._word(line)
        else:
            at = 0
            for space in _HTML_SPACE.finditer(data):
                self._word(data[at : space.start()])
                self._space = "\n" if "\n" in space.group() or self._space == "\n" else " "
                at = space.end()
            self._word(data[at:])

    def close(self) -> None:
        """What lxml's parser returns at its end: nothing, the text is in out."""

    def _word(self, text: str) -> None:
        if not text:
            return
        if self._space and not self._pre:
            last = self.out.last()
            if last and not (self._space == "\n" and _cjk(last) and _cjk(text[0])):
                self.out.text(" ")
        self._space = ""
        self.out.text(text)

    def _break(self) -> None:
        self._space = ""
        self.out.newline()


def _flanking(src: str, start: int, end: int) -> tuple[bool, bool, bool, bool, int]:
    """Whether the run of emphasis marks at start is left- and right-flanking under the
    CJK-friendly amendment of CommonMark (github.com/tats-u/markdown-cjk-friendly), so that
    `**《晨报》**周刊` and `城市**“绿色出行”**倡议` are emphasis; with whether it is preceded and
    followed by punctuation, and its length. White space that holds a no-break or ideographic
    space (scraped pages leave them inside the marks: `**标题&nbsp; **`) allows a run as white
    space does but does not stop one."""
    marker, pos = src[start], start
    while pos < end and src[pos] == marker:
        pos += 1
    before = src[start - 1] if start else " "
    if "\ufe00" <= before <= "\ufe0e" and start > 1:  # a variation selector: its base decides
        before = src[start - 2]
    after = src[pos] if pos < end else " "
    space_before, space_after = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    punct_before = isMdAsciiPunct(ord(before)) or isPunctChar(before)
    punct_after = isMdAsciiPunct(ord(after)) or isPunctChar(after)
    cjk_before, cjk_after = _cjk(before), _cjk(after)
    glued_before = _GLUE.match(src[max(0, start - _GLUE_REACH) : start][::-1]) is not None
    glued_after = _GLUE.match(src, pos, min(end, pos + _GLUE_REACH)) is not None
    left = (not space_after or glued_after) and (
        not (punct_after and not cjk_after) or space_before or punct_before or cjk_before
    )
    right = (not space_before or glued_before) and (
        not (punct_before and not cjk_before) or space_after or punct_after or cjk_after
    )
    return left, right, punct_before, punct_after, pos - start


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule (each mark a text token and a delimiter, paired later by its
    balance_pairs and emphasis rules) with CJK-friendly flanking."""
    marker = state.src[state.pos]
    if silent or marker not in ("*", "_"):
        return False
    left, right, punct_before, punct_after, length = _flanking(state.src, state.pos, state.posMax)
    star = marker == "*"
    can_open = left and (star or not right or punct_before)
    can_close = right and (star or not left or punct_after)
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(
            Delimiter(
                marker=ord(marker),
                length=length,
                token=len(state.tokens) - 1,
                end=-1,
                open=can_open,
                close=can_close,
            )
        )
    state.pos += length
    return True


def _alt_text(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    """An image rendered as its alt text, the words a reader is given for it."""
    return escape(renderer.renderInlineAsText(tokens[idx].children or [], options, env))


def _markdown_it() -> MarkdownIt:
    """CommonMark with HTML, GitHub tables and CJK-friendly emphasis; a line break within a
    paragraph stays a line break, as in the stored bodies; indented code is off, as an indented
    line of a Chinese text is a paragraph, not code."""
    md = MarkdownIt("commonmark", {"breaks": True}).enable("table").disable("code")
    md.inline.ruler.at("emphasis", _emphasis)
    md.add_render_rule("image", _alt_text)
    return md


_MD = _markdown_it()
