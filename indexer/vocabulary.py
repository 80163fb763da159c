"""The archive's vocabulary, built with the index so that completions and pinyin look-ups are
index look-ups, never a scan per request: the words of the words field (2+ characters, with
their document frequencies, read from Whoosh's term statistics without touching postings), the
items' whole titles, and the pinyin keys of the words worth typing by sound.

One SQLite file per committed state of a generation (vocabulary-<Whoosh TOC generation>.sqlite
in its folder), written beside and renamed into place once complete, never changed after: the
search side opens it read-only and immutable, so every serving worker reads it through the OS's
page cache instead of holding a copy. A reindex copies the previous file and patches what it
changed (counts, the pinyin keys of words whose count changed, titles, the best completions of
the common prefixes those reach), so its cost follows the change, not the archive."""

from __future__ import annotations

import bisect
import contextlib
import json
import os
import re
import shutil
import sqlite3
import threading
import weakref
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .normalize import HAN_RUN, reading_form
from .pinyin import INITIALS_CHARS, reading_keys
from .store import fsync_path
from .whoosh_internals import doc_frequencies

FILE_PATTERN = re.compile(r"^vocabulary-(\d+)\.sqlite$")
COMPLETIONS = 8  # completions offered for one prefix
# A prefix with more entries than this has its best completions stored with it, so that no
# look-up reads more rows than this.
SCAN_ROWS = 256
LONGEST_PREFIX = 16  # past this many characters no prefix is that common
PINYIN_MIN_ITEMS = 2  # words read as pinyin: those in at least this many items ...
PINYIN_CHARS = (2, 6)  # ... of this many Han characters
KINDS = ("word", "title", "pinyin")  # what a completion is, in the order ties are shown
_PAST = "\U0010ffff"  # past every character: keys from p to p + _PAST are those starting with p

# Entries: key (what a typed prefix is compared with: the folded word or title, or a pinyin
# key), text (what is offered), items (how many items hold it), kind, and for pinyin keys
# whether the key is a full reading ("f") or initials ("i").
_SCHEMA = """
CREATE TABLE entries (key TEXT NOT NULL, reading TEXT NOT NULL, text TEXT NOT NULL,
                      items INTEGER NOT NULL, kind TEXT NOT NULL,
                      PRIMARY KEY (key, reading, text, kind)) WITHOUT ROWID;
CREATE TABLE top (prefix TEXT NOT NULL, rank INTEGER NOT NULL, text TEXT NOT NULL,
                  items INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL,
                  reading TEXT NOT NULL, PRIMARY KEY (prefix, rank)) WITHOUT ROWID;
CREATE TABLE titles (id TEXT PRIMARY KEY, title TEXT NOT NULL, key TEXT NOT NULL)
                     WITHOUT ROWID;
CREATE TABLE readings (word TEXT PRIMARY KEY, keys TEXT NOT NULL) WITHOUT ROWID;
"""
# top: a heavy prefix's best entries, with their key and reading so that a reindex can tell
# where a changed entry stands against them. readings: each word read as pinyin with its keys,
# "zhangyu zhanghu|zy", for the next build to reuse (one row a word reads back faster than the
# entries' row a key)


@dataclass(frozen=True)
class Title:
    """An item's title as offered (reading form) and as folded for look-ups (norm_title)."""

    text: str
    key: str


# id -> its title now, or None for an item deleted: what an indexing run changed.
TitleChanges = Mapping[str, Title | None]


def path_for(folder: Path, toc_generation: int) -> Path:
    return Path(folder) / f"vocabulary-{toc_generation:06d}.sqlite"


def files(folder: Path) -> list[tuple[int, Path]]:
    """The vocabulary files of a generation folder, (TOC generation, path), oldest first."""
    with contextlib.suppress(FileNotFoundError):
        found = [
            (int(m.group(1)), p)
            for p in Path(folder).iterdir()
            if (m := FILE_PATTERN.match(p.name))
        ]
        return sorted(found)
    return []


