"""Loading into SPARQL stores: the embedded Oxigraph store on disk, or any SPARQL 1.1 endpoint.

One record = one named graph, named by the record's ARK IRI. Writing a record *replaces* its
graph, so loading the same data twice, or loading changed records again, leaves exactly one
current version. An OAI-PMH deletion marker drops the record's graph. Each graph carries its
provenance (source, load time, arkgraph version, profiles) as triples about the graph IRI.

Two paths, each where it fits:

* **bulk** (embedded store, canonical N-Quads file): a fast scan lists the file's graphs and cuts
  it into parts between graphs; old versions are dropped only where they exist (nothing to drop in
  an empty store, one ``clear()`` and a compaction when the file replaces everything), then
  Oxigraph's bulk loader reads the parts of the original file (no copy), each with its graphs'
  provenance, one part per core at a time. Not transactional; a checkpoint marks the file done
  only at the end.
* **upsert** (everything else: remote endpoints, ``convert --store``, other formats): records
  are buffered and committed in bounded batches (one transaction / one request per batch),
  with a checkpoint after each batch so ``--resume`` skips what is done.
"""

from __future__ import annotations

import datetime as _dt
import functools
import gc
import hashlib
import json
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

from . import __version__
from .errors import ArkgraphError, InputError, UsageError
from .rdfio import formats
from .rdfio.records import DELETED, DELETIONS_GRAPH as DELETIONS
from .sparql_client import (Auth, Endpoints, EndpointError, Redactor, RetryPolicy, SparqlClient, chunked,
                            parse_auth, redact_url)
from .terms import AG, DCTERMS, PROV, XSD, I, L, T, Triple, safe_iri

DELETED_P = f"<{DELETED}>"
P_DERIVED = I(PROV + "wasDerivedFrom")
P_GENERATED = I(PROV + "generatedAtTime")
P_VERSION = I(AG + "arkgraphVersion")
P_PROFILE = I(AG + "profile")
P_CONFORMS = I(DCTERMS + "conformsTo")

Log = Callable[[str], None]
PROTOCOLS = ("update", "gsp")

# Batches: enough records per commit to amortise a transaction/request, small enough to bound memory.
BATCH_RECORDS = 500
BATCH_BYTES = 4 << 20  # request bodies stay under ~4 MiB (a lone bigger record is split)
RUN_TRIPLES = 20_000  # a graph run longer than this (e.g. a whole .nt file) is committed in pieces


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


# --------------------------------------------------------------------------- checkpoint


class Checkpoint:
    """An append-only file: a JSON header naming the load, then one committed record key per line.

    Written after each committed batch (flushed and fsynced), removed when the load completes.
    """

    def __init__(self, path: Path | None, header: dict[str, object], *, resume: bool, log: Log):
        self.path = path
        self.header = header
        self.done: set[str] = set()
        self._fh = None
        if path is None:
            return
        if resume and path.exists():
            self.done = self._read(path, header)
            log(f"resuming: {len(self.done):,} records already done (checkpoint {path})")
            self._fh = open(path, "a", encoding="utf-8")
        else:
            if resume:
                log(f"nothing to resume (no checkpoint at {path}); loading from the start")
            path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = open(path, "w", encoding="utf-8")
            self._fh.write(json.dumps(header, sort_keys=True) + "\n")
            self._sync()

    @staticmethod
    def _read(path: Path, header: dict[str, object]) -> set[str]:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
        lines = text.split("\n")
        try:
            found = json.loads(lines[0])
        except ValueError:
            raise UsageError(f"{path}: not an arkgraph checkpoint; delete it or run without --resume") from None
        if found != header:
            raise UsageError(f"{path}: this checkpoint belongs to another load (target {found.get('target')}, "
                             f"inputs {found.get('inputs')}); delete it or run without --resume")
        return set(lines[1:-1])  # the last piece is "" or a line cut short by a crash

    def mark(self, keys: Iterable[str]) -> None:
        if self._fh is None:
            return
        self._fh.write("".join(k + "\n" for k in keys))
        self._sync()

    def _sync(self) -> None:
        assert self._fh is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def finish(self) -> None:
        """The load completed: nothing left to resume."""
        self.close()
        if self.path is not None and self.path.exists():
            self.path.unlink()


