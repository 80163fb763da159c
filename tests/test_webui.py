"""Every route, bad input, escape, header and setting over a real index, and `serve`."""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from click.testing import CliRunner
from conftest import SEED_CORPUS, SEED_ID, write_jsonl
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from indexer import SearchIndex, SearchRequest, Settings, sync
from indexer.errors import UsageError
from webui import SECURITY_HEADERS, create_app
from webui.serve import serve

SOURCES = ("新华社", "人民日报", "央视新闻", "中国新闻网", "澎湃新闻")
TOPICS = (
    ("互联网公益", "公益"),
    ("信息扶贫", "扶贫"),
    ("寻找失踪人口", "公益"),
    ("乡村振兴", "经济"),
    ("数字经济", "经济"),
    ("人工智能", "科技"),
    ("文旅扶贫", "扶贫"),
    ("网络安全", "科技"),
    ("儿童阅读", "公益"),
    ("助农直播", "经济"),
)
CITIES = ("乌镇", "北京", "杭州", "成都", "西安", "深圳", "贵阳", "武汉")
XSS_BODY = "<script>alert(1)</script>"
XSS_QUERY = '"><img src=x onerror=alert(1)>'
ODD_ID = "https://news.example.cn/2020/03//编号 测试?版本=1#全文"
NEWS_COUNT = 30
SPEECHES = 24  # news items that quote 张羽; with the seed speech: 25 hits, 3 pages of 10


def news_records() -> list[dict[str, Any]]:
    """30 dated news items (5 sources, 6 years, most quote 张羽), a hostile one, an odd id."""
    records = []
    for n in range(NEWS_COUNT):
        topic, category = TOPICS[n % len(TOPICS)]
        city = CITIES[n % len(CITIES)]
        year = 2018 + n % 6
        quoted = n < SPEECHES
        speaker = "字节跳动副总裁张羽" if quoted else "与会代表"
        records.append(
            {
                "id": f"news/{year}/{n:02d}",
                "title": f"{city}{topic}论坛举行，{'张羽谈' if quoted else '代表谈'}{topic}新路径",
                "body": "\n".join(
                    [
                        f"{year}年，{topic}论坛在{city}举行，各地代表围绕{topic}展开讨论。",
                        f"{speaker}出席论坛并发表演讲，介绍了在{topic}方面的探索。",
                        f"{speaker}表示，{topic}需要技术、平台和社会各方共同参与。",
                        f"论坛期间还发布了{city}{topic}案例集，收录了{n + 3}个项目。",
                    ]
                ),
                "date": f"{year}-{n * 5 % 12 + 1:02d}-{n * 11 % 28 + 1:02d}",
                "source": SOURCES[n % len(SOURCES)],
                "category": category,
                "url": f"https://news.example.cn/{year}/{n:02d}.html",
                "作者": f"记者{n}号",
            }
        )
    records.append(
        {
            "id": "xss",
            "title": f"脚本注入测试 {XSS_BODY}",
            "body": f"这篇文档的正文含有脚本注入 {XSS_BODY} 字样。\n还有 {XSS_QUERY} 这样的标签。",
            "date": "2021-06-01",
            "source": "<b>测试来源</b>",
            "url": "javascript:alert(1)",
            "备注": "<i>佚名</i>",
        }
    )
    records.append({"id": ODD_ID, "title": "编号测试", "body": "这篇文档用来检验奇特的编号。"})
    return records


def build_web_index(folder: Path) -> Path:
    """News plus the seed speech alone (corpus/ grows; counts must not), really indexed."""
    corpus = write_jsonl(folder / "corpus" / "news.jsonl", news_records())
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [corpus, SEED_CORPUS / f"{SEED_ID}.txt"])
    return settings.index_dir


def make_app(index_dir: Path, instance: Path, **config: Any) -> Flask:
    """A test app over index_dir whose instance folder is a temp folder (no stray config.py)."""
    return create_app(
        {"TESTING": True, "INDEX_DIR": str(index_dir), **config}, instance_path=str(instance)
    )


