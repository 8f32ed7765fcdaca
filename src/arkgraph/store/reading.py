"""Reading an input file for the record-by-record path: its statements grouped into record runs.

The record rule is :mod:`arkgraph.rdfio.records`'s and the readers are :mod:`arkgraph.rdfio.readers`';
this module only groups what they read into the pieces a sink writes (and --resume counts).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from ..errors import UsageError
from ..rdfio import formats
from ..rdfio.records import DELETED, DELETIONS_GRAPH as DELETIONS
from ..terms import Triple

DELETED_P = f"<{DELETED}>"
RUN_TRIPLES = 20_000  # a graph run longer than this (e.g. a whole .nt file) is committed in pieces
LOAD_FORMATS = ("nq", "nt", "turtle", "trig", "jsonld")  # rdfio.formats names


def guess_format(path: Path, fmt: str | None) -> str:
    """The format to read ``path`` in (an :mod:`arkgraph.rdfio.formats` name): ``--format`` if given, else
    the extension's."""
    if fmt:
        name = formats.NAMES.get(fmt.lower())
        if name not in LOAD_FORMATS or path.name.lower().endswith(".gz"):
            raise UsageError(f"--format must be one of nq, nt, ttl, trig, jsonld, not {fmt!r}")
        return name  # type: ignore[return-value]
    name = formats.format_of(path.name)
    if name is None:
        raise UsageError(f"{path}: cannot tell the format from the name; pass --format nq|nt|ttl|trig|jsonld")
    return name


@dataclass
class Run:
    """Statements of one graph, in file order, written as one piece; ``key`` names it in the checkpoint."""

    key: str
    graph: str | None  # None: the default graph, appended to
    triples: list[Triple] | None  # None: a deletion marker
    replace: bool


def _graph_iri(term: str) -> str:
    return term[1:-1] if term[:1] == "<" else f"urn:arkgraph:bnode-graph:{term[2:]}"


def read_runs(path: Path, fmt: str, *, graph: str | None = None) -> Iterator[Run]:
    """Group a file's statements into record runs, in file order.

    Records are those of :mod:`arkgraph.rdfio.records`, in every format: a named graph in a quads
    file; in a triples file the statements from one record-root type to the next. The first run of a
    record replaces its graph; a later run of the same graph (a file not grouped by graph) adds to
    it. A deletion marker is its own run. Statements of no record go to the default graph (added to).
    With ``graph``, a triples file's statements all go to that graph (replaced).
    Runs are cut at RUN_TRIPLES so memory stays bounded; each piece has a stable key for --resume.
    """
    from ..rdfio import readers  # not for the bulk path: the reader and the shapes it needs load on use

    runs: dict[str | None, int] = {}  # runs seen per graph: makes each run's key stable across re-runs
    fresh: set[str | None] = set()  # graphs whose next run adds (not the first run, no deletion since)
    source = str(path)
    deletions = f"<{DELETIONS}>"

    def emit(current: str | None, buf: list[Triple]) -> Run:
        n = runs.get(current, 0)
        runs[current] = n + 1
        if current is None:
            return Run(f"{source}#default-{n}", None, buf, replace=False)
        run = Run(current if n == 0 else f"{current} #{n}", current, buf, replace=current not in fresh)
        fresh.add(current)
        return run

    def deletion(subject: str) -> Run:
        n = runs.get("-" + subject, 0)
        runs["-" + subject] = n + 1
        fresh.discard(subject)  # a later run of a deleted graph starts afresh: it replaces
        return Run(f"-{subject}" + (f" #{n}" if n else ""), subject, None, replace=True)

    if fmt not in formats.QUADS and graph is None:
        # triples: cut into records by the one rule (rdfio.records), each its named graph
        deleted: list[str] = []
        for root, triples in readers.read_records(source, on_deletion=deleted.append):
            for subject in deleted:
                yield deletion(subject[1:-1])
            deleted.clear()
            target = _graph_iri(root) if root else None
            for i in range(0, len(triples), RUN_TRIPLES):
                yield emit(target, triples[i:i + RUN_TRIPLES])
        for subject in deleted:
            yield deletion(subject[1:-1])
        return
    current: str | None = None
    buf: list[Triple] = []
    for term, triples in readers.read_runs(source, RUN_TRIPLES):
        if term == deletions:
            rest = []
            for t in triples:
                if t[1] == DELETED_P:
                    if buf:
                        yield emit(current, buf)
                        buf = []
                    yield deletion(t[0][1:-1])
                else:
                    rest.append(t)  # anything else in the deletions graph is data
            if not rest:
                continue
            g: str | None = DELETIONS
            triples = rest
        else:
            g = graph if term is None else _graph_iri(term)
        if g != current:
            if buf:
                yield emit(current, buf)
            buf, current = [], g
        # a run of one graph is cut at RUN_TRIPLES, at the same places whatever the reader's runs
        while len(buf) + len(triples) > RUN_TRIPLES:
            k = RUN_TRIPLES - len(buf)
            buf.extend(triples[:k])
            triples = triples[k:]
            yield emit(current, buf)
            buf = []
        buf.extend(triples)
    if buf:
        yield emit(current, buf)