def newest(folder: Path) -> Path | None:
    """The newest vocabulary file of a generation folder (None while there is none)."""
    found = files(folder)
    return found[-1][1] if found else None


def title_of(title: str, norm_title: str) -> Title:
    """How a stored title is offered: as a reader reads it (a segmenter's spaces removed)."""
    return Title(reading_form(title.strip())[0], norm_title.strip())


# -- building ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """What a reindex's base vocabulary counted words from: the segments live when it was
    written, and the words' document frequencies in those the run's commit merged away since;
    the counts after the run are those plus the new segments' terms, less the merged ones."""

    segments: frozenset[str]
    merged: Mapping[str, int]


def segments_of(ix: Any) -> frozenset[str]:
    """The ids of the segments ix's latest commit holds."""
    with ix.reader() as reader:
        return frozenset(leaf.segment().segment_id() for leaf, _ in reader.leaf_readers())


def build(
    ix: Any,
    folder: Path,
    changes: TitleChanges,
    *,
    whole: bool,
    base: Path | None,
    counted: Counted | None = None,
) -> Path:
    """Write the vocabulary of ix's latest commit into folder (unless it is there already) and
    remove the older ones. whole: changes holds every title (a full build); otherwise base, the
    vocabulary of the state the run started from, is copied and patched with what changed,
    its word counts moved by the segments the run wrote and merged when counted says which
    (else read again from every segment). Without base, everything is written again and titles
    are read from the index, the slow way, readings reused from the folder's newest file."""
    target = path_for(folder, ix.latest_generation())
    older = [p for _, p in files(folder) if p != target]
    if target.exists():
        return target
    reused = base if base is not None and base.exists() else (older[-1] if older else None)
    with contextlib.closing(_Previous(reused)) as old:
        patch = reused is not None and reused == base and not whole and old.usable
        known = {} if patch else old.readings()
    if patch:
        _patch(target, reused, ix, counted, changes)
    else:
        titles = {i: t for i, t in changes.items() if t is not None} if whole else None
        _write(target, _words(ix), _stored_titles(ix) if titles is None else titles, known)
    for stale in [*older, *Path(folder).glob(".vocabulary-*.tmp")]:  # and a killed run's
        with contextlib.suppress(OSError):
            stale.unlink()
    return target


class _Previous:
    """A previous vocabulary file, read for what can be reused; unusable when damaged."""

    def __init__(self, path: Path | None) -> None:
        self.db: sqlite3.Connection | None = None
        if path is not None and path.exists():
            with contextlib.suppress(sqlite3.Error):
                db = _read_only(path)
                try:
                    db.execute("SELECT 1 FROM titles, readings LIMIT 1").fetchall()
                    db.execute("SELECT key, reading FROM top LIMIT 1").fetchall()
                except sqlite3.Error:
                    db.close()
                    raise
                self.db = db

    @property
    def usable(self) -> bool:
        return self.db is not None

    def readings(self) -> dict[str, tuple[list[str], list[str]]]:
        """word -> (full readings, initials) as computed last time."""
        found: dict[str, tuple[list[str], list[str]]] = {}
        if self.db is None:
            return found
        for word, keys in self.db.execute("SELECT word, keys FROM readings"):
            found[word] = _read_keys(keys)
        return found

    def close(self) -> None:
        if self.db is not None:
            self.db.close()


def _stored_titles(ix: Any) -> dict[str, Title]:
    """Every live item's title read from its stored fields: the slow way, for an index whose
    vocabulary was lost (or built before there was one)."""
    with ix.searcher() as searcher:
        return {
            stored["id"]: title_of(stored.get("title", ""), stored.get("norm_title", ""))
            for stored in searcher.all_stored_fields()
        }


