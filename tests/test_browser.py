"""Debian's Chromium (via Playwright, nothing downloaded) against a real `speechsearch serve`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from test_webui import SEED_ID, SPEECHES, build_web_index, serving

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
]
DOCS = Path(__file__).resolve().parents[1] / "docs"
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 375, "height": 740}
FAILED_400 = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"
# Reported to the console like any other error, so CSP violations fail the test too.
REPORT_CSP = """document.addEventListener("securitypolicyviolation", (event) =>
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`));"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="Debian's Chromium is not at /usr/bin/chromium"
    ),
]


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(build_web_index(tmp_path_factory.mktemp("browser"))) as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_context(
    browser: Browser, base_url: str, problems: list[str], **options: Any
) -> BrowserContext:
    """A fresh browser context whose console errors and page errors land in problems."""
    context = browser.new_context(base_url=base_url, locale="zh-CN", **options)
    context.set_default_timeout(10_000)
    context.add_init_script(REPORT_CSP)
    context.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    context.on("weberror", lambda e: problems.append(str(e.error)))
    return context


@pytest.fixture
def problems() -> Iterator[list[str]]:
    found: list[str] = []
    yield found
    assert found == [], "console errors or CSP violations"


@pytest.fixture
def page(browser: Browser, base_url: str, problems: list[str]) -> Iterator[Page]:
    context = open_context(browser, base_url, problems, viewport=DESKTOP)
    yield context.new_page()
    context.close()


def search_for(page: Page, text: str) -> None:
    page.goto("/")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=*")


def shown_dates(page: Page) -> list[str]:
    return page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")


def test_search_marks_matches_in_snippets(page: Page) -> None:
    search_for(page, "张羽")
    expect(page.locator(".count")).to_contain_text("共 25 条结果，第 1 / 3 页")
    expect(page.locator(".hit")).to_have_count(10)
    marks = page.locator(".snippet mark").all_inner_texts()
    assert marks and set(marks) <= {"张羽", "张 羽"}
    expect(page.locator("#q")).to_have_value("张羽")
    page.screenshot(path=str(DOCS / "screenshot-results.png"))


def test_next_page_and_back(page: Page) -> None:
    page.goto("/?q=张羽")
    first = page.locator(".hit-title a").all_inner_texts()
    page.locator("a[rel=next]").click()
    page.wait_for_url("**page=2")
    expect(page.locator(".count")).to_contain_text("第 2 / 3 页")
    assert set(page.locator(".hit-title a").all_inner_texts()).isdisjoint(first)
    page.locator("a[rel=prev]").click()
    expect(page.locator(".pages .current")).to_have_text("1")


def test_sort_by_time_puts_newest_first(page: Page) -> None:
    page.goto("/?q=张羽")
    page.get_by_role("link", name="时间", exact=True).click()
    page.wait_for_url("**sort=date")
    dates = shown_dates(page)  # the seed speech has no date
    assert len(dates) >= 9 and dates == sorted(dates, reverse=True)
    expect(page.locator(".sort [aria-current]")).to_have_text("时间")


def test_filter_by_year_then_date_range(page: Page) -> None:
    page.goto("/?q=张羽&sort=date")
    page.locator(".facet a", has_text="2019").click()
    page.wait_for_url("**from=2019-01-01&to=2019-12-31")
    dates = shown_dates(page)
    assert dates and all(d.startswith("2019-") for d in dates)
    page.get_by_label("从").fill("2020-01-01")
    page.get_by_label("到").fill("2021-12-31")
    page.get_by_role("button", name="应用").click()
    page.wait_for_url("**to=2021-12-31*")
    dates = shown_dates(page)
    assert dates and all("2020-01-01" <= d <= "2021-12-31" for d in dates)
    assert "sort=date" in page.url
    expect(page.locator(".active-filters")).to_contain_text("2020-01-01 至 2021-12-31")


def test_document_marks_and_jump_to_first(page: Page) -> None:
    page.goto("/?q=张羽")
    page.locator(".hit-title a").first.click()
    page.wait_for_url("**/doc/**")
    marks = page.locator(".doc-body mark")
    assert marks.count() > 0
    assert set(marks.all_inner_texts()) <= {"张羽", "张 羽"}
    page.get_by_role("link", name="跳到第一处").click()
    page.wait_for_url("**#m1")
    expect(page.locator("#m1")).to_be_in_viewport()
    page.goto(f"/doc/{SEED_ID}?q=张羽")
    page.screenshot(path=str(DOCS / "screenshot-document.png"))


def test_slash_key_focuses_the_search_box(page: Page) -> None:
    page.goto(f"/doc/{SEED_ID}")
    expect(page.locator("#q")).not_to_be_focused()
    page.keyboard.press("/")
    expect(page.locator("#q")).to_be_focused()
    expect(page.locator("#q")).to_have_value("")


def test_keyboard_focus_is_visible(page: Page) -> None:
    page.goto(f"/doc/{SEED_ID}")
    page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("跳到正文")
    expect(focused).to_be_in_viewport()
    assert focused.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"


def test_print_shows_the_document_only(page: Page) -> None:
    page.goto("/doc/news/2019/01?q=扶贫")
    page.emulate_media(media="print")
    for hidden in (".bar", ".foot", ".related", ".marks"):
        expect(page.locator(hidden)).to_be_hidden()
    expect(page.locator(".doc-body")).to_be_visible()


def test_phone_width_has_no_horizontal_scroll(
    browser: Browser, base_url: str, problems: list[str]
) -> None:
    context = open_context(browser, base_url, problems, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    pages = (
        "/",
        "/?q=张羽",
        "/?q=张羽飞机",
        f"/doc/{SEED_ID}?q=张羽",
        "/doc/xss",
        "/?q=张羽&page=x",
    )
    for url in pages:
        response = page.goto(url)
        assert response is not None
        if response.status == 400:  # the error page; Chromium logs the status as an error
            assert problems.pop() == FAILED_400
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], url
    context.close()


def test_works_without_javascript(browser: Browser, base_url: str, problems: list[str]) -> None:
    context = open_context(browser, base_url, problems, viewport=DESKTOP, java_script_enabled=False)
    page = context.new_page()
    page.goto("/")
    page.fill("#q", "张羽")
    page.keyboard.press("Enter")
    page.wait_for_url("**/?q=*")
    expect(page.locator(".hit")).to_have_count(10)
    page.locator(".facet a", has_text="人民日报").click()
    expect(page.locator(".hit .meta")).to_contain_text(["人民日报"] * (SPEECHES // 5))
    context.close()