@contextlib.contextmanager
def serving(index_dir: Path, *extra: str) -> Iterator[str]:
    """`speechsearch serve` in a subprocess on a free port; yields its base URL."""
    command = [sys.executable, "-m", "indexer", "serve", "--index", str(index_dir), "--port", "0"]
    with subprocess.Popen(
        [*command, *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            match = re.search(r"http://127\.0\.0\.1:\d+/", line)
            assert match, f"no address printed: {line!r} {process.stderr.read()!r}"
            yield match.group(0)
        finally:
            process.terminate()
            process.communicate(timeout=10)


@pytest.fixture(scope="module")
def web_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_web_index(tmp_path_factory.mktemp("web"))


@pytest.fixture(scope="module")
def app(web_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return make_app(web_index, tmp_path_factory.mktemp("instance"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def fetch(client: FlaskClient, url: str) -> TestResponse:
    """A GET whose body is read and whose file (a static asset) is closed."""
    with client.get(url) as response:
        response.get_data()
        return response


def page(client: FlaskClient, url: str, status: int = 200) -> str:
    response = fetch(client, url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return response.get_data(as_text=True)


def api(client: FlaskClient, url: str, status: int = 200) -> dict[str, Any]:
    response = fetch(client, url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def links(text: str, pattern: str, decode: bool = True) -> list[str]:
    """The hrefs of a page that match pattern, as a reader sees them (or as sent)."""
    hrefs = [html.unescape(h) for h in re.findall(r'href="([^"]*)"', text)]
    return [unquote(h) if decode else h for h in hrefs if re.search(pattern, unquote(h))]


# -- home -----------------------------------------------------------------------------------


def test_home_is_a_calm_search_page_with_count_and_syntax(client: FlaskClient) -> None:
    text = page(client, "/")
    assert '<html lang="zh-CN">' in text
    assert re.search(r'<input id="q" name="q" type="search" value=""[^>]*autofocus', text)
    assert f"<strong>{NEWS_COUNT + 3}</strong> 篇" in text
    for syntax in ('"互联网公益"', " OR ", "-慈善", "title:", "source:", "date:[2020-01-01 TO"):
        assert syntax in html.unescape(text)
    assert '<script src="/static/app.js" defer></script>' in text
    assert 'rel="icon" href="/static/favicon.svg"' in text
    assert "<mark" not in text


def test_blank_query_shows_the_home_page(client: FlaskClient) -> None:
    assert "篇新闻与讲话中查找" in page(client, "/?q=++&sort=date")


# -- results --------------------------------------------------------------------------------


def test_results_mark_matches_and_keep_the_query(client: FlaskClient) -> None:
    text = page(client, "/?q=张羽")
    assert "共 <strong>25</strong> 条结果，第 1 / 3 页" in text
    assert re.search(r"用时 \d+(\.\d)? 毫秒", text)
    assert text.count('<li class="hit" value=') == 10
    assert "<mark>张羽</mark>" in text
    assert 'value="张羽"' in text
    assert "<title>张羽 - 搜索结果 · 新闻讲话检索</title>" in text
    doc_links = links(text, r"^/doc/")
    assert len(doc_links) == 10 and all(link.endswith("?q=张羽") for link in doc_links)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\d">\d{4}年\d{1,2}月\d{1,2}日</time>', text)


def test_pagination_links_are_shareable(client: FlaskClient) -> None:
    first = page(client, "/?q=张羽")
    assert links(first, r"page=2") == ["/?q=张羽&page=2", "/?q=张羽&page=2"]  # number and next
    second = page(client, "/?q=张羽&page=2")
    assert "第 2 / 3 页" in second
    assert '<span class="current" aria-current="page">2</span>' in second
    assert links(second, r"^/\?q=张羽$") == ["/?q=张羽"] * 2  # previous and page 1
    ids = {h["id"] for p in (1, 2, 3) for h in api(client, f"/api/search?q=张羽&page={p}")["hits"]}
    assert len(ids) == 25


def test_sort_by_date_orders_newest_first(client: FlaskClient) -> None:
    result = api(client, "/api/search?q=张羽&sort=date&size=50")
    dates = [h["date"] for h in result["hits"] if h["date"]]
    assert len(dates) == SPEECHES and dates == sorted(dates, reverse=True)
    text = page(client, "/?q=张羽&sort=date")
    assert '<span class="sort-option" aria-current="true">时间</span>' in text
    assert links(text, r"page=2")[0] == "/?q=张羽&sort=date&page=2"
    assert '<a class="sort-option" href="/?q=%E5%BC%A0%E7%BE%BD">相关度</a>' in text


def test_sort_by_date_puts_undated_documents_last(client: FlaskClient) -> None:
    hits = api(client, "/api/search?q=张羽&sort=date&size=50")["hits"]
    dates = [h["date"] for h in hits]
    assert None in dates and dates[: dates.index(None)] == [d for d in dates if d]
    assert {h["score"] for h in hits} == {None}, "a date sort has no relevance score to show"


def test_date_filter_and_year_facet(client: FlaskClient) -> None:
    result = api(client, "/api/search?q=张羽&from=2019-01-01&to=2020-12-31&size=50")
    assert result["total"] > 0
    assert all("2019-01-01" <= h["date"] <= "2020-12-31" for h in result["hits"])
    assert result["filters"] == {"from": "2019-01-01", "to": "2020-12-31"} | {
        "source": None,
        "category": None,
    }
    years = api(client, "/api/search?q=张羽")["facets"]["year"]
    assert [y["value"] for y in years] == ["2023", "2022", "2021", "2020", "2019", "2018"]
    text = page(client, "/?q=张羽")
    assert "/?q=张羽&from=2020-01-01&to=2020-12-31" in links(text, "from=2020")
    filtered = page(client, "/?q=张羽&from=2020-01-01&to=2020-12-31")
    assert "日期：2020-01-01 至 2020-12-31" in filtered
    assert '<input type="date" name="from" value="2020-01-01">' in filtered
    assert '<input type="hidden" name="from" value="2020-01-01">' in filtered  # kept on re-search
    count = next(y["count"] for y in years if y["value"] == "2020")
    assert f"共 <strong>{count}</strong> 条结果" in filtered


def test_source_facet_filters_by_source(client: FlaskClient) -> None:
    facets = api(client, "/api/search?q=张羽")["facets"]["source"]
    assert {f["value"] for f in facets} == set(SOURCES)
    assert sum(f["count"] for f in facets) == SPEECHES
    text = page(client, "/?q=张羽")
    for facet in facets:
        assert f'{facet["value"]}<span class="n">{facet["count"]}</span>' in text
    assert "/?q=张羽&source=人民日报" in links(text, "source=")
    result = api(client, "/api/search?q=张羽&source=人民日报&size=50")
    assert {h["source"] for h in result["hits"]} == {"人民日报"}
    wanted = next(f["count"] for f in facets if f["value"] == "人民日报")
    assert result["total"] == wanted
    assert "来源：人民日报" in page(client, "/?q=张羽&source=人民日报")


def test_no_results_offers_suggestions_and_syntax(client: FlaskClient) -> None:
    text = page(client, "/?q=张羽飞机")
    assert "没有找到与「张羽飞机」相符的文档" in text
    assert "/?q=张羽" in links(text, r"^/\?q=")
    assert "搜索语法" in text and "date:[2020-01-01 TO 2020-12-31]" in text
    filtered = page(client, "/?q=张羽飞机&source=新华社")
    assert "去掉筛选再搜一次" in filtered


def test_malformed_query_shows_the_core_notice(client: FlaskClient) -> None:
    text = page(client, '/?q="张羽')
    assert '<p class="notice" role="status">查询语法有误' in text
    assert "<mark>张羽</mark>" in text


def test_api_search_is_the_core_result(client: FlaskClient, web_index: Path) -> None:
    core = SearchIndex(Settings.from_env(index_dir=web_index)).search(
        SearchRequest(
            q="张羽 论坛", page=2, size=5, sort="date", date_from="2018-06-01", sparkline=True
        )
    )
    result = api(client, "/api/search?q=张羽+论坛&page=2&size=5&sort=date&from=2018-06-01")
    assert result.keys() == core.keys()
    assert {k: v for k, v in result.items() if k != "elapsed_ms"} == {
        k: v for k, v in core.items() if k != "elapsed_ms"
    }


def test_api_json_is_utf8_not_escaped(client: FlaskClient) -> None:
    response = fetch(client, "/api/search?q=张羽")
    assert response.content_type == "application/json; charset=utf-8"
    assert "张羽".encode() in response.data and b"\\u" not in response.data


# -- documents ------------------------------------------------------------------------------


def test_document_page_marks_every_match(client: FlaskClient) -> None:
    text = page(client, f"/doc/{SEED_ID}?q=张羽")
    marks = re.findall(r'<mark id="m(\d+)">([^<]*)</mark>', text)
    assert marks and marks[0][0] == "1"
    assert {m[1] for m in marks} <= {"张羽", "张 羽"}
    assert [int(m[0]) for m in marks] == list(range(1, len(marks) + 1))
    assert f"有 <strong>{len(marks)}</strong> 处匹配" in text
    assert '<a href="#m1">跳到第一处</a>' in text
    assert "← 返回「张羽」的搜索结果" in text and "/?q=张羽" in links(text, r"^/\?q=")
    assert "相关文档" in text


def test_document_page_shows_metadata_and_safe_source_link(client: FlaskClient) -> None:
    text = page(client, "/doc/news/2019/01?q=扶贫")
    assert "2019年6月12日" in text and "人民日报" in text and "记者1号" in text
    assert (
        '<a class="source-link" href="https://news.example.cn/2019/01.html" '
        'rel="noopener noreferrer" target="_blank">原文链接</a>'
    ) in text
    result = api(client, "/api/doc/news/2019/01?q=扶贫")
    assert result["marks"] > 0
    assert result["metadata"] == {"作者": "记者1号"}
    assert result["related"] and all(r["id"] != "news/2019/01" for r in result["related"])
    for item in result["related"]:
        assert f'href="/doc/{item["id"]}"' in text


def test_document_without_query_has_no_marks(client: FlaskClient) -> None:
    text = page(client, f"/doc/{SEED_ID}")
    assert "<mark" not in text and "跳到第一处" not in text and "返回" not in text
    assert api(client, f"/api/doc/{SEED_ID}")["marks"] == 0


def test_document_query_without_match_says_so(client: FlaskClient) -> None:
    assert "本文正文里没有「飞机」的匹配" in page(client, f"/doc/{SEED_ID}?q=飞机")


def test_odd_document_id_round_trips(client: FlaskClient) -> None:
    text = page(client, "/?q=编号测试")
    (link,) = links(text, r"^/doc/", decode=False)
    result = api(client, link.replace("/doc/", "/api/doc/", 1))
    assert result["id"] == ODD_ID
    assert "编号测试" in page(client, link)


def test_unknown_document_is_a_chinese_404(client: FlaskClient) -> None:
    text = page(client, "/doc/no/such/doc", status=404)
    assert "没有编号为「no/such/doc」的文档" in text
    assert api(client, "/api/doc/no/such/doc", status=404) == {
        "error": "没有编号为「no/such/doc」的文档 (no such document)"
    }


@pytest.mark.parametrize(
    "doc_id",
    [
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "/etc/passwd",
        str(SEED_CORPUS / f"{SEED_ID}.txt"),
        "%2e%2e/pyproject.toml",
        f"{SEED_ID}.txt",
    ],
)
def test_document_ids_never_reach_the_file_system(client: FlaskClient, doc_id: str) -> None:
    for prefix in ("/doc/", "/api/doc/"):
        response = fetch(client, prefix + doc_id)
        assert response.status_code == 404
        assert b"root:" not in response.data and b"[project]" not in response.data
        assert "张羽".encode() not in response.data


def test_static_files_cannot_escape_their_folder(client: FlaskClient) -> None:
    for url in ("/static/../serve.py", "/static/..%2Fserve.py", "/static/%2e%2e/__init__.py"):
        response = fetch(client, url)
        assert response.status_code == 404
        assert b"waitress" not in response.data


# -- health and an unusable index -----------------------------------------------------------


def test_healthz_reports_the_live_index(client: FlaskClient) -> None:
    result = api(client, "/healthz")
    assert result["status"] == "ok"
    assert result["documents"] == NEWS_COUNT + 3
    assert result["generation"] == "gen-000001"
    assert result["last_update"] and result["last_run"]["added"] == NEWS_COUNT + 3


def _broken(tmp_path: Path, how: str) -> Path:
    index_dir = tmp_path / "index"
    if how == "damaged":
        index_dir.mkdir()
        (index_dir / "CURRENT").write_text("not a generation\n", encoding="utf-8")
    elif how == "vanished":
        index_dir.mkdir()
        (index_dir / "CURRENT").write_text("gen-000007\n", encoding="utf-8")
    return index_dir


@pytest.mark.parametrize("how", ["missing", "damaged", "vanished"])
def test_unusable_index_is_503_everywhere(
    tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture
) -> None:
    index_dir = _broken(tmp_path, how)
    client = make_app(index_dir, tmp_path / "instance").test_client()
    health = api(client, "/healthz", status=503)
    assert health["status"] == "error" and str(index_dir) in health["error"]
    for url in ("/", "/?q=张羽", f"/doc/{SEED_ID}"):
        text = page(client, url, status=503)
        assert "搜索暂时不可用" in text and str(tmp_path) not in text
    for url in ("/api/search?q=张羽", f"/api/doc/{SEED_ID}"):
        assert api(client, url, status=503) == {
            "error": "搜索索引暂时不可用，请稍后再试 (index unavailable)"
        }
    assert str(index_dir) in caplog.text


def test_a_reindex_is_picked_up_without_restart(tmp_path: Path, build_index) -> None:
    corpus = write_jsonl(tmp_path / "corpus" / "a.jsonl", news_records()[:3])
    settings = build_index(corpus)
    client = make_app(settings.index_dir, tmp_path / "instance").test_client()
    assert api(client, "/healthz")["documents"] == 3
    assert api(client, "/api/search?q=张羽")["total"] == 3
    write_jsonl(corpus, news_records()[:5])
    build_index(corpus)
    assert api(client, "/healthz")["documents"] == 5
    assert api(client, "/api/search?q=张羽")["total"] == 5


# -- bad input ------------------------------------------------------------------------------

BAD_INPUT = [
    ("q=" + "张" * 257, "查询太长"),
    ("q=", "请输入要搜索的词语"),
    ("q=张羽&page=0", "页码从 1 开始"),
    ("q=张羽&page=-1", "页码「-1」应是正整数"),
    ("q=张羽&page=abc", "页码「abc」应是正整数"),
    ("q=张羽&page=1.5", "页码「1.5」应是正整数"),
    ("q=张羽&page=" + "9" * 40, "应是正整数"),
    ("q=张羽&page=4", "第 4 页超出范围：共 3 页"),
    ("q=张羽&size=0", "每页条数应在 1 到 50 之间"),
    ("q=张羽&size=51", "每页条数应在 1 到 50 之间"),
    ("q=张羽&size=ten", "每页条数「ten」应是正整数"),
    ("q=张羽&sort=popular", "排序只能是 relevance（相关度）或 date（时间）"),
    ("q=张羽&from=2020-13-45", "起始日期「2020-13-45」看不懂"),
    ("q=张羽&to=yesterday", "结束日期「yesterday」看不懂"),
    ("q=张羽&from=2021-01-01&to=2020-01-01", "起始日期晚于结束日期"),
    ("q=张羽&source=不存在的来源", "没有来源为「不存在的来源」的文档"),
    ("q=张羽&category=不存在", "没有分类为「不存在」的文档"),
    ("q=张羽&source=" + "长" * 101, "来源的取值不对"),
    ("q=张羽&source=%00x", "来源的取值不对"),
    ("q=()", "查询里没有可以搜索的词语"),
]


@pytest.mark.parametrize(("query", "message"), BAD_INPUT)
def test_bad_input_is_a_clear_400(client: FlaskClient, query: str, message: str) -> None:
    if query != "q=":  # an empty q on the page is the home page, not an error
        text = page(client, "/?" + query, status=400)
        assert message in html.unescape(text)
        assert "查询有误" in text and "搜索语法" in text
    error = api(client, "/api/search?" + query, status=400)["error"]
    assert message in error


def test_empty_query_on_the_page_is_the_home_page_not_an_error(client: FlaskClient) -> None:
    assert "篇新闻与讲话中查找" in page(client, "/?q=")


def test_known_source_without_hits_is_not_an_error(client: FlaskClient) -> None:
    result = api(client, "/api/search?q=飞机&source=新华社")
    assert result["total"] == 0 and result["filters"]["source"] == "新华社"


def test_method_not_allowed_keeps_allow_header(client: FlaskClient) -> None:
    response = client.post("/api/search?q=张羽")
    assert response.status_code == 405
    assert response.get_json() == {"error": "不支持这种请求方式 (method not allowed)"}
    assert "GET" in response.headers["Allow"]


def test_unknown_page_is_a_chinese_404(client: FlaskClient) -> None:
    assert "找不到这个页面" in page(client, "/no-such-page", status=404)
    assert api(client, "/api/nothing", status=404) == {"error": "找不到这个页面 (not found)"}


def test_unexpected_errors_are_logged_not_shown(
    web_index: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(web_index, tmp_path)

    def explode() -> str:
        raise RuntimeError("secret detail /srv/private")

    app.add_url_rule("/boom", view_func=explode)
    app.add_url_rule("/api/boom", view_func=explode, endpoint="api_boom")
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        text = page(client, "/boom", status=500)
        assert api(client, "/api/boom", status=500) == {
            "error": "服务器出了点问题，请稍后再试 (internal error)"
        }
    assert "出错了" in text
    for leaked in ("secret detail", "Traceback", "RuntimeError"):
        assert leaked not in text
    assert "RuntimeError: secret detail" in caplog.text and "Traceback" in caplog.text
    assert fetch(client, "/boom").headers["X-Frame-Options"] == "DENY"


# -- escaping and headers -------------------------------------------------------------------


def test_hostile_document_renders_as_text(client: FlaskClient) -> None:
    for text in (page(client, "/?q=脚本注入"), page(client, "/doc/xss?q=脚本注入")):
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>测试" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "&lt;b&gt;测试来源&lt;/b&gt;" in text
        assert 'href="javascript:' not in text
    doc = page(client, "/doc/xss")
    assert "javascript:alert(1)" in doc and "&lt;i&gt;佚名&lt;/i&gt;" in doc
    result = api(client, "/api/doc/xss?q=脚本注入")
    assert result["title"] == f"脚本注入测试 {XSS_BODY}"
    assert "<script>" not in result["title_html"] + "".join(result["paragraphs_html"])
    hits = api(client, "/api/search?q=脚本注入")["hits"]
    assert "<script>" not in hits[0]["title_html"] + "".join(hits[0]["passages"])


def test_hostile_query_renders_as_text(client: FlaskClient) -> None:
    quoted = "/?q=" + urllib.request.quote(XSS_QUERY)
    text = page(client, quoted)
    assert "<img src=x" not in text and 'value=""><img' not in text
    assert 'value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;"' in text
    result = api(client, quoted.replace("/?", "/api/search?"))
    assert result["query"] == XSS_QUERY
    doc = page(client, "/doc/xss?q=" + urllib.request.quote(XSS_QUERY))
    assert "<img src=x" not in doc and "&lt;img src=x onerror=alert(1)&gt;" in doc
    for parameter in ("source", "from", "sort", "size", "page"):
        text = page(client, f"/?q=张羽&{parameter}=" + urllib.request.quote(XSS_QUERY), 400)
        assert "<img src=x" not in text


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/?q=张羽",
        "/?q=张羽&page=x",
        "/api/search?q=张羽",
        "/api/search?q=",
        f"/doc/{SEED_ID}",
        "/doc/missing",
        "/api/doc/missing",
        "/healthz",
        "/static/style.css",
        "/static/app.js",
        "/static/favicon.svg",
        "/no-such-page",
    ],
)
def test_security_headers_on_every_response(client: FlaskClient, url: str) -> None:
    response = fetch(client, url)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.status_code < 500


def test_pages_need_nothing_from_elsewhere(client: FlaskClient) -> None:
    """No CDN, no inline script or style (CSP), no outside link but a document's source."""
    for url in ("/", "/?q=张羽", "/?q=张羽飞机", f"/doc/{SEED_ID}?q=张羽", "/doc/missing"):
        text = fetch(client, url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=\"/static/)", text)
        assert "<style" not in text and not re.search(r"\s(?:style|on[a-z]+)=", text)
        assert not re.search(r'(?:src|href|action)="(?!/|#)', text), url
    assert (
        links(page(client, "/doc/news/2019/01"), r"^https?:")
        == ["https://news.example.cn/2019/01.html"] * 2
    )
    for name in ("style.css", "app.js"):
        asset = fetch(client, f"/static/{name}").get_data(as_text=True)
        assert "http" not in asset and "@import" not in asset and "url(" not in asset


def test_favicon_and_assets_are_served_locally(client: FlaskClient) -> None:
    assert fetch(client, "/static/favicon.svg").mimetype == "image/svg+xml"
    css = fetch(client, "/static/style.css").get_data(as_text=True)
    assert '"PingFang SC"' in css and '"Noto Sans CJK SC"' in css and '"Microsoft YaHei"' in css
    assert "@media print" in css and ":focus-visible" in css


# -- settings -------------------------------------------------------------------------------


def test_default_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SPEECHSEARCH_INDEX", raising=False)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["INDEX_DIR"] == str(tmp_path / "index")
    assert (app.config["PAGE_SIZE"], app.config["MAX_PAGE_SIZE"]) == (10, 50)
    assert (app.config["MAX_QUERY_CHARS"], app.config["RELATED"]) == (256, 5)
    assert app.debug is False


def test_settings_from_file_env_and_test_dict(
    web_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "config.py").write_text(
        f"INDEX_DIR = {str(web_index)!r}\nPAGE_SIZE = 3\nRELATED = 2\nDEBUG = True\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SPEECHSEARCH_MAX_PAGE_SIZE", "20")
    monkeypatch.setenv("SPEECHSEARCH_RELATED", "1")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["PAGE_SIZE"] == 3 and app.config["MAX_PAGE_SIZE"] == 20
    assert app.config["RELATED"] == 1 and app.debug is False
    client = app.test_client()
    assert len(api(client, "/api/search?q=张羽")["hits"]) == 3
    assert "应在 1 到 20 之间" in api(client, "/api/search?q=张羽&size=21", 400)["error"]
    assert len(api(client, f"/api/doc/{SEED_ID}")["related"]) == 1
    app = create_app({"PAGE_SIZE": 7}, instance_path=str(tmp_path))
    assert len(api(app.test_client(), "/api/search?q=张羽")["hits"]) == 7


def test_index_from_the_environment(
    web_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SPEECHSEARCH_INDEX", str(web_index))
    client = create_app(instance_path=str(tmp_path)).test_client()
    assert api(client, "/healthz")["documents"] == NEWS_COUNT + 3


def test_query_limit_setting(web_index: Path, tmp_path: Path) -> None:
    client = make_app(web_index, tmp_path, MAX_QUERY_CHARS=4).test_client()
    assert 'maxlength="4"' in page(client, "/")
    assert "最多 4 个" in api(client, "/api/search?q=张羽张羽张", 400)["error"]


@pytest.mark.parametrize(
    "config",
    [{"PAGE_SIZE": 0}, {"PAGE_SIZE": 60}, {"MAX_PAGE_SIZE": 101}, {"RELATED": "five"}],
)
def test_bad_settings_fail_at_start(tmp_path: Path, config: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match="setting"):
        create_app({"INDEX_DIR": str(tmp_path), **config}, instance_path=str(tmp_path))


# -- the serve command ----------------------------------------------------------------------


def test_serve_is_a_speechsearch_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "indexer", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in ("--index", "--host", "--port", "--threads", "--workers"):
        assert option in result.stdout


def test_serve_answers_over_http(web_index: Path) -> None:
    with serving(web_index, "--threads", "2") as base:
        with urllib.request.urlopen(base + "healthz", timeout=10) as response:
            assert json.load(response)["documents"] == NEWS_COUNT + 3
            assert response.headers["Server"] == "waitress"
        with urllib.request.urlopen(base + "?q=%E5%BC%A0%E7%BE%BD", timeout=10) as response:
            assert "<mark>张羽</mark>" in response.read().decode("utf-8")


def test_a_long_nonsense_query_does_not_stall_the_site(web_index: Path) -> None:
    rng = random.Random(7)
    nonsense = "".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(200))
    with serving(web_index) as base:
        url = base + "api/search?q=" + urllib.request.quote(nonsense)
        with urllib.request.urlopen(url, timeout=5) as response:
            assert json.load(response)["total"] == 0


def test_serve_on_a_busy_port_says_so_in_one_line(web_index: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(serve, ["--index", str(web_index), "--port", str(port)])
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert result.output.startswith(f"error: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in result.output


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _wait_for(predicate: Callable[[], bool], seconds: float = 15) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def test_serve_with_workers_shares_the_port_and_replaces_a_dead_worker(web_index: Path) -> None:
    command = [sys.executable, "-m", "indexer", "serve", "--index", str(web_index), "--port", "0"]
    workers: set[int] = set()
    with subprocess.Popen(
        [*command, "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            assert process.stdout is not None
            base = re.search(r"http://127\.0\.0\.1:\d+/", process.stdout.readline())
            assert base
            assert _wait_for(lambda: len(_children(process.pid)) == 2)
            first = _children(process.pid)
            workers |= first
            for _ in range(10):
                url = base.group(0) + "api/search?q=%E5%BC%A0%E7%BE%BD"
                with urllib.request.urlopen(url, timeout=10) as response:
                    assert json.load(response)["total"] > 0
            os.kill(min(first), signal.SIGKILL)
            assert _wait_for(lambda: len(_children(process.pid) - first) == 1)
            workers |= _children(process.pid)
            with urllib.request.urlopen(base.group(0) + "healthz", timeout=10) as response:
                assert json.load(response)["documents"] == NEWS_COUNT + 3
        finally:
            process.terminate()
            _, errors = process.communicate(timeout=10)
    assert "starting another" in errors
    assert _wait_for(lambda: not [pid for pid in workers if Path(f"/proc/{pid}").exists()], 5)
