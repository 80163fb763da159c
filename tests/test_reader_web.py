"""Suggestions and pinyin at the edges: /api/suggest, the results page's pinyin line and its
way back to the text as typed, and the `speechsearch suggest` / `search` commands."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import index_records
from flask.testing import FlaskClient
from test_pinyin import records
from test_webui import make_app


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("reader-web")
    settings = index_records(folder, records())
    return settings.index_dir


@pytest.fixture(scope="module")
def client(index_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    return make_app(index_dir, tmp_path_factory.mktemp("instance")).test_client()


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args], capture_output=True, text=True, timeout=300
    )


def test_api_suggest_answers_completions_with_counts_and_kinds(client: FlaskClient) -> None:
    response = client.get("/api/suggest", query_string={"q": "zhangy"})
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.get_json()
    assert answer["query"] == "zhangy"
    assert answer["completions"][0] == {"text": "张宇", "count": 4, "kind": "pinyin"}
    han = client.get("/api/suggest", query_string={"q": "銀"}).get_json()
    assert han["completions"][0] == {"text": "银行", "count": 3, "kind": "word"}


def test_api_suggest_without_a_prefix_offers_nothing(client: FlaskClient) -> None:
    assert client.get("/api/suggest").get_json() == {"query": "", "completions": []}


def test_api_suggest_refuses_a_prefix_longer_than_a_query(client: FlaskClient) -> None:
    response = client.get("/api/suggest", query_string={"q": "张" * 300})
    assert response.status_code == 400
    assert "error" in response.get_json()


def test_the_page_says_what_pinyin_searched_with_a_way_back(client: FlaskClient) -> None:
    page = client.get("/", query_string={"q": "zhangyu"}).get_data(as_text=True)
    assert '按拼音 <strong lang="zh-Latn-pinyin">zhangyu</strong> 搜索：张宇，张羽，章鱼' in page
    assert 'href="/?q=zhangyu&amp;pinyin=0"' in page
    typed = client.get("/", query_string={"q": "zhangyu", "pinyin": "0"}).get_data(as_text=True)
    assert "按拼音" not in typed and "没有找到" in typed


def test_study_links_of_a_pinyin_search_carry_the_words_it_searched(client: FlaskClient) -> None:
    page = client.get("/", query_string={"q": "chongqing"}).get_data(as_text=True)
    chongqing = "q=%E9%87%8D%E5%BA%86"  # 重庆, what the search ran
    assert f'href="/kwic?{chongqing}"' in page
    assert f'href="/export.csv?{chongqing}"' in page
    assert "q=chongqing" not in page.split('class="results-study"')[1].split("</p>")[0]


def test_the_api_says_it_too(client: FlaskClient) -> None:
    answer = client.get("/api/search", query_string={"q": "chongqing"}).get_json()
    assert answer["pinyin"] == {
        "typed": "chongqing",
        "words": ["重庆"],
        "query": "重庆",
        "typed_total": 0,
    }
    assert answer["total"] == 3
    as_typed = client.get("/api/search", query_string={"q": "chongqing", "pinyin": "0"})
    assert as_typed.get_json()["pinyin"] is None and as_typed.get_json()["total"] == 0
    han = client.get("/api/search", query_string={"q": "重庆"}).get_json()
    assert han["pinyin"] is None


def test_cli_suggest(index_dir: Path) -> None:
    done = run("suggest", "--index", str(index_dir), "zhangy")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "张宇\t4\tby pinyin"
    as_json = run("suggest", "--index", str(index_dir), "--json", "銀")
    assert json.loads(as_json.stdout)["completions"][0] == {
        "text": "银行",
        "count": 3,
        "kind": "word",
    }


def test_cli_search_says_it_read_pinyin(index_dir: Path) -> None:
    done = run("search", "--index", str(index_dir), "yinhang")
    assert done.returncode == 0, done.stderr
    assert "pinyin: 按拼音 yinhang 搜索：银行" in done.stdout
    assert done.stdout.startswith("3 hits")
    line = json.loads(run("search", "--index", str(index_dir), "--json", "yinhang").stdout)
    assert line["pinyin"]["words"] == ["银行"]
    typed = run("search", "--index", str(index_dir), "--no-pinyin", "yinhang")
    assert typed.stdout.startswith("0 hits") and "pinyin:" not in typed.stdout