def checkpoint_key(target_label: str, mode: str, inputs: Iterable[str]) -> dict[str, object]:
    return {"arkgraph_checkpoint": 1, "target": target_label, "mode": mode, "inputs": sorted(inputs)}


def default_checkpoint_path(target: str, header: dict[str, object]) -> Path:
    """Next to an embedded store (``output/store.checkpoint-…``); for a URL, in the working directory."""
    digest = hashlib.sha1(json.dumps(header, sort_keys=True).encode()).hexdigest()[:10]
    if is_remote(target):
        return Path(f".arkgraph-load-{digest}.checkpoint")
    p = Path(target)
    return p.parent / f"{p.name}.checkpoint-{digest}"


# --------------------------------------------------------------------------- sinks


class Sink(Protocol):
    def write(self, graph_iri: str, triples: list[Triple], *, source: str) -> None: ...
    def delete(self, graph_iri: str, *, source: str) -> None: ...
    def close(self) -> dict[str, int]: ...


@dataclass
class _Op:
    key: str
    graph: str
    triples: list[Triple] | None  # None: drop the graph (a deletion marker)
    source: str
    replace: bool


@dataclass
class _GraphState:
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

    # -- the Sink API

    def write(self, graph_iri: str, triples: list[Triple], *, source: str, replace: bool = True,
              key: str | None = None) -> None:
        """Replace the record's graph with ``triples`` (or add to it, with ``replace=False``)."""
        self._add(_Op(key or graph_iri, graph_iri, list(triples), source, replace),
                  sum(len(s) + len(p) + len(o) + 4 for s, p, o in triples))

    def delete(self, graph_iri: str, *, source: str, key: str | None = None) -> None:
        self._add(_Op(key or "-" + graph_iri, graph_iri, None, source, True), 64)

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

    def _coalesce(self, ops: list[_Op]) -> dict[str, _GraphState]:
        """Fold a batch into one final state per graph, in order: a later replace wins over an earlier one."""
        state: dict[str, _GraphState] = {}
        for op in ops:
            if op.triples is None:
                state[op.graph] = _GraphState(replace=True, deleted=True)
                continue
            triples = _blank_scoped(op.graph, op.triples)
            st = state.get(op.graph)
            if op.replace or st is None:
                st = state[op.graph] = _GraphState(replace=op.replace or (st is not None and st.replace))
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

    def _commit(self, state: dict[str, _GraphState]) -> None:
        raise NotImplementedError

    def _release(self) -> None:
        pass


# -- SPARQL text helpers shared by the embedded and remote paths


def _sparql_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def owned_delete(graphs: list[str]) -> str:
    """Default-graph mode: remove a record's old triples, i.e. those about the record IRI or ``IRI#…``
    (and blank nodes hanging off them). Shared nodes (agents, places, concepts) are left alone.
    Each call scans the default graph: fine for thousands of records, slow for millions."""
    cond = " || ".join(f"?s = <{g}> || STRSTARTS(STR(?s), {_sparql_str(g + '#')})" for g in graphs)
    return ("DELETE { ?b ?bp ?bo } WHERE { ?s ?p ?b . FILTER(isBlank(?b) && (" + cond + ")) ?b ?bp ?bo } ;\n"
            "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o . FILTER(" + cond + ") }")


def replace_head(state: dict[str, _GraphState]) -> str:
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


def _nt_lines(triples: Iterable[Triple]) -> Iterator[str]:
    for s, p, o in triples:
        yield f"{s} {p} {o} .\n"


def _nq_lines(graph: str, triples: Iterable[Triple]) -> Iterator[str]:
    g = f"<{graph}>"
    for s, p, o in triples:
        yield f"{s} {p} {o} {g} .\n"


# --------------------------------------------------------------------------- embedded store


def _store_error(path: str, exc: OSError) -> ArkgraphError:
    text = str(exc)
    if "lock" in text.lower():
        return ArkgraphError(f"the store {path} is in use by another process (a load, a query or a server); "
                             "wait for it or stop it")
    return ArkgraphError(f"cannot open the store {path}: {text}")


def open_store(path: str, *, must_exist: bool = False):
    import pyoxigraph as ox

    if must_exist and not Path(path, "CURRENT").exists():
        raise InputError(f"no store at {path} (load something first: arkgraph load FILE --store {path})")
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
        return ox.Store(path)
    except OSError as exc:
        raise _store_error(path, exc) from None


