"""The configuration file: ``arkgraph.toml`` found, read and checked into click's ``default_map``.

A file gives defaults for the options of repeated jobs; the command line and the environment still
win over it (click's order: command line > environment variable > ``default_map`` > built-in)::

    # arkgraph.toml
    naan = "12345"              # a top-level key: every command that has --naan
    [convert]
    profile = "all,edm"
    edm-provider = "My aggregator"
    [harvest]                   # shared by the harvest subcommands
    rate = 0.5
    [harvest.gallica]
    concurrency = 2

Keys are the options' long names, with dashes or underscores (``edm-provider``, ``edm_provider``),
or their parameter names (``fmt`` for ``--format``). Relative paths are taken from the working
directory, as on the command line. Nothing in the file is silently ignored: an unknown table or key,
or a value of the wrong type or out of range, is a :class:`~arkgraph.errors.UsageError` (exit 2)
naming the file and the key, e.g. ``arkgraph.toml: convert.naam: no such option``.

>>> import click
>>> @click.group()
... def cli(): pass
>>> @cli.command()
... @click.option("--rate", type=float, default=1.0)
... def fetch(rate): pass
>>> default_map({"fetch": {"rate": 0.5}}, cli, "arkgraph.toml")
{'fetch': {'rate': 0.5}}
>>> default_map({"fetch": {"rate": "slow"}}, cli, "arkgraph.toml")
Traceback (most recent call last):
...
arkgraph.errors.UsageError: arkgraph.toml: fetch.rate: expected a number, got string 'slow'
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import click

from .errors import UsageError

FILE_NAME = "arkgraph.toml"


def find(explicit: str | os.PathLike[str] | None = None, cwd: str | os.PathLike[str] | None = None) -> Path | None:
    """The file to read: ``explicit`` (which must then exist), else ``arkgraph.toml`` in ``cwd``
    (the working directory) if there is one, else ``None``."""
    if explicit is not None:
        path = Path(explicit)
        if not path.is_file():
            why = "it is a directory" if path.is_dir() else "no such file"
            raise UsageError(f"cannot read config file {path}: {why}")
        return path
    found = Path(cwd) / FILE_NAME if cwd is not None else Path(FILE_NAME)  # relative: errors name it as the user sees it
    return found if found.is_file() else None


def read(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The file's TOML as a dict; an unreadable or malformed file is one ``UsageError`` naming it."""
    try:
        text = Path(path).read_bytes().decode("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read config file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text (byte {exc.start})") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None


def load(path: str | os.PathLike[str], group: click.Group) -> dict[str, Any]:
    """:func:`read` then :func:`default_map`: the ``default_map`` for ``group`` from the file at ``path``."""
    return default_map(read(path), group, str(path))


def default_map(data: Mapping[str, Any], group: click.Group, source: str) -> dict[str, Any]:
    """``data`` (a parsed file) checked against ``group``'s commands, as click's nested ``default_map``.

    In a group's table, plain keys are shared by every command under it that has the option (each
    checks the value), and tables are its subcommands; a command's own table wins over shared keys.
    ``source`` names the file in error messages.
    """
    return _group_map(data, group, source, (), {})


