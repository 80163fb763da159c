"""In Debian's Chromium against a real server: the trend page's chart and table on a desktop
and a 375 px phone (the chart inside the viewport), a bar that searches its period, the
switches, and the sparkline beside a search total; screenshots for the README."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import test_browser
from conftest import index_records
from playwright.sync_api import Browser, Page, expect
from test_browser import (  # noqa: F401 (fixtures)
    DESKTOP,
    DOCS,
    PHONE,
    browser,
    open_context,
    problems,
)
from test_cooccur import OTHER, TREE
from test_webui import serving

pytestmark = test_browser.pytestmark  # Chromium or a skip that says why

YEARS = range(2021, 2025)
PER_MONTH = 10
LIBRARY = OTHER[2]


def monthly_records() -> list[dict[str, Any]]:
    """Ten items a month over four years: tree planting peaks each spring, the library grows
    year by year, market and transport news fill the rest; one undated item."""
    records = []
    for year in YEARS:
        for month in range(1, 13):
            trees = 4 if month in (3, 4) else 1
            libraries = 1 + year - YEARS[0]
            for n in range(PER_MONTH):
                if n < trees:
                    body = TREE
                elif n < trees + libraries:
                    body = LIBRARY
                else:
                    body = OTHER[n % 2]
                records.append(
                    {
                        "id": f"{year}-{month:02d}-{n}",
                        "title": f"街区简讯{year}年{month}月第{n}条",
                        "body": body.format(n=n),
                        "date": f"{year}-{month:02d}-{n + 1:02d}",
                        "source": "街区报",
                    }
                )
    records.append({"id": "undated", "title": "街区简讯", "body": TREE.format(n=0)})
    return records


@pytest.fixture(scope="module")
def trends_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-trends")
    settings = index_records(folder, monthly_records())
    with serving(settings.index_dir) as base:
        yield base


@pytest.fixture
def page(browser: Browser, trends_url: str, problems: list[str]) -> Iterator[Page]:  # noqa: F811
    context = open_context(browser, trends_url, problems, viewport=DESKTOP)
    yield context.new_page()
    context.close()


def chart_fits(page: Page, width: int) -> None:
    box = page.locator(".chart svg").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_chart_and_table_on_a_desktop(page: Page) -> None:
    page.goto("/trends?q=植树&q=图书馆")
    expect(page.locator("h1")).to_contain_text("植树")
    chart = page.locator(".chart svg")
    expect(chart).to_be_visible()
    chart_fits(page, DESKTOP["width"])
    bars = chart.locator("rect.bar")
    expect(bars).to_have_count(2 * 12 * len(YEARS))  # every month has both
    march = chart.locator("a[href*='from=2022-03-01'] rect.s0 title")
    expect(march).to_have_text("2022-03 · 植树：4 条，占当期 40.0%")
    table = page.locator("table.trend-table")
    expect(table.locator("caption")).to_contain_text("每月的匹配条数与占比")
    expect(table.locator("th[scope=col]")).to_have_text(["时期", "全部条目", "植树", "图书馆"])
    expect(table.locator("tbody tr")).to_have_count(12 * len(YEARS))
    row = table.locator("tr", has=page.locator("th[scope=row]", has_text="2024-04"))
    expect(row.locator("td")).to_have_text(["10", "4 40.0%", "4 40.0%"])
    expect(page.locator(".legend")).to_contain_text("其中 1 条没有日期")
    expect(page.locator(".cooccur li").first).to_be_visible()
    page.screenshot(path=str(DOCS / "screenshot-trends.png"), full_page=True)


def test_clicking_a_bar_searches_its_period(page: Page) -> None:
    page.goto("/trends?q=植树&q=图书馆")
    page.locator(".chart a[href*='from=2023-04-01']").first.click()
    page.wait_for_url("**/?q=*from=2023-04-01&to=2023-04-30")
    expect(page.locator(".count")).to_contain_text("共 4 条结果")  # April plants trees
    dates = page.locator(".hit time").evaluate_all("els => els.map(e => e.dateTime)")
    assert dates and all(d.startswith("2023-04-") for d in dates)


def test_switches_and_cooccurring_words(page: Page) -> None:
    page.goto("/trends?q=植树")
    page.locator(".trend-switch a", has_text="年").click()
    page.wait_for_url("**period=year")
    expect(page.locator("table.trend-table tbody tr")).to_have_count(len(YEARS))
    page.locator(".trend-switch a", has_text="条数").click()
    page.wait_for_url("**show=count")
    expect(page.locator(".chart svg text.axis").first).to_have_text("0")
    page.locator(".cooccur a", has_text="树苗").click()
    page.wait_for_url("**/?q=*")
    expect(page.locator("#q")).to_have_value("植树 树苗")


def test_sparkline_beside_the_total_leads_to_the_trend(page: Page) -> None:
    page.goto("/?q=图书馆")
    spark = page.locator(".count a.spark")
    expect(spark.locator("svg rect")).to_have_count(12 * len(YEARS))
    spark.click()
    page.wait_for_url("**/trends?q=*")
    expect(page.locator(".chart svg")).to_be_visible()


def test_phone_shows_the_whole_chart(
    browser: Browser,  # noqa: F811
    trends_url: str,
    problems: list[str],  # noqa: F811
) -> None:
    context = open_context(browser, trends_url, problems, viewport=PHONE, is_mobile=True)
    page = context.new_page()
    page.goto("/trends?q=植树&q=图书馆&period=year")
    expect(page.locator(".chart svg")).to_be_visible()
    chart_fits(page, PHONE["width"])
    page.screenshot(path=str(DOCS / "screenshot-trends-phone.png"))
    page.goto("/trends?q=植树&q=图书馆")  # 48 months: the table scrolls inside its box
    chart_fits(page, PHONE["width"])
    page.goto("/?q=植树")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
