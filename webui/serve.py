"""`speechsearch serve`: the web app behind waitress (never Flask's development server)."""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import socket
import sys
import time
from pathlib import Path

import click
import waitress
from flask import Flask

from indexer.cli import index_option, reports_errors
from indexer.errors import SpeechSearchError
from indexer.processes import die_with_parent

from . import create_app
from .core import search_index

RESTART_DELAY_S = 0.5
# How long a running search keeps the interpreter before a waiting thread gets it (Python's
# default is 5 ms). A health check or a small page re-takes it at every read, write and file
# access: a dozen waits of 5 ms behind a hostile search made /healthz take 60-130 ms.
SWITCH_INTERVAL_S = 0.001


@click.command()
@index_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@click.option(
    "--threads", type=click.IntRange(1, 256), default=4, show_default=True, help="Worker threads."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Server processes sharing the port: a search holds one core, so one per core serves "
    "several readers at once.",
)
@reports_errors
def serve(index_dir: Path | None, host: str, port: int, threads: int, workers: int) -> None:
    """Serve the search page and the JSON API with waitress."""
    app = create_app({"INDEX_DIR": str(index_dir)} if index_dir else None)
    try:
        listener = _listen(host, port)
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving http://{shown}:{listener.getsockname()[1]}/")
    with app.app_context():
        try:
            health = search_index().health()
            click.echo(f"  {health['documents']:,} documents, index {app.config['INDEX_DIR']}")
        except SpeechSearchError as exc:
            click.echo(f"warning: {exc}; pages answer 503 until it is fixed", err=True)
        search_index().close()  # each worker opens its own: open files share their offsets
    sys.setswitchinterval(SWITCH_INTERVAL_S)
    # What is loaded by now (the app, jieba's dictionary, the cutter's table) moves to the
    # permanent generation: a full collection no longer walks it while holding the interpreter
    # (30 ms that a health check waited), and forked workers never write to those pages, which
    # stay shared instead of being copied into every worker.
    gc.freeze()
    if workers == 1:
        waitress.create_server(app, sockets=[listener], threads=threads).run()
    else:
        _serve_forked(app, listener, threads, workers)


def _serve_forked(app: Flask, listener: socket.socket, threads: int, workers: int) -> None:
    """Pre-fork: each worker runs waitress on the one listening socket (the kernel hands each
    connection to one of them) and has its own index reader; the parent replaces a worker that
    dies and stops them all on SIGTERM or SIGINT. The app and the dictionary are loaded before
    the fork, so the workers share those pages."""
    children: set[int] = set()
    stopping = False

    def start() -> None:
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            die_with_parent()
            try:
                waitress.create_server(app, sockets=[listener], threads=threads).run()
            finally:
                os._exit(1)
        children.add(pid)

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(workers):
        start()
    while children:
        pid, status = os.wait()
        children.discard(pid)
        if not stopping:
            click.echo(f"warning: worker {pid} ended ({status}); starting another", err=True)
            time.sleep(RESTART_DELAY_S)
            start()


def _listen(host: str, port: int) -> socket.socket:
    """Bound here: waitress leaks its socket on a busy port and binds every address of a name."""
    listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        listener.listen(1024)
    except OSError:
        listener.close()
        raise
    return listener