def _words(ix: Any, skip: frozenset[str] = frozenset()) -> dict[str, int]:
    """The words field's words (jieba's, Han) of 2+ characters with the items holding them:
    Whoosh's term statistics summed over segments, but those skip names (an item deleted
    since its segment was written still counts until a merge drops it)."""
    counts: dict[str, int] = {}
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if leaf.segment().segment_id() in skip:
                continue
            for term, items in doc_frequencies(leaf, "words"):
                counts[term] = counts.get(term, 0) + items
    return {t: n for t, n in counts.items() if _counted(t)}


def _counted(term: str) -> bool:
    """Is a term of the words field a word the vocabulary holds?"""
    return len(term) > 1 and HAN_RUN.match(term) is not None


def _changed_words(
    db: sqlite3.Connection, ix: Any, counted: Counted | None
) -> tuple[dict[str, int], dict[str, int]]:
    """(before, after) of the words whose count a reindex changed (after 0: gone), db the
    base: read from the segments it wrote (and merged) when counted says which, else from all
    of them."""
    if counted is not None:
        delta = _words(ix, skip=counted.segments)
        for term, items in counted.merged.items():
            if _counted(term):
                delta[term] = delta.get(term, 0) - items
        before = dict(
            db.execute(
                "SELECT text, items FROM entries WHERE key IN"
                " (SELECT value FROM json_each(?)) AND reading = '' AND kind = 'word'",
                (json.dumps(list(delta), ensure_ascii=False),),
            )
        )
        after = {w: before.get(w, 0) + n for w, n in delta.items() if n}
        if all(n >= 0 for n in after.values()):
            return before, after
        # the base did not count what the run says it did: count again from every segment
    before = dict(db.execute("SELECT text, items FROM entries WHERE kind = 'word'"))
    now = _words(ix)
    words = before.keys() | now.keys()
    return before, {w: now.get(w, 0) for w in words if before.get(w) != now.get(w)}


def _pinyin_worthy(word: str, items: int) -> bool:
    low, high = PINYIN_CHARS
    return (
        items >= PINYIN_MIN_ITEMS
        and low <= len(word) <= high
        and HAN_RUN.fullmatch(word) is not None
    )


Row = tuple[str, str, str, int, str]  # an entry: key, reading, text, items, kind
# An entry a run changed: its key, its version before and after (None: not there), and how it
# changes the number of entries under the key's prefixes.
_Change = tuple[str, Row | None, Row | None, int]


def _write(
    target: Path,
    words: dict[str, int],
    titles: dict[str, Title],
    known: dict[str, tuple[list[str], list[str]]],
) -> None:
    """Fill a new file beside target, sync it and rename it into place."""
    rows: list[Row] = [(w, "", w, n, "word") for w, n in words.items()]
    rows += _title_rows(titles)
    readings: list[tuple[str, str]] = []
    for word, items in words.items():
        if not _pinyin_worthy(word, items):
            continue
        full, initials = known.get(word) or reading_keys(word)
        readings.append((word, _stored_keys(full, initials)))
        rows += _pinyin_rows(word, items, full, initials)
    rows = sorted(set(rows), key=_table_order)  # what common prefixes need
    tmp = _new_file(target)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", rows)
        db.executemany("INSERT INTO top VALUES (?, ?, ?, ?, ?, ?, ?)", _heavy_prefixes(rows))
        db.executemany(
            "INSERT INTO titles VALUES (?, ?, ?)",
            ((doc_id, t.text, t.key) for doc_id, t in titles.items()),
        )
        db.executemany("INSERT INTO readings VALUES (?, ?)", readings)
        db.commit()
    finally:
        db.close()
    _place(tmp, target)


def _patch(
    target: Path, base: Path, ix: Any, counted: Counted | None, changes: TitleChanges
) -> None:
    """Write target as a copy of base changed where the run changed it: the counts of words
    and titles, the pinyin keys of the words whose count changed, the changed titles, and the
    best completions of the heavy prefixes those changes reach (the same file _write would
    write; a nightly run changes a few thousand of 300,000 entries)."""
    tmp = _new_file(target)
    shutil.copyfile(base, tmp)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        removed, added = _patch_words(db, *_changed_words(db, ix, counted))
        title_removed, title_added = _patch_titles(db, changes)
        _patch_top(db, {*removed, *title_removed}, {*added, *title_added})
        db.commit()
    finally:
        db.close()
    _place(tmp, target)


