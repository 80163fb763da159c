"""The concordance page in Debian's Chromium against a real `speechsearch serve`: reached from
the results page, the term in one column, sorted by its neighbours, paged, a line leading to
its mark in the document, and a 375 px phone that never scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import test_browser
from playwright.sync_api import Browser, Page, expect
from test_browser import (  # noqa: F401 (fixtures)
    DESKTOP,
    DOCS,
    PHONE,
    base_url,
    browser,
    open_context,
    problems,
)

pytestmark = test_browser.pytestmark  # Chromium or a skip that says why

LINES = 24 * 2 + 6  # 张羽 in the news items of test_webui (twice each) and in the seed speech


@pytest.fixture
def desktop(browser: Browser, base_url: str, problems: list[str]) -> Iterator[Page]:  # noqa: F811
    context = open_context(browser, base_url, problems, viewport=DESKTOP)
    yield context.new_page()
    context.close()


def term_lefts(page: Page) -> set[float]:
    """Where each line's term starts on the screen, in CSS pixels."""
    return set(
        page.locator(".kw-term mark").evaluate_all(
            "els => els.map(e => Math.round(e.getBoundingClientRect().left))"
        )
    )


def test_from_results_to_the_concordance_and_a_line_to_its_mark(desktop: Page) -> None:
    page = desktop
    page.goto("/?q=张羽")
    page.locator(".results-study").get_by_role("link", name="语境").click()
    page.wait_for_url("**/kwic?q=*")
    expect(page.locator(".kwic-table tbody tr")).to_have_count(50)
    expect(page.locator(".count")).to_contain_text("出现在 25 篇文档中")
    assert len(term_lefts(page)) == 1  # one column, whatever the context's characters
    assert set(page.locator(".kw-term mark").all_inner_texts()) == {"张羽"}
    page.screenshot(path=str(DOCS / "screenshot-kwic.png"))

    line = page.locator(".kwic-table tbody tr").nth(3)
    left, right = line.locator(".kw-left").inner_text(), line.locator(".kw-right").inner_text()
    line.locator(".kw-term a").click()
    page.wait_for_url("**/doc/**#m*")
    target = page.locator(".doc-body mark:target")
    expect(target).to_have_text("张羽")
    expect(target).to_be_in_viewport()
    paragraph = target.locator("xpath=..").inner_text().replace("\n", " ")
    assert left.strip()[-4:] + "张羽" + right.strip()[:4] in paragraph


def test_sort_by_left_context_and_page_on(desktop: Page) -> None:
    page = desktop
    page.goto("/kwic?q=张羽")
    page.get_by_role("link", name="左邻").click()
    page.wait_for_url("**sort=left")
    lefts = page.locator("td.kw-left").evaluate_all("els => els.map(e => e.textContent)")
    assert lefts == sorted(lefts, key=lambda text: text[::-1])
    page.locator("a[rel=next]").click()
    page.wait_for_url("**page=2")
    expect(page.locator(".kwic-table tbody tr")).to_have_count(LINES - 50)
    expect(page.locator(".count")).to_contain_text(f"共 {LINES} 处")
    expect(page.locator(".sort [aria-current]")).to_have_text("左邻")


def test_phone_keeps_the_page_inside_the_screen(
    browser: Browser,  # noqa: F811
    base_url: str,  # noqa: F811
    problems: list[str],  # noqa: F811
) -> None:
    context = open_context(browser, base_url, problems, viewport=PHONE, is_mobile=True)
    phone = context.new_page()
    for url in ("/kwic?q=张羽", "/kwic?q=张羽&sort=right&width=100", "/kwic"):
        phone.goto(url)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    phone.goto("/kwic?q=张羽")
    assert len(term_lefts(phone)) == 1
    box = phone.locator(".kw-term mark").first.bounding_box()
    assert box and box["x"] > 0 and box["x"] + box["width"] < PHONE["width"]
    phone.screenshot(path=str(DOCS / "screenshot-kwic-phone.png"))
    context.close()
