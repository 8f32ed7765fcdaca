"""Cut a big N-Quads or N-Triples file between records, for several processes to read its parts.

Used by ``arkgraph validate --jobs`` (:mod:`arkgraph.validate_files`) and by the store's bulk loader
(:mod:`arkgraph.store.bulk`, through :func:`graph_starts`, the one N-Quads line scan). The cuts follow the one
record rule of :mod:`arkgraph.rdfio.records`. A plain N-Quads file is cut where the named graph
changes between two consecutive lines (both read by pyoxigraph: a record, a run of lines in one
named graph, is never cut); an N-Triples file at a line that types its subject with a record-root
class outside the record being read, and the cut is checked afterwards against the record the
previous part ended in (if the rule would not have started a record there, the file is read again
by one process). ``.gz`` files, stdin and the other formats are not cut.
"""

from __future__ import annotations

import io
import multiprocessing as mp
import os
from collections.abc import Iterator
from typing import IO

import pyoxigraph as ox

from ..shacl.terms import TYPE
from ..errors import InputError
from . import formats
from .nquads import BLOCK
from .records import DELETIONS_GRAPH, STRUCTURAL, graph_name, within

_STRUCTURAL_BYTES = tuple(p.encode("utf-8") for p in STRUCTURAL)

PARALLEL_MIN_BYTES = 16 << 20  # smaller files (and .gz, stdin, other formats) are read by one process
PARTS_PER_JOB = 8
_CUT_SCAN = 8 << 20  # bytes looked through for a cut near each split offset (none found: fewer parts)
_TYPE_BYTES = TYPE.encode("ascii")


class Range:
    """A binary file read from where it stands, ``n`` bytes at most (all that _blocks asks of it)."""

    def __init__(self, fh: IO[bytes], n: int):
        self.fh, self.left = fh, n

    def read(self, size: int = -1) -> bytes:
        if size < 0 or size > self.left:
            size = self.left
        if size <= 0:
            return b""
        data = self.fh.read(size)
        self.left -= len(data)
        return data


def _one(line: bytes, fmt: ox.RdfFormat) -> ox.Quad | None:
    """The one statement pyoxigraph reads in this line, else None."""
    try:
        items = list(ox.parse(line, format=fmt))
    except SyntaxError:
        return None
    return items[0] if len(items) == 1 else None


def _align(fh: IO[bytes], pos: int) -> int:
    """Seek to the first line starting at or after ``pos``; its offset."""
    if pos > 0:
        fh.seek(pos - 1)
        return pos + len(fh.readline()) - 1  # to the end of the line holding byte pos - 1
    fh.seek(0)
    return 0


def _lines_from(fh: IO[bytes], pos: int, limit: int) -> Iterator[tuple[int, bytes]]:
    """(offset, line) for the lines starting at or after ``pos`` and before ``limit``."""
    pos = _align(fh, pos)
    while pos < limit:
        line = fh.readline()
        if not line:
            return
        yield pos, line
        pos += len(line)


def _tail(line: bytes) -> bytes:
    """The last term of a line as written (a canonical N-Quads line's graph): a cheap first look
    (two lines that differ here are then read by pyoxigraph)."""
    body = line.rstrip()
    if body.endswith(b"."):
        body = body[:-1].rstrip()
    return body[body.rfind(b" ") + 1:]


def quad_graph(line: bytes) -> bytes | None:
    """The graph IRI (without ``<>``) of a line of canonical N-Quads (as arkgraph writes: one quad per
    line, single spaces, the graph an IRI); None for any other line (a triple, a comment, other layouts)."""
    text = line.strip()
    if not text.endswith(b"> .") or b"\t" in text:
        return None
    cut = text.rfind(b" <")
    if cut <= 0 or len(text[:cut].split(b" ", 2)) < 3:
        return None
    g = text[cut + 2:-3]
    if any(c in g for c in (b" ", b"<", b">", b'"')):
        return None
    return g


_NEVER = b"\x00"  # a suffix no line ends with
_DELETIONS_BYTES = DELETIONS_GRAPH.encode("utf-8")


def graph_starts(fh: IO[bytes], base: int = 0) -> Iterator[tuple[int, bytes, int, bytes | None]]:
    """The lines of an N-Quads file where a record may start, read from ``fh``'s position to its end
    (``base`` is the offset of that position): ``(offset, line, passed, quad_graph(line))``, ``passed``
    being the number of lines passed over since the previous one. Ends with ``(end, b"", passed, None)``.

    A line is passed over when it ends as the last line given did, with `` <g> .``, that line being
    canonical and in named graph g (other than the deletions graph: each marker is given): it is one
    more line of g's record. In a canonical file only the first line of each record is given, at the
    cost of one ``endswith`` per line (the buffered reader's C line splitter does the rest); in any
    other layout every line is given, for the caller to read.
    """
    suffix = _NEVER
    passed = 0
    tell = fh.tell
    for line in fh:
        if line.endswith(suffix):  # one more line of the same graph: the common case, kept cheap
            passed += 1
            continue
        g = quad_graph(line)
        yield base + tell() - len(line), line, passed, g
        passed = 0
        suffix = _NEVER if g is None or g == _DELETIONS_BYTES else b" <" + g + b"> .\n"
    yield base + tell(), b"", passed, None