class EmbeddedSink(BatchingSink):
    """Batches committed to a pyoxigraph Store on disk: drop replaced graphs, then one ``load`` transaction."""

    def __init__(self, path: str, **kw):
        super().__init__(label=path, **kw)
        self.path = path
        self.store = open_store(path)

    def _commit(self, state: dict[str, _GraphState]) -> None:
        import pyoxigraph as ox

        store = self.store
        replaced = [g for g, st in state.items() if st.replace]
        if self.default_graph:
            if replaced:
                store.update(owned_delete(replaced))
            text = "".join(line for st in state.values() for line in _nt_lines(st.triples))
            fmt = ox.RdfFormat.N_TRIPLES
        else:
            for g in replaced:
                node = ox.NamedNode(g)
                if store.contains_named_graph(node):
                    store.remove_graph(node)
            text = "".join(line for g, st in state.items() for line in _nq_lines(g, st.triples))
            fmt = ox.RdfFormat.N_QUADS
        if text:
            store.load(input=text.encode("utf-8"), format=fmt)

    def _release(self) -> None:
        self.store.flush()
        del self.store  # closes it: the lock goes with the last reference
        gc.collect()


# --------------------------------------------------------------------------- remote endpoints


class RemoteSink(BatchingSink):
    """Batches sent to a SPARQL endpoint, by SPARQL 1.1 Update (default) or the Graph Store Protocol.

    * ``update``: one request per batch, ``DROP SILENT GRAPH <g>`` then ``INSERT DATA { GRAPH <g> {…} }``;
      a server runs it as one transaction (Oxigraph does), so a retried batch can't half-apply.
    * ``gsp``: ``PUT ?graph=<g>`` per record (the protocol's own "replace this graph"), ``DELETE`` for
      deletions. Portable, slower: one request per record.
    """

    def __init__(self, client: SparqlClient, protocol: str, **kw):
        super().__init__(**kw)
        self.client = client
        self.protocol = protocol

    def _commit(self, state: dict[str, _GraphState]) -> None:
        if self.protocol == "gsp":
            self._commit_gsp(state)
        else:
            for body in self._update_bodies(state):
                self.client.update(body)
        self.stats.retries = self.client.retries

    def _update_bodies(self, state: dict[str, _GraphState]) -> Iterator[Callable[[], Iterator[bytes]]]:
        """Split the batch into request bodies of at most ~batch_bytes; the drops go first, in the first one."""
        replaced = [g for g, st in state.items() if st.replace]
        if self.default_graph:
            head = owned_delete(replaced) + " ;\n" if replaced else ""
        else:
            head = replace_head(state)
        pieces: list[tuple[str, list[str]]] = []  # (graph, lines) slices, each ≤ batch_bytes
        size = len(head)
        for g, st in state.items():
            lines: list[str] = []
            for line in _nt_lines(st.triples):
                if size + len(line) > self.batch_bytes and (lines or pieces):
                    if lines:
                        pieces.append((g, lines))
                    yield self._body(head, pieces)
                    head, pieces, lines, size = "", [], [], 0
                lines.append(line)
                size += len(line)
            if lines:
                pieces.append((g, lines))
        if head or pieces:
            yield self._body(head, pieces)

    def _body(self, head: str, pieces: list[tuple[str, list[str]]]) -> Callable[[], Iterator[bytes]]:
        default = self.default_graph

        def gen() -> Iterator[bytes]:
            yield head.encode("utf-8")
            if not pieces:
                return
            yield b"INSERT DATA {\n"
            for g, lines in pieces:
                if not default:
                    yield f"GRAPH <{g}> {{\n".encode("utf-8")
                yield from (line.encode("utf-8") for line in lines)
                if not default:
                    yield b"}\n"
            yield b"}\n"

        return lambda: chunked(gen())

    def _commit_gsp(self, state: dict[str, _GraphState]) -> None:
        for g, st in state.items():
            if st.deleted:
                self.client.gsp_delete(g)
                continue
            lines = list(_nt_lines(st.triples))
            first = True
            for part in _split_lines(lines, self.batch_bytes):
                body = (lambda part=part: chunked(line.encode("utf-8") for line in part))
                if first and st.replace:
                    self.client.gsp_put(g, body)
                else:
                    self.client.gsp_post(g, body)
                first = False

    def _release(self) -> None:
        self.stats.retries = self.client.retries
        self.client.close()


