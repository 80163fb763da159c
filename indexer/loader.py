"""Corpus files in, Documents out; every bad item is reported with file, line and reason."""

from __future__ import annotations

import codecs
import hashlib
import io
import json
import os
import re
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal

from . import markup
from .dates import parse_date
from .documents import Document
from .errors import CorpusError

FILE_FORMATS: dict[str, markup.Format | None] = {
    ".txt": None,  # detected from the text
    ".md": "markdown",
    ".html": "html",
    ".htm": "html",
}
"""Files of one document each, by suffix, with the markup their text is read as."""
LOADABLE = {*FILE_FORMATS, ".jsonl", ".json"}
_LOADABLE_SHOWN = ".txt, .md, .html, .htm, .jsonl or .json"
KNOWN_FIELDS = {"id", "title", "body", "date", "source", "category", "url", "format"}

MAX_NESTING = 64
"""Deepest nesting of arrays and objects in a record, the record itself being level 1. The JSON
decoder, json.dumps and pickle recurse once a level, so deeper JSON is measured but never
decoded: a deeper metadata field is dropped with a warning, a deeper record is refused."""

MAX_INT_DIGITS = 4300
"""Most digits of an integer in a record: Python's own limit for turning an integer into text
(hashing and showing a record need it), checked before the conversion so that a longer one
refuses its record instead of stopping the run."""

_BINARY_SNIFF = 8192
_CHUNK = 1 << 20
_SHOWN_CHARS = 200

Kind = Literal["skipped", "warning", "ignored"]

_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*(?:"|\Z)|[\[\]{}]', re.S)
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what, and what became of the item: skipped (not
    indexed), warning (indexed anyway, or nothing there to index) or ignored (not a corpus file)."""

    path: str
    reason: str
    line: int | None = None
    doc_id: str | None = None
    kind: Kind = "skipped"

    @property
    def skipped(self) -> bool:
        """Whether the item was left out of the index because of this problem."""
        return self.kind == "skipped"

    def __str__(self) -> str:
        path = _escaped(self.path)
        where = f"{path}:{self.line}" if self.line else path
        what = f" [{_shown(self.doc_id)}]" if self.doc_id else ""
        return f"{self.kind}: {where}{what}: {self.reason}"


class BadFile(Exception):
    """A whole file (or JSONL line) cannot be read; the message says why."""


class _Refused(ValueError):
    """JSON that must not be decoded into a record; the message says why and what to do."""


def decode(data: bytes) -> str:
    """Text of a file in UTF-8 (with or without BOM), UTF-16 with BOM, or GB18030/GBK."""
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    else:
        if b"\x00" in data[:_BINARY_SNIFF]:
            raise BadFile(
                "binary file (NUL bytes), not text: convert it to UTF-8 text or remove it"
            )
        encodings = ["utf-8", "gb18030"]
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadFile("undecodable bytes: neither UTF-8 nor GB18030; re-save the file as UTF-8")


def _escaped(text: str) -> str:
    """Text that stays on one line of a report: control characters written as escapes."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _shown(text: str) -> str:
    """A value quoted in a report: on one line, and cut when long (an id may be a megabyte)."""
    text = _escaped(text)
    return text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS] + "…"


def _safe_path(path: Path | str) -> str:
    """The path as text UTF-8 can store and print: bytes of a name that are not UTF-8 (which
    Python carries as lone surrogates) are written as \\xNN."""
    text = str(path)
    if not _SURROGATE.search(text):
        return text
    return os.fsencode(text).decode("utf-8", "backslashreplace")


def _id_problem(doc_id: str) -> str | None:
    """Why a link (/doc/<id>) cannot carry this id, if it cannot."""
    if _CONTROL.search(doc_id):
        return "the id holds control characters (newline, tab, NUL...), which a link cannot carry"
    if doc_id.startswith("/"):
        return "the id starts with '/', which a link cannot carry"
    if any(part in (".", "..") for part in doc_id.split("/")):
        return "the id has a '.' or '..' segment, which browsers remove from a link"
    return None


