"""Corpus files in, Documents out; every bad item is reported with file, line and reason."""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .dates import parse_date
from .documents import Document
from .errors import CorpusError

LOADABLE = {".txt", ".jsonl", ".json"}
KNOWN_FIELDS = {"id", "title", "body", "date", "source", "category", "url"}
_BINARY_SNIFF = 8192


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where, what, and whether the item was skipped."""

    path: str
    reason: str
    line: int | None = None
    doc_id: str | None = None
    skipped: bool = True

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        what = f" [{self.doc_id}]" if self.doc_id else ""
        kind = "skipped" if self.skipped else "warning"
        return f"{kind}: {where}{what}: {self.reason}"


class BadFile(Exception):
    """A whole file cannot be read; the message says why."""


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


@dataclass
class CorpusReader:
    """Walks corpus paths and yields each good Document once; problems collect in .problems."""

    paths: Iterable[Path]
    max_file_bytes: int = 20 * 1024 * 1024
    verbose: bool = False
    problems: list[Problem] = field(default_factory=list)
    files_with_errors: set[str] = field(default_factory=set)
    files_read: int = 0
    _first_seen: dict[str, str] = field(default_factory=dict)

    def documents(self) -> Iterator[Document]:
        """Every good document of every corpus path, in a stable order."""
        for root in self.paths:
            root = Path(root)
            if not root.exists():
                raise CorpusError(
                    f"corpus path {root} does not exist: pass an existing folder or file"
                )
            for file in self._files(root):
                yield from self._read_file(root, file)

    def _files(self, root: Path) -> Iterator[Path]:
        if root.is_file():
            yield root
            return
        for file in sorted(root.rglob("*")):
            if not file.is_file() or any(p.startswith(".") for p in file.relative_to(root).parts):
                continue
            if file.suffix.lower() in LOADABLE:
                yield file
            elif self.verbose:
                self.problems.append(Problem(str(file), "unknown file type, ignored"))

    def _report(self, problem: Problem) -> None:
        self.problems.append(problem)
        if problem.skipped:
            self.files_with_errors.add(problem.path)

    def _read_file(self, root: Path, file: Path) -> Iterator[Document]:
        name = str(file)
        suffix = file.suffix.lower()
        if suffix not in LOADABLE:
            self._report(
                Problem(name, f"unknown file type {suffix or '(none)'}; use .txt, .jsonl or .json")
            )
            return
        if suffix == ".jsonl":  # streamed: the size limit applies to each record
            yield from self._read_jsonl(name, file)
            return
        try:
            size = file.stat().st_size
            if size > self.max_file_bytes:
                raise BadFile(
                    f"file is {size / 1048576:.1f} MB, over the "
                    f"{self.max_file_bytes / 1048576:g} MB "
                    "limit; split it or raise SPEECHSEARCH_MAX_FILE_MB"
                )
            if size == 0:
                raise BadFile("empty file")
            text = decode(file.read_bytes())
        except (BadFile, OSError) as exc:
            self._report(Problem(name, str(exc)))
            return
        self.files_read += 1
        if suffix == ".txt":
            rel = file.relative_to(root) if file != root else Path(file.name)
            doc_id = rel.with_suffix("").as_posix()
            yield from self._accept(self._from_text(name, doc_id, text), name, None)
        else:
            yield from self._read_json(name, text)

    def _read_jsonl(self, name: str, file: Path) -> Iterator[Document]:
        try:
            handle = open(file, "rb")  # noqa: SIM115
        except OSError as exc:
            self._report(Problem(name, f"cannot read: {exc.strerror}"))
            return
        with handle:
            head = handle.read(_BINARY_SNIFF)
            handle.seek(0)
            if not head:
                self._report(Problem(name, "empty file"))
                return
            if b"\x00" in head and not head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                self._report(Problem(name, "binary file (NUL bytes), not JSON lines"))
                return
            self.files_read += 1
            for number, raw in enumerate(handle, start=1):
                if number == 1 and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[len(codecs.BOM_UTF8) :]
                if len(raw) > self.max_file_bytes:
                    self._report(
                        Problem(
                            name,
                            f"record over the {self.max_file_bytes / 1048576:g} MB limit",
                            number,
                        )
                    )
                    continue
                if not raw.strip():
                    continue
                try:
                    line = decode(raw)
                except BadFile as exc:
                    self._report(Problem(name, str(exc), number))
                    continue
                yield from self._accept(self._parse_json(name, line, number), name, number)

    def _read_json(self, name: str, text: str) -> Iterator[Document]:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            self._report(Problem(name, f"malformed JSON ({exc.msg} at line {exc.lineno})"))
            return
        records = data if isinstance(data, list) else [data]
        for number, record in enumerate(records, start=1):
            yield from self._accept(self._from_record(name, record), name, number)

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

    def _from_text(self, name: str, doc_id: str, text: str) -> Document | Problem:
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

    def _parse_json(self, name: str, line: str, number: int) -> Document | Problem | None:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            return Problem(name, f"malformed JSON line ({exc.msg})")
        return self._from_record(name, record, number)

    def _from_record(
        self, name: str, record: Any, number: int | None = None
    ) -> Document | Problem | None:
        if not isinstance(record, dict):
            return Problem(name, 'not a JSON object; expected {"id", "title", "body", ...}')
        raw_id = record.get("id")
        if raw_id is None or str(raw_id).strip() == "":
            return Problem(name, "missing id")
        doc_id = str(raw_id).strip()
        body = record.get("body")
        if not isinstance(body, str) or not body.strip():
            return Problem(name, "empty body", doc_id=doc_id)
        title = record.get("title")
        date_value = record.get("date")
        date = parse_date(date_value)
        if date is None and date_value not in (None, ""):
            where = number if number else None
            self.problems.append(
                Problem(
                    name,
                    f"unreadable date {date_value!r}, kept without a date",
                    where,
                    doc_id,
                    False,
                )
            )
        return Document(
            id=doc_id,
            title=str(title).strip() if title is not None else "",
            body=body,
            date=date,
            source=_text_or_none(record.get("source")),
            category=_text_or_none(record.get("category")),
            url=_text_or_none(record.get("url")),
            metadata={k: v for k, v in record.items() if k not in KNOWN_FIELDS},
            path=name,
        )


def _text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None
