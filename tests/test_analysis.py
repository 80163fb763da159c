"""The analysis factory: words and grams, positions, offsets, dictionaries and synonyms."""

from collections import Counter
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from indexer.analysis import AnalyzerConfig, bigrams, build_pipeline, parse_synonyms
from indexer.normalize import fold

PIPELINE = build_pipeline()


def test_one_factory_per_configuration() -> None:
    assert build_pipeline() is PIPELINE
    assert build_pipeline(AnalyzerConfig(synonyms="x")) is not PIPELINE


def test_words_keep_latin_numbers_and_mixed_tokens_whole() -> None:
    words = [t.text for t in PIPELINE.tokens("words", "2019年5G手机iPhone发布")]
    assert {"2019", "2019年", "5g", "iphone", "手机", "发布"} <= set(words)


def test_word_positions_are_consecutive_so_phrases_work() -> None:
    tokens = list(PIPELINE.tokens("words", "信息 公益 探索"))
    assert [(t.text, t.pos) for t in tokens] == [("信息", 0), ("公益", 1), ("探索", 2)]


def test_search_mode_adds_words_inside_long_words_at_the_same_position() -> None:
    tokens = [(t.text, t.pos) for t in PIPELINE.tokens("words", "中华人民共和国成立")]
    assert ("中华人民共和国", 0) in tokens and ("人民", 0) in tokens and ("共和国", 0) in tokens


def test_words_span_the_stored_text_including_segmenter_spaces() -> None:
    text = "一点 张 羽谈 到"
    spans = {t.text: text[t.start : t.end] for t in PIPELINE.tokens("words", text)}
    assert any(" " in source for source in spans.values())
    tokens = PIPELINE.tokens("words", text)
    assert all(text[t.start : t.end].replace(" ", "") == t.text for t in tokens)


def test_grams_cover_every_pair_and_each_run_end() -> None:
    grams = [t.text for t in PIPELINE.tokens("grams", "张 羽谈，好")]
    assert grams == ["张羽", "羽谈", "谈", "好"]
    assert bigrams("互联网") == ["互联", "联网"]
    assert bigrams("好") == ["好"]


def test_grams_of_traditional_text_are_simplified() -> None:
    assert [t.text for t in PIPELINE.tokens("grams", "字節")] == ["字节", "节"]


def test_user_dictionary_changes_words_and_fingerprint(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("羽谈信 100 n\n", encoding="utf-8")
    custom = build_pipeline(AnalyzerConfig(userdict=str(userdict)))
    assert "羽谈信" in [t.text for t in custom.tokens("words", "张羽谈信息")]
    assert custom.config.fingerprint()["userdict"] != PIPELINE.config.fingerprint()["userdict"]


def test_synonyms_are_added_as_words_at_the_same_position(tmp_path: Path) -> None:
    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# comment\n央视, 中央电视台\n", encoding="utf-8")
    custom = build_pipeline(AnalyzerConfig(synonyms=str(synonyms)))
    tokens = [(t.text, t.pos) for t in custom.tokens("words", "央视报道")]
    assert ("中央电视台", 0) in tokens
    assert parse_synonyms("央视 中央电视台\n")["中央电视台"] == ("央视",)


_TEXT = st.text(
    st.sampled_from(list("张羽谈字节跳动信息公益年头條寻人中华人民共和国") + list(" \n，。Aa1Ｇ-")),
    max_size=80,
)


@given(_TEXT, st.sampled_from(["words", "grams"]))
def test_every_token_slices_the_stored_text_to_its_source(text: str, kind: str) -> None:
    for token in PIPELINE.tokens(kind, text):
        source = text[token.start : token.end]
        assert fold(source) == token.text or token.text in fold(source), (token, source)
        assert source[:1].strip() and source[-1:].strip(), "spans never start or end on a space"


@given(_TEXT)
def test_gram_counts_are_the_counted_gram_tokens(text: str) -> None:
    """What the grams fields store (counted directly) is what their token stream holds."""
    pipeline = build_pipeline()
    tokens = Counter(t.text for t in pipeline.tokens("grams", text, spans=False))
    assert pipeline.gram_counts(text) == tokens