def _patch_words(
    db: sqlite3.Connection, before: dict[str, int], after: dict[str, int]
) -> tuple[list[Row], list[Row]]:
    """The word entries whose count changed (after: their new counts, 0 for a word gone), and
    their pinyin keys and readings; returns the entries removed and added."""
    gone = [w for w, n in after.items() if n == 0]
    changed = {w: n for w, n in after.items() if n}
    db.executemany(
        "DELETE FROM entries WHERE key = ? AND reading = '' AND text = ? AND kind = 'word'",
        ((w, w) for w in gone),
    )
    db.executemany(
        "INSERT OR REPLACE INTO entries VALUES (?, '', ?, ?, 'word')",
        ((w, w, n) for w, n in changed.items()),
    )
    touched = list(after)
    stored = dict(
        db.execute(
            "SELECT word, keys FROM readings WHERE word IN (SELECT value FROM json_each(?))",
            (json.dumps(touched, ensure_ascii=False),),
        )
    )
    dropped: list[Row] = []
    added: list[Row] = []
    readings: list[tuple[str, str]] = []
    for word in touched:
        was, now = before.get(word, 0), after.get(word, 0)
        keys = _read_keys(stored[word]) if word in stored else None
        if keys and _pinyin_worthy(word, was):
            dropped += _pinyin_rows(word, was, *keys)
        if _pinyin_worthy(word, now):
            keys = keys or reading_keys(word)
            added += _pinyin_rows(word, now, *keys)
            readings.append((word, _stored_keys(*keys)))
    db.executemany(
        "DELETE FROM entries WHERE key = ? AND reading = ? AND text = ? AND kind = ?",
        ((key, reading, text, kind) for key, reading, text, _, kind in dropped),
    )
    db.executemany("INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?)", added)
    db.executemany("DELETE FROM readings WHERE word = ?", ((w,) for w in stored))
    db.executemany("INSERT INTO readings VALUES (?, ?)", readings)
    dropped += [(w, "", w, before[w], "word") for w in after if w in before]
    added += [(w, "", w, n, "word") for w, n in changed.items()]
    return dropped, added


def _patch_titles(db: sqlite3.Connection, changes: TitleChanges) -> tuple[list[Row], list[Row]]:
    """The changed titles, and the title entries of every key they leave or join; returns the
    entries removed and added."""
    if not changes:
        return [], []
    titles = {
        i: Title(text, key) for i, text, key in db.execute("SELECT id, title, key FROM titles")
    }
    keys: set[str] = set()
    for doc_id, title in changes.items():
        old = titles.pop(doc_id, None)
        if old is not None:
            keys.add(old.key)
        if title is not None:
            titles[doc_id] = title
            keys.add(title.key)
    db.executemany("DELETE FROM titles WHERE id = ?", ((i,) for i in changes))
    db.executemany(
        "INSERT INTO titles VALUES (?, ?, ?)",
        ((i, t.text, t.key) for i, t in changes.items() if t is not None),
    )
    removed = db.execute(
        "SELECT key, reading, text, items, kind FROM entries WHERE key IN"
        " (SELECT value FROM json_each(?)) AND reading = '' AND kind = 'title'",
        (json.dumps(list(keys), ensure_ascii=False),),
    ).fetchall()
    db.executemany(
        "DELETE FROM entries WHERE key = ? AND reading = '' AND kind = 'title'",
        ((key,) for key in keys),
    )
    added = _title_rows({i: t for i, t in titles.items() if t.key in keys})
    db.executemany("INSERT INTO entries VALUES (?, ?, ?, ?, ?)", added)
    return removed, added


