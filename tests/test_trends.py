"""Trends over time on a small corpus whose dates the test writes: the counts per period are
the matching items of that period (undated apart), shares are of each period's items, the
filters and the query limit hold; the same through the API, the page and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import index_records
from flask.testing import FlaskClient
from test_webui import api, make_app, page

from indexer import SearchIndex, SearchRequest, Settings
from indexer.errors import QueryError, UsageError
from indexer.limits import MAX_TREND_QUERIES
from indexer.periods import Timeline
from indexer.trends import trend

# Our own sentences: tree planting, a library (and a decoy holding 图书 and 书馆 apart, which
# the grams of 图书馆 find but the text does not hold), and market news that matches neither.
TREES = "居民在公园里植树，志愿者搬来树苗。"
LIBRARY = "社区图书馆开放了新的阅览室，孩子们在这里读书。"
DECOY = "他买了新图书，街角的老书馆关门了。"
MARKET = "菜市场的蔬菜价格平稳，居民买菜方便。"
# (date, source, body): months with matches, a month with items but none, undated items.
ITEMS = [
    ("2021-01-05", "甲报", TREES),
    ("2021-01-20", "甲报", TREES + LIBRARY),
    ("2021-01-28", "乙台", MARKET),
    ("2021-02-10", "乙台", DECOY),
    ("2021-02-11", "甲报", MARKET),
    ("2021-03-02", "乙台", TREES),
    ("2021-03-15", "甲报", LIBRARY),
    ("2021-03-16", "甲报", DECOY + MARKET),
    ("2021-12-31", "乙台", LIBRARY),
    ("2022-07-01", "甲报", TREES),
    ("2022-07-09", "乙台", LIBRARY + MARKET),
    (None, "甲报", TREES),
    (None, "乙台", MARKET),
]


def records() -> list[dict[str, Any]]:
    return [
        {"id": f"item-{n:02d}", "title": f"本地新闻第{n}号", "body": body, "source": source}
        | ({"date": date} if date else {})
        for n, (date, source, body) in enumerate(ITEMS)
    ]


def expected(word: str, key: int = 7, source: str | None = None) -> tuple[Counter, int]:
    """Matching items per period (date[:key]) counted from the records, and undated ones."""
    chosen = [(d, b) for d, s, b in ITEMS if word in b and source in (None, s)]
    return Counter(d[:key] for d, _ in chosen if d), sum(d is None for d, _ in chosen)


def by_period(result: dict[str, Any], series: int = 0) -> dict[str, int]:
    """{period: count} of one series, periods without matches left out."""
    counts = result["series"][series]["counts"]
    return {p["period"]: c for p, c in zip(result["periods"], counts, strict=True) if c}


@pytest.fixture(scope="module")
def trend_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("trends")
    settings = index_records(folder, records())
    return settings.index_dir


@pytest.fixture(scope="module")
def index(trend_index: Path) -> SearchIndex:
    return SearchIndex(Settings.from_env(index_dir=trend_index))


@pytest.fixture(scope="module")
def client(trend_index: Path, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return make_app(trend_index, tmp_path_factory.mktemp("instance")).test_client()


def test_counts_per_month_are_the_matching_items_of_each_month(index: SearchIndex) -> None:
    result = trend(index, ["植树", "图书馆"], SearchRequest(q="植树"))
    assert result["period"] == "month"  # 19 months: by month
    assert [p["period"] for p in result["periods"]][:3] == ["2021-01", "2021-02", "2021-03"]
    assert result["periods"][-1]["period"] == "2022-07" and len(result["periods"]) == 19
    for at, word in enumerate(["植树", "图书馆"]):
        counts, undated = expected(word)
        assert by_period(result, at) == dict(counts)
        series = result["series"][at]
        assert series["undated"] == undated
        assert series["total"] == sum(counts.values()) + undated
        assert series["total"] == index.search(SearchRequest(q=word))["total"]
        assert series["exact"]  # 图书馆's decoys were checked against the text and left out
    assert result["undated_items"] == 2


def test_each_period_has_its_items_and_the_share_of_them(index: SearchIndex) -> None:
    result = trend(index, ["植树"], SearchRequest(q="植树"))
    items = Counter(d[:7] for d, _, _ in ITEMS if d)
    assert {p["period"]: p["items"] for p in result["periods"] if p["items"]} == dict(items)
    january = result["periods"][0]
    assert (january["start"], january["end"]) == ("2021-01-01", "2021-01-31")
    assert result["periods"][1]["end"] == "2021-02-28"
    shares = result["series"][0]["shares"]
    assert shares[0] == round(2 / 3, 6)  # two of January's three items plant trees
    assert shares[1] == 0.0  # February has items, none about trees
    assert shares[4] is None  # May 2021 has no items at all


def test_by_year_on_request(index: SearchIndex) -> None:
    result = trend(index, ["植树", "图书馆"], SearchRequest(q="植树"), "year")
    assert result["period"] == "year"
    assert [p["period"] for p in result["periods"]] == ["2021", "2022"]
    assert result["periods"][0]["items"] == 9
    assert by_period(result, 1) == dict(expected("图书馆", key=4)[0])


def test_long_spans_default_to_years() -> None:
    def days(*dates: int) -> np.ndarray:
        return np.array(dates, dtype=np.int64)

    assert Timeline.of(days(20100105, 20150105, 0), None).period == "month"  # 60 months
    long = Timeline.of(days(20100105, 20150205, 0), None)
    assert long.period == "year" and long.items.tolist() == [1, 0, 0, 0, 0, 1]
    assert long.undated == 1
    assert Timeline.of(days(20100105, 20150205), "month").items.sum() == 2


def test_filters_narrow_the_counts_and_the_items_alike(index: SearchIndex) -> None:
    asked = SearchRequest(q="植树", source="甲报", date_from="2021-01-10", date_to="2022-12-31")
    result = trend(index, ["植树"], asked)
    assert by_period(result) == {"2021-01": 1, "2022-07": 1}
    assert result["series"][0]["undated"] == 0  # a date filter leaves undated items out
    assert result["periods"][0]["start"] == "2021-01-10"  # clipped to the filter
    assert result["periods"][0]["items"] == 1  # 甲报's items of January after the 10th
    assert result["filters"]["source"] == "甲报"
    plain = trend(index, ["植树"], SearchRequest(q="植树", source="甲报"))
    assert by_period(plain) == dict(expected("植树", source="甲报")[0])
    assert plain["series"][0]["undated"] == 1


def test_queries_are_limited_and_blank_ones_dropped(index: SearchIndex) -> None:
    five = trend(index, ["植树", "", "图书馆", "读书", "蔬菜", "树苗"], SearchRequest(q="植树"))
    assert len(five["series"]) == MAX_TREND_QUERIES and five["queries"][1] == "图书馆"
    with pytest.raises(QueryError, match="too many queries"):
        trend(index, ["植树", "图书馆", "读书", "蔬菜", "树苗", "居民"], SearchRequest(q="植树"))
    with pytest.raises(QueryError, match="empty query"):
        trend(index, [" ", ""], SearchRequest(q=" "))
    with pytest.raises(QueryError, match="unknown period"):
        trend(index, ["植树"], SearchRequest(q="植树"), "week")


def test_the_search_sparkline_counts_what_the_search_found(index: SearchIndex) -> None:
    found = index.search(SearchRequest(q="植树", sparkline=True))
    line = found["sparkline"]
    assert line is not None and (line["first"], line["last"]) == ("2021-01", "2022-07")
    assert line["counts"] == trend(index, ["植树"], SearchRequest(q="植树"))["series"][0]["counts"]
    assert line["undated"] == 1
    assert index.search(SearchRequest(q="植树"))["sparkline"] is None  # not asked for


# -- web ------------------------------------------------------------------------------------


def test_api_trends_is_the_core_trend_with_cooccurring_words(
    client: FlaskClient, index: SearchIndex
) -> None:
    answer = api(client, "/api/trends?q=植树&q=图书馆&period=year")
    core = trend(index, ["植树", "图书馆"], SearchRequest(q="植树"), "year")
    assert answer["series"] == core["series"] and answer["periods"] == core["periods"]
    assert answer["cooccur"]["query"] == "植树"
    assert "树苗" in [w["word"] for w in answer["cooccur"]["words"]]


def test_api_cooccur_answers_one_query(client: FlaskClient) -> None:
    answer = api(client, "/api/cooccur?q=图书馆")
    assert answer["items"] == 4 and answer["exact"]
    assert "阅览室" in [w["word"] for w in answer["words"]]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("q=植树&period=week", "unknown period"),
        ("q=植树&show=pie", "unknown show"),
        ("q=", "empty query"),
        ("q=植树&from=2021-13-01", "bad date"),
        ("&".join(f"q=词{n}" for n in range(6)), "too many queries"),
    ],
)
def test_bad_input_is_a_400_with_the_reason(client: FlaskClient, query: str, reason: str) -> None:
    assert reason in api(client, f"/api/trends?{query}", status=400)["error"]
    assert reason in page(client, f"/trends?{query}", status=400)


def test_the_page_draws_the_chart_and_the_same_numbers_in_a_table(client: FlaskClient) -> None:
    text = page(client, "/trends?q=植树&q=图书馆&show=count")
    assert '<svg viewBox="0 0 480 250"' in text and 'width="100%"' in text
    assert "<title>2021-01 · 植树：2 条</title>" in text
    assert '<a href="/?q=%E6%A4%8D%E6%A0%91&amp;from=2021-01-01&amp;to=2021-01-31">' in text
    assert "<caption>" in text and '<th scope="col">图书馆</th>' in text
    assert '<th scope="row">2021-03</th>' in text
    assert "其中 1 条没有日期" in text  # 植树's undated item, said apart
    assert "树苗" in text and "/?q=%E6%A4%8D%E6%A0%91+%E6%A0%91%E8%8B%97" in text  # 植树 树苗


def test_the_results_page_shows_a_sparkline_linking_to_the_trend(client: FlaskClient) -> None:
    text = page(client, "/?q=植树&source=甲报")
    assert 'class="spark" href="/trends?q=%E6%A4%8D%E6%A0%91&amp;source=%E7%94%B2%E6%8A%A5"' in text
    assert api(client, "/api/search?q=植树")["sparkline"]["counts"][0] == 2


def test_the_sparkline_setting_turns_it_off(
    trend_index: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    instance = tmp_path_factory.mktemp("instance")
    off = make_app(trend_index, instance, SPARKLINE=False).test_client()
    assert api(off, "/api/search?q=植树")["sparkline"] is None
    assert 'class="spark"' not in page(off, "/?q=植树")
    with pytest.raises(UsageError, match="SPARKLINE"):
        make_app(trend_index, instance, SPARKLINE="yes")


# -- CLI ------------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_trend_prints_bars_and_json(trend_index: Path) -> None:
    done = run("trend", "--index", str(trend_index), "--period", "year", "植树", "图书馆")
    assert done.returncode == 0, done.stderr
    assert "植树: 5 items, by year" in done.stdout
    assert "undated: 1 items" in done.stdout and "█" in done.stdout
    done = run("trend", "--index", str(trend_index), "--json", "植树")
    assert json.loads(done.stdout)["series"][0]["total"] == 5
    done = run("trend", "--index", str(trend_index), *[f"词{n}" for n in range(6)])
    assert done.returncode == 2 and "too many queries" in done.stderr


def test_cli_cooccur_lists_words(trend_index: Path) -> None:
    done = run("cooccur", "--index", str(trend_index), "植树")
    assert done.returncode == 0, done.stderr
    assert "树苗" in done.stdout
    done = run("cooccur", "--index", str(trend_index), "--json", "植树")
    assert json.loads(done.stdout)["items"] == 5
