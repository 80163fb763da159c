"""`python -m bench`: the full benchmark (`make bench`), its smoke mode (`--smoke`, run by
`make test`), and the parts that run alone: `relevance` (ranking work), `words` (words before
characters), `hostile`, `bigdoc` and `durability` (issues 12-13), `reader` (issue 14) and
`profile`."""

from __future__ import annotations

import argparse
import sys

from . import hotspots, relevance, suite, words


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run what it names."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    suite.add_arguments(parser)
    commands = parser.add_subparsers(dest="command")
    relevance.add_arguments(
        commands.add_parser("relevance", help="known-item evaluation only (see bench/relevance.py)")
    )
    words.add_arguments(
        commands.add_parser("words", help="word-precision set only (see bench/words.py)")
    )
    suite.add_parts(commands)
    hotspots.add_arguments(
        commands.add_parser("profile", help="pyinstrument over our build and queries")
    )
    args = parser.parse_args(argv)
    if args.command == "relevance":
        relevance.run(args)
    elif args.command == "words":
        words.run(args)
    elif args.command == "profile":
        hotspots.run(args)
    else:
        return suite.run(args)
    return 0


sys.exit(main())
