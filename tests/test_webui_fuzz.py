"""Thousands of random queries and parameters through the page and the API: never a 5xx."""

from __future__ import annotations

import random

import pytest
from flask.testing import FlaskClient
from test_webui import SOURCES, build_web_index, make_app

SEED = 20191120
ROUNDS = 1500
SYNTAX = [
    *"\"“”「」『』()[]-|*:\\%&<>'\u3000\t\n",
    *("title:", "source:", "category:", "date:", "date:[", " TO ", " OR ", " AND ", " NOT "),
    *("<mark>", "</mark>", "<script>", "&amp;"),
]
WORDS = [
    *("张羽", "张 羽", "互联网公益", "失踪人口", "扶贫"),
    *("2019年", "字节跳动", "AI", "5G", "论坛"),
]
NUMBERS = ["", "1", "2", "3", "0", "-1", "01", "1.5", "abc", "9" * 12, "1e3", " 2 ", "二", "٣"]
DATES = [
    *("", "2020-01-01", "2019-11-20", "2020", "2020-02-30", "2020-13-01", "9999-12-31"),
    *("0001-01-01", "2019年11月20日", "20191120", "yesterday", "2020-1-1", "2021-06-01T08:00"),
]


def random_text(rng: random.Random, longest: int) -> str:
    """A mix of CJK, any code point, the query language's syntax and real words."""
    parts = []
    for _ in range(rng.randint(0, longest)):
        kind = rng.random()
        if kind < 0.3:
            parts.append(chr(rng.randint(0x4E00, 0x9FFF)))
        elif kind < 0.45:
            code = rng.randint(0, 0x10FFFF)
            parts.append(chr(code) if not 0xD800 <= code <= 0xDFFF else "?")
        elif kind < 0.7:
            parts.append(rng.choice(SYNTAX))
        elif kind < 0.9:
            parts.append(rng.choice(WORDS))
        else:
            parts.append(rng.choice(" abcXYZ0123456789.,;!?"))
    return "".join(parts)


def random_params(rng: random.Random) -> dict[str, str]:
    """Query-string parameters, each present or not, plausible or odd."""
    params = {"q": random_text(rng, rng.choice([2, 6, 12]))}
    if rng.random() < 0.05:  # long: mostly over the limit (long random Han text: test_webui)
        params["q"] = random_text(rng, 6) + rng.choice(WORDS) * rng.randint(50, 2000)
    candidates = {
        "page": lambda: rng.choice(NUMBERS),
        "size": lambda: rng.choice([*NUMBERS, "10", "50", "51", "100"]),
        "sort": lambda: rng.choice(["relevance", "date", "", "DATE", "score", random_text(rng, 3)]),
        "from": lambda: rng.choice(DATES),
        "to": lambda: rng.choice(DATES),
        "source": lambda: rng.choice([*SOURCES, "", "nope", random_text(rng, 5)]),
        "category": lambda: rng.choice(["公益", "科技", "", random_text(rng, 4)]),
    }
    for name, make in candidates.items():
        if rng.random() < 0.35:
            params[name] = make()
    return params


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> FlaskClient:
    folder = tmp_path_factory.mktemp("fuzz")
    return make_app(build_web_index(folder), folder / "instance").test_client()


def test_random_requests_never_fail_on_the_server(client: FlaskClient) -> None:
    rng = random.Random(SEED)
    statuses: dict[int, int] = {}
    for _ in range(ROUNDS):
        params = random_params(rng)
        for path in ("/api/search", "/"):
            with client.get(path, query_string=params) as response:
                status = response.status_code
                statuses[status] = statuses.get(status, 0) + 1
                assert status < 500, (path, params, response.get_data(as_text=True)[:300])
                if path.startswith("/api/"):
                    body = response.get_json()
                    assert ("error" in body) == (status == 400), (params, body)
    assert statuses.get(200, 0) > ROUNDS // 4 and statuses.get(400, 0) > ROUNDS // 4
