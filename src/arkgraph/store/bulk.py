"""The bulk path: a canonical N-Quads file into the embedded store by Oxigraph's bulk loader.

A line scan (:func:`prescan`) lists the file's graphs and deletion markers and cuts the file into
parts between graphs; old versions are dropped only where they exist (nothing to drop in an empty
store, one ``clear()`` and a compaction when the file replaces everything); then the bulk loader
reads the parts of the original file (no copy), each with its graphs' provenance, one part per core
at a time. Not transactional: the checkpoint marks the file done only at the end.
"""

from __future__ import annotations

import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..errors import ArkgraphError, InputError
from ..rdfio.records import DELETED, DELETIONS_GRAPH as DELETIONS
from ..terms import I
from .base import Log, provenance
from .embedded import EmbeddedSink


PART_BYTES = 64 << 20  # the bulk loader takes the file in parts of at most about this size (cut between graphs)
SCAN_BLOCK = 1 << 20  # the line scan reads this much at a time


def bulk_threads() -> int:
    """Parts loaded at once: one per core (each part's parsing and index building is one thread's work)."""
    return max(1, min(4, os.cpu_count() or 1))


def part_size(size: int, threads: int) -> int:
    """The size to cut a file of ``size`` bytes at: equal parts of at most PART_BYTES, as many as a multiple
    of ``threads`` so that every thread has work to the end.

    Measured on the benchmark's 193 MB file (2 threads): smaller parts make Oxigraph's index building
    cheaper (its sort stays in cache: 13 CPU-s with 8 MB parts, 17 with 64 MB parts), but each part is
    one more set of files for RocksDB to compact, and past about four of them it does so during the
    load (5 CPU-s more with 8 or 16 MB parts, none with 48 or 64 MB). Peak RSS: ~700 MB with 48 MB parts.
    """
    parts = max(1, -(-size // PART_BYTES))
    parts = -(-parts // max(1, threads)) * max(1, threads)
    return max(1, -(-size // parts))


@dataclass
class _Part:
    """A byte range of the file, cut between graphs, and the graphs that first appear in it."""

    start: int
    end: int
    graphs: list[str] = field(default_factory=list)


@dataclass
class _Scan:
    graphs: dict[str, None]  # in file order
    deletions: dict[str, None]
    triples: int
    parts: list[_Part] = field(default_factory=list)


def prescan(path: Path, *, part_bytes: int | None = None) -> _Scan | None:
    """List a canonical N-Quads file's graphs and deletion markers, and cut it into parts between graphs.

    Canonical = what arkgraph writes: one quad per line, single spaces, graph an IRI. Returns None for
    anything else (or a graph both loaded and deleted in the file: order matters there), and the
    caller takes the exact record-by-record path.

    The lines come from :func:`arkgraph.rdfio.cutting.graph_starts`, which passes over a record's lines
    at one ``endswith`` each (tried: jumping over a record's lines with ``rfind`` and checking them with
    ``count`` is slower, as CPython's ``count(b"\\n")`` is a byte loop and the line splitter uses memchr).
    """
    from ..rdfio.cutting import graph_starts  # loads pyoxigraph, as the bulk loader will

    part_bytes = part_bytes or PART_BYTES
    graphs: dict[str, None] = {}
    deletions: dict[str, None] = {}
    triples = 0
    marker_pred = f"<{DELETED}>".encode()
    marker_graph = DELETIONS.encode()
    parts = [_Part(0, 0)]
    with open(path, "rb", buffering=SCAN_BLOCK) as fh:
        for at, line, passed, g in graph_starts(fh):  # the lines passed over are one more quad each
            triples += passed
            if not line:
                parts[-1].end = at
                break
            if at - parts[-1].start >= part_bytes:  # a graph starts here (or a comment, a marker, a triple)
                parts[-1].end = at
                parts.append(_Part(at, 0))
            if g is None:  # not a canonical quad: a comment, a default-graph triple, or another layout
                text = line.strip()
                if not text or text.startswith(b"#"):
                    continue
                if not _canonical_triple(text):
                    return None
                triples += 1
                continue
            if g == marker_graph:
                head = line.strip().split(b" ", 2)
                if head[1] == marker_pred:
                    deletions[head[0][1:-1].decode("utf-8")] = None
                    continue
            name = g.decode("utf-8")
            if name not in graphs:
                graphs[name] = None
                parts[-1].graphs.append(name)
            triples += 1
    if any(d in graphs for d in deletions):
        return None
    return _Scan(graphs, deletions, triples, [p for p in parts if p.end > p.start])


def _canonical_triple(text: bytes) -> bool:
    """A stripped line of canonical N-Triples (a default-graph statement in an N-Quads file)."""
    if b"\t" in text or not text.endswith(b" ."):
        return False
    if not text.endswith(b"> ."):
        return not text[:-2].rsplit(b" ", 1)[-1].startswith(b"_:")  # a blank node: a graph or an object
    cut = text.rfind(b" <")
    return cut <= 0 or len(text[:cut].split(b" ", 2)) < 3  # <s> <p> <o> .


def _provenance_nquads(graphs: Iterable[str], *, source: str, when: str, profiles: tuple[str, ...]) -> bytes:
    """N-Quads provenance for each graph, the per-file parts (source IRI, time, version) formatted once."""
    sample = provenance("urn:x", source=source, when=when, profiles=profiles)  # the same triples as the
    tail = [f"{p} {o}" for _s, p, o in sample]  # record-by-record path writes, minus the subject
    out: list[str] = []
    for g in graphs:
        node = I(g)
        out.extend(f"{node} {t} {node} .\n" for t in tail)
    return "".join(out).encode("utf-8")


_LINE_NO = re.compile(r"\bline (\d+)")


def _file_syntax_error(path: Path, exc: SyntaxError, part: _Part) -> InputError:
    """A part's syntax error, with the line counted in the whole file."""
    from ..rdfio.cutting import lines_before  # on failure only: cutting loads pyoxigraph and the shapes

    before = lines_before(path, part.start)
    text = _LINE_NO.sub(lambda m: f"line {int(m.group(1)) + before}", exc.msg or str(exc), count=1)
    return InputError(f"{path}: {text} (part of the file may be loaded; fix it and load again: "
                      "each record replaces its graph)")


def bulk_load_parts(store, path: Path, scan: _Scan, *, lenient: bool, threads: int, source: str, when: str,
                    profiles: tuple[str, ...], log: Log | None = None) -> None:
    """Oxigraph's bulk loader on each part of the file, ``threads`` parts at a time.

    A part is read with ``pread`` (no copy on disk, no Python work per line) and its graphs' provenance
    appended to it; each ``bulk_load`` call parses its part and builds its index files on its own
    threads, without the GIL. See :func:`part_size` for the size of the parts.
    """
    import pyoxigraph as ox

    fmt = ox.RdfFormat.N_QUADS
    todo = list(reversed(scan.parts))
    lock = threading.Lock()
    stop = threading.Event()  # a failure (or Ctrl-C): no thread takes another part
    failures: list[BaseException] = []
    done = [0, 0]  # parts, bytes
    total = sum(p.end - p.start for p in scan.parts)
    fd = os.open(path, os.O_RDONLY)

    def read(part: _Part) -> bytes:
        chunks, at = [], part.start
        while at < part.end:
            try:
                data = os.pread(fd, min(part.end - at, 1 << 30), at)
            except OSError as exc:
                raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
            if not data:
                raise InputError(f"{path}: the file got shorter while it was loading")
            chunks.append(data)
            at += len(data)
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def fail(exc: BaseException) -> None:
        with lock:
            failures.append(exc)
        stop.set()

    def work() -> None:
        while not stop.is_set():
            with lock:
                if not todo:
                    return
                part = todo.pop()
            try:
                data = read(part)
                if part.graphs:
                    data += _provenance_nquads(part.graphs, source=source, when=when, profiles=profiles)
                store.bulk_load(input=data, format=fmt, lenient=lenient)
                del data
            except SyntaxError as exc:
                return fail(_file_syntax_error(path, exc, part))
            except OSError as exc:  # the store's disk: full, or gone
                return fail(ArkgraphError(f"{path}: bulk load into the store failed: {exc}"))
            except BaseException as exc:  # reported once every thread is done
                return fail(exc)
            with lock:
                done[0] += 1
                done[1] += part.end - part.start
                if log is not None and len(scan.parts) >= 8 and done[0] % max(1, len(scan.parts) // 4) == 0:
                    log(f"{path}: {done[1] / total:.0%} bulk loaded")

    n = max(1, min(threads, len(scan.parts)))
    workers = [threading.Thread(target=work, name=f"arkgraph-bulk-{i}") for i in range(n - 1)]
    try:
        for w in workers:
            w.start()
        work()  # this thread loads parts too
    except BaseException:  # Ctrl-C: the others finish the part they are loading (it can't be interrupted)
        stop.set()
        raise
    finally:
        for w in workers:
            if w.ident is not None:
                w.join()
        os.close(fd)
    if failures:
        raise failures[0]


def _is_empty(store) -> bool:
    return next(iter(store), None) is None


def bulk_load_file(sink: EmbeddedSink, path: Path, *, lenient: bool = True, threads: int | None = None) -> bool:
    """The fast path for one canonical N-Quads file. False if the file needs the record-by-record path.

    1. A line scan lists the file's graphs and deletion markers (and checks the layout), and cuts the
       file into parts between graphs.
    2. Old versions go: nothing to do in an empty store; ``clear()`` and ``optimize()`` when the file
       replaces everything; otherwise ``remove_graph`` for each replaced graph only (graphs new to the
       store cost nothing).
    3. Oxigraph's bulk loader reads the parts of the original file (no copy), each with its graphs'
       provenance, on one thread per core.
    """
    import pyoxigraph as ox

    threads = threads or bulk_threads()
    scan = prescan(path, part_bytes=part_size(path.stat().st_size, threads))
    if scan is None:
        return False
    store = sink.store
    if not _is_empty(store):  # a fresh store has nothing to replace: skip all of this
        # Old versions go first: bulk loading adds, it doesn't replace.
        existing = {g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)}
        replaced = existing.intersection(scan.graphs) | existing.intersection(scan.deletions)
        default_empty = next(iter(store.quads_for_pattern(None, None, None, ox.DefaultGraph())), None) is None
        if replaced and replaced == existing and default_empty:
            # The file replaces everything: drop it all at once (near-instant), then compact the emptied
            # store right away (a few seconds): otherwise RocksDB compacts the old data against the new
            # files during the load, measured +50% CPU for the benchmark's re-load.
            store.clear()
            store.optimize()
        else:
            for g in replaced:  # ~1 ms each, but only for graphs that are really there
                store.remove_graph(ox.NamedNode(g))
    bulk_load_parts(store, path, scan, lenient=lenient, threads=threads, source=str(path),
                    when=sink.when, profiles=sink.profiles, log=sink.log)
    if scan.deletions:
        store.remove_graph(ox.NamedNode(DELETIONS))  # the markers themselves are not data
    store.flush()
    sink.stats.graphs += len(scan.graphs)
    sink.stats.triples += scan.triples
    sink.stats.deleted += len(scan.deletions)
    sink.stats.bulk_files += 1
    return True
