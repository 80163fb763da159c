"""The fast cut says exactly what jieba says: same words for every Han run, user words too."""

from __future__ import annotations

from pathlib import Path

import jieba
from hypothesis import given, settings
from hypothesis import strategies as st

from indexer.analysis import AnalyzerConfig, build_pipeline
from indexer.normalize import HAN_RUN, fold
from indexer.segment import FastCut, cache_path, load_cutter, tokenizer

ROOT = Path(__file__).resolve().parents[1]
PIPELINE = build_pipeline()
# Characters of common words, names and rare ones, so generated runs hold dictionary words,
# prefixes of words, unknown characters and runs the HMM must guess.
CHARS = "中华人民共和国银行发展高质量天然气管道访华为契机张羽谈信息公益互联网的了是在鑫淼犇"


def _jieba(segmenter: jieba.Tokenizer, run: str) -> list[str]:
    return list(segmenter.cut(run, HMM=True))


def test_every_run_of_the_project_corpus_is_cut_as_jieba_cuts_it() -> None:
    runs = {
        run
        for path in (ROOT / "corpus").rglob("*")
        if path.is_file() and path.suffix in (".txt", ".jsonl")
        for run in HAN_RUN.findall(fold(path.read_text(encoding="utf-8")))
    }
    assert len(runs) > 100
    for run in runs:
        assert PIPELINE.cutter.cut(run) == _jieba(PIPELINE.segmenter, run), run


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=CHARS, min_size=1, max_size=30))
def test_generated_runs_are_cut_as_jieba_cuts_them(run: str) -> None:
    assert PIPELINE.cutter.cut(run) == _jieba(PIPELINE.segmenter, run)


def test_user_dictionary_words_are_cut_as_jieba_cuts_them(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("云栖谷 10 ns\n张羽谈 5\n", encoding="utf-8")
    pipeline = build_pipeline(AnalyzerConfig(userdict=str(userdict)))
    for run in ("云栖谷景区今年接待游客", "字节跳动张羽谈信息公益", "白云栖谷口"):
        assert pipeline.cutter.cut(run) == _jieba(pipeline.segmenter, run)
    assert "云栖谷" in pipeline.cutter.cut("云栖谷景区今年接待游客")


def test_a_cutter_reads_its_own_dictionary() -> None:
    fresh = jieba.Tokenizer()
    assert FastCut.of(fresh).cut("访华为契机") == ["访华", "为", "契机"]


def test_the_cached_table_is_the_one_built_from_jieba(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("云栖谷 10 ns\n", encoding="utf-8")
    built = FastCut.of(tokenizer(str(userdict)))
    first = load_cutter(str(userdict), str(tmp_path))  # builds it and writes the cache
    path = cache_path(str(userdict), str(tmp_path))
    assert path.exists()
    again = load_cutter(str(userdict), str(tmp_path))  # reads the cache
    for cutter in (first, again):
        assert cutter.table == built.table
        assert cutter.unknown == built.unknown
    assert again.cut("云栖谷景区今年接待游客") == built.cut("云栖谷景区今年接待游客")


def test_a_changed_user_dictionary_gets_a_table_of_its_own(tmp_path: Path) -> None:
    userdict = tmp_path / "userdict.txt"
    userdict.write_text("云栖谷 10 ns\n", encoding="utf-8")
    before = cache_path(str(userdict), str(tmp_path))
    userdict.write_text("云栖谷 10 ns\n张羽谈 5\n", encoding="utf-8")
    assert cache_path(str(userdict), str(tmp_path)) != before
    assert "张羽谈" in load_cutter(str(userdict), str(tmp_path)).table


def test_a_damaged_cache_is_built_again(tmp_path: Path) -> None:
    path = cache_path(None, str(tmp_path))
    path.write_bytes(load_cutter(None, str(tmp_path)).dumps()[:1000])  # cut short
    cutter = load_cutter(None, str(tmp_path))
    assert cutter.cut("访华为契机") == ["访华", "为", "契机"]
    assert FastCut.loads(path.read_bytes()).table == cutter.table  # and written whole again