def _without_surrogates(value: Any) -> Any:
    """value with each lone surrogate (a JSON escape like \\ud800 without its pair) replaced by
    U+FFFD, as UTF-8, and so the index, cannot store one; nesting is bounded by MAX_NESTING."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_surrogates(k): _without_surrogates(v) for k, v in value.items()}
    return value


def _parse_int(digits: str) -> int:
    """A JSON integer, refused above MAX_INT_DIGITS before Python converts it."""
    count = len(digits.lstrip("-"))
    if count > MAX_INT_DIGITS:
        raise _Refused(
            f"an integer of {count:,} digits (at most {MAX_INT_DIGITS:,}): write it as a string"
        )
    return int(digits)


_DECODER = json.JSONDecoder(parse_int=_parse_int)


def _spans(text: str) -> dict[int, tuple[int, int]]:
    """Start -> (end, levels) of every array and object of text, brackets inside strings not
    counted; an unclosed one ends with the text. Iterative, so any depth can be measured."""
    spans: dict[int, tuple[int, int]] = {}
    opened: list[list[int]] = []  # [start, levels of its deepest child so far]

    def close(end: int) -> None:
        start, inner = opened.pop()
        spans[start] = (end, inner + 1)
        if opened:
            opened[-1][1] = max(opened[-1][1], inner + 1)

    for match in _STRUCTURE.finditer(text):
        char = text[match.start()]
        if char in "[{":
            opened.append([match.start(), 0])
        elif char != '"' and opened:
            close(match.start())
    while opened:
        close(len(text))
    return spans


@dataclass
class _Record:
    """A decoded JSON value less the members too deep to decode; too_deep maps each one's name
    to the levels the record would nest with it, for the warning."""

    value: Any
    too_deep: dict[str, int] = field(default_factory=dict)


class _JSONText:
    """JSON decoded without trusting it: whatever nests deeper than MAX_NESTING is measured and
    skipped, never decoded, and a refused record of a list costs that record alone."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.measured = text.count("[") + text.count("{") > MAX_NESTING  # else: shallow enough
        self.spans = _spans(text) if self.measured else {}

    def record(self) -> _Record:
        """The one value of a JSONL line; raises ValueError (JSONDecodeError, _Refused)."""
        result, end = self._record(self._skip(0))
        if isinstance(result, _Refused):
            raise result
        self._expect_end(end)
        return result

    def records(self) -> list[_Record | _Refused]:
        """The records of a .json file, one object or a list; raises ValueError when the file
        as a whole cannot be decoded."""
        text, at = self.text, self._skip(0)
        if not text.startswith("[", at):
            return [self.record()]
        results: list[_Record | _Refused] = []
        at = self._skip(at + 1)
        if not text.startswith("]", at):
            while True:
                result, at = self._record(at)
                results.append(result)
                at = self._skip(at)
                if text.startswith("]", at):
                    break
                if not text.startswith(",", at):
                    raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
                at = self._skip(at + 1)
        self._expect_end(at + 1)
        return results

    def _record(self, at: int) -> tuple[_Record | _Refused, int]:
        """The value at `at` and where it ends; decoded member by member when too deep."""
        span = self.spans.get(at)
        try:
            if span is None or span[1] <= MAX_NESTING:
                value, end = _DECODER.raw_decode(self.text, at)
                return _Record(value), end
            if self.text.startswith("{", at):
                return self._members(at)
            raise _Refused(
                f"JSON nested {span[1]:,} levels deep (at most {MAX_NESTING}): flatten the record"
            )
        except _Refused as refused:
            if not self.measured:  # where the refused record ends
                self.measured, self.spans = True, _spans(self.text)
            span = self.spans.get(at)
            if span is None:  # a bare number in a list: no end to resume from
                raise
            return refused, span[0] + 1

    def _members(self, at: int) -> tuple[_Record, int]:
        """The object at `at`, each member decoded unless it nests too deep, and its end."""
        text, record = self.text, _Record({})
        at = self._skip(at + 1)
        while True:
            if not text.startswith('"', at):
                raise json.JSONDecodeError(
                    "Expecting property name enclosed in double quotes", text, at
                )
            name, at = _DECODER.raw_decode(text, at)
            at = self._skip(at)
            if not text.startswith(":", at):
                raise json.JSONDecodeError("Expecting ':' delimiter", text, at)
            at = self._skip(at + 1)
            span = self.spans.get(at)
            if span is not None and span[1] >= MAX_NESTING:  # with the record's own level
                record.value.pop(name, None)
                record.too_deep[name] = span[1] + 1
                at = span[0] + 1
            else:
                record.too_deep.pop(name, None)
                record.value[name], at = _DECODER.raw_decode(text, at)
            at = self._skip(at)
            if text.startswith("}", at):
                return record, at + 1
            if not text.startswith(",", at):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, at)
            at = self._skip(at + 1)

    def _skip(self, at: int) -> int:
        return _WHITESPACE.match(self.text, at).end()  # type: ignore[union-attr]  # matches ""

    def _expect_end(self, end: int) -> None:
        if self._skip(end) < len(self.text):
            raise json.JSONDecodeError("Extra data", self.text, end)


@dataclass
class CorpusReader:
    """Walks corpus paths and yields each good Document once; problems collect in .problems."""

    paths: Iterable[Path]
    max_file_bytes: int = 20 * 1024 * 1024
    verbose: bool = False
    problems: list[Problem] = field(default_factory=list)
    files_with_errors: set[str] = field(default_factory=set)
    files_read: int = 0
    # id -> fingerprint of the records an index holds: a record read with the same fingerprint
    # comes back with its markup not cleaned (the caller keeps what it indexed before); a JSONL
    # line with a known fingerprint comes back unparsed, as its id and fingerprint only.
    known: Mapping[str, str] = field(default_factory=dict)
    _first_seen: dict[str, str] = field(default_factory=dict)
    _known_lines: dict[str, str] | None = None

    def documents(self) -> Iterator[Document]:
        """Every good document of every corpus path, in a stable order."""
        for root in self.paths:
            root = Path(root)
            if not root.exists():
                raise CorpusError(
                    f"corpus path {_safe_path(root)} does not exist: "
                    "pass an existing folder or file"
                )
            for file in self._files(root):
                yield from self._read_file(root, file)

    def had_errors(self, path: str) -> bool:
        """Whether the file at path, or a folder above it, could not be read in this run: the
        documents it held stay as they were."""
        return path in self.files_with_errors or any(
            str(folder) in self.files_with_errors for folder in Path(path).parents
        )

    def _files(self, root: Path) -> Iterator[Path]:
        if not root.is_dir():
            yield root
            return
        found: list[Path] = []
        for folder, folders, files in os.walk(root, onerror=self._unlisted):
            folders[:] = [name for name in folders if not name.startswith(".")]
            found += (Path(folder, name) for name in files if not name.startswith("."))
        for file in sorted(found):
            if file.suffix.lower() in LOADABLE:
                yield file
            elif self.verbose:
                self.problems.append(
                    Problem(
                        _safe_path(file),
                        f"unknown file type {file.suffix or '(none)'}, ignored "
                        f"(only {_LOADABLE_SHOWN.replace(' or ', ' and ')} are read)",
                        kind="ignored",
                    )
                )

    def _unlisted(self, error: OSError) -> None:
        """A folder os.walk could not list: gone since it was seen, or unreadable (then the
        documents indexed from it stay)."""
        where = _safe_path(error.filename)
        if isinstance(error, FileNotFoundError):
            self._gone(where, "folder vanished during the run (deleted or moved)")
        else:
            self._report(Problem(where, f"cannot list the folder: {error.strerror}"))

    def _gone(self, name: str, reason: str) -> None:
        """A listed file or folder missing when read: a warning, not an error, as the documents
        of a deleted file leave the index anyway."""
        self.problems.append(Problem(name, f"{reason}; nothing read from it", kind="warning"))

    def _report(self, problem: Problem) -> None:
        self.problems.append(problem)
        if problem.skipped:
            self.files_with_errors.add(problem.path)

    def _read_file(self, root: Path, file: Path) -> Iterator[Document]:
        name = _safe_path(file)
        if name != str(file):
            self.problems.append(
                Problem(
                    name,
                    "the file name is not valid UTF-8, so its bytes are written as \\xNN here "
                    "(and in the id of a .txt file): rename the file in UTF-8",
                    kind="warning",
                )
            )
        suffix = file.suffix.lower()
        if suffix not in LOADABLE:
            self._report(
                Problem(name, f"unknown file type {suffix or '(none)'}; use {_LOADABLE_SHOWN}")
            )
            return
        try:
            info = file.stat()
            if not stat.S_ISREG(info.st_mode):
                raise BadFile("not a regular file (a pipe, socket or device): remove it")
            if suffix == ".jsonl":  # streamed: the size limit applies to each record
                yield from self._read_jsonl(name, file)
                return
            if info.st_size > self.max_file_bytes:
                raise BadFile(
                    f"file is {info.st_size / 1048576:.1f} MB, over the "
                    f"{self.max_file_bytes / 1048576:g} MB "
                    "limit; split it or raise SPEECHSEARCH_MAX_FILE_MB"
                )
            if info.st_size == 0:
                raise BadFile("empty file")
            text = decode(file.read_bytes())
        except FileNotFoundError:
            if file.is_symlink():
                self._gone(name, "broken symbolic link (its target was deleted or moved)")
            else:
                self._gone(name, "file vanished during the run (deleted or moved)")
            return
        except OSError as exc:
            self._report(Problem(name, f"cannot read: {exc.strerror or exc}"))
            return
        except BadFile as exc:
            self._report(Problem(name, str(exc)))
            return
        self.files_read += 1
        if suffix in FILE_FORMATS:
            rel = file.relative_to(root) if file != root else Path(file.name)
            doc_id = _safe_path(rel.with_suffix("").as_posix())
            document = self._from_text(name, doc_id, text, FILE_FORMATS[suffix])
            yield from self._accept(document, name, None)
        else:
            yield from self._read_json(name, text)

    def _read_jsonl(self, name: str, file: Path) -> Iterator[Document]:
        with open(file, "rb") as handle:
            head = handle.read(_BINARY_SNIFF)
            handle.seek(0)
            if not head:
                raise BadFile("empty file")
            utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
            if b"\x00" in head and not utf16:
                raise BadFile("binary file (NUL bytes), not JSON lines")
            self.files_read += 1
            lines = self._utf16_lines(handle) if utf16 else self._byte_lines(handle)
            number = 0
            try:
                for number, line in enumerate(lines, start=1):
                    if isinstance(line, BadFile):
                        self._report(Problem(name, str(line), number))
                    elif line.strip():
                        fingerprint = _line_fingerprint(line)
                        doc_id = self._known_line(fingerprint)
                        if doc_id is not None and doc_id not in self._first_seen:
                            self._first_seen[doc_id] = f"{name}:{number}"
                            yield Document(doc_id, "", "", path=name, fingerprint=fingerprint)
                            continue
                        parsed = self._parse_json(name, line, number, fingerprint)
                        yield from self._accept(parsed, name, number)
            except OSError as exc:
                self._report(Problem(name, f"cannot read past line {number}: {exc.strerror}"))

    def _known_line(self, fingerprint: str) -> str | None:
        """The id of the record an index holds with this line's fingerprint: a reindex skips
        an unchanged line without parsing it (most of what a nightly run reads)."""
        if self._known_lines is None:
            self._known_lines = {print_: doc_id for doc_id, print_ in self.known.items()}
        return self._known_lines.get(fingerprint)

    def _byte_lines(self, handle: BinaryIO) -> Iterator[str | BadFile]:
        """Lines of a UTF-8 or GB18030 file ("\\n" is one byte in both), each decoded alone so a
        bad line costs only itself."""
        while raw := handle.readline(self.max_file_bytes + 1):
            if len(raw) > self.max_file_bytes:
                while raw and not raw.endswith(b"\n"):
                    raw = handle.readline(_CHUNK)
                yield BadFile(self._over_limit())
                continue
            try:
                yield decode(raw)
            except BadFile as exc:
                yield exc

    def _utf16_lines(self, handle: BinaryIO) -> Iterator[str | BadFile]:
        """Lines of a UTF-16 file (BOM first): decoded as text, then split, as "\\n" is two
        bytes there and one of them may be part of any character."""
        text = io.TextIOWrapper(handle, encoding="utf-16", errors="surrogatepass", newline="\n")
        limit = self.max_file_bytes // 2  # in characters of two bytes
        try:
            while line := text.readline(limit + 1):
                if len(line) > limit:
                    while line and not line.endswith("\n"):
                        line = text.readline(_CHUNK)
                    yield BadFile(self._over_limit())
                elif _SURROGATE.search(line):
                    yield BadFile("not valid UTF-16 (an unpaired surrogate): re-save it as UTF-8")
                else:
                    yield line
        except UnicodeDecodeError:
            yield BadFile("the file ends inside a UTF-16 character (cut short?): re-save it")
        finally:
            text.detach()  # the handle is the caller's to close

    def _over_limit(self) -> str:
        return (
            f"record over the {self.max_file_bytes / 1048576:g} MB limit; "
            "split it or raise SPEECHSEARCH_MAX_FILE_MB"
        )

    def _read_json(self, name: str, text: str) -> Iterator[Document]:
        try:
            records = _JSONText(text).records()
        except json.JSONDecodeError as exc:
            self._report(Problem(name, f"malformed JSON ({exc.msg} at line {exc.lineno})"))
            return
        except ValueError as exc:
            self._report(Problem(name, str(exc)))
            return
        escaped = _SURROGATE_ESCAPE.search(text) is not None
        for number, record in enumerate(records, start=1):
            if isinstance(record, _Refused):
                self._report(Problem(name, str(record), number))
            else:
                result = self._from_record(name, record, number, escaped)
                yield from self._accept(result, name, number)

    def _accept(
        self, result: Document | Problem | None, name: str, line: int | None
    ) -> Iterator[Document]:
        if isinstance(result, Problem):
            self._report(Problem(name, result.reason, line, result.doc_id))
            return
        if result is None:
            return
        first = self._first_seen.get(result.id)
        if first is not None:
            self._report(
                Problem(
                    name, f"duplicate id, first seen in {first}; kept the first", line, result.id
                )
            )
            return
        self._first_seen[result.id] = f"{name}:{line}" if line else name
        yield result

    def _from_text(
        self, name: str, doc_id: str, text: str, fmt: markup.Format | None
    ) -> Document | Problem:
        """The document of a file: the title its first line (or its HTML/Markdown title), the
        body the rest; a .txt file is plain text unless it plainly holds markup."""
        refused = _id_problem(doc_id)
        if refused:
            return Problem(name, f"{refused}: rename the file", doc_id=doc_id)
        title_line, fmt = fmt is None, fmt or markup.detect(text)
        if fmt != "text":
            title, body = markup.document(text, fmt, title_line)
            if not title:
                return Problem(
                    name, "empty file (no text once its markup is removed)", doc_id=doc_id
                )
            if not body:
                return Problem(name, "empty body: the file has a title but no text", doc_id=doc_id)
            return Document(id=doc_id, title=title, body=body, path=name)
        lines = text.split("\n")
        while lines and not lines[0].strip():
            lines.pop(0)
        if not lines:
            return Problem(name, "empty file (only blank lines)", doc_id=doc_id)
        title = lines[0].strip()
        body = "\n".join(lines[1:]).strip("\n").rstrip()
        if not body.strip():
            return Problem(name, "empty body: the file has a title line but no text", doc_id=doc_id)
        return Document(id=doc_id, title=title, body=body, path=name)

    def _parse_json(
        self, name: str, line: str, number: int, fingerprint: str
    ) -> Document | Problem | None:
        try:
            record = _JSONText(line).record()
        except json.JSONDecodeError as exc:
            return Problem(name, f"malformed JSON line ({exc.msg})")
        except ValueError as exc:
            return Problem(name, str(exc))
        escaped = _SURROGATE_ESCAPE.search(line) is not None
        return self._from_record(name, record, number, escaped, fingerprint)

    def _from_record(
        self, name: str, parsed: _Record, number: int, escaped: bool, fingerprint: str = ""
    ) -> Document | Problem | None:
        record = parsed.value
        if not isinstance(record, dict):
            return Problem(name, 'not a JSON object; expected {"id", "title", "body", ...}')
        deep = sorted(set(parsed.too_deep) & KNOWN_FIELDS)
        if deep:
            levels = parsed.too_deep[deep[0]]
            return Problem(
                name,
                f"field {deep[0]!r} makes the record nest {levels:,} levels deep "
                f"(at most {MAX_NESTING}): flatten it",
            )
        cleaned = _without_surrogates(record) if escaped else record
        replaced = escaped and cleaned != record
        raw_id = cleaned.get("id")
        if raw_id is None or str(raw_id).strip() == "":
            return Problem(name, "missing id")
        doc_id = str(raw_id).strip()
        refused = _id_problem(doc_id)
        if refused:
            return Problem(name, f"{refused}: change the id", doc_id=doc_id)
        body = cleaned.get("body")
        if not isinstance(body, str) or not body.strip():
            return Problem(name, "empty body", doc_id=doc_id)
        fmt, unknown_format = _declared_format(cleaned.get("format"))
        fingerprint = fingerprint or _fingerprint(cleaned)
        unchanged = self.known.get(doc_id) == fingerprint
        if not unchanged:
            body = markup.clean(body, fmt)
        if not body:
            return Problem(name, "empty body once its markup is removed", doc_id=doc_id)

        def warn(reason: str) -> None:
            self.problems.append(Problem(name, reason, number, doc_id, "warning"))

        if replaced:
            warn("unpaired surrogate escapes (like \\ud800) replaced by U+FFFD")
        if unknown_format:
            warn(unknown_format)
        for key, levels in parsed.too_deep.items():
            warn(
                f"metadata field {_shown(key)!r} nests the record {levels:,} levels deep "
                f"(at most {MAX_NESTING}): dropped it, kept the rest of the record"
            )
        date_value = cleaned.get("date")
        date = parse_date(date_value)
        if date is None and date_value not in (None, ""):
            warn(f"unreadable date {_shown(repr(date_value))}, kept without a date")
        title = cleaned.get("title")
        return Document(
            id=doc_id,
            title=_title(title, fmt, unchanged),
            body=body,
            date=date,
            source=_text_or_none(cleaned.get("source")),
            category=_text_or_none(cleaned.get("category")),
            url=_text_or_none(cleaned.get("url")),
            metadata={k: v for k, v in cleaned.items() if k not in KNOWN_FIELDS},
            path=name,
            fingerprint=fingerprint,
        )


def _line_fingerprint(line: str) -> str:
    """A JSONL line as read: what tells a reindex its record changed, before any parsing."""
    data = line.strip().encode("utf-8", "surrogatepass")
    return "l:" + hashlib.blake2b(data, digest_size=12).hexdigest()


def _fingerprint(record: Mapping[str, Any]) -> str:
    """The record as read, before cleaning: what tells a reindex it changed."""
    payload = json.dumps(record, ensure_ascii=False, sort_keys=True, default=str)
    return "r:" + hashlib.blake2b(payload.encode("utf-8"), digest_size=12).hexdigest()


def _title(title: Any, fmt: markup.Format | None, unchanged: bool) -> str:
    """A record's title cleaned of its markup (as read, when the record is known unchanged)."""
    if title is None:
        return ""
    text = str(title).strip()
    return text if unchanged else markup.clean_title(text, fmt).strip()


def _declared_format(value: Any) -> tuple[markup.Format | None, str | None]:
    """The markup a record's "format" field declares (None: detect it from the text), and why
    the value was not understood, if it was not."""
    if value is None or value == "":
        return None, None
    named = value.strip().lower() if isinstance(value, str) else None
    for fmt in markup.FORMATS:
        if fmt == named:
            return fmt, None
    return None, (
        f"unknown format {_shown(repr(value))} (use html, markdown or text): "
        "detected it from the text instead"
    )


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
