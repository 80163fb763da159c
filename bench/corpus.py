"""The benchmark's corpora, all seeded: the CCTV JSONL (or generated text when ../shared is
absent), its subsets, its 1% edits, its 10x replica and its seed-style rewrite."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from indexer.normalize import HAN_CLASS, HAN_RUN, fold

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("SPEECHSEARCH_SHARED", ROOT.parent / "shared"))
CCTV = SHARED / "corpus" / "cctv-xwlb-2022-2026" / "cctv_xwlb.jsonl"
PROJECT_CORPUS = ROOT / "corpus"
GENERATED_SOURCES = ("演讲实录", "新闻报道")
FIRST_DAY = dt.date(2019, 1, 1)
_NOT_HAN = re.compile(f"[^{HAN_CLASS}]+")

Record = dict[str, Any]


@dataclass(frozen=True)
class Corpus:
    """Records plus where they came from, as the report names it."""

    records: list[Record]
    name: str  # short, for table rows
    label: str  # where it came from, for the report header


def read_jsonl(path: Path) -> list[Record]:
    """Every record of a JSONL file, in file order."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(records: Iterable[Record], path: Path) -> int:
    """Records as JSONL; returns the bytes written (for MB/s)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with open(path, "w", encoding="utf-8") as handle:
        for record in records:
            line = json.dumps(record, ensure_ascii=False) + "\n"
            handle.write(line)
            size += len(line.encode())
    return size


def sample(records: list[Record], count: int | None, seed: int) -> list[Record]:
    """A seeded subset in corpus order (all of them when count is None or too large)."""
    if count is None or count >= len(records):
        return list(records)
    chosen = sorted(random.Random(seed).sample(range(len(records)), count))
    return [records[i] for i in chosen]


def load(docs: int | None = None, seed: int = 0) -> Corpus:
    """The CCTV corpus (or a seeded subset); generated text when ../shared is not there."""
    if CCTV.is_file():
        records = sample(read_jsonl(CCTV), docs, seed)
        label = f"{CCTV.relative_to(SHARED.parent)} ({len(records):,} items)"
        return Corpus(records, "CCTV", label)
    count = docs or 300
    label = f"generated from corpus/*.txt ({count:,} items)"
    return Corpus(generated(count, seed), "generated", label)


def generated(count: int, seed: int) -> list[Record]:
    """News-like records from a word-bigram chain over the project's own texts, so the smoke
    run works without ../shared; dates span 2019-2024 and two sources alternate."""
    rng = random.Random(seed)
    follows: dict[str, list[str]] = {}
    starts: list[str] = []
    for file in sorted(PROJECT_CORPUS.glob("*.txt")):
        for line in file.read_text(encoding="utf-8").splitlines():
            words = [w for w in line.split() if HAN_RUN.fullmatch(w)]
            if len(words) > 2:
                starts.append(words[0])
                for a, b in zip(words, words[1:], strict=False):
                    follows.setdefault(a, []).append(b)

    def sentence() -> str:
        word = rng.choice(starts)
        out = [word]
        for _ in range(rng.randint(6, 24)):
            word = rng.choice(follows.get(word) or starts)
            out.append(("，" if rng.random() < 0.15 else "") + word)
        return "".join(out) + "。"

    records = []
    for n in range(count):
        paragraphs = ["".join(sentence() for _ in range(rng.randint(1, 4))) for _ in range(3)]
        records.append(
            {
                "id": f"gen-{n:05d}",
                "title": sentence().rstrip("。"),
                "body": "\n\n".join(paragraphs),
                "date": (FIRST_DAY + dt.timedelta(days=rng.randrange(6 * 365))).isoformat(),
                "source": GENERATED_SOURCES[n % 2],
            }
        )
    return records


def edited(records: list[Record], fraction: float, seed: int) -> tuple[list[Record], int]:
    """A copy with `fraction` of the (non-empty) bodies changed by a correction line, as a
    nightly feed brings; returns the copy and how many records changed."""
    candidates = [i for i, r in enumerate(records) if (r.get("body") or "").strip()]
    count = max(1, round(len(records) * fraction))
    chosen = set(random.Random(seed).sample(candidates, count))
    copy = [
        {**r, "body": f"{r['body']}\n\n（更正：本条于第{seed}次夜间更新时修订。）"}
        if i in chosen
        else r
        for i, r in enumerate(records)
    ]
    return copy, count


def replicated(records: list[Record], times: int) -> Iterator[Record]:
    """The corpus `times` over with distinct ids (a 10x archive of the same shape)."""
    for copy in range(times):
        for record in records:
            yield record if copy == 0 else {**record, "id": f"{record['id']}~{copy}"}


def seed_style(record: Record, rng: random.Random, segment: Any, wrong_cut: float = 0.1) -> str:
    """A record as the seed document is stored: title line then one line per paragraph, words
    split by spaces (some boundaries moved by one character, as a careless segmenter does),
    every digit, Latin letter and punctuation mark dropped."""
    lines = []
    for paragraph in [record.get("title") or "", *(record.get("body") or "").split("\n")]:
        words = [_NOT_HAN.sub("", w) for w in segment(paragraph)]
        words = [w for w in words if w]
        for i in range(len(words) - 1):
            if rng.random() >= wrong_cut:
                continue
            if rng.random() < 0.5 and len(words[i]) > 1:  # 张羽 谈 -> 张 羽谈
                words[i], words[i + 1] = words[i][:-1], words[i][-1] + words[i + 1]
            elif len(words[i + 1]) > 1:
                words[i], words[i + 1] = words[i] + words[i + 1][0], words[i + 1][1:]
        if words:
            lines.append(" ".join(words))
    return "\n".join(lines) + "\n"


def write_seed_style(records: list[Record], folder: Path, seed: int) -> dict[str, str]:
    """The seed-style rewrite of records as .txt files named by id; returns id -> text."""
    import jieba

    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    written = {}
    for record in records:
        text = seed_style(record, rng, jieba.lcut)
        (folder / f"{record['id']}.txt").write_text(text, encoding="utf-8")
        written[str(record["id"])] = text
    return written


def searchable_text(record: Record) -> str:
    """Title and body as the core normalises them (probes are cut from and checked on this)."""
    return fold(f"{record.get('title') or ''}\n{record.get('body') or ''}")


def han_only(text: str) -> str:
    """Just the Han characters, for matching probes against the seed-style rewrite."""
    return _NOT_HAN.sub("", text)
