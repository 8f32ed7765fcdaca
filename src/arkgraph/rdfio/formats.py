"""The RDF formats arkgraph reads and writes: the one table from file extension (and ``--format``
name) to format, and how to open an input file (plain, ``.gz`` or ``-`` for stdin)."""

from __future__ import annotations

import gzip
import sys
from typing import IO

import pyoxigraph as ox

from ..errors import InputError, UsageError

# format name -> pyoxigraph's format (None: JSON-LD, read and written through pyld, not pyoxigraph)
OX_FORMATS: dict[str, ox.RdfFormat | None] = {
    "nq": ox.RdfFormat.N_QUADS, "nt": ox.RdfFormat.N_TRIPLES, "turtle": ox.RdfFormat.TURTLE,
    "trig": ox.RdfFormat.TRIG, "jsonld": None}
# file extension -> format name (a file may also end in .gz)
EXTENSIONS = {".ttl": "turtle", ".nt": "nt", ".nq": "nq", ".trig": "trig", ".jsonld": "jsonld", ".json": "jsonld"}
# what ``--format`` accepts -> format name
NAMES = {"ttl": "turtle", "turtle": "turtle", "nt": "nt", "ntriples": "nt", "nq": "nq", "nquads": "nq",
         "trig": "trig", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld"}
QUADS = frozenset({"nq", "trig"})  # the formats with named graphs (one per record)
STDIN = "nq"  # '-' is read as N-Quads


def format_of(path: str) -> str | None:
    """The format name of a file from its extension (``.gz`` allowed after it), or None."""
    name = str(path).lower().removesuffix(".gz")
    for ext, fmt in EXTENSIONS.items():
        if name.endswith(ext):
            return fmt
    return None


def format_named(name: str) -> str:
    """The format name ``--format NAME`` means; UsageError if none."""
    fmt = NAMES.get(name.lower())
    if fmt is None:
        raise UsageError(f"unknown --format {name!r}: choose from ttl, nt, nq, trig, jsonld")
    return fmt


def input_format(path: str) -> str:
    """The format of an input file (``-``: N-Quads); InputError if the extension says none."""
    if path == "-":
        return STDIN
    fmt = format_of(path)
    if fmt is None:
        raise InputError(f"{path}: cannot tell the RDF format from the extension (.ttl .nt .nq .trig .jsonld)")
    return fmt


def ox_format(fmt: str) -> ox.RdfFormat:
    """pyoxigraph's format for a format name (not JSON-LD)."""
    out = OX_FORMATS[fmt]
    assert out is not None, "JSON-LD is read through pyld"
    return out


def open_input(path: str) -> IO[bytes]:
    """A binary stream of an input file: ``-`` is stdin, a ``.gz`` file is decompressed."""
    if path == "-":
        return sys.stdin.buffer
    try:
        return gzip.open(path, "rb") if path.lower().endswith(".gz") else open(path, "rb")  # type: ignore[return-value]
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from None


def close_input(fh: IO[bytes]) -> None:
    if fh is not sys.stdin.buffer:
        fh.close()
