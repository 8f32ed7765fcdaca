"""Every command's --help shows how to run it: an example line that invokes that very command."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from arkgraph.cli import main


def command_paths(group: click.Group = main, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand of the CLI, as the words that name it (() is `arkgraph` itself)."""
    ctx = click.Context(group)
    paths = [path]
    for name in group.list_commands(ctx):
        cmd = group.get_command(ctx, name)
        if isinstance(cmd, click.Group):
            paths += command_paths(cmd, (*path, name))
        elif cmd is not None:
            paths.append((*path, name))
    return paths


def test_the_walk_finds_every_command_once() -> None:
    paths = command_paths()
    assert len(paths) == len(set(paths))
    assert {("convert",), ("validate",), ("harvest", "gallica"), ("harvest", "parismusees")} <= set(paths)


@pytest.mark.parametrize("path", command_paths(), ids=lambda p: " ".join(("arkgraph", *p)))
def test_help_has_an_example_of_the_command(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    # `arkgraph` itself: an example runs one of its commands (its first line of prose starts with "arkgraph")
    names = [" ".join(("arkgraph", *p)) + " " for p in ([path] if path else command_paths()[1:])]
    examples = [line for line in result.output.splitlines() if line.strip().startswith(tuple(names))]
    assert examples, f"`{' '.join(('arkgraph', *path))} --help` shows no example"
