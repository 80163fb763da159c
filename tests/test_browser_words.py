"""In Debian's Chromium against a real server: the word tiers on the page, and every indexed
item reachable from its result link whatever its id holds."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import test_browser
from conftest import write_jsonl
from playwright.sync_api import Browser, Page, expect
from test_browser import (  # noqa: F401 (fixtures)
    DESKTOP,
    browser,
    open_context,
    problems,
)
from test_webui import serving

from indexer import Settings, sync

WORDS_CORPUS = Path(__file__).parent / "data" / "words.jsonl"
# Ids a loader accepts that a URL must encode: query and fragment marks, percent signs,
# spaces, plus and ampersand, Han characters, slashes (also doubled).
ODD_IDS = [
    "q?x=1",
    "frag#top",
    "100%",
    "50%41",
    "a b",
    "c+d&e",
    "中文编号",
    "a/b/c",
    "x//y",
    "end/",
]

pytestmark = test_browser.pytestmark  # Chromium or a skip that says why


@pytest.fixture(scope="module")
def words_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-words")
    (folder / "corpus").mkdir()
    (folder / "corpus" / "words.jsonl").write_bytes(WORDS_CORPUS.read_bytes())
    write_jsonl(
        folder / "corpus" / "odd.jsonl",
        [
            {"id": i, "title": f"编号测试{n}", "body": "奇特编号的条目"}
            for n, i in enumerate(ODD_IDS)
        ],
    )
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [folder / "corpus"])
    with serving(settings.index_dir) as base:
        yield base


@pytest.fixture
def words_page(browser: Browser, words_url: str, problems: list[str]) -> Iterator[Page]:  # noqa: F811
    context = open_context(browser, words_url, problems, viewport=DESKTOP)
    yield context.new_page()
    context.close()


def test_straddles_come_after_a_note_and_can_be_hidden(words_page: Page) -> None:
    words_page.goto("/?q=华为")
    expect(words_page.locator(".count")).to_contain_text("其中 1 条按词匹配")
    note = words_page.locator(".tier-note")
    expect(note).to_contain_text("以下 2 条中「华为」只是相邻的字，不是一个词")
    expect(words_page.locator(".hit-straddle mark.straddle").first).to_have_text("华为")
    note.get_by_role("link").click()
    words_page.wait_for_url("**match=words*")
    expect(words_page.locator(".hit")).to_have_count(1)
    expect(words_page.locator(".hit-title")).to_contain_text("发布新款手机")


def test_every_odd_id_opens_from_its_result_link(words_page: Page) -> None:
    words_page.goto("/?q=奇特编号&size=50")
    expect(words_page.locator(".hit")).to_have_count(len(ODD_IDS))
    titles = words_page.locator(".hit-title a").all_inner_texts()
    for title in titles:
        words_page.goto("/?q=奇特编号&size=50")
        words_page.locator(".hit-title a", has_text=title).click()
        expect(words_page.locator(".doc-title")).to_have_text(title)
        shown_id = words_page.locator(".doc-info dd").first.inner_text()
        assert shown_id in ODD_IDS