def _patch_top(db: sqlite3.Connection, removed: set[Row], added: set[Row]) -> None:
    """The best completions of the heavy prefixes that entries removed or added reach. A
    prefix's best stay as stored, or are merged with the added entries, when no entry that
    stood as high as its last best was removed for a worse one; else they are found again from
    its entries, as are those of a prefix that becomes heavy; a prefix that stops being heavy
    loses them (see _heavy_prefixes: heavy means more than SCAN_ROWS entries start with it).
    The changed entries sorted by key, a prefix's are a run of them, found by bisection."""
    versions: dict[tuple[str, str, str, str], list[Row | None]] = {}
    for row in removed - added:  # an entry written again unchanged is no change
        versions[_entry_id(row)] = [row, None]
    for row in added - removed:
        versions.setdefault(_entry_id(row), [None, None])[1] = row
    changes: list[_Change] = sorted(
        (
            ((old or new)[0], old, new, (new is not None) - (old is not None))  # type: ignore[index]
            for old, new in versions.values()
        ),
        key=lambda change: change[0],
    )
    keys = [change[0] for change in changes]
    grown = np.cumsum([0, *(step for _, _, _, step in changes)])
    most = np.array([max(old[3] if old else 0, new[3] if new else 0) for _, old, new, _ in changes])
    stored: dict[str, list[Row]] = {}
    for prefix, key, reading, text, items, kind in db.execute(
        "SELECT prefix, key, reading, text, items, kind FROM top ORDER BY prefix, rank"
    ):
        stored.setdefault(prefix, []).append((key, reading, text, items, kind))

    def span(prefix: str) -> tuple[int, int]:
        low = bisect.bisect_left(keys, prefix)
        return low, bisect.bisect_left(keys, prefix + _PAST, low)

    fresh: dict[str, list[Row]] = {}  # prefix -> its best now ([]: no longer heavy)
    for prefix, best in sorted(stored.items()):  # a prefix before the longer ones
        low, high = span(prefix)
        if any(fresh.get(prefix[:n]) == [] for n in range(1, len(prefix))):
            fresh[prefix] = []  # under a prefix no longer heavy
        elif low == high:
            continue
        elif grown[high] < grown[low] and _count(db, prefix) <= SCAN_ROWS:
            fresh[prefix] = []
        else:
            near = (low + np.flatnonzero(most[low:high] >= best[-1][3])).tolist()
            found = _merged_best(best, [changes[at] for at in near])
            fresh[prefix] = _best_of(db, prefix) if found is None else found
    heavy: dict[str, bool] = {}  # prefixes not heavy before that new entries start
    for key, _, _, step in changes:
        for n in range(1, min(len(key), LONGEST_PREFIX) + 1) if step > 0 else ():
            prefix = key[:n]
            if prefix in stored:
                if fresh.get(prefix) == []:
                    break
                continue
            if prefix not in heavy:
                low, high = span(prefix)
                heavy[prefix] = grown[high] > grown[low] and _count(db, prefix) > SCAN_ROWS
                if heavy[prefix]:
                    fresh[prefix] = _best_of(db, prefix)
            if not heavy[prefix]:
                break
    for prefix, best in fresh.items():
        if best == stored.get(prefix, []):
            continue
        db.execute("DELETE FROM top WHERE prefix = ?", (prefix,))
        db.executemany(
            "INSERT INTO top VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                (prefix, place, text, items, kind, key, reading)
                for place, (key, reading, text, items, kind) in enumerate(best)
            ),
        )


def _merged_best(best: list[Row], changes: list[_Change]) -> list[Row] | None:
    """A heavy prefix's best after its entries changed, from its stored best and the changed
    entries alone; None when that cannot tell (an entry at least as good as the last best was
    removed or became worse: the next best may then be any entry)."""
    if len(best) < COMPLETIONS:
        return None
    last = _rank_key(best[-1])
    fewest = best[-1][3]  # an entry with fewer items ranks below the last best
    candidates = {_entry_id(row): row for row in best}
    for _, old, new, _ in changes:
        fell = old is not None and old[3] >= fewest and _rank_key(old) <= last
        if fell and (new is None or _rank_key(new) > _rank_key(old)):  # type: ignore[arg-type]
            return None
        if new is not None and new[3] >= fewest and _rank_key(new) <= last:
            candidates[_entry_id(new)] = new
    return _distinct_rows(sorted(candidates.values(), key=_rank_key))


