"""The store interface: a sink that takes records (one named graph each) and commits them in batches.

:class:`BatchingSink` buffers records, folds a batch into one final state per graph, adds each graph's
provenance, marks the checkpoint; an implementation says only how a batch is committed
(:mod:`.embedded`, :mod:`.remote`). Also here: the result type of queries (:class:`Table`) and the
SPARQL text both implementations write.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .. import __version__
from ..errors import ArkgraphError
from ..sparql_client import EndpointError
from ..terms import AG, PROV, XSD, I, L, T, Triple, safe_iri

if TYPE_CHECKING:  # checkpoint.py imports this module
    from .checkpoint import Checkpoint

P_DERIVED = I(PROV + "wasDerivedFrom")
P_GENERATED = I(PROV + "generatedAtTime")
P_VERSION = I(AG + "arkgraphVersion")
P_PROFILE = I(AG + "profile")

Log = Callable[[str], None]
QUERY_FORMATS = ("table", "csv", "tsv", "json")

# Batches: enough records per commit to amortise a transaction/request, small enough to bound memory.
BATCH_RECORDS = 500
BATCH_BYTES = 4 << 20  # request bodies stay under ~4 MiB (a lone bigger record is split)


class LoadInterrupted(ArkgraphError):
    """The endpoint kept failing: the load stopped cleanly and can be resumed."""


@dataclass
class Stats:
    graphs: int = 0  # record graphs written (replaced or created)
    triples: int = 0  # data triples written, provenance not counted
    deleted: int = 0  # graphs dropped by deletion markers
    skipped: int = 0  # records a checkpoint said were done (--resume)
    retries: int = 0
    bulk_files: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


# --------------------------------------------------------------------------- provenance


def now_stamp() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@functools.lru_cache(maxsize=256)  # called once per record: resolving a path each time showed in profiles
def source_iri(source: str) -> str:
    """A file path becomes a ``file:`` IRI; a URL stays (minus any user-info, which may hold a password)."""
    if _URL.match(source):
        iri = safe_iri(re.sub(r"^([^:]+://)[^/@]*@", r"\1", source))
        if iri is not None:  # else not a URL after all (a bad host): a file named so
            return iri
    return Path(source).resolve().as_uri()


def provenance(graph_iri: str, *, source: str, when: str, profiles: Iterable[str]) -> list[Triple]:
    """Triples about the graph: where it came from, when it was loaded, by which arkgraph and profile."""
    g = I(graph_iri)
    out = [(g, P_DERIVED, I(source_iri(source))),
           (g, P_GENERATED, T(when, XSD + "dateTime")),
           (g, P_VERSION, L(__version__))]
    out += [(g, P_PROFILE, L(p)) for p in profiles]
    return out



def is_remote(target: str) -> bool:
    """An ``http(s)://`` endpoint, not a store directory."""
    return target.startswith(("http://", "https://"))


@dataclass
class Table:
    """A SELECT/ASK result held for display: variables and rows of SPARQL-JSON term objects."""

    variables: list[str]
    rows: list[list[dict | None]]


# --------------------------------------------------------------------------- sinks


@dataclass
class _Op:
    key: str
    graph: str
    triples: list[Triple] | None  # None: drop the graph (a deletion marker)
    source: str
    replace: bool


@dataclass
class GraphState:
    replace: bool
    triples: list[Triple] = field(default_factory=list)
    deleted: bool = False
    has_prov: bool = False


def _blank_scoped(graph: str, triples: list[Triple]) -> list[Triple]:
    """Give a record's blank nodes labels of their own, so two records in one batch can't share ``_:b0``."""
    if not any(s[0] == "_" or o[0] == "_" for s, _p, o in triples):
        return triples
    tag = "_:r" + hashlib.sha1(graph.encode()).hexdigest()[:12]
    return [(tag + s[2:] if s[0] == "_" else s, p, tag + o[2:] if o[0] == "_" else o) for s, p, o in triples]