def _split_lines(lines: list[str], limit: int) -> Iterator[list[str]]:
    part: list[str] = []
    size = 0
    for line in lines:
        if part and size + len(line) > limit:
            yield part
            part, size = [], 0
        part.append(line)
        size += len(line)
    yield part


# --------------------------------------------------------------------------- opening a sink


def is_remote(target: str) -> bool:
    return target.startswith(("http://", "https://"))


def target_label(target: str) -> str:
    return redact_url(target) if is_remote(target) else str(Path(target).resolve())


def open_sink(target: str, *, auth: str | Auth | None = None, protocol: str = "update",
              default_graph: bool = False, resume: bool = False, profiles: tuple[str, ...] = (),
              checkpoint: str | Path | None = None, inputs: Iterable[str] = (),
              query_url: str | None = None, update_url: str | None = None, gsp_url: str | None = None,
              policy: RetryPolicy | None = None, log: Log | None = None,
              batch_records: int = BATCH_RECORDS, batch_bytes: int = BATCH_BYTES) -> BatchingSink:
    """A sink for ``convert --store``/``load``: an embedded store path or an ``http(s)://`` endpoint.

    ``auth`` is ``basic:USER:PASS``/``bearer:TOKEN`` (or an :class:`Auth`); ``checkpoint`` defaults to a
    file next to the store (or in the working directory for a URL); pass ``False``-y ``""`` to disable.
    """
    log = log or (lambda _m: None)
    if protocol not in PROTOCOLS:
        raise UsageError(f"--protocol must be one of {', '.join(PROTOCOLS)}, not {protocol!r}")
    creds = parse_auth(auth) if isinstance(auth, str) else auth
    redact = Redactor(creds)
    mode = "default-graph" if default_graph else "named-graphs"
    label = target_label(target)
    header = checkpoint_key(label, mode, inputs)
    ck_path = None if checkpoint == "" else Path(checkpoint) if checkpoint else default_checkpoint_path(target, header)
    safe_log: Log = lambda m: log(redact(m))  # noqa: E731 - every message passes the redactor
    common = dict(default_graph=default_graph, profiles=tuple(profiles), log=safe_log,
                  batch_records=batch_records, batch_bytes=batch_bytes)
    if is_remote(target):
        if default_graph and protocol == "gsp":
            raise UsageError("--default-graph needs --protocol update: the Graph Store Protocol can only "
                             "replace the whole default graph, not one record in it")
        endpoints = Endpoints.from_url(target, query_url=query_url, update_url=update_url, gsp_url=gsp_url)
        if protocol == "gsp" and not endpoints.gsp:
            raise UsageError("--protocol gsp needs a Graph Store URL for this endpoint: pass --gsp-url")
        client = SparqlClient(endpoints, auth=creds, policy=policy, log=safe_log, redactor=redact)
        ck = Checkpoint(ck_path, header, resume=resume, log=safe_log)
        return RemoteSink(client, protocol, label=label, checkpoint=ck, **common)
    if creds:
        raise UsageError("--auth is for http(s) endpoints; an embedded store is a directory")
    store_sink = EmbeddedSink(target, checkpoint=Checkpoint(None, header, resume=False, log=safe_log), **common)
    # The checkpoint opens after the store: a store locked by another process must not truncate it.
    store_sink.checkpoint = Checkpoint(ck_path, header, resume=resume, log=safe_log)
    return store_sink


# --------------------------------------------------------------------------- reading input files


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
class _Run:
    key: str
    graph: str | None  # None: the default graph, appended to
    triples: list[Triple] | None  # None: a deletion marker
    replace: bool


def _graph_iri(term: str) -> str:
    return term[1:-1] if term[:1] == "<" else f"urn:arkgraph:bnode-graph:{term[2:]}"