def _window(fh: IO[bytes], pos: int, limit: int) -> tuple[int, IO[bytes]]:
    """The lines starting at or after ``pos`` and before ``limit``, in memory, and the offset of the first."""
    pos = _align(fh, pos)
    data = fh.read(max(0, limit - pos))
    if data and not data.endswith(b"\n"):
        data += fh.readline()  # the last line starts before limit: all of it
    return pos, io.BytesIO(data)


def nquads_cut(fh: IO[bytes], pos: int, limit: int, roots: set[str]) -> tuple[int, str] | None:
    """The first line (at or after ``pos``, before ``limit``) in a named graph other than the
    previous line's named graph, both lines read by pyoxigraph: a record starts there.

    The lines are :func:`graph_starts`' (a line it passes over is in the previous line's graph)."""
    prev: bytes | None = None
    prev_tail = b""
    prev_graph: str | None | bool = False  # False: not read yet
    start, window = _window(fh, pos, limit)
    for off, line, _passed, _g in graph_starts(window, start):
        if not line:
            return None
        tail = _tail(line)
        graph: str | None | bool = False
        if prev is not None and tail != prev_tail:
            q = _one(line, ox.RdfFormat.N_QUADS)
            graph = None if q is None else graph_name(q.graph_name)
            if graph is not None:
                if prev_graph is False:
                    p = _one(prev, ox.RdfFormat.N_QUADS)
                    prev_graph = None if p is None else graph_name(p.graph_name)
                if prev_graph is not None and prev_graph != graph:
                    return off, graph
        prev, prev_tail, prev_graph = line, tail, graph
    return None


def ntriples_cut(fh: IO[bytes], pos: int, limit: int, roots: set[str] | frozenset[str]) -> tuple[int, str] | None:
    """A line (at or after ``pos``, before ``limit``) typing its subject with a record-root class,
    read by pyoxigraph, after another such line in the window whose record it is not part of (not
    under its root, not the object of a structural edge since): ``records.records_from_triples``
    would start a record there (the caller checks it did, against the previous part's last record)."""
    seen: list[str] = []
    owned: set[str] = set()
    for off, line in _lines_from(fh, pos, limit):
        if _TYPE_BYTES in line:
            t = _one(line, ox.RdfFormat.N_TRIPLES)
            if t is not None and str(t.predicate) == TYPE and str(t.object) in roots:
                s = str(t.subject)
                if seen and s not in owned and not any(within(s, r) for r in seen):
                    return off, s
                if s not in seen:
                    seen.append(s)
        elif seen and any(p in line for p in _STRUCTURAL_BYTES):
            t = _one(line, ox.RdfFormat.N_TRIPLES)
            if t is not None and str(t.predicate) in STRUCTURAL:
                owned.add(str(t.object))
    return None


def plan(path: str, jobs: int, roots: set[str]) -> list[tuple[int, str]] | None:
    """Where to cut this file for ``jobs`` workers: [(offset, what starts there)], the first at 0;
    None if it is read by one process."""
    if jobs < 2 or path == "-" or path.lower().endswith(".gz") or not os.path.isfile(path):
        return None
    if "fork" not in mp.get_all_start_methods():
        return None
    fmt = formats.input_format(path)
    if fmt not in ("nq", "nt"):
        return None
    size = os.path.getsize(path)
    if size < PARALLEL_MIN_BYTES:
        return None
    # a few parts per worker (a worker that is done takes the next part: a CPU busy with something
    # else costs less), of a quarter of the threshold at least
    parts = min(jobs * PARTS_PER_JOB, size * 4 // PARALLEL_MIN_BYTES)
    find = nquads_cut if fmt == "nq" else ntriples_cut
    cuts = [(0, "")]
    try:
        with open(path, "rb") as fh:
            for k in range(1, parts):
                pos = max(size * k // parts, cuts[-1][0])
                cut = find(fh, pos, min(size * (k + 1) // parts, pos + _CUT_SCAN), roots)
                if cut is not None:
                    cuts.append(cut)
    except OSError as exc:
        raise InputError(f"{path}: {exc}") from None
    return cuts if len(cuts) > 1 else None


def lines_before(path: str | os.PathLike[str], offset: int) -> int:
    """The number of lines before byte ``offset`` of a file (a part's line numbers made the file's)."""
    n = 0
    with open(path, "rb") as fh:
        while offset > 0:
            block = fh.read(min(offset, BLOCK))
            if not block:
                break
            n += block.count(b"\n")
            offset -= len(block)
    return n


