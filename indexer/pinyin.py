"""Readings of Han words as pinyin, and of Latin text typed as pinyin, as the keys pinyin search
and suggestions look words up by: full syllables without tones or spaces (zhangyu) and initials
(zy). Words are read from pypinyin's dictionaries directly (its phrases first, longest match,
then each character's readings): 30 times faster than its pinyin() call, which a vocabulary of
a hundred thousand words needs."""

from __future__ import annotations

import re
import unicodedata
from functools import cache, lru_cache

# Readings kept per word: its usual one, and each with one character read another way (行, 重,
# 长 ...), so that a heteronym's other reading is found without every combination.
MAX_READINGS = 12
LONGEST_PHRASE = 10  # characters of the longest entry of pypinyin's phrase dictionary
INITIALS_CHARS = (2, 4)  # a typed abbreviation (zy, hlw) stands for a word of 2 to 4 characters
# Every syllable of pypinyin's character dictionary, without tones (tests/test_pinyin.py checks
# the list against it): what typed pinyin is read by, without loading pypinyin (60 MB) into a
# serving worker.
_SYLLABLE_LIST = """
    a ai an ang ao ba bai ban bang bao bei ben beng bi bian biang biao bie bin bing bo bong bu
    ca cai can cang cao ce cei cen ceng cha chai chan chang chao che chen cheng chi chong chou
    chu chua chuai chuan chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang
    dao de dei den deng di dia dian diao die din ding diu dong dou du duan dui dun duo e ei en
    eng er fa fan fang fei fen feng fiao fo fou fu ga gai gan gang gao ge gei gen geng gong gou
    gu gua guai guan guang gui gun guo ha hai han hang hao he hei hen heng hm hng hong hou hu
    hua huai huan huang hui hun huo ji jia jian jiang jiao jie jin jing jiong jiu ju juan jue
    jun ka kai kan kang kao ke kei ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai
    lan lang lao le lei len leng li lia lian liang liao lie lin ling liu lo long lou lu luan lun
    luo lv lve m ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo mou mu n
    na nai nan nang nao ne nei nen neng ng ni nia nian niang niao nie nin ning niu nong nou nu
    nuan nun nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou
    pu qi qia qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri
    rong rou ru rua ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao
    she shei shen sheng shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan
    sui sun suo ta tai tan tang tao te tei teng ti tian tiao tie ting tong tou tu tuan tui tun
    tuo wa wai wan wang wei wen weng wo wong wu xi xia xian xiang xiao xie xin xing xiong xiu xu
    xuan xue xun ya yan yang yao ye yi yin ying yo yong you yu yuan yue yun za zai zan zang zao
    ze zei zen zeng zha zhai zhan zhang zhao zhe zhei zhen zheng zhi zhong zhou zhu zhua zhuai
    zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun zuo
"""
SYLLABLES = frozenset(_SYLLABLE_LIST.split())
_SEPARATORS = re.compile(r"[\s'’]+")
_LETTERS = re.compile(r"[a-z]+")


@lru_cache(maxsize=4096)  # syllables of the dictionary, and what readers type
def _plain(syllable: str) -> str:
    """A syllable without its tone mark, ü written v as pypinyin and keyboards do (lǘ → lv),
    full-width letters folded (ｚｈａｎｇ → zhang)."""
    folded = unicodedata.normalize("NFKC", syllable).lower()
    decomposed = unicodedata.normalize("NFD", folded).replace("u\u0308", "v")
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("ü", "v")


@cache
def _char_readings(char: str) -> tuple[str, ...]:
    """A character's readings, its usual one first; none for a character that is not Han."""
    found = _characters().get(ord(char))
    return tuple(dict.fromkeys(_plain(s) for s in found.split(","))) if found else ()


@cache
def _characters() -> dict[int, str]:
    """pypinyin's character dictionary, loaded when a word is first read: importing pypinyin
    takes ~60 MB and 0.3 s, which the index side needs and a serving worker never does."""
    from pypinyin.pinyin_dict import pinyin_dict

    return pinyin_dict


@cache
def _phrases() -> dict[str, list[list[str]]]:
    """pypinyin's phrase dictionary, loaded with the characters' (see _characters)."""
    from pypinyin.phrases_dict import phrases_dict

    return phrases_dict


def _syllables(word: str) -> list[tuple[str, ...]] | None:
    """Each character's readings: a phrase of the dictionary fixes them (银行 yin hang), longest
    phrase first; None when a character has no reading."""
    found: list[tuple[str, ...]] = []
    at = 0
    while at < len(word):
        for end in range(min(len(word), at + LONGEST_PHRASE), at + 1, -1):
            phrase = _phrases().get(word[at:end])
            if phrase is not None:
                found += [(_plain(readings[0]),) for readings in phrase]
                at = end
                break
        else:
            readings = _char_readings(word[at])
            if not readings:
                return None
            found.append(readings)
            at += 1
    return found


def reading_keys(word: str) -> tuple[frozenset[str], frozenset[str]]:
    """(full readings, initials) of a Han word: 重庆 → ({"chongqing"}, {"cq"}); a character
    outside a known phrase brings its other readings too (张羽 → zhangyu, zhanghu)."""
    syllables = _syllables(word)
    if not syllables:
        return frozenset(), frozenset()  # not all Han: no reading a reader would type
    usual = [readings[0] for readings in syllables]
    combos = [usual]
    for at, readings in enumerate(syllables):
        combos += [usual[:at] + [other] + usual[at + 1 :] for other in readings[1:]]
    combos = combos[:MAX_READINGS]
    return (
        frozenset("".join(c) for c in combos),
        frozenset("".join(s[0] for s in c) for c in combos),
    )


@cache
def _first_letters() -> frozenset[str]:
    return frozenset(s[0] for s in SYLLABLES)


def _splits(letters: str) -> bool:
    """Does a run of letters split into whole syllables (xian: xian or xi'an)?"""
    syllables = SYLLABLES
    ends = {0}
    for end in range(1, len(letters) + 1):
        if any(start in ends and letters[start:end] in syllables for start in range(end - 6, end)):
            ends.add(end)
    return len(letters) in ends


def _pieces(text: str) -> list[str] | None:
    """Text as runs of plain letters, split where the reader put a space or an apostrophe;
    None unless it is all letters (tone marks allowed)."""
    pieces = [p for p in _SEPARATORS.split(_plain(text.strip())) if p]
    return pieces if pieces and all(_LETTERS.fullmatch(p) for p in pieces) else None


def typed_letters(text: str) -> str | None:
    """The letters a reader typed as pinyin, however far: Zhāng y → zhangy (a prefix to
    complete); None for text that is not all letters."""
    pieces = _pieces(text)
    return "".join(pieces) if pieces else None


def typed_keys(text: str) -> tuple[str | None, str | None]:
    """(full key, initials key) a Latin word typed as pinyin may stand for, each None when it
    cannot: zhāng yǔ, zhang yu, zhangyu → ("zhangyu", None); hlw → (None, "hlw"); an → ("an",
    "an"); xi'an → ("xian", None); iPhone, 5G → (None, None)."""
    pieces = _pieces(text)
    if not pieces:
        return None, None
    joined = "".join(pieces)
    full = joined if all(_splits(p) for p in pieces) else None
    low, high = INITIALS_CHARS
    abbreviation = len(pieces) == 1 and low <= len(joined) <= high
    initials = joined if abbreviation and set(joined) <= _first_letters() else None
    return full, initials
