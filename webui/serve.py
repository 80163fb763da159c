"""`speechsearch serve`: the web app behind waitress (never Flask's development server)."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import click
import waitress

from indexer.cli import reports_errors
from indexer.errors import SpeechSearchError

from . import create_app
from .core import search_index


@click.command()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Index folder (default: $SPEECHSEARCH_INDEX or ./instance/index).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free."
)
@click.option(
    "--threads", type=click.IntRange(1, 256), default=4, show_default=True, help="Worker threads."
)
@reports_errors
def serve(index_dir: Path | None, host: str, port: int, threads: int) -> None:
    """Serve the search page and the JSON API with waitress."""
    app = create_app({"INDEX_DIR": str(index_dir)} if index_dir else None)
    try:
        listener = _listen(host, port)
    except OSError as exc:
        click.echo(f"error: cannot listen on {host}:{port}: {exc.strerror or exc}", err=True)
        sys.exit(1)
    server = waitress.create_server(app, sockets=[listener], threads=threads)
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"serving http://{shown}:{listener.getsockname()[1]}/")
    with app.app_context():
        try:
            health = search_index().health()
            click.echo(f"  {health['documents']:,} documents, index {app.config['INDEX_DIR']}")
        except SpeechSearchError as exc:
            click.echo(f"warning: {exc}; pages answer 503 until it is fixed", err=True)
    server.run()


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