class BatchingSink:
    """Buffers records and commits them in bounded batches; subclasses say how a batch is committed."""

    def __init__(self, *, label: str, default_graph: bool, profiles: tuple[str, ...], checkpoint: Checkpoint,
                 log: Log, batch_records: int = BATCH_RECORDS, batch_bytes: int = BATCH_BYTES):
        self.label = label
        self.default_graph = default_graph
        self.profiles = tuple(profiles)
        self.checkpoint = checkpoint
        self.log = log
        self.batch_records = batch_records
        self.batch_bytes = batch_bytes
        self.when = now_stamp()  # one load time for the whole run
        self.stats = Stats()
        self._pending: list[_Op] = []
        self._bytes = 0
        self._closed = False

    # -- the sink API (what arkgraph.pipeline.Sink asks of a store)

    def write(self, graph_iri: str, triples: list[Triple], *, source: str, replace: bool = True,
              key: str | None = None) -> None:
        """Replace the record's graph with ``triples`` (or add to it, with ``replace=False``)."""
        self._add(_Op(key or graph_iri, graph_iri, list(triples), source, replace),
                  sum(len(s) + len(p) + len(o) + 4 for s, p, o in triples))

    def delete(self, graph_iri: str, *, source: str, key: str | None = None) -> None:
        self._add(_Op(key or "-" + graph_iri, graph_iri, None, source, True), 64)

    def append_default(self, triples: list[Triple], *, key: str) -> None:
        """Add triples of no record to the default graph, now (no record to replace, no provenance)."""
        if key in self.checkpoint.done:
            self.stats.skipped += 1
            return
        self.flush()
        try:
            self._commit_default(triples)
        except EndpointError as exc:
            raise LoadInterrupted(self._stop_message(str(exc))) from None
        self.checkpoint.mark([key])
        self.stats.triples += len(triples)

    def flush(self) -> None:
        if not self._pending:
            return
        ops, self._pending, self._bytes = self._pending, [], 0
        state = self._coalesce(ops)
        try:
            self._commit(state)
        except EndpointError as exc:
            raise LoadInterrupted(self._stop_message(str(exc))) from None
        self.checkpoint.mark(op.key for op in ops)
        for op in ops:
            if op.triples is None:
                self.stats.deleted += 1
            else:
                self.stats.triples += len(op.triples)
                if op.replace:
                    self.stats.graphs += 1

    def close(self) -> dict[str, int]:
        """Commit what is buffered; on success the checkpoint is removed. Returns the counts."""
        if not self._closed:
            self.flush()
            self.checkpoint.finish()
            self._closed = True
            self._release()
        return self.stats.as_dict()

    def abort(self) -> None:
        """Stop without committing the buffer; the checkpoint stays for --resume."""
        if not self._closed:
            self._closed = True
            self._pending = []
            self.checkpoint.close()
            self._release()

    def __enter__(self) -> "BatchingSink":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- internals

    def _add(self, op: _Op, size: int) -> None:
        if self._closed:
            raise ArkgraphError("write to a closed store sink")
        if op.key in self.checkpoint.done:
            self.stats.skipped += 1
            return
        self._pending.append(op)
        self._bytes += size
        if len(self._pending) >= self.batch_records or self._bytes >= self.batch_bytes:
            self.flush()

    def _coalesce(self, ops: list[_Op]) -> dict[str, GraphState]:
        """Fold a batch into one final state per graph, in order: a later replace wins over an earlier one."""
        state: dict[str, GraphState] = {}
        for op in ops:
            if op.triples is None:
                state[op.graph] = GraphState(replace=True, deleted=True)
                continue
            triples = _blank_scoped(op.graph, op.triples)
            st = state.get(op.graph)
            if op.replace or st is None:
                st = state[op.graph] = GraphState(replace=op.replace or (st is not None and st.replace))
            st.deleted = False
            st.triples.extend(triples)
            if not st.has_prov:
                st.triples.extend(provenance(op.graph, source=op.source, when=self.when, profiles=self.profiles))
                st.has_prov = True
        return state

    def _stop_message(self, reason: str) -> str:
        s = self.stats
        where = f" (checkpoint {self.checkpoint.path})" if self.checkpoint.path else ""
        return (f"{reason}; stopped after {s.graphs:,} graphs written and {s.deleted:,} deleted in this run"
                f"{f', {s.skipped:,} already done' if s.skipped else ''}{where}; "
                f"run the same command with --resume to continue")

    def _commit(self, state: dict[str, GraphState]) -> None:
        """Write a batch: each replaced graph emptied, then its triples (and provenance) added."""
        raise NotImplementedError

    def _commit_default(self, triples: list[Triple]) -> None:
        """Add ``triples`` to the default graph."""
        raise NotImplementedError

    def _release(self) -> None:
        pass


# -- SPARQL and N-Triples text written by both implementations


def _sparql_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def owned_delete(graphs: list[str]) -> str:
    """Default-graph mode: remove a record's old triples, i.e. those about the record IRI or ``IRI#…``
    (and blank nodes hanging off them). Shared nodes (agents, places, concepts) are left alone.
    Each call scans the default graph: fine for thousands of records, slow for millions."""
    cond = " || ".join(f"?s = <{g}> || STRSTARTS(STR(?s), {_sparql_str(g + '#')})" for g in graphs)
    return ("DELETE { ?b ?bp ?bo } WHERE { ?s ?p ?b . FILTER(isBlank(?b) && (" + cond + ")) ?b ?bp ?bo } ;\n"
            "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o . FILTER(" + cond + ") }")


def replace_head(state: dict[str, GraphState]) -> str:
    """The update that empties a batch's replaced graphs before they are written again.

    One ``DELETE … WHERE { VALUES ?g {…} GRAPH ?g {…} }`` for all of them: on Oxigraph it costs next to
    nothing for graphs that don't exist yet, where a ``DROP SILENT GRAPH`` per graph costs ~1 ms each
    (measured: bench/bench_store.py). Graphs dropped by a deletion marker get ``DROP SILENT GRAPH``, which
    also forgets the graph's name. Both are in the same request as the inserts, so a retried request
    (the first one committed, its answer was lost) can't leave a record twice.
    """
    dropped = [g for g, st in state.items() if st.replace and st.deleted]
    rewritten = [g for g, st in state.items() if st.replace and not st.deleted]
    head = "".join(f"DROP SILENT GRAPH <{g}> ;\n" for g in dropped)
    if rewritten:
        head += ("DELETE { GRAPH ?g { ?s ?p ?o } } WHERE { VALUES ?g { "
                 + " ".join(f"<{g}>" for g in rewritten) + " } GRAPH ?g { ?s ?p ?o } } ;\n")
    return head


def nt_lines(triples: Iterable[Triple]) -> Iterator[str]:
    for s, p, o in triples:
        yield f"{s} {p} {o} .\n"


def nq_lines(graph: str, triples: Iterable[Triple]) -> Iterator[str]:
    g = f"<{graph}>"
    for s, p, o in triples:
        yield f"{s} {p} {o} {g} .\n"

