"""`python -m indexer` is the speechsearch command."""

from .cli import main

main()
