"""Hostile input to the page, the API and the command over a real index: impossible dates,
non-finite metadata, forged Host headers, odd ids, pages no one could reach, and caching."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import pytest
from click.testing import CliRunner
from conftest import SEED_CORPUS, SEED_ID, write_jsonl
from flask import Flask
from flask.testing import FlaskClient
from test_webui import make_app
from werkzeug.test import TestResponse

from indexer import Settings, sync
from indexer.cli import cli
from indexer.errors import UsageError
from webui import CACHE_SECONDS

NEWS = 24  # news items that all say 公益: more than the 20 results of the small app below
ODD_IDS = (
    "q?mark",
    "hash#tag",
    "pct%41%2F",
    "100%",
    "space here",
    "非ASCII编号",
    "emoji😀",
    "plus+sign&x=1",
    "a/b/c",
    "double//slash",
    "trail/",
)
NAN_ID = "nan-metadata"
BAD_DATES = (
    "date:0000",
    "date:[0000 TO *]",
    "date:0000-05",
    "date:10000",
    "date:[* TO 10000-01-01]",
    "date:0000年1月1日",
)
FORGED_HOST = "evil.example"


def records() -> list[dict[str, Any]]:
    """Dated news, documents with odd ids, and one whose metadata holds NaN and Infinity."""
    news = [
        {
            "id": f"news/{n:02d}",
            "title": f"第{n}期公益简报",
            "body": f"本期介绍互联网公益的新进展，收录了{n + 3}个项目。",
            "date": f"{2018 + n % 6}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
            "source": "公益周刊",
        }
        for n in range(NEWS)
    ]
    odd = [
        {"id": doc_id, "title": f"编号样本{n}", "body": f"这篇文档用来检验奇特的编号，第{n}篇。"}
        for n, doc_id in enumerate(ODD_IDS)
    ]
    nan = {
        "id": NAN_ID,
        "title": "非数元数据",
        "body": "这篇文档的附加字段不是有限的数。",
        "score": float("nan"),
        "reach": float("inf"),
        "history": [1.5, float("-inf"), {"deep": float("nan")}],
    }
    return [*news, *odd, nan]


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    corpus = write_jsonl(folder / "corpus" / "hostile.jsonl", records())
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [corpus, SEED_CORPUS / f"{SEED_ID}.txt"])
    return settings.index_dir


@pytest.fixture(scope="module")
def app(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return make_app(index_dir, tmp_path_factory.mktemp("instance"))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def fetch(client: FlaskClient, url: str, **kwargs: Any) -> TestResponse:
    """A GET whose body is read and whose file (a static asset) is closed."""
    with client.get(url, **kwargs) as response:
        response.get_data()
        return response


def strict_json(response: TestResponse) -> Any:
    """The body as JSON that any parser accepts: NaN and Infinity literals are refused."""

    def refuse(literal: str) -> Any:
        raise ValueError(f"not JSON: {literal}")

    return json.loads(response.get_data(as_text=True), parse_constant=refuse)


# -- 1. dates no calendar holds ---------------------------------------------------------------


@pytest.mark.parametrize("date", BAD_DATES)
def test_impossible_dates_are_a_400_with_the_reason_everywhere(
    client: FlaskClient, date: str
) -> None:
    for url in ("/", "/api/search", f"/doc/{SEED_ID}", f"/api/doc/{SEED_ID}"):
        response = fetch(client, url, query_string={"q": f"张羽 {date}"})
        assert response.status_code == 400, (url, response.get_data(as_text=True)[:300])
        text = response.get_data(as_text=True)
        message = strict_json(response)["error"] if "/api/" in url else html.unescape(text)
        assert "超出范围：年份应在 1 到 9999 之间 (date out of range)" in message


def test_first_and_last_possible_years_still_search(client: FlaskClient) -> None:
    for date in ("date:0001", "date:[* TO 0001-01-01]", "date:9999", "date:[9999-12-31 TO *]"):
        result = strict_json(fetch(client, "/api/search", query_string={"q": f"公益 {date}"}))
        assert result["total"] == 0 and result["notices"] == []


def test_a_quoted_date_is_text_and_no_suggestion_turns_it_into_syntax(client: FlaskClient) -> None:
    result = strict_json(fetch(client, "/api/search", query_string={"q": '"date:0000" 公益乌龟'}))
    assert result["total"] == 0
    assert all("date:" not in s["query"] for s in result["suggestions"])


def test_impossible_date_parameters_are_a_400(client: FlaskClient) -> None:
    for params in ({"from": "0000-01-01"}, {"to": "10000-01-01"}):
        response = fetch(client, "/api/search", query_string={"q": "公益", **params})
        assert response.status_code == 400 and "(bad date)" in strict_json(response)["error"]


def test_cli_says_why_and_goes_on_with_the_next_query(index_dir: Path) -> None:
    runner = CliRunner()
    single = runner.invoke(cli, ["search", "--index", str(index_dir), "公益 date:0000"])
    assert single.exit_code == 2
    assert single.stderr.strip() == (
        "error: 日期「0000」超出范围：年份应在 1 到 9999 之间 (date out of range)"
    )
    queries = ["公益", "公益 date:0000", "date:[10000 TO *]", "公益"]
    many = runner.invoke(
        cli, ["search", "--index", str(index_dir), "--json", "-"], input="\n".join(queries)
    )
    assert many.exit_code == 0, many.output
    lines = [json.loads(line) for line in many.stdout.splitlines()]
    assert [line["query"] for line in lines] == queries
    assert [line["total"] > 0 for line in lines] == [True, False, False, True]
    assert "超出范围" in lines[1]["error"] and "超出范围" in lines[2]["error"]
    plain = runner.invoke(cli, ["search", "--index", str(index_dir), "-"], input="date:0000\n公益")
    assert plain.exit_code == 0
    assert plain.stdout.startswith("error: 日期「0000」超出范围")
    assert "hits for '公益'" in plain.stdout


# -- 2. strict JSON ---------------------------------------------------------------------------


def test_non_finite_metadata_is_null_in_strict_json(client: FlaskClient) -> None:
    response = fetch(client, f"/api/doc/{NAN_ID}")
    assert response.status_code == 200
    assert strict_json(response)["metadata"] == {
        "score": None,
        "reach": None,
        "history": [1.5, None, {"deep": None}],
    }
    for url in (f"/api/search?q={NAN_ID}", "/api/search?q=非数元数据", "/healthz"):
        strict_json(fetch(client, url))


def test_json_stays_utf8_and_in_order(client: FlaskClient) -> None:
    response = fetch(client, f"/api/doc/{NAN_ID}")
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    assert "非数元数据".encode() in response.data
    assert list(strict_json(response))[:2] == ["id", "title"]


# -- 3. caching -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/?q=公益", "/api/search?q=公益", f"/doc/{SEED_ID}", f"/api/doc/{SEED_ID}"]
)
def test_pages_and_answers_may_be_reused_briefly(client: FlaskClient, url: str) -> None:
    response = fetch(client, url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == f"max-age={CACHE_SECONDS}"


@pytest.mark.parametrize(
    "url",
    ["/healthz", "/?q=公益&page=x", "/api/search?q=", "/doc/missing", "/api/doc/missing", "/nope"],
)
def test_errors_and_health_are_never_stored(client: FlaskClient, url: str) -> None:
    assert fetch(client, url).headers["Cache-Control"] == "no-store"


def test_static_files_keep_their_own_caching(client: FlaskClient) -> None:
    response = fetch(client, "/static/style.css")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache" and response.headers["ETag"]


# -- 4. forged Host -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/static//style.css",
        "//static/style.css",
        "/api//search",
        "//api/search",
        "/api//doc/news/01",
        "/doc//news/01",
        "/healthz/",
        "",
        "//",
        "/static/./style.css",
    ],
)
def test_no_redirect_points_to_the_host_a_client_sent(client: FlaskClient, path: str) -> None:
    with client.get(
        query_string={"q": "公益"},
        headers={"Host": FORGED_HOST},
        environ_overrides={"PATH_INFO": path},  # as sent: the client would read "//x" as a host
    ) as response:
        location = response.headers.get("Location", "")
        assert FORGED_HOST not in location and not urlsplit(location).netloc
        assert not 300 <= response.status_code < 400, (path, response.status_code)


def test_redirects_are_never_made_absolute(app: Flask) -> None:
    assert app.response_class.autocorrect_location_header is False


# -- 5. odd ids -----------------------------------------------------------------------------


def test_odd_ids_round_trip_from_the_result_link(client: FlaskClient) -> None:
    text = fetch(client, "/?q=编号样本&size=50").get_data(as_text=True)
    hrefs = [html.unescape(h) for h in re.findall(r'href="(/doc/[^"]*)"', text)]
    by_id = {unquote(urlsplit(h).path).removeprefix("/doc/"): h for h in hrefs}
    assert set(ODD_IDS) <= set(by_id)
    for n, doc_id in enumerate(ODD_IDS):
        link = by_id[doc_id]
        page = fetch(client, link)
        assert page.status_code == 200, (doc_id, link)
        assert f"编号样本{n}" in page.get_data(as_text=True)
        api = fetch(client, link.replace("/doc/", "/api/doc/", 1))
        assert strict_json(api)["id"] == doc_id


def test_percent_encoded_ids_open_directly(client: FlaskClient) -> None:
    for doc_id in ODD_IDS:
        for safe in ("/", ""):  # a "/" in an id may come encoded too
            response = fetch(client, "/api/doc/" + quote(doc_id, safe=safe))
            assert response.status_code == 200 and strict_json(response)["id"] == doc_id


@pytest.mark.parametrize("doc_id", ["no?such#doc", "no such/编号/", "100%25", "a//b"])
def test_unknown_odd_ids_are_a_clear_404(client: FlaskClient, doc_id: str) -> None:
    url = quote(doc_id, safe="/")
    response = fetch(client, "/api/doc/" + url)
    assert response.status_code == 404
    assert strict_json(response) == {"error": f"没有编号为「{doc_id}」的文档 (no such document)"}
    page = fetch(client, "/doc/" + url)
    assert page.status_code == 404
    assert f"没有编号为「{doc_id}」的文档" in html.unescape(page.get_data(as_text=True))


# -- 6. pages no one may reach --------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "deepest"),
    [({"page": "1001"}, 1000), ({"page": "999999999"}, 1000), ({"size": "50", "page": "201"}, 200)],
)
def test_pages_past_the_result_limit_are_a_400(
    client: FlaskClient, params: dict[str, str], deepest: int
) -> None:
    for url in ("/", "/api/search"):
        response = fetch(client, url, query_string={"q": "公益", **params})
        assert response.status_code == 400
        text = html.unescape(response.get_data(as_text=True))
        assert f"最多翻到第 {deepest} 页（前 10,000 条结果）" in text
        assert "(page beyond the first 10000 results)" in text


def test_the_deepest_page_is_left_to_the_core(client: FlaskClient) -> None:
    response = fetch(client, "/api/search", query_string={"q": "公益", "page": "1000"})
    assert response.status_code == 400
    assert "(page beyond the last)" in strict_json(response)["error"]


def test_the_limit_is_checked_before_any_search(tmp_path: Path) -> None:
    client = make_app(tmp_path / "no-index", tmp_path / "instance").test_client()
    response = fetch(client, "/api/search", query_string={"q": "公益", "page": "999999999"})
    assert response.status_code == 400  # a search would have been a 503: there is no index
    assert fetch(client, "/api/search", query_string={"q": "公益"}).status_code == 503


def test_page_links_stop_at_the_deepest_page(index_dir: Path, tmp_path: Path) -> None:
    client = make_app(index_dir, tmp_path, MAX_PAGE_SIZE=10, MAX_RESULTS=20).test_client()
    result = strict_json(fetch(client, "/api/search?q=公益&size=5"))
    assert result["total"] > 20 and result["pages"] == 5
    text = html.unescape(fetch(client, "/?q=公益&size=5").get_data(as_text=True))
    numbers = {int(n) for n in re.findall(r'href="[^"]*[?&]page=(\d+)', text)}
    assert numbers == {2, 3, 4}
    assert fetch(client, "/?q=公益&size=5&page=4").status_code == 200
    response = fetch(client, "/api/search?q=公益&size=5&page=5")
    assert response.status_code == 400
    assert "每页 5 条时最多翻到第 4 页（前 20 条结果）" in strict_json(response)["error"]


@pytest.mark.parametrize("config", [{"MAX_RESULTS": 49}, {"MAX_RESULTS": "many"}])
def test_bad_result_limit_fails_at_start(tmp_path: Path, config: dict[str, Any]) -> None:
    with pytest.raises(UsageError, match="setting MAX_RESULTS"):
        make_app(tmp_path, tmp_path, **config)
