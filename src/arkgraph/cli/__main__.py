"""``python -m arkgraph.cli``: the ``arkgraph`` command, for an environment without the script on PATH."""

from . import main

main(prog_name="arkgraph")
