"""Concordance lines on real indexes: exactly the text around each occurrence as a reader reads
it, sorted by date or by context, paged, straddles flagged or left out, each line pointing at
its mark on the document page."""

from __future__ import annotations

import re

import pytest
from conftest import SEED_CORPUS, SEED_ID, write_jsonl
from flask.testing import FlaskClient
from test_webui import make_app

from indexer import SearchIndex, SearchRequest, Settings
from indexer import concordance as kwic_module
from indexer.concordance import KwicRequest, concordance
from indexer.errors import QueryError
from indexer.normalize import reading_form

# Our own lines: 张羽 in running text, at the edges of a body, pre-segmented (张 羽), across
# lines, in an undated item; 华为 as a word (华为公司) and across two words (访华为契机).
RECORDS = [
    {
        "id": "k/2021",
        "title": "张羽在论坛上发言",
        "body": "张羽开场先讲了三件事。\n第二段里 张 羽 说 公益 要 人人 参与，张羽\n还说了别的。",
        "date": "2021-05-01",
    },
    {
        "id": "k/2023",
        "title": "年会纪要",
        "body": "会上，主持人请张羽谈谈新的一年。最后一句是张羽",
        "date": "2023-01-09",
    },
    {"id": "k/undated", "title": "旧稿", "body": "这篇旧稿没有日期，只提到张羽一次。"},
    {
        "id": "k/2022",
        "title": "华为公司和访华团",
        "body": "华为公司发布新品。总统访华为契机，双方签署协议。华为公司表示欢迎。",
        "date": "2022-03-03",
    },
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    from indexer import sync

    folder = tmp_path_factory.mktemp("kwic")
    feed = write_jsonl(folder / "corpus" / "kwic.jsonl", RECORDS)
    settings = Settings.from_env(index_dir=folder / "index", procs=1)
    sync(settings, [feed, SEED_CORPUS / f"{SEED_ID}.txt"])
    return SearchIndex(settings)


def lines_of(index: SearchIndex, q: str, match: str = "all", **options: object) -> list[dict]:
    options.setdefault("size", 100)
    request = KwicRequest(SearchRequest(q=q, match=match), **options)  # type: ignore[arg-type]
    return concordance(index, request)["lines"]


def expected_lines(body: str, term: str, width: int) -> list[tuple[str, str, str]]:
    """(left, term, right) of each occurrence of term in the text as a reader reads it."""
    text = reading_form(body)[0].replace("\n", " ")
    return [
        (text[max(0, m.start() - width) : m.start()], term, text[m.end() : m.end() + width])
        for m in re.finditer(term, text)
    ]


def bodies() -> dict[str, str]:
    found = {r["id"]: r["body"] for r in RECORDS}
    found[SEED_ID] = (SEED_CORPUS / f"{SEED_ID}.txt").read_text("utf-8").split("\n", 1)[1]
    return found


@pytest.mark.parametrize("width", [1, 4, 20])
def test_lines_are_the_text_around_each_occurrence(index: SearchIndex, width: int) -> None:
    lines = lines_of(index, "张羽", width=width)
    for doc_id, body in bodies().items():
        shown = [(x["left"], x["term"], x["right"]) for x in lines if x["id"] == doc_id]
        assert shown == expected_lines(body, "张羽", width), doc_id
    assert len(lines) == sum(len(expected_lines(b, "张羽", 1)) for b in bodies().values())


def test_a_pre_segmented_occurrence_is_one_line_at_its_stored_offset(index: SearchIndex) -> None:
    """The seed's 张 羽 (and ours) is the one occurrence 张羽, its offset in the stored text."""
    texts = bodies()
    lines = lines_of(index, "张羽")
    split = [x for x in lines if texts[x["id"]][x["offset"] :].startswith("张 羽")]
    assert {x["id"] for x in split} == {SEED_ID, "k/2021"}
    assert all(x["term"] == "张羽" for x in split)
    for line in lines:
        stored = texts[line["id"]][line["offset"] :]
        assert stored.startswith("张羽") or stored.startswith("张 羽")


def test_sorted_by_date_newest_first_undated_last(index: SearchIndex) -> None:
    lines = lines_of(index, "张羽")
    ids = list(dict.fromkeys(x["id"] for x in lines))
    assert ids[:3] == ["k/2023", "k/2021", ids[2]] and ids[2] in {"k/undated", SEED_ID}
    assert set(ids[2:]) == {"k/undated", SEED_ID}
    offsets = [x["offset"] for x in lines if x["id"] == "k/2021"]
    assert offsets == sorted(offsets)


def test_sorted_by_left_and_right_context(index: SearchIndex) -> None:
    left = lines_of(index, "张羽", sort="left")
    assert [x["left"][::-1] for x in left] == sorted(x["left"][::-1] for x in left)
    right = lines_of(index, "张羽", sort="right")
    assert [x["right"] for x in right] == sorted(x["right"] for x in right)
    by_date = lines_of(index, "张羽")
    assert sorted(map(str, left)) == sorted(map(str, right)) == sorted(map(str, by_date))
    assert left != by_date != right


@pytest.mark.parametrize("sort", ["date", "left", "right"])
def test_pages_follow_each_other(index: SearchIndex, sort: str) -> None:
    whole = lines_of(index, "张羽", sort=sort)
    pages, page = [], 1
    while True:
        result = concordance(
            index, KwicRequest(SearchRequest(q="张羽"), sort=sort, page=page, size=3)
        )
        pages += result["lines"]
        if not result["more"]:
            break
        page += 1
    assert pages == whole and page == -(-len(whole) // 3)
    assert result["total"] == len(whole)
    first = concordance(index, KwicRequest(SearchRequest(q="张羽"), sort=sort, size=3))
    assert first["more"] and first["total"] == (None if sort == "date" else len(whole))


def test_straddles_are_flagged_and_left_out_with_match_words(index: SearchIndex) -> None:
    lines = lines_of(index, "华为")
    assert [(x["term"], x["straddle"]) for x in lines] == [
        ("华为", False),
        ("华为", True),
        ("华为", False),
    ]
    words = lines_of(index, "华为", match="words")
    assert [x["offset"] for x in words] == [lines[0]["offset"], lines[2]["offset"]]


def test_each_line_names_its_mark_on_the_document_page(index: SearchIndex) -> None:
    for line in lines_of(index, "张羽") + lines_of(index, "华为"):
        page = index.document(line["id"], q=line["term"])
        html = "".join(page["paragraphs_html"])
        mark = re.search(rf'<mark(?: class="straddle")? id="m{line["mark"]}">([^<]*)</mark>', html)
        assert mark and mark.group(1) == line["term"], line


def test_filters_select_the_items(index: SearchIndex) -> None:
    request = SearchRequest(q="张羽", date_from="2022-01-01")
    result = concordance(index, KwicRequest(request, size=100))
    assert {x["id"] for x in result["lines"]} == {"k/2023"}
    assert result["items"] == 1 and result["filters"]["from"] == "2022-01-01"


def test_context_sorts_stop_at_the_cap_and_say_so(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    newest = lines_of(index, "张羽")[:4]
    monkeypatch.setattr(kwic_module, "KWIC_MAX_LINES", 4)
    result = concordance(index, KwicRequest(SearchRequest(q="张羽"), sort="left", size=4))
    assert result["capped"] and result["total"] == 4 and len(result["lines"]) == 4
    assert "4" in result["notices"][0]
    assert sorted(map(str, result["lines"])) == sorted(map(str, newest))


@pytest.mark.parametrize(
    "options, reason",
    [
        ({"width": 0}, "width"),
        ({"width": 101}, "width"),
        ({"sort": "up"}, "sort"),
        ({"page": 0}, "page"),
        ({"size": 101}, "size"),
        ({"page": 201, "size": 50}, "occurrences"),
    ],
)
def test_bad_requests_say_why(index: SearchIndex, options: dict, reason: str) -> None:
    with pytest.raises(QueryError, match=reason):
        concordance(index, KwicRequest(SearchRequest(q="张羽"), **options))


def test_no_occurrence_is_an_empty_page(index: SearchIndex) -> None:
    result = concordance(index, KwicRequest(SearchRequest(q="没有这个词语")))
    assert result["lines"] == [] and result["total"] == 0 and not result["more"]


def test_deep_pages_by_date_read_a_private_snapshot_alike(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    locked = [
        concordance(index, KwicRequest(SearchRequest(q="张羽"), page=p, size=4)) for p in (1, 2)
    ]
    monkeypatch.setattr(kwic_module, "LOCKED_LINES", 0)
    private = [
        concordance(index, KwicRequest(SearchRequest(q="张羽"), page=p, size=4)) for p in (1, 2)
    ]
    assert [r["lines"] for r in private] == [r["lines"] for r in locked]
    assert locked[0]["lines"] != locked[1]["lines"]


@pytest.mark.parametrize("sort", ["date", "right"])
def test_a_page_past_the_last_line_is_refused(index: SearchIndex, sort: str) -> None:
    last = -(-len(lines_of(index, "张羽")) // 10)
    assert concordance(index, KwicRequest(SearchRequest(q="张羽"), sort=sort, page=last, size=10))
    with pytest.raises(QueryError, match="page beyond the last"):
        concordance(index, KwicRequest(SearchRequest(q="张羽"), sort=sort, page=last + 1, size=10))


# -- the web app --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(index: SearchIndex, tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    app = make_app(index.settings.index_dir, tmp_path_factory.mktemp("instance"))
    return app.test_client()


def test_the_api_sends_the_page_as_the_core_makes_it(
    client: FlaskClient, index: SearchIndex
) -> None:
    answer = client.get("/api/kwic?q=张羽&sort=left&size=3&page=2&width=5")
    assert answer.status_code == 200
    core = concordance(
        index, KwicRequest(SearchRequest(q="张羽"), width=5, sort="left", page=2, size=3)
    )
    assert {k: v for k, v in answer.json.items() if k != "elapsed_ms"} == {
        k: v for k, v in core.items() if k != "elapsed_ms"
    }


def test_the_page_links_each_term_to_its_mark(client: FlaskClient) -> None:
    html = client.get("/kwic?q=华为").get_data(as_text=True)
    assert html.count('<mark class="straddle">华为</mark>') == 1
    assert html.count("<mark>华为</mark>") == 2
    assert "/doc/k/2022?q=%E5%8D%8E%E4%B8%BA#m2" in html
    assert 'class="kw-straddle"' in html
    assert client.get("/kwic?q=").status_code == 200  # the form alone
    empty = client.get("/api/kwic?q=")
    assert empty.status_code == 400 and "empty" in empty.json["error"]


@pytest.mark.parametrize(
    "query, reason",
    [
        ("q=张羽&sort=up", "sort"),
        ("q=张羽&width=0", "width"),
        ("q=张羽&width=x", "width"),
        ("q=张羽&size=101", "size"),
        ("q=张羽&page=0", "page"),
        ("q=张羽&page=99", "page beyond the last"),
        ("q=张羽&page=201", "occurrences"),
        ("q=张羽&match=some", "match"),
    ],
)
def test_bad_requests_are_400_with_the_reason(client: FlaskClient, query: str, reason: str) -> None:
    for path in ("/kwic", "/api/kwic"):
        answer = client.get(f"{path}?{query}")
        assert answer.status_code == 400 and reason in answer.get_data(as_text=True), path
