"""The speechsearch command: thin over the core; core errors become one-line messages."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import click

from . import trends
from .concordance import SORTS as KWIC_SORTS
from .concordance import KwicRequest, concordance
from .cooccur import cooccurring
from .errors import SpeechSearchError
from .export import ITEM_COLUMNS, KWIC_COLUMNS, ExportRequest, export_items, export_lines
from .limits import (
    EXPORT_MAX_ROWS,
    EXPORT_ROWS,
    KWIC_PAGE_SIZE,
    KWIC_WIDTH,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
)
from .periods import PERIODS
from .results import Completions, Concordance, Cooccurrence, SearchResult, Trend
from .searcher import SearchIndex, SearchRequest
from .settings import Settings
from .snippets import Kind, Piece, as_html
from .tabular import FORMATS, as_csv, as_jsonl

if TYPE_CHECKING:
    from .indexing import RunReport

DEFAULT_CORPUS = Path("corpus")

index_option = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index folder (default: $SPEECHSEARCH_INDEX or ./instance/index).",
)


def _settings(index_dir: Path | None, **extra: Any) -> Settings:
    return Settings.from_env(index_dir=index_dir, **extra)


def reports_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn the core's exceptions into a one-line message and its exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SpeechSearchError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except Exception as exc:  # a bug: one line for the user, the trace on request
            if os.environ.get("SPEECHSEARCH_DEBUG"):
                raise
            click.echo(
                f"error: unexpected {type(exc).__name__}: {exc} "
                "(set SPEECHSEARCH_DEBUG=1 for the traceback)",
                err=True,
            )
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cli() -> None:
    """Chinese full-text search over an archive of news reports and speeches."""


def _progress(enabled: bool) -> Callable[[int], None]:
    """A live counter on a terminal, a plain line every 5,000 documents otherwise."""
    tty = sys.stderr.isatty()

    def show(count: int) -> None:
        if tty:
            if count % 100 == 0:
                click.echo(f"\r  {count:,} documents", nl=False, err=True)
        elif count % 5000 == 0:
            click.echo(f"  {count:,} documents", err=True)

    return show if enabled else (lambda count: None)


def _print_report(report: RunReport, verbose: bool) -> None:
    if sys.stderr.isatty():
        click.echo("", err=True)
    for line in report.problems:
        click.echo(f"  {line}", err=True)
    click.echo(
        f"{report.mode} ({report.reason or 'up to date check'}) → {report.generation}: "
        f"added {report.added}, updated {report.updated}, deleted {report.deleted}, "
        f"unchanged {report.unchanged}, kept {report.kept}; skipped {report.skipped}, "
        f"warnings {report.warnings}; {report.documents} documents in the index; "
        f"{report.elapsed_s:.1f}s"
    )


def _index_command(name: str, help_text: str) -> click.Command:
    @click.option(
        "--corpus",
        "corpus",
        multiple=True,
        type=click.Path(path_type=Path),
        help="Corpus folder or file; repeat for several (default: ./corpus).",
    )
    @index_option
    @click.option("--rebuild", is_flag=True, help="Build a new generation from scratch.")
    @click.option("--optimize", is_flag=True, help="Merge all segments into one after updating.")
    @click.option("--max-file-mb", type=float, help="Skip files larger than this (default 20).")
    @click.option("--procs", type=click.IntRange(1, 16), help="Processes for a full build.")
    @click.option("-v", "--verbose", is_flag=True, help="Also list ignored files.")
    @click.option("--quiet", is_flag=True, help="No progress output.")
    @reports_errors
    def command(corpus, index_dir, rebuild, optimize, max_file_mb, procs, verbose, quiet) -> None:
        from .indexing import sync  # here: `serve` and `search` never load the writer

        settings = _settings(
            index_dir,
            max_file_bytes=int(max_file_mb * 1048576) if max_file_mb else None,
            procs=procs,
        )
        report = sync(
            settings,
            corpus or [DEFAULT_CORPUS],
            rebuild=rebuild,
            optimize=optimize,
            verbose=verbose,
            progress=_progress(not quiet),
        )
        _print_report(report, verbose)

    command.__doc__ = help_text
    return cli.command(name)(command)


_index_command(
    "index",
    "Index a corpus: a full build the first time, then only what changed.",
)
_index_command(
    "reindex",
    "Nightly entry point: bring the index up to date (exit 0 done, 1 failed, 2 usage, 75 locked).",
)


def _human(result: SearchResult) -> str:
    lines = [f"{result['total']} hits for {result['query']!r} ({result['elapsed_ms']:.1f} ms)"]
    lines += [f"  note: {n}" for n in result["notices"]]
    lines += _pinyin_lines(result)
    for rank, hit in enumerate(result["hits"], start=1):
        meta = " · ".join(x for x in (hit["date"], hit["source"]) if x)
        lines.append(f"{rank:>3}. {hit['title'] or '(无标题)'}  [{hit['id']}]  {meta}")
        for passage in hit["passages"]:
            lines.append("     " + passage)
    for suggestion in result["suggestions"]:
        lines.append(
            f"  try: {suggestion['query']}  ({suggestion['label']}, {suggestion['total']})"
        )
    return "\n".join(lines)


# How a terminal shows a match and a straddle: (start, end) on a tty, and when piped.
TTY_MARKS = {"match": ("\x1b[1;33m", "\x1b[0m"), "straddle": ("\x1b[4m", "\x1b[0m")}
PIPED_MARKS = {"match": ("【", "】"), "straddle": ("〔", "〕")}


def as_terminal(pieces: Sequence[Piece], tty: bool) -> str:
    """Marks for a terminal: bold yellow (【】 when piped); a straddle underlined (〔〕)."""
    styles = TTY_MARKS if tty else PIPED_MARKS
    return "".join(
        text if kind is None else f"{styles[kind][0]}{text}{styles[kind][1]}"
        for text, kind in pieces
    )


def _json_line(result: SearchResult) -> str:
    hits = [
        {
            "id": h["id"],
            "title": h["title"],
            "score": h["score"],
            "date": h["date"],
            "source": h["source"],
            "snippet": " … ".join(h["passages"]),
        }
        for h in result["hits"]
    ]
    return json.dumps(
        {
            "query": result["query"],
            "total": result["total"],
            "elapsed_ms": result["elapsed_ms"],
            "hits": hits,
            **({"pinyin": result["pinyin"]} if result["pinyin"] else {}),
        },
        ensure_ascii=False,
    )


@cli.command()
@index_option
@click.option(
    "--limit", type=click.IntRange(1, MAX_PAGE_SIZE), default=PAGE_SIZE, show_default=True
)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--sort", type=click.Choice(["relevance", "date"]), default="relevance")
@click.option("--json", "as_json", is_flag=True, help="One JSON line per query.")
@click.option(
    "--no-pinyin", "no_pinyin", is_flag=True, help="Search Latin text as typed, never as pinyin."
)
@click.argument("query")
@reports_errors
def search(index_dir, limit, page, sort, as_json, no_pinyin, query) -> None:
    """Search the index; QUERY '-' reads one query per line from stdin."""
    searcher = SearchIndex(_settings(index_dir))
    marks = as_html if as_json else functools.partial(as_terminal, tty=sys.stdout.isatty())
    queries = (line.rstrip("\n") for line in sys.stdin) if query == "-" else [query]
    for text in queries:
        request = SearchRequest(
            q=text, size=limit, page=page, sort=sort, facets=False, pinyin=not no_pinyin
        )
        try:
            result = searcher.search(request, marks)
        except SpeechSearchError as exc:
            if query != "-" or exc.exit_code != 2:
                raise
            result = {"query": text, "total": 0, "elapsed_ms": 0.0, "hits": [], "error": str(exc)}
            click.echo(json.dumps(result, ensure_ascii=False) if as_json else f"error: {exc}")
            continue
        click.echo(_json_line(result) if as_json else _human(result))


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True)
@reports_errors
def stats(index_dir, as_json) -> None:
    """Documents, size, last update and analyzer configuration of the index."""
    info = SearchIndex(_settings(index_dir)).stats()
    if as_json:
        click.echo(json.dumps(info, ensure_ascii=False, indent=2))
        return
    click.echo(f"index:       {info['index']} ({info['generation']}, {info['segments']} segments)")
    click.echo(f"documents:   {info['documents']:,}")
    click.echo(f"size:        {info['size_bytes'] / 1048576:.1f} MB")
    click.echo(f"last update: {info['last_update'] or 'unknown'}")
    run = info["last_run"]
    if run:
        click.echo(
            f"last run:    {run.get('finished')} {run.get('mode')}: added {run.get('added')}, "
            f"updated {run.get('updated')}, deleted {run.get('deleted')}, "
            f"unchanged {run.get('unchanged')}, kept {run.get('kept')}, "
            f"skipped {run.get('skipped')}, warnings {run.get('warnings')} "
            f"in {run.get('elapsed_s')}s"
        )
    click.echo("analyzer:    " + ", ".join(f"{k}={v}" for k, v in (info["analyzer"] or {}).items()))


# -- studying the archive: trends and co-occurring words ------------------------------------

BAR_WIDTH = 30  # characters of the longest bar of a trend
EIGHTHS = " ▏▎▍▌▋▊▉"


def block_bar(value: float, top: float, width: int = BAR_WIDTH) -> str:
    """value as a bar of block characters, top filling width (eighths of a character)."""
    eighths = round(8 * width * value / top) if top > 0 else 0
    return "█" * (eighths // 8) + (EIGHTHS[eighths % 8] if eighths % 8 else "")


def _trend_table(result: Trend) -> str:
    unit = "month" if result["period"] == "month" else "year"
    lines = []
    for series in result["series"]:
        lines.append(
            f"{series['query']}: {'' if series['exact'] else 'about '}{series['total']:,} items, "
            f"by {unit} (count, share of the {unit}'s items)"
        )
        top = max((r or 0.0 for r in series["shares"]), default=0.0)
        for period, count, share in zip(
            result["periods"], series["counts"], series["shares"], strict=True
        ):
            shown = "" if share is None else f"{share * 100:6.2f}%"
            lines.append(
                f"  {period['period']:<8} {period['items']:>7,} {count:>7,} {shown:>8} "
                f"{block_bar(share or 0.0, top)}"
            )
        if series["undated"]:
            lines.append(f"  undated: {series['undated']:,} items (not in any {unit})")
    return "\n".join(lines)


# -- what a reader types: completions and pinyin (issue 14) ------------------------------------

KIND_NAMES = {"word": "word", "title": "title", "pinyin": "by pinyin"}


def _pinyin_lines(result: SearchResult) -> list[str]:
    """The line saying a Latin query was searched as the Han words it reads as."""
    reading = result["pinyin"]
    if not reading:
        return []
    return [
        f"  pinyin: 按拼音 {reading['typed']} 搜索：{'，'.join(reading['words'])} "
        f"(as typed: {reading['typed_total']} hits; --no-pinyin searches it as typed)"
    ]


@cli.command()
@index_option
@click.option("--period", type=click.Choice(PERIODS), help="Default: by year past 5 years.")
@click.option("--json", "as_json", is_flag=True, help="The trend as one JSON object.")
@click.argument("queries", nargs=-1, required=True)
@reports_errors
def trend(index_dir, period, as_json, queries) -> None:
    """Matching items per month or year, as counts and shares, for up to 5 QUERIES."""
    result = trends.trend(
        SearchIndex(_settings(index_dir)), queries, SearchRequest(q=queries[0]), period
    )
    _answer(result, as_json, _trend_table)


def _answer(result: Any, as_json: bool, human: Callable[[Any], str]) -> None:
    """A study command's answer: one JSON object with --json, else its lines for a reader."""
    text = json.dumps(result, ensure_ascii=False) if as_json else human(result)
    if text:
        click.echo(text)


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="The words as one JSON object.")
@click.argument("query")
@reports_errors
def cooccur(index_dir, as_json, query) -> None:
    """The words most characteristic of the items QUERY finds, against the whole archive."""
    _answer(
        cooccurring(SearchIndex(_settings(index_dir)), SearchRequest(q=query)),
        as_json,
        _cooccur_table,
    )


