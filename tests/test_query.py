"""The query language: operators, fields, dates, and malformed input that never fails."""

import datetime as dt

import pytest

from indexer.errors import QueryError
from indexer.query import And, Filter, Not, Or, Text, parse


@pytest.mark.parametrize(
    ("typed", "node"),
    [
        ("张羽", Text("张羽")),
        ('"信息 公益"', Text("信息 公益", phrase=True)),
        ("“张羽”", Text("张羽", phrase=True)),
        ("「张羽」", Text("张羽", phrase=True)),
        ("头条 -抖音", And((Text("头条"), Not(Text("抖音"))))),
        ("头条 NOT 抖音", And((Text("头条"), Not(Text("抖音"))))),
        ("title:扶贫", Text("扶贫", field="title")),
        ("张羽 OR 马云", Or((Text("张羽"), Text("马云")))),
        ("(张羽 OR 马云) 公益", And((Or((Text("张羽"), Text("马云"))), Text("公益")))),
        ("source:cctv", Filter("source", value="cctv")),
        ("COVID-19", Text("COVID-19")),
        ("（张羽）", Text("张羽")),
    ],
)
def test_syntax(typed: str, node: object) -> None:
    parsed = parse(typed)
    assert parsed.node == node
    assert parsed.notices == ()


def test_date_ranges_whole_years_months_and_open_ends() -> None:
    assert parse("date:[2020-01-01 TO 2020-12-31]").node == Filter(
        "date", start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31)
    )
    assert parse("date:2020-02").node == Filter(
        "date", start=dt.date(2020, 2, 1), end=dt.date(2020, 2, 29)
    )
    assert parse("date:[2021 TO *]").node == Filter("date", start=dt.date(2021, 1, 1), end=None)


def test_first_and_last_years_a_calendar_holds() -> None:
    assert parse("date:0001").node == Filter("date", start=dt.date(1, 1, 1), end=dt.date(1, 12, 31))
    assert parse("date:[9999-12 TO *]").node == Filter("date", start=dt.date(9999, 12, 1))
    assert parse("date:99991231").node == Filter(
        "date", start=dt.date(9999, 12, 31), end=dt.date(9999, 12, 31)
    )


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("date:0000", "0000"),
        ("date:[0000 TO *]", "0000"),
        ("date:[2020 TO 0000-05]", "0000-05"),
        ("date:0000-01-01", "0000-01-01"),
        ("date:00000101", "00000101"),
        ("date:0000年1月1日", "0000年1月1日"),
        ("date:10000", "10000"),
        ("date:[* TO 10000-01-01]", "10000-01-01"),
        ("公益 date:٠٠٠٠", "٠٠٠٠"),
        ("date:" + "9" * 5000, "9" * 5000),
    ],
)
def test_dates_before_year_1_or_after_9999_are_refused_with_the_reason(
    typed: str, shown: str
) -> None:
    with pytest.raises(QueryError) as refused:
        parse(typed)
    assert str(refused.value) == (
        f"日期「{shown}」超出范围：年份应在 1 到 9999 之间 (date out of range)"
    )


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ('"信息 公益', ["信息", "公益"]),
        ("疫情 AND", ["疫情"]),
        ("(疫情 防控", ["疫情", "防控"]),
        ("疫情) 防控", ["疫情", "防控"]),
        ("date:[昨天 TO 今天] 疫情", ["昨天", "TO", "今天", "疫情"]),
        ("date:123 疫情", ["123", "疫情"]),
        ("date:2020-13 疫情", ["2020-13", "疫情"]),
        ('"date:0000 疫情', ["0000", "疫情"]),
        ("OR 疫情", ["疫情"]),
    ],
)
def test_malformed_syntax_is_searched_as_plain_words_with_a_notice(
    typed: str, words: list[str]
) -> None:
    parsed = parse(typed)
    assert parsed.notices and "已按普通词语搜索" in parsed.notices[0]
    texts = parsed.node.items if isinstance(parsed.node, And) else (parsed.node,)
    assert [t.text for t in texts] == words


@pytest.mark.parametrize("typed", ["", "   ", "AND", '""', "()"])
def test_nothing_searchable(typed: str) -> None:
    assert parse(typed).node is None


def test_exact_string_is_the_typed_words_of_a_plain_query() -> None:
    assert parse("信息 公益").exact == "信息 公益"
    assert parse("信息 公益 date:2019").exact == "信息 公益"
    assert parse("信息 OR 公益").exact is None