def _best_of(db: sqlite3.Connection, prefix: str, limit: int = COMPLETIONS) -> list[Row]:
    """A prefix's best entries found from all entries that start with it."""
    rows = db.execute(
        "SELECT key, reading, text, items, kind FROM entries WHERE key >= ? AND key < ?",
        (prefix, prefix + _PAST),
    ).fetchall()
    return _distinct_rows(sorted(rows, key=_rank_key), limit)


def _count(db: sqlite3.Connection, prefix: str) -> int:
    return db.execute(
        "SELECT count(*) FROM entries WHERE key >= ? AND key < ?",
        (prefix, prefix + _PAST),
    ).fetchone()[0]


def _entry_id(row: Row) -> tuple[str, str, str, str]:
    """An entry's primary key: what identifies it across versions."""
    key, reading, text, _, kind = row
    return key, reading, text, kind


def _rank_key(row: Row) -> tuple[int, int, int, str, str, str, str]:
    """Where an entry stands among a prefix's: the most items first, then by kind, shorter
    texts first, then in the table's order (as _heavy_prefixes and Vocabulary.complete rank)."""
    key, reading, text, items, kind = row
    return -items, KINDS.index(kind), len(text), key, reading, text, kind


def _distinct_rows(rows: Iterable[Row], limit: int = COMPLETIONS) -> list[Row]:
    """The first row of each text, limit of them at most, in the given order."""
    seen: set[str] = set()
    found: list[Row] = []
    for row in rows:
        if row[2] not in seen:
            seen.add(row[2])
            found.append(row)
            if len(found) == limit:
                break
    return found


def _table_order(row: Row) -> tuple[str, str, str, str]:
    """The entries table's order (its primary key)."""
    key, reading, text, _, kind = row
    return key, reading, text, kind


def _title_rows(titles: Mapping[str, Title]) -> list[Row]:
    """One entry per title key of 2+ characters: how many items have it, shown as the title
    of the first of them by id."""
    by_key: dict[str, tuple[str, int]] = {}
    for _, title in sorted(titles.items()):
        text, count = by_key.get(title.key, (title.text, 0))
        by_key[title.key] = (text, count + 1)
    return [(key, "", text, n, "title") for key, (text, n) in by_key.items() if len(key) > 1]


def _pinyin_rows(word: str, items: int, full: list[str], initials: list[str]) -> list[Row]:
    """A word's entries under its full readings, and under its initials when short enough."""
    rows = [(key, "f", word, items, "pinyin") for key in full]
    if INITIALS_CHARS[0] <= len(word) <= INITIALS_CHARS[1]:
        rows += [(key, "i", word, items, "pinyin") for key in initials]
    return rows


def _stored_keys(full: list[str], initials: list[str]) -> str:
    """A word's readings as the readings table keeps them: "zhangyu zhanghu|zy"."""
    return f"{' '.join(full)}|{' '.join(initials)}"


def _read_keys(stored: str) -> tuple[list[str], list[str]]:
    full, initials = stored.split("|")
    return full.split(), initials.split()


def _new_file(target: Path) -> Path:
    """The temporary file a vocabulary is written in beside target (a killed run's removed)."""
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.unlink(missing_ok=True)
    return tmp


def _place(tmp: Path, target: Path) -> None:
    """A written file synced and renamed into place, and the rename synced."""
    fsync_path(tmp)
    os.replace(tmp, target)
    fsync_path(target.parent)