def read_runs(path: Path, fmt: str, *, graph: str | None = None) -> Iterator[_Run]:
    """Group a file's statements into record runs, in file order.

    Records are those of :mod:`arkgraph.rdfio.records`, in every format: a named graph in a quads
    file; in a triples file the statements from one record-root type to the next. The first run of a
    record replaces its graph; a later run of the same graph (a file not grouped by graph) adds to
    it. A deletion marker is its own run. Statements of no record go to the default graph (added to).
    With ``graph``, a triples file's statements all go to that graph (replaced).
    Runs are cut at RUN_TRIPLES so memory stays bounded; each piece has a stable key for --resume.
    """
    from .rdfio import readers  # not for the bulk path: the reader and the shapes it needs load on use

    runs: dict[str | None, int] = {}  # runs seen per graph: makes each run's key stable across re-runs
    fresh: set[str | None] = set()  # graphs whose next run adds (not the first run, no deletion since)
    source = str(path)
    deletions = f"<{DELETIONS}>"

    def emit(current: str | None, buf: list[Triple]) -> _Run:
        n = runs.get(current, 0)
        runs[current] = n + 1
        if current is None:
            return _Run(f"{source}#default-{n}", None, buf, replace=False)
        run = _Run(current if n == 0 else f"{current} #{n}", current, buf, replace=current not in fresh)
        fresh.add(current)
        return run

    def deletion(subject: str) -> _Run:
        n = runs.get("-" + subject, 0)
        runs["-" + subject] = n + 1
        fresh.discard(subject)  # a later run of a deleted graph starts afresh: it replaces
        return _Run(f"-{subject}" + (f" #{n}" if n else ""), subject, None, replace=True)

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