def _group_map(data: Mapping[str, Any], group: click.Group, source: str, where: tuple[str, ...],
               shared: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    ctx = click.Context(group, info_name=group.name)
    names = group.list_commands(ctx)
    own = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    # commands are imported when looked at (LazyGroup): only those the file speaks of, unless a shared key
    # speaks of them all
    commands = {name: group.get_command(ctx, name) for name in names if own or shared or name in tables}
    for key in tables:
        if key not in names:
            raise UsageError(f"{source}: {_dotted(where, key)}: no such command (tables: {', '.join(names)})")
    # a shared key must mean something below this group: an option of at least one of its commands
    for key, value in own.items():
        if not any(_param(cmd, key) for cmd in _leaves(commands)):
            raise UsageError(f"{source}: {_dotted(where, key)}: no such option in any command"
                             f"{' under ' + ' '.join(where) if where else ''}")
        shared = {**shared, key: (_dotted(where, key), value)}
    out: dict[str, Any] = {}
    for name, cmd in commands.items():
        table = tables.get(name, {})
        if isinstance(cmd, click.Group):
            sub = _group_map(table, cmd, source, (*where, name), shared)
        else:
            sub = _command_map(table, cmd, source, (*where, name), shared)  # type: ignore[arg-type]
        if sub:
            out[name] = sub
    return out


def _command_map(table: Mapping[str, Any], cmd: click.Command, source: str, where: tuple[str, ...],
                 shared: dict[str, tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    given: dict[str, str] = {}  # parameter name → the key that set it, to catch two spellings of one option
    for key, (label, value) in shared.items():
        param = _param(cmd, key)
        if param is not None:  # say which command refused a shared value
            out[param.name] = _checked(cmd, param, value, source, f"{label} (for {' '.join(where)})")  # type: ignore[index]
    for key, value in table.items():
        label = _dotted(where, key)
        if isinstance(value, dict):
            raise UsageError(f"{source}: {label}: {' '.join(where)} has no subcommands")
        param = _param(cmd, key)
        if param is None:
            raise UsageError(f"{source}: {label}: no such option (see arkgraph {' '.join(where)} --help)")
        if param.name in given:
            raise UsageError(f"{source}: {label}: the same option as {given[param.name]}")
        given[param.name] = label  # type: ignore[index]
        out[param.name] = _checked(cmd, param, value, source, label)  # type: ignore[index]
    return out


def _leaves(commands: Mapping[str, click.Command | None]) -> list[click.Command]:
    out: list[click.Command] = []
    for cmd in commands.values():
        if isinstance(cmd, click.Group):
            ctx = click.Context(cmd, info_name=cmd.name)
            out += _leaves({n: cmd.get_command(ctx, n) for n in cmd.list_commands(ctx)})
        elif cmd is not None:
            out.append(cmd)
    return out


def _param(cmd: click.Command | None, key: str) -> click.Option | None:
    """The option ``key`` names: its long name with dashes or underscores, or its parameter name.
    ``--help``, ``--version`` and ``--config`` are not defaults, and arguments are not options."""
    if cmd is None:
        return None
    wanted = key.replace("_", "-")
    for param in cmd.params:
        if not isinstance(param, click.Option) or param.hidden or param.name in ("help", "version", "config"):
            continue
        longs = [o.lstrip("-") for o in param.opts if o.startswith("--")]
        if wanted in longs or key == param.name or wanted == (param.name or "").replace("_", "-"):
            return param
    return None


def _checked(cmd: click.Command, param: click.Option, value: Any, source: str, label: str) -> Any:
    """``value`` if click would take it for ``param``: TOML's own type first (a string for a number
    is a mistake in a typed file), then click's conversion, range and callback checks."""
    wrong = _wrong_type(param, value)
    if wrong:
        raise UsageError(f"{source}: {label}: {wrong}")
    if param.multiple and not isinstance(value, list):
        value = [value]  # one output, one profile: a list of one
    ctx = click.Context(cmd, info_name=cmd.name)
    try:
        param.process_value(ctx, value)
    except click.BadParameter as exc:
        raise UsageError(f"{source}: {label}: {exc.message}") from None
    return value


def _wrong_type(param: click.Option, value: Any) -> str | None:
    if param.multiple and isinstance(value, list):
        return next(filter(None, (_wrong_type_one(param, v) for v in value)), None)
    if isinstance(value, list):
        return f"expected one value, not a list ({param.opts[-1]} is not repeatable)"
    return _wrong_type_one(param, value)


def _wrong_type_one(param: click.Option, value: Any) -> str | None:
    kind = param.type
    if param.is_flag and not param.count:
        expected: tuple[type, ...] = (bool,)
        name = "true or false"
    elif isinstance(kind, click.types.IntParamType):
        expected, name = (int,), "an integer"
    elif isinstance(kind, click.types.FloatParamType):
        expected, name = (int, float), "a number"
    elif isinstance(kind, click.types.BoolParamType):
        expected, name = (bool,), "true or false"
    else:
        expected, name = (str,), "a string"
    # TOML's true is not a number, and a number is not a string
    if isinstance(value, bool) and bool not in expected or not isinstance(value, expected):
        return f"expected {name}, got {_toml_type(value)} {value!r}"
    return None


def _toml_type(value: Any) -> str:
    return {bool: "boolean", int: "integer", float: "float", str: "string", dict: "table",
            list: "array"}.get(type(value), type(value).__name__)


def _dotted(where: tuple[str, ...], key: str) -> str:
    return ".".join((*where, key))