def _heavy_prefixes(rows: list[Row]) -> Iterator[tuple[str, int, str, int, str, str, str]]:
    """(prefix, rank, text, items, kind, key, reading) of the best completions of every prefix
    that more than SCAN_ROWS entries start with, rows sorted by key: the entries of a prefix are
    a run of rows, whose runs of one more character are found by bisection, and whose best are
    found by a partial sort of their ranks."""
    keys = [row[0] for row in rows]
    order = np.lexsort(  # stable: ties keep the rows' order, as Vocabulary.complete does
        (
            np.array([len(row[2]) for row in rows]),
            np.array([KINDS.index(row[4]) for row in rows]),
            -np.array([row[3] for row in rows]),
        )
    )
    rank = np.empty(len(rows), dtype=np.int64)
    rank[order] = np.arange(len(rows))
    runs = [("", 0, len(rows))]
    while runs:
        prefix, low, high = runs.pop()
        if high - low <= SCAN_ROWS:
            continue
        if prefix:
            for place, (key, reading, text, items, kind) in enumerate(_best(rows, rank, low, high)):
                yield prefix, place, text, items, kind, key, reading
        if len(prefix) >= LONGEST_PREFIX:
            continue
        at = bisect.bisect_right(keys, prefix, low, high)  # past the key equal to prefix
        while at < high:
            longer = keys[at][: len(prefix) + 1]
            end = bisect.bisect_left(keys, longer + _PAST, at, high)
            runs.append((longer, at, end))
            at = end


def _best(rows: list[Row], rank: np.ndarray, low: int, high: int) -> list[Row]:
    """The best rows of COMPLETIONS distinct texts of rows low..high: from the few best ranked
    rows when they hold enough (a word has several pinyin keys), else from all of them."""
    ranks = rank[low:high]
    wanted = 4 * COMPLETIONS
    if len(ranks) > wanted:
        chosen = np.argpartition(ranks, wanted)[:wanted]
        found = _distinct_rows(rows[i] for i in (chosen[np.argsort(ranks[chosen])] + low).tolist())
        if len(found) == COMPLETIONS:
            return found
    return _distinct_rows(rows[i] for i in (np.argsort(ranks) + low).tolist())


# -- reading -------------------------------------------------------------------------------


def _read_only(path: Path) -> sqlite3.Connection:
    """A connection that never writes nor locks: the file never changes once in place.
    Raises sqlite3.Error when the file is gone (replaced by a newer one) or damaged."""
    db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
    try:
        db.execute("PRAGMA mmap_size = 268435456")  # pages shared through the OS's page cache
        db.execute("SELECT 1 FROM entries LIMIT 1").fetchall()
    except sqlite3.Error:
        db.close()
        raise
    return db


@dataclass(frozen=True)
class Entry:
    text: str
    items: int
    kind: str


class Vocabulary:
    """One vocabulary file, open read-only; safe to share between threads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db = _read_only(path)
        self._lock = threading.Lock()
        # closed when the last user lets go, not when a newer file replaces it mid-request
        weakref.finalize(self, self._db.close)

    def complete(self, prefix: str, limit: int = COMPLETIONS) -> list[Entry]:
        """The entries whose key starts with prefix (a folded text or a pinyin prefix), the
        most items first, each text once."""
        if not prefix:
            return []
        with self._lock:
            rows = self._db.execute(
                "SELECT text, items, kind FROM top WHERE prefix = ? ORDER BY rank", (prefix,)
            ).fetchall()
            if rows:  # stored for a prefix more than SCAN_ROWS entries start with
                return [Entry(*row) for row in rows[:limit]]
            return [Entry(t, n, k) for _, _, t, n, k in _best_of(self._db, prefix, limit)]

    def read_as(self, key: str, initials: bool, limit: int) -> list[Entry]:
        """The words with this pinyin reading (a full key, or initials), most items first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT text, items, kind FROM entries WHERE key = ? AND reading = ?"
                " ORDER BY items DESC, length(text), text LIMIT ?",
                (key, "i" if initials else "f", limit),
            ).fetchall()
        return [Entry(*row) for row in rows]
