"""``python -m arkgraph``: the ``arkgraph`` command, for an environment without the script on PATH."""

from .cli import main

main(prog_name="arkgraph")
