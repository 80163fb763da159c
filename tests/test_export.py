"""Exports on real indexes: the core's rows (in the search's order, checked against the text,
capped with a note), written as CSV that the csv module reads back and as strict JSON Lines;
streamed by the web app and the CLI; bad requests refused before anything is sent."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from conftest import index_records
from flask import Flask
from test_webui import make_app

from indexer import SearchIndex, SearchRequest, Settings
from indexer.concordance import KwicRequest
from indexer.errors import QueryError, UsageError
from indexer.export import (
    ITEM_COLUMNS,
    KWIC_COLUMNS,
    ExportRequest,
    export_items,
    export_lines,
)
from indexer.limits import EXPORT_MAX_ROWS
from indexer.tabular import CHUNK_ROWS, as_csv, as_jsonl

# Our own records: commas, both kinds of quotes and line breaks in every text field.
AWKWARD = {
    "id": "awkward/1",
    "title": '他说："公益，人人可为"\n第二行标题',
    "body": '第一段讲公益，也讲"引号"和，逗号。\n第二段再讲公益\n第三段：“公益”结束。',
    "date": "2024-02-29",
    "source": '晚报,"周末版"',
    "url": 'https://example.cn/a,b?x="1"',
}
BULK = 1_000  # items that all hold 公益: a large export


def bulk_records() -> list[dict[str, Any]]:
    return [
        {
            "id": f"bulk/{n:04d}",
            "title": f"第{n}号简报",
            "body": f"第{n}号简报谈公益。" + "各地志愿者参与公益活动。" * (1 + n % 3),
            "date": f"20{10 + n % 15}-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
        }
        for n in range(BULK)
    ]


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    folder = tmp_path_factory.mktemp("export")
    built = index_records(folder, [AWKWARD, *bulk_records()])
    return built


@pytest.fixture(scope="module")
def index(settings: Settings) -> SearchIndex:
    return SearchIndex(settings)


@pytest.fixture(scope="module")
def app(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    return make_app(settings.index_dir, tmp_path_factory.mktemp("instance"))


def items(index: SearchIndex, q: str, limit: int = 10, **search: Any) -> list[dict]:
    request = ExportRequest(SearchRequest(q=q, **search), limit, EXPORT_MAX_ROWS)
    return list(export_items(index, request))


def test_csv_round_trips_chinese_commas_quotes_and_line_breaks(index: SearchIndex) -> None:
    rows = items(index, '"人人可为"')
    assert [r["id"] for r in rows] == ["awkward/1"]
    text = "".join(as_csv(rows, ITEM_COLUMNS))
    assert text.startswith("\ufeff") and text.encode("utf-8")[:3] == b"\xef\xbb\xbf"
    read = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    assert read[0] == list(ITEM_COLUMNS)
    back = dict(zip(read[0], read[1], strict=True))
    assert back["title"] == AWKWARD["title"] and back["source"] == AWKWARD["source"]
    assert back["url"] == AWKWARD["url"] and back["date"] == "2024-02-29"
    assert back["occurrences"] == "0"  # the phrase is in the title only
    assert back == {k: "" if v is None else str(v) for k, v in rows[0].items()}


def test_rows_hold_occurrences_and_the_first_passage(index: SearchIndex) -> None:
    (row,) = items(index, "公益", source=AWKWARD["source"])
    assert row["occurrences"] == 3
    assert row["passage"].startswith("第一段讲公益") and "\n" not in row["passage"]


def test_json_lines_are_strict_json(index: SearchIndex) -> None:
    rows = items(index, "公益", limit=50)
    lines = "".join(as_jsonl(rows)).splitlines()
    parsed = [json.loads(line, parse_constant=pytest.fail) for line in lines]
    assert parsed[:-1] == rows[:-1] and len(parsed) == 51
    assert parsed[-1]["note"] and parsed[-1]["rows"] == 50


def test_relevance_order_is_the_searchs(index: SearchIndex) -> None:
    exported = [r["id"] for r in items(index, "志愿者 公益", limit=30)[:30]]
    found = index.search(SearchRequest(q="志愿者 公益", size=30, facets=False))
    assert exported == [hit["id"] for hit in found["hits"]]


def test_date_order_newest_first(index: SearchIndex) -> None:
    rows = items(index, "公益", limit=BULK + 1, sort="date")
    assert len(rows) == BULK + 1
    dates = [r["date"] for r in rows]
    assert dates == sorted(dates, reverse=True)


def test_the_cap_ends_with_a_note_row(index: SearchIndex) -> None:
    rows = items(index, "公益", limit=5)
    assert len(rows) == 6 and rows[-1] == {
        "note": "已达导出上限 5 行，后面的没有导出 (cap reached: 5 rows)",
        "rows": 5,
    }
    read = list(csv.reader(io.StringIO("".join(as_csv(rows, ITEM_COLUMNS))[1:])))
    assert len(read) == 7 and read[-1] == [f"# {rows[-1]['note']}"]
    assert len(items(index, '"人人可为"', limit=1)) == 1  # exactly at the cap: no note


def test_the_concordance_as_rows(index: SearchIndex) -> None:
    request = KwicRequest(SearchRequest(q="公益"), sort="right")
    rows = list(export_lines(index, request, 4, EXPORT_MAX_ROWS))
    assert len(rows) == 5 and "note" in rows[-1]
    assert [r["right"] for r in rows[:-1]] == sorted(r["right"] for r in rows[:-1])
    read = list(csv.DictReader(io.StringIO("".join(as_csv(rows, KWIC_COLUMNS))[1:])))
    assert [r["term"] for r in read[:-1]] == ["公益"] * 4


@pytest.mark.parametrize(
    "limit, most",
    [(0, 10), (11, 10), (5, EXPORT_MAX_ROWS + 1)],
)
def test_a_limit_outside_the_cap_is_refused_before_any_row(
    index: SearchIndex, limit: int, most: int
) -> None:
    with pytest.raises(QueryError):
        export_items(index, ExportRequest(SearchRequest(q="公益"), limit, most))


def test_an_unknown_filter_is_refused_before_any_row(index: SearchIndex) -> None:
    with pytest.raises(QueryError, match="source"):
        export_items(index, ExportRequest(SearchRequest(q="公益", source="无此来源")))


# -- the web app --------------------------------------------------------------------------


def test_csv_download_is_streamed_with_a_filename(app: Flask) -> None:
    response = app.test_client().get("/export.csv?q=公益&sort=date", buffered=False)
    assert response.status_code == 200 and response.is_streamed
    assert response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="speechsearch-items.csv"')
    assert "filename*=UTF-8''%E5%85%AC%E7%9B%8A" in disposition
    chunks = iter(response.response)
    first = _text(next(chunks))
    assert first.startswith("\ufeffid,title,")
    # one chunk of rows after the header, not the whole export
    assert len(list(csv.reader(io.StringIO(first[1:])))) == CHUNK_ROWS + 1
    rest = "".join(_text(c) for c in chunks)
    response.close()
    assert len(list(csv.reader(io.StringIO(first[1:] + rest)))) == BULK + 2


def test_a_client_that_stops_reading_closes_the_export(app: Flask) -> None:
    response = app.test_client().get("/export.jsonl?q=公益", buffered=False)
    chunks = iter(response.response)
    assert json.loads(_text(next(chunks)).splitlines()[0])["id"]
    response.close()  # as waitress does when the client goes away
    assert next(chunks, None) is None


def test_jsonl_download_of_the_concordance(app: Flask) -> None:
    response = app.test_client().get("/export.jsonl?q=公益&kind=kwic&limit=3&width=2")
    assert response.status_code == 200
    assert response.content_type == "application/x-ndjson; charset=utf-8"
    rows = [json.loads(line) for line in response.get_data(as_text=True).splitlines()]
    assert [len(r["left"]) <= 2 and r["term"] == "公益" for r in rows[:3]] == [True] * 3
    assert rows[3]["rows"] == 3


@pytest.mark.parametrize(
    "query, reason",
    [
        ("q=公益&limit=100001", "limit"),
        ("q=公益&limit=x", "limit"),
        ("q=公益&kind=all", "kind"),
        ("q=公益&sort=left", "sort"),
        ("q=公益&kind=kwic&sort=up", "sort"),
        ("q=公益&kind=kwic&width=0", "width"),
        ("q=", "empty"),
        ("q=公益&source=无此来源", "source"),
    ],
)
def test_bad_downloads_are_400_with_the_reason(app: Flask, query: str, reason: str) -> None:
    for path in ("/export.csv", "/export.jsonl"):
        response = app.test_client().get(f"{path}?{query}")
        assert response.status_code == 400, (path, query)
        assert reason in response.get_data(as_text=True)


def test_the_cap_setting(settings: Settings, tmp_path: Path) -> None:
    app = make_app(settings.index_dir, tmp_path, EXPORT_MAX_ROWS=3)
    text = app.test_client().get("/export.csv?q=公益").get_data(as_text=True)
    assert text.splitlines()[-1].startswith("# 已达导出上限 3 行")
    assert app.test_client().get("/export.csv?q=公益&limit=4").status_code == 400
    for bad in (0, EXPORT_MAX_ROWS + 1, "many", True):
        with pytest.raises(UsageError, match="EXPORT_MAX_ROWS"):
            make_app(settings.index_dir, tmp_path, EXPORT_MAX_ROWS=bad)


def _text(chunk: bytes | str) -> str:
    return chunk.decode("utf-8") if isinstance(chunk, bytes) else chunk


# -- the CLI ------------------------------------------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args], capture_output=True, timeout=300, check=False
    )


def test_cli_export_to_a_file_and_to_stdout(settings: Settings, tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    index = ("--index", str(settings.index_dir))
    done = run("export", *index, "--limit", "2", "--output", str(target), "人人可为 OR 简报")
    assert done.returncode == 0, done.stderr
    with open(target, encoding="utf-8-sig", newline="") as handle:
        read = list(csv.reader(handle))
    assert read[0] == list(ITEM_COLUMNS) and len(read) == 4 and read[3][0].startswith("# ")
    done = run("export", *index, "--format", "jsonl", "--sort", "date", '"人人可为"')
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == ["awkward/1"]
    refused = run("export", *index, "--limit", str(EXPORT_MAX_ROWS + 1), "公益")
    assert refused.returncode == 2 and b"limit" in refused.stderr


def test_cli_kwic_aligns_the_term(settings: Settings) -> None:
    index = ("--index", str(settings.index_dir))
    done = run("kwic", *index, "--width", "6", "--size", "5", "公益")
    lines = done.stdout.decode().splitlines()
    assert done.returncode == 0 and len(lines) == 7 and lines[-1].startswith("  more:")
    assert len({_columns(line[: line.index("【公益】")]) for line in lines[1:6]}) == 1
    as_json = json.loads(run("kwic", *index, "--json", "--sort", "left", "公益").stdout)
    assert as_json["sort"] == "left" and len(as_json["lines"]) == 50
    assert run("kwic", *index, "--width", "0", "公益").returncode == 2


def _columns(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_a_query_stopped_by_its_time_budget_ends_with_a_note(index: SearchIndex) -> None:
    rows = items(index, "公益 志愿者", limit=BULK + 1, budget_ms=0)
    assert "partial" in rows[-1]["note"] and rows[-1]["rows"] == len(rows) - 1
    request = KwicRequest(SearchRequest(q="公益", budget_ms=0))
    lines = list(export_lines(index, request, 3, EXPORT_MAX_ROWS))
    assert [r.get("note", "")[:6] for r in lines[3:]] == ["已达导出上限", "查询太复杂，"]


def test_cli_export_into_a_reader_that_stops_early(settings: Settings) -> None:
    command = [sys.executable, "-m", "indexer", "export", "--index", str(settings.index_dir)]
    with subprocess.Popen(
        [*command, "--format", "jsonl", "公益"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert process.stdout and process.stderr
        assert json.loads(process.stdout.readline())["id"]
        process.stdout.close()  # as `| head -1` does
        assert process.wait(timeout=120) == 0
        assert process.stderr.read() == b""