# --------------------------------------------------------------------------- the bulk path

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

    Lines come from the buffered reader's C line splitter; a line of the same graph as the line before
    costs one ``endswith`` (tried: jumping over a record's lines with ``rfind`` and checking them with
    ``count`` is slower, as CPython's ``count(b"\\n")`` is a byte loop and the line splitter uses memchr).
    """
    part_bytes = part_bytes or PART_BYTES
    graphs: dict[str, None] = {}
    deletions: dict[str, None] = {}
    triples = 0
    suffix = b"\x00"
    marker_pred = f"<{DELETED}>".encode()
    marker_graph = DELETIONS.encode()
    parts = [_Part(0, 0)]
    with open(path, "rb", buffering=SCAN_BLOCK) as fh:
        tell = fh.tell
        for line in fh:
            if line.endswith(suffix):  # same graph as the line before: the common case, kept cheap
                triples += 1
                continue
            at = tell() - len(line)  # a graph starts here (or a comment, a marker, a triple): a place to cut
            if at - parts[-1].start >= part_bytes:
                parts[-1].end = at
                parts.append(_Part(at, 0))
            text = line.strip()
            if not text or text.startswith(b"#"):
                continue
            if b"\t" in text or not text.endswith(b" ."):
                return None
            if not text.endswith(b"> ."):
                last = text[:-2].rsplit(b" ", 1)[-1]
                if last.startswith(b"_:"):
                    return None  # a blank-node graph, or a triple: not worth telling apart
                triples += 1  # a triple with a literal object: default graph
                continue
            cut = text.rfind(b" <")
            head = text[:cut].split(b" ", 2)
            if cut <= 0 or len(head) < 3:
                triples += 1  # <s> <p> <o> . — a default-graph triple
                continue
            g = text[cut + 2:-3]
            if any(c in g for c in (b" ", b"<", b">", b'"')):
                return None
            if g == marker_graph and head[1] == marker_pred:
                deletions[head[0][1:-1].decode("utf-8")] = None
                continue
            name = g.decode("utf-8")
            if name not in graphs:
                graphs[name] = None
                parts[-1].graphs.append(name)
            suffix = b" <" + g + b"> .\n"
            triples += 1
        parts[-1].end = tell()
    if any(d in graphs for d in deletions):
        return None
    return _Scan(graphs, deletions, triples, [p for p in parts if p.end > p.start])


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
    from .rdfio.cutting import lines_before

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


# --------------------------------------------------------------------------- load (files)


def load_files(paths: list[Path], target: str, *, fmt: str | None = None, graph: str | None = None,
               auth: str | Auth | None = None, protocol: str = "update", default_graph: bool = False,
               resume: bool = False, checkpoint: str | Path | None = None, profiles: tuple[str, ...] = (),
               bulk: bool | None = None, lenient: bool = True, query_url: str | None = None,
               update_url: str | None = None, gsp_url: str | None = None, policy: RetryPolicy | None = None,
               log: Log | None = None, batch_records: int = BATCH_RECORDS,
               batch_bytes: int = BATCH_BYTES) -> dict[str, int]:
    """``arkgraph load``: read each file and write its records to ``target``. Returns the counts.

    ``bulk``: None = the bulk path where it fits (embedded store, canonical N-Quads, named graphs).
    """
    log = log or (lambda _m: None)
    formats = []
    for p in paths:
        if not p.is_file() or not os.access(p, os.R_OK):
            raise InputError(f"{p}: no such readable file")
        formats.append(guess_format(p, fmt))
    if graph and not re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$", graph):
        raise UsageError(f"--graph {graph!r} is not an absolute IRI")
    sink = open_sink(target, auth=auth, protocol=protocol, default_graph=default_graph, resume=resume,
                     profiles=profiles, checkpoint=checkpoint, inputs=[str(p.resolve()) for p in paths],
                     query_url=query_url, update_url=update_url, gsp_url=gsp_url, policy=policy, log=log,
                     batch_records=batch_records, batch_bytes=batch_bytes)
    try:
        for p, f in zip(paths, formats):
            _load_one(sink, p, f, graph=graph, bulk=bulk, lenient=lenient, log=log)
        return sink.close()
    except ArkgraphError as exc:
        sink.abort()
        raise detached(exc) from None
    except BaseException:
        sink.abort()
        raise


def detached(exc: BaseException) -> BaseException:
    """The error without its traceback and context: their frames would keep the store's lock alive."""
    exc.__context__ = exc.__cause__ = None
    return exc.with_traceback(None)


def _load_one(sink: BatchingSink, path: Path, fmt: str, *, graph: str | None, bulk: bool | None,
              lenient: bool, log: Log) -> None:
    file_key = f"file:{path.resolve()}"
    if file_key in sink.checkpoint.done:
        sink.stats.skipped += 1
        log(f"{path}: already loaded (checkpoint); skipped")
        return
    if fmt not in formats.QUADS and graph is None and not sink.default_graph:
        log(f"note: {path} holds triples, not quads: each record goes to its own graph (a record starts where "
            "its main resource is typed); statements of no record are added to the default graph "
            "(pass --graph IRI to load the file as one replaceable graph)")
    want_bulk = bulk is not False and isinstance(sink, EmbeddedSink) and fmt == "nq" and not sink.default_graph
    if want_bulk:
        sink.flush()  # earlier files' buffered records go first
        if bulk_load_file(sink, path, lenient=lenient):
            sink.checkpoint.mark([file_key])
            return
        log(f"note: {path} is not in arkgraph's one-quad-per-line layout; loading record by record")
    source = str(path)
    for run in read_runs(path, fmt, graph=graph):
        if run.triples is None:
            sink.delete(run.graph or "", source=source, key=run.key)
        elif run.graph is None:
            _write_default(sink, run, source)
        else:
            sink.write(run.graph, run.triples, source=source, replace=run.replace, key=run.key)


def _write_default(sink: BatchingSink, run: _Run, source: str) -> None:
    """Triples with no graph: appended to the default graph (no record to replace), no provenance."""
    assert run.triples is not None
    key = run.key
    if key in sink.checkpoint.done:
        sink.stats.skipped += 1
        return
    sink.flush()
    try:
        sink._commit_default(run.triples)  # type: ignore[attr-defined]
    except EndpointError as exc:
        raise LoadInterrupted(sink._stop_message(str(exc))) from None
    sink.checkpoint.mark([key])
    sink.stats.triples += len(run.triples)


def _embedded_commit_default(self: EmbeddedSink, triples: list[Triple]) -> None:
    import pyoxigraph as ox

    self.store.load(input="".join(_nt_lines(triples)).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)


def _remote_commit_default(self: RemoteSink, triples: list[Triple]) -> None:
    lines = list(_nt_lines(triples))
    for part in _split_lines(lines, self.batch_bytes):
        if self.protocol == "gsp":
            self.client.gsp_post(None, lambda part=part: chunked(x.encode("utf-8") for x in part))
        else:
            self.client.update(lambda part=part: chunked(
                [b"INSERT DATA {\n", *(x.encode("utf-8") for x in part), b"}\n"]))


EmbeddedSink._commit_default = _embedded_commit_default  # type: ignore[attr-defined]
RemoteSink._commit_default = _remote_commit_default  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- query

QUERY_FORMATS = ("table", "csv", "tsv", "json")
_RESULT_MEDIA = {"csv": "text/csv", "tsv": "text/tab-separated-values", "json": "application/sparql-results+json",
                 "table": "application/sparql-results+json"}


@dataclass
class Table:
    """A SELECT/ASK result held for display: variables and rows of SPARQL-JSON term objects."""

    variables: list[str]
    rows: list[list[dict | None]]


def _term_json(term) -> dict | None:
    import pyoxigraph as ox

    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        d: dict[str, str] = {"type": "literal", "value": term.value}
        if term.language:
            d["xml:lang"] = term.language
        elif term.datatype.value != XSD + "string":
            d["datatype"] = term.datatype.value
        return d
    return {"type": "triple", "value": str(term)}


def run_query(target: str, sparql: str, *, fmt: str, out, auth: str | Auth | None = None,
              query_url: str | None = None, policy: RetryPolicy | None = None,
              log: Log | None = None) -> Table | None:
    """Run a query on a store path or an endpoint URL.

    csv/tsv/json: the standard SPARQL results bytes are written to ``out`` (binary) as they come.
    table: a :class:`Table` is returned for the caller to draw. CONSTRUCT/DESCRIBE always write N-Triples.
    """
    if fmt not in QUERY_FORMATS:
        raise UsageError(f"--format must be one of {', '.join(QUERY_FORMATS)}")
    if is_remote(target):
        return _query_remote(target, sparql, fmt=fmt, out=out, auth=auth, query_url=query_url,
                             policy=policy, log=log)
    if auth:
        raise UsageError("--auth is for http(s) endpoints; an embedded store is a directory")
    return _query_embedded(target, sparql, fmt=fmt, out=out)


def _query_embedded(path: str, sparql: str, *, fmt: str, out) -> Table | None:
    store = open_store(path, must_exist=True)
    try:
        table, error = _answer(store, sparql, fmt=fmt, out=out)
    finally:
        del store  # closes the store now: another command may want its lock
        gc.collect()
    if error is not None:
        raise error
    return table


def _answer(store, sparql: str, *, fmt: str, out) -> tuple[Table | None, ArkgraphError | None]:
    """Errors are returned, not raised: a traceback would keep the store (and its lock) alive."""
    import pyoxigraph as ox

    try:
        result = store.query(sparql, use_default_graph_as_union=True)  # records live in named graphs
    except SyntaxError as exc:
        return None, UsageError(f"SPARQL syntax error: {exc}")
    except (OSError, RuntimeError, ValueError) as exc:
        return None, ArkgraphError(f"query failed: {exc}")
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        if fmt == "table":
            if isinstance(result, ox.QueryBoolean):
                return Table(["ask"], [[{"type": "literal", "value": str(bool(result)).lower()}]]), None
            names = [v.value for v in result.variables]
            return Table(names, [[_term_json(sol[i]) for i in range(len(names))] for sol in result]), None
        result.serialize(out, {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                               "json": ox.QueryResultsFormat.JSON}[fmt])
        return None, None
    result.serialize(out, ox.RdfFormat.N_TRIPLES)
    return None, None


def _query_remote(url: str, sparql: str, *, fmt: str, out, auth: str | Auth | None, query_url: str | None,
                  policy: RetryPolicy | None, log: Log | None) -> Table | None:
    creds = parse_auth(auth) if isinstance(auth, str) else auth
    redact = Redactor(creds)
    client = SparqlClient(Endpoints.from_url(url, query_url=query_url), auth=creds, policy=policy,
                          redactor=redact, log=lambda m: (log or (lambda _m: None))(redact(m)))
    try:
        resp = client.query(sparql, accept=f"{_RESULT_MEDIA[fmt]}, application/n-triples;q=0.9")
    except EndpointError as exc:
        if "HTTP 400" in str(exc):  # the server didn't understand the query: a usage error
            raise UsageError(str(exc)) from None
        raise
    finally:
        client.close()
    ctype = resp.headers.get("content-type", "").split(";")[0].strip()
    if fmt == "table" and ctype in ("application/sparql-results+json", "application/json"):
        data = resp.json()
        if "boolean" in data:
            return Table(["ask"], [[{"type": "literal", "value": str(bool(data["boolean"])).lower()}]])
        names = data["head"].get("vars", [])
        return Table(names, [[b.get(v) for v in names] for b in data["results"]["bindings"]])
    out.write(resp.content)
    return None
