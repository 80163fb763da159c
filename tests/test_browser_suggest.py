"""The search box's suggestions in Debian's Chromium against a real `speechsearch serve`: the
WAI-ARIA combobox by keyboard, and the pinyin line of the results page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import index_records
from playwright.sync_api import Browser, Page, expect
from test_browser import DESKTOP, DOCS, PHONE, browser, open_context, problems  # noqa: F401
from test_pinyin import records
from test_webui import news_records, serving

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not Path("/usr/bin/chromium").exists(),
        reason="Debian's Chromium is not at /usr/bin/chromium",
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-suggest")
    settings = index_records(folder, [*news_records(), *records()])
    with serving(settings.index_dir) as base:
        yield base


@pytest.fixture
def page(browser: Browser, base_url: str, problems: list[str]) -> Iterator[Page]:  # noqa: F811
    context = open_context(browser, base_url, problems, viewport=DESKTOP)
    yield context.new_page()
    context.close()


def type_and_wait(page: Page, text: str) -> None:
    """Type into the focused search box; wait until the suggestions for all of it are shown."""
    page.keyboard.type(text)
    expect(page.locator("#q-completions")).to_be_visible()


def test_arrow_down_and_enter_pick_a_suggestion(page: Page) -> None:
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if "/api/suggest" in r.url else None)
    page.goto("/")
    box = page.locator("#q")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_attribute("aria-controls", "q-completions")
    type_and_wait(page, "zhangy")
    options = page.get_by_role("option")
    expect(options).to_have_text(
        ["张羽拼音 · 26 篇", "张羽谈拼音 · 20 篇", "张宇拼音 · 4 篇", "章鱼拼音 · 2 篇"]
    )
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_role("status").filter(has_text="条建议")).to_have_text(
        "4 条建议，按上下方向键选择"
    )
    assert len(requests) < len("zhangy")  # at most one request per 100 ms while typing
    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", "q-completion-0")
    page.screenshot(path=str(DOCS / "screenshot-suggest.png"))
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=*")
    expect(page.locator("#q")).to_have_value("张羽")
    expect(page.locator(".hit")).to_have_count(10)


def test_arrow_up_wraps_and_escape_closes_keeping_the_text(page: Page) -> None:
    page.goto("/?q=公益")
    box = page.locator("#q")
    box.fill("")
    type_and_wait(page, "銀")
    options = page.get_by_role("option")
    page.keyboard.press("ArrowUp")
    expect(options.last).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Escape")
    expect(page.locator("#q-completions")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).not_to_have_attribute("aria-activedescendant", "q-completion-0")
    expect(box).to_have_value("銀")
    page.keyboard.press("Enter")  # nothing picked: the text as typed is searched
    page.wait_for_url("**/?q=%E9%8A%80")
    expect(page.locator(".count")).to_contain_text("共 3 条结果")


def test_the_results_page_says_what_pinyin_searched(page: Page) -> None:
    page.goto("/?q=chongqing")
    notice = page.locator(".notice.pinyin")
    expect(notice).to_contain_text("按拼音 chongqing 搜索：重庆")
    expect(page.locator(".hit")).to_have_count(3)
    notice.get_by_role("link").click()
    page.wait_for_url("**pinyin=0")
    expect(page.locator(".notice.pinyin")).to_have_count(0)


def test_suggestions_on_a_phone(
    browser: Browser,  # noqa: F811
    base_url: str,
    problems: list[str],  # noqa: F811
) -> None:
    context = open_context(browser, base_url, problems, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto("/")
    page.locator("#q").click()
    type_and_wait(page, "hlw")
    expect(page.get_by_role("option").first).to_contain_text("互联网")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(DOCS / "screenshot-suggest-phone.png"))
    context.close()
