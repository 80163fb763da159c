"""Bounded cost for hostile queries and big documents: limits with clear messages, lone
characters read by their most frequent pairs, a time budget, a health check that never waits
behind a search."""

from __future__ import annotations

import threading
import time

import pytest
from conftest import write_jsonl

from indexer import SearchIndex, SearchRequest, Settings, sync
from indexer import plan as planning
from indexer.errors import QueryError
from indexer.limits import MAX_PAGE_MARKS

FREQUENT = "的是在和有他不我了人这中大为上个国到说们以要就时来用"


@pytest.fixture(scope="module")
def cost_index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    """Items in which 的 starts many different pairs, and one very long item."""
    folder = tmp_path_factory.mktemp("cost")
    tails = "一二三四五六七八九十天地人和月日水火木金土山川"
    records = [
        {
            "id": f"de-{n}",
            "title": f"第{n}篇",
            "body": f"我们的{tails[n % len(tails)]}作品，的{tails[(n * 7) % len(tails)]}确",
        }
        for n in range(60)
    ]
    records.append({"id": "plain", "title": "无关", "body": "这里没有那个字。"})
    records.append(
        {"id": "long", "title": "长文", "body": ("天然气管道的建设，华为公司的发展。\n" * 20_000)}
    )
    write_jsonl(folder / "c.jsonl", records)
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [folder / "c.jsonl"])
    return SearchIndex(settings)


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (" ".join(f"-{c}" for c in FREQUENT), "exclusions"),
        (" OR ".join(FREQUENT * 2), "alternatives"),
        (" ".join(f"词{c}" for c in FREQUENT * 3), "terms"),
    ],
)
def test_queries_past_the_limits_are_refused_with_the_reason(cost_index, query, reason):
    assert len(query) <= 256
    with pytest.raises(QueryError, match=f"more than \\d+ {reason}"):
        cost_index.search(SearchRequest(q=query))


def test_limits_leave_ordinary_queries_alone(cost_index):
    ordinary = "天然气 OR 华为 -作品 -确"
    assert cost_index.search(SearchRequest(q=ordinary))["total"] == 1


def test_a_lone_character_is_searched_by_its_most_frequent_pairs(cost_index, monkeypatch):
    full = cost_index.search(SearchRequest(q="的", size=100))
    assert full["total"] == 61 and full["total_exact"]  # all 60 + the long item
    monkeypatch.setattr(planning, "LONE_TERMS", 3)
    capped = cost_index.search(SearchRequest(q="的", size=100))
    assert not capped["total_exact"]  # an estimate: the page says 约
    assert 0 < capped["total"] < 61
    assert {h["id"] for h in capped["hits"]} <= {h["id"] for h in full["hits"]}
    assert "plain" not in {h["id"] for h in capped["hits"]}


def test_a_spent_time_budget_gives_what_was_found_marked_partial(cost_index):
    query = "我们 的 作品 OR 天然气"
    result = cost_index.search(SearchRequest(q=query, size=100, budget_ms=0))
    assert result["partial"] and not result["total_exact"]
    assert any("partial" in n for n in result["notices"])
    whole = cost_index.search(SearchRequest(q=query, size=100))
    assert not whole["partial"] and whole["total"] == 61
    assert {h["id"] for h in result["hits"]} <= {h["id"] for h in whole["hits"]}  # all checked


def test_health_answers_while_a_search_holds_the_index(cost_index):
    cost_index.health()  # opened
    held = threading.Event()
    release = threading.Event()

    def busy() -> None:
        with cost_index._lock:  # what a long search holds
            held.set()
            release.wait(10)

    worker = threading.Thread(target=busy)
    worker.start()
    try:
        held.wait(5)
        began = time.monotonic()
        health = cost_index.health()
        waited = time.monotonic() - began
    finally:
        release.set()
        worker.join()
    assert health["status"] == "ok" and health["documents"] == 62
    assert waited < 5  # did not wait for the search (generous: not a timing test)


def test_a_very_long_item_is_found_marked_and_shown(cost_index):
    result = cost_index.search(SearchRequest(q="华为"))
    assert [h["id"] for h in result["hits"]] == ["long"]
    assert "<mark>华为</mark>" in result["hits"][0]["passages"][0]
    page = cost_index.document("long", q="的")
    assert page["marks"] == 40_000
    assert page["marks_shown"] == MAX_PAGE_MARKS  # the page says it marked only these
    assert "".join(page["paragraphs_html"]).count("<mark") == MAX_PAGE_MARKS
    assert len(page["paragraphs_html"]) == 20_000
    assert page["keywords"]  # from the head of the item
    straddles = cost_index.document("long", q="气管")
    assert straddles["marks"] == 20_000  # every one checked up to the cap, the rest as words
    assert 0 < straddles["straddles"] < 20_000


def test_a_query_of_many_lone_characters_stops_expanding_when_its_budget_is_spent(cost_index):
    query = " OR ".join("的我们作品确天然气管道华为公司发展")
    whole = cost_index.search(SearchRequest(q=query, size=100))
    assert not whole["partial"]
    spent = cost_index.search(SearchRequest(q=query, size=100, budget_ms=0))
    assert spent["partial"] and not spent["total_exact"]
    assert {h["id"] for h in spent["hits"]} <= {h["id"] for h in whole["hits"]}