def _cooccur_table(result: Cooccurrence) -> str:
    lines = [
        f"{result['query']}: {'' if result['exact'] else 'about '}{result['items']:,} items "
        f"of {result['archive']:,}; word, items using it (of these / of all), G²"
    ]
    lines += [
        f"  {word['word']:<10} {word['count']:>7,} {word['archive']:>7,} {word['score']:>10.1f}"
        for word in result["words"]
    ]
    return "\n".join(lines)


@cli.command()
@index_option
@click.option("--json", "as_json", is_flag=True, help="The completions as one JSON object.")
@click.argument("prefix")
@reports_errors
def suggest(index_dir, as_json, prefix) -> None:
    """Complete PREFIX (Han, or pinyin such as zhangy or hlw) from the index's vocabulary."""
    _answer(SearchIndex(_settings(index_dir)).suggest(prefix.strip()), as_json, _completions)


def _completions(answer: Completions) -> str:
    return "\n".join(
        f"{c['text']}\t{c['count']}\t{KIND_NAMES[c['kind']]}" for c in answer["completions"]
    )


# -- concordance and export (issue 15) ---------------------------------------------------------


def _columns(text: str) -> int:
    """Terminal columns text takes: wide (Han, full-width) characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _kwic_human(result: Concordance, tty: bool) -> str:
    total = "?" if result["total"] is None else f"{result['total']:,}"
    lines = [
        f"{total} occurrences of {result['query']!r} in {result['items']:,} items "
        f"(page {result['page']}, sort {result['sort']}, {result['elapsed_ms']:.1f} ms)"
    ]
    lines += [f"  note: {n}" for n in result["notices"]]
    span = 2 * result["width"]
    for line in result["lines"]:
        left = " " * max(0, span - _columns(line["left"])) + line["left"]
        kind: Kind = "straddle" if line["straddle"] else "match"
        term = as_terminal([Piece(line["term"], kind)], tty)
        right = line["right"] + " " * max(0, span - _columns(line["right"]))
        lines.append(f"{left} {term} {right}  {line['date'] or '-'} {line['id']}#{line['offset']}")
    if result["more"]:
        lines.append(f"  more: --page {result['page'] + 1}")
    return "\n".join(lines)


def _study_search(query: str, sort: str = "relevance") -> SearchRequest:
    return SearchRequest(q=query, sort=sort, facets=False)


@cli.command()
@index_option
@click.option("--width", type=int, default=KWIC_WIDTH, show_default=True, help="Context chars.")
@click.option("--sort", type=click.Choice(KWIC_SORTS), default="date", show_default=True)
@click.option("--page", type=int, default=1, show_default=True)
@click.option("--size", type=int, default=KWIC_PAGE_SIZE, show_default=True, help="Lines a page.")
@click.option("--json", "as_json", is_flag=True, help="The page as one JSON object.")
@click.argument("query")
@reports_errors
def kwic(index_dir, width, sort, page, size, as_json, query) -> None:
    """Every occurrence of QUERY with its context, the term aligned in one column."""
    request = KwicRequest(_study_search(query), width=width, sort=sort, page=page, size=size)
    result = concordance(SearchIndex(_settings(index_dir)), request)
    _answer(result, as_json, functools.partial(_kwic_human, tty=sys.stdout.isatty()))


@cli.command()
@index_option
@click.option("--format", "form", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--kind", type=click.Choice(["items", "kwic"]), default="items", show_default=True)
@click.option(
    "--sort", help="items: relevance (default) or date; kwic: date (default), left or right."
)
@click.option("--limit", type=int, default=EXPORT_ROWS, show_default=True, help="Rows at most.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
@click.argument("query")
@reports_errors
def export(index_dir, form, kind, sort, limit, output, query) -> None:
    """The items matching QUERY (or its concordance) as CSV (UTF-8 with BOM) or JSON Lines."""
    index = SearchIndex(_settings(index_dir))
    if kind == "kwic":
        request = KwicRequest(_study_search(query), sort=sort or "date")
        rows: Iterator[Any] = export_lines(index, request, limit, EXPORT_MAX_ROWS)
        columns = KWIC_COLUMNS
    else:
        search = _study_search(query, sort or "relevance")
        rows = export_items(index, ExportRequest(search, limit, EXPORT_MAX_ROWS))
        columns = ITEM_COLUMNS
    text = as_csv(rows, columns) if form == "csv" else as_jsonl(rows)
    with contextlib.closing(rows), _opened(output) as out:
        for chunk in text:
            out.write(chunk.encode("utf-8"))


@contextlib.contextmanager
def _opened(output: Path | None) -> Iterator[BinaryIO]:
    """The file to write (stdout when None), as bytes: CSV keeps its own line ends."""
    if output is None:
        try:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        except BrokenPipeError:  # the reader stopped early (`| head`): not an error
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    with open(output, "wb") as handle:
        yield handle


def _load_plugins() -> None:
    """Commands of other packages (webui's `serve`) join here; the core never imports them."""
    for entry in entry_points(group="speechsearch.commands"):
        cli.add_command(entry.load(), entry.name)


def main() -> None:
    _load_plugins()
    cli(prog_name="speechsearch")
